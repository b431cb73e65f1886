"""Layer-wise interpretation: what each stage of the network has picked up.

Three tools, after the paper's layer-wise analysis of the fixed-length (T = 1000) model
(Bae, Baek & Jeong 2026):

* **window statistics** on the 32 windows of 225 steps (stride 25) that match
  the 32 positions of layer4, and their correlation with the Grad-CAM map, per
  class (:func:`window_statistics`, :func:`composites`, :func:`map_correlations`,
  :func:`window_activity`); :func:`window_maps` computes the maps, with any
  attribution method of :mod:`resandi_lite.attribution`; pooled over all
  windows or within trajectories (:func:`within_trajectory`: map and statistic
  demeaned per trajectory); standard errors from a bootstrap over trajectories
  (:func:`correlation_intervals`, beside Fisher's :func:`fisher_interval`);
  every sign the paper reports as a verdict with its interval, Bonferroni over
  the family (:func:`sign_claims`, :func:`sign_verdicts`, and the powered run
  :func:`layerwise_verdicts`); one sign read alone at two standard errors
  (:func:`sign_agreement`, :func:`count_sign_agreement`);
* **linear probes**: freeze the network up to a stage, average-pool its output
  and fit a linear classifier (:func:`pooled_features`, :func:`linear_probe`,
  :func:`block_probes`), the groups of classes a probe cannot tell apart
  (:func:`confusion_groups`, :func:`group_accuracy`), plus 2-D embeddings of the
  pooled features (:func:`embed`);
* **feature ablation**: swap the window where a statistic peaks for a distant
  one and compare the accuracy drop with a random swap and with a swap that
  keeps the statistic (:func:`feature_ablation`, :func:`ablation_by_feature`,
  :func:`ablation_differences`).

The paper's numbers are kept here as data (from :mod:`resandi_lite.paper`):
:data:`PAPER_CORRELATIONS` and :data:`PAPER_SPEARMAN`, the paper's heatmap of
the correlations of the layer4 map with the composite features per class
(drawn by the authors' repository, peardragon/ResAnDi, as
``figures/statistical_relevance_test.svg``); :data:`REQUIRED_SIGNS`, the five
of them the paper's argument rests on; :data:`PAPER_PROBES` and
:data:`PAPER_GROUPS`, the paper's block-wise probe accuracies and groupings
(``figures/statistical_relevance_block1.pdf`` to ``block3.pdf`` there).
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from torch import nn

from ..evaluate import confusion_matrix
from ..evaluate import predict_logits as predict
from ..model import model_device
from ..paper import CORRELATIONS as PAPER_CORRELATIONS
from ..paper import GROUPS as PAPER_GROUPS  # noqa: F401  (re-exported: chapter 11 reads lw.PAPER_GROUPS)
from ..paper import N_WINDOWS, STRIDE, WINDOW
from ..paper import PROBES as PAPER_PROBES  # noqa: F401  (re-exported: chapter 11 reads lw.PAPER_PROBES)
from ..paper import SPEARMAN as PAPER_SPEARMAN
from ..preprocess import minmax_scale
from ..simulate.classes import N_CLASSES

STATISTICS = ("f1", "f2", "f3", "f4", "f5")
COMPOSITES = ("AC", "CS", "SG", "VD")

#: The five signs the reproduction must check (issue 4): class and composite.
REQUIRED_SIGNS = (("SubCTRW", "AC"), ("SubFBM", "AC"), ("SupFBM", "AC"), ("SubSBM", "VD"), ("SupSBM", "VD"))


def _windows(d: np.ndarray) -> np.ndarray:
    """Increments of each window: (n, 2, 999) -> view (n, 2, 32, 224)."""
    view = np.lib.stride_tricks.sliding_window_view(d, WINDOW - 1, axis=-1)
    return view[:, :, : STRIDE * N_WINDOWS : STRIDE]


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


def window_statistics(X, *, undefined: str = "nan", turning: str = "signed", chunk: int = 256) -> dict:
    """The five window statistics of the paper on the increments of the scaled input.

    Parameters
    ----------
    X : ndarray of shape (n, 2, 1000)
        Network input (fixed length T = 1000: the windows assume no padding).
    undefined : "nan" or "zero"
        What a window gets where a statistic is undefined because nothing moves
        (a resting CTRW: zero increments have no correlation, kurtosis or
        turning angle).  ``"nan"`` (default) keeps NaN, so such windows drop
        out of :func:`map_correlations`; ``"zero"`` gives them the value of
        "no signal" (no correlation, no excess kurtosis, no jumpiness, no
        change, no turning) before the scaling, so every window counts.
    turning : "signed" or "unsigned"
        The turning angle of f5.  ``"signed"`` (default): the angle between
        two successive steps in (-pi, pi], over the steps that move.
        ``"unsigned"``: the authors' definition (``var_cos_angle`` in their
        ``utils/_statistical_relevance.py``), ``arccos`` of the cosine, in
        [0, pi], with 0 where a step does not move; both are divided by pi.
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
        Where a statistic is undefined: NaN, or 0 with ``undefined="zero"``.
        f2 averages the quarters (and coordinates) where the kurtosis is
        defined, so one resting quarter does not void a window that moves.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 3 or X.shape[1:] != (2, 1000):
        raise ValueError(f"X must have shape (n, 2, 1000), got {X.shape}")
    if undefined not in ("nan", "zero"):
        raise ValueError(f"undefined must be 'nan' or 'zero', got {undefined!r}")
    if turning not in ("signed", "unsigned"):
        raise ValueError(f"turning must be 'signed' or 'unsigned', got {turning!r}")
    out = {k: np.empty((len(X), N_WINDOWS)) for k in STATISTICS}
    with warnings.catch_warnings():  # windows without movement give NaN on purpose
        warnings.simplefilter("ignore", RuntimeWarning)
        _fill_statistics(X, out, chunk, turning)
        if undefined == "zero":
            out = {k: np.nan_to_num(v, nan=0.0) for k, v in out.items()}
        for k in ("f2", "f3", "f5"):
            out[k] = _scale_per_trajectory(out[k])
    return out


