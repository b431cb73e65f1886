"""Sanity checks for attribution maps, as Adebayo et al. (2018) published them.

A map that explains what a network learned must change when what it learned
is destroyed.  Two ways to destroy it:

- **model parameter randomisation**: re-initialise the weights, either
  *cascading* from the logits down (``fc``, then ``layer4``, ``layer3``,
  ``layer2``, ``layer1``, the stem, each step keeping the layers above it
  random) or *independently* (one layer at a time, the others trained);
- **data randomisation**: train the same architecture on labels permuted at
  random until it fits them (it can only memorise).

The trained network's map and the control's are compared trajectory by
trajectory with three similarities (:func:`similarities`): Spearman's rank
correlation of the signed maps, the same of their absolute values (Adebayo et
al. report both), and the structural similarity (SSIM, Wang et al. 2004) of
the maps scaled to a largest absolute value of 1, in one dimension.  High
similarity means the map survives the randomisation: it reflects the input
and the architecture more than the learned weights.  Each mean similarity
carries a bootstrap interval over trajectories
(:func:`resandi_lite.verdict.paired_bootstrap`).

A secondary reading uses the simulators' ground truth
(:mod:`resandi_lite.groundtruth`): how far each map's AUROC at the events
stands from chance, for the trained network and for the controls, paired on
the same trajectories.

The randomisation follows Quantus' ``MPRT`` (the test oracle in
``tests/test_sanity.py``): every module with ``reset_parameters`` (Conv1d,
BatchNorm1d, Linear) is re-initialised by PyTorch's default rule after the
random generator is seeded with ``seed``; a BatchNorm is reset to the
identity (mean 0, variance 1, scale 1, shift 0).  :func:`sanity_verdicts` is
the powered measurement behind chapter 9b.

The package, one module per concern: :mod:`.randomisation` (the controls: the
layers re-initialised step by step, the network fitted to random labels),
:mod:`.similarity` (the similarities of two maps on the observed positions,
and their plot) and :mod:`.verdicts` (the powered measurement, its verdicts
and the committed result).  Every public name is re-exported here:
``rl.sanity.<name>``.
"""

from .randomisation import STEPS, layer_groups, random_label_model, randomisations, randomized_weights
from .similarity import SIMILARITIES, observed_map_positions, plot_similarity, similarities, ssim_1d
from .verdicts import MINIMAL_SIMILARITY, SANITY_METHODS, VERDICT_SIZES, powered, sanity_verdicts

__all__ = [
    "MINIMAL_SIMILARITY",
    "SANITY_METHODS",
    "SIMILARITIES",
    "STEPS",
    "VERDICT_SIZES",
    "layer_groups",
    "observed_map_positions",
    "plot_similarity",
    "powered",
    "random_label_model",
    "randomisations",
    "randomized_weights",
    "sanity_verdicts",
    "similarities",
    "ssim_1d",
]
