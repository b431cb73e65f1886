"""Layer-wise interpretation: what each stage of the network has picked up.

Three tools, after the paper's layer-wise analysis of the fixed-length (T = 1000) model
(Bae, Baek & Jeong 2026):

* **window statistics** on the 32 windows of 225 steps (stride 25) that match
  the 32 positions of layer4, and their correlation with the Grad-CAM map, per
  class (:func:`window_statistics`, :func:`composites`, :func:`map_correlations`,
  :func:`window_activity`); :func:`window_maps` computes the maps, with any
  attribution method of :mod:`resandi_lite.attribution`; pooled over all
  windows or within trajectories (:func:`within_trajectory`: map and statistic
  demeaned per trajectory); standard errors from a bootstrap over trajectories
  (:func:`correlation_intervals`, beside Fisher's :func:`fisher_interval`);
  every sign the paper reports as a verdict with its interval, Bonferroni over
  the family (:func:`sign_claims`, :func:`sign_verdicts`, and the powered run
  :func:`layerwise_verdicts`); one sign read alone at two standard errors
  (:func:`sign_agreement`, :func:`count_sign_agreement`);
* **linear probes**: freeze the network up to a stage, average-pool its output
  and fit a linear classifier (:func:`pooled_features`, :func:`linear_probe`,
  :func:`block_probes`), the groups of classes a probe cannot tell apart
  (:func:`confusion_groups`, :func:`group_accuracy`), plus 2-D embeddings of the
  pooled features (:func:`embed`);
* **feature ablation**: swap the window where a statistic peaks for a distant
  one and compare the accuracy drop with a random swap and with a swap that
  keeps the statistic (:func:`feature_ablation`, :func:`ablation_by_feature`,
  :func:`ablation_differences`).

The paper's numbers are kept here as data (from :mod:`resandi_lite.paper`):
:data:`PAPER_CORRELATIONS` and :data:`PAPER_SPEARMAN`, the paper's heatmap of
the correlations of the layer4 map with the composite features per class
(drawn by the authors' repository, peardragon/ResAnDi, as
``figures/statistical_relevance_test.svg``); :data:`REQUIRED_SIGNS`, the five
of them the paper's argument rests on; :data:`PAPER_PROBES` and
:data:`PAPER_GROUPS`, the paper's block-wise probe accuracies and groupings
(``figures/statistical_relevance_block1.pdf`` to ``block3.pdf`` there).

The package, one module per concern, each with the figures of what it computes:
:mod:`.statistics` (the window statistics, their composites, the windows' activity and maps),
:mod:`.correlation` (map-statistic correlations, pooled and within trajectories, with Fisher's and the
bootstrap's intervals), :mod:`.verdicts` (the paper's signs: agreement, claims, verdicts and the powered
run), :mod:`.probes` (linear probes, confusion groups, embeddings) and :mod:`.ablation` (window swaps and
the accuracy they cost).  Every public name is re-exported here: ``rl.layerwise.<name>``.
"""

from ..paper import CORRELATIONS as PAPER_CORRELATIONS
from ..paper import GROUPS as PAPER_GROUPS
from ..paper import N_WINDOWS, STRIDE, WINDOW
from ..paper import PROBES as PAPER_PROBES
from ..paper import SPEARMAN as PAPER_SPEARMAN
from .ablation import (
    CONTROLS,
    ablation_by_feature,
    ablation_differences,
    ablation_table,
    feature_ablation,
    paired_difference,
    plot_ablation_by_class,
    swap_windows,
)
from .correlation import (
    correlation,
    correlation_intervals,
    correlation_table,
    fisher_interval,
    map_correlations,
    plot_correlation_table,
    within_trajectory,
)
from .probes import block_probes, confusion_groups, embed, group_accuracy, linear_probe, pooled_features, stage_features
from .statistics import (
    COMPOSITES,
    STATISTICS,
    composites,
    plot_windows,
    window_activity,
    window_maps,
    window_statistics,
)
from .verdicts import (
    AUTHORS_SCORING,
    REQUIRED_SIGNS,
    SCOPES,
    count_sign_agreement,
    interval_table,
    layerwise_verdicts,
    plot_correlation_intervals,
    plot_sign_verdicts,
    pooled_within_table,
    sign_agreement,
    sign_claims,
    sign_verdicts,
)

__all__ = [
    "AUTHORS_SCORING",
    "COMPOSITES",
    "CONTROLS",
    "N_WINDOWS",
    "PAPER_CORRELATIONS",
    "PAPER_GROUPS",
    "PAPER_PROBES",
    "PAPER_SPEARMAN",
    "REQUIRED_SIGNS",
    "SCOPES",
    "STATISTICS",
    "STRIDE",
    "WINDOW",
    "ablation_by_feature",
    "ablation_differences",
    "ablation_table",
    "block_probes",
    "composites",
    "confusion_groups",
    "correlation",
    "correlation_intervals",
    "correlation_table",
    "count_sign_agreement",
    "embed",
    "feature_ablation",
    "fisher_interval",
    "group_accuracy",
    "interval_table",
    "layerwise_verdicts",
    "linear_probe",
    "map_correlations",
    "paired_difference",
    "plot_ablation_by_class",
    "plot_correlation_intervals",
    "plot_correlation_table",
    "plot_sign_verdicts",
    "plot_windows",
    "pooled_features",
    "pooled_within_table",
    "sign_agreement",
    "sign_claims",
    "sign_verdicts",
    "stage_features",
    "swap_windows",
    "window_activity",
    "window_maps",
    "window_statistics",
    "within_trajectory",
]
