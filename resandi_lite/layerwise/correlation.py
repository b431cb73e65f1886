"""Correlation of the layer4 map with the window statistics, per class, and its intervals.

Pooled over all windows (:func:`map_correlations`, :func:`correlation`) or within trajectories
(:func:`within_trajectory`: map and statistic demeaned per trajectory); standard errors from a bootstrap
over trajectories (:func:`correlation_intervals`, beside Fisher's :func:`fisher_interval`); the
correlations as a table and a heatmap (:func:`correlation_table`, :func:`plot_correlation_table`).
"""

from __future__ import annotations

import numpy as np

from ..paper import N_WINDOWS
from .statistics import COMPOSITES


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
