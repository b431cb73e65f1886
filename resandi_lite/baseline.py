"""A classical baseline: hand-made trajectory features and a scikit-learn classifier.

:func:`features` turns each trajectory into a short vector of the statistics
of :mod:`resandi_lite.signatures` (plus its length); :func:`make_classifier`
builds a logistic regression, a random forest or a gradient-boosted tree
ensemble on top.  scikit-learn is an optional dependency (the ``book``
extra); it is imported only when a classifier is built.
"""

from __future__ import annotations

import numpy as np

from . import signatures

#: Names of the columns of :func:`features`, in order.
FEATURES = ("lag-1 autocorrelation", "zero steps", "asinh kurtosis", "diffusivity change", "MSD ratio",
            "straightness", "MSD exponent", "flight fraction", "log10 length")
#: The classifiers :func:`make_classifier` can build.
KINDS = ("logistic", "forest", "boosting")
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
        raise ImportError("the classical baseline needs scikit-learn; install it with "
                          "'pip install scikit-learn' or 'pip install resandi-lite[book]'") from err
    if kind == "logistic":
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=1.0))
    if kind == "forest":
        return RandomForestClassifier(n_estimators=300, min_samples_leaf=2, n_jobs=1, random_state=random_state)
    if kind == "boosting":
        return HistGradientBoostingClassifier(max_iter=300, learning_rate=0.1, early_stopping=True,
                                              random_state=random_state)
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
    """Accuracy and per-class accuracy of a fitted feature classifier on a :class:`TrajectoryDataset`.

    Returns
    -------
    dict with ``accuracy`` (float), ``per_class`` (ndarray of shape (8,)) and ``n`` (int)
    """
    y = np.asarray(dataset.y)
    correct = classifier.predict(features(dataset.X, dataset.lengths)) == y
    per_class = np.array([correct[y == k].mean() if np.any(y == k) else np.nan for k in range(int(y.max()) + 1)])
    return {"accuracy": float(correct.mean()), "per_class": per_class, "n": int(len(y))}
