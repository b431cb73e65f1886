"""The erasure experiment: delete the parts Grad-CAM ranks highest and watch the accuracy fall.

The upsampled layer4 map is constant on 32 segments of about 31 steps.  For
every trajectory and every percentile band of its own map (0-10, 10-20, ...,
90-100), the segments whose value lies strictly inside the band are set to 0
in both coordinates of the network's input, and the network classifies what
is left.  The baseline erases the same number of segments chosen at random.
If Grad-CAM points at what the network uses, erasing the top band hurts most.

An erasure measures two things at once: what is removed, and what is put in
its place.  The library keeps the paper's definition as its default and adds
the controls that separate the two (all off by default):

- ``within="observed"`` computes the percentile bands, and draws the random
  controls, among the segments that lie entirely inside the observed
  trajectory, so that none can pick the zero padding in front of a short one.
- ``matched=True`` adds a *contiguity-matched* random control
  (:func:`matched_masks`): random runs of adjacent segments with exactly the
  run lengths of the band's own mask, per trajectory.  The layer4 map is
  smooth, so a band's segments are adjacent while the paper's random segments
  are scattered; a long gap is a different perturbation from many short ones,
  and only the matched control compares the band with random erasure of the
  *same shape*.
- ``fill`` (:data:`FILLS`) chooses what replaces an erased stretch: ``"zero"``
  (the paper: a rest between two jumps, which looks like a CTRW or ATTM
  trajectory), ``"interpolate"`` (a straight run of equal steps, which looks
  ballistic, like a Lévy flight), ``"noisy"`` (ROAD's noisy linear imputation,
  Rong et al. 2022, made for random walks: the straight line plus a Gaussian
  bridge with the trajectory's own step variance), ``"resample"`` (the same
  with the trajectory's own steps drawn at random) and ``"cut"`` (the erased
  steps are deleted and the trajectory closes up, shorter).  The last three
  keep the local statistics of the steps, so that a fall of the accuracy
  measures the removed information rather than an artefact of the fill.

Remove-and-retrain (ROAR, Hooker et al. 2019) removes the other confound, that
an erased input is out of the training distribution whatever the fill, by
retraining on erased data; it is not implemented here.

Most-relevant-first and least-relevant-first curves (:func:`erasure_curve`)
erase a growing fraction of the segments in the map's order, and
:func:`erasure_verdicts` measures every claim of the paper about erasure with
paired bootstrap intervals (:mod:`resandi_lite.verdict`).

The package holds three modules: :mod:`~resandi_lite.erasure.masks` (which
segments to erase, the random controls, the fills),
:mod:`~resandi_lite.erasure.experiment` (the experiment, the curves and the
paired comparison with random erasure) and
:mod:`~resandi_lite.erasure.verdicts` (the paper's claims with their
verdicts); every public name is importable from here.
"""

from ..paper import ERASURE as PAPER_ERASURE
from ..paper import ERASURE_RANDOM_MEAN as PAPER_RANDOM_MEAN
from ..paper import ERASURE_RANDOM_RANGE as PAPER_RANDOM_RANGE
from .experiment import compare_with_random, erasure_curve, erasure_experiment
from .masks import (
    CONTROLS,
    FILLS,
    ORDERS,
    WITHIN,
    band_masks,
    erase,
    matched_masks,
    observed_segments,
    padding_segments,
    random_masks,
    run_lengths,
    segment_of_position,
)
from .verdicts import PAPER_CLAIMS, POWERED_N_PER_CLASS, erasure_verdicts, powered_verdicts, verdict_table

__all__ = [
    "CONTROLS",
    "FILLS",
    "ORDERS",
    "PAPER_CLAIMS",
    "PAPER_ERASURE",
    "PAPER_RANDOM_MEAN",
    "PAPER_RANDOM_RANGE",
    "POWERED_N_PER_CLASS",
    "WITHIN",
    "band_masks",
    "compare_with_random",
    "erase",
    "erasure_curve",
    "erasure_experiment",
    "erasure_verdicts",
    "matched_masks",
    "observed_segments",
    "padding_segments",
    "powered_verdicts",
    "random_masks",
    "run_lengths",
    "segment_of_position",
    "verdict_table",
]
