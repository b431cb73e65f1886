"""Classical baselines: hand-made trajectory features with scikit-learn, and the ROCKET family through aeon.

:func:`features` turns each trajectory into a short vector of the statistics
of :mod:`resandi_lite.signatures` (plus its length); :func:`make_classifier`
builds a logistic regression, a random forest or a gradient-boosted tree
ensemble (scikit-learn's HistGradientBoosting) on top.  scikit-learn is an
optional dependency (the ``book`` extra); it is imported only when a
classifier is built.

:class:`RocketClassifier` is the time-series field's general-purpose
classifier: MiniRocket (or MultiRocket) random convolutional features of the
:func:`increments`, then a ridge classifier, as aeon's own
``MiniRocketClassifier`` does, but with the transform done in batches, float32
features, and a ridge fit that scales to 10^5 trajectories in memory.  aeon is
the optional extra ``baselines`` (``pip install resandi-lite[baselines]``).
"""

from __future__ import annotations

import numpy as np

from . import signatures

#: Names of the columns of :func:`features`, in order.
FEATURES = (
    "lag-1 autocorrelation",
    "zero steps",
    "asinh kurtosis",
    "diffusivity change",
    "MSD ratio",
    "straightness",
    "MSD exponent",
    "flight fraction",
    "log10 length",
)
#: The classifiers :func:`make_classifier` can build.
KINDS = ("logistic", "forest", "boosting")
#: The kernel transforms :class:`RocketClassifier` can use (aeon's names, lower case).
ROCKETS = ("minirocket", "multirocket")
_CLIP = 10.0  # |diffusivity change| and |MSD ratio| beyond this carry no more information (a half that never moves)


def features(X, lengths=None, *, chunk: int = 2048) -> np.ndarray:
    """One row of hand-made features per trajectory (the columns of :data:`FEATURES`).

    The six :func:`resandi_lite.signatures.statistics`, the time-averaged MSD
    exponent, the fraction of repeated steps (Levy flights) and log10 of the
    number of points.  Heavy tails are tamed so that linear models can use
    them: the kurtosis enters as ``asinh``, log ratios are clipped to +-10,
    and an undefined value (a trajectory that never moves) becomes 0.

    Parameters
    ----------
    X : ndarray of shape (n, 2, T), e.g. the float32 network input (n, 2, 1000), or a list of (2, T_i) arrays
    lengths : ndarray of shape (n,), int, optional
        Valid points at the end of each row (``dataset.lengths``); default all.
    chunk : int
        Trajectories processed at once (bounds the memory: about 100 MB per 1000 at T = 1000).

    Returns
    -------
    ndarray of shape (n, 9), float64, all finite

    Examples
    --------
    >>> import resandi_lite as rl
    >>> ds = rl.make_dataset(3, seed=0)
    >>> features(ds.X, ds.lengths).shape
    (24, 9)
    """
    if isinstance(X, (list, tuple)):
        X, lengths, _ = signatures._prepare(X)
    X = np.asarray(X)
    lengths = np.full(len(X), X.shape[-1]) if lengths is None else np.asarray(lengths)
    if chunk < 1:
        raise ValueError(f"chunk must be a positive number of trajectories, got {chunk}")
    out = np.empty((len(X), len(FEATURES)))
    for start in range(0, len(X), chunk):
        part = slice(start, start + chunk)
        x, t = np.asarray(X[part], dtype=np.float64), lengths[part]
        s = signatures.statistics(x, t)
        s[:, 2] = np.arcsinh(s[:, 2])
        out[part, :6] = s
        out[part, 6] = signatures.msd_exponent(x, t)
        out[part, 7] = signatures.flight_fraction(x, t)
        out[part, 8] = np.log10(t)
    out[:, 3:5] = np.clip(out[:, 3:5], -_CLIP, _CLIP)
    return np.nan_to_num(out, nan=0.0)


