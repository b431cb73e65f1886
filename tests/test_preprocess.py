"""Preprocessing: equal to the per-trajectory reference, its noise law, and its errors."""

import numpy as np
import pytest

from resandi_lite import preprocess
from resandi_lite.preprocess import increment_std
from resandi_lite.reference import preprocess_one
from resandi_lite.simulate import bm, simulate

Z = 5.0


def _walks(lengths, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((2, t)).cumsum(axis=1) * rng.uniform(0.1, 10) for t in lengths]


def test_matches_the_per_trajectory_reference():
    trajs = _walks([10, 11, 57, 500, 999, 1000])
    trajs += simulate("SubCTRW", 5, length="varying", rng=3)[0] + simulate("SupLW", 5, length="varying", rng=4)[0]
    X = preprocess(trajs)
    ref = np.stack([preprocess_one(t) for t in trajs])
    assert X.shape == (len(trajs), 2, 1000) and X.dtype == np.float32
    np.testing.assert_allclose(X, ref, atol=2e-6)


def test_padding_scaling_and_position_of_the_trajectory():
    x = _walks([300])[0]
    X = preprocess([x])[0]
    assert np.allclose(X.min(axis=1), 0) and np.allclose(X.max(axis=1), 1)
    # the 700 padded zeros and the trajectory's start (also 0 after normalisation) share one value
    assert np.all(X[:, :701] == X[:, [700]])
    # the trajectory fills the last 300 slots: its steps are those of x up to one scale per coordinate
    steps = np.diff(X[:, 700:].astype(np.float64), axis=1)
    dx = np.diff(x, axis=1)
    scale = (steps * dx).sum(axis=1, keepdims=True) / (dx * dx).sum(axis=1, keepdims=True)  # least squares
    assert np.allclose(steps, scale * dx, atol=2e-7)  # float32 resolution near 1


def test_units_do_not_matter_and_array_equals_list():
    x = np.stack(_walks([400, 400, 400]))
    assert np.allclose(preprocess(x), preprocess(list(x)))
    assert np.allclose(preprocess(x), preprocess(3.7 * x - 12.0), atol=1e-6)


@pytest.mark.parametrize("sigma", [0.3, 1.0])
def test_noise_law(sigma):
    """Unit white steps plus N(0, sigma^2) on every position give increments with
    lag-1 correlation -sigma^2 / (1 + 2 sigma^2), whatever the final MinMax scale."""
    x = bm(400, 1000, rng=1)
    X = preprocess(x, noise=sigma, rng=2).astype(np.float64)
    d = np.diff(X, axis=-1)
    d -= d.mean(axis=-1, keepdims=True)
    r = (d[..., 1:] * d[..., :-1]).mean(axis=-1) / (d**2).mean(axis=-1)  # (400, 2)
    rho = -(sigma**2) / (1 + 2 * sigma**2)
    # per-trajectory estimates over 998 lags have std about 1/sqrt(998) (a little more for correlated sums)
    assert abs(r.mean() - rho) < Z * 1.5 / np.sqrt(998 * r.size)
    # noise is drawn per position of the trajectory, never in the padding
    short = preprocess([x[0, :, :100]], noise=sigma, rng=3)[0]
    assert np.all(short[:, :900] == short[:, [0]])


def test_noise_is_reproducible_and_per_trajectory():
    x = bm(3, 200, rng=1)
    a = preprocess(x, noise=[0.0, 0.5, 1.0], rng=7)
    assert np.array_equal(a, preprocess(x, noise=[0.0, 0.5, 1.0], rng=7))
    assert np.array_equal(a[0], preprocess(x[:1])[0])  # sigma = 0: no noise
    assert not np.array_equal(a[1], preprocess(x[1:2])[0])


