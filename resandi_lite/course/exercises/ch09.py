"""Checks for chapter 9: the erasure experiment."""

from __future__ import annotations

import numpy as np

from ...erasure import (
    band_masks,
    compare_with_random,
    erase,
    random_masks,
    segment_of_position,
)
from ...evaluate import predict_logits as predict
from ...simulate import CLASSES
from ...verdict import family_level
from .answers import as_choice, as_integer, as_number, as_numbers, is_key, verdict


def check_inclusive_band_counts(answer) -> bool:
    """Exercise 9.1: segments per band of the map 0, 1, ..., 31 with the band edges included.

    Exact: each band has 3.2 segments' worth of percentiles, edges land on
    segment values, and an edge segment now belongs to both bands it bounds.
    """
    value = as_numbers(answer, 10, "segment counts (one per band)")
    right = band_masks(np.arange(32.0)[None, :], 10, 1000, inclusive=True).sum(axis=2)[:, 0]
    return verdict(
        np.array_equal(value, right),
        f"{right.tolist()}: {right.sum()} erasures for 32 segments, because a segment on an inner edge "
        "now counts in both of its bands; the maximum (31) is in the top band.",
        "call band_masks(np.arange(32.0)[None, :], 10, 1000, inclusive=True) and sum over the segments "
        "(the last axis).",
    )


def check_attm_ctrw_share(answer, result: dict) -> bool:
    """Exercise 9.2: fraction of the random baseline's predictions (all bands) that are SubATTM or SubCTRW.

    From ``result["random_predictions"]``; exact up to 1e-9.
    """
    value = as_number(answer, "a fraction between 0 and 1")
    if not 0 <= value <= 1:
        raise ValueError(f"answer must be a fraction between 0 and 1, got {value}")
    p = np.asarray(result["random_predictions"])
    right = float(np.isin(p, [CLASSES.index("SubATTM"), CLASSES.index("SubCTRW")]).mean())
    return verdict(
        abs(value - right) <= 1e-9,
        f"{100 * right:.0f}% of the randomly erased trajectories are called SubATTM or SubCTRW "
        "(a quarter of the test set truly is): the zeros, not the erased content, decide.",
        "np.isin(paper_def['random_predictions'], [0, 1]) marks those predictions; take its mean.",
    )


def check_top_segment_accuracy(answer, model, dataset, maps) -> bool:
    """Exercise 9.3: accuracy after erasing (zeros) only the segment with the largest map value of each trajectory.

    Recomputed on ``dataset`` with ``maps``; exact up to 1e-9.
    """
    value = as_number(answer, "an accuracy between 0 and 1")
    if not 0 <= value <= 1:
        raise ValueError(f"answer must be an accuracy between 0 and 1 (not percent), got {value}")
    maps = np.asarray(maps)
    top = np.zeros(maps.shape, bool)
    top[np.arange(len(maps)), maps.argmax(axis=1)] = True
    right = float(np.mean(predict(model, erase(dataset.X, top)).argmax(1) == np.asarray(dataset.y)))
    return verdict(
        abs(value - right) <= 1e-9,
        f"{100 * right:.1f}% after erasing the single most important segment, which no band of the "
        "paper's definition erases; compare with the top band and with one random segment.",
        "build a boolean (n, 32) mask with True at maps.argmax(axis=1) in each row, erase it with "
        "rl.erasure.erase(test.X, mask) and classify with rl.predict_logits(model, ...).argmax(1).",
    )


def check_interpolated_padding(answer) -> bool:
    """Exercise 9.4 (multiple choice): why fill="interpolate" over the whole input would flatter the random baseline."""
    letter = as_choice(answer, "abcd")
    return verdict(
        is_key(letter, "check_interpolated_padding", "8179e46e9925515b"),
        "the padding is constant, so the straight line across an erased padding segment is the "
        "padding itself; the random baseline, which picks padding about as often as the padding's "
        "share of the input, erases nothing there.",
        "what does the straight line between two kept neighbours look like where the input is constant?",
    )


def check_inclusive_top_band(answer, model, dataset, maps, seed) -> bool:
    """Exercise 9.5: (top band, its random baseline) accuracies of the paper's experiment with ``inclusive=True``.

    Recomputed exactly as :func:`resandi_lite.erasure.erasure_experiment` does
    with ``rng=seed`` (the random masks of all bands are drawn at once, so the
    same seed gives the same baseline); exact up to 1e-9.
    """
    value = as_numbers(answer, 2, "accuracies between 0 and 1")
    if np.any(value < 0) or np.any(value > 1):
        raise ValueError(f"answer must hold accuracies between 0 and 1 (not percent), got {value}")
    masks = band_masks(maps, 10, dataset.X.shape[-1], inclusive=True)
    random = random_masks(masks.sum(axis=2), np.asarray(maps).shape[1], np.random.default_rng(seed))
    y = np.asarray(dataset.y)
    right = np.array([np.mean(predict(model, erase(dataset.X, m[-1])).argmax(1) == y) for m in (masks, random)])
    return verdict(
        np.max(np.abs(value - right)) <= 1e-9,
        f"top band {100 * right[0]:.1f}%, random {100 * right[1]:.1f}%: including the band's edges adds "
        "the most important segment (and one more segment), but the zeros still set the floor.",
        "call rl.erasure_experiment(model, test.X, test.y, maps=maps, rng=seed, inclusive=True) and read "
        "the last entries of 'accuracy' and 'random_accuracy'.",
    )


