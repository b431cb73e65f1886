"""Checks for chapter 1: random walks, Brownian motion and the MSD."""

from __future__ import annotations

import numpy as np

from ... import msd
from ...simulate import bm, ctrw, fbm
from .answers import as_number, as_numbers, verdict


def check_exponent_scatter(answer, T: int, times) -> bool:
    """Exercise 1.1: the standard deviation of alpha fitted from 10 Brownian walkers.

    ``answer`` is the standard deviation of 20 estimates, each from the ensemble
    MSD of 10 walkers of ``T`` points at ``times``. The check estimates the same
    spread from 400 fresh repetitions. The standard deviation of 20 values has a
    relative sampling error of about ``1/sqrt(2 * 19) = 0.16``, so answers within
    50% (three such errors) of the reference are accepted.
    """
    answer = as_number(answer, "a number (the standard deviation of the 20 exponents)")
    rng = np.random.default_rng(12345)
    estimates = [msd.fit_exponent(*msd.ensemble_msd(bm(10, T, rng=rng), times))[0] for _ in range(400)]
    reference = float(np.std(estimates))
    return verdict(
        abs(answer / reference - 1) < 0.5,
        f"the exponent from 10 walkers scatters by about {reference:.2f}; with n walkers the MSD's "
        "relative error, and so the exponent's, falls like 1/sqrt(n).",
        "fit one exponent per seed (msd.fit_exponent of msd.ensemble_msd of bm(10, T, rng=s)), "
        "then take np.std of the 20 exponents, not their mean.",
    )


def check_ctrw_exponents(answer, n_walkers: int, T: int, times, lags, seed: int) -> bool:
    """Exercise 1.2: ensemble and time-averaged exponents of a CTRW with alpha = 0.3.

    ``answer`` is ``(ensemble exponent, median time-averaged exponent)`` of
    ``ctrw(np.full(n_walkers, 0.3), T, rng=seed)``: the ensemble MSD fitted at
    ``times``, and the median of the exponents fitted to the time-averaged MSDs
    of its first 50 trajectories at ``lags``. The check recomputes both from the
    same walks, so only rounding separates a right answer: tolerance 0.005.
    """
    answer = as_numbers(answer, 2, "exponents (ensemble, median of the time averages)")
    walk = ctrw(np.full(n_walkers, 0.3), T, rng=seed)
    ensemble = msd.fit_exponent(*msd.ensemble_msd(walk, times))[0]
    lag, ta = msd.time_averaged_msd(walk[:50], lags)
    single = np.nanmedian(msd.fit_exponent(lag, ta)[0])
    ok = np.allclose(answer, [ensemble, single], atol=0.005)
    return verdict(
        ok,
        f"the ensemble exponent is {ensemble:.2f} (above 0.3: the renewal count reaches its t^0.3 "
        f"law slowly), while single trajectories give about {single:.2f}: their time averages "
        "grow linearly with the lag whatever alpha (weak ergodicity breaking).",
        "use walk = ctrw(np.full(n_walkers, 0.3), T, rng=seed); fit the ensemble MSD at `times`, "
        "and take the np.nanmedian of the exponents of msd.time_averaged_msd(walk[:50], lags).",
    )


def check_fbm_step_correlation(answer, T: int) -> bool:
    """Exercise 1.3: the lag-1 correlation of the steps of FBM with alpha = 1.5.

    Theory: consecutive increments of FBM with Hurst exponent ``H = alpha / 2``
    have correlation ``2^(2H - 1) - 1 = 2^0.5 - 1 = 0.414``. One trajectory of
    ``T`` points gives a sample correlation with a standard error of about
    ``1/sqrt(T)`` (larger for long-range correlated steps), so the tolerance is
    ``4/sqrt(T)`` (0.13 for T = 1000); zero, the value for BM, is rejected for T >= 100.
    """
    answer = as_number(answer, "a number (a correlation coefficient)")
    if not -1 <= answer <= 1:
        raise ValueError(f"answer must be a correlation coefficient in [-1, 1], got {answer}")
    theory = 2**0.5 - 1
    return verdict(
        abs(answer - theory) < 4 / np.sqrt(T),
        f"consecutive steps are positively correlated (theory 2^0.5 - 1 = {theory:.2f}): the walker "
        "keeps its direction for a while, so the path looks smoother than Brownian motion.",
        "take steps = np.diff(x) of one coordinate of one FBM trajectory and np.corrcoef(steps[:-1], steps[1:])[0, 1].",
    )


def check_fbm_ergodicity(answer) -> bool:
    """Exercise 1.4: the ergodicity-breaking parameter of FBM (alpha = 0.5) at lag 5, for T = 100 and T = 1000.

    ``answer`` is ``(EB for T = 100, EB for T = 1000)`` from 200 trajectories
    each. The check estimates both from 2000 fresh trajectories. An EB from 200
    trajectories has a relative sampling error of roughly ``sqrt(2/200) = 0.1``
    (more for skewed time averages), so values within 40% of the reference are
    accepted; the ratio of about 10 between the two lengths is what matters.
    """
    answer = as_numbers(answer, 2, "ergodicity-breaking parameters (T = 100, T = 1000)")
    rng = np.random.default_rng(2024)
    reference = np.array(
        [
            msd.ergodicity_breaking(msd.time_averaged_msd(fbm(np.full(2000, 0.5), t_len, rng=rng), [5])[1])[0]
            for t_len in (100, 1000)
        ]
    )
    ok = np.all(np.abs(answer / reference - 1) < 0.4)
    return verdict(
        ok,
        f"EB is about {reference[0]:.3f} for T = 100 and {reference[1]:.4f} for T = 1000: it falls "
        "like 1/T, because FBM is ergodic (a long time average converges to the ensemble's).",
        "for each length take msd.time_averaged_msd(fbm(np.full(200, 0.5), t_len, rng=seed), [5])[1] "
        "and pass it to msd.ergodicity_breaking; report the value at lag 5 for T = 100 and T = 1000.",
    )


def check_long_lag_scatter(answer, T: int, lags, seed: int) -> bool:
    """Exercise 1.5: the scatter of single-trajectory exponents with lags up to T/2 and up to T/10.

    ``answer`` is ``(std with lags up to T/2, std with the chapter's lags)`` of
    the exponents fitted to the time-averaged MSDs of ``bm(20, T, rng=seed)``;
    the long lags are ``np.unique(np.geomspace(1, T // 2, 15).astype(int))``.
    The check recomputes both from the same walks; tolerance 0.002 (rounding).
    """
    answer = as_numbers(answer, 2, "standard deviations (long lags, the chapter's lags)")
    walks = bm(20, T, rng=seed)
    long_lags = np.unique(np.geomspace(1, T // 2, 15).astype(int))
    reference = [np.std(msd.fit_exponent(*msd.time_averaged_msd(walks, chosen))[0]) for chosen in (long_lags, lags)]
    return verdict(
        np.allclose(answer, reference, atol=0.002),
        f"the exponents scatter by {reference[0]:.3f} with lags up to T/2 against {reference[1]:.3f} "
        "up to T/10: at a lag near T/2 only about two independent displacements remain, so the "
        "time average is noisy.",
        "fit msd.time_averaged_msd(bm(20, T, rng=seed), long_lags) with "
        "long_lags = np.unique(np.geomspace(1, T // 2, 15).astype(int)), then the same with `lags`; "
        "give np.std of each set of exponents.",
    )