def make_classifier(kind: str = "boosting", *, random_state: int | None = 0):
    """A scikit-learn classifier for the features of :func:`features`.

    Parameters
    ----------
    kind : {"logistic", "forest", "boosting"}
        ``"logistic"``: standardised features + multinomial logistic
        regression (a linear model); ``"forest"``: random forest of 300 trees;
        ``"boosting"``: histogram gradient boosting (scikit-learn's fast
        gradient-boosted trees, early stopping on 10% of the training data).
    random_state : int or None

    Returns
    -------
    sklearn estimator with ``fit(F, y)`` and ``predict(F)``
    """
    try:
        from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
    except ImportError as err:
        raise ImportError(
            "the classical baseline needs scikit-learn; install it with "
            "'pip install scikit-learn' or 'pip install resandi-lite[book]'"
        ) from err
    if kind == "logistic":
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=1.0))
    if kind == "forest":
        return RandomForestClassifier(n_estimators=300, min_samples_leaf=2, n_jobs=1, random_state=random_state)
    if kind == "boosting":
        return HistGradientBoostingClassifier(
            max_iter=300, learning_rate=0.1, early_stopping=True, random_state=random_state
        )
    raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")


def chapter_forest(length="varying", *, n_per_class: int = 500, seed: int = 0):
    """The random forest of chapter 4, trained on its own simulated set.

    Chapter 4 (book profile) fits ``make_classifier("forest", random_state=0)``
    on the features of ``make_dataset(500, length, seed=0)``.  The model cards
    score it on each shipped network's test set, so that the network and the
    classical baseline are compared on the same trajectories.

    Parameters
    ----------
    length : "varying" or int
        Trajectory-length protocol of the training set.
    n_per_class : int
        Training trajectories per class.
    seed : int
        Seed of the training set and of the forest.

    Returns
    -------
    sklearn.ensemble.RandomForestClassifier, fitted on :func:`features`
    """
    from .data import make_dataset

    if not isinstance(n_per_class, int) or isinstance(n_per_class, bool) or n_per_class < 2:
        raise ValueError(f"n_per_class must be an integer >= 2, got {n_per_class!r}")
    train = make_dataset(n_per_class, length, seed=seed)
    return make_classifier("forest", random_state=seed).fit(features(train.X, train.lengths), train.y)


def score(classifier, dataset) -> dict:
    """Accuracy and per-class accuracy of a fitted classifier on a :class:`TrajectoryDataset`.

    ``classifier``: a scikit-learn model fitted on :func:`features`, or a
    fitted :class:`RocketClassifier`.

    Returns
    -------
    dict with ``accuracy`` (float), ``per_class`` (ndarray of shape (8,)) and ``n`` (int)
    """
    y = np.asarray(dataset.y)
    if isinstance(classifier, RocketClassifier):
        correct = classifier.predict(dataset.X, dataset.lengths) == y
    else:
        correct = classifier.predict(features(dataset.X, dataset.lengths)) == y
    per_class = np.array([correct[y == k].mean() if np.any(y == k) else np.nan for k in range(int(y.max()) + 1)])
    return {"accuracy": float(correct.mean()), "per_class": per_class, "n": int(len(y))}


