"""Window statistics: the paper's five statistics on the 32 windows that match the 32 positions of layer4.

The windows are 225 steps long and 25 apart (``WINDOW``, ``STRIDE`` and ``N_WINDOWS`` of
:mod:`resandi_lite.paper`).  :func:`window_statistics` computes f1 to f5, :func:`composites` the
paper's AC, CS, SG and VD, :func:`window_activity` how much of each window moves; :func:`window_maps`
computes the map of each window, with any attribution method of :mod:`resandi_lite.attribution`;
:func:`plot_windows` draws one trajectory with its windows, its map and its statistics.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from torch import nn

from ..paper import N_WINDOWS, STRIDE, WINDOW

STATISTICS = ("f1", "f2", "f3", "f4", "f5")
COMPOSITES = ("AC", "CS", "SG", "VD")


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
