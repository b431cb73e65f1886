"""Figures of Grad-CAM and erasure (chapters 8 and 9).

A trajectory coloured by its map; accuracy after erasing each Grad-CAM band beside the random
controls, and the paired differences; what each fill puts in place of the erased segments; the bands
of each fill, the erasure curves and the verdicts; where erased trajectories go
(:mod:`resandi_lite.erasure` computes what they draw).
"""

from __future__ import annotations

import numpy as np

from ..simulate.classes import CLASSES
from .basics import _accuracy_axes, _axes, _coloured_path, plot_confusion


def plot_trajectory_importance(
    x,
    importance,
    ax=None,
    *,
    title: str | None = None,
    colorbar: bool = True,
    vmax: float | None = None,
    cmap: str = "coolwarm",
    linewidth: float = 1.5,
    unit: str = "scaled",
    label: str = "Grad-CAM value",
):
    """A 2-D trajectory coloured by a value per point, such as its upsampled Grad-CAM map.

    Each step from point ``t`` to ``t + 1`` gets the colour of ``importance[t]``.
    The colour scale is symmetric about zero (``-vmax .. vmax``), so with the
    default diverging colour map positive values (evidence for the class) are
    red, negative ones (evidence against it) blue and zero white-grey.

    Parameters
    ----------
    x : array-like of shape (2, T)
        Positions; for a network input, the observed part ``X[i, :, 1000 - T:]``.
    importance : array-like of shape (T,)
        Value per point, e.g. ``grad_cam(...)[i, 1000 - T:]``.
    ax : matplotlib Axes, optional
    title : str, optional
    colorbar : bool
    vmax : float, optional
        Half-width of the colour scale (default: the largest ``|importance|``);
        pass one value to compare several panels.
    cmap : str
    linewidth : float
    unit : str
        Unit of the positions, for the axis labels.
    label : str
        Colour bar label.

    Returns
    -------
    matplotlib Axes
        The line collection is ``ax.collections[-1]``; its array holds the colour values.
    """
    x = np.asarray(x, dtype=float)
    importance = np.asarray(importance, dtype=float)
    if x.ndim != 2 or x.shape[0] != 2 or x.shape[1] < 2:
        raise ValueError(f"x must have shape (2, T) with T >= 2, got {x.shape}")
    if importance.shape != (x.shape[1],):
        raise ValueError(f"importance must have shape (T,) = ({x.shape[1]},) like x, got {importance.shape}")
    if vmax is None:
        vmax = float(np.max(np.abs(importance))) or 1.0
    return _coloured_path(
        x,
        importance[:-1],
        ax,
        title=title,
        colorbar=colorbar,
        cmap=cmap,
        linewidth=linewidth,
        unit=unit,
        label=label,
        clim=(-vmax, vmax),
    )


def plot_erasure(
    result: dict, ax=None, *, label: str = "this network", paper: bool = False, color=None, errors: bool = False
):
    """Accuracy after erasing each Grad-CAM percentile band, beside the random controls.

    The curves describe; comparisons are read from the paired differences
    (:func:`plot_paired_erasure`), not from the distance between two curves.

    Parameters
    ----------
    result : dict
        From :func:`resandi_lite.erasure.erasure_experiment`; with
        ``matched=True`` the contiguity-matched control is drawn too (dotted).
    ax : matplotlib Axes, optional
    label : str
        Legend label of this curve; the controls are labelled
        ``"<label>, random (scattered)"`` and ``"<label>, random (matched)"``.
    paper : bool
        Also draw the paper's curve and the range of its random baseline (shaded).
    color : optional
        Matplotlib colour of all curves (bands solid, controls dashed and dotted).
    errors : bool
        Error bars of one accuracy each (binomial standard errors over the
        ``predictions.shape[1]`` trajectories): the uncertainty of a point,
        not of a difference.

    Returns
    -------
    matplotlib Axes
    """
    from ..erasure import PAPER_ERASURE, PAPER_RANDOM_RANGE

    ax = _axes(ax, (6, 4))
    centers = np.array([(lo + hi) / 2 for lo, hi in result["bands"]])
    n = result["predictions"].shape[1]
    curves = [("accuracy", "-o", ""), ("random_accuracy", "--s", ", random (scattered)")]
    if "matched_accuracy" in result:
        curves.append(("matched_accuracy", ":^", ", random (matched)"))
    for key, style, suffix in curves:
        p = np.asarray(result[key], dtype=float)
        line = ax.errorbar(
            centers,
            100 * p,
            yerr=100 * np.sqrt(p * (1 - p) / n) if errors else None,
            fmt=style,
            capsize=3,
            markersize=4,
            color=color,
            label=f"{label}{suffix}",
        )
        color = line[0].get_color()
    ax.axhline(100 * result["clean_accuracy"], color=color, ls=":", lw=1, label=f"{label}, nothing erased")
    if paper:
        ax.plot(centers, PAPER_ERASURE, "-^", color="gray", label="paper")
        ax.axhspan(*PAPER_RANDOM_RANGE, color="gray", alpha=0.2, label="paper, random (range)")
    ax.set_xticks(centers, [f"{lo:.0f}-{hi:.0f}" for lo, hi in result["bands"]], rotation=45)
    _accuracy_axes(ax, "Grad-CAM percentile band erased (%)", "accuracy after erasing (%)")
    ax.legend(fontsize=8)
    return ax


