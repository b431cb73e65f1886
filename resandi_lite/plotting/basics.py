"""The figures every part of the course draws, and the axes all figures share.

Trajectories and their mean squared displacement (chapters 1-3), accuracy against a binned
quantity, per class and as a confusion matrix (chapters 4, 7 and 11), learning curves, training
recipes and time to accuracy (chapter 6); :func:`_axes` and :func:`_accuracy_axes` are the axes every
module here draws on.
"""

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
    x = np.asarray(x, dtype=float)
    return _coloured_path(
        x,
        np.arange(x.shape[1] - 1),
        ax,
        title=title,
        colorbar=colorbar,
        cmap=cmap,
        linewidth=linewidth,
        unit=unit,
        label="time (steps)",
    )


def _coloured_path(x, values, ax, *, title, colorbar, cmap, linewidth, unit, label, clim=None):
    """Draw the path ``x`` (2, T) with step ``t -> t + 1`` coloured by ``values[t]``; equal axes in ``unit``."""
    from matplotlib.collections import LineCollection

    ax = _axes(ax, (4.2, 4))
    points = x.T[:, None, :]
    lines = LineCollection(np.concatenate([points[:-1], points[1:]], axis=1), cmap=cmap, linewidth=linewidth)
    lines.set_array(values)
    if clim is not None:
        lines.set_clim(*clim)
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


def plot_speedrun(
    results: dict, ax=None, *, x: str = "minutes", symmetrized: bool = False, ylim=(50, 100), legend: bool = True
):
    """Test accuracy against training time or samples, one line per arm and seed of ``benchmarks/speedrun.py``.

    Parameters
    ----------
    results : dict
        As returned by :func:`resandi_lite.pretrained.speedrun`: ``target`` and
        ``arms``, ``{arm: {"runs": [{"seed": int, "curve": list of dict}, ...]}}``;
        against samples, also its ``route`` (the shipped network's validation
        accuracy through its training stages, in grey), if there is one.
    ax : matplotlib Axes, optional
    x : {"minutes", "samples"}
        Minutes of training time (simulation included, test evaluations left
        out) or millions of training trajectories seen.
    symmetrized : bool
        Draw the accuracy averaged over the eight symmetries of the input
        instead of the plain one.
    ylim : tuple of float
        The accuracy range shown, in percent.
    legend : bool
        Draw the legend inside the axes.  ``False`` leaves it to the caller,
        for example one ``fig.legend`` below several panels that would each
        hide their curves under a legend of a dozen lines.

    Returns
    -------
    matplotlib Axes
    """
    if x not in ("minutes", "samples"):
        raise ValueError(f"x must be 'minutes' or 'samples', got {x!r}")
    import matplotlib.pyplot as plt

    ax = _axes(ax, figsize=(6, 4))
    key = "accuracy_symmetrized" if symmetrized else "accuracy"
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (name, arm) in enumerate(results["arms"].items()):
        for j, run in enumerate(arm["runs"]):
            curve = run["curve"]
            xs = [p["seconds"] / 60 if x == "minutes" else p["samples"] / 1e6 for p in curve]
            ax.plot(
                xs,
                [100 * p[key] for p in curve],
                color=colours[i % len(colours)],
                ls=("-", "--", ":", "-.")[j % 4],
                marker=".",
                label=f"{name}, seed {run['seed']}",
            )
    if x == "samples" and results.get("route"):
        route = results["route"]
        ax.plot(
            [p["samples"] / 1e6 for p in route],
            [100 * p["val_acc"] for p in route],
            color="0.6",
            lw=1,
            label="the shipped network's route (validation)",
        )
    ax.axhline(100 * results["target"], color="k", lw=1, ls=":", label=f"paper {100 * results['target']:.2f}%")
    ax.set_xlabel("training time (minutes)" if x == "minutes" else "training trajectories seen (millions)")
    ax.set_ylabel("test accuracy, symmetrized (%)" if symmetrized else "test accuracy (%)")
    ax.set_ylim(*ylim)
    ax.grid(alpha=0.3)
    if legend:
        ax.legend(fontsize=8)
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