def _fill_statistics(X: np.ndarray, out: dict, chunk: int, turning: str = "signed") -> None:
    for start in range(0, len(X), chunk):
        w = _windows(np.diff(X[start : start + chunk], axis=-1))  # (m, 2, 32, 224)
        sl = slice(start, start + len(w))
        c = w - w.mean(axis=-1, keepdims=True)
        var = (c**2).mean(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["f1"][sl] = np.mean((c[..., 1:] * c[..., :-1]).mean(axis=-1) / var, axis=1)
            quarters = w.reshape(w.shape[:-1] + (4, -1))  # (m, 2, 32, 4, 56)
            out["f2"][sl] = np.nanmean(_kurtosis(quarters), axis=(1, 3))  # over the quarters that move
            a = np.abs(w)
            ratio = np.where(a[..., :-1] > 0, a[..., 1:] / np.where(a[..., :-1] > 0, a[..., :-1], 1), np.nan)
            out["f3"][sl] = np.nanmax(np.nanstd(ratio, axis=-1), axis=1)
            s = quarters.std(axis=-1)  # (m, 2, 32, 4)
            out["f4"][sl] = np.mean((s[..., 3] - s[..., 0]) / 4 / s.mean(axis=-1), axis=1)
            if turning == "signed":
                heading = np.arctan2(w[:, 1], w[:, 0])  # (m, 32, 224)
                moving = np.hypot(w[:, 1], w[:, 0]) > 0
                turn = np.angle(np.exp(1j * (heading[..., 1:] - heading[..., :-1])))
                turn = np.where(moving[..., 1:] & moving[..., :-1], turn, np.nan)
                out["f5"][sl] = np.nanstd(turn, axis=-1) / np.pi
            else:  # the authors': arccos of the cosine in [0, pi], 0 where a step does not move, every pair counted
                vx, vy = w[:, 0], w[:, 1]
                dot = vx[..., :-1] * vx[..., 1:] + vy[..., :-1] * vy[..., 1:]
                norm = np.sqrt((vx[..., :-1] ** 2 + vy[..., :-1] ** 2) * (vx[..., 1:] ** 2 + vy[..., 1:] ** 2))
                out["f5"][sl] = np.nan_to_num(np.arccos(dot / norm) / np.pi, nan=0.0).std(axis=-1)


def composites(stats: dict) -> dict:
    """The paper's composite features: AC = f1, CS = f1 f5, SG = f3 f2, VD = f4 f2 (each (n, 32))."""
    return {
        "AC": stats["f1"],
        "CS": stats["f1"] * stats["f5"],
        "SG": stats["f3"] * stats["f2"],
        "VD": stats["f4"] * stats["f2"],
    }


def window_activity(X) -> np.ndarray:
    """Fraction of the 224 steps of each window in which the particle moves (a non-zero increment).

    A CTRW rests between jumps, so many of its windows have activity 0; every
    other class moves at every step (activity 1).

    Parameters
    ----------
    X : ndarray of shape (n, 2, 1000)

    Returns
    -------
    ndarray of shape (n, 32), float64 in [0, 1]
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 3 or X.shape[1:] != (2, 1000):
        raise ValueError(f"X must have shape (n, 2, 1000), got {X.shape}")
    d = np.diff(X, axis=-1)
    moving = (d != 0).any(axis=1)[:, None].astype(np.float64)  # (n, 1, 999): either coordinate moves
    return _windows(moving)[:, 0].mean(axis=-1)


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


def window_maps(model: nn.Module, X, y, *, attribution=None, batch_size: int = 256) -> np.ndarray:
    """Maps of the true class at the 32 positions of layer4, one per window, for :func:`map_correlations`.

    Parameters
    ----------
    model : torch.nn.Module
    X : ndarray of shape (n, 2, 1000), float32
    y : ndarray of shape (n,), int
        The class explained (the true label, as in the paper).
    attribution : str, callable or None
        ``None`` (default): the paper's signed layer4 Grad-CAM map, as it is.
        Otherwise a name of :data:`resandi_lite.attribution.METHODS` or a
        callable ``(model, X, target) -> (n, positions)``, whose map is
        averaged over the input points of each layer4 position
        (:func:`resandi_lite.attribution.resample`).
    batch_size : int
        Of the default Grad-CAM.

    Returns
    -------
    maps : ndarray of shape (n, 32), float32 (default) or float64
    """
    from ..attribution import attribute, resample
    from ..gradcam import grad_cam

    if attribution is None:
        return grad_cam(model, X, torch.as_tensor(np.asarray(y)), upsample=None, batch_size=batch_size).numpy()
    return resample(attribute(model, X, np.asarray(y), attribution), N_WINDOWS, np.shape(X)[-1])


def map_correlations(maps, features: dict, y, classes=None, method: str = "pearson", *, within: bool = False) -> dict:
    """Correlation of the raw 32-bin map with each feature, pooled over trajectories and windows, per class.

    Parameters
    ----------
    maps : ndarray of shape (n, 32)
    features : dict of str to ndarray of shape (n, 32)
    y : ndarray of shape (n,)
    classes : sequence of str, optional
        Names of the labels (default: :data:`resandi_lite.CLASSES`).
    method : "pearson" or "spearman"
    within : bool
        ``False`` (default): the pooled correlation, which mixes differences
        between trajectories (one with a larger map everywhere and a larger
        feature everywhere) with variation along each trajectory.
        ``True``: the within-trajectory correlation (:func:`within_trajectory`):
        map and feature demeaned per trajectory (Spearman: ranked per
        trajectory first), then pooled; it asks only whether the map is larger
        *where*, along one trajectory, the feature is larger.

    Returns
    -------
    dict of (class name, feature name) to float
    """
    from ..simulate.classes import CLASSES

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
            a, b = maps[rows], np.asarray(f)[rows]
            if within:
                out[(classes[label], name)] = float(_resampled_correlation(a, b, method, within=True)(np.ones(len(a))))
            else:
                out[(classes[label], name)] = correlation(a, b, method)
    return out


def fisher_interval(r, n, *, k: float = 2.0):
    """Fisher's z interval of a Pearson correlation: ``tanh(atanh(r) -+ k / sqrt(n - 3))``.

    Exact for ``n`` independent pairs from a bivariate normal distribution, up
    to the normal approximation of ``atanh(r)``, whose standard error is
    ``1 / sqrt(n - 3)``.  With ``k = scipy.stats.norm.ppf(0.975)`` it is the
    interval of ``scipy.stats.pearsonr(...).confidence_interval(0.95)``.
    It assumes independent pairs: the (trajectory, window) pairs of
    :func:`map_correlations` are not (neighbouring windows share 200 of their
    225 points), which is why :func:`correlation_intervals` bootstraps
    trajectories instead.

    Parameters
    ----------
    r : float or ndarray of float, in [-1, 1]
    n : int or ndarray of int, > 3
        Number of independent pairs.
    k : float, > 0
        Half-width in standard errors of ``atanh(r)`` (2: about 95%).

    Returns
    -------
    (low, high) : tuple of float64 (or ndarrays of the broadcast shape of ``r`` and ``n``)

    Examples
    --------
    >>> [round(v, 4) for v in fisher_interval(0.5, 103, k=2.0)]  # tanh(atanh(0.5) -+ 2 / 10)
    [0.3358, 0.6347]
    """
    r, n = np.asarray(r, dtype=np.float64), np.asarray(n)
    if np.any(np.abs(r) > 1) or np.any(np.isnan(r)):
        raise ValueError(f"r must be a correlation in [-1, 1], got {r}")
    if not np.issubdtype(n.dtype, np.integer) or np.any(n <= 3):
        raise ValueError(f"n must be an integer number of pairs above 3, got {n}")
    if not k > 0:
        raise ValueError(f"k must be a positive number of standard errors, got {k}")
    z, half = np.arctanh(r), k / np.sqrt(n - 3.0)
    low, high = np.tanh(z - half), np.tanh(z + half)
    return (float(low), float(high)) if low.ndim == 0 else (low, high)


def _centred_sums(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per trajectory (row): count, sum a, sum b, sum a^2, sum b^2, sum ab over the finite pairs: (n, 6).

    ``a`` and ``b`` are (n, 32) and should be centred first (numerical stability).
    """
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = np.where(keep, a, 0.0), np.where(keep, b, 0.0)
    return np.stack([keep.sum(1), a.sum(1), b.sum(1), (a * a).sum(1), (b * b).sum(1), (a * b).sum(1)], axis=1)


def _pearson_from_sums(sums: np.ndarray) -> np.ndarray:
    """Pooled Pearson correlation from summed :func:`_centred_sums` rows: (..., 6) -> (...)."""
    n, sa, sb, saa, sbb, sab = np.moveaxis(sums, -1, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        cov, va, vb = sab - sa * sb / n, saa - sa * sa / n, sbb - sb * sb / n
        return np.where((va > 0) & (vb > 0) & (n >= 3), cov / np.sqrt(va * vb), np.nan)


def _row_ranks(x: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Ranks (ties averaged) within each row over its ``keep`` entries, NaN elsewhere: (m, 32) -> (m, 32)."""
    out = np.full(x.shape, np.nan)
    for i in np.flatnonzero(keep.any(axis=1)):
        out[i, keep[i]] = _ranks(x[i, keep[i]])
    return out


def within_trajectory(a, b, method: str = "pearson") -> tuple[np.ndarray, np.ndarray]:
    """Map and feature demeaned per trajectory, over the windows where both are defined.

    Parameters
    ----------
    a, b : ndarray of shape (m, 32)
        E.g. the maps and one feature of the trajectories of one class.
    method : "pearson" or "spearman"
        Spearman ranks each trajectory's windows first (ties averaged).

    Returns
    -------
    (a, b) : tuple of ndarray of shape (m, 32), float64
        Each row has mean 0 over its windows where both are finite; NaN where
        either is not.  Their pooled Pearson correlation is the
        within-trajectory correlation: what is left once every trajectory's
        own level of map and feature (its alpha, its logit, its overall
        activity) is taken out.

    Examples
    --------
    >>> a, b = within_trajectory([[1.0, 2.0, 3.0], [11.0, 12.0, 13.0]], [[3.0, 2.0, 1.0], [13.0, 12.0, 11.0]])
    >>> a.tolist(), correlation(a, b)
    ([[-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0]], -1.0)
    """
    a, b = np.array(a, dtype=np.float64, ndmin=2), np.array(b, dtype=np.float64, ndmin=2)
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(f"a and b must be (m, windows) arrays of the same shape, got {a.shape} and {b.shape}")
    if method not in ("pearson", "spearman"):
        raise ValueError(f"method must be 'pearson' or 'spearman', got {method!r}")
    keep = np.isfinite(a) & np.isfinite(b)
    if method == "spearman":
        a, b = _row_ranks(a, keep), _row_ranks(b, keep)
    a, b = np.where(keep, a, np.nan), np.where(keep, b, np.nan)
    count = np.maximum(keep.sum(axis=1, keepdims=True), 1)
    return (a - np.nansum(a, axis=1, keepdims=True) / count, b - np.nansum(b, axis=1, keepdims=True) / count)


def _tie_groups(v: np.ndarray) -> np.ndarray:
    """Index of each value's group of equal values, groups numbered in increasing order of value."""
    order = np.argsort(v, kind="mergesort")
    sorted_v = v[order]
    group = np.empty(v.size, dtype=np.int64)
    group[order] = np.cumsum(np.r_[True, sorted_v[1:] != sorted_v[:-1]]) - 1
    return group


def _weighted_midranks(group: np.ndarray | None, weight: np.ndarray) -> np.ndarray:
    """Ranks (ties averaged) of values repeated ``weight`` times each, from their :func:`_tie_groups`.

    A group of values drawn ``total`` times in all, after ``before`` smaller
    ones, holds ranks ``before + 1 .. before + total``: their mean is
    ``cumsum - (total - 1) / 2``.  ``group=None``: the values are distinct
    and already in increasing order.
    """
    total = weight if group is None else np.bincount(group, weight)
    mid = np.cumsum(total)
    mid -= (total - 1) / 2
    return mid if group is None else mid[group]


def _weighted_pearson(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> float:
    """Pearson's correlation of ``a`` and ``b`` with each pair counted ``w`` times (einsum: no BLAS threads)."""
    n = w.sum()
    if n < 3:
        return float("nan")
    wa, wb = w * a, w * b
    sa, sb = wa.sum(), wb.sum()
    va = np.einsum("i,i->", wa, a) - sa * sa / n
    vb = np.einsum("i,i->", wb, b) - sb * sb / n
    cov = np.einsum("i,i->", wa, b) - sa * sb / n
    return float(cov / np.sqrt(va * vb)) if va > 0 and vb > 0 else float("nan")


def _resampled_correlation(a: np.ndarray, b: np.ndarray, method: str = "pearson", *, within: bool = False):
    """The correlation of a resample of trajectories, as a function of how often each is drawn.

    Parameters
    ----------
    a, b : ndarray of shape (m, 32)
        Map and feature of the ``m`` trajectories of one class.

    Returns
    -------
    callable
        ``statistic(weights)`` with ``weights`` of shape (m,) (or (r, m) for
        Pearson), the number of times each trajectory is drawn: the pooled
        (or, ``within``, within-trajectory) correlation of that resample,
        exactly as :func:`correlation` gives it on the resample written out
        (Spearman ranks the resample again: its ranks are those of values
        repeated as often as drawn).  ``weights`` of ones: the data's own value.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if within:  # the trajectory's own level is removed (for Spearman, after ranking within it): a Pearson of the rest
        a, b = within_trajectory(a, b, method)
        method = "pearson"
    keep = np.isfinite(a) & np.isfinite(b)
    if not keep.any():
        return lambda weights: np.full(np.shape(weights)[:-1], np.nan) if np.ndim(weights) > 1 else float("nan")
    if method == "pearson":
        sums = _centred_sums(a - a[keep].mean(), b - b[keep].mean())
        # einsum, not @: a BLAS call with threads waits for a busy core, here a hundred times slower
        return lambda weights: _pearson_from_sums(np.einsum("...i,ij->...j", np.asarray(weights, np.float64), sums))
    order = np.argsort(a[keep], kind="mergesort")  # the pairs in increasing order of a: a's ranks read in order
    owner = np.nonzero(keep)[0][order]  # the trajectory of each finite pair
    group_a, group_b = _tie_groups(a[keep])[order], _tie_groups(b[keep])[order]
    if group_a[-1] == len(group_a) - 1:  # no ties in a: its groups are the pairs themselves, in order
        group_a = None

    def spearman(weights):
        w = np.asarray(weights, dtype=np.float64)[owner]
        return _weighted_pearson(_weighted_midranks(group_a, w), _weighted_midranks(group_b, w), w)

    return spearman


def _trajectory_bootstrap(statistic, m: int, *, n_boot: int, level: float = 0.95, rng=None) -> dict:
    """:func:`resandi_lite.verdict.paired_bootstrap` over ``m`` trajectories of a ``statistic(weights)``."""
    from ..verdict import paired_bootstrap

    def resampled(index, _):
        return statistic(np.bincount(index.astype(np.int64), minlength=m))

    return paired_bootstrap(np.arange(m, dtype=np.float64), statistic=resampled, n_boot=n_boot, level=level, rng=rng)


def correlation_intervals(
    maps,
    features: dict,
    y,
    pairs=None,
    *,
    method: str = "pearson",
    within: bool = False,
    k: float = 2.0,
    n_boot: int = 1000,
    rng=None,
    classes=None,
) -> dict:
    """:func:`map_correlations` with standard errors from a bootstrap over trajectories.

    The pairs of one class are its trajectories' 32 windows.  They are not
    independent: neighbouring windows share 200 of their 225 points, and a
    trajectory's map and statistics vary slowly along it.  So the bootstrap
    resamples whole trajectories (with replacement, within the class), each
    keeping its 32 windows together, and recomputes the correlation
    (:func:`resandi_lite.verdict.paired_bootstrap`); the standard error is
    the standard deviation of the ``n_boot`` replicates.  Fisher's interval
    (:func:`fisher_interval`) on the number of pairs, returned beside it,
    treats every pair as independent and is too narrow for these data.

    Parameters
    ----------
    maps : ndarray of shape (n, 32)
    features : dict of str to ndarray of shape (n, 32)
    y : ndarray of shape (n,), int
    pairs : iterable of (class name, feature name), optional
        Which correlations (default: every class present and every feature).
    method : "pearson" or "spearman"
        Spearman ranks each resample again (its ranks are those of the values
        repeated as often as their trajectory is drawn).
    within : bool
        The within-trajectory correlation (map and feature demeaned per
        trajectory, :func:`within_trajectory`) instead of the pooled one.
    k : float
        Half-width of the intervals in standard errors.
    n_boot : int, >= 10
        Bootstrap replicates (the relative error of a standard error is about
        ``1 / sqrt(2 n_boot)``: 2% for 1000).
    rng : numpy.random.Generator, int or None
    classes : sequence of str, optional
        Names of the labels (default: :data:`resandi_lite.CLASSES`).

    Returns
    -------
    dict of (class name, feature name) to dict
        ``r`` (float, as :func:`map_correlations`), ``stderr`` (float,
        bootstrap; NaN when fewer than 2 trajectories have a finite pair),
        ``low`` and ``high`` (``r -+ k stderr``), ``trajectories`` and
        ``pairs`` (int: trajectories of the class, finite pairs pooled),
        ``fisher`` ((low, high) of :func:`fisher_interval` on ``pairs``,
        pooled Pearson only, else None).
    """
    from ..simulate.classes import CLASSES

    maps, y = np.asarray(maps, dtype=np.float64), np.asarray(y)
    classes = list(CLASSES if classes is None else classes)
    if maps.ndim != 2 or maps.shape[1] != N_WINDOWS or y.shape != (len(maps),):
        raise ValueError(f"maps must be (n, {N_WINDOWS}) and y (n,), got {maps.shape} and {y.shape}")
    if method not in ("pearson", "spearman"):
        raise ValueError(f"method must be 'pearson' or 'spearman', got {method!r}")
    if isinstance(n_boot, bool) or not (isinstance(n_boot, (int, np.integer)) and n_boot >= 10):
        raise ValueError(f"n_boot must be an integer of at least 10, got {n_boot!r}")
    for name, f in features.items():
        if np.shape(f) != maps.shape:
            raise ValueError(f"feature {name!r} must have shape {maps.shape}, got {np.shape(f)}")
    present = [classes[label] for label in np.unique(y)]
    pairs = [(c, f) for c in present for f in features] if pairs is None else list(pairs)
    for c, f in pairs:
        if c not in present or f not in features:
            raise ValueError(f"pairs must name a class present in y and a key of features, got {(c, f)!r}")
    rng = np.random.default_rng(rng)
    out = {}
    for c, f in pairs:
        rows = y == classes.index(c)
        a, b = maps[rows], np.asarray(features[f], dtype=np.float64)[rows]
        statistic = _resampled_correlation(a, b, method, within=within)
        r = float(statistic(np.ones(len(a)))) if within else correlation(a, b, method)
        finite = np.isfinite(a) & np.isfinite(b)
        n_pairs, contributing = int(finite.sum()), int(finite.any(axis=1).sum())
        # one trajectory alone gives the same r in every replicate: no standard error, not a zero one
        stderr = (
            _trajectory_bootstrap(statistic, len(a), n_boot=n_boot, rng=rng)["stderr"]
            if contributing >= 2
            else float("nan")
        )
        fisher = (
            fisher_interval(r, n_pairs, k=k)
            if method == "pearson" and not within and n_pairs > 3 and np.isfinite(r)
            else None
        )
        out[(c, f)] = {
            "r": r,
            "stderr": stderr,
            "low": r - k * stderr,
            "high": r + k * stderr,
            "trajectories": int(len(a)),
            "pairs": n_pairs,
            "fisher": fisher,
        }
    return out


def sign_agreement(ours, paper, stderr, *, k: float = 2.0) -> str:
    """Whether our correlation agrees in sign with the paper's, counting only signs resolved from zero.

    Parameters
    ----------
    ours : float
        Our correlation (NaN counts as unresolved).
    paper : float, non-zero
        The paper's correlation.
    stderr : float, >= 0 or NaN
        Standard error of ``ours`` (e.g. from :func:`correlation_intervals`); NaN (unknown) gives ``"unresolved"``.
    k : float
        How many standard errors from zero make a sign resolved (strictly more than ``k``).

    Returns
    -------
    str
        ``"agrees"`` (``|ours| > k stderr`` with the paper's sign), ``"differs"``
        (``|ours| > k stderr`` with the other sign) or ``"unresolved"``.

    Examples
    --------
    >>> sign_agreement(-0.33, -0.374, 0.03), sign_agreement(0.03, 0.333, 0.03), sign_agreement(0.34, -0.198, 0.04)
    ('agrees', 'unresolved', 'differs')
    """
    ours, paper, stderr = float(ours), float(paper), float(stderr)
    if not np.isfinite(paper) or paper == 0:
        raise ValueError(f"paper must be a non-zero correlation (it gives the sign), got {paper}")
    if stderr < 0 or stderr == np.inf:
        raise ValueError(f"stderr must be a non-negative standard error (or NaN if unknown), got {stderr}")
    if not k > 0:
        raise ValueError(f"k must be a positive number of standard errors, got {k}")
    if not (np.isfinite(ours) and np.isfinite(stderr)) or abs(ours) <= k * stderr:
        return "unresolved"
    return "agrees" if np.sign(ours) == np.sign(paper) else "differs"


def count_sign_agreement(estimates: dict, paper: dict | None = None, pairs=REQUIRED_SIGNS, *, k: float = 2.0) -> dict:
    """How many of the paper's signs ours reproduce, each more than ``k`` standard errors from zero.

    The one count of chapters 11 and 12 (:func:`sign_agreement` on each pair).

    Parameters
    ----------
    estimates : dict of (class name, feature name) to (r, stderr) or to a dict with ``r`` and ``stderr``
        E.g. :func:`correlation_intervals`.
    paper : dict of (class name, feature name) to float, optional
        The paper's values (default :data:`PAPER_CORRELATIONS`, with :data:`PAPER_SPEARMAN`).
    pairs : iterable of (class name, feature name)
        The signs counted (default :data:`REQUIRED_SIGNS`, the paper's five).
    k : float

    Returns
    -------
    dict
        ``verdicts`` ({pair: "agrees", "differs" or "unresolved"}), ``agree``,
        ``differ``, ``unresolved`` and ``total`` (int).

    Examples
    --------
    >>> count_sign_agreement({("SubSBM", "VD"): (-0.33, 0.03)}, pairs=[("SubSBM", "VD")])["agree"]
    1
    """
    paper = {**PAPER_CORRELATIONS, **PAPER_SPEARMAN} if paper is None else paper
    verdicts = {}
    for pair in pairs:
        pair = tuple(pair)
        if pair not in estimates or pair not in paper:
            raise ValueError(f"estimates and paper must both hold the pair {pair!r}")
        value = estimates[pair]
        r, stderr = (value["r"], value["stderr"]) if isinstance(value, dict) else value
        verdicts[pair] = sign_agreement(r, paper[pair], stderr, k=k)
    counts = {v: sum(x == v for x in verdicts.values()) for v in ("agrees", "differs", "unresolved")}
    return {
        "verdicts": verdicts,
        "agree": counts["agrees"],
        "differ": counts["differs"],
        "unresolved": counts["unresolved"],
        "total": len(verdicts),
    }


def interval_table(
    intervals: dict, paper: dict | None = None, pairs=REQUIRED_SIGNS, *, k: float = 2.0, signs: bool = True
) -> dict:
    """The correlations of :func:`correlation_intervals` beside the paper's, as a small table for display.

    Returns
    -------
    dict of str to dict
        For each pair (``"class feature"``): ``ours ± SE (bootstrap)`` (str),
        ``Fisher, pairs independent`` (str, the ``k``-SE interval, Pearson
        only), ``paper`` (float) and, with ``signs``, ``sign`` (the
        :func:`sign_agreement` verdict of one claim read alone; a family of
        claims is read with :func:`sign_verdicts`).
    """
    paper = {**PAPER_CORRELATIONS, **PAPER_SPEARMAN} if paper is None else paper
    table = {}
    for c, f in pairs:
        v = intervals[(c, f)]
        fisher = v.get("fisher")
        table[f"{c} {f}"] = {
            "ours ± SE (bootstrap)": f"{v['r']:+.3f} ± {v['stderr']:.3f}",
            "Fisher, pairs independent": "—" if fisher is None else f"[{fisher[0]:+.3f}, {fisher[1]:+.3f}]",
            "paper": paper[(c, f)],
        }
        if signs:
            table[f"{c} {f}"]["sign"] = sign_agreement(v["r"], paper[(c, f)], v["stderr"], k=k)
    return table


#: The claim scored the authors' way: SubCTRW's AC with a window that never moves given f1 = 1 (as
#: ``autocorrelation_norm`` of the authors' ``utils/_statistical_relevance.py`` does), the paper's -0.375.
AUTHORS_SCORING = ("SubCTRW", "AC")

#: Where the paper's sign claims are read: the pooled correlation (the paper's) and the within-trajectory one.
SCOPES = ("pooled", "within")


def sign_claims(paper: dict | None = None, spearman: dict | None = None) -> list[dict]:
    """The family of sign claims chapter 11 reads together, one dict per claim.

    Every correlation the paper reports (:data:`PAPER_CORRELATIONS`, Pearson;
    :data:`PAPER_SPEARMAN`, Spearman for SupLW), each read pooled (as the
    paper) and within trajectories (map and feature demeaned per trajectory),
    plus SubCTRW's AC scored the authors' way (:data:`AUTHORS_SCORING`),
    pooled and within.

    Returns
    -------
    list of dict
        ``claim`` (str), ``class``, ``feature``, ``method`` ("pearson" or
        "spearman"), ``scope`` ("pooled" or "within"), ``scoring`` ("ours"
        or "authors") and ``paper`` (the paper's pooled correlation, whose
        sign the claim is about and whose size "no effect" is read against).

    Examples
    --------
    >>> claims = sign_claims()
    >>> len(claims), claims[0]["claim"]
    (28, 'SubCTRW AC: Pearson, pooled')
    """
    paper = PAPER_CORRELATIONS if paper is None else paper
    spearman = PAPER_SPEARMAN if spearman is None else spearman
    claims = []
    sets = [(paper, "pearson", "ours"), (spearman, "spearman", "ours")]
    if AUTHORS_SCORING in paper:
        sets.append(({AUTHORS_SCORING: paper[AUTHORS_SCORING]}, "pearson", "authors"))
    for values, method, scoring in sets:
        for (c, f), value in values.items():
            for scope in SCOPES:
                name = f"{c} {f}" + (", resting windows scored 1 (the authors' code)" if scoring == "authors" else "")
                claims.append(
                    {
                        "claim": f"{name}: {method.capitalize()}, "
                        f"{'pooled' if scope == 'pooled' else 'within trajectories'}",
                        "class": c,
                        "feature": f,
                        "method": method,
                        "scope": scope,
                        "scoring": scoring,
                        "paper": float(value),
                    }
                )
    return claims


def sign_verdicts(
    maps, stats: dict, y, *, claims=None, level: float = 0.95, n_boot: int = 5000, rng=None, classes=None
) -> list[dict]:
    """Every sign claim of :func:`sign_claims` with its interval and verdict, Bonferroni over the family.

    Each correlation is bootstrapped over the trajectories of its class (each
    trajectory keeps its 32 windows; :func:`resandi_lite.verdict.paired_bootstrap`);
    its percentile interval has level ``family_level(m, level)`` for the
    ``m`` claims read together (the course's one multiple-comparison rule,
    :mod:`resandi_lite.verdict`), and gives the verdict: ``agrees`` (the
    paper's sign), ``differs`` (the other sign), ``no effect`` (zero inside,
    the paper's pooled value outside) or ``open`` (both inside; with
    ``n_needed`` trajectories per class).

    Parameters
    ----------
    maps : ndarray of shape (n, 32)
        Layer4 maps of the true class (:func:`window_maps`).
    stats : dict of str to ndarray of shape (n, 32)
        The window statistics of the same trajectories (:func:`window_statistics`).
    y : ndarray of shape (n,), int
    claims : list of dict, optional
        Default :func:`sign_claims`; the family size ``m`` is its length.
    level : float
        Probability that the whole family's intervals hold.
    n_boot : int
        Bootstrap replicates per claim (the family level asks for far tails:
        a few thousand at least).
    rng : numpy Generator, int or None
    classes : sequence of str, optional

    Returns
    -------
    list of dict
        One :func:`resandi_lite.verdict.verdict_row` per claim: ``claim``,
        ``estimate``, ``low``, ``high``, ``n`` (trajectories of the class),
        ``paper``, ``verdict`` (``n_needed`` when open), plus ``stderr``,
        ``level`` (of each interval), ``family``, ``class``, ``feature``,
        ``method``, ``scope``, ``scoring`` and ``pairs``.
    """
    from ..simulate.classes import CLASSES
    from ..verdict import family_level, verdict_row

    maps, y = np.asarray(maps, dtype=np.float64), np.asarray(y)
    classes = list(CLASSES if classes is None else classes)
    if maps.ndim != 2 or maps.shape[1] != N_WINDOWS or y.shape != (len(maps),):
        raise ValueError(f"maps must be (n, {N_WINDOWS}) and y (n,), got {maps.shape} and {y.shape}")
    missing = [k for k in STATISTICS if k not in stats]
    if missing:
        raise ValueError(f"stats must hold the window statistics {STATISTICS} (window_statistics), missing {missing}")
    claims = sign_claims() if claims is None else list(claims)
    features = {
        "ours": composites(stats),
        "authors": {"AC": np.where(np.isnan(stats["f1"]), 1.0, stats["f1"])},
    }  # a window at rest: f1 = 1
    each = family_level(len(claims), level)
    rng = np.random.default_rng(rng)
    rows = []
    for claim in claims:
        if claim["class"] not in classes or classes.index(claim["class"]) not in y:
            raise ValueError(f"y holds no trajectory of {claim['class']!r}, which the claim {claim['claim']!r} needs")
        members = y == classes.index(claim["class"])
        a, b = maps[members], np.asarray(features[claim["scoring"]][claim["feature"]], dtype=np.float64)[members]
        statistic = _resampled_correlation(a, b, claim["method"], within=claim["scope"] == "within")
        boot = _trajectory_bootstrap(statistic, len(a), n_boot=n_boot, level=each, rng=rng)
        extra = {
            "stderr": boot["stderr"],
            "level": each,
            "family": len(claims),
            "unit": "correlation",
            **{k: claim[k] for k in ("class", "feature", "method", "scope", "scoring")},
            "pairs": int((np.isfinite(a) & np.isfinite(b)).sum()),
        }
        if np.isfinite(boot["low"]) and np.isfinite(boot["high"]):
            rows.append(
                verdict_row(
                    claim["claim"], boot["estimate"], boot["low"], boot["high"], len(a), claim["paper"], **extra
                )
            )
        else:  # too few trajectories with values for an interval
            rows.append(
                {
                    "claim": claim["claim"],
                    "estimate": boot["estimate"],
                    "low": None,
                    "high": None,
                    "n": int(len(a)),
                    "paper": claim["paper"],
                    "verdict": "open",
                    "n_needed": None,
                    **extra,
                }
            )
    return rows


def pooled_within_table(rows: list[dict]) -> dict:
    """The rows of :func:`sign_verdicts` as one line per claim, pooled and within side by side, for display.

    Returns
    -------
    dict of str to dict
        For each ``"class feature (method)"``: ``paper``, ``pooled`` and
        ``within`` (each ``"r ± SE"`` and its verdict).
    """
    table = {}
    for row in rows:
        key = f"{row['class']} {row['feature']} ({row['method'].capitalize()}" + (
            ", authors' scoring)" if row.get("scoring") == "authors" else ")"
        )
        entry = table.setdefault(key, {"paper": row["paper"]})
        entry[row["scope"]] = f"{row['estimate']:+.3f} ± {row['stderr']:.3f}: {row['verdict']}"
    return table


def plot_sign_verdicts(rows: list[dict], ax=None, *, title: str | None = None):
    """Each sign claim's correlation with its family interval, pooled and within, coloured by verdict.

    Parameters
    ----------
    rows : list of dict
        :func:`sign_verdicts` (or the ``layerwise`` rows of the powered JSON).

    Returns
    -------
    matplotlib Axes
        Per (class, feature, method): the pooled (circle) and within-trajectory
        (square) estimate with its interval, green agrees, red differs, blue
        no effect, grey open; a black cross: the paper's (pooled) value.
    """
    import matplotlib.pyplot as plt

    colours = {"agrees": "C2", "differs": "C3", "no effect": "C0", "open": "0.5"}
    keys = list(dict.fromkeys((r["class"], r["feature"], r["method"], r.get("scoring", "ours")) for r in rows))
    if ax is None:
        _, ax = plt.subplots(figsize=(max(5.0, 0.62 * len(keys) + 1.5), 4.0), constrained_layout=True)
    seen = set()
    for row in rows:
        i = keys.index((row["class"], row["feature"], row["method"], row.get("scoring", "ours")))
        x = i + (-0.15 if row["scope"] == "pooled" else 0.15)
        label = f"{row['scope']}: {row['verdict']}"
        if row["low"] is not None:
            ax.errorbar(
                x,
                row["estimate"],
                yerr=[[row["estimate"] - row["low"]], [row["high"] - row["estimate"]]],
                fmt="o" if row["scope"] == "pooled" else "s",
                color=colours[row["verdict"]],
                capsize=3,
                ms=5,
                label=None if label in seen else label,
            )
        seen.add(label)
        if row["scope"] == "pooled":
            ax.plot(i, row["paper"], "kx", ms=7, label=None if "paper" in seen else "paper (pooled)")
            seen.add("paper")
    ax.axhline(0, color="k", lw=0.6)
    names = [
        f"{c}\n{f}" + ("\nSpearman" if m == "spearman" else "") + ("\nauthors'" if s == "authors" else "")
        for c, f, m, s in keys
    ]
    ax.set_xticks(range(len(keys)), names, fontsize=7)
    ax.set_xlabel("true class and composite feature (circles pooled, squares within trajectories)")
    level = rows[0]["level"] if rows else 0.95
    ax.set_ylabel(f"correlation with the layer4 map\n(dimensionless; {100 * level:.2f}% intervals)")
    ax.legend(fontsize=7, loc="best", ncol=2)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def layerwise_verdicts(
    n_per_class: int,
    *,
    seed: int = 0,
    network=None,
    progress: bool = False,
    level: float = 0.95,
    n_boot: int = 20_000,
    chunk: int = 500,
    batch_size: int = 256,
) -> dict:
    """The powered measurement of chapter 11: every sign claim of the paper, pooled and within, with its verdict.

    Simulates ``n_per_class`` trajectories of T = 1000 per class (in chunks
    of ``chunk`` per class, so the memory stays small), computes the signed
    layer4 Grad-CAM maps of ``network`` and the window statistics, and
    returns :func:`sign_verdicts` with the family rule.  Cost on one core
    of the course machine, measured: 141 s of CPU for 2,000 trajectories per
    class and 20,000 replicates per claim (about half of it maps and
    statistics, half bootstraps), linear in ``n_per_class``: about 12 minutes
    for the powered size, 10,000 per class (the paper's test set).

    Parameters
    ----------
    n_per_class : int, >= 2
    seed : int
        Seeds the test sets (chunk ``k`` from ``(seed, 11, k)``) and the bootstrap.
    network : str or path, optional
        Default: the shipped ``lite-T1000`` (the paper's layer-wise analysis is on its fixed-length network).
    progress : bool
    level : float
        Family level (Bonferroni over the claims).
    n_boot : int
        Bootstrap replicates per claim.
    chunk : int
        Trajectories per class simulated at once.
    batch_size : int
        Of Grad-CAM.

    Returns
    -------
    dict (JSON-ready)
        ``part`` ("layerwise"), ``rows`` (:func:`sign_verdicts`), ``sizes``
        (``n_per_class``, ``length``, ``n_boot``), ``seed``, ``network``,
        ``family`` (``m``, ``level``, ``each``, ``rule``), ``correlations``
        (``{"pooled"|"within": {"class/feature": {"r", "stderr"}}}``, Pearson,
        every class and composite, standard errors from 1,000 replicates), ``seconds`` (wall) and ``cpu_seconds`` (of this process).
    """
    import time

    from ..data import make_dataset
    from ..pretrained import load_model
    from ..simulate.classes import CLASSES
    from ..verdict import family_level

    if isinstance(n_per_class, bool) or not isinstance(n_per_class, (int, np.integer)) or n_per_class < 2:
        raise ValueError(
            f"n_per_class must be an integer >= 2 (a bootstrap needs two trajectories), got {n_per_class!r}"
        )
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise ValueError(f"chunk must be a positive integer, got {chunk!r}")
    start, cpu = time.perf_counter(), time.process_time()
    network = "lite-T1000" if network is None else network
    model = load_model(network)
    maps, y, stats = [], [], {k: [] for k in STATISTICS}
    starts = range(0, int(n_per_class), int(chunk))
    if progress:
        from tqdm.auto import tqdm

        starts = tqdm(starts, desc="layer-wise verdicts", unit="chunk")
    for k, first in enumerate(starts):
        part_seed = int(np.random.SeedSequence([int(seed), 11, k]).generate_state(1)[0])
        test = make_dataset(min(int(chunk), int(n_per_class) - first), length=1000, seed=part_seed)
        maps.append(np.asarray(window_maps(model, test.X, test.y, batch_size=batch_size), dtype=np.float64))
        y.append(np.asarray(test.y))
        for name, value in window_statistics(test.X).items():
            stats[name].append(value)
    maps, y = np.concatenate(maps), np.concatenate(y)
    stats = {name: np.concatenate(v) for name, v in stats.items()}
    claims = sign_claims()
    rows = sign_verdicts(maps, stats, y, claims=claims, level=level, n_boot=n_boot, rng=seed)
    comp = composites(stats)
    correlations = {
        scope: {
            f"{c}/{f}": {"r": v["r"], "stderr": v["stderr"]}
            for (c, f), v in correlation_intervals(
                maps, comp, y, within=scope == "within", n_boot=1000, rng=seed
            ).items()
        }
        for scope in SCOPES
    }
    return {
        "part": "layerwise",
        "rows": rows,
        "sizes": {"n_per_class": int(n_per_class), "length": 1000, "n_boot": int(n_boot)},
        "seed": int(seed),
        "network": str(network),
        "classes": list(CLASSES),
        "family": {
            "m": len(claims),
            "level": level,
            "each": family_level(len(claims), level),
            "rule": "Bonferroni: each interval at 1 - (1 - level) / m",
        },
        "correlations": correlations,
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu,
    }


def _check_stages(stages) -> tuple:
    from ..model import STAGES

    stages = (stages,) if isinstance(stages, str) else tuple(stages)
    for stage in stages:
        if stage not in ("stem", *STAGES):
            raise ValueError(f"stage must be one of stem, {', '.join(STAGES)}, got {stage!r}")
    if not stages:
        raise ValueError("stages must name at least one stage")
    return stages


@torch.no_grad()
def pooled_features(
    model: nn.Module, X, stages=("layer1", "layer2", "layer3", "layer4"), *, batch_size: int = 512
) -> dict:
    """Globally average-pooled output of several stages of a frozen network, in one pass.

    Parameters
    ----------
    model : ResAnDi
    X : ndarray of shape (n, 2, L)
    stages : sequence of str
        Among ``"stem"``, ``"layer1"`` .. ``"layer4"``.

    Returns
    -------
    dict of str to ndarray of shape (n, channels of the stage), float32
    """
    from ..model import STAGES

    stages = _check_stages(stages)
    deepest = max((STAGES.index(s) for s in stages if s != "stem"), default=0)
    was_training = model.training
    model.eval()
    device = model_device(model)
    X = torch.as_tensor(np.asarray(X, dtype=np.float32))
    out = {s: [] for s in stages}
    try:
        for i in range(0, len(X), batch_size):
            acts = model.stages(X[i : i + batch_size].to(device), upto=STAGES[deepest])
            for s in stages:
                out[s].append(acts[s].mean(dim=2).cpu())
    finally:
        model.train(was_training)
    return {s: torch.cat(v).numpy() for s, v in out.items()}


def stage_features(model: nn.Module, X, stage: str, *, batch_size: int = 512) -> np.ndarray:
    """Globally average-pooled output of one stage of a frozen network.

    Returns
    -------
    ndarray of shape (n, channels of the stage), float32
    """
    if not isinstance(stage, str):
        raise TypeError(f"stage must be a str, got {type(stage).__name__}; use pooled_features for several")
    return pooled_features(model, X, (stage,), batch_size=batch_size)[stage]


def linear_probe(
    train_features,
    train_y,
    test_features,
    test_y,
    *,
    n_classes: int | None = None,
    steps: int = 300,
    lr: float = 0.05,
    weight_decay: float = 1e-4,
    seed: int = 0,
) -> dict:
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
    return {
        "accuracy": float(np.mean(pred == yte)),
        "confusion": confusion_matrix(yte, pred, k),
        "predictions": pred,
        "train_accuracy": train_acc,
    }


def block_probes(model: nn.Module, train, test, stages=("layer1", "layer2", "layer3", "layer4"), **kwargs) -> dict:
    """A linear probe on each stage: ``{stage: linear_probe(...)}``.

    ``train`` and ``test`` are datasets with ``X`` (n, 2, 1000) and ``y`` (n,)
    (class-balanced, as in the paper); ``kwargs`` go to :func:`linear_probe`.
    """
    stages = _check_stages(stages)
    f_train, f_test = pooled_features(model, train.X, stages), pooled_features(model, test.X, stages)
    return {s: linear_probe(f_train[s], train.y, f_test[s], test.y, **kwargs) for s in stages}


def confusion_groups(confusion, threshold: float = 0.1, classes=None) -> list:
    """Classes a probe does not tell apart: connected groups of the confusion graph.

    Two classes are linked when the fraction of one predicted as the other,
    summed over both directions, is at least ``threshold``; a group is a
    connected component of these links.

    Parameters
    ----------
    confusion : ndarray of shape (k, k)
        Row-normalised confusion matrix (rows: truth).
    threshold : float
        Confusion (sum of both directions, as a fraction) that links two classes.
    classes : sequence of str, optional
        Names (default :data:`resandi_lite.CLASSES`).

    Returns
    -------
    list of tuple of str
        Groups in order of their first class.

    Examples
    --------
    >>> c = np.array([[0.8, 0.2, 0.0], [0.1, 0.9, 0.0], [0.0, 0.05, 0.95]])
    >>> confusion_groups(c, 0.1, classes=["a", "b", "c"])
    [('a', 'b'), ('c',)]
    """
    from ..simulate.classes import CLASSES

    c = np.asarray(confusion, dtype=np.float64)
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise ValueError(f"confusion must be a square (k, k) matrix, got shape {c.shape}")
    classes = list(CLASSES if classes is None else classes)
    if len(classes) != len(c):
        raise ValueError(f"classes must name the {len(c)} rows of confusion, got {len(classes)} names")
    linked = (c + c.T) >= threshold
    group = list(range(len(c)))  # union-find with path halving

    def find(i):
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    for i, j in zip(*np.nonzero(linked)):
        group[find(i)] = find(j)
    roots = {}
    for i in range(len(c)):
        roots.setdefault(find(i), []).append(classes[i])
    return [tuple(g) for g in roots.values()]


def group_accuracy(y_true, y_pred, groups, classes=None) -> float:
    """Accuracy when a prediction counts as right if it falls in the true class's group.

    Parameters
    ----------
    y_true, y_pred : ndarray of shape (n,), int labels
    groups : sequence of sequence of str
        A partition of the classes (e.g. ``PAPER_GROUPS["layer1"]``).

    Returns
    -------
    float

    Examples
    --------
    >>> group_accuracy([0, 1, 2], [1, 0, 0], [("a", "b"), ("c",)], classes=["a", "b", "c"])
    0.6666666666666666
    """
    from ..simulate.classes import CLASSES

    classes = list(CLASSES if classes is None else classes)
    index = {}
    for g, members in enumerate(groups):
        for name in members:
            if name not in classes or name in index:
                raise ValueError(f"groups must partition {classes}; got {name!r} unknown or twice")
            index[name] = g
    if len(index) != len(classes):
        raise ValueError(f"groups must cover every class, missing {sorted(set(classes) - set(index))}")
    lookup = np.array([index[name] for name in classes])
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return float(np.mean(lookup[y_true] == lookup[y_pred]))


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


def swap_windows(X, source, destination, *, exchange: bool = False) -> np.ndarray:
    """Replace the increments of window ``destination[i]`` by those of window ``source[i]`` and rescale.

    Parameters
    ----------
    X : ndarray of shape (n, 2, 1000)
    source, destination : ndarray of shape (n,), int in 0..31
    exchange : bool
        Also put the increments of ``destination[i]`` in ``source[i]``: the two
        windows trade places, so the trajectory keeps every increment (and any
        statistic of their distribution) and only their order changes.  The
        windows must not overlap (9 or more positions apart).

    Returns
    -------
    ndarray of shape (n, 2, 1000), float32, MinMax-scaled per coordinate
    """
    X = np.asarray(X, dtype=np.float64)
    source, destination = np.asarray(source), np.asarray(destination)
    if exchange and np.any(np.abs(source - destination) < -(-WINDOW // STRIDE)):
        raise ValueError(
            f"exchange needs windows at least {-(-WINDOW // STRIDE)} positions apart (no overlap), "
            f"got distances down to {np.abs(source - destination).min()}"
        )
    d = np.diff(X, axis=-1)
    rows = np.arange(len(X))[:, None]
    offsets = np.arange(WINDOW - 1)[None, :]
    src = STRIDE * source[:, None] + offsets
    dst = STRIDE * destination[:, None] + offsets
    moved, replaced = d[rows, :, src], d[rows, :, dst]  # copies, (n, 224, 2)
    d[rows, :, dst] = moved
    if exchange:
        d[rows, :, src] = replaced
    P = np.concatenate([X[:, :, :1], X[:, :, :1] + np.cumsum(d, axis=-1)], axis=-1)
    return minmax_scale(P)


def _targeted_swap(feature: np.ndarray, min_distance: int) -> tuple[np.ndarray, np.ndarray]:
    """Peak window of |feature| and the distant window where |feature| is weakest: ((n,), (n,))."""
    f = np.nan_to_num(np.abs(np.asarray(feature, np.float64)), nan=0.0)
    idx = np.arange(N_WINDOWS)
    peak = f.argmax(axis=1)
    far = np.abs(idx[None, :] - peak[:, None]) >= min_distance
    return peak, np.where(far, f, np.inf).argmin(axis=1)


def _matched_swap(feature: np.ndarray, min_distance: int) -> tuple[np.ndarray, np.ndarray]:
    """Peak window of |feature| and the distant window whose |feature| is closest to the peak's: ((n,), (n,)).

    The control of the targeted swap: the same window is replaced, but by one
    that carries nearly as much of the statistic (the largest |feature| among
    the distant windows), so the statistic's values over the trajectory hardly change.
    """
    f = np.nan_to_num(np.abs(np.asarray(feature, np.float64)), nan=0.0)
    idx = np.arange(N_WINDOWS)
    peak = f.argmax(axis=1)
    far = np.abs(idx[None, :] - peak[:, None]) >= min_distance
    return peak, np.where(far, f, -np.inf).argmax(axis=1)


def _random_swap(n: int, rng: np.random.Generator, min_distance: int) -> tuple[np.ndarray, np.ndarray]:
    """A random window and a uniformly drawn distant one: (destination (n,), source (n,))."""
    idx = np.arange(N_WINDOWS)
    dst = rng.integers(0, N_WINDOWS, n)
    options = np.abs(idx[None, :] - dst[:, None]) >= min_distance
    return dst, np.where(options, rng.random(options.shape), -1.0).argmax(axis=1)


def _check_ablation(X, y, min_distance):
    X, y = np.asarray(X, np.float32), np.asarray(y)
    if X.ndim != 3 or X.shape[1:] != (2, 1000) or y.shape != (len(X),):
        raise ValueError(f"X must have shape (n, 2, 1000) and y (n,), got {X.shape} and {y.shape}")
    if not 1 <= min_distance <= N_WINDOWS // 2:
        raise ValueError(f"min_distance must be in 1..{N_WINDOWS // 2}, got {min_distance}")
    return X, y


def feature_ablation(
    model: nn.Module, X, y, feature: np.ndarray, *, rng=None, min_distance: int = 9, batch_size: int = 512
) -> dict:
    """Swap out the window where ``feature`` peaks for the most different distant window; compare with random swaps.

    Parameters
    ----------
    X : ndarray of shape (n, 2, 1000)
    y : ndarray of shape (n,), int
    feature : ndarray of shape (n, 32)
        A window statistic or composite (e.g. ``composites(...)["AC"]``).
    rng : numpy.random.Generator, int or None
        Draws the random swaps.
    min_distance : int
        Windows at least this many positions apart do not overlap (225 / 25 = 9).

    Returns
    -------
    dict
        ``clean``, ``targeted`` and ``random`` accuracy; ``peak`` (n,) and
        ``replacement`` (n,) window indices of the targeted swap.
    """
    X, y = _check_ablation(X, y, min_distance)
    rng = np.random.default_rng(rng)
    peak, replacement = _targeted_swap(feature, min_distance)
    rand_dst, rand_src = _random_swap(len(X), rng, min_distance)

    def accuracy(inputs):
        return float(np.mean(predict(model, inputs, batch_size=batch_size).argmax(1) == y))

    return {
        "clean": accuracy(X),
        "targeted": accuracy(swap_windows(X, replacement, peak)),
        "random": accuracy(swap_windows(X, rand_src, rand_dst)),
        "peak": peak,
        "replacement": replacement,
    }


#: The controls of a targeted swap (:func:`ablation_by_feature`).
CONTROLS = ("matched", "exchange")


def ablation_by_feature(
    model: nn.Module,
    X,
    y,
    features: dict,
    *,
    rng=None,
    min_distance: int = 9,
    n_classes: int = N_CLASSES,
    controls=(),
    batch_size: int = 512,
) -> dict:
    """:func:`feature_ablation` for several features at once, sharing the clean and the random run.

    Parameters
    ----------
    features : dict of str to ndarray of shape (n, 32)
        E.g. the output of :func:`composites`.
    n_classes : int
        Number of labels, for the per-class accuracies.
    controls : sequence of str
        Controls of each targeted swap, among :data:`CONTROLS`, each under the key ``"<name> <control>"``:
        ``"matched"`` replaces the same peak window by the distant window
        whose |feature| is closest to the peak's, so the edit (and the seams it
        leaves) is the targeted one's but the window's statistic is nearly
        kept; ``"exchange"`` makes the targeted swap's two windows trade
        places, so the trajectory keeps all its increments, its peak included,
        and the statistic's values over the trajectory, only moved.

    Returns
    -------
    dict of str to dict
        For ``"clean"``, ``"random"``, each feature name (and ``"<name>
        <control>"``): ``accuracy`` (float), ``per_class`` (n_classes,) float64
        accuracy (NaN for a class absent from ``y``) and ``correct`` (n,) bool.
        The swaps of a feature also hold ``peak`` and ``source`` (n,) int, the
        windows replaced and copied, and ``change`` (float): the mean over
        trajectories of the change of the sum of |feature| over the 32
        windows, reckoned from the windows moved (NaN read as 0; the windows
        overlapping a seam aside): |f| at the source minus at the peak for
        the targeted and matched swaps, 0 for an exchange.
        The random swap is the same draw for every feature, and equal to
        :func:`feature_ablation`'s with the same ``rng``.
    """
    X, y = _check_ablation(X, y, min_distance)
    controls = (controls,) if isinstance(controls, str) else tuple(controls)
    if not set(controls) <= set(CONTROLS):
        raise ValueError(f"controls must be among {CONTROLS}, got {controls!r}")
    rng = np.random.default_rng(rng)
    for name, f in features.items():
        if np.shape(f) != (len(X), N_WINDOWS):
            raise ValueError(f"feature {name!r} must have shape ({len(X)}, {N_WINDOWS}), got {np.shape(f)}")
    rand_dst, rand_src = _random_swap(len(X), rng, min_distance)

    def scores(inputs):
        right = predict(model, inputs, batch_size=batch_size).argmax(1) == y
        with np.errstate(invalid="ignore", divide="ignore"):
            per_class = np.bincount(y, right, n_classes) / np.bincount(y, minlength=n_classes)
        return {"accuracy": float(right.mean()), "per_class": per_class, "correct": right}

    def swap(f, choose, exchange=False):
        peak, source = choose(f, min_distance)
        a = np.nan_to_num(np.abs(np.asarray(f, np.float64)), nan=0.0)
        rows = np.arange(len(X))
        change = 0.0 if exchange else float(np.mean(a[rows, source] - a[rows, peak]))
        return {
            **scores(swap_windows(X, source, peak, exchange=exchange)),
            "peak": peak,
            "source": source,
            "change": change,
        }

    out = {"clean": scores(X), "random": scores(swap_windows(X, rand_src, rand_dst))}
    for name, f in features.items():
        out[name] = swap(f, _targeted_swap)
        if "matched" in controls:
            out[f"{name} matched"] = swap(f, _matched_swap)
        if "exchange" in controls:
            out[f"{name} exchange"] = swap(f, _targeted_swap, exchange=True)
    return out


def paired_difference(correct_a, correct_b) -> tuple[float, float]:
    """Difference of two accuracies measured on the same trajectories, in points, with its paired standard error.

    Parameters
    ----------
    correct_a, correct_b : ndarray of shape (n,), bool
        Whether each trajectory is classified correctly under two conditions.

    Returns
    -------
    (difference, stderr) : tuple of float
        ``100 * mean(a - b)`` and ``100 * std(a - b, ddof=1) / sqrt(n)``.

    Examples
    --------
    >>> [round(v, 2) for v in paired_difference([True, True, False, True], [True, False, False, False])]
    [50.0, 28.87]
    """
    a, b = np.asarray(correct_a), np.asarray(correct_b)
    if a.ndim != 1 or a.shape != b.shape or len(a) < 2:
        raise ValueError(f"correct_a and correct_b must be (n,) arrays of the same n >= 2, got {a.shape} and {b.shape}")
    d = a.astype(np.float64) - b.astype(np.float64)
    return 100 * float(d.mean()), 100 * float(d.std(ddof=1) / np.sqrt(len(d)))


def ablation_differences(ablation: dict, names=COMPOSITES) -> dict:
    """Paired accuracy differences (points, with standard errors) between the arms of :func:`ablation_by_feature`.

    Returns
    -------
    dict of str to dict of str to (float, float)
        For each name: ``"targeted - random"`` and, for each control present,
        ``"<control> - random"`` and ``"targeted - <control>"``, each
        :func:`paired_difference` (negative: the first arm loses more).
    """
    out = {}
    for name in names:
        random, targeted = ablation["random"]["correct"], ablation[name]["correct"]
        out[name] = {"targeted - random": paired_difference(targeted, random)}
        for control in CONTROLS:
            if f"{name} {control}" in ablation:
                other = ablation[f"{name} {control}"]["correct"]
                out[name][f"{control} - random"] = paired_difference(other, random)
                out[name][f"targeted - {control}"] = paired_difference(targeted, other)
    return out


def ablation_table(ablation: dict, names=COMPOSITES) -> dict:
    """The arms of :func:`ablation_by_feature` as a small table for display.

    Returns
    -------
    dict of str to dict
        ``"clean, random (%)"``: the two accuracies; for each name: the
        accuracy of the targeted swap and of each control present (%, in the
        order of the key ``"targeted, <controls> (%)"``), the paired differences of
        :func:`ablation_differences` as ``"d ± se"`` (points), and
        ``"statistic removed"``: ``-change`` of the same arms.
    """

    def percent(key):
        return round(100 * ablation[key]["accuracy"], 1)

    table = {"clean, random (%)": (percent("clean"), percent("random"))}
    for name, diffs in ablation_differences(ablation, names).items():
        controls = [c for c in CONTROLS if f"{name} {c}" in ablation]
        arms = [name] + [f"{name} {c}" for c in controls]
        table[name] = {
            f"{', '.join(['targeted', *controls])} (%)": tuple(percent(a) for a in arms),
            **{k: f"{d:+.1f} ± {se:.1f}" for k, (d, se) in diffs.items()},
            "statistic removed": tuple(round(-ablation[a]["change"], 3) + 0.0 for a in arms),
        }
    return table


def plot_ablation_by_class(ablation: dict, axes=None, *, names=COMPOSITES, classes=None):
    """Accuracy lost per class by each swap of :func:`ablation_by_feature`: targeted swaps, then each control.

    Parameters
    ----------
    ablation : dict
        The output of :func:`ablation_by_feature`; each control present gets a panel of its own.
    axes : sequence of matplotlib Axes, optional
        One per panel.

    Returns
    -------
    sequence of matplotlib Axes
        Bars: accuracy lost against the clean inputs (percentage points) per
        true class; the random swap (grey) in every panel.
    """
    import matplotlib.pyplot as plt

    from ..simulate.classes import CLASSES

    classes = CLASSES if classes is None else classes
    rows = [("targeted", list(names))]
    rows += [
        (f"{c} control", [f"{n} {c}" for n in names]) for c in CONTROLS if all(f"{n} {c}" in ablation for n in names)
    ]
    if axes is None:
        _, axes = plt.subplots(
            len(rows),
            1,
            figsize=(11, 3.2 * len(rows)),
            sharex=True,
            sharey=True,
            constrained_layout=True,
            squeeze=False,
        )
        axes = axes[:, 0]
    width = 0.8 / (len(names) + 1)
    for ax, (title, keys) in zip(axes, rows):
        for j, key in enumerate(["random", *keys]):
            drop = 100 * (ablation["clean"]["per_class"] - ablation[key]["per_class"])
            ax.bar(
                np.arange(len(classes)) + (j - len(names) / 2) * width,
                drop,
                width,
                label=f"{key} swap",
                color="gray" if key == "random" else f"C{j}",
            )
        ax.axhline(0, color="k", lw=0.5)
        ax.set_ylabel("accuracy lost\n(percentage points)")
        ax.set_title(f"{title} swaps", fontsize=10)
        ax.legend(fontsize=8, ncol=len(names) + 1)
    axes[-1].set_xticks(range(len(classes)), classes)
    axes[-1].set_xlabel("true class")
    return axes


def correlation_table(correlations: dict, classes=None, features=COMPOSITES) -> np.ndarray:
    """A ``{(class, feature): value}`` dict as a (classes, features) array, NaN where a pair is missing.

    >>> correlation_table({("SubFBM", "AC"): -0.2}, classes=["SubFBM", "BM"], features=["AC"]).tolist()
    [[-0.2], [nan]]
    """
    from ..simulate.classes import CLASSES

    classes = CLASSES if classes is None else classes
    return np.array([[correlations.get((c, f), np.nan) for f in features] for c in classes], dtype=np.float64)


def plot_correlation_table(
    correlations: dict, ax=None, *, title: str | None = None, classes=None, features=COMPOSITES, vmax: float = 0.6
):
    """Heatmap of map-feature correlations per class (rows) and composite (columns), each cell annotated.

    Parameters
    ----------
    correlations : dict of (class, feature) to float
        E.g. :func:`map_correlations` or :data:`PAPER_CORRELATIONS`; missing pairs stay blank.
    vmax : float
        The colour scale runs from -vmax (blue) to +vmax (red).

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    from ..simulate.classes import CLASSES

    classes = CLASSES if classes is None else classes
    table = correlation_table(correlations, classes, features)
    if ax is None:
        _, ax = plt.subplots(figsize=(3.6, 4.6), constrained_layout=True)
    image = ax.imshow(table, cmap="RdBu_r", vmin=-vmax, vmax=vmax, aspect="auto")
    ax.set_xticks(range(len(features)), features)
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("composite feature")
    ax.set_ylabel("true class")
    for i, j in zip(*np.nonzero(np.isfinite(table))):
        ax.text(
            j,
            i,
            f"{table[i, j]:+.2f}",
            ha="center",
            va="center",
            fontsize=8,
            color="white" if abs(table[i, j]) > 0.6 * vmax else "black",
        )
    ax.figure.colorbar(image, ax=ax, label="correlation with the layer4 map", fraction=0.08, pad=0.04)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_correlation_intervals(
    intervals: dict,
    ax=None,
    *,
    paper: dict | None = None,
    highlight=REQUIRED_SIGNS,
    k: float = 2.0,
    title: str | None = None,
):
    """Our correlations with their bootstrap intervals beside the paper's values, one column per (class, feature).

    Parameters
    ----------
    intervals : dict of (class, feature) to dict
        The output of :func:`correlation_intervals` (computed with the same ``k``).
    paper : dict of (class, feature) to float, optional
        Default: :data:`PAPER_CORRELATIONS` with :data:`PAPER_SPEARMAN`.
    highlight : iterable of (class, feature)
        Pairs whose labels are drawn in bold (default: the five signs counted, :data:`REQUIRED_SIGNS`).
    k : float
        The intervals' half-width in standard errors, for the legend and the verdict colours.

    Returns
    -------
    matplotlib Axes
        Points coloured by :func:`sign_agreement`: green agrees, red differs,
        grey unresolved (within ``k`` standard errors of 0); thin grey bars:
        Fisher's interval, which treats every (trajectory, window) pair as independent.
    """
    import matplotlib.pyplot as plt

    paper = {**PAPER_CORRELATIONS, **PAPER_SPEARMAN} if paper is None else paper
    highlight = {tuple(p) for p in highlight}
    pairs = list(intervals)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 0.75 * len(pairs) + 1.5), 3.8), constrained_layout=True)
    colours = {"agrees": "C2", "differs": "C3", "unresolved": "0.5"}
    seen = set()
    for i, pair in enumerate(pairs):
        v = intervals[pair]
        if v.get("fisher") is not None:
            ax.plot(
                [i - 0.18, i - 0.18],
                v["fisher"],
                color="0.8",
                lw=3,
                label=None if "fisher" in seen else f"Fisher's z, ±{k:g} SE, pairs independent",
            )
            seen.add("fisher")
        verdict = sign_agreement(v["r"], paper[pair], v["stderr"], k=k) if pair in paper else "unresolved"
        ax.errorbar(
            i,
            v["r"],
            yerr=k * v["stderr"],
            fmt="o",
            color=colours[verdict],
            capsize=3,
            ms=5,
            label=None if verdict in seen else f"ours ±{k:g} SE (bootstrap over trajectories): {verdict}",
        )
        seen.add(verdict)
        if pair in paper:
            ax.plot(i + 0.18, paper[pair], "kx", ms=7, label=None if "paper" in seen else "paper")
            seen.add("paper")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xticks(range(len(pairs)), [f"{c}\n{f}" for c, f in pairs], fontsize=8)
    for tick, pair in zip(ax.get_xticklabels(), pairs):
        tick.set_fontweight("bold" if pair in highlight else "normal")
    ax.set_xlabel("true class and composite feature (bold: the five signs counted)")
    ax.set_ylabel("correlation with the layer4 map\n(dimensionless)")
    ax.legend(fontsize=7, loc="best")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_windows(x, stats: dict, cam_map, axes=None, *, title: str | None = None, show=(0, 9, 18, 27)):
    """One trajectory, its 32 windows, its layer4 map and its window statistics, in three panels.

    Parameters
    ----------
    x : ndarray of shape (2, 1000)
        One network input.
    stats : dict of str to ndarray of shape (32,)
        Its window statistics (a row of :func:`window_statistics`).
    cam_map : ndarray of shape (32,)
        Its raw layer4 Grad-CAM map.
    axes : sequence of 3 matplotlib Axes, optional
    show : sequence of int
        Windows drawn as shaded spans on the trajectory (0, 9, 18, 27 do not overlap).

    Returns
    -------
    sequence of 3 matplotlib Axes
    """
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(3, 1, figsize=(6, 6.5), sharex=True, constrained_layout=True)
    t = np.arange(np.shape(x)[-1])
    centres = STRIDE * np.arange(N_WINDOWS) + WINDOW // 2
    ax = axes[0]
    ax.plot(t, x[0], lw=0.8, label="x")
    ax.plot(t, x[1], lw=0.8, label="y")
    for k, i in enumerate(show):
        ax.axvspan(STRIDE * i, STRIDE * i + WINDOW - 1, color=f"C{2 + k}", alpha=0.15, lw=0)
        ax.text(STRIDE * i + WINDOW / 2, 1.02, f"window {i}", ha="center", va="bottom", fontsize=7)
    ax.set_ylabel("scaled position\n(dimensionless, in [0, 1])")
    ax.set_ylim(-0.05, 1.12)
    ax.legend(fontsize=7, loc="lower right")
    if title:
        ax.set_title(title, fontsize=10)
    ax = axes[1]
    ax.step(centres, cam_map, where="mid", color="k")
    ax.axhline(0, color="gray", lw=0.5)
    ax.set_ylabel("layer4 map\n(signed, arbitrary units)")
    ax = axes[2]
    for name in STATISTICS:
        ax.plot(centres, stats[name], marker=".", ms=3, lw=1, label=name)
    ax.axhline(0, color="gray", lw=0.5)
    ax.set_ylabel("statistic\n(dimensionless)")
    ax.set_xlabel("time (steps; window centre)")
    ax.legend(fontsize=7, ncol=5, loc="upper center", bbox_to_anchor=(0.5, -0.35))
    return axes
