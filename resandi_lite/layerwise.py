"""Layer-wise interpretation: what each stage of the network has picked up.

Three tools, after the paper's section on the fixed-length (T = 1000) model:

* **window statistics** on the 32 windows of 225 steps (stride 25) that match
  the 32 positions of layer4, and their correlation with the Grad-CAM map, per
  class (:func:`window_statistics`, :func:`composites`, :func:`map_correlations`);
* **linear probes**: freeze the network up to a stage, average-pool its output
  and fit a linear classifier (:func:`stage_features`, :func:`linear_probe`,
  :func:`block_probes`), plus 2-D embeddings of the pooled features (:func:`embed`);
* **feature ablation**: swap the window where a statistic peaks for a distant
  one and compare the accuracy drop with a random swap (:func:`feature_ablation`).
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from torch import nn

from .evaluate import confusion_matrix, predict
from .model import model_device
from .preprocess import minmax_scale

N_WINDOWS, WINDOW, STRIDE = 32, 225, 25
STATISTICS = ("f1", "f2", "f3", "f4", "f5")
COMPOSITES = ("AC", "CS", "SG", "VD")

#: The paper's Pearson correlations of the layer4 map with the composites (fixed-length model), per class.
PAPER_CORRELATIONS = {
    ("SubCTRW", "AC"): -0.375, ("SubCTRW", "SG"): 0.360, ("SubCTRW", "VD"): -0.186,
    ("SubFBM", "AC"): -0.198, ("SubFBM", "CS"): -0.117, ("SubSBM", "VD"): -0.374,
    ("SupFBM", "AC"): 0.338, ("SupFBM", "CS"): 0.156, ("SupSBM", "VD"): 0.333, ("SubATTM", "SG"): -0.071,
}
#: The paper's block-wise probe accuracies (%) on its groupings (block 1: 4 groups, 2: 6 groups, 3: all 8).
PAPER_PROBES = {"layer1": 89.44, "layer2": 86.91, "layer3": 93.24}


def _windows(d: np.ndarray) -> np.ndarray:
    """Increments of each window: (n, 2, 999) -> view (n, 2, 32, 224)."""
    view = np.lib.stride_tricks.sliding_window_view(d, WINDOW - 1, axis=-1)
    return view[:, :, : STRIDE * N_WINDOWS: STRIDE]


def _kurtosis(x: np.ndarray) -> np.ndarray:
    c = x - x.mean(axis=-1, keepdims=True)
    var = (c**2).mean(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (c**4).mean(axis=-1) / var**2 - 3.0


def _scale_per_trajectory(f: np.ndarray) -> np.ndarray:
    """|f| MinMax-scaled over the 32 windows of each trajectory (NaN-safe)."""
    a = np.abs(f)
    with np.errstate(invalid="ignore", divide="ignore"):
        low, high = np.nanmin(a, axis=1, keepdims=True), np.nanmax(a, axis=1, keepdims=True)
        return (a - low) / (high - low)


def window_statistics(X, *, chunk: int = 256) -> dict:
    """The five window statistics of the paper on the increments of the scaled input.

    Parameters
    ----------
    X : ndarray of shape (n, 2, 1000)
        Network input (fixed length T = 1000: the windows assume no padding).
    chunk : int
        Trajectories per vectorised step (bounds the memory).

    Returns
    -------
    dict of str to ndarray of shape (n, 32), float64
        ``f1`` lag-1 autocorrelation of the increments (mean of x and y);
        ``f2`` excess kurtosis (mean over 4 quarters and x, y); ``f3``
        jumpiness, max over x, y of std(|d_t+1| / |d_t|); ``f4`` change of
        diffusivity, (std of the last quarter - std of the first) / 4 over the
        mean std (mean of x, y); ``f5`` std of the turning angle / pi.  f2, f3
        and f5 are taken in absolute value and MinMax-scaled per trajectory.
        NaN where a statistic is undefined (a window without movement).
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 3 or X.shape[1:] != (2, 1000):
        raise ValueError(f"X must have shape (n, 2, 1000), got {X.shape}")
    out = {k: np.empty((len(X), N_WINDOWS)) for k in STATISTICS}
    with warnings.catch_warnings():  # windows without movement give NaN on purpose
        warnings.simplefilter("ignore", RuntimeWarning)
        _fill_statistics(X, out, chunk)
        for k in ("f2", "f3", "f5"):
            out[k] = _scale_per_trajectory(out[k])
    return out


