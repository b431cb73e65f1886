"""The three scores of a map against the events (AUROC, pointing game, relevance mass), against random maps.

:func:`trajectory_scores` scores each trajectory's map, :func:`summarise`
compares the scores with those of random maps (:func:`random_maps`) per
class with bootstrap intervals (:func:`bootstrap`), :func:`compare_methods`
does it for every network and method, and :func:`plot_scores` and
:func:`plot_events` draw them.
"""

from __future__ import annotations

import numpy as np
from torch import nn

from .._checks import (
    check_float,
    check_int,
    check_labels,
    check_lengths,
    check_maps,
    check_mask,
    check_memory,
    check_rng,
)
from ..simulate import CLASSES
from .events import _centres, _check_upsampling, near_events, observed_positions, upsample

SCORES = ("auroc", "pointing", "mass")


def _auroc_row(values: np.ndarray, positive: np.ndarray) -> float:
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    ranks = (np.cumsum(counts) - (counts - 1) / 2.0)[inverse]  # average ranks, 1-based
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def trajectory_scores(maps, events, lengths, *, k: int = 3, centres=None) -> dict:
    """The three scores of each trajectory's map.

    Parameters
    ----------
    maps : ndarray of shape (n, P)
        Maps at any resolution, upsampled to the input by :func:`upsample`.
    events : ndarray of shape (n, 1000), bool
        Marks on the input positions (:func:`events_to_input`).
    lengths : ndarray of shape (n,), int
        Trajectory lengths: only the last ``lengths[i]`` positions count.
    k : int
        Tolerance of the pointing game and the relevance mass, in steps.
    centres : ndarray of shape (P,), optional
        Receptive-field centres of the map's positions (:func:`map_centres`):
        each input point reads the position whose centre is nearest.
        ``None``: nearest-neighbour stretching, as the paper upsamples.

    Returns
    -------
    dict of str to ndarray of shape (n,), float64
        ``auroc``, ``pointing``, ``mass`` (NaN where undefined: no marked or no
        unmarked point, or no positive relevance).
    """
    events = check_mask(events, "events", ndim=2)
    maps = check_maps(maps, "maps", n=len(events))
    lengths = check_lengths(lengths, "lengths", maximum=events.shape[1], n=len(events))
    k = check_int(k, "k", minimum=0)
    up = upsample(maps, events.shape[1], centres=centres)
    if up.shape != events.shape:
        raise ValueError(f"maps must have one row per row of events ({len(events)}), got {np.shape(maps)}")
    observed = observed_positions(lengths, events.shape[1])
    near = near_events(events, k)
    n = len(up)
    out = {name: np.full(n, np.nan) for name in SCORES}
    for i in range(n):
        v, o = up[i, observed[i]], observed[i]
        out["auroc"][i] = _auroc_row(v, events[i, o])
        if events[i, o].any():
            top = v == v.max()
            out["pointing"][i] = near[i, o][top].mean()
            positive = np.clip(v, 0, None)
            if positive.sum() > 0:
                out["mass"][i] = positive[near[i, o]].sum() / positive.sum()
    return out


def random_maps(n: int, positions: int, rng=None) -> np.ndarray:
    """Maps of i.i.d. uniform values, the baseline of a method at ``positions`` positions: (n, positions)."""
    n, positions = check_int(n, "n", minimum=0), check_int(positions, "positions", minimum=1)
    check_memory(8 * n * positions, f"random_maps: {n:,} maps of {positions:,} positions")
    return check_rng(rng).random((n, positions))


def bootstrap(values, *, n_boot: int = 1000, level: float = 0.95, rng=None) -> tuple[float, float, float]:
    """Mean of the finite values and its percentile bootstrap interval: ``(mean, low, high)``.

    Examples
    --------
    >>> bootstrap([1.0, 1.0, np.nan])
    (1.0, 1.0, 1.0)
    """
    v = np.asarray(values)
    if v.dtype.kind not in "iuf" or v.ndim != 1:
        raise (TypeError if v.dtype.kind not in "iuf" else ValueError)(
            f"values must be a 1-D array of numbers (NaN for undefined), got dtype {v.dtype}, shape {v.shape}"
        )
    n_boot = check_int(n_boot, "n_boot", minimum=1)
    level = check_float(level, "level", minimum=0, maximum=1, open_low=True)
    rng = check_rng(rng)
    v = v.astype(np.float64)
    v = v[np.isfinite(v)]
    check_memory(8 * n_boot * v.size, f"bootstrap: {n_boot:,} resamples of {v.size:,} values")
    if v.size == 0:
        return (float("nan"),) * 3
    means = v[rng.integers(0, v.size, (n_boot, v.size))].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(v.mean()), float(lo), float(hi)


def summarise(
    maps, events, lengths, y, *, k: int = 3, rng=None, n_boot: int = 1000, classes=None, centres=None
) -> list[dict]:
    """Scores of the maps per class, each against random maps of the same resolution, with bootstrap intervals.

    ``centres``: as in :func:`trajectory_scores`, for the maps and the random maps alike.

    Returns
    -------
    list of dict
        One row per class present in ``y`` and score: ``class``, ``score``,
        ``n`` (trajectories where it is defined), ``mean``, ``low``, ``high``
        (95% interval), ``random``, ``random_low``, ``random_high``, and the
        paired ``difference`` (map minus random) with ``difference_low`` and
        ``difference_high``.
    """
    rng = check_rng(rng)
    classes = CLASSES if classes is None else classes
    maps = check_maps(maps, "maps")
    y = check_labels(y, "y", n=len(maps), n_classes=len(classes))
    ours = trajectory_scores(maps, events, lengths, k=k, centres=centres)
    random = trajectory_scores(random_maps(len(maps), maps.shape[1], rng), events, lengths, k=k, centres=centres)
    return _table(ours, random, y, rng=rng, n_boot=n_boot, classes=classes)


