"""Figures of the reproduction report (chapter 12).

Every measured number of the report against the paper's, and the per-class accuracies, ours minus
the paper's (:mod:`resandi_lite.report` computes what they draw).
"""

from __future__ import annotations

import numpy as np

from ..simulate.classes import CLASSES
from .basics import _axes


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