def check_paired_sample_size(answer, paired: dict) -> bool:
    """Exercise 9.6: trajectories per class for a paired difference of 1 point to lie 3 standard errors from zero.

    ``paired`` is the output of :func:`resandi_lite.erasure.compare_with_random`
    for one band; the standard deviation of the per-trajectory differences is
    ``stderr * sqrt(n)`` (points), and ``3 * sd / sqrt(N) = 1`` gives the total
    ``N``, divided among the 8 classes and rounded up.  Accepted within 1% (or 1).
    """
    value = as_integer(answer, "trajectories per class")
    if value < 0:
        raise ValueError(f"answer must be a non-negative number of trajectories per class, got {value}")
    sd = float(np.ravel(paired["stderr"])[0]) * np.sqrt(int(paired["n"]))
    right = int(np.ceil((3 * sd) ** 2 / len(CLASSES)))
    if right == 0:  # a small set (e.g. the ci profile) in which no trajectory changed its verdict
        return verdict(
            value == 0,
            "0: on this small set no trajectory changed its verdict between the band and its random "
            "baseline, so the measured spread is 0 and the formula asks for nothing; the book profile's "
            "8,000 trajectories give a real estimate.",
            "sd = paired['stderr'][0] * sqrt(paired['n']) is 0 here; what does 3 * sd / sqrt(N) = 1 give?",
        )
    return verdict(
        abs(value - right) <= max(1, 0.01 * right),
        f"about {right} per class ({len(CLASSES) * right:,} trajectories): the standard deviation of the "
        f"paired differences is {sd:.0f} points, and the standard error falls as one over the square "
        "root of the number of trajectories.",
        "sd = paired['stderr'][0] * sqrt(paired['n']) is the spread of one trajectory's difference; "
        "solve 3 * sd / sqrt(N) = 1 for the total N and divide by the 8 classes.",
    )


def check_band_family(answer, result: dict, y) -> bool:
    """Exercise 9.7: the level of each of the ten band intervals under the course's rule, and how many exclude 0.

    ``answer = (level, count)``: the Bonferroni level ``1 - 0.05 / 10`` of each
    band's interval when the ten bands are read as one family at 95%, and the
    number of bands of ``result`` (the paper's definition) whose paired
    interval against the scattered control, at that level
    (:func:`resandi_lite.erasure.compare_with_random` with its defaults),
    excludes zero.  Exact (level to 1e-9).
    """
    value = as_numbers(answer, 2, "a pair (level, count)")
    level = family_level(10)
    c = compare_with_random(result, np.asarray(y))
    count = int(np.sum((c["low"] > 0) | (c["high"] < 0)))
    if not 0 < value[0] < 1:
        raise ValueError(f"answer[0] must be a level between 0 and 1 (not percent), got {value[0]}")
    signs = ", ".join(
        f"{lo:.0f}-{hi:.0f}: {'+' if d > 0 else '-'}"
        for (lo, hi), d, low, high in zip(result["bands"], c["difference"], c["low"], c["high"])
        if low > 0 or high < 0
    )
    return verdict(
        abs(value[0] - level) <= 1e-9 and value[1] == count,
        f"each band at {100 * level:.1f}% keeps the family of ten at 95%; {count} of the ten intervals "
        f"exclude zero ({signs or 'none'}; + means the band costs more than random erasure).",
        "the level is 1 - (1 - 0.95) / 10 (rl.verdict.family_level(10)); then count the bands of "
        "rl.erasure.compare_with_random(paper_def, test.y) with low > 0 or high < 0.",
    )


def _step_ratio(X, mask, fill, seed) -> float:
    out = erase(X, mask, fill=fill, rng=seed).astype(np.float64)
    erased = mask[:, segment_of_position(mask.shape[1], X.shape[-1])]
    touch = erased | np.roll(erased, 1, axis=1)
    touch[:, 0] = False
    steps = np.diff(out, axis=2, prepend=out[:, :, :1]) ** 2
    untouched = ~touch
    untouched[:, 0] = False
    return float(steps.transpose(1, 0, 2)[:, touch].mean() / steps.transpose(1, 0, 2)[:, untouched].mean())


def check_fill_step_variance(answer, X, maps, seed) -> bool:
    """Exercise 9.8: mean squared step where the top band was filled, over that of the untouched steps.

    On trajectories of 1000 points ``X`` with their maps, the top band of the
    paper's definition is erased with ``fill="noisy"`` (``rng=seed``) and with
    ``fill="interpolate"``; the steps touching an erased position (into or out
    of it) are compared with the others.  Recomputed exactly; accepted within
    1e-6 relative.
    """
    value = as_numbers(answer, 2, "a pair of ratios (noisy, interpolate)")
    if np.any(value < 0):
        raise ValueError(f"answer must hold two non-negative ratios, got {value}")
    X = np.asarray(X)
    mask = band_masks(np.asarray(maps), 10, X.shape[-1])[-1]
    right = np.array([_step_ratio(X, mask, fill, seed) for fill in ("noisy", "interpolate")])
    return verdict(
        np.allclose(value, right, rtol=1e-6, atol=0),
        f"noisy {right[0]:.2f}, interpolate {right[1]:.3f}: the bridge keeps the trajectory's step "
        "variance (a ratio near 1), while the straight line spreads a stretch's displacement evenly over "
        "its 31 or more steps and loses almost all of it: a straight run of equal steps, which is what "
        "the flight of a Lévy walk looks like.",
        "pos = rl.erasure.segment_of_position(32, 1000); e = mask[:, pos]; touch = e | np.roll(e, 1, 1) "
        "(without column 0); compare the mean of the squared steps (np.diff) inside and outside touch.",
    )
