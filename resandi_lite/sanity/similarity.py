"""How much of a trained network's map a control's map keeps, trajectory by trajectory.

:func:`similarities` gives Spearman's rank correlation of the signed maps and
of their absolute values, and the structural similarity in one dimension
(:func:`ssim_1d`), on the positions that lie on the observed trajectory
(:func:`observed_map_positions`); :func:`plot_similarity` draws the mean
similarity at each step of a randomisation.
"""

from __future__ import annotations

import numpy as np
from torch import nn

from .._checks import check_int
from ..groundtruth import map_centres
from ..preprocess import INPUT_LENGTH

#: The similarities of a trained and a randomised map.
SIMILARITIES = ("spearman", "spearman_abs", "ssim")


def _ranks(v: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return rankdata(v)


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    denominator = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denominator) if denominator > 0 else float("nan")


def ssim_1d(a, b, *, win_size: int = 7, data_range: float | None = None, k1: float = 0.01, k2: float = 0.03) -> float:
    """Structural similarity of two 1-D signals (Wang et al. 2004), as scikit-image computes it for images.

    Local means, variances (sample, ``n - 1``) and covariance over sliding
    windows of ``win_size`` points; the mean SSIM over the windows that lie
    fully inside the signal.

    Parameters
    ----------
    a, b : array-like of shape (P,)
    win_size : int
        Odd window length, at most ``P``.
    data_range : float, optional
        Default: ``max(a, b) - min(a, b)`` over both signals (as Quantus).

    Examples
    --------
    >>> ssim_1d(np.arange(10.0), np.arange(10.0))
    1.0
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim != 1 or a.shape != b.shape:
        raise ValueError(f"a and b must be 1-D of the same length, got shapes {a.shape} and {b.shape}")
    win_size = check_int(win_size, "win_size", minimum=2)
    if win_size % 2 == 0 or win_size > len(a):
        raise ValueError(f"win_size must be odd and at most the signal's length {len(a)}, got {win_size}")
    if data_range is None:
        data_range = float(max(a.max(), b.max()) - min(a.min(), b.min()))
    if data_range <= 0:
        return 1.0 if np.array_equal(a, b) else float("nan")
    wa = np.lib.stride_tricks.sliding_window_view(a, win_size)
    wb = np.lib.stride_tricks.sliding_window_view(b, win_size)
    ma, mb = wa.mean(1), wb.mean(1)
    norm = win_size / (win_size - 1)
    va = norm * ((wa * wa).mean(1) - ma * ma)
    vb = norm * ((wb * wb).mean(1) - mb * mb)
    cov = norm * ((wa * wb).mean(1) - ma * mb)
    c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
    s = (2 * ma * mb + c1) * (2 * cov + c2) / ((ma * ma + mb * mb + c1) * (va + vb + c2))
    return float(s.mean())


def similarities(a, b, observed=None, *, min_positions: int = 3) -> dict:
    """Similarity of two sets of maps, trajectory by trajectory, on the observed positions.

    Parameters
    ----------
    a, b : ndarray of shape (n, P)
        Maps of the same trajectories (e.g. trained and randomised network).
    observed : ndarray of shape (n, P), bool, optional
        Which positions count (:func:`observed_map_positions`); default all.
    min_positions : int
        Fewer observed positions give NaN.

    Returns
    -------
    dict of str to ndarray of shape (n,), float64
        ``spearman`` (rank correlation of the signed maps), ``spearman_abs``
        (of their absolute values) and ``ssim`` (:func:`ssim_1d` of the maps
        each divided by its largest absolute value, windows of
        ``min(7, P_observed)`` points, made odd); NaN where undefined (a
        constant map, too few positions).

    Examples
    --------
    >>> s = similarities(np.array([[1.0, 2.0, 3.0, 4.0]]), np.array([[4.0, 3.0, 2.0, 1.0]]))
    >>> float(s["spearman"][0]), float(s["spearman_abs"][0])
    (-1.0, -1.0)
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f"a and b must be maps of the same shape (n, positions), got {a.shape} and {b.shape}")
    observed = np.ones(a.shape, dtype=bool) if observed is None else np.asarray(observed, dtype=bool)
    if observed.shape != a.shape:
        raise ValueError(f"observed must have the maps' shape {a.shape}, got {observed.shape}")
    out = {name: np.full(len(a), np.nan) for name in SIMILARITIES}
    for i in range(len(a)):
        u, v = a[i, observed[i]], b[i, observed[i]]
        if len(u) < max(min_positions, 2):
            continue
        out["spearman"][i] = _pearson(_ranks(u), _ranks(v))
        out["spearman_abs"][i] = _pearson(_ranks(np.abs(u)), _ranks(np.abs(v)))
        su, sv = np.abs(u).max(), np.abs(v).max()
        if su > 0 and sv > 0:
            win = min(7, len(u) - (len(u) % 2 == 0))
            out["ssim"][i] = ssim_1d(u / su, v / sv, win_size=win)
    return out


def observed_map_positions(model: nn.Module, positions: int, lengths) -> np.ndarray:
    """Which positions of a map of ``positions`` values lie on the observed trajectory: (n, positions), bool.

    A position counts when its receptive-field centre
    (:func:`resandi_lite.groundtruth.map_centres`) falls on one of the last
    ``lengths[i]`` input points (the trajectory, not the padding).
    """
    centres = map_centres(model, positions)
    lengths = np.asarray(lengths).reshape(-1)
    return centres[None, :] >= (INPUT_LENGTH - lengths)[:, None]


def plot_similarity(curves: list[dict], similarity: str = "spearman", ax=None, *, title: str | None = None):
    """Mean similarity of trained and randomised maps at each step, one line per method, with 95% intervals."""
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(6, 3.2))[1]
    chosen = [r for r in curves if r["similarity"] == similarity]
    steps = list(dict.fromkeys(r["step"] for r in chosen))
    for m in dict.fromkeys(r["method"] for r in chosen):
        rows = {r["step"]: r for r in chosen if r["method"] == m}
        mean = np.array([rows[s]["mean"] for s in steps])
        err = np.array([[rows[s]["mean"] - rows[s]["low"], rows[s]["high"] - rows[s]["mean"]] for s in steps])
        ax.errorbar(np.arange(len(steps)), mean, yerr=err.T, fmt="o-", capsize=3, label=m)
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_xticks(np.arange(len(steps)), steps)
    ax.set_xlabel("randomised (cascade: this layer and all above it)")
    ax.set_ylabel(
        {"spearman": "Spearman rank correlation", "spearman_abs": "Spearman of |map|", "ssim": "SSIM"}[similarity]
        + "\nwith the trained map"
    )
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax
