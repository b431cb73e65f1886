"""Figures used across the chapters: every axis labelled, with units where there are any.

The package, one module per part of the course, each with the figures of that part:
:mod:`.basics` (trajectories and their MSD, accuracy and confusion, learning curves and training
recipes, and the axes every figure shares), :mod:`.erasure` (Grad-CAM on a trajectory, erasure, its
fills, bands, curves and verdicts), :mod:`.augmentation` (accuracy under noise, differences between
arms and seeds), :mod:`.report` (the reproduction against the paper, per-class gaps) and
:mod:`.comparison` (the classical methods against the network).  Every public name is re-exported
here: ``rl.plotting.<name>``.
"""

from .augmentation import plot_arm_differences, plot_noise_robustness, plot_seed_differences
from .basics import (
    plot_accuracy_by,
    plot_confusion,
    plot_learning_curves,
    plot_msd,
    plot_per_class_by_level,
    plot_recipes,
    plot_speedrun,
    plot_trajectory,
)
from .comparison import plot_data_curves, plot_noise_comparison
from .erasure import (
    plot_erasure,
    plot_erasure_bands,
    plot_erasure_curves,
    plot_erasure_verdicts,
    plot_fills,
    plot_paired_erasure,
    plot_trajectory_importance,
    plot_where_erased_go,
)
from .report import plot_class_gaps, plot_reproduction

__all__ = [
    "plot_accuracy_by",
    "plot_arm_differences",
    "plot_class_gaps",
    "plot_confusion",
    "plot_data_curves",
    "plot_erasure",
    "plot_erasure_bands",
    "plot_erasure_curves",
    "plot_erasure_verdicts",
    "plot_fills",
    "plot_learning_curves",
    "plot_msd",
    "plot_noise_comparison",
    "plot_noise_robustness",
    "plot_paired_erasure",
    "plot_per_class_by_level",
    "plot_recipes",
    "plot_reproduction",
    "plot_seed_differences",
    "plot_speedrun",
    "plot_trajectory",
    "plot_trajectory_importance",
    "plot_where_erased_go",
]
