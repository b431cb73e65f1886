"""Ground truth for explanations: score attribution maps against where the simulated mechanism acts.

The simulators know their events (:func:`resandi_lite.simulate.simulate` with
``events=True``): a CTRW moves only at its jumps, a Levy walk changes velocity
only when a new flight starts, an ATTM trajectory changes diffusivity at
known times.  This package places those marks on the network's 1000 input
points and asks of any map (:mod:`resandi_lite.attribution`) how well it
finds them, per trajectory, with three scores:

- **AUROC**: the probability that the map is higher at a random marked point
  than at a random unmarked one (0.5: no preference; ties count half);
- **pointing game**: is the map's maximum within ``k`` steps of an event (a
  map whose maximum is a plateau, as Grad-CAM's 31-step segments are, scores
  the fraction of the plateau that is);
- **relevance mass**: the fraction of the map's positive relevance within
  ``k`` steps of an event.

Only the observed points count, never the zero padding in front of a short
trajectory.  Each score is compared with the same score of random maps at the
map's resolution (i.i.d. uniform values), paired over trajectories, with
bootstrap intervals (:func:`summarise`).

Maps coarser than the input (Grad-CAM at a stage: 250, 125, 63 or 32
positions) are put on the input points by their receptive-field centres
(:func:`receptive_field_centres`): each input point reads the map position
whose centre is nearest.  The paper stretches them by nearest neighbour
instead, which puts a layer4 value up to 16 steps away from its centre, more
than the tolerance ``k = 3`` of the pointing game; ``centres=None`` (or
``upsampling="nearest"``) keeps the paper's way for comparison.

:func:`groundtruth_verdicts` is the powered measurement behind chapters 9b
and 12: every claim about the maps and the events, with Bonferroni-adjusted
paired bootstrap intervals and a verdict (:mod:`resandi_lite.verdict`).
The sanity checks of Adebayo et al. (2018) are in :mod:`resandi_lite.sanity`.

The package holds three modules: :mod:`~resandi_lite.groundtruth.events`
(the events on the input points, the receptive-field centres and the
upsampling), :mod:`~resandi_lite.groundtruth.scores` (AUROC, pointing game,
relevance mass, against random maps) and
:mod:`~resandi_lite.groundtruth.verdicts` (the powered measurement with its
verdicts, the report's rows); every public name is importable from here.
"""

from .events import (
    EVENT_CLASSES,
    alignment,
    event_set,
    events_to_input,
    map_centres,
    near_events,
    observed_positions,
    receptive_field_centres,
    upsample,
)
from .scores import (
    SCORES,
    bootstrap,
    compare_methods,
    plot_events,
    plot_scores,
    random_maps,
    summarise,
    trajectory_scores,
)
from .verdicts import (
    EVENT_WORDS,
    MINIMAL_EFFECT,
    VERDICT_METHODS,
    VERDICT_SIZES,
    claim_row,
    groundtruth_verdicts,
    powered,
    report_values,
    verdict_lines,
)

__all__ = [
    "EVENT_CLASSES",
    "EVENT_WORDS",
    "MINIMAL_EFFECT",
    "SCORES",
    "VERDICT_METHODS",
    "VERDICT_SIZES",
    "alignment",
    "bootstrap",
    "claim_row",
    "compare_methods",
    "event_set",
    "events_to_input",
    "groundtruth_verdicts",
    "map_centres",
    "near_events",
    "observed_positions",
    "plot_events",
    "plot_scores",
    "powered",
    "random_maps",
    "receptive_field_centres",
    "report_values",
    "summarise",
    "trajectory_scores",
    "upsample",
    "verdict_lines",
]
