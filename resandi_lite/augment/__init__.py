"""Grad-CAM-guided data augmentation and the noise-robustness protocol of the paper.

The paper selects, per class, the 60% of training trajectories with the
highest Grad-CAM score (the mean of the signed map for the true class), adds a
copy of each rotated by a uniform random angle, retrains, and tests on sets
with localisation noise sigma = 0, 0.1, ..., 1.0.  The paper's comparison arm
copies the same number of trajectories chosen at random.  Two additions the
paper does not have: copies with Gaussian localisation noise instead of a
rotation, and a control arm that trains on the original trajectories only, with
the same budget as the other arms (the random arm's selection duplicated
unchanged), which separates the effect of the training itself from that of the
transformed copies.

Rotations and noise act on positions, not on the MinMax-scaled input: a
dataset's ``minmax`` (kept by :func:`resandi_lite.make_dataset`) undoes the
scaling, the copy is transformed, and the scaling is redone.

The paper's protocol, every network trained from scratch, is :func:`from_scratch`;
its committed results at the lite preset ship as :data:`FROM_SCRATCH`.

The package, one module per concern: :mod:`.copies` (positions, rotated and noisy copies, the selection by
score or at random, the training sets of the arms and the score they are ranked by), :mod:`.robustness`
(accuracy under noise, the tables of arms and of their differences, :func:`augmentation_experiment`),
:mod:`.scratch` (:func:`from_scratch`, its results collected, shipped and loaded) and :mod:`.verdicts` (the
claim per noise level paired by seed, the paper's gain).  Every public name is re-exported here:
``rl.augment.<name>``.
"""

from ..paper import AUGMENT_RANDOM as PAPER_RANDOM
from ..paper import AUGMENT_TARGETED as PAPER_TARGETED
from ..paper import SIGMAS as PAPER_SIGMAS
from .copies import (
    MODES,
    attribution_score,
    augmented,
    concatenate,
    describe_selection,
    noisy_copies,
    positions,
    rotated_copies,
    select_by_score,
    select_random,
    training_sets,
)
from .robustness import arm_difference, augmentation_experiment, difference_table, noise_robustness, robustness_table
from .scratch import ARMS, FROM_SCRATCH, collect_results, from_scratch, load_from_scratch, ship_results
from .verdicts import MIN_SEEDS, augmentation_verdicts, describe_verdicts, paper_gain
from .verdicts import _by_seed as _by_seed  # plotting and report read a results.json per seed with these two
from .verdicts import _paired_over_seeds as _paired_over_seeds

# the paper's curves are re-exported: chapter 10 imports them from here
__all__ = [
    "ARMS",
    "FROM_SCRATCH",
    "MIN_SEEDS",
    "MODES",
    "PAPER_RANDOM",
    "PAPER_SIGMAS",
    "PAPER_TARGETED",
    "arm_difference",
    "attribution_score",
    "augmentation_experiment",
    "augmentation_verdicts",
    "augmented",
    "collect_results",
    "concatenate",
    "describe_selection",
    "describe_verdicts",
    "difference_table",
    "from_scratch",
    "load_from_scratch",
    "noise_robustness",
    "noisy_copies",
    "paper_gain",
    "positions",
    "robustness_table",
    "rotated_copies",
    "select_by_score",
    "select_random",
    "ship_results",
    "training_sets",
]
