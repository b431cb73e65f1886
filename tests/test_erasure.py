"""Erasure: band masks, random masks and erasing checked by hand; the experiment on a network built to look at one segment."""

import numpy as np
import pytest
import torch
from torch import nn

from resandi_lite.erasure import (
    band_masks,
    erase,
    erasure_curve,
    erasure_experiment,
    matched_masks,
    observed_segments,
    padding_segments,
    random_masks,
    run_lengths,
    segment_of_position,
)


def test_segments_cover_the_input_like_nearest_upsampling():
    seg = segment_of_position(32, 1000)
    assert seg[0] == 0 and seg[-1] == 31 and np.all(np.diff(seg) >= 0)
    assert set(np.bincount(seg)) == {31, 32}  # 32 pieces of 31 or 32 steps
    ref = torch.nn.functional.interpolate(torch.arange(32.0)[None, None], size=1000, mode="nearest")[0, 0]
    assert np.array_equal(seg, ref.numpy().astype(int))


def test_band_masks_by_hand():
    maps = np.arange(10.0)[None, :]  # 10 segments with values 0..9, length 10: one step each
    masks = band_masks(maps, bands=5, length=10)  # edges at the 0, 20, ..., 100th percentiles: 0, 1.8, 3.6, 5.4, 7.2, 9
    assert masks.shape == (5, 1, 10)
    assert [np.flatnonzero(m[0]).tolist() for m in masks] == [[1], [2, 3], [4, 5], [6, 7], [8]]
    inclusive = band_masks(maps, bands=5, length=10, inclusive=True)
    assert np.flatnonzero(inclusive[0, 0]).tolist() == [0, 1] and np.flatnonzero(inclusive[-1, 0]).tolist() == [8, 9]


def test_random_masks_have_the_requested_counts():
    counts = np.array([[0, 3, 32], [5, 1, 7]])
    masks = random_masks(counts, 32, rng=0)
    assert masks.shape == (2, 3, 32) and np.array_equal(masks.sum(-1), counts)
    freq = random_masks(np.full(20000, 4), 32, rng=1).mean(0)  # uniform over segments: 4/32 each
    assert np.all(np.abs(freq - 4 / 32) < 5 * np.sqrt(4 / 32 * 28 / 32 / 20000))


def test_erase_zeroes_both_coordinates_of_the_masked_segments():
    X = np.ones((2, 2, 1000), np.float32)
    masks = np.zeros((2, 32), bool)
    masks[0, 0] = masks[1, 31] = True
    out = erase(X, masks)
    assert np.all(out[0, :, :32] == 0) and np.all(out[0, :, 32:] == 1)  # segment 0 covers steps 0..31
    assert np.all(out[1, :, 969:] == 0) and np.all(out[1, :, :969] == 1)
    assert np.all(X == 1)  # the input is not changed
    with pytest.raises(ValueError, match="segment_masks must have shape"):
        erase(X, masks[:1])


class LooksAtTheEnd(nn.Module):
    """Class 1 if the mean of the last 31 steps of x exceeds 0.5, else class 0; layer4 = its evidence per segment."""

    def __init__(self):
        super().__init__()
        self.layer4 = nn.Identity()

    def forward(self, x):
        evidence = x[:, :1].reshape(len(x), 1, 1000)[:, :, :992].reshape(len(x), 1, 32, 31).mean(-1)
        a = self.layer4(evidence)  # (B, 1, 32)
        score = a[:, 0, -1:] - 0.5 + 0 * a.sum(dim=(1, 2))[:, None]
        return torch.cat([-score, score], dim=1)


def test_experiment_on_a_network_that_uses_one_segment():
    rng = np.random.default_rng(0)
    X = rng.random((400, 2, 1000)).astype(np.float32) * 0.2
    y = rng.integers(0, 2, 400)
    X[y == 1, 0, 961:992] += 0.9  # the evidence sits in segment 31 (steps 961..991)
    model = LooksAtTheEnd()
    maps = np.zeros((400, 32))
    maps[:, 31] = 1.0  # all of the evidence in the last segment
    maps[:, :31] = rng.random((400, 31)) * 0.1
    result = erasure_experiment(model, X, y, maps=maps, rng=1, inclusive=True)
    assert result["clean_accuracy"] == 1.0
    assert result["accuracy"][-1] == pytest.approx(np.mean(y == 0))  # top band erased: class 1 is lost
    assert np.all(result["accuracy"][:-1] == 1.0)
    assert np.all(result["random_accuracy"] > result["accuracy"][-1])
    assert len(result["bands"]) == 10 and result["bands"][-1] == (90.0, 100.0)


