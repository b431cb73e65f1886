"""Figures used across the chapters: every axis labelled, with units where there are any."""

from __future__ import annotations

import numpy as np

from ..simulate.classes import CLASSES


def _axes(ax, figsize=(5, 4)):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize, constrained_layout=True)
    return ax


def _accuracy_axes(ax, xlabel: str, ylabel: str = "accuracy (%)"):
    """The axes every accuracy plot shares: labels, 0-100% and a light grid."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)


def plot_confusion(confusion, ax=None, *, title: str | None = None, classes=CLASSES, vmax: float = 100.0):
    """Draw a row-normalised confusion matrix in percent, each cell annotated.

    Parameters
    ----------
    confusion : array-like of shape (k, k)
        Row fractions (0-1) or percentages (0-100); rows truth, columns prediction.
    ax : matplotlib Axes, optional
    title : str, optional
    classes : sequence of str
    vmax : float
        Top of the colour scale in percent.

    Returns
    -------
    matplotlib Axes
    """
    cm = np.asarray(confusion, dtype=float)
    percent = cm * 100 if np.nanmax(cm) <= 1.0 + 1e-9 else cm
    ax = _axes(ax, (5.5, 4.8))
    image = ax.imshow(percent, cmap="Blues", vmin=0, vmax=vmax)
    k = len(classes)
    ax.set_xticks(range(k), classes, rotation=45, ha="right")
    ax.set_yticks(range(k), classes)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    for i in range(k):
        for j in range(k):
            value = percent[i, j]
            if np.isfinite(value) and value >= 0.05:
                ax.text(
                    j,
                    i,
                    f"{value:.1f}" if value < 99.95 else "100",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if value > 0.6 * vmax else "black",
                )
    ax.figure.colorbar(image, ax=ax, label="% of the true class", fraction=0.046, pad=0.04)
    if title:
        ax.set_title(title)
    return ax


def plot_accuracy_by(result: dict, ax=None, *, xlabel: str, label: str | None = None, reference=None, **kwargs):
    """Accuracy (%) with binomial error bars against a binned quantity (see :func:`resandi_lite.evaluate.accuracy_by`).

    ``reference`` : optional ``(x, accuracy_percent, label)`` drawn as a dashed line.
    """
    ax = _axes(ax)
    keep = result["count"] > 0
    ax.errorbar(
        np.asarray(result["centers"])[keep],
        100 * result["accuracy"][keep],
        yerr=100 * result["stderr"][keep],
        marker="o",
        capsize=3,
        label=label,
        **kwargs,
    )
    if reference is not None:
        x, y, ref_label = reference
        ax.plot(x, y, "--", color="gray", label=ref_label)
    _accuracy_axes(ax, xlabel)
    if label or reference is not None:
        ax.legend()
    return ax


def plot_per_class_by_level(result: dict, ax=None, *, xlabel: str, classes=CLASSES, chance: bool = True):
    """Per-class accuracy (%) against a level, one line per class with binomial error bars.

    Parameters
    ----------
    result : dict
        The output of :func:`resandi_lite.evaluate.per_class_by_level`:
        ``levels`` (k,), ``accuracy`` and ``stderr`` (k, n_classes) fractions.
    ax : matplotlib Axes, optional
    xlabel : str
        The level's name and unit, e.g. ``"localisation noise sigma (step std)"``.
    classes : sequence of str
        One name per column of ``result["accuracy"]``, for the legend.
    chance : bool
        Draw the chance level, ``100 / n_classes`` %, as a dotted line.

    Returns
    -------
    matplotlib Axes
    """
    accuracy, stderr = np.asarray(result["accuracy"], float), np.asarray(result["stderr"], float)
    levels = np.asarray(result["levels"], float)
    if accuracy.ndim != 2 or accuracy.shape != stderr.shape or accuracy.shape[0] != levels.size:
        raise ValueError(
            f"result must hold levels (k,) and accuracy, stderr (k, n_classes), got shapes "
            f"{levels.shape}, {accuracy.shape}, {stderr.shape}"
        )
    if len(classes) != accuracy.shape[1]:
        raise ValueError(f"classes must name the {accuracy.shape[1]} columns of result['accuracy'], got {len(classes)}")
    ax = _axes(ax, (7, 4.2))
    for k, name in enumerate(classes):
        keep = np.isfinite(accuracy[:, k])
        ax.errorbar(
            levels[keep],
            100 * accuracy[keep, k],
            yerr=100 * stderr[keep, k],
            marker="o",
            ms=4,
            capsize=2,
            lw=1.2,
            elinewidth=0.8,
            label=name,
        )
    if chance:
        ax.axhline(100 / accuracy.shape[1], color="gray", ls=":", lw=1, label="chance")
    _accuracy_axes(ax, xlabel)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))  # outside: the lines fill every corner
    return ax


def plot_learning_curves(history: list[dict], axes=None, *, label: str = ""):
    """Loss and accuracy per epoch, training and validation, from a run's ``log.json`` history.

    Returns
    -------
    (Axes, Axes)
    """
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.6), constrained_layout=True)
    epoch = [h["epoch"] for h in history]
    prefix = f"{label} " if label else ""
    axes[0].plot(epoch, [h["train_loss"] for h in history], label=f"{prefix}training")
    axes[0].plot(epoch, [h["val_loss"] for h in history], label=f"{prefix}validation")
    axes[0].set_ylabel("cross-entropy loss")
    axes[1].plot(epoch, [100 * h["train_acc"] for h in history], label=f"{prefix}training")
    axes[1].plot(epoch, [100 * h["val_acc"] for h in history], label=f"{prefix}validation")
    axes[1].set_ylabel("accuracy (%)")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    return axes


def plot_trajectory(
    x,
    ax=None,
    *,
    title: str | None = None,
    colorbar: bool = True,
    cmap: str = "viridis",
    linewidth: float = 1.0,
    unit: str = "step std",
):
    """A 2-D trajectory coloured by time.

    Parameters
    ----------
    x : array-like of shape (2, T)
    unit : str
        Unit of the positions for the axis labels.
    """
    from matplotlib.collections import LineCollection

    x = np.asarray(x, dtype=float)
    ax = _axes(ax, (4.2, 4))
    points = x.T[:, None, :]
    segments = np.concatenate([points[:-1], points[1:]], axis=1)
    lines = LineCollection(segments, cmap=cmap, linewidth=linewidth)
    lines.set_array(np.arange(len(segments)))
    ax.add_collection(lines)
    ax.autoscale()
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel(f"x ({unit})")
    ax.set_ylabel(f"y ({unit})")
    if colorbar:
        ax.figure.colorbar(lines, ax=ax, label="time (steps)", fraction=0.046, pad=0.04)
    if title:
        ax.set_title(title)
    return ax


def plot_msd(times, msd, ax=None, *, label: str | None = None, slope: float | None = None, **kwargs):
    """MSD against time on log-log axes, with an optional guide ``t**slope`` through the first point."""
    ax = _axes(ax)
    times, msd = np.asarray(times, float), np.asarray(msd, float)
    ax.loglog(times, msd, label=label, **kwargs)
    if slope is not None:
        ax.loglog(times, msd[0] * (times / times[0]) ** slope, "k--", lw=0.8, label=f"$t^{{{slope:g}}}$")
    ax.set_xlabel("time lag t (steps)")
    ax.set_ylabel("MSD (step std$^2$)")
    ax.grid(alpha=0.3, which="both")
    if label or slope is not None:
        ax.legend(fontsize=8)
    return ax


def plot_noise_robustness(result: dict, ax=None, *, arms=None, reference: dict | None = None):
    """Mean test accuracy (%) against the localisation noise, one line per arm, error bars = standard error over seeds.

    Parameters
    ----------
    result : dict
        The output of :func:`resandi_lite.augment.noise_robustness`.
    arms : list of str, optional
        Which arms to draw (default: all).
    reference : dict, optional
        ``{label: (sigmas, accuracy_percent)}`` drawn as dashed lines (e.g. the paper's curves).
    """
    ax = _axes(ax, figsize=(6, 4))
    sigmas = np.asarray(result["sigmas"])
    for arm in arms or [k for k in result if k != "sigmas"]:
        r = result[arm]
        n = len(np.atleast_2d(r["accuracy"]))
        ax.errorbar(
            sigmas,
            100 * np.asarray(r["mean"]),
            yerr=100 * np.asarray(r["stderr"]),
            marker="o",
            ms=4,
            capsize=3,
            label=f"{arm} ({n} seed{'s' if n > 1 else ''})",
        )
    for label, (x, y) in (reference or {}).items():
        ax.plot(x, y, "--", lw=1.2, label=label)
    _accuracy_axes(ax, "localisation noise sigma (step std)", "test accuracy (%)")
    ax.legend(fontsize=8)
    return ax


def _difference_axes(ax, *, legend_size: int):
    """Finish an axes of accuracy differences against the noise level: zero line, labels with units, grid, legend."""
    ax.axhline(0, color="gray", lw=1)
    ax.set_xlabel("localisation noise sigma (step std)")
    ax.set_ylabel("difference in test accuracy (points)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=legend_size)
    return ax


def plot_arm_differences(result: dict, pairs: dict, ax=None, *, reference: dict | None = None):
    """Differences in mean test accuracy between arms against the noise level, with standard errors.

    Parameters
    ----------
    result : dict
        The output of :func:`resandi_lite.augment.noise_robustness` (or of
        ``augmentation_experiment``, with more arms merged in): ``sigmas`` (k,)
        and arms with ``mean`` and ``stderr`` (k,).
    pairs : dict
        ``{label: (arm_a, arm_b)}``: one line per entry, arm_a minus arm_b in
        percentage points, error bars the two standard errors added in
        quadrature (:func:`resandi_lite.augment.arm_difference`).
    ax : matplotlib Axes, optional
    reference : dict, optional
        ``{label: (sigmas, difference_points)}`` drawn as dashed lines (e.g. the paper's).

    Returns
    -------
    matplotlib Axes
    """
    from ..augment import arm_difference

    ax = _axes(ax, figsize=(6, 4))
    sigmas = np.asarray(result["sigmas"])
    for label, (a, b) in pairs.items():
        for arm in (a, b):
            if arm not in result:
                raise ValueError(
                    f"pairs names the arm {arm!r}, which is not in result "
                    f"(arms: {[k for k in result if k != 'sigmas']})"
                )
        diff, err = arm_difference(result[a], result[b])
        ax.errorbar(sigmas, diff, yerr=err, marker="o", ms=4, capsize=3, label=label)
    for label, (x, y) in (reference or {}).items():
        ax.plot(x, y, "--", lw=1.2, label=label)
    return _difference_axes(ax, legend_size=8)


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
    from matplotlib.collections import LineCollection

    x = np.asarray(x, dtype=float)
    importance = np.asarray(importance, dtype=float)
    if x.ndim != 2 or x.shape[0] != 2 or x.shape[1] < 2:
        raise ValueError(f"x must have shape (2, T) with T >= 2, got {x.shape}")
    if importance.shape != (x.shape[1],):
        raise ValueError(f"importance must have shape (T,) = ({x.shape[1]},) like x, got {importance.shape}")
    if vmax is None:
        vmax = float(np.max(np.abs(importance))) or 1.0
    ax = _axes(ax, (4.2, 4))
    points = x.T[:, None, :]
    lines = LineCollection(np.concatenate([points[:-1], points[1:]], axis=1), cmap=cmap, linewidth=linewidth)
    lines.set_array(importance[:-1])
    lines.set_clim(-vmax, vmax)
    ax.add_collection(lines)
    ax.autoscale()
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel(f"x ({unit})")
    ax.set_ylabel(f"y ({unit})")
    if colorbar:
        ax.figure.colorbar(lines, ax=ax, label=label, fraction=0.046, pad=0.04)
    if title:
        ax.set_title(title)
    return ax


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
        ``label(row) -> str`` for the y axis (default: fill, control and claim).

    Returns
    -------
    matplotlib Axes
    """
    rows = list(rows)
    if not rows:
        raise ValueError("rows must hold at least one verdict row")
    colours = {"agrees": "tab:green", "differs": "tab:red", "no effect": "tab:blue", "open": "tab:gray"}
    ax = _axes(ax, (7, 0.32 * len(rows) + 1.2))
    label = label or (lambda r: f"{r.get('fill', '')}, {r.get('control') or '-'}, {r.get('claim_id', '')}")
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


def plot_reproduction(rows, axes=None):
    """Every measured number of the reproduction table against the paper's: on the diagonal, reproduced.

    Three panels: accuracies (%), differences of accuracies (points: targeted
    minus random augmentation, top band minus its random baseline) and
    correlations.  Each point is one row of
    :func:`resandi_lite.report.reproduction_table` with ``ours`` measured, with a
    95% error bar (1.96 standard errors) where the row has a standard error,
    coloured by section of the paper.  On the correlation panel the shaded
    quadrants are where the signs agree.  A per-class accuracy more than two
    standard errors from the paper's (ours and the paper's added in quadrature,
    :func:`resandi_lite.report.class_gaps`) is labelled with its class (and
    ``T = 1000`` for the fixed-length network); :func:`plot_class_gaps` shows
    every class.  Rows beyond the paper (``paper`` is ``None``) have no place
    here and are left out.

    Parameters
    ----------
    rows : list of resandi_lite.report.Row
    axes : sequence of 3 matplotlib Axes, optional

    Returns
    -------
    axes : list of 3 matplotlib Axes
    """
    import matplotlib.pyplot as plt

    from ..report import SECTIONS, class_gaps

    measured = [r for r in rows if r.ours is not None and r.paper is not None and np.isfinite(r.ours)]
    if not measured:
        raise ValueError("rows has no measured values of the paper's rows (ours is None everywhere)")
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(14, 4.4), constrained_layout=True)
    panels = [
        ([r for r in measured if r.unit and not r.is_difference], "accuracy (%)", (0, 100)),
        ([r for r in measured if r.is_difference], "difference of accuracies (points)", None),
        ([r for r in measured if not r.unit], "correlation r", (-1, 1)),
    ]
    colors = {s: f"C{k}" for k, s in enumerate(SECTIONS)}
    for ax, (chosen, what, limits) in zip(axes, panels):
        for section, title in SECTIONS.items():
            part = [r for r in chosen if r.section == section]
            if part:
                err = [1.96 * r.stderr if r.stderr is not None else 0.0 for r in part]
                ax.errorbar(
                    [r.paper for r in part],
                    [r.ours for r in part],
                    yerr=err,
                    fmt="o",
                    markersize=4,
                    capsize=2,
                    color=colors[section],
                    label=title.split(" (")[0],
                )
        # the per-class accuracies that differ from the paper's, named in a column clear of the points
        off = sorted((g for g in class_gaps(chosen) if abs(g["z"]) > 2), key=lambda g: -g["ours"])
        for j, g in enumerate(off):
            ax.annotate(
                g["class"] + (", T = 1000" if g["protocol"] == "fixed" else ""),
                (g["paper"], g["ours"]),
                xytext=(50, 97 - j * min(5.0, 60.0 / len(off))),
                textcoords="data",
                fontsize=7,
                va="center",
                arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "gray"},
            )
        if limits is None:
            spread = lambda r: 1.96 * (r.stderr or 0.0)  # noqa: E731
            values = [v for r in chosen for v in (r.paper, r.ours - spread(r), r.ours + spread(r))] or [0.0]
            pad = 0.1 * (max(values) - min(values)) + 1.0
            limits = (min(values) - pad, max(values) + pad)
        ax.plot(limits, limits, color="gray", lw=1, ls="--", label="ours = paper")
        if what.startswith("correlation"):
            ax.fill_between([0, 1], 0, 1, color="gray", alpha=0.12, label="same sign")
            ax.fill_between([-1, 0], -1, 0, color="gray", alpha=0.12)
        if not what.startswith("accuracy"):
            ax.axhline(0, color="black", lw=0.6)
            ax.axvline(0, color="black", lw=0.6)
        ax.set_xlim(limits)
        ax.set_ylim(limits)
        ax.set_aspect("equal")
        ax.set_xlabel(f"paper: {what}")
        ax.set_ylabel(f"ours: {what}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    return list(axes)


def plot_class_gaps(rows, ax=None):
    """Per-class accuracy, ours minus the paper's, for both protocols, each point at its class, with 95% bars.

    Parameters
    ----------
    rows : list of resandi_lite.report.Row
        From :func:`resandi_lite.report.reproduction_table`; the measured
        per-class rows are drawn (:func:`resandi_lite.report.class_gaps`), the
        error bars 1.96 standard errors of the gap (ours and the paper's
        added in quadrature).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    from ..report import class_gaps

    gaps = class_gaps(rows)
    if not gaps:
        raise ValueError("rows has no measured per-class accuracy (keys per_class/<protocol>/<class>)")
    ax = _axes(ax, figsize=(8, 3.6))
    for k, (protocol, label, marker) in enumerate((("varying", "varying length", "o"), ("fixed", "T = 1000", "s"))):
        part = [g for g in gaps if g["protocol"] == protocol]
        if part:
            x = [CLASSES.index(g["class"]) + (k - 0.5) * 0.3 for g in part]
            ax.errorbar(
                x,
                [g["gap"] for g in part],
                yerr=[1.96 * g["stderr"] for g in part],
                fmt=marker,
                markersize=5,
                capsize=3,
                color=f"C{k}",
                label=label,
            )
    ax.axhline(0, color="gray", lw=1)
    ax.set_xticks(np.arange(len(CLASSES)), CLASSES, rotation=30, ha="right")
    ax.set_xlabel("class")
    ax.set_ylabel("ours minus paper (accuracy points)")
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8, title="network (bars: 95%)", title_fontsize=8)
    return ax


def plot_recipes(results: dict, ax=None):
    """Validation accuracy against training samples seen, one line per arm of ``benchmarks/recipes.py``.

    Parameters
    ----------
    results : dict
        ``{arm: {"config": dict, "history": list of dict}}``, as returned by
        :func:`resandi_lite.pretrained.recipe_comparison`.

    Returns
    -------
    Axes
    """
    ax = _axes(ax, figsize=(6, 4))
    for name, arm in results.items():
        seen = np.cumsum([h["samples"] for h in arm["history"]]) / 1000
        ax.plot(
            seen,
            [100 * h["val_acc"] for h in arm["history"]],
            marker="o",
            label=f"{name} (lr {arm['config']['lr']:g}, batch {arm['config']['batch_size']})",
        )
    ax.set_xlabel("training trajectories seen (thousands)")
    ax.set_ylabel("validation accuracy (%)")
    ax.grid(alpha=0.3)
    ax.legend()
    return ax


def plot_seed_differences(results: dict, ax=None, *, pairs=None, verdicts: dict | None = None, paper: bool = True):
    """Arm differences of a from-scratch experiment, seed by seed, with the family interval and the paper's gain.

    Parameters
    ----------
    results : dict
        A ``results.json`` of :func:`resandi_lite.augment.from_scratch` (or
        :func:`resandi_lite.augment.load_from_scratch`): ``sigmas`` and arms with
        ``seeds`` and ``accuracy`` (seeds, sigmas), fractions.
    ax : matplotlib Axes, optional
    pairs : dict, optional
        ``{label: (arm_a, arm_b)}`` (default: targeted - random and random - control).
    verdicts : dict, optional
        :func:`resandi_lite.augment.augmentation_verdicts` of ``results``: its
        intervals (Bonferroni over the noise levels, t over seeds) are drawn as
        error bars where there are two seeds or more.
    paper : bool
        Draw the paper's targeted - random with 1.96 of its standard errors (:func:`resandi_lite.augment.paper_gain`).

    Returns
    -------
    matplotlib Axes
    """
    from ..augment import _by_seed, _paired_over_seeds, paper_gain

    pairs = pairs or {
        "targeted - random (the selection)": ("targeted", "random"),
        "random - control (the rotated copies)": ("random", "control"),
    }
    ax = _axes(ax, figsize=(7, 4.2))
    sigmas = np.asarray(results["sigmas"], dtype=float)
    intervals = {
        r["claim"]: (r["low"], r["high"])
        for r in (verdicts or {}).get("rows", []) + (verdicts or {}).get("controls", [])
    }
    for k, (label, (a, b)) in enumerate(pairs.items()):
        if a not in results or b not in results:
            continue
        seeds, diff = _paired_over_seeds(_by_seed(results[a]), _by_seed(results[b]))
        if not seeds:
            continue
        colour, shift = f"C{k}", (k - 0.5) * 0.012
        for row in diff:
            ax.plot(sigmas + shift, row, ".", color=colour, alpha=0.45, ms=5)
        mean = diff.mean(axis=0)
        bounds = [intervals.get(f"{a} - {b}, sigma = {s:.1f}") for s in sigmas]
        if all(bounds):
            low, high = np.array(bounds).T
            ax.errorbar(
                sigmas + shift,
                mean,
                yerr=[mean - low, high - mean],
                color=colour,
                marker="o",
                ms=4,
                capsize=3,
                label=f"{label}: mean of {len(seeds)} seeds, family interval",
            )
        else:
            ax.plot(sigmas + shift, mean, "o-", color=colour, ms=4, label=f"{label}: {len(seeds)} seed(s), no interval")
    if paper:
        g = paper_gain()
        gain, se = np.asarray(g["gain"]), np.asarray(g["stderr"])
        ax.plot(g["sigmas"], gain, "k--", lw=1.2, label="paper, targeted - random (5 seeds)")
        ax.fill_between(
            g["sigmas"],
            gain - 1.96 * se,
            gain + 1.96 * se,
            color="gray",
            alpha=0.2,
            label="paper, 1.96 standard errors",
        )
    return _difference_axes(ax, legend_size=7)


def plot_data_curves(results: dict, protocol="varying", ax=None, *, x: str = "data", methods=None):
    """Accuracy of each method against its training data (or training CPU time), with the shipped network.

    Parameters
    ----------
    results : dict
        :func:`resandi_lite.comparison.load_comparison`.
    protocol : {"varying", "1000"}
    ax : matplotlib Axes, optional
    x : {"data", "cpu"}
        ``"data"``: training trajectories per class; ``"cpu"``: CPU seconds
        to train (features or transform included), both on log scales.  The
        shipped network is drawn at the distinct trajectories it saw per
        class, or at its training time on one thread.
    methods : sequence of str, optional
        Keys of :data:`resandi_lite.comparison.METHODS` (default all).

    Returns
    -------
    matplotlib Axes
    """
    from ..comparison import METHODS, curve, shipped

    if x not in ("data", "cpu"):
        raise ValueError(f"x must be 'data' or 'cpu', got {x!r}")
    ax = _axes(ax, figsize=(6.5, 4.2))
    for k, method in enumerate(methods or METHODS):
        c = curve(results, protocol, method)
        xs = c["per_class"] if x == "data" else c["train_cpu_seconds"]
        keep = np.isfinite(xs.astype(float))
        if not keep.any():
            continue
        style = "--" if method.endswith("symmetrized") else "-"
        colour = "C3" if method.startswith("network") else f"C{k}"
        ax.errorbar(
            xs[keep],
            100 * c["accuracy"][keep],
            yerr=100 * c["stderr"][keep],
            fmt="o" + style,
            color=colour,
            ms=4,
            capsize=3,
            label=METHODS.get(method, method),
        )
    for symmetrized, marker in ((False, "*"), (True, "P")):
        entry = shipped(results, protocol, symmetrized=symmetrized)
        if entry is None:
            continue
        training = entry["training"]
        where = (
            training["samples_seen"] / 8 if x == "data" else training["hours_one_thread"] * 3600
        )  # 8 classes in equal shares
        ax.errorbar(
            [where],
            [100 * entry["accuracy"]],
            yerr=[100 * entry["stderr"]],
            fmt=marker,
            color="k",
            ms=11 if marker == "*" else 8,
            capsize=3,
            label=f"shipped network{', symmetrized' if symmetrized else ''} ({training['samples_seen'] / 1e6:.1f} M seen)",
        )
    ax.set_xscale("log")
    ax.set_xlabel(
        "training trajectories per class (log scale)"
        if x == "data"
        else "CPU time to train (seconds, one thread, log scale)"
    )
    ax.set_ylabel("accuracy on the common test set (%)")
    ax.set_title(f"{'T uniform in [10, 1000]' if str(protocol) == 'varying' else f'T = {protocol}'}")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
    return ax


def plot_noise_comparison(results: dict, ax=None, *, methods=None):
    """Accuracy against localisation noise, every method trained on the same noisy mixture (varying length).

    The forest trained on clean data and the shipped clean-trained network
    are drawn dotted, for reference: they are what an unfair comparison
    looks like.
    """
    from ..comparison import noise_curves

    names = {
        "forest": "random forest",
        "boosting": "gradient boosting",
        "minirocket": "MiniRocket",
        "network": "network (lite, from scratch)",
        "forest-clean": "random forest, trained clean",
        "network-clean-trained": "shipped network, trained clean",
    }
    colours = {"forest": "C0", "boosting": "C1", "minirocket": "C2", "forest-clean": "C0"}
    curves = noise_curves(results)
    ax = _axes(ax, figsize=(6.5, 4.2))
    for method in methods or names:
        if method not in curves:
            continue
        c = curves[method]
        clean = "clean" in method
        ax.errorbar(
            c["sigma"],
            100 * c["accuracy"],
            yerr=100 * c["stderr"],
            fmt="o:" if clean else "o-",
            color=colours.get(method, "C3"),
            alpha=0.6 if clean else 1.0,
            ms=4,
            capsize=2,
            label=names.get(method, method) + ("" if clean else ", trained on the noisy mixture"),
        )
    _accuracy_axes(ax, "localisation noise σ (units of the step standard deviation)")
    ax.legend(fontsize=7)
    return ax
