"""Checks for chapter 9b: attribution maps scored against the simulators' events."""

from __future__ import annotations

import numpy as np

from ...groundtruth import (
    observed_positions,
    receptive_field_centres,
    trajectory_scores,
)
from ...simulate import CLASSES
from .answers import as_choice, as_integer, as_number, is_key, verdict


def check_ctrw_event_share(answer, data: dict) -> bool:
    """Exercise 9b.1: share of the observed input points of the SubCTRW trajectories in ``data`` that are marked.

    Recomputed from ``data`` (:func:`resandi_lite.groundtruth.event_set`); exact up to 1e-9.
    """
    value = as_number(answer, "a fraction between 0 and 1")
    if not 0 <= value <= 1:
        raise ValueError(f"answer must be a fraction between 0 and 1 (not percent), got {value}")
    rows = np.asarray(data["y"]) == CLASSES.index("SubCTRW")
    right = float(np.asarray(data["events"])[rows].sum() / observed_positions(data["lengths"])[rows].sum())
    return verdict(
        abs(value - right) <= 1e-9,
        f"{100 * right:.1f}% of the observed points of these CTRWs are jumps; the walker rests at all "
        "the others, which is what makes the class recognisable.",
        "gt.observed_positions(data['lengths']) marks the observed points; count data['events'] in the "
        "SubCTRW rows and divide by their observed points.",
    )


def check_auroc_by_hand(answer) -> bool:
    """Exercise 9b.2: AUROC of the map 0, 1, 2, 3, 4 whose events are at the values 1 and 4.

    Exact: the marked point wins 4 of the 2 x 3 (marked, unmarked) pairs; checked to 1e-6.
    """
    value = as_number(answer, "an AUROC between 0 and 1")
    events = np.array([[False, True, False, False, True]])
    right = float(trajectory_scores(np.arange(5.0)[None], events, [5], k=0)["auroc"][0])
    return verdict(
        abs(value - right) <= 1e-6,
        f"{right:.3f}: 1 beats 0, and 4 beats 0, 2 and 3, so 4 of the 6 pairs are won.",
        "list the 2 x 3 pairs (marked value, unmarked value) and count those where the marked one is "
        "larger; divide by 6.",
    )


def check_layer4_resolution(answer) -> bool:
    """Exercise 9b.3 (multiple choice): why layer4 Grad-CAM cannot separate two jumps 10 steps apart."""
    letter = as_choice(answer, "abcd")
    return verdict(
        is_key(letter, "check_layer4_resolution", "8a46e5a9f1fd2c29"),
        "on the 1000 input points each of the 32 values covers about 31 steps (the spacing of their "
        "receptive-field centres is 32); two jumps 10 steps apart usually share one value, and the map "
        "cannot rank one above the other.",
        "how many input steps share one value of a 32-position map stretched to 1000 points?",
    )


def check_constant_map_pointing(answer, data: dict) -> bool:
    """Exercise 9b.4: mean pointing game (k = 3) of a constant map over all trajectories of ``data``.

    A constant map ties everywhere, so each trajectory scores the share of its
    observed points within 3 steps of an event; recomputed, exact up to 1e-9.
    """
    value = as_number(answer, "a fraction between 0 and 1")
    if not 0 <= value <= 1:
        raise ValueError(f"answer must be a fraction between 0 and 1, got {value}")
    n = len(data["y"])
    right = float(np.nanmean(trajectory_scores(np.ones((n, 1)), data["events"], data["lengths"], k=3)["pointing"]))
    return verdict(
        abs(value - right) <= 1e-9,
        f"{right:.3f}: a map that says nothing already 'hits' this often, because so many points lie "
        "near an event; a map's pointing game means something only beside this baseline.",
        "gt.trajectory_scores(np.ones((n, 1)), data['events'], data['lengths'], k=3)['pointing'], then np.nanmean.",
    )


def check_layer4_centre(answer) -> bool:
    """Exercise 9b.5: the input point on which the receptive field of layer4's position 5 is centred.

    Exact (an integer): recomputed with :func:`resandi_lite.groundtruth.receptive_field_centres` from the
    network's kernels, strides and paddings (the same for every preset).
    """
    from ...model import build_model

    value = as_integer(answer, "an input position (an integer from 0 to 999)")
    right = int(receptive_field_centres(build_model("lite"), "layer4")[5])
    return verdict(
        value == right,
        f"{right}: every layer that halves the length doubles the spacing of the centres (2 x 2 x 2 x 2 "
        f"x 2 = 32), and the symmetric paddings keep position 0 on input point 0, so position j sits on "
        f"32 j. Stretching (t * 32 // 1000) gives it the points 157-187 instead, centred near 172.",
        "the stem's convolution, its max-pool and the first block of layers 2-4 each halve the length; "
        "with paddings of half a kernel, position 0 stays centred on input point 0.",
    )


def check_sanity_reading(answer) -> bool:
    """Exercise 9b.6 (multiple choice): what a map that survives the full cascade of randomisation says."""
    letter = as_choice(answer, "abcd")
    return verdict(
        is_key(letter, "check_sanity_reading", "91f4e356f25da21a"),
        "the maps barely changed when everything the network learned was replaced by random weights, "
        "so they show the input and the architecture more than what was learned: the method fails "
        "the check (to the degree the similarity says).",
        "Adebayo et al. ask whether a map changes when what the network learned is destroyed. Does a "
        "correlation of 0.8 with the trained map mean that it changed?",
    )