def test_observed_segments_by_hand():
    seg = segment_of_position(32, 1000)
    obs = observed_segments([1000, 500, 969, 31, 30, 10])
    assert obs.sum(1).tolist() == [32, 16, 31, 1, 0, 0]
    # segment 16 starts at position 500 (the first of the last 500); segment 1 starts at 32 (= 1000 - 968)
    assert np.flatnonzero(seg == 16)[0] == 500 and np.flatnonzero(obs[1]).tolist() == list(range(16, 32))
    assert not obs[2, 0] and obs[2, 1]
    with pytest.raises(ValueError, match="lengths must be"):
        observed_segments([0, 1001])
    lengths = np.arange(1, 1001)
    pad, obs = padding_segments(lengths), observed_segments(lengths)
    assert not np.any(pad & obs) and np.all((~pad & ~obs).sum(1) <= 1)  # at most one mixed segment
    # by position: a segment is padding iff all its positions are < 1000 - T
    positions_padded = np.arange(1000)[None, :] < (1000 - lengths)[:, None]
    expected = np.stack([positions_padded[:, seg == s].all(1) for s in range(32)], 1)
    assert np.array_equal(pad, expected)


def test_band_masks_over_allowed_segments_only():
    maps = np.array([[9.0, 8, 0, 1, 2, 3, 4, 5, 6, 7]])  # segments 0, 1 are "padding" with the largest values
    allowed = np.ones((1, 10), bool)
    allowed[0, :2] = False
    # the allowed values 0..7 (one step each) have quartile edges 0, 1.75, 3.5, 5.25, 7
    masks = band_masks(maps, bands=4, length=10, allowed=allowed)
    assert [np.flatnonzero(m[0]).tolist() for m in masks] == [[3], [4, 5], [6, 7], [8]]
    assert np.array_equal(band_masks(maps, 4, 10, allowed=np.ones((1, 10), bool)), band_masks(maps, 4, 10))
    nothing = band_masks(maps, 4, 10, allowed=np.zeros((1, 10), bool))  # no allowed segment: none selected, no warning
    assert not nothing.any()


def test_random_masks_respect_allowed_segments():
    allowed = np.zeros((3000, 32), bool)
    allowed[:, 20:] = True  # 12 allowed segments
    masks = random_masks(np.full((2, 3000), 3), 32, rng=2, allowed=allowed)
    assert np.array_equal(masks.sum(-1), np.full((2, 3000), 3)) and not masks[..., :20].any()
    freq = masks.mean(axis=(0, 1))[20:]  # uniform among the allowed: 3/12 each
    assert np.all(np.abs(freq - 0.25) < 5 * np.sqrt(0.25 * 0.75 / 6000))
    with pytest.raises(ValueError, match="must not exceed"):
        random_masks(np.array([13]), 32, allowed=allowed[:1])


def test_interpolating_fill_matches_numpy_interp():
    rng = np.random.default_rng(3)
    X = rng.random((20, 2, 1000)).astype(np.float32)
    masks = rng.random((20, 32)) < 0.3
    masks[0] = True  # nothing kept: zeros
    masks[1] = False  # nothing erased: unchanged
    masks[2, :3] = masks[2, -2:] = True  # erased ends: the nearest kept value is held
    out = erase(X, masks, fill="interpolate")
    keep = ~masks[:, segment_of_position(32, 1000)]
    t = np.arange(1000)
    for i in range(2, 20):
        for c in range(2):
            expected = np.interp(t, t[keep[i]], X[i, c, keep[i]])
            assert np.allclose(out[i, c], expected, atol=1e-6)
    assert np.all(out[0] == 0) and np.array_equal(out[1], X[1]) and out.dtype == np.float32
    ramp = np.broadcast_to(np.linspace(0, 1, 1000, dtype=np.float32), (1, 2, 1000))
    middle = np.zeros((1, 32), bool)
    middle[0, 10:14] = True
    assert np.allclose(erase(ramp, middle, fill="interpolate"), ramp, atol=1e-6)  # a straight line stays straight
    with pytest.raises(
        ValueError, match="fill must be one of 'zero', 'interpolate', 'noisy', 'resample', 'cut', got 'mean'"
    ):
        erase(X, masks, fill="mean")


