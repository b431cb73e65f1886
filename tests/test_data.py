"""Datasets: contents, seeds, files, streaming, the split writer and the command line."""

import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

import resandi_lite as rl
from resandi_lite import ALPHA_RANGE, CLASSES, SimulatedTrajectories, load, make_dataset, write_split
from resandi_lite.reference import preprocess_one


@pytest.fixture(scope="module")
def small():
    return make_dataset(40, length="varying", noise=[0.0, 0.5], seed=7)


def test_contents(small):
    n = 40 * 8
    assert small.X.shape == (n, 2, 1000) and small.X.dtype == np.float32
    assert small.y.dtype == np.int64 and np.bincount(small.y).tolist() == [40] * 8
    assert small.lengths.dtype == np.int64 and small.lengths.min() >= 10 and small.lengths.max() <= 1000
    assert set(np.unique(small.noise)) == {0.0, 0.5}
    for label, name in enumerate(CLASSES):
        low, high = ALPHA_RANGE[name]
        a = small.alpha[small.y == label]
        assert np.all((a >= low) & (a <= high))
    assert np.all(small.X.min(axis=-1) == 0) and np.allclose(small.X.max(axis=-1), 1)
    # each row holds its trajectory in the last `length` slots, the scaled zero padding before
    for i in range(0, n, 37):
        pad = 1000 - small.lengths[i]
        if small.noise[i] == 0:
            assert np.all(small.X[i, :, : pad + 1] == small.X[i, :, pad:pad + 1])
    assert not np.all(small.y[:-1] <= small.y[1:])  # shuffled
    assert len(small) == n
    x, y = small[3]
    assert isinstance(x, torch.Tensor) and x.shape == (2, 1000) and y == small.y[3]


def test_fixed_length_and_noise_free():
    ds = make_dataset(10, length=1000, seed=1)
    assert np.all(ds.lengths == 1000) and np.all(ds.noise == 0)
    assert ds.params == {"n_per_class": 10, "length": 1000, "noise": [0.0], "seed": 1, "classes": list(CLASSES)}


def test_rows_are_the_paper_preprocessing_of_the_simulated_trajectories():
    """Rebuild a class's rows from its seed streams: raw trajectories, then the per-trajectory reference."""
    from resandi_lite.data import _class_rng, _generator, _simulate_class
    from resandi_lite.simulate.classes import simulate_increments

    ds = make_dataset(30, length=200, seed=3, classes=["SubFBM"], chunk=30)
    alpha, lengths, _ = _simulate_class(2, 30, 200, np.zeros(1), _class_rng(3, (2,)))
    rng = _generator(np.random.SeedSequence(3, spawn_key=(2, 0)))  # the first chunk's stream
    steps, _ = simulate_increments(2, alpha, lengths, rng, width=999)
    for a, step in zip(alpha, steps):
        raw = np.concatenate([np.zeros((2, 1)), np.cumsum(step[:, -199:], axis=1)], axis=1)  # (2, 200)
        (row,) = np.flatnonzero(ds.alpha == a)
        np.testing.assert_allclose(ds.X[row], preprocess_one(raw), atol=2e-6)


def test_seeds(small):
    again = make_dataset(40, length="varying", noise=[0.0, 0.5], seed=7)
    assert np.array_equal(small.X, again.X) and np.array_equal(small.y, again.y)
    other = make_dataset(40, length="varying", noise=[0.0, 0.5], seed=8)
    assert not np.array_equal(small.X, other.X)
    fresh = make_dataset(2, seed=None)
    remade = make_dataset(2, seed=fresh.params["seed"])  # seed=None still records the entropy
    assert np.array_equal(fresh.X, remade.X)


def test_class_subset_gives_the_same_trajectories(small):
    sub = make_dataset(40, length="varying", noise=[0.0, 0.5], seed=7, classes=["SupLW", "BM"])
    for label in (5, 7):
        a, b = small.X[small.y == label], sub.X[sub.y == label]
        key = np.random.default_rng(0).standard_normal(2000)  # order rows by a random projection:
        a, b = (x[np.argsort(x.reshape(len(x), -1) @ key)] for x in (a, b))  # the shuffle differs
        assert np.array_equal(a, b)