def increments(X, lengths=None) -> np.ndarray:
    """Standardised increments of preprocessed trajectories: the input of :class:`RocketClassifier`.

    Each coordinate's steps over the observed part are divided by their
    standard deviation; the left padding becomes zeros.  Why increments, and
    why standardised:

    * MinMax scaling (preprocessing step 4) is affine per coordinate, so
      dividing the steps of ``X`` by their standard deviation undoes it
      exactly: these are the normalised steps of preprocessing step 1 (plus the
      localisation noise's differences).  The global range, which depends on
      the length and the exponent more than on the mechanism, is gone, and a
      short trajectory's steps are on the same scale as a long one's;
    * the steps of FBM and BM are stationary, and the marks of the other
      mechanisms (rests, flights, changes of diffusivity) are local patterns in
      the steps, which is what convolution kernels with proportion-of-positive
      pooling summarise; the positions are a wandering sum in which those
      patterns are small.  (On 500 training trajectories per class at varying
      length, MiniRocket scored 67% on the MinMax positions and 79% on the
      increments, on 2,000 test trajectories; ``benchmarks/baselines.py``
      measures it again on its test set);
    * the padding's steps are exactly zero (it is constant), and stay zero: a
      run of zeros says "shorter trajectory" to the kernels.

    The mean step is kept (not subtracted): a drift, the straightness of a
    flight, is part of the signal.

    Parameters
    ----------
    X : ndarray of shape (n, 2, L), float, e.g. the network input (n, 2, 1000)
    lengths : ndarray of shape (n,), int, optional
        Valid points at the end of each row (``dataset.lengths``); default all.

    Returns
    -------
    ndarray of shape (n, 2, L - 1), float32
        Zero in the first ``L - lengths[i]`` steps of row ``i``; a coordinate
        that never moves gives zeros.

    Examples
    --------
    >>> X = np.array([[[0.0, 0.0, 0.5, 1.0], [0.0, 0.0, 1.0, 0.0]]])
    >>> increments(X, [3])  # steps (0.5, 0.5) and (1, -1): standard deviations 0 and 1
    array([[[ 0.,  0.,  0.],
            [ 0.,  1., -1.]]], dtype=float32)
    """
    X = np.asarray(X)
    if X.ndim != 3 or X.shape[1] != 2 or X.shape[2] < 2 or X.dtype.kind not in "iuf":
        raise ValueError(f"X must be a float array of shape (n, 2, L) with L >= 2, got {X.dtype} {X.shape}")
    L = X.shape[2]
    lengths = np.full(len(X), L) if lengths is None else np.asarray(lengths)
    if (
        lengths.shape != (len(X),)
        or lengths.dtype.kind not in "iu"
        or (lengths.size and (lengths.min() < 2 or lengths.max() > L))
    ):
        raise ValueError(f"lengths must be integers of shape ({len(X)},) in 2..{L}, got {lengths!r}")
    out = np.empty((len(X), 2, L - 1), np.float32)
    for start in range(0, len(X), 1024):
        part = slice(start, start + 1024)
        d = np.diff(X[part].astype(np.float64), axis=-1)
        inside = np.arange(L - 1)[None, None, :] >= (L - lengths[part])[:, None, None]
        d *= inside
        k = (lengths[part] - 1)[:, None].astype(np.float64)
        var = (d * d).sum(axis=-1) / k - (d.sum(axis=-1) / k) ** 2
        std = np.sqrt(np.clip(var, 0.0, None))
        scale = np.divide(1.0, std, out=np.zeros_like(std), where=std > 1e-12)
        np.multiply(d, scale[..., None], out=out[part], casting="same_kind")
    return out


def _aeon_transform(kind: str, n_kernels: int, random_state):
    try:
        from aeon.transformations.collection.convolution_based import MiniRocket, MultiRocket
    except ImportError as err:
        raise ImportError(
            "RocketClassifier needs aeon; install it with 'pip install resandi-lite[baselines]' (or 'pip install aeon')"
        ) from err
    transform = {"minirocket": MiniRocket, "multirocket": MultiRocket}[kind]
    return transform(n_kernels=n_kernels, n_jobs=1, random_state=random_state)


