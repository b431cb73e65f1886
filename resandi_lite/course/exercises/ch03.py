"""Checks for chapter 3: from trajectories to tensors."""

from __future__ import annotations

import numpy as np

from ...data import make_dataset
from ...preprocess import INPUT_LENGTH
from .answers import as_array, as_choice, as_number, as_numbers, is_key, verdict

NOISE_LEVELS = (0.0, 0.5, 1.0)


def check_skip_normalisation(answer) -> bool:
    """Exercise 3.1: the largest difference between the input made without step 1 and ``rl.preprocess``'s.

    Without noise, step 1 multiplies each coordinate by a positive constant,
    which MinMax scaling removes exactly; the two inputs differ only by float32
    rounding, so answers in ``[0, 1e-5]`` are accepted.
    """
    answer = as_number(answer, "a number (the largest absolute difference)")
    if answer < 0:
        raise ValueError(f"answer must be a largest absolute difference, >= 0, got {answer}")
    return verdict(
        answer < 1e-5,
        "the inputs agree to float32 rounding: MinMax scaling removes any positive rescaling of a "
        "coordinate. Step 1 matters once noise is added: sigma is then in units of the step, the same "
        "signal-to-noise ratio for every trajectory.",
        "shift x to start at 0 (x - x[:, :1]), put it in the last T slots of a (2, 1000) array of zeros, "
        "MinMax-scale each row, and take the largest np.abs difference with rl.preprocess([x])[0].",
    )


def check_padding_fraction(answer, ds) -> bool:
    """Exercise 3.2: ``(mean padding fraction of ds, its expected value for T uniform in 10..1000)``.

    The dataset's value is recomputed from ``ds.lengths`` (tolerance 1e-6); the
    expectation is ``1 - E[T]/1000 = 1 - 505/1000 = 0.495`` (tolerance 1e-3).
    """
    answer = as_numbers(answer, 2, "fractions (in ds, expected)")
    measured = float(np.mean(1 - np.asarray(ds.lengths) / INPUT_LENGTH))
    expected = 1 - (10 + 1000) / 2 / INPUT_LENGTH
    ok = abs(answer[0] - measured) < 1e-6 and abs(answer[1] - expected) < 1e-3
    return verdict(
        ok,
        f"{measured:.3f} of every input is padding on average in ds; with E[T] = 505 the expected "
        f"fraction is 1 - 505/1000 = {expected:.3f}.",
        "one input has 1000 - T padded points out of 1000: average 1 - ds.lengths / 1000, and use the "
        "mean of a uniform distribution on {10, ..., 1000} for the expectation.",
    )


def check_padding_level(answer, ds) -> bool:
    """Exercise 3.3: the padding level of the first ten inputs of ``ds``, predicted from ``ds.minmax``.

    ``answer`` has shape (10, 2) (input, coordinate): ``-min / (max - min)`` of
    the normalised positions. The check compares it with the level the inputs
    actually have, ``ds.X[:10, :, 0]``; tolerance 1e-5 (float32 inputs).
    """
    answer = as_array(answer, (10, 2), "padding levels (input, coordinate)")
    actual = np.asarray(ds.X[:10, :, 0], dtype=np.float64)
    return verdict(
        np.allclose(answer, actual, atol=1e-5),
        "the padding sits where the starting point lies within the range of the walk: 0 if the walk "
        "never went below its start, 1 if it never went above, so it tells the network where the "
        "trajectory began relative to its extent.",
        "ds.minmax[..., 0] holds each coordinate's minimum and ds.minmax[..., 1] its range (max - min) "
        "before scaling; the padding was position 0 before scaling.",
    )


def check_noisy_increment_variance(answer) -> bool:
    """Exercise 3.4: ``(variance of noisy increments for sigma = 0.5, SNR at which noise is half the variance)``.

    Theory: an increment of unit variance plus two independent noise terms has
    variance ``1 + 2 sigma^2 = 1.5``. From 200 trajectories x 2 coordinates x 999
    increments the estimate has a relative standard error of about
    ``sqrt(2 / 4e5)`` times ~2 for the correlation that noise adds between
    neighbouring increments, about 0.005; tolerance 0.03. Noise is half of the
    variance when ``2 sigma^2 = 1``: ``SNR = 1/sigma = sqrt(2)`` (tolerance 0.01).
    """
    answer = as_numbers(answer, 2, "numbers (variance, SNR)")
    ok = abs(answer[0] - 1.5) < 0.03 and abs(answer[1] - np.sqrt(2)) < 0.01
    return verdict(
        ok,
        "the increments' variance is 1 + 2 sigma^2 = 1.5 (noise enters each increment twice); noise "
        "makes half of it when 2 sigma^2 = 1, at SNR = sqrt(2) = 1.41.",
        "normalise the increments of 200 BM trajectories to unit std, add 0.5 * standard normal noise to "
        "the positions, and average np.diff(...).var(axis=-1); solve 2 sigma^2 = 1 for SNR = 1/sigma.",
    )


def check_noise_level_counts(answer, seed: int) -> bool:
    """Exercise 3.5: counts of each noise level per class in ``rl.make_dataset(100, noise=[0.0, 0.5, 1.0], seed=seed)``.

    ``answer`` has shape (8, 3): classes in rows, levels in columns. The check
    regenerates the same dataset and counts exactly.
    """
    answer = as_array(answer, (8, 3), "counts (class, noise level)")
    noisy = make_dataset(100, noise=list(NOISE_LEVELS), seed=seed)
    levels = np.searchsorted(NOISE_LEVELS, noisy.noise)
    counts = np.array([np.bincount(levels[noisy.y == c], minlength=3) for c in range(8)])
    return verdict(
        np.array_equal(answer, counts),
        f"each level occurs about 100/3 = 33 times in every class (here {counts.min()} to "
        f"{counts.max()}): each trajectory draws its level on its own, independently of its class.",
        "np.searchsorted([0.0, 0.5, 1.0], ds.noise) gives each trajectory's level index; count them with "
        "np.bincount(..., minlength=3) separately for each class label c (ds.y == c).",
    )


def check_padding_side(answer) -> bool:
    """Exercise 3.6: what right-padding with zeros would do after MinMax scaling.

    Choices: (a) nothing, the input would be the mirror image; (b) a jump from
    the trajectory's end point to the level of the start, at an index that
    depends on the length; (c) the padding would sit at 0 for every
    trajectory; (d) MinMax scaling would remove the padding.
    """
    letter = as_choice(answer, "abcd")
    return verdict(
        is_key(letter, "check_padding_side", "b58a2ce32cfb7ded"),
        "padded on the right, the zeros (the start's level) follow the end point, so the input jumps "
        "where the trajectory ends, at a different index for every length; on the left the zeros "
        "continue the start x_0 = 0 smoothly and every trajectory ends at index 999.",
        "build one right-padded input by hand and look at the two values around index T - 1.",
    )
