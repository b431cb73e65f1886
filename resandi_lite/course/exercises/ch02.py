"""Checks for chapter 2: five mechanisms and eight classes."""

from __future__ import annotations

import numpy as np

from ... import signatures as sig
from ...simulate import attm, ctrw, fbm, lw, sbm
from .answers import as_choice, as_numbers, is_key, verdict

STRAIGHTNESS_LENGTHS = (20, 50, 100, 300, 1000)


def check_sbm_attm_statistic(answer) -> bool:
    """Exercise 2.1: which statistic separates SubSBM from SubATTM when the step correlation cannot.

    Choices: (a) the rest fraction, (b) the excess kurtosis of the steps, (c) the
    straightness, (d) none of them. The check also measures the
    three statistics' medians on 400 trajectories of each (alpha = 0.5, T = 1000)
    for its message.
    """
    letter = as_choice(answer, "abcd")
    walks = {"SubSBM": sbm(np.full(400, 0.5), 1000, rng=1), "SubATTM": attm(np.full(400, 0.5), 1000, rng=1)}
    kurtosis = {name: float(np.median(sig.excess_kurtosis(x))) for name, x in walks.items()}
    return verdict(
        is_key(letter, "check_sbm_attm_statistic", "a7a1a2d171c99f6c"),
        f"both have independent steps (lag-1 correlation 0), but ATTM's diffusivity jumps by orders of "
        f"magnitude, so its pooled steps are heavy-tailed: median excess kurtosis {kurtosis['SubATTM']:.0f} "
        f"against {kurtosis['SubSBM']:.1f} for SBM, whose diffusivity drifts smoothly.",
        "neither mechanism rests or flies; think of what a diffusivity that jumps at random does to the "
        "distribution of all the steps of one trajectory, and compute the medians of the candidates.",
    )


def check_fbm_short_bias(answer, n: int) -> bool:
    """Exercise 2.2: median lag-1 step correlation of FBM with T = 50, for alpha = 0.4, 1.0 and 1.6.

    ``answer`` holds the three medians over ``n`` trajectories. The check
    computes them from 4000 fresh trajectories each. A lag-1 correlation from 49
    steps has a standard error of about ``1/sqrt(49)``, so a median over ``n``
    trajectories has one of about ``1.25/(7 sqrt(n))``; the tolerance is four
    times that. The medians lie at or below ``2^(alpha-1) - 1``, far below for large alpha.
    """
    answer = as_numbers(answer, 3, "medians (alpha = 0.4, 1.0, 1.6)")
    rng = np.random.default_rng(22)
    alphas = np.array([0.4, 1.0, 1.6])
    reference = np.array([np.median(sig.lag1_autocorrelation(fbm(np.full(4000, a), 50, rng=rng))) for a in alphas])
    theory = 2 ** (alphas - 1) - 1
    ok = np.all(np.abs(answer - reference) < 4 * 1.25 / (7 * np.sqrt(n)))
    return verdict(
        ok,
        f"the medians ({', '.join(f'{r:.2f}' for r in reference)}) lie at or below the theory "
        f"({', '.join(f'{t:.2f}' for t in theory)}): subtracting the sample mean of 49 correlated "
        "steps removes part of their correlation, most for large alpha (long memory).",
        "use fbm(np.full(n, a), 50, rng=seed) for a in (0.4, 1.0, 1.6) and the np.median of "
        "sig.lag1_autocorrelation of each.",
    )


def check_ctrw_rest_fraction(answer, n: int, seed: int) -> bool:
    """Exercise 2.3: mean rest fraction of ``ctrw(np.full(n, 0.7), T, rng=seed)`` for T = 30, 100 and 1000.

    The check recomputes the three means from the same walks; tolerance 0.005 (rounding).
    """
    answer = as_numbers(answer, 3, "fractions (T = 30, 100, 1000)")
    reference = [float(np.mean(sig.rest_fraction(ctrw(np.full(n, 0.7), t_len, rng=seed)))) for t_len in (30, 100, 1000)]
    return verdict(
        np.allclose(answer, reference, atol=0.005),
        f"the rest fraction grows from {reference[0]:.2f} to {reference[2]:.2f}: waiting times have an "
        "infinite mean, so the longest rest grows with T and a longer trajectory rests a larger fraction "
        "of its time.",
        "take np.mean(sig.rest_fraction(ctrw(np.full(n, 0.7), t_len, rng=seed))) for each length.",
    )


def check_levy_straightness(answer, n: int, seed: int) -> bool:
    """Exercise 2.4: median straightness of ``lw(np.full(n // 2, 1.5), T, rng=seed)`` for T = 20, 50, 100, 300, 1000.

    The check recomputes the five medians from the same walks; tolerance 0.005 (rounding).
    """
    answer = as_numbers(answer, len(STRAIGHTNESS_LENGTHS), "medians (T = 20, 50, 100, 300, 1000)")
    reference = [
        float(np.median(sig.straightness(lw(np.full(n // 2, 1.5), t_len, rng=seed)))) for t_len in STRAIGHTNESS_LENGTHS
    ]
    return verdict(
        np.allclose(answer, reference, atol=0.005),
        f"the median straightness falls from {reference[0]:.2f} (T = 20) to {reference[-1]:.2f} "
        "(T = 1000): a short trajectory often lies inside one flight, a long one holds many flights in "
        "random directions.",
        "take np.median(sig.straightness(lw(np.full(n // 2, 1.5), t_len, rng=seed))) for each length, "
        "in the order 20, 50, 100, 300, 1000.",
    )


def check_middle_diffusivity_change(answer, n: int, T: int) -> bool:
    """Exercise 2.5: median diffusivity change on the middle half (points T/4 to 3T/4) of SubSBM (alpha = 0.5) and BM.

    ``answer`` is ``(median for SubSBM, median for BM)`` over ``n`` trajectories
    of ``T`` points. Theory: SBM's increment variance is ``(t+1)^a - t^a``, so
    with ``q = T/4`` the log ratio of the two quarters is
    ``log((3^a - 2^a) / (2^a - 1)) = -0.265`` for a = 0.5, and 0 for BM. Each
    quarter pools about ``2q`` squared Gaussian steps, so one trajectory's log
    ratio has a standard deviation of about ``sqrt(8/T)`` and the median over n
    one of ``1.25 sqrt(8/T) / sqrt(n)``; tolerance: four of those plus 0.02 for
    the discrete quarters.
    """
    answer = as_numbers(answer, 2, "medians (SubSBM, BM)")
    a = 0.5
    theory = np.array([np.log((3**a - 2**a) / (2**a - 1)), 0.0])
    ok = np.all(np.abs(answer - theory) < 4 * 1.25 * np.sqrt(8 / T) / np.sqrt(n) + 0.02)
    return verdict(
        ok,
        f"yes: D(t) ~ t^(alpha-1) still falls across the middle, theory log((3^0.5 - 2^0.5)/(2^0.5 - 1)) "
        f"= {theory[0]:.3f} for SubSBM against 0 for BM; the change is only smaller than over the "
        "whole trajectory, because the middle spans a smaller ratio of times.",
        "apply sig.diffusivity_change to x[:, :, q:3 * q] with q = x.shape[-1] // 4, for "
        "sbm(np.full(n, 0.5), T, rng=seed) and bm(n, T, rng=seed), and take the medians.",
    )
