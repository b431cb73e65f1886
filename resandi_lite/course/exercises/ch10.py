"""Checks for chapter 10: noise and Grad-CAM-guided augmentation."""

from __future__ import annotations

import numpy as np

from ...augment import select_by_score
from ...simulate import CLASSES
from .answers import as_choice, as_integer, as_number, is_key, verdict


def check_noisy_increment_correlation(answer, sigma: float) -> bool:
    """Exercise 10.1: lag-1 correlation of Brownian increments (step std 1) with localisation noise ``sigma``.

    With measured positions ``x_t + e_t`` (``e`` independent, std ``sigma``), an
    increment is ``d_t + e_{t+1} - e_t``; its variance is ``1 + 2 sigma^2`` and two
    neighbours share ``-e_{t+1}``, covariance ``-sigma^2``.  Exact, so the
    tolerance (0.005) only absorbs rounding.
    """
    value = as_number(answer, "a float (a correlation coefficient)")
    s2 = float(sigma) ** 2
    right = -s2 / (1 + 2 * s2)
    return verdict(
        abs(value - right) <= 5e-3,
        f"{right:.3f}: the shared noise term makes neighbouring increments anticorrelated, which is "
        "also what subdiffusive FBM looks like, so noise pushes trajectories towards SubFBM.",
        "write the covariance of (e_{t+1} - e_t) and (e_{t+2} - e_{t+1}) and divide by the variance "
        "of one noisy increment (the step itself has variance 1).",
    )


def check_selected_longer_fraction(answer, scores, dataset, name: str) -> bool:
    """Exercise 10.2: fraction of class ``name``'s Grad-CAM-selected trajectories longer than its median length.

    Recomputed from ``scores`` and ``dataset`` (the top 60% per class, as
    :func:`resandi_lite.augment.select_by_score`); exact up to 1e-9.
    """
    value = as_number(answer, "a float between 0 and 1")
    if not 0 <= value <= 1:
        raise ValueError(f"answer must be a fraction between 0 and 1, got {value}")
    label = CLASSES.index(name)
    chosen = np.zeros(len(dataset.y), bool)
    chosen[select_by_score(scores, dataset.y, 0.6)] = True
    rows = dataset.y == label
    right = float(np.mean(dataset.lengths[chosen & rows] > np.median(dataset.lengths[rows])))
    return verdict(
        abs(value - right) <= 1e-9,
        f"{right:.2f} of the selected {name} trajectories are longer than the class median "
        f"({'so the selection prefers long trajectories' if right > 0.5 else 'so it does not prefer long ones'}).",
        "select the rows with chosen & (train.y == label) and compare their train.lengths with the median "
        "over all rows of the class; the mean of a boolean array is a fraction.",
    )


def check_augmented_size(answer, dataset, fraction: float = 0.6) -> bool:
    """Exercise 10.3: the size of one arm's training set, all originals plus a copy of ``fraction`` of each class."""
    value = as_integer(answer, "an integer (a number of trajectories)")
    counts = np.bincount(np.asarray(dataset.y), minlength=len(CLASSES))
    right = int(counts.sum() + sum(int(round(fraction * c)) for c in counts if c))
    return verdict(
        value == right,
        f"{right} trajectories: {counts.sum()} originals and {right - counts.sum()} copies.",
        "add the number of copies (fraction of each class, rounded per class) to len(train).",
    )


def check_first_sigma_below(answer, result: dict, level: float = 0.5) -> bool:
    """Exercise 10.4: the first noise level of ``result`` (from ``noise_robustness``) with mean accuracy below ``level``.

    ``None`` is the right answer when no level falls below.  The levels are
    exact values of ``result["sigmas"]`` (tolerance 1e-9).
    """
    arms = [k for k in result if k != "sigmas"]
    mean = np.asarray(result[arms[0]]["mean"])
    below = np.flatnonzero(mean < level)
    right = float(result["sigmas"][below[0]]) if below.size else None
    if answer is None or right is None:
        ok = answer is None and right is None
    else:
        ok = abs(as_number(answer, "a float (a noise level) or None") - right) <= 1e-9
    return verdict(
        ok,
        f"sigma = {right}"
        + (
            f" is where the accuracy first drops below {100 * level:.0f}%."
            if right is not None
            else ": it never drops below."
        ),
        "find the first index where the 'mean' array is below 0.5 and read the sigma at that index.",
    )


def check_rotation_and_noise(answer) -> bool:
    """Exercise 10.5 (multiple choice): why rotated copies alone do not teach noise robustness."""
    letter = as_choice(answer, "abcd")
    return verdict(
        is_key(letter, "check_rotation_and_noise", "6bfc44bc8011325f"),
        "a rotated copy is exactly as clean as the original; the processes are isotropic, so "
        "rotation keeps the class (not a) and all increment statistics (not c), and MinMax scaling does "
        "not undo a rotation (not d).",
        "the processes are isotropic, so a rotation keeps the class and the statistics; what is missing "
        "from a rotated copy?",
    )
