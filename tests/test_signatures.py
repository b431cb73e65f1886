"""Per-trajectory signatures: hand-made inputs with known answers, and the laws of the simulated models.

Tolerances come from the sample sizes: the mean of n per-trajectory values is
compared with its expectation within 5 standard errors (the standard error
estimated from the same sample), plus a stated bias where the estimator has one.
"""

import numpy as np
import pytest

from resandi_lite import CLASSES, make_dataset
from resandi_lite.msd import fit_exponent, time_averaged_msd
from resandi_lite.signatures import (
    STATISTICS,
    diffusivity_change,
    excess_kurtosis,
    flight_durations,
    lag1_autocorrelation,
    local_diffusivity,
    msd_exponent,
    msd_ratio,
    noisy_lag1_correlation,
    rest_durations,
    rest_fraction,
    statistics,
    straightness,
    survival_exponent,
)
from resandi_lite.simulate import bm, ctrw, fbm, lw, sbm

N, T = 200, 1000


def close_in_mean(values, expected, bias=0.0):
    values = np.asarray(values)
    tolerance = 5 * values.std() / np.sqrt(values.size) + bias
    assert abs(values.mean() - expected) < tolerance, (values.mean(), expected, tolerance)


# --- hand-made inputs ---------------------------------------------------------------------------------------------


def test_straight_line():
    X = np.stack([np.arange(10.0), 2 * np.arange(10.0)])[None]  # constant step (1, 2)
    assert straightness(X)[0] == pytest.approx(1.0)
    assert rest_fraction(X)[0] == 0
    assert flight_durations(X)[0].tolist() == [9]
    assert diffusivity_change(X)[0] == pytest.approx(0.0)
    assert msd_ratio(X)[0] == pytest.approx(0.0)  # lag (10 - 1) // 10 = 1
    assert msd_exponent(X, max_lag_fraction=0.5)[0] == pytest.approx(2.0)  # ballistic: MSD = |v|^2 lag^2


def test_alternating_steps():
    x = np.cumsum(np.tile([1.0, -1.0], 50))
    X = np.stack([x, x])[None]
    assert lag1_autocorrelation(X)[0] == pytest.approx(-1.0, abs=0.02)
    assert excess_kurtosis(X)[0] == pytest.approx(1 - 3, abs=1e-3)  # +-1 steps: <c^4>/<c^2>^2 = 1
    assert straightness(X)[0] < 0.02


def test_rests_and_diffusivity_change():
    x = np.array([0, 0, 0, 1, 2, 2, 3.0])
    X = np.stack([x, np.zeros(7)])[None]  # y never moves: each y step is a zero step
    assert rest_fraction(X)[0] == pytest.approx((3 + 6) / 12)
    assert rest_durations(X)[0].tolist() == [2, 1]
    steps = np.concatenate([np.ones(50), 2 * np.ones(50)])  # step doubles half way: squared step x4
    Y = np.cumsum(np.concatenate([[0], steps]))
    assert diffusivity_change(np.stack([Y, Y])[None])[0] == pytest.approx(np.log(4))
    assert local_diffusivity(np.stack([Y, Y])[None], window=10)[0, [0, -1]].tolist() == [1.0, 4.0]


def test_padding_and_lists_give_the_same_values():
    """A trajectory left-padded into a longer array with its length, or passed in a list, gives the same numbers."""
    X = fbm(np.full(6, 0.7), 300, rng=0)
    padded = np.zeros((6, 2, 1000))
    padded[:, :, 700:] = X
    lengths = np.full(6, 300)
    np.testing.assert_allclose(statistics(padded, lengths), statistics(X), rtol=1e-10)
    np.testing.assert_allclose(statistics(list(X)), statistics(X), rtol=1e-10)
    np.testing.assert_allclose(msd_exponent(padded, lengths), msd_exponent(X), rtol=1e-10)
    assert rest_durations(padded, lengths)[0].size == 0  # the zero padding is not a rest


def test_varying_lengths_in_a_list():
    trajectories = [np.cumsum(np.ones((2, t)), axis=1) for t in (10, 57, 300)]
    np.testing.assert_allclose(straightness(trajectories), 1.0)
    assert flight_durations(trajectories)[0].tolist() == [9, 56, 299]
    np.testing.assert_allclose(msd_exponent(trajectories), 2.0)


def test_msd_exponent_is_the_msd_module_fit():
    X = sbm(np.full(20, 0.6), 500, rng=1)
    lags = np.unique(np.geomspace(1, int(0.1 * 499), 12).astype(int))
    expected = fit_exponent(*time_averaged_msd(X, lags))[0]
    np.testing.assert_allclose(msd_exponent(X), expected)


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="lengths must have shape"):
        statistics(np.zeros((3, 2, 100)), [100, 100])
    with pytest.raises(ValueError, match="X must have shape"):
        lag1_autocorrelation(np.zeros((3, 3, 100)))
    with pytest.raises(ValueError, match="window must be in"):
        local_diffusivity(np.zeros((1, 2, 10)), window=10)
    with pytest.raises(ValueError, match="max_lag_fraction"):
        msd_exponent(np.zeros((1, 2, 10)), max_lag_fraction=2)


# --- laws of the models ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("alpha", [0.3, 1.0, 1.7])
def test_fbm_increment_correlation(alpha):
    """Lag-1 correlation of FBM increments is 0.5 (2^alpha - 2), less a bias ~ T^(alpha - 2) from the sample mean."""
    r = lag1_autocorrelation(fbm(np.full(N, alpha), T, rng=2))
    close_in_mean(r, 0.5 * (2**alpha - 2), bias=2 * T ** (alpha - 2))


