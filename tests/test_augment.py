"""Augmentation: undoing the scaling, rotations, noise copies, Grad-CAM selection and the whole protocol."""

import json

import numpy as np
import pytest
import torch

from resandi_lite import make_dataset
from resandi_lite.augment import (augmentation_experiment, augmented, concatenate, noise_robustness, noisy_copies,
                                  positions, rotated_copies, select_by_score, select_random)
from resandi_lite.model import build_model
from resandi_lite.train import TrainConfig


@pytest.fixture(scope="module")
def ds():
    return make_dataset(30, length="varying", seed=3)


def test_positions_undo_the_scaling(ds):
    P = positions(ds)
    for i in range(0, len(ds), 17):
        pad = 1000 - ds.lengths[i]
        assert np.allclose(P[i, :, : pad + 1], 0, atol=1e-5 * np.abs(P[i]).max())  # padding and start at the origin
        steps = np.diff(P[i, :, pad:], axis=1)
        assert np.allclose(steps.std(axis=1), 1, rtol=1e-3)  # in units of the step std


def test_rotations_keep_step_lengths_and_the_origin(ds):
    index = np.arange(0, len(ds), 3)
    rot = rotated_copies(ds, index, rng=0)
    assert len(rot) == index.size and np.array_equal(rot.y, ds.y[index])
    P, Q = positions(ds)[index], positions(rot)
    assert np.allclose(np.hypot(*np.diff(P, axis=-1).transpose(1, 0, 2)),
                       np.hypot(*np.diff(Q, axis=-1).transpose(1, 0, 2)), atol=1e-3)
    assert rot.X.min() == 0 and np.allclose(rot.X.max(axis=-1), 1)
    # the angle between the end-to-end vectors is uniform in [0, 2 pi): a quarter falls in each quadrant
    big = make_dataset(200, length=100, seed=4, classes=["SupLW"])
    r = rotated_copies(big, np.arange(200), rng=1)
    a, b = positions(big)[:, :, -1], positions(r)[:, :, -1]
    angle = np.mod(np.arctan2(b[:, 1], b[:, 0]) - np.arctan2(a[:, 1], a[:, 0]), 2 * np.pi)
    counts = np.histogram(angle, bins=4, range=(0, 2 * np.pi))[0]
    assert np.all(np.abs(counts - 50) < 5 * np.sqrt(200 * 0.25 * 0.75))


def test_noisy_copies_add_noise_only_inside(ds):
    index = np.arange(len(ds))
    copy = noisy_copies(ds, index, 0.5, rng=2)
    extra = positions(copy) - positions(ds)
    inside = np.arange(1000)[None, :] >= (1000 - ds.lengths)[:, None]
    assert np.allclose(extra[~np.broadcast_to(inside[:, None], extra.shape)], 0, atol=1e-3)
    values = extra[np.broadcast_to(inside[:, None], extra.shape)]
    assert abs(values.std() - 0.5) < 5 * 0.5 / np.sqrt(2 * values.size) + 2e-3
    assert np.allclose(copy.noise, 0.5)
    with pytest.raises(ValueError, match="sigma must be finite and >= 0"):
        noisy_copies(ds, index, -1)


def test_selection(ds):
    scores = np.random.default_rng(0).random(len(ds))
    top = select_by_score(scores, ds.y, 0.6)
    assert np.bincount(ds.y[top]).tolist() == [18] * 8
    for label in range(8):
        members = np.flatnonzero(ds.y == label)
        chosen = np.intersect1d(members, top)
        rest = np.setdiff1d(members, top)
        assert scores[chosen].min() >= scores[rest].max()
    rand = select_random(ds.y, 0.6, rng=1)
    assert np.bincount(ds.y[rand]).tolist() == [18] * 8 and not np.array_equal(rand, top)
    with pytest.raises(ValueError, match=r"fraction must be in \(0, 1\]"):
        select_by_score(scores, ds.y, 1.5)
    both = augmented(ds, top, rng=3)
    assert len(both) == len(ds) + top.size and np.array_equal(both.X[: len(ds)], ds.X)
    assert len(concatenate(ds, ds)) == 2 * len(ds)
    with pytest.raises(ValueError, match="mode must be 'rotate' or 'noise'"):
        augmented(ds, top, mode="flip")


def test_noise_robustness_table():
    torch.manual_seed(0)
    nets = [build_model("lite").eval(), build_model("lite").eval()]
    out = noise_robustness({"a": nets, "b": nets[:1]}, 5, length=100, sigmas=[0.0, 1.0])
    assert out["a"]["accuracy"].shape == (2, 2) and np.allclose(out["b"]["stderr"], 0)
    assert np.allclose(out["a"]["mean"], out["a"]["accuracy"].mean(0))


def test_protocol_runs_end_to_end_and_resumes(tmp_path):
    train = make_dataset(8, length=100, seed=5)
    val = make_dataset(2, length=100, seed=6)
    base = build_model("lite").eval()
    config = TrainConfig(preset="lite", length=100, max_epochs=1, val_per_class=2, lr=1e-3)
    kwargs = dict(seeds=(0, 1), config=config, val=val, test_per_class=4, sigmas=[0.0, 0.5], progress=False)
    result = augmentation_experiment(base, train, tmp_path, **kwargs)
    assert result["targeted"]["accuracy"].shape == (2, 2)
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == [
        "random-seed0", "random-seed1", "targeted-seed0", "targeted-seed1"]
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["sigmas"] == [0.0, 0.5]
    stamp = (tmp_path / "random-seed0" / "checkpoint.pt").stat().st_mtime_ns
    again = augmentation_experiment(base, train, tmp_path, **kwargs)  # finished runs are kept
    assert (tmp_path / "random-seed0" / "checkpoint.pt").stat().st_mtime_ns == stamp
    assert np.allclose(again["random"]["accuracy"], result["random"]["accuracy"])
