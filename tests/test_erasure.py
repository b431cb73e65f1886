"""Erasure: band masks, random masks and erasing checked by hand; the experiment on a network built to look at one segment."""

import numpy as np
import pytest
import torch
from torch import nn

from resandi_lite.erasure import (band_masks, erase, erasure_experiment, observed_segments, padding_segments,
                                  random_masks, segment_of_position)


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
    positions_padded = (np.arange(1000)[None, :] < (1000 - lengths)[:, None])
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
    with pytest.raises(ValueError, match="fill must be one of 'zero', 'interpolate', got 'mean'"):
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
    result = erasure_experiment(LooksAtTheEnd(), X, y, maps=maps, rng=1, within="observed", lengths=lengths,
                                inclusive=True)
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
