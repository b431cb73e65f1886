"""Simulators: shapes, seeds, errors, and the statistical law of every model.

Tolerances are ``Z`` standard errors of the estimator at the sample size used
(``Z = 5``: a correct simulator fails a check with probability < 1e-6); seeds
are fixed, so a run is repeatable.
"""

import numpy as np
import pytest

from resandi_lite.simulate import ALPHA_RANGE, CLASSES, SIMULATORS, attm, bm, class_label, ctrw, fbm, lw, sbm, simulate
from resandi_lite.simulate._normal import normal_pairs
from resandi_lite.simulate._renewal import draw_until, per_step
from resandi_lite.simulate.attm import attm_parameters
from resandi_lite.simulate.classes import simulate_increments
from resandi_lite.simulate.fbm import fgn_autocovariance

Z = 5.0
ALL_MODELS = {"fbm": (fbm, 0.5), "sbm": (sbm, 0.5), "ctrw": (ctrw, 0.5), "lw": (lw, 1.5), "attm": (attm, 0.5)}


def test_classes_in_paper_order():
    assert CLASSES == ("SubATTM", "SubCTRW", "SubFBM", "SubSBM", "SupFBM", "SupLW", "SupSBM", "BM")
    assert [class_label(c) for c in CLASSES] == list(range(8))
    assert class_label("subfbm") == 2


@pytest.mark.parametrize("name", list(ALL_MODELS))
def test_model_shape_origin_and_seed(name):
    model, a = ALL_MODELS[name]
    x = model([a, a, a], 137, rng=42)
    assert x.shape == (3, 2, 137) and x.dtype == np.float64
    assert np.all(x[:, :, 0] == 0) and np.all(np.isfinite(x))
    assert np.array_equal(x, model([a, a, a], 137, rng=np.random.default_rng(42)))  # bit-identical
    assert not np.array_equal(x, model([a, a, a], 137, rng=43))


@pytest.mark.parametrize("name", CLASSES)
def test_simulate_fixed_and_varying(name):
    X, alpha = simulate(name, 50, length=300, rng=1)
    assert X.shape == (50, 2, 300)
    low, high = ALPHA_RANGE[name]
    assert np.all((alpha >= low) & (alpha <= high))
    trajs, alpha = simulate(name, 50, length="varying", rng=1)
    assert len(trajs) == 50 and all(t.shape[0] == 2 and 10 <= t.shape[1] <= 1000 for t in trajs)
    assert all(t[:, 0].tolist() == [0.0, 0.0] for t in trajs)
    again, _ = simulate(name, 50, length="varying", rng=1)
    assert all(np.array_equal(a, b) for a, b in zip(trajs, again))


