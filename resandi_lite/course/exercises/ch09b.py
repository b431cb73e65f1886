"""Checks for chapter 9b: attribution maps scored against the simulators' events."""

from __future__ import annotations

import numpy as np

from ...groundtruth import observed_positions, trajectory_scores
from ...simulate import CLASSES
from .answers import as_choice, as_number, is_key, verdict


def check_ctrw_event_share(answer, data: dict) -> bool:
    """Exercise 9b.1: share of the observed input points of the SubCTRW trajectories in ``data`` that are marked.

    Recomputed from ``data`` (:func:`resandi_lite.groundtruth.event_set`); exact up to 1e-9.
    """
    value = as_number(answer, "a fraction between 0 and 1")
    if not 0 <= value <= 1:
        raise ValueError(f"answer must be a fraction between 0 and 1 (not percent), got {value}")
    rows = np.asarray(data["y"]) == CLASSES.index("SubCTRW")
    right = float(np.asarray(data["events"])[rows].sum() / observed_positions(data["lengths"])[rows].sum())
    return verdict(abs(value - right) <= 1e-9,
                   f"{100 * right:.1f}% of the observed points of these CTRWs are jumps; the walker rests at all "
                   "the others, which is what makes the class recognisable.",
                   "gt.observed_positions(data['lengths']) marks the observed points; count data['events'] in the "
                   "SubCTRW rows and divide by their observed points.")


def check_auroc_by_hand(answer) -> bool:
    """Exercise 9b.2: AUROC of the map 0, 1, 2, 3, 4 whose events are at the values 1 and 4.

    Exact: the marked point wins 4 of the 2 x 3 (marked, unmarked) pairs; checked to 1e-6.
    """
    value = as_number(answer, "an AUROC between 0 and 1")
    events = np.array([[False, True, False, False, True]])
    right = float(trajectory_scores(np.arange(5.0)[None], events, [5], k=0)["auroc"][0])
    return verdict(abs(value - right) <= 1e-6,
                   f"{right:.3f}: 1 beats 0, and 4 beats 0, 2 and 3, so 4 of the 6 pairs are won.",
                   "list the 2 x 3 pairs (marked value, unmarked value) and count those where the marked one is "
                   "larger; divide by 6.")


def check_layer4_resolution(answer) -> bool:
    """Exercise 9b.3 (multiple choice): why layer4 Grad-CAM cannot separate two jumps 10 steps apart."""
    letter = as_choice(answer, "abcd")
    return verdict(is_key(letter, "check_layer4_resolution", "8a46e5a9f1fd2c29"),
                   "stretched to 1000 points, each of the 32 values covers about 31 steps; two jumps 10 steps "
                   "apart usually share one value, and the map cannot rank one above the other.",
                   "how many input steps share one value of a 32-position map stretched to 1000 points?")


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
    return verdict(abs(value - right) <= 1e-9,
                   f"{right:.3f}: a map that says nothing already 'hits' this often, because so many points lie "
                   "near an event; a map's pointing game means something only beside this baseline.",
                   "gt.trajectory_scores(np.ones((n, 1)), data['events'], data['lengths'], k=3)['pointing'], "
                   "then np.nanmean.")
