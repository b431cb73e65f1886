"""Figures of the augmentation experiments (chapters 10 and 12).

Accuracy under localisation noise, one line per arm; differences between arms against the noise
level; the differences of a from-scratch experiment seed by seed, with the family intervals and the
paper's gain (:mod:`resandi_lite.augment` computes what they draw).
"""

from __future__ import annotations

import numpy as np

from .basics import _accuracy_axes, _axes


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
