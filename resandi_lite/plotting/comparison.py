"""Figures of the classical methods against the network (:mod:`resandi_lite.comparison`).

Accuracy of each method against its training data or its training CPU time, beside the shipped
network, and accuracy under localisation noise with every method trained on the same noisy mixture.
"""

from __future__ import annotations

import numpy as np

from .basics import _accuracy_axes, _axes


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
    per_class = results.get("noise", {}).get("train", {}).get("per_class")
    if per_class:
        ax.set_title(f"trained on {per_class:,} trajectories per class, σ uniform in [0, 1]; varying length")
    ax.legend(fontsize=7)
    return ax