@pytest.mark.parametrize(
    "data, kwargs, message",
    [
        ([np.zeros((2, 9))], {}, r"trajectory 0: length must be in \[10, 1000\] points, got 9"),
        (_walks([50, 1001]), {}, r"trajectory 1: length must be in \[10, 1000\] points, got 1001; split it"),
        ([np.zeros((3, 50))], {}, r"trajectory 0: expected shape \(2, T\)"),
        ([np.zeros((50, 2))], {}, r"transpose it"),
        ([np.zeros(50)], {}, r"trajectory 0: expected shape \(2, T\)"),
        (np.zeros((2, 50)), {}, r"pass x\[None\]"),
        (np.zeros((1, 2, 3, 50)), {}, r"got an array of shape \(1, 2, 3, 50\)"),
        ([], {}, r"trajectories is empty"),
        ("abc", {}, r"trajectories must be a list"),
        ([_walks([50])[0], np.full((2, 50), np.nan)], {}, r"trajectory 1: contains NaN or infinite"),
        (
            [np.array([_walks([50])[0][0], np.full(50, 2.0)])],
            {},
            r"trajectory 0: the y coordinate has increments with zero",
        ),
        ([np.array([np.arange(50.0), np.arange(50.0) ** 2])], {}, r"trajectory 0: the x coordinate"),
        (_walks([50]), {"noise": -1}, r"noise must hold finite values >= 0"),
        (_walks([50, 60]), {"noise": [0.1, 0.2, 0.3]}, r"one value per trajectory \(2\), got 3"),
        (_walks([50]), {"noise": "big"}, r"noise must be a float or a list"),
    ],
)
def test_bad_input_raises_clear_errors(data, kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        preprocess(data, **kwargs)


def test_minmax_of_a_constant_coordinate_is_zero_not_nan():
    from resandi_lite.preprocess import minmax_scale

    P = np.stack([np.zeros((1, 50)), np.arange(50.0)[None]], axis=1)  # x constant, y a ramp
    X, minmax = minmax_scale(P.copy(), return_minmax=True)
    assert np.all(X[0, 0] == 0) and np.allclose(X[0, 1], np.arange(50) / 49)
    assert minmax[0, 0].tolist() == [0.0, 0.0] and minmax[0, 1].tolist() == [0.0, 49.0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_increment_std_of_zero_padded_rows(dtype):
    """Equal to numpy's std over each row's own steps, for rows of any length (float32 rows are taken in
    blocks of about 32 rows: 300 rows span several), and exactly 0 for a flat coordinate."""
    rng = np.random.default_rng(5)
    n_steps = rng.integers(2, 1000, 300)
    steps = np.zeros((300, 2, 999), dtype)
    for i, m in enumerate(n_steps):
        steps[i, :, 999 - m :] = rng.normal(3.0, 2.0, (2, m))  # a mean as large as the spread
    steps[7, 1, 999 - n_steps[7] :] = dtype(0.3)  # moves by the same step every time: flat
    steps[8, 0] = 0.0  # does not move: flat
    std = increment_std(steps, n_steps)
    expected = np.array(
        [[steps[i, k, 999 - m :].astype(np.float64).std() for k in range(2)] for i, m in enumerate(n_steps)]
    )
    expected[7, 1] = expected[8, 0] = 0.0
    assert std.dtype == np.float64 and std.shape == (300, 2)
    assert np.allclose(std, expected, rtol=1e-12, atol=0)
    assert std[7, 1] == 0.0 and std[8, 0] == 0.0 and np.all(np.delete(std.ravel(), [15, 16]) > 0)
    assert increment_std(np.zeros((0, 2, 999), dtype), np.zeros(0, np.int64)).shape == (0, 2)


# --- issue 14: bad input answered by a named ValueError/TypeError; issue 13: names -----------------------------


@pytest.mark.parametrize(
    "bad, error, message",
    [
        (
            np.random.default_rng(0).random((1, 2, 50)) + 1j,
            TypeError,
            r"trajectory 0: positions must be real numbers.*complex",
        ),
        (
            np.random.default_rng(0).random((1, 2, 50)) > 0.5,
            TypeError,
            r"trajectory 0: positions must be real numbers.*bool",
        ),
        ([np.array([["a"] * 50] * 2)], TypeError, r"trajectory 0: positions must be real numbers"),
        (np.random.default_rng(0).random((1, 2, 50)) * 1e308, ValueError, r"trajectory 0: steps too large"),
    ],
)
def test_preprocess_refuses_values_it_would_get_wrong(bad, error, message):
    with pytest.raises(error, match=message):
        preprocess(bad)


def test_rng_is_keyword_only():
    walk = np.random.default_rng(1).standard_normal((1, 2, 100)).cumsum(axis=-1)
    with pytest.raises(TypeError, match="positional argument"):
        preprocess(walk, 0.5, 3)
    with pytest.raises(TypeError, match=r"rng must be None, an integer >= 0"):
        preprocess(walk, 0.5, rng="seed")


def test_preprocess_increments_noise_name_and_checks():
    from resandi_lite.preprocess import preprocess_increments

    steps = np.random.default_rng(2).standard_normal((3, 2, 999))
    lengths = np.array([10, 500, 1000])
    for i, t in enumerate(lengths):
        steps[i, :, : 1000 - t] = 0
    expected = preprocess_increments(steps, lengths, 0.3, rng=1)
    assert np.array_equal(preprocess_increments(steps, lengths, noise=0.3, rng=1), expected)
    with pytest.raises(ValueError, match=r"steps must have shape \(n, 2, 999\)"):
        preprocess_increments(steps[:, :, :10], np.full(3, 10))
    with pytest.raises(ValueError, match=r"lengths must lie in \[2, 1000\]"):
        preprocess_increments(steps, np.array([1, 5, 1001]))
    with pytest.raises(ValueError, match=r"lengths must have shape \(3,\)"):
        preprocess_increments(steps, np.array([10, 10]))
    with pytest.raises(TypeError, match=r"lengths must be integers"):
        preprocess_increments(steps, lengths.astype(float))
    bad = steps.copy()
    bad[0, 0, -1] = np.nan
    with pytest.raises(ValueError, match="steps must be finite"):  # was: "zero standard deviation"
        preprocess_increments(bad, lengths)
    with pytest.raises(ValueError, match="noise must be one float or one value per trajectory"):
        preprocess_increments(steps, lengths, [0.1, 0.2])


def test_minmax_scale_and_increment_std_check_their_input():
    from resandi_lite.preprocess import minmax_scale

    with pytest.raises(ValueError, match=r"positions must be finite"):
        minmax_scale(np.full((1, 2, 5), np.nan))
    with pytest.raises(ValueError, match=r"positions must have shape \(n, channels, L\)"):
        minmax_scale(np.zeros((2, 5)))
    with pytest.raises(TypeError, match=r"positions must be a float ndarray"):
        minmax_scale(np.zeros((1, 2, 5), int))
    with pytest.raises(ValueError, match=r"n_steps must lie in \[1, 5\]"):
        increment_std(np.ones((2, 2, 5)), np.array([0, 2]))
    with pytest.raises(ValueError, match=r"steps must have shape \(n, 2, W\)"):
        increment_std(np.ones((2, 5)), np.array([1, 2]))