def _fill_statistics(X: np.ndarray, out: dict, chunk: int) -> None:
    for start in range(0, len(X), chunk):
        w = _windows(np.diff(X[start:start + chunk], axis=-1))  # (m, 2, 32, 224)
        sl = slice(start, start + len(w))
        c = w - w.mean(axis=-1, keepdims=True)
        var = (c**2).mean(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["f1"][sl] = np.mean((c[..., 1:] * c[..., :-1]).mean(axis=-1) / var, axis=1)
            quarters = w.reshape(w.shape[:-1] + (4, -1))  # (m, 2, 32, 4, 56)
            out["f2"][sl] = _kurtosis(quarters).mean(axis=(1, 3))
            a = np.abs(w)
            ratio = np.where(a[..., :-1] > 0, a[..., 1:] / np.where(a[..., :-1] > 0, a[..., :-1], 1), np.nan)
            out["f3"][sl] = np.nanmax(np.nanstd(ratio, axis=-1), axis=1)
            s = quarters.std(axis=-1)  # (m, 2, 32, 4)
            out["f4"][sl] = np.mean((s[..., 3] - s[..., 0]) / 4 / s.mean(axis=-1), axis=1)
            heading = np.arctan2(w[:, 1], w[:, 0])  # (m, 32, 224)
            moving = np.hypot(w[:, 1], w[:, 0]) > 0
            turn = np.angle(np.exp(1j * (heading[..., 1:] - heading[..., :-1])))
            turn = np.where(moving[..., 1:] & moving[..., :-1], turn, np.nan)
            out["f5"][sl] = np.nanstd(turn, axis=-1) / np.pi


def composites(stats: dict) -> dict:
    """The paper's composite features: AC = f1, CS = f1 f5, SG = f3 f2, VD = f4 f2 (each (n, 32))."""
    return {"AC": stats["f1"], "CS": stats["f1"] * stats["f5"], "SG": stats["f3"] * stats["f2"],
            "VD": stats["f4"] * stats["f2"]}


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks with ties averaged (for Spearman's correlation)."""
    order = np.argsort(x, kind="mergesort")
    sorted_x = x[order]
    first = np.r_[True, sorted_x[1:] != sorted_x[:-1]]
    group = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    ends = np.r_[starts[1:], x.size]
    ranks = np.empty(x.size)
    ranks[order] = ((starts + ends - 1) / 2)[group]
    return ranks


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    denominator = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denominator) if denominator > 0 else float("nan")


def correlation(a, b, method: str = "pearson") -> float:
    """Pearson or Spearman correlation of two arrays, ignoring pairs with a NaN."""
    a, b = np.ravel(a).astype(np.float64), np.ravel(b).astype(np.float64)
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    if a.size < 3:
        return float("nan")
    if method == "spearman":
        a, b = _ranks(a), _ranks(b)
    elif method != "pearson":
        raise ValueError(f"method must be 'pearson' or 'spearman', got {method!r}")
    return _pearson(a, b)


def map_correlations(maps, features: dict, y, classes=None, method: str = "pearson") -> dict:
    """Correlation of the raw 32-bin map with each feature, pooled over trajectories and windows, per class.

    Parameters
    ----------
    maps : ndarray of shape (n, 32)
    features : dict of str to ndarray of shape (n, 32)
    y : ndarray of shape (n,)
    classes : sequence of str, optional
        Names of the labels (default: :data:`resandi_lite.CLASSES`).
    method : "pearson" or "spearman"

    Returns
    -------
    dict of (class name, feature name) to float
    """
    from .simulate.classes import CLASSES

    maps, y = np.asarray(maps), np.asarray(y)
    classes = CLASSES if classes is None else classes
    if maps.ndim != 2 or maps.shape[1] != N_WINDOWS or y.shape != (len(maps),):
        raise ValueError(f"maps must be (n, {N_WINDOWS}) and y (n,), got {maps.shape} and {y.shape}")
    out = {}
    for label in np.unique(y):
        rows = y == label
        for name, f in features.items():
            if np.shape(f) != maps.shape:
                raise ValueError(f"feature {name!r} must have shape {maps.shape}, got {np.shape(f)}")
            out[(classes[label], name)] = correlation(maps[rows], np.asarray(f)[rows], method)
    return out


@torch.no_grad()
def stage_features(model: nn.Module, X, stage: str, *, batch_size: int = 512) -> np.ndarray:
    """Globally average-pooled output of a stage of a frozen network.

    Returns
    -------
    ndarray of shape (n, channels of the stage), float32
    """
    from .model import STAGES

    if stage not in ("stem", *STAGES):
        raise ValueError(f"stage must be one of stem, {', '.join(STAGES)}, got {stage!r}")
    was_training = model.training
    model.eval()
    device = model_device(model)
    X = torch.as_tensor(np.asarray(X, dtype=np.float32))
    out = []
    try:
        for i in range(0, len(X), batch_size):
            acts = model.stages(X[i:i + batch_size].to(device), upto="layer1" if stage == "stem" else stage)
            out.append(acts[stage].mean(dim=2).cpu())
    finally:
        model.train(was_training)
    return torch.cat(out).numpy()


def linear_probe(train_features, train_y, test_features, test_y, *, n_classes: int | None = None,
                 steps: int = 300, lr: float = 0.05, weight_decay: float = 1e-4, seed: int = 0) -> dict:
    """Fit a linear (softmax) classifier on frozen features and test it.

    Features are standardised with the training mean and std; the classifier
    is trained full-batch with Adam.

    Returns
    -------
    dict
        ``accuracy`` (float), ``confusion`` (k, k) row fractions,
        ``predictions`` (m,), ``train_accuracy`` (float).
    """
    Xtr, Xte = np.asarray(train_features, np.float32), np.asarray(test_features, np.float32)
    ytr, yte = np.asarray(train_y, np.int64), np.asarray(test_y, np.int64)
    k = int(max(ytr.max(), yte.max()) + 1) if n_classes is None else n_classes
    mean, std = Xtr.mean(0), Xtr.std(0) + 1e-6
    Xtr_t, Xte_t = torch.from_numpy((Xtr - mean) / std), torch.from_numpy((Xte - mean) / std)
    ytr_t = torch.from_numpy(ytr)
    g = torch.Generator().manual_seed(seed)
    head = nn.Linear(Xtr.shape[1], k)
    with torch.no_grad():
        head.weight.copy_(torch.randn(head.weight.shape, generator=g) * 0.01)
        head.bias.zero_()
    opt = torch.optim.Adam(head.parameters(), lr=lr, weight_decay=weight_decay)
    for _ in range(steps):
        opt.zero_grad()
        nn.functional.cross_entropy(head(Xtr_t), ytr_t).backward()
        opt.step()
    with torch.no_grad():
        pred = head(Xte_t).argmax(1).numpy()
        train_acc = float((head(Xtr_t).argmax(1) == ytr_t).float().mean())
    return {"accuracy": float(np.mean(pred == yte)), "confusion": confusion_matrix(yte, pred, k),
            "predictions": pred, "train_accuracy": train_acc}


def block_probes(model: nn.Module, train, test, stages=("layer1", "layer2", "layer3", "layer4"), **kwargs) -> dict:
    """A linear probe on each stage: ``{stage: linear_probe(...)}``; ``train``/``test`` are datasets with X, y."""
    return {s: linear_probe(stage_features(model, train.X, s), train.y, stage_features(model, test.X, s), test.y,
                            **kwargs) for s in stages}


def embed(features, method: str = "pca", *, seed: int = 0) -> np.ndarray:
    """2-D embedding of feature vectors: ``"pca"`` (numpy) or ``"tsne"`` (scikit-learn).

    Returns
    -------
    ndarray of shape (n, 2), float64
    """
    F = np.asarray(features, dtype=np.float64)
    F = (F - F.mean(0)) / (F.std(0) + 1e-9)
    if method == "pca":
        _, _, vt = np.linalg.svd(F, full_matrices=False)
        return F @ vt[:2].T
    if method == "tsne":
        try:
            from sklearn.manifold import TSNE
        except ImportError as err:
            raise ImportError("t-SNE needs scikit-learn: pip install scikit-learn") from err
        return TSNE(n_components=2, random_state=seed, init="pca", perplexity=min(30, len(F) - 1)).fit_transform(F)
    raise ValueError(f"method must be 'pca' or 'tsne', got {method!r}")


def swap_windows(X, source, destination) -> np.ndarray:
    """Replace the increments of window ``destination[i]`` by those of window ``source[i]`` and rescale.

    Parameters
    ----------
    X : ndarray of shape (n, 2, 1000)
    source, destination : ndarray of shape (n,), int in 0..31

    Returns
    -------
    ndarray of shape (n, 2, 1000), float32, MinMax-scaled per coordinate
    """
    X = np.asarray(X, dtype=np.float64)
    d = np.diff(X, axis=-1)
    rows = np.arange(len(X))[:, None]
    offsets = np.arange(WINDOW - 1)[None, :]
    src = STRIDE * np.asarray(source)[:, None] + offsets
    dst = STRIDE * np.asarray(destination)[:, None] + offsets
    d[rows, :, dst] = d[rows, :, src]  # (n, 224, 2) both sides
    P = np.concatenate([X[:, :, :1], X[:, :, :1] + np.cumsum(d, axis=-1)], axis=-1)
    return minmax_scale(P)


def feature_ablation(model: nn.Module, X, y, feature: np.ndarray, *, rng=None, min_distance: int = 9,
                     batch_size: int = 512) -> dict:
    """Swap out the window where ``feature`` peaks for the most different distant window; compare with random swaps.

    Parameters
    ----------
    feature : ndarray of shape (n, 32)
        A window statistic or composite (e.g. ``composites(...)["AC"]``).
    min_distance : int
        Windows at least this many positions apart do not overlap (225 / 25 = 9).

    Returns
    -------
    dict
        ``clean``, ``targeted`` and ``random`` accuracy; ``peak`` (n,) and
        ``replacement`` (n,) window indices of the targeted swap.
    """
    X, y = np.asarray(X, np.float32), np.asarray(y)
    f = np.nan_to_num(np.abs(np.asarray(feature, np.float64)), nan=0.0)
    rng = np.random.default_rng(rng)
    idx = np.arange(N_WINDOWS)
    peak = f.argmax(axis=1)
    far = np.abs(idx[None, :] - peak[:, None]) >= min_distance
    replacement = np.where(far, f, np.inf).argmin(axis=1)  # the distant window where the statistic is weakest
    rand_dst = rng.integers(0, N_WINDOWS, len(X))
    options = np.abs(idx[None, :] - rand_dst[:, None]) >= min_distance
    rand_src = np.where(options, rng.random(options.shape), -1.0).argmax(axis=1)  # uniform among distant windows

    def accuracy(inputs):
        return float(np.mean(predict(model, inputs, batch_size=batch_size).argmax(1) == y))

    return {"clean": accuracy(X), "targeted": accuracy(swap_windows(X, replacement, peak)),
            "random": accuracy(swap_windows(X, rand_src, rand_dst)), "peak": peak, "replacement": replacement}
