"""Figures used across the chapters: every axis labelled, with units where there are any.

Every public name is re-exported here: ``rl.plotting.<name>``.
"""

from .erasure import (
    plot_accuracy_by,
    plot_arm_differences,
    plot_class_gaps,
    plot_confusion,
    plot_data_curves,
    plot_erasure,
    plot_erasure_bands,
    plot_erasure_curves,
    plot_erasure_verdicts,
    plot_fills,
    plot_learning_curves,
    plot_msd,
    plot_noise_comparison,
    plot_noise_robustness,
    plot_paired_erasure,
    plot_per_class_by_level,
    plot_recipes,
    plot_reproduction,
    plot_seed_differences,
    plot_trajectory,
    plot_trajectory_importance,
    plot_where_erased_go,
)

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
    "plot_trajectory",
    "plot_trajectory_importance",
    "plot_where_erased_go",
]