@pytest.mark.parametrize("model, alpha, noise", [(bm, 1.0, 0.3), (bm, 1.0, 1.0), (fbm, 0.5, 0.5), (fbm, 1.5, 0.3)])
def test_noise_adds_a_negative_lag1_correlation(model, alpha, noise):
    """Noise of std sigma on the normalised positions: (rho - sigma^2) / (1 + 2 sigma^2), measured on the network input."""
    from resandi_lite import preprocess

    x = model(N, T, rng=4) if model is bm else model(np.full(N, alpha), T, rng=4)
    r = lag1_autocorrelation(preprocess(x, noise, rng=5))
    rho = 2 ** (alpha - 1) - 1
    close_in_mean(r, noisy_lag1_correlation(noise, rho=rho), bias=2 * T ** (alpha - 2))


def test_noisy_lag1_correlation_by_hand_and_its_errors():
    assert noisy_lag1_correlation(1.0) == pytest.approx(-1 / 3)
    assert noisy_lag1_correlation(0.0) == 0.0
    np.testing.assert_allclose(noisy_lag1_correlation([0.0, 1e6]), [0.0, -0.5], atol=1e-9)
    with pytest.raises(ValueError, match="noise must be"):
        noisy_lag1_correlation(-0.1)
    with pytest.raises(ValueError, match="rho must be"):
        noisy_lag1_correlation(0.1, rho=1.5)


@pytest.mark.parametrize("alpha", [0.4, 1.6])
def test_sbm_diffusivity_change(alpha):
    """SBM step variance (k+1)^a - k^a: the two halves' sums are MSD(h) and MSD(T-1) - MSD(h), MSD(t) = (t+1)^a - 1."""
    c = diffusivity_change(sbm(np.full(N, alpha), T, rng=3))
    k = T - 1
    h = k // 2
    msd = lambda t: (t + 1) ** alpha - 1  # noqa: E731
    # log of a ratio of means of 2(k - h) and 2h squared Gaussians: mean of log is off by ~ 1/(2h) - 1/(2(k-h))
    close_in_mean(c, np.log((msd(k) - msd(h)) / (k - h) / (msd(h) / h)), bias=1 / h)


def test_gaussian_models_have_no_excess_kurtosis():
    """Sample excess kurtosis of k Gaussian increments has standard error sqrt(24 / k)."""
    close_in_mean(excess_kurtosis(bm(N, T, rng=4)), 0.0, bias=6 / T)
    close_in_mean(excess_kurtosis(fbm(np.full(N, 0.5), T, rng=4)), 0.0, bias=6 / T)


def test_only_ctrw_rests():
    assert np.all(rest_fraction(bm(N, T, rng=5)) == 0)
    assert rest_fraction(ctrw(np.full(N, 0.5), T, rng=5)).mean() > 0.5


def test_levy_walk_flight_durations():
    """LW flights last int(tau) steps, P(tau >= 1 + 1) = 2^-(3 - alpha): a fraction 1 - 2^-(3 - alpha) last 1 step."""
    alpha = 1.5
    durations, owner = flight_durations(lw(np.full(N, alpha), T, rng=6))
    p = 1 - 2.0 ** -(3 - alpha)
    assert abs(np.mean(durations == 1) - p) < 5 * np.sqrt(p * (1 - p) / durations.size) + 0.005  # + edge flights
    assert owner.min() == 0 and owner.max() == N - 1


def test_ctrw_rests_have_a_heavy_tail():
    """Survival of CTRW rests ~ t^-alpha: from 10 to 100 steps it falls by about 10^alpha (loosely, at T = 1000)."""
    alpha = 0.5
    durations, _ = rest_durations(ctrw(np.full(N, alpha), T, rng=7))
    drop = np.mean(durations >= 10) / np.mean(durations >= 100)
    assert 10 ** (alpha - 0.25) < drop < 10 ** (alpha + 0.25)


def test_statistics_columns_on_the_eight_classes():
    ds = make_dataset(20, length="varying", seed=8)
    s = statistics(ds.X, ds.lengths)
    assert s.shape == (len(ds), len(STATISTICS))
    assert np.all((s[:, 1] >= 0) & (s[:, 1] <= 1))
    assert np.nanmax(s[:, 5]) <= 1 + 1e-9
    zero = {CLASSES[c]: s[ds.y == c, 1].mean() for c in range(len(CLASSES))}
    assert zero["SubCTRW"] > 0.3 and zero["BM"] == 0 and zero["SubFBM"] == 0


def test_survival_exponent_of_a_pareto_sample_and_of_levy_flights():
    d = np.floor(np.random.default_rng(0).pareto(0.7, 200_000) + 1)  # P(D >= t) = t^-0.7 at integer t
    assert survival_exponent(d, 2, 100) == pytest.approx(0.7, abs=0.03)
    flights, _ = flight_durations(lw(np.full(300, 1.5), 1000, rng=1))
    assert survival_exponent(flights, 2, 50) == pytest.approx(3 - 1.5, abs=0.15)
    with pytest.raises(ValueError, match="beyond t_max"):
        survival_exponent([1, 2, 3], 2, 50)
    with pytest.raises(ValueError, match="1 <= t_min < t_max"):
        survival_exponent(d, 5, 2)