def test_experiment_within_observed_segments():
    rng = np.random.default_rng(4)
    n = 300
    X = rng.random((n, 2, 1000)).astype(np.float32) * 0.2
    y = rng.integers(0, 2, n)
    X[y == 1, 0, 961:992] += 0.9
    lengths = rng.integers(100, 800, n)  # segments 0-4 (the first 160 positions) are always padding
    maps = rng.random((n, 32)) * 0.1
    maps[:, 31] = 1.0
    maps[:, :5] = 2.0  # "padding" segments with the largest values: only within="input" can pick them
    result = erasure_experiment(
        LooksAtTheEnd(), X, y, maps=maps, rng=1, within="observed", lengths=lengths, inclusive=True
    )
    assert result["accuracy"][-1] == pytest.approx(np.mean(y == 0))  # the top observed band is segment 31
    assert np.all(result["random_accuracy"] > result["accuracy"][-1])
    assert result["predictions"].shape == result["random_predictions"].shape == (10, n)
    assert np.array_equal(result["accuracy"], (result["predictions"] == y).mean(1))
    paper = erasure_experiment(LooksAtTheEnd(), X, y, maps=maps, rng=1, inclusive=True)
    assert paper["accuracy"][-1] == 1.0  # the top band over the whole input is the fake padding, segment 31 survives
    with pytest.raises(ValueError, match="needs the trajectory lengths"):
        erasure_experiment(LooksAtTheEnd(), X, y, maps=maps, within="observed")
    with pytest.raises(ValueError, match="within must be one of"):
        erasure_experiment(LooksAtTheEnd(), X, y, maps=maps, within="padding")


def test_selected_bands_equal_the_full_run():
    """which=[-1, 0] gives the full run's bands 9 and 0 (same maps, same masks), in that order."""
    rng = np.random.default_rng(5)
    X = rng.random((200, 2, 1000)).astype(np.float32) * 0.2
    y = rng.integers(0, 2, 200)
    X[y == 1, 0, 961:992] += 0.9
    maps = rng.random((200, 32))
    full = erasure_experiment(LooksAtTheEnd(), X, y, maps=maps, rng=1)
    some = erasure_experiment(LooksAtTheEnd(), X, y, maps=maps, rng=1, which=[-1, 0])
    assert some["bands"] == [(90.0, 100.0), (0.0, 10.0)]
    assert np.array_equal(some["predictions"], full["predictions"][[9, 0]])
    assert np.array_equal(some["segments_erased"], full["segments_erased"][[9, 0]])
    assert some["random_predictions"].shape == (2, 200)
    with pytest.raises(ValueError, match="which must hold band indices"):
        erasure_experiment(LooksAtTheEnd(), X, y, maps=maps, which=[10])
    with pytest.raises(TypeError, match="which must be a sequence of band indices"):
        erasure_experiment(LooksAtTheEnd(), X, y, maps=maps, which=[0.5])


def test_paired_comparison_with_the_random_baseline():
    """The paired difference equals the difference of the two accuracies; its standard error is that of
    the per-trajectory differences, smaller than the unpaired one when most pairs agree."""
    from resandi_lite.erasure import compare_with_random

    rng = np.random.default_rng(6)
    n = 5000
    y = rng.integers(0, 8, n)
    random_pred = np.where(rng.random(n) < 0.3, y, (y + 1) % 8)
    band_pred = np.where(rng.random(n) < 0.9, random_pred, (y + 2) % 8)  # 10% of the pairs differ
    result = {"predictions": np.stack([band_pred, random_pred]), "random_predictions": np.stack([random_pred] * 2)}
    c = compare_with_random(result, y)
    acc_band, acc_random = 100 * np.mean(band_pred == y), 100 * np.mean(random_pred == y)
    assert c["band"][0] == pytest.approx(acc_band) and c["random"][0] == pytest.approx(acc_random)
    assert c["difference"][0] == pytest.approx(acc_random - acc_band)
    d = (random_pred == y).astype(float) - (band_pred == y)
    assert c["stderr"][0] == pytest.approx(100 * d.std(ddof=1) / np.sqrt(n))
    unpaired = 100 * np.sqrt(2 * 0.3 * 0.7 / n)
    assert c["stderr"][0] < 0.5 * unpaired
    assert c["z"][0] == pytest.approx(c["difference"][0] / c["stderr"][0])
    assert c["difference"][1] == 0 and c["stderr"][1] == 0 and c["z"][1] == 0  # identical predictions
    assert c["n"] == n
    with pytest.raises(ValueError, match="one label per trajectory"):
        compare_with_random(result, y[:-1])
    with pytest.raises(TypeError, match="returned by erasure_experiment"):
        compare_with_random({"accuracy": 1}, y)