class RocketClassifier:
    """MiniRocket (or MultiRocket) features of the standardised increments, and a ridge classifier.

    The pipeline of aeon's ``MiniRocketClassifier`` (and ``MultiRocketClassifier``):
    the aeon transform, ``StandardScaler(with_mean=False)``, and
    ``RidgeClassifierCV(alphas=np.logspace(-3, 3, 10))`` (leave-one-out choice
    of the ridge penalty), applied to :func:`increments`.  Two changes let it
    scale to 10^5 trajectories on one CPU core and a few GB of memory:

    * the transform runs in batches of ``batch_size`` into one float32 array
      (10,000 features: 4 GB per 10^5 trajectories);
    * with more than ``cv_size`` training trajectories, the penalty is chosen by
      ``RidgeClassifierCV`` on a random subset of ``cv_size`` of them, and the
      ridge is then solved on all of them from the Gram matrix of the scaled
      features, accumulated batch by batch (memory ``n_features**2``; time
      ``n * n_features**2``).  Up to ``cv_size`` trajectories, it *is* aeon's
      pipeline, with the same predictions.

    Parameters
    ----------
    kind : {"minirocket", "multirocket"}
    n_kernels : int
        aeon's ``n_kernels`` (MiniRocket: 10,000 features, 9,996 for two channels).
    alphas : array-like of float, optional
        Ridge penalties to choose from (default ``np.logspace(-3, 3, 10)``, aeon's).
    cv_size : int
        Largest training set on which the penalty is chosen by leave-one-out.
    batch_size : int
        Trajectories transformed at once.
    random_state : int or None
        Seed of the kernels' biases and of the subset for ``cv_size``.
    input : {"increments", "positions"}
        What the kernels see: :func:`increments` (the default, see there why),
        or the MinMax-scaled positions themselves (for comparison).

    Attributes
    ----------
    transform_ : the fitted aeon transform
    scale_ : ndarray of shape (n_features,), float64
        Standard deviation of each feature over the training set (1 where it is 0).
    alpha_ : float
        The chosen ridge penalty.
    coef_ : ndarray of shape (n_features, n_classes), float64
        On the scaled features.
    intercept_ : ndarray of shape (n_classes,), float64
    classes_ : ndarray of shape (n_classes,), int64

    Examples
    --------
    >>> import resandi_lite as rl
    >>> train, test = rl.make_dataset(10, length=200, seed=0), rl.make_dataset(5, length=200, seed=1)
    >>> model = RocketClassifier(n_kernels=84).fit(train.X, train.y, train.lengths)  # doctest: +SKIP
    >>> model.predict(test.X, test.lengths).shape  # doctest: +SKIP
    (40,)
    """

    def __init__(
        self,
        kind: str = "minirocket",
        *,
        n_kernels: int = 10_000,
        alphas=None,
        cv_size: int = 4000,
        batch_size: int = 1024,
        random_state: int | None = 0,
        input: str = "increments",
    ):
        from ._checks import check_int

        if kind not in ROCKETS:
            raise ValueError(f"kind must be one of {', '.join(ROCKETS)}, got {kind!r}")
        if input not in ("increments", "positions"):
            raise ValueError(f"input must be 'increments' or 'positions', got {input!r}")
        self.kind, self.input = kind, input
        self.n_kernels = check_int(n_kernels, "n_kernels", minimum=1)
        alphas = np.logspace(-3, 3, 10) if alphas is None else np.atleast_1d(np.asarray(alphas, dtype=np.float64))
        if alphas.ndim != 1 or alphas.size == 0 or not np.all(np.isfinite(alphas) & (alphas > 0)):
            raise ValueError(f"alphas must be positive finite ridge penalties, got {alphas!r}")
        self.alphas = alphas
        self.cv_size = check_int(cv_size, "cv_size", minimum=2)
        self.batch_size = check_int(batch_size, "batch_size", minimum=1)
        self.random_state = random_state

    def __repr__(self) -> str:
        return (
            f"RocketClassifier({self.kind!r}, n_kernels={self.n_kernels}, cv_size={self.cv_size}, input={self.input!r})"
        )

    def fit(self, X, y, lengths=None) -> RocketClassifier:
        """Fit the kernels' biases, the scaling and the ridge.

        Parameters
        ----------
        X : ndarray of shape (n, 2, 1000), float32
            Preprocessed trajectories (``dataset.X``).
        y : ndarray of shape (n,), int
            Class labels.
        lengths : ndarray of shape (n,), int, optional
            ``dataset.lengths`` (default: every row is a whole trajectory).

        Returns
        -------
        self
        """
        from sklearn.linear_model import RidgeClassifierCV

        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != len(X) or y.dtype.kind not in "iu":
            raise ValueError(f"y must be integer labels of shape ({len(X)},), got {y.dtype} {y.shape}")
        self.classes_ = np.unique(y)
        if self.classes_.size < 2:
            raise ValueError(f"y must hold at least two classes, got {self.classes_.tolist()}")
        Z = self._input(X, lengths)
        self.transform_ = _aeon_transform(self.kind, self.n_kernels, self.random_state).fit(Z)
        F = self._features(Z)
        del Z
        mean = np.zeros(F.shape[1])
        for a in range(0, len(F), self.batch_size):
            mean += F[a : a + self.batch_size].sum(axis=0, dtype=np.float64)
        mean /= len(F)
        var = np.zeros(F.shape[1])
        for a in range(0, len(F), self.batch_size):
            var += ((F[a : a + self.batch_size] - mean) ** 2).sum(axis=0)
        std = np.sqrt(var / len(F))
        self.scale_ = np.where(std > 0, std, 1.0)  # StandardScaler's rule for constant features
        F /= self.scale_.astype(np.float32)
        mean /= self.scale_
        rng = np.random.default_rng(self.random_state)
        subset = np.sort(rng.choice(len(F), self.cv_size, replace=False)) if len(F) > self.cv_size else slice(None)
        cv = RidgeClassifierCV(alphas=self.alphas).fit(F[subset], y[subset])
        self.alpha_ = float(cv.alpha_)
        if len(F) <= self.cv_size:
            self.coef_, self.intercept_ = cv.coef_.T.astype(np.float64), cv.intercept_.astype(np.float64)
            return self
        self.coef_, self.intercept_ = _ridge(F, y, self.classes_, mean, self.alpha_, self.batch_size)
        return self

    def _input(self, X, lengths) -> np.ndarray:
        if self.input == "positions":
            X = np.asarray(X)
            if X.ndim != 3 or X.shape[1] != 2 or X.dtype.kind != "f":
                raise ValueError(f"X must be a float array of shape (n, 2, L), got {X.dtype} {X.shape}")
            return X.astype(np.float32, copy=False)
        return increments(X, lengths)

    def _features(self, Z) -> np.ndarray:
        """The aeon transform of increments, batch by batch, into one float32 array."""
        first = np.asarray(self.transform_.transform(Z[: self.batch_size]), dtype=np.float32)
        F = np.empty((len(Z), first.shape[1]), np.float32)
        F[: len(first)] = first
        for a in range(self.batch_size, len(Z), self.batch_size):
            F[a : a + self.batch_size] = self.transform_.transform(Z[a : a + self.batch_size])
        return F

    def transform(self, X, lengths=None) -> np.ndarray:
        """The scaled kernel features of preprocessed trajectories.

        Returns
        -------
        ndarray of shape (n, n_features), float32
        """
        self._check_fitted()
        F = self._features(self._input(X, lengths))
        F /= self.scale_.astype(np.float32)
        return F

    def _check_fitted(self):
        if not hasattr(self, "coef_"):
            raise ValueError("this RocketClassifier is not fitted yet: call fit(X, y, lengths) first")

    def decision_function(self, X, lengths=None) -> np.ndarray:
        """Ridge scores, one column per class of ``classes_``: ndarray of shape (n, n_classes), float64."""
        self._check_fitted()
        out = []
        for a in range(0, len(X), self.batch_size):
            part = slice(a, a + self.batch_size)
            F = self.transform(X[part], None if lengths is None else np.asarray(lengths)[part])
            out.append(F.astype(np.float64) @ self.coef_ + self.intercept_)
        return np.concatenate(out) if out else np.zeros((0, len(self.classes_)))

    def predict(self, X, lengths=None) -> np.ndarray:
        """Predicted labels: ndarray of shape (n,), int64."""
        self._check_fitted()
        return self.classes_[self.decision_function(X, lengths).argmax(axis=1)]


def _ridge(F, y, classes, mean, alpha: float, batch: int):
    """Ridge regression of the +-1 class indicators on the (scaled) features ``F``, with an intercept.

    The objective of scikit-learn's ``RidgeClassifier(alpha)``:
    ``min ||Yc - Fc W||^2 + alpha ||W||^2`` on centred features and targets,
    solved from the Gram matrix (accumulated in float64 over batches of float32
    rows) by a Cholesky factorisation.
    """
    from scipy.linalg import cho_factor, cho_solve

    n, p = F.shape
    Y = np.where(y[:, None] == classes[None, :], 1.0, -1.0)
    y_mean = Y.mean(axis=0)
    gram = np.zeros((p, p))
    cross = np.zeros((p, len(classes)))
    mean32 = mean.astype(np.float32)
    for a in range(0, n, batch):
        rows = F[a : a + batch] - mean32
        gram += rows.T @ rows
        cross += rows.T.astype(np.float64) @ (Y[a : a + batch] - y_mean)
    gram[np.diag_indices(p)] += alpha
    coef = cho_solve(cho_factor(gram, overwrite_a=True), cross, overwrite_b=True)
    return coef, y_mean - mean @ coef