def _table(ours: dict, random: dict, y, *, rng, n_boot: int, classes=CLASSES) -> list[dict]:
    """Per class and score: mean and 95% interval of the map's score and the random maps', and their difference."""
    rows = []
    for label in np.unique(y):
        members = y == label
        for score in SCORES:
            a, b = ours[score][members], random[score][members]
            row = {"class": classes[label], "score": score, "n": int(np.isfinite(a).sum())}
            row.update(zip(("mean", "low", "high"), bootstrap(a, n_boot=n_boot, rng=rng)))
            row.update(zip(("random", "random_low", "random_high"), bootstrap(b, n_boot=n_boot, rng=rng)))
            row.update(
                zip(("difference", "difference_low", "difference_high"), bootstrap(a - b, n_boot=n_boot, rng=rng))
            )
            rows.append(row)
    return rows


def compare_methods(
    models: dict, data: dict, methods, *, k: int = 3, rng=None, n_boot: int = 1000, upsampling: str = "centres"
) -> list[dict]:
    """:func:`summarise` for every network and attribution method on one event set.

    Parameters
    ----------
    models : dict of str to torch.nn.Module
        Networks by label (e.g. ``"trained"``, ``"random weights"``).
    data : dict
        From :func:`event_set`.
    methods : sequence of str or callable
        Names of :data:`resandi_lite.attribution.METHODS` or callables.
    upsampling : {"centres", "nearest"}
        ``"centres"``: each input point reads the map position whose
        receptive-field centre is nearest (:func:`map_centres`);
        ``"nearest"``: the paper's nearest-neighbour stretching.

    Returns
    -------
    list of dict
        The rows of :func:`summarise`, each with ``network`` and ``method`` added.
    """
    from ..attribution import attribute

    _check_upsampling(upsampling)
    rng = check_rng(rng)
    if not isinstance(models, dict) or not all(isinstance(m, nn.Module) for m in models.values()):
        raise TypeError(f"models must be a dict of name to torch.nn.Module, got {type(models).__name__}")
    if not isinstance(data, dict) or {"X", "y", "events", "lengths"} - set(data):
        raise TypeError("data must be the dict returned by event_set (X, y, events, lengths)")
    rows = []
    for network, model in models.items():
        for method in methods:
            maps = attribute(model, data["X"], data["y"], method)
            centres = _centres(model, maps.shape[1], upsampling)
            for row in summarise(
                maps, data["events"], data["lengths"], data["y"], k=k, rng=rng, n_boot=n_boot, centres=centres
            ):
                rows.append({"network": network, "method": getattr(method, "__name__", method), **row})
    return rows


def plot_scores(rows: list[dict], score: str = "auroc", ax=None, *, network: str | None = None):
    """Each method's mean score per class with its 95% interval, beside the random maps' (grey)."""
    import matplotlib.pyplot as plt

    rows = [r for r in rows if r["score"] == score and (network is None or r.get("network") == network)]
    methods = list(dict.fromkeys(r["method"] for r in rows))
    classes = list(dict.fromkeys(r["class"] for r in rows))
    ax = ax or plt.subplots(figsize=(8, 3.2))[1]
    width = 0.8 / max(1, len(classes))
    for j, c in enumerate(classes):
        chosen = {r["method"]: r for r in rows if r["class"] == c}
        x = np.arange(len(methods)) + (j - (len(classes) - 1) / 2) * width
        mean = np.array([chosen[m]["mean"] for m in methods])
        err = np.array([[chosen[m]["mean"] - chosen[m]["low"], chosen[m]["high"] - chosen[m]["mean"]] for m in methods])
        ax.errorbar(x, mean, yerr=err.T, fmt="o", capsize=3, label=c)
        ax.errorbar(x, [chosen[m]["random"] for m in methods], fmt="_", color="grey", markersize=12)
    ax.set_xticks(np.arange(len(methods)), methods, rotation=30, ha="right")
    label = {
        "auroc": "AUROC (0.5: chance)",
        "pointing": "pointing game (hit rate)",
        "mass": "relevance mass near events",
    }[score]
    ax.set_ylabel(label)
    ax.legend(title="class (grey: random maps)", fontsize=8)
    return ax


def plot_events(positions, events, cam, ax=None, *, title: str | None = None):
    """A trajectory's x coordinate against time, its events (ticks) and a map (shaded), observed part only.

    Parameters
    ----------
    positions : ndarray of shape (2, T)
    events : ndarray of shape (T,), bool
    cam : ndarray of shape (T,)
        The map on the trajectory's points (e.g. upsampled to 1000 and cut to the last T).
    """
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(8, 2.6))[1]
    t = np.arange(len(events))
    ax.plot(t, positions[0], color="black", lw=0.8, label="x(t)")
    ax.set_xlabel("time step t")
    ax.set_ylabel("x (simulation units)")
    for tick in np.flatnonzero(events):
        ax.axvline(tick, color="tab:red", lw=0.4, alpha=0.5)
    twin = ax.twinx()
    twin.fill_between(t, cam, step="mid", color="tab:blue", alpha=0.25)
    twin.set_ylabel("map value", color="tab:blue")
    if title:
        ax.set_title(title)
    return ax