# --- contiguity-matched control -------------------------------------------------------------------------------


def test_run_lengths_by_hand():
    masks = np.array([[1, 1, 0, 1, 0, 0, 1, 1, 1, 0], [0] * 10, [1] * 10], bool)
    counts = run_lengths(masks)
    assert counts.shape == (3, 11)
    assert counts[0].tolist() == [0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    assert counts[1].sum() == 0 and counts[2, 10] == 1 and counts[2].sum() == 1
    assert run_lengths(masks[None]).shape == (1, 3, 11)


def test_matched_masks_have_each_rows_runs_exactly():
    """Per trajectory and band: the same run lengths (so the same count), inside the observed segments."""
    rng = np.random.default_rng(7)
    n = 400
    maps = np.cumsum(rng.standard_normal((n, 32)), axis=1)  # smooth maps: bands come in runs
    lengths = rng.integers(10, 1001, n)
    allowed = observed_segments(lengths)
    bands = band_masks(maps, 10, 1000, allowed=allowed)
    matched = matched_masks(bands, rng=1, allowed=allowed)
    assert matched.shape == bands.shape == (10, n, 32)
    assert np.array_equal(run_lengths(matched), run_lengths(bands))
    assert np.array_equal(matched.sum(-1), bands.sum(-1))
    assert not np.any(matched & ~allowed)
    assert run_lengths(bands)[..., 2:].sum() > 100  # the test has runs of two or more to match
    scattered = random_masks(bands.sum(-1), 32, 1, allowed=allowed)
    assert run_lengths(scattered)[..., 2:].sum() < run_lengths(bands)[..., 2:].sum()  # scattering breaks runs
    full = band_masks(maps, 10, 1000)
    assert np.array_equal(run_lengths(matched_masks(full, rng=2)), run_lengths(full))


def test_matched_masks_are_uniform_over_placements():
    """Runs of lengths 2 and 1 in a region of 6 segments (segments 2-7): every non-touching placement equally often."""
    allowed = np.zeros((1, 10), bool)
    allowed[0, 2:8] = True
    band = np.zeros((20000, 10), bool)
    band[:, [2, 3, 6]] = True  # a run of 2 and a run of 1
    masks = matched_masks(band, rng=3, allowed=np.repeat(allowed, 20000, 0))
    # placements by hand: the run of 2 at a, the single at b, within 2..7, at least one segment apart
    expected = set()
    for a in range(2, 7):
        for b in range(2, 8):
            if b < a - 1 or b > a + 2:
                expected.add(frozenset({a, a + 1, b}))
    seen = [frozenset(np.flatnonzero(m).tolist()) for m in masks]
    counts = {p: seen.count(p) for p in expected}
    assert set(seen) == expected and len(expected) == 12
    p = 1 / len(expected)
    tolerance = 5 * np.sqrt(p * (1 - p) / len(masks))
    assert all(abs(c / len(masks) - p) < tolerance for c in counts.values())


def test_matched_masks_errors():
    band = np.zeros((2, 8), bool)
    band[0, 1] = True
    gap = np.ones((2, 8), bool)
    gap[:, 4] = False
    with pytest.raises(ValueError, match="one run of adjacent segments"):
        matched_masks(band, allowed=gap)
    inside = np.zeros((2, 8), bool)
    inside[:, 4:] = True
    with pytest.raises(ValueError, match="inside the allowed segments"):
        matched_masks(band, allowed=inside)
    with pytest.raises(ValueError, match="allowed must have shape"):
        matched_masks(band, allowed=inside[:1])


# --- fills -------------------------------------------------------------------------------------------------------


def _walks(n, L, sd, rng):
    """Random walks with Gaussian steps of standard deviation sd[c] in coordinate c: (n, C, L)."""
    return np.cumsum(rng.standard_normal((n, len(sd), L)) * np.asarray(sd)[None, :, None], axis=2)


@pytest.mark.parametrize("fill", ["noisy", "resample"])
def test_statistics_keeping_fills_keep_the_step_variance(fill):
    """On random walks, the steps of the filled stretches have the walk's step variance, per coordinate.

    Inside a stretch of g steps pinned to its kept ends the bridge's steps are Delta/g + (e - mean e), whose
    mean square is E[Delta^2]/g^2 + sigma^2 (1 - 1/g) = sigma^2 for a random walk; a free end keeps sigma^2 too.
    Each squared Gaussian step has variance 2 sigma^4, so the mean of N of them lies within 5 sqrt(2/N)
    sigma^2 of sigma^2 (the bridge's weak correlations and the heavier resampled tails get a factor 1.5).
    The straight line (interpolate) fails the same test: its steps have mean square sigma^2 / g.
    """
    rng = np.random.default_rng(11)
    n, L, sd = 400, 1000, np.array([1.0, 3.0])
    X = _walks(n, L, sd, rng).astype(np.float32)
    masks = rng.random((n, 32)) < 0.15
    out = erase(X, masks, fill=fill, rng=12)
    filled = masks[:, segment_of_position(32, L)]
    filled_steps = filled | np.roll(filled, 1, axis=1)  # the step into t touches a filled position
    filled_steps[:, 0] = False
    steps = np.diff(out.astype(np.float64), axis=2, prepend=out[:, :, :1])
    N = int(filled_steps.sum())
    assert N > 30_000
    for c in range(2):
        mean_square = np.mean(steps[:, c][filled_steps] ** 2)
        assert abs(mean_square / sd[c] ** 2 - 1) < 1.5 * 5 * np.sqrt(2 / N), (fill, c, mean_square)
    kept = np.repeat(~filled[:, None, :], 2, axis=1)
    assert np.array_equal(out[kept], X[kept])  # kept positions as they were
    line = erase(X, masks, fill="interpolate")
    line_steps = np.diff(line.astype(np.float64), axis=2, prepend=line[:, :, :1])
    assert np.mean(line_steps[:, 0][filled_steps] ** 2) < 0.5 * sd[0] ** 2  # the line loses most of the variance


def test_statistics_keeping_fills_leave_the_padding_alone():
    """Left-padded trajectories: steps are drawn and added only inside the observed part."""
    rng = np.random.default_rng(13)
    n, L = 50, 1000
    lengths = rng.integers(300, 700, n)
    X = _walks(n, L, [1.0, 1.0], rng)
    pad = np.arange(L)[None, :] < (L - lengths)[:, None]
    X = np.where(pad[:, None, :], X[np.arange(n), :, L - lengths][:, :, None], X).astype(np.float32)  # constant
    masks = np.zeros((n, 32), bool)
    masks[:, :3] = True  # padding (positions 0-93) is always erased
    masks[:, 28] = True  # and one observed segment
    for fill in ("noisy", "resample"):
        out = erase(X, masks, fill=fill, lengths=lengths, rng=0)
        assert np.allclose(out[pad[:, None, :].repeat(2, 1)], X[pad[:, None, :].repeat(2, 1)], atol=1e-6)
        seg28 = segment_of_position(32, L) == 28
        assert not np.allclose(out[:, :, seg28], erase(X, masks, fill="interpolate")[:, :, seg28])  # noise there


def test_cut_deletes_the_erased_steps_and_closes_the_trajectory():
    """By hand: 8 positions, 4 segments of 2; the trajectory's steps are 1, 2, ..., deleting segment 1's steps."""
    L = 8
    x = np.zeros(L)
    x[2:] = np.cumsum([1.0, 2, 3, 4, 5, 6])  # padding 0, 0; then 0 at t=2... steps into t=3..7 are 2..6
    x[2] = 0.0
    x[3:] = np.cumsum([2.0, 3, 4, 5, 6])
    X = np.stack([x, -x])[None].astype(np.float32)  # (1, 2, 8), lengths 6: positions 2..7 observed
    mask = np.array([[False, False, True, False]])  # segment 2 = positions 4, 5: steps 3 and 4 deleted
    out = erase(X, mask, fill="cut", lengths=[6])
    kept = np.cumsum([0.0, 0, 0, 0, 0, 2, 5, 6])  # right-aligned: steps 2, 5, 6 after the start
    expected = (kept - kept.min()) / (kept.max() - kept.min())
    assert np.allclose(out[0, 0], expected) and np.allclose(out[0, 1], 1 - expected)
    assert np.allclose(erase(X, np.zeros((1, 4), bool), fill="cut", lengths=[6])[0, 0], x / x.max())  # nothing cut
    padding = np.array([[True, False, False, False]])  # the padding: nothing of the trajectory is deleted
    assert np.allclose(erase(X, padding, fill="cut", lengths=[6]), erase(X, mask & False, fill="cut", lengths=[6]))


def test_cut_and_noisy_keep_a_real_trajectory_when_nothing_is_erased():
    from resandi_lite import make_dataset

    data = make_dataset(3, length="varying", seed=5)
    nothing = np.zeros((len(data), 32), bool)
    for fill in ("cut", "noisy", "resample"):
        assert np.allclose(erase(data.X, nothing, fill=fill, lengths=data.lengths, rng=0), data.X, atol=1e-6)
    with pytest.raises(ValueError, match="lengths must hold one trajectory length"):
        erase(data.X, nothing, fill="cut", lengths=[1000])


# --- experiments with controls, curves and verdicts ----------------------------------------------------------------


def test_matched_control_in_the_experiment():
    rng = np.random.default_rng(8)
    n = 300
    X = rng.random((n, 2, 1000)).astype(np.float32) * 0.2
    y = rng.integers(0, 2, n)
    X[y == 1, 0, 961:992] += 0.9
    maps = np.cumsum(rng.standard_normal((n, 32)), axis=1)
    plain = erasure_experiment(LooksAtTheEnd(), X, y, maps=maps, rng=1)
    both = erasure_experiment(LooksAtTheEnd(), X, y, maps=maps, rng=1, matched=True)
    assert np.array_equal(plain["random_predictions"], both["random_predictions"])  # drawn first, unchanged
    assert both["matched_predictions"].shape == (10, n)
    assert np.array_equal(both["matched_accuracy"], (both["matched_predictions"] == y).mean(1))
    from resandi_lite.erasure import compare_with_random

    c = compare_with_random(both, y, control="matched")
    assert c["control"] == "matched" and c["level"] == pytest.approx(0.995)  # ten bands: Bonferroni
    assert np.allclose(c["difference"], 100 * (both["matched_accuracy"] - both["accuracy"]))
    assert np.all(c["low"] <= c["difference"]) and np.all(c["difference"] <= c["high"])
    with pytest.raises(ValueError, match="matched=True"):
        compare_with_random(plain, y, control="matched")
    with pytest.raises(TypeError, match="matched must be True or False"):
        erasure_experiment(LooksAtTheEnd(), X, y, maps=maps, matched="yes")


def test_bootstrap_intervals_of_the_paired_comparison_cover_like_the_standard_error():
    """A paired difference of 5 points with 20% discordant pairs: the family interval (99.5%) is about
    +-2.81 paired standard errors wide, the standard error is std(d)/sqrt(n)."""
    from resandi_lite.erasure import compare_with_random

    rng = np.random.default_rng(9)
    n = 4000
    y = np.zeros(n, int)
    u = rng.random(n)
    band = np.where(u < 0.125, 0, 1)  # right 12.5%
    random = np.where((u < 0.125) | (u > 0.925), 0, 1)  # right 20%: 7.5% more (minus none)
    result = {"predictions": band[None], "random_predictions": random[None]}
    c = compare_with_random(result, y, level=0.995, n_boot=20_000)
    half = (c["high"] - c["low"]) / 2  # the bootstrap's tails at 0.25% from 50 resamples each: within 10%
    assert half[0] == pytest.approx(2.807 * c["stderr"][0], rel=0.1)
    assert c["difference"][0] == pytest.approx(7.5, abs=5 * c["stderr"][0])
    assert compare_with_random(
        {"predictions": np.stack([band] * 10), "random_predictions": np.stack([random] * 10)}, y, n_boot=100
    )["level"] == pytest.approx(0.995)  # ten bands: a family


def test_erasure_curve_most_and_least_relevant_first():
    rng = np.random.default_rng(10)
    n = 200
    X = rng.random((n, 2, 1000)).astype(np.float32) * 0.2
    y = rng.integers(0, 2, n)
    X[y == 1, 0, 961:992] += 0.9
    maps = rng.random((n, 32)) * 0.1
    maps[:, 31] = 1.0  # the evidence is ranked first
    lengths = rng.integers(100, 1001, n)
    curve = erasure_curve(LooksAtTheEnd(), X, y, maps=maps, fractions=(0.1, 0.5), rng=0)
    assert curve["fractions"] == [0.1, 0.5] and set(curve["predictions"]) == {"morf", "lerf", "random"}
    assert np.allclose(curve["segments_erased"], [3, 16])  # round(0.1 * 32), round(0.5 * 32)
    assert curve["accuracy"]["morf"][0] == pytest.approx(np.mean(y == 0))  # segment 31 goes first
    assert np.all(curve["accuracy"]["lerf"] == 1.0)  # segment 31 is last: never erased up to a half
    assert curve["clean_accuracy"] == 1.0
    observed = erasure_curve(
        LooksAtTheEnd(), X, y, maps=maps, fractions=(0.25,), within="observed", lengths=lengths, orders=("lerf",)
    )
    expected = np.rint(0.25 * observed_segments(lengths).sum(1)).mean()
    assert observed["segments_erased"][0] == pytest.approx(expected) and list(observed["predictions"]) == ["lerf"]
    with pytest.raises(ValueError, match="fractions must be"):
        erasure_curve(LooksAtTheEnd(), X, y, maps=maps, fractions=(0.0,))
    with pytest.raises(ValueError, match="orders must be"):
        erasure_curve(LooksAtTheEnd(), X, y, maps=maps, orders=("top",))


def test_erasure_verdicts_rows_families_and_json():
    """A tiny run of the powered measurement: JSON-ready, one verdict per claim, Bonferroni level per family."""
    import json

    from resandi_lite.erasure import PAPER_CLAIMS, erasure_verdicts
    from resandi_lite.verdict import VERDICTS, family_level

    out = erasure_verdicts(
        2,
        seed=1,
        fills=("zero", "noisy"),
        fractions=(0.25,),
        network_1000="lite-T1000",
        fills_1000=("interpolate",),
        bands_1000="ends",
        n_boot=200,
    )
    json.dumps(out)  # JSON-ready
    assert out["sizes"]["n"] == 16 and out["sizes"]["n_1000"] == 16 and out["seconds"] > 0
    rows = out["rows"]
    families = {}
    for row in rows:
        families[row["family"]] = families.get(row["family"], 0) + 1
        assert row["verdict"] in VERDICTS and row["low"] <= row["estimate"] <= row["high"] or row["low"] == row["high"]
        assert row["m"] == out["families"][row["family"]]
        assert row["level"] == pytest.approx(family_level(row["m"]))
        assert ("n_needed" in row) == (row["verdict"] == "open")
    assert families == out["families"]
    # varying: paper's definition (top, bottom, direction) + 2 fills x (2 controls x 2 + direction) + 2 curves
    assert families["varying"] == 3 + 2 * 5 + 2 and families["T1000"] == 5
    assert families["bands: varying, zero, input, scattered"] == 10
    top = next(r for r in rows if r["claim_id"] == "top" and r["within"] == "input")
    setting = out["settings"]["varying, zero, input"]
    assert top["estimate"] == pytest.approx(100 * (setting["scattered_accuracy"][-1] - setting["accuracy"][-1]))
    assert top["paper"] == PAPER_CLAIMS["top"] == pytest.approx(3.4)
    assert np.sum(out["confusion"]["varying, zero, input"]["top band"]) == 16
    assert np.sum(out["curves"]["noisy"]["confusion"]["morf"]) == 16 and out["curves"]["noisy"]["clean_accuracy"] <= 1
    with pytest.raises(TypeError, match="unknown options"):
        erasure_verdicts(2, fill="zero")


def test_powered_verdicts_reads_the_erasure_part(tmp_path):
    import json

    from resandi_lite.erasure import powered_verdicts

    assert powered_verdicts(tmp_path / "missing.json") is None
    part = {"rows": [{"claim": "x"}], "sizes": {}, "seconds": 1.0}
    (tmp_path / "v.json").write_text(json.dumps({"erasure": part, "sanity": {"rows": []}}))
    assert powered_verdicts(tmp_path / "v.json") == part