def test_parallel_jobs_give_identical_results():
    a = make_dataset(300, seed=2, chunk=128)
    b = make_dataset(300, seed=2, chunk=128, n_jobs=2)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.alpha, b.alpha)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_per_class": 0}, r"n_per_class must be >= 1, got 0"),
        ({"n_per_class": 2.5}, r"n_per_class must be an integer"),
        ({"n_per_class": 2, "length": "short"}, r"length must be 'varying' or an integer"),
        ({"n_per_class": 2, "length": 2000}, r"length must be <= 1000"),
        ({"n_per_class": 2, "noise": -0.1}, r"noise must hold finite values >= 0"),
        ({"n_per_class": 2, "classes": ["SubFBM", "Foo"]}, r"unknown class 'Foo'"),
        ({"n_per_class": 2, "classes": ["BM", "BM"]}, r"must not repeat"),
    ],
)
def test_make_dataset_errors(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make_dataset(**kwargs)


def test_save_load_round_trip(small, tmp_path):
    path = small.save(tmp_path / "set")
    assert path.name == "set.npz"
    back = load(path)
    for name in ("X", "y", "alpha", "lengths", "noise"):
        assert np.array_equal(getattr(back, name), getattr(small, name))
    assert back.params["seed"] == 7 and back.params["noise"] == [0.0, 0.5]
    assert [p.name for p in tmp_path.iterdir()] == ["set.npz"]  # no temporary files left


def test_interrupted_save_leaves_no_file(small, tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(KeyboardInterrupt):
        small.save(tmp_path / "set.npz")
    assert list(tmp_path.iterdir()) == []


def test_corrupt_files_raise_clear_errors(small, tmp_path):
    path = small.save(tmp_path / "good.npz")
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ValueError, match="not a readable dataset file"):
        load(truncated)
    other = tmp_path / "other.npz"
    np.savez(other, a=np.zeros(3))
    with pytest.raises(ValueError, match="not a resandi-lite dataset: missing X"):
        load(other)
    text = tmp_path / "text.npz"
    text.write_text("hello")
    with pytest.raises(ValueError, match="not a readable dataset file"):
        load(text)
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.npz")
    assert zipfile.is_zipfile(path)


def test_stream_is_balanced_seeded_and_new_each_epoch():
    stream = SimulatedTrajectories(n_per_class=6, length=100, seed=0, block=4)
    first = list(stream)
    assert len(first) == len(stream) == 48
    assert np.bincount([y for _, y in first]).tolist() == [6] * 8
    assert all(x.shape == (2, 1000) and x.dtype == torch.float32 for x, _ in first)
    assert all(torch.equal(a[0], b[0]) for a, b in zip(first, list(stream)))  # same epoch, same data
    stream.set_epoch(1)
    assert not torch.equal(first[0][0], next(iter(stream))[0])


def test_stream_with_workers_splits_the_epoch():
    stream = SimulatedTrajectories(n_per_class=10, length="varying", seed=1, block=3)
    loader = DataLoader(stream, batch_size=16, num_workers=2)
    xs, ys = zip(*[(x, y) for x, y in loader])
    X, y = torch.cat(xs), torch.cat(ys)
    assert X.shape == (80, 2, 1000)
    assert len({tuple(row.flatten().tolist()) for row in X}) == 80  # workers draw different data


def test_endless_stream():
    stream = SimulatedTrajectories(seed=0, length=50)
    it = iter(stream)
    assert len([next(it) for _ in range(100)]) == 100
    with pytest.raises(TypeError, match="endless"):
        len(stream)


def test_write_split_and_resume(tmp_path):
    files = {"train": 2, "test": 1}
    paths = write_split(tmp_path, n_per_class=5, files=files, length=60, seed=4, progress=False)
    assert [p.name for p in paths] == ["train_0.npz", "train_1.npz", "test_0.npz"]
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert set(manifest["files"]) == {"train_0.npz", "train_1.npz", "test_0.npz"}
    sets = [load(p) for p in paths]
    assert all(len(s) == 40 for s in sets)
    assert not np.array_equal(sets[0].X, sets[1].X)
    kept = paths[0].stat().st_mtime_ns
    paths[1].unlink()
    paths[2].write_bytes(b"half a file")  # an interrupted run
    write_split(tmp_path, n_per_class=5, files=files, length=60, seed=4, progress=False)
    assert paths[0].stat().st_mtime_ns == kept  # complete files are kept
    assert np.array_equal(load(paths[1]).X, sets[1].X) and np.array_equal(load(paths[2]).X, sets[2].X)


def test_cli_simulate(tmp_path):
    out = tmp_path / "train.npz"
    cmd = [sys.executable, "-m", "resandi_lite", "simulate", "--n-per-class", "5", "--length", "80",
           "--noise", "0.1,0.2", "--seed", "3", "--out", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert "wrote" in done.stdout and "simulating" in done.stderr  # the progress bar
    ds = load(out)
    assert np.array_equal(ds.X, make_dataset(5, 80, [0.1, 0.2], 3).X)
    bad = subprocess.run(cmd[:-2] + ["--length", "5", "--out", str(out)], capture_output=True, text=True)
    assert bad.returncode == 2 and "must be 'varying' or an integer in [10, 1000], got 5" in bad.stderr


def test_public_names():
    for name in rl.__all__:
        assert hasattr(rl, name)
    assert rl.CLASSES[0] == "SubATTM"