def test_cutting_a_long_trajectory_is_exact():
    """Generating at the group's longest length and cutting must equal a direct call of the model."""
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    lengths = np.array([40, 40])
    steps, _ = simulate_increments("SubFBM", np.array([0.3, 0.7]), lengths, rng=rng_a)
    direct = np.diff(fbm([0.3, 0.7], 40, rng=rng_b), axis=-1)
    assert np.allclose(steps, direct)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: ctrw([1.3], 100), r"alpha must lie in \[0.05, 1.0\] for CTRW, got 1.3"),
        (lambda: lw([0.5], 100), r"alpha must lie in \[1.0, 1.99\] for LW, got 0.5"),
        (lambda: fbm([np.nan], 100), r"alpha must lie in .* got nan at index 0"),
        (lambda: sbm([[0.5]], 100), r"alpha must be a scalar or a 1-D array"),
        (lambda: fbm([0.5], 1), r"length must be >= 2, got 1"),
        (lambda: fbm([0.5], 10.5), r"length must be an integer"),
        (lambda: simulate("FBM", 3), r"unknown class 'FBM'; expected one of SubATTM"),
        (lambda: simulate("SubFBM", 3, length="long"), r"length must be 'varying' or an integer"),
        (lambda: simulate("SubFBM", 3, length=5), r"length must be >= 10, got 5"),
        (lambda: simulate("SubFBM", 3, length=1001), r"length must be <= 1000, got 1001"),
        (lambda: simulate(8, 3), r"class label must be in 0..7, got 8"),
    ],
)
def test_bad_arguments_raise_clear_errors(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_model_table_covers_every_class():
    assert set(SIMULATORS) == set(CLASSES) == set(ALPHA_RANGE)


# --- statistical laws -------------------------------------------------------


def test_normal_pairs_are_independent_gaussians_with_the_given_variance():
    """Box-Muller pairs: x / sqrt(v) and y / sqrt(v) are N(0, 1), independent of each other and of the next pair."""
    from scipy import stats

    n = 400_000
    variance = np.where(np.arange(n) % 2 == 0, 0.25, 9.0)
    x, y = np.empty(n), np.empty(n)
    normal_pairs(np.random.default_rng(30), variance, x, y)
    for z in (x / np.sqrt(variance), y / np.sqrt(variance)):
        assert stats.kstest(z, "norm").pvalue > 1e-6
        assert abs(z.mean()) < Z / np.sqrt(n)
        assert abs(np.mean(z**2) - 1) < Z * np.sqrt(2 / n)
        assert abs(np.mean(z**4) - 3) < Z * np.sqrt(96 / n)  # var(z**4) = 105 - 9
        p = 2 * stats.norm.sf(3.5)  # the tails are there
        assert abs(np.mean(np.abs(z) > 3.5) - p) < Z * np.sqrt(p / n)
    zx, zy = x / np.sqrt(variance), y / np.sqrt(variance)
    for a, b in ((zx, zy), (zx[1:], zx[:-1]), (zx**2, zy**2)):  # no correlation within or between pairs
        assert abs(np.corrcoef(a, b)[0, 1]) < Z / np.sqrt(n)
    again = np.empty(n), np.empty(n)
    normal_pairs(np.random.default_rng(30), variance, *again)
    assert np.array_equal(x, again[0]) and np.array_equal(y, again[1])
    scalar = np.empty(n), np.empty(n)  # one variance for all: the single-precision radius path
    normal_pairs(np.random.default_rng(31), 4.0, *scalar)
    for z in scalar:
        assert stats.kstest(z / 2.0, "norm").pvalue > 1e-6 and abs(np.mean(z**2) / 4 - 1) < Z * np.sqrt(2 / n)
    assert abs(np.corrcoef(*scalar)[0, 1]) < Z / np.sqrt(n)
    by_std = np.empty(n), np.empty(n)  # standard deviations instead of variances (FBM's path)
    normal_pairs(np.random.default_rng(32), None, *by_std, std=np.sqrt(variance).astype(np.float32))
    for z in by_std:
        z = z / np.sqrt(variance)
        assert stats.kstest(z, "norm").pvalue > 1e-6 and abs(np.mean(z**2) - 1) < Z * np.sqrt(2 / n)
    radius = np.hypot(*by_std) / np.sqrt(variance)
    assert radius.max() <= np.sqrt(2 * 33 * np.log(2)) * (1 + 1e-6)  # U1 >= 2**-33: the documented bound
    with pytest.raises(TypeError, match="either variance or std"):
        normal_pairs(np.random.default_rng(0), 1.0, *by_std, std=np.ones(n, np.float32))
    single = np.empty(3, np.float32), np.empty(3, np.float32)
    normal_pairs(np.random.default_rng(0), np.array([0.0, 1.0, 4.0]), *single)
    assert single[0][0] == 0 and single[1][0] == 0 and np.all(np.isfinite(single))


def _msd_ratio_check(x, theory, times):
    """Ensemble MSD at ``times`` against theory: x_t / sqrt(MSD) is N(0, 1), so
    mean(x_t**2) / MSD has standard error sqrt(2 / m) over m = 2n samples (x and y)."""
    m = x.shape[0] * 2
    for t in times:
        ratio = np.mean(x[:, :, t] ** 2) / theory(t)
        assert abs(ratio - 1) < Z * np.sqrt(2 / m), (t, ratio)


@pytest.mark.parametrize("alpha", [0.2, 0.6, 1.0, 1.4, 1.8])
def test_fbm_msd_is_t_to_the_alpha(alpha):
    x = fbm(np.full(4000, alpha), 1000, rng=11)
    _msd_ratio_check(x, lambda t: t**alpha, [1, 10, 100, 999])


@pytest.mark.parametrize("alpha", [0.2, 0.5, 0.9, 1.2, 1.6, 1.9])
def test_fbm_increment_correlation_sign_and_value(alpha):
    n = 20000
    d = np.diff(fbm(np.full(n, alpha), 3, rng=12), axis=-1)  # (n, 2, 2)
    products = (d[:, :, 0] * d[:, :, 1]).ravel()  # 2n independent pairs of unit-variance steps
    rho = 0.5 * (2**alpha - 2)
    estimate = products.mean()
    assert abs(estimate - rho) < Z * np.sqrt((1 + rho**2) / products.size)
    assert np.sign(estimate) == np.sign(rho)  # negative for sub-, positive for superdiffusion


@pytest.mark.parametrize("alpha, length", [(0.3, 101), (0.9, 242), (1.7, 101)])
def test_fbm_increments_have_the_fgn_autocovariance_at_every_lag(alpha, length):
    """Each trajectory's mean of d_j d_{j+k} over j estimates gamma(k); trajectories (and x, y) are independent,
    so the tolerance is Z standard errors of their average, estimated from its spread.  Catches a wrong
    scale of any Fourier coefficient (e.g. the two real ones, k = 0 and M): an error of order 1/M."""
    n = 20000
    steps = np.diff(fbm(np.full(n, alpha), length, rng=13), axis=-1)  # (n, 2, length - 1)
    d = steps.reshape(2 * n, length - 1)
    gamma = fgn_autocovariance(np.array([alpha / 2]), length - 1)[0]
    for k in (0, 1, 2, 5, length // 2, length - 2):
        per_trajectory = np.mean(d[:, : d.shape[1] - k] * d[:, k:], axis=1)
        estimate, se = per_trajectory.mean(), per_trajectory.std() / np.sqrt(2 * n)
        assert abs(estimate - gamma[k]) < Z * se, (k, estimate, gamma[k], se)
    assert abs(np.corrcoef(steps[:, 0, -1], steps[:, 1, -1])[0, 1]) < Z / np.sqrt(n)  # x and y independent


@pytest.mark.parametrize("alpha", [0.2, 0.7, 1.0, 1.3, 1.8])
def test_sbm_msd_and_changing_diffusivity(alpha):
    x = sbm(np.full(4000, alpha), 1000, rng=13)
    _msd_ratio_check(x, lambda t: (t + 1) ** alpha - 1, [1, 10, 100, 999])
    d = np.diff(x, axis=-1)
    m = d.shape[0] * 2
    for t in (1, 50, 900):  # step t has variance (t+1)**alpha - t**alpha: diffusivity ~ t**(alpha-1)
        ratio = np.mean(d[:, :, t - 1] ** 2) / ((t + 1) ** alpha - t**alpha)
        assert abs(ratio - 1) < Z * np.sqrt(2 / m), (t, ratio)


def test_bm_is_sbm_with_alpha_one():
    x = bm(4000, 1000, rng=14)
    _msd_ratio_check(x, lambda t: t, [1, 10, 100, 999])
    assert np.array_equal(x, sbm(np.ones(4000), 1000, rng=14))


@pytest.mark.parametrize("alpha", [0.2, 0.5, 0.8])
def test_ctrw_waiting_times_are_pareto(alpha):
    """The first jump happens at floor(tau), tau = (1-U)**(-1/alpha): P(no move before k) = k**-alpha."""
    n = 20000
    x = ctrw(np.full(n, alpha), 500, rng=15)
    moved = np.abs(np.diff(x[:, 0], axis=-1)) > 0  # (n, 499): step t-1 -> t
    first = np.argmax(moved, axis=1) + 1  # time of the first jump (every row moves before 500 here
    first[~moved.any(axis=1)] = 10**9  # ... or never, then it is past every k below)
    for k in (2, 5, 30, 200):
        p = k ** (-alpha)
        estimate = np.mean(first >= k)
        assert abs(estimate - p) < Z * np.sqrt(p * (1 - p) / n), (k, estimate, p)


def test_ctrw_jumps_are_unit_gaussian_and_shared_in_time():
    x = ctrw(np.full(3000, 0.6), 400, rng=16)
    d = np.diff(x, axis=-1)
    assert np.array_equal(d[:, 0] != 0, d[:, 1] != 0)  # x and y jump at the same times
    single = d[:, :, :50][(d[:, :, :50] != 0)]  # early bins almost always hold one jump
    assert abs(single.var() - 1) < Z * np.sqrt(2 / single.size) + 0.02  # + the rare bins with 2 jumps


@pytest.mark.parametrize("alpha", [1.2, 1.5, 1.8])
def test_levy_walk_flights(alpha):
    n, T = 6000, 300
    x = lw(np.full(n, alpha), T, rng=17)
    d = np.diff(x, axis=-1)  # (n, 2, T-1)
    speed = np.hypot(d[:, 0], d[:, 1])
    assert np.allclose(speed, speed[:, :1])  # one speed per trajectory
    v = speed[:, 0]
    assert abs(v.mean() - 5) < Z * 10 / np.sqrt(12 * n)  # v = 10 U(0, 1)
    angle = np.arctan2(d[:, 1, 0], d[:, 0, 0])
    assert abs(np.cos(angle).mean()) < Z / np.sqrt(2 * n)  # uniform direction
    # Flights: the direction changes only at flight ends.  Flight 2 starts at the
    # first change; its duration floor(tau), tau = (1-U)**(-1/(3-alpha)), is
    # independent of where it starts: P(duration >= k) = k**-(3-alpha).
    change = np.any(np.abs(np.diff(d, axis=-1)) > 1e-9 * v[:, None, None], axis=1)  # (n, T-2)
    starts = np.argmax(change, axis=1)
    has = change.any(axis=1)
    for k in (2, 5, 20):
        ok = has & (starts + k + 1 < T - 2)  # the flight can be seen for k steps
        rows = np.flatnonzero(ok)
        window = change[rows[:, None], starts[rows, None] + 1 + np.arange(k - 1)[None, :]]
        survived = ~window.any(axis=1)
        p = k ** (-(3 - alpha))
        assert abs(survived.mean() - p) < Z * np.sqrt(p * (1 - p) / rows.size), (k, survived.mean(), p)


@pytest.mark.parametrize("alpha", [0.2, 0.5, 0.8])
def test_attm_parameters(alpha):
    """sigma = 3 U(0.01, 1.1) kept when gamma = sigma/alpha <= sigma + 1: uniform on [0.03, min(3.3, alpha/(1-alpha))]."""
    sigma, gamma = attm_parameters(np.full(20000, alpha), np.random.default_rng(18))
    assert np.all(sigma <= gamma) and np.all(gamma <= sigma + 1) and np.allclose(gamma, sigma / alpha)
    high = min(3.3, alpha / (1 - alpha))
    u = (sigma - 0.03) / (high - 0.03)
    assert u.min() >= 0 and u.max() <= 1
    assert abs(u.mean() - 0.5) < Z * np.sqrt(1 / 12 / u.size)


def test_attm_diffusivity_is_piecewise_constant():
    """Within a segment steps are N(0, 2D); D jumps between segments.  The step variances of the
    first and second half of a trajectory then differ far more often than for Brownian motion."""
    n, T = 2000, 400
    half = (T - 1) // 2

    def log_variance_ratio(x):
        d = np.diff(x[:, 0], axis=-1)
        with np.errstate(divide="ignore"):  # a segment with D ~ 1e-60 after a fast one: steps lost in rounding
            return np.log(d[:, :half].var(axis=1) / d[:, half:].var(axis=1))

    bm_ratio = log_variance_ratio(bm(n, T, rng=19))
    # For Brownian motion var(log s^2) = 2/m for m steps: std sqrt(2/199 + 2/200) = 0.14 for the ratio.
    assert abs(bm_ratio.std() - np.sqrt(2 / half + 2 / (T - 1 - half))) < 0.02
    assert np.mean(np.abs(bm_ratio) > 0.75) < 1e-3  # 0.75 is more than 5 of those standard deviations
    assert np.mean(np.abs(log_variance_ratio(attm(np.full(n, 0.5), T, rng=19))) > 0.75) > 0.3


def test_renewal_blocks_cover_the_horizon_and_values_spread_over_their_steps():
    rng = np.random.default_rng(22)
    durations, tag = draw_until(
        lambda rows, k: (rng.integers(1, 4, (rows.size, k)).astype(float), rng.random((rows.size, k))), 50, 100, first=3
    )
    finite = np.isfinite(durations)
    starts = np.array([0, 3, 9, 21, 45, 93])  # blocks of 3, 6, 12, ... columns
    used = finite.sum(axis=1)  # a row stops after the first block that reaches the horizon ...
    assert set(used) <= set(starts[1:]) and np.all(finite == (np.arange(durations.shape[1]) < used[:, None]))
    cum = np.cumsum(np.where(finite, durations, 0), axis=1)
    before = np.where(used > 3, cum[np.arange(50), starts[np.searchsorted(starts, used) - 1] - 1], 0)
    assert np.all(cum[:, -1] >= 100) and np.all(before < 100)
    assert np.all(np.isinf(durations) == (tag == 0))  # ... and pads the blocks it did not need with inf / 0
    # Interval k covers [t_k, t_k+1): durations 2, 3, 1 cover times 0-1, 2-4, 5.
    values = np.array([[[10.0, 20.0, 30.0, 40.0]]])
    d = np.array([[2.0, 3.0, 1.0, np.inf]])
    assert per_step(values, d, 0, 6).tolist() == [[[10, 10, 20, 20, 20, 30]]]
    assert per_step(values, d, 1, 8).tolist() == [[[10, 20, 20, 20, 30, 40, 40]]]


@pytest.mark.parametrize("name", CLASSES)
def test_steps_in_single_precision_keep_their_std(name):
    """The float32 steps (default) are the float64 ones rounded; the std taken in float64 fits both."""
    lengths = np.random.default_rng(23).integers(10, 1001, 200)
    alpha = np.full(200, np.mean(ALPHA_RANGE[name]))
    s32, std32 = simulate_increments(name, alpha, lengths, rng=np.random.default_rng(24), width=999)
    s64, std64 = simulate_increments(name, alpha, lengths, rng=np.random.default_rng(24), width=999, dtype=np.float64)
    assert s32.dtype == np.float32 and s64.dtype == np.float64
    assert np.array_equal(s32, s64.astype(np.float32)) and np.array_equal(std32, std64)
    n_steps = lengths - 1
    inside = np.broadcast_to((np.arange(999) >= 999 - n_steps[:, None])[:, None, :], s32.shape)
    assert np.all(s32[~inside] == 0)  # right-aligned, zeros in front
    x = s32.astype(np.float64)
    meansq = np.einsum("ijk,ijk->ij", x, x) / n_steps[:, None]
    var = meansq - (x.sum(axis=-1) / n_steps[:, None]) ** 2
    assert np.all(np.abs(var - std32**2) <= 1e-6 * meansq)  # float32 rounding: relative 6e-8 per step


def test_degenerate_trajectories_are_redrawn():
    """A CTRW with alpha = 0.1 does not move within 10 steps with probability 10**-0.1 = 0.79: all are redrawn."""
    steps, std = simulate_increments("SubCTRW", np.full(500, 0.1), np.full(500, 10), rng=np.random.default_rng(20))
    assert np.all(std > 0)
    assert np.all((steps != 0).any(axis=-1))
    # short Levy walks are often one straight flight: constant steps, also redrawn
    steps, std = simulate_increments("SupLW", np.full(500, 1.9), np.full(500, 10), rng=np.random.default_rng(21))
    assert np.all(std > 0)