def plot_paired_erasure(runs: dict, ax=None, *, paper: bool = False, level: float | None = None):
    """Accuracy each band costs beyond its random control: paired differences with family-wise intervals.

    One point per band and run: ``difference`` of
    :func:`resandi_lite.erasure.compare_with_random` (control accuracy minus
    band accuracy, in points; above 0 the band hurts more than random
    erasure), with its paired bootstrap interval at the Bonferroni level of
    the run's bands (99.5% for ten; ``level`` to override).

    Parameters
    ----------
    runs : dict
        ``{label: (result, y)}`` or ``{label: (result, y, control)}``:
        ``result`` from :func:`resandi_lite.erasure.erasure_experiment` (all
        bands, or some with ``which``), ``y`` of shape (n,), the labels it was
        run with, and ``control`` ``"scattered"`` (default) or ``"matched"``.
        Runs are drawn side by side; the number of trajectories and the level
        are added to each label.
    ax : matplotlib Axes, optional
    paper : bool
        Also draw, per band, the range the paper's numbers allow: its random
        baseline is reported only as a range over bands (24.7-27.9%), so its
        difference for band ``b`` lies between ``24.7 - paper[b]`` and ``27.9 - paper[b]``.
    level : float, optional
        Level of every interval (default: each run's family level).

    Returns
    -------
    matplotlib Axes
    """
    from ..erasure import PAPER_ERASURE, PAPER_RANDOM_RANGE, compare_with_random

    if not isinstance(runs, dict) or not runs:
        raise TypeError("runs must be a non-empty dict {label: (result, y)} or {label: (result, y, control)}")
    ax = _axes(ax, (6, 4))
    bands = set()
    width = 6.0 / max(len(runs), 1)
    for k, (label, run) in enumerate(runs.items()):
        result, y, control = (*run, "scattered") if len(run) == 2 else run
        paired = compare_with_random(result, y, control=control, level=level)
        centers = np.array([(lo + hi) / 2 for lo, hi in result["bands"]])
        bands.update(result["bands"])
        shift = min(2.0, width) * (k - (len(runs) - 1) / 2)  # runs side by side around the band centre
        error = np.abs(np.stack([paired["difference"] - paired["low"], paired["high"] - paired["difference"]]))
        ax.errorbar(
            centers + shift,
            paired["difference"],
            yerr=error,
            fmt="o",
            capsize=3,
            markersize=5,
            label=f"{label} ({paired['n']:,} trajectories, {100 * paired['level']:.1f}%)",
        )
    bands = sorted(bands)
    centers = np.array([(lo + hi) / 2 for lo, hi in bands])
    if paper:
        if any(hi - lo != 10 or lo % 10 for lo, hi in bands):
            raise ValueError("paper=True needs bands of the paper's ten deciles (erasure_experiment(..., bands=10))")
        index = np.array([int(lo) // 10 for lo, _ in bands])
        low, high = PAPER_RANDOM_RANGE[0] - PAPER_ERASURE[index], PAPER_RANDOM_RANGE[1] - PAPER_ERASURE[index]
        ax.bar(centers, high - low, bottom=low, width=6, color="gray", alpha=0.3, label="paper (range)")
        bottom, top = ax.get_ylim()  # bars stick to their base: leave a margin below the lowest
        ax.set_ylim(bottom - 0.05 * (top - bottom), top)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(centers, [f"{lo:.0f}-{hi:.0f}" for lo, hi in bands], rotation=45)
    ax.set_xlabel("Grad-CAM percentile band erased (%)")
    ax.set_ylabel("random minus band accuracy (points)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def plot_fills(X, mask, ax=None, *, lengths=None, fills=None, rng=None, coordinate: int = 0):
    """What each fill puts in place of the erased segments of one trajectory: one coordinate against time.

    Parameters
    ----------
    X : ndarray of shape (2, L) or (1, 2, L)
        One network input.
    mask : ndarray of shape (S,) or (1, S), bool
        The erased segments.
    ax : matplotlib Axes, optional
    lengths : int, optional
        The trajectory's length (for a left-padded one); the plot starts where it does.
    fills : sequence of str, optional
        Default: all of :data:`resandi_lite.erasure.FILLS`.
    rng : numpy.random.Generator, int or None
        Noise of the ``"noisy"`` and ``"resample"`` fills.
    coordinate : int
        0 for x, 1 for y.

    Returns
    -------
    matplotlib Axes
    """
    from ..erasure import FILLS, erase, segment_of_position

    X = np.asarray(X, dtype=np.float32).reshape(1, 2, -1)
    mask = np.asarray(mask, dtype=bool).reshape(1, -1)
    L = X.shape[-1]
    T = L if lengths is None else int(np.ravel(lengths)[0])
    rng = np.random.default_rng(rng)
    ax = _axes(ax, (9, 3.6))
    t = np.arange(L)
    shown = t >= L - T
    ax.plot(t[shown], X[0, coordinate, shown], color="lightgray", lw=3, label="original")
    for fill in FILLS if fills is None else fills:
        out = erase(X, mask, fill=fill, lengths=[T], rng=rng)[0, coordinate]
        ax.plot(t[shown], out[shown], lw=1, label=fill)
    erased = mask[0, segment_of_position(mask.shape[1], L)]
    edges = np.flatnonzero(np.diff(np.concatenate([[0], erased.astype(int), [0]])))
    for start, stop in zip(edges[::2], edges[1::2]):
        ax.axvspan(start - 0.5, stop - 0.5, color="gold", alpha=0.25, lw=0)
    ax.set_xlabel("time step (input position)")
    ax.set_ylabel(f"{'xy'[coordinate]} (MinMax-scaled)")
    ax.legend(fontsize=8, ncol=3)
    ax.grid(alpha=0.3)
    return ax


def plot_erasure_bands(verdicts: dict, network: str = "T1000", axes=None, *, fills=None):
    """The ten bands of each fill against both random controls, from the rows of :func:`~resandi_lite.erasure.erasure_verdicts`.

    One panel per fill: for each band, the paired difference (control minus
    band accuracy, points) with its family-wise interval, for the scattered
    and the contiguity-matched control side by side.

    Parameters
    ----------
    verdicts : dict
        The output of :func:`resandi_lite.erasure.erasure_verdicts` (or its committed JSON).
    network : str
        ``"T1000"`` or ``"varying"``.
    axes : sequence of matplotlib Axes, optional
    fills : sequence of str, optional
        Default: every fill with ten-band rows for this network.

    Returns
    -------
    ndarray of matplotlib Axes
    """
    import matplotlib.pyplot as plt

    rows = [r for r in verdicts["rows"] if r.get("claim_id") == "band" and r.get("network") == network]
    if fills is None:
        fills = list(dict.fromkeys(r["fill"] for r in rows))
    if not fills:
        raise ValueError(f"verdicts has no ten-band rows for network {network!r}")
    if axes is None:
        _, axes = plt.subplots(
            1, len(fills), figsize=(3.6 * len(fills) + 0.6, 3.8), sharey=True, constrained_layout=True, squeeze=False
        )
        axes = axes[0]
    axes = np.atleast_1d(axes)
    for ax, fill in zip(axes, fills):
        for k, (control, marker) in enumerate((("scattered", "s"), ("matched", "^"))):
            chosen = [r for r in rows if r["fill"] == fill and r["control"] == control]
            if not chosen:
                continue
            x = np.array([(r["band"][0] + r["band"][1]) / 2 for r in chosen]) + (2.0 * k - 1.0)
            est = np.array([r["estimate"] for r in chosen])
            error = np.abs(np.stack([est - [r["low"] for r in chosen], [r["high"] for r in chosen] - est]))
            ax.errorbar(
                x,
                est,
                yerr=error,
                fmt=marker,
                capsize=2,
                markersize=4,
                label=f"random ({control}), {100 * chosen[0]['level']:.1f}%",
            )
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xticks(np.arange(5, 100, 10), [f"{b}-{b + 10}" for b in range(0, 100, 10)], rotation=45, fontsize=7)
        ax.set_title(f"{network}, {fill}")
        ax.set_xlabel("Grad-CAM percentile band erased (%)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("random minus band accuracy (points)")
    axes[0].legend(fontsize=7)
    return axes


def plot_erasure_curves(curves: dict, axes=None):
    """Most-relevant-first and least-relevant-first erasure: accuracy against the share of segments erased.

    Parameters
    ----------
    curves : dict
        ``{label: curve}``, each ``curve`` the output of
        :func:`resandi_lite.erasure.erasure_curve` or an entry of the
        ``curves`` of :func:`resandi_lite.erasure.erasure_verdicts` (the
        ``accuracy`` per order and ``clean_accuracy``, as fractions, and
        ``fractions``); one panel per label, sharing the y axis.
    axes : sequence of matplotlib Axes, optional
        One per entry of ``curves``.

    Returns
    -------
    ndarray of matplotlib Axes
    """
    import matplotlib.pyplot as plt

    if not isinstance(curves, dict) or not curves:
        raise TypeError("curves must be a non-empty dict {label: curve}")
    if axes is None:
        _, axes = plt.subplots(
            1, len(curves), figsize=(3.2 * len(curves) + 0.6, 3.6), sharey=True, constrained_layout=True, squeeze=False
        )
        axes = axes[0]
    axes = np.atleast_1d(axes)
    if len(axes) != len(curves):
        raise ValueError(f"axes must hold one Axes per curve ({len(curves)}), got {len(axes)}")
    styles = {
        "morf": ("-v", "most relevant first"),
        "lerf": ("-^", "least relevant first"),
        "random": ("--s", "random order"),
    }
    for ax, (label, curve) in zip(axes, curves.items()):
        x = [0.0] + [100 * f for f in curve["fractions"]]
        for order, accuracy in curve["accuracy"].items():
            y = [100 * curve["clean_accuracy"]] + (100 * np.asarray(accuracy, dtype=float)).tolist()
            style, name = styles.get(order, ("-o", order))
            ax.plot(x, y, style, markersize=4, label=name)
        ax.set_title(label)
        _accuracy_axes(ax, "segments erased (% of those observed)", "accuracy after erasing (%)")
    axes[0].legend(fontsize=8)
    return axes


def plot_where_erased_go(confusions: dict, axes=None, *, classes=CLASSES, ncols: int | None = None):
    """Where erased trajectories go: for each fill, true class (rows) against predicted class after erasing.

    Parameters
    ----------
    confusions : dict
        ``{title: counts}``, each of shape (k, k) (rows truth, columns
        prediction); each row is shown as percent of its true class.
    axes : sequence of matplotlib Axes, optional
    classes : sequence of str
    ncols : int, optional
        Panels per row when the axes are made here (default: all in one row).

    Returns
    -------
    ndarray of matplotlib Axes
    """
    import matplotlib.pyplot as plt

    if not isinstance(confusions, dict) or not confusions:
        raise TypeError("confusions must be a non-empty dict {title: counts of shape (k, k)}")
    if axes is None:
        ncols = min(ncols or len(confusions), len(confusions))
        nrows = -(-len(confusions) // ncols)
        _, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 4.4 * nrows), constrained_layout=True, squeeze=False)
        for ax in axes.ravel()[len(confusions) :]:
            ax.set_visible(False)
        axes = axes.ravel()[: len(confusions)]
    axes = np.atleast_1d(axes)
    for ax, (title, counts) in zip(axes, confusions.items()):
        counts = np.asarray(counts, dtype=float)
        if counts.shape != (len(classes), len(classes)):
            raise ValueError(f"each confusion must have shape ({len(classes)}, {len(classes)}), got {counts.shape}")
        rows = counts.sum(axis=1, keepdims=True)
        plot_confusion(
            100 * np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0), ax, title=title, classes=classes
        )
    return axes


def plot_erasure_verdicts(rows, ax=None, *, label=None):
    """The verdict rows as intervals beside the paper's effect: one line per claim, coloured by verdict.

    Parameters
    ----------
    rows : list of dict
        Rows of :func:`resandi_lite.erasure.erasure_verdicts` (``estimate``,
        ``low``, ``high``, ``paper``, ``verdict``, in points).
    ax : matplotlib Axes, optional
    label : callable, optional
        ``label(row) -> str`` for the y axis (default: fill, control and claim, and
        where the segments lie, ``within``, when the rows do not all share it).

    Returns
    -------
    matplotlib Axes
    """
    rows = list(rows)
    if not rows:
        raise ValueError("rows must hold at least one verdict row")
    colours = {"agrees": "tab:green", "differs": "tab:red", "no effect": "tab:blue", "open": "tab:gray"}
    ax = _axes(ax, (7, 0.32 * len(rows) + 1.2))
    several = len({r.get("within") for r in rows}) > 1  # name where the segments lie only where rows differ

    def default(r):
        where = [r.get("within")] if several and r.get("within") else []
        return ", ".join([r.get("fill", ""), *where, r.get("control") or "-", r.get("claim_id", "")])

    label = label or default
    for i, row in enumerate(rows):
        colour = colours.get(row["verdict"], "black")
        ax.plot([row["low"], row["high"]], [i, i], color=colour, lw=2.5)
        ax.plot(row["estimate"], i, "o", color=colour, markersize=4)
        ax.plot(row["paper"], i, "x", color="black", markersize=5)
    ax.set_yticks(range(len(rows)), [label(r) for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("difference of accuracies (points), paired interval; x: the paper's effect")
    handles = [ax.plot([], [], color=c, lw=2.5, label=v)[0] for v, c in colours.items()]
    ax.legend(handles=handles, fontsize=7, loc="best")
    ax.grid(alpha=0.3, axis="x")
    return ax
