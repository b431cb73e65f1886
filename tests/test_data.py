"""Datasets: contents, seeds, files, streaming, the split writer and the command line."""

import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.utils.data import DataLoader

import resandi_lite as rl
from resandi_lite import ALPHA_RANGE, CLASSES, SimulatedTrajectories, load_dataset, make_dataset, write_split
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
            assert np.all(small.X[i, :, : pad + 1] == small.X[i, :, pad : pad + 1])
    assert not np.all(small.y[:-1] <= small.y[1:])  # shuffled
    assert len(small) == n
    x, y = small[3]
    assert isinstance(x, torch.Tensor) and x.shape == (2, 1000) and y == small.y[3]


def test_fixed_length_and_noise_free():
    ds = make_dataset(10, length=1000, seed=1)
    assert np.all(ds.lengths == 1000) and np.all(ds.noise == 0)
    assert ds.params == {
        "n_per_class": 10,
        "length": 1000,
        "noise": [0.0],
        "seed": 1,
        "classes": list(CLASSES),
        "chunk": 2048,
    }


def test_rows_are_the_paper_preprocessing_of_the_simulated_trajectories():
    """Rebuild a class's rows from its seed streams: raw trajectories, then the per-trajectory reference."""
    from resandi_lite.data.simulation import _class_rng, _generator, _simulate_class
    from resandi_lite.simulate.classes import simulate_increments

    ds = make_dataset(30, length=200, seed=3, classes=["SubFBM"], chunk=30)
    alpha, lengths, _ = _simulate_class(2, 30, 200, np.zeros(1), _class_rng(3, (2,)))
    rng = _generator(np.random.SeedSequence(3, spawn_key=(2, 0)))  # the first chunk's stream
    steps, _ = simulate_increments(2, alpha, lengths, rng=rng, width=999)
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
    back = load_dataset(path)
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
        load_dataset(truncated)
    other = tmp_path / "other.npz"
    np.savez(other, a=np.zeros(3))
    with pytest.raises(ValueError, match="not a resandi-lite dataset: missing X"):
        load_dataset(other)
    text = tmp_path / "text.npz"
    text.write_text("hello")
    with pytest.raises(ValueError, match="not a readable dataset file"):
        load_dataset(text)
    with pytest.raises(FileNotFoundError):
        load_dataset(tmp_path / "missing.npz")
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
    assert X.shape == (80, 2, 1000) and y.shape == (80,)
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
    sets = [load_dataset(p) for p in paths]
    assert all(len(s) == 40 for s in sets)
    assert not np.array_equal(sets[0].X, sets[1].X)
    kept = paths[0].stat().st_mtime_ns
    paths[1].unlink()
    paths[2].write_bytes(b"half a file")  # an interrupted run
    write_split(tmp_path, n_per_class=5, files=files, length=60, seed=4, progress=False)
    assert paths[0].stat().st_mtime_ns == kept  # complete files are kept
    assert np.array_equal(load_dataset(paths[1]).X, sets[1].X) and np.array_equal(load_dataset(paths[2]).X, sets[2].X)


def test_cli_simulate(tmp_path):
    out = tmp_path / "train.npz"
    cmd = [
        sys.executable,
        "-m",
        "resandi_lite",
        "simulate",
        "--n-per-class",
        "5",
        "--length",
        "80",
        "--noise",
        "0.1,0.2",
        "--seed",
        "3",
        "--out",
        str(out),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert "wrote" in done.stdout and "simulating" in done.stderr  # the progress bar
    ds = load_dataset(out)
    assert np.array_equal(ds.X, make_dataset(5, 80, [0.1, 0.2], 3).X)
    bad = subprocess.run(cmd[:-2] + ["--length", "5", "--out", str(out)], capture_output=True, text=True)
    assert bad.returncode == 2 and "must be 'varying' or an integer in [10, 1000], got 5" in bad.stderr


def test_public_names():
    for name in rl.__all__:
        assert hasattr(rl, name)
    assert rl.CLASSES[0] == "SubATTM"


# --- issue 14: nothing lost, nothing mixed, every mistake answered clearly -------------------------------------


def test_load_dataset_reads_what_save_wrote(small, tmp_path):
    path = small.save(tmp_path / "set.npz")
    assert rl.load_dataset is load_dataset and "load_dataset" in rl.__all__ and "load" not in rl.__all__
    back = rl.load_dataset(path)
    assert np.array_equal(back.X, small.X)


def _arrays(ds):
    return {k: np.array(getattr(ds, k)) for k in ("X", "y", "alpha", "lengths", "noise", "minmax")}


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("y", 8, r"y must hold class labels in 0..7, got 0..8"),
        ("y", -1, r"y must hold class labels in 0..7"),
        ("X", np.nan, r"X must be finite, got 1 NaN"),
        ("X", np.inf, r"X must be finite"),
        ("alpha", 5.0, r"alpha\[3\] = 5.0 lies outside"),
        ("alpha", np.nan, r"alpha\[3\] = nan lies outside"),
        ("lengths", 5, r"lengths must lie in \[10, 1000\]"),
        ("lengths", 1001, r"lengths must lie in \[10, 1000\]"),
        ("noise", -0.5, r"noise must hold finite values >= 0"),
        ("noise", np.nan, r"noise must hold finite values >= 0"),
        ("minmax", np.inf, r"minmax must be a finite array"),
    ],
)
def test_load_refuses_bad_values(small, tmp_path, key, value, message):
    """rl.load_dataset (then rl.load) accepted labels outside the classes and an all-NaN X; now every array is checked."""
    arrays = _arrays(small)
    arrays[key].reshape(len(small), -1)[3, 0] = value
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays, params=np.array(json.dumps(small.params)))
    with pytest.raises(ValueError, match=message):
        load_dataset(path)
    with pytest.raises(ValueError, match=message):
        rl.TrajectoryDataset(**arrays)


def test_load_refuses_all_nan_and_wrong_kinds(small, tmp_path):
    arrays = _arrays(small)
    arrays["X"][:] = np.nan
    path = tmp_path / "nan.npz"
    np.savez(path, **arrays, params=np.array("{}"))
    with pytest.raises(ValueError, match="X must be finite"):
        load_dataset(path)
    arrays = _arrays(small)
    arrays["y"] = arrays["y"].astype(np.float64)
    np.savez(path, **arrays, params=np.array("{}"))
    with pytest.raises(ValueError, match="y must be an integer array, got dtype float64"):
        load_dataset(path)
    np.savez(path, **_arrays(small), params=np.array("[1, 2]"))
    with pytest.raises(ValueError, match="params must be a JSON object"):
        load_dataset(path)
    with pytest.raises(ValueError, match="is a folder"):
        load_dataset(tmp_path)
    with pytest.raises(TypeError, match="path must be a str or path-like"):
        load_dataset(3)


def test_chunk_is_recorded_because_it_changes_the_data(tmp_path):
    a, b = make_dataset(20, length=30, seed=5, chunk=20), make_dataset(20, length=30, seed=5, chunk=7)
    assert not np.array_equal(a.X, b.X)  # the chunks have their own random streams
    assert a.params["chunk"] == 20 and b.params["chunk"] == 7
    assert load_dataset(b.save(tmp_path / "b.npz")).params["chunk"] == 7


def test_one_job_starts_no_process_pool(monkeypatch):
    import concurrent.futures

    def refuse(*args, **kwargs):
        raise AssertionError("a process pool was started for n_jobs=1")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", refuse)
    assert len(make_dataset(2, length=20, seed=0, n_jobs=1)) == 16


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"seed": -1}, ValueError, r"seed must be None or an integer >= 0, got -1"),
        ({"seed": 1.5}, TypeError, r"seed must be None or an integer >= 0"),
        ({"seed": "a"}, TypeError, r"seed must be None or an integer >= 0"),
        ({"classes": None}, TypeError, r"classes must be a sequence"),
        ({"n_jobs": -2}, ValueError, r"n_jobs must be >= 1 or -1"),
        ({"chunk": 0}, ValueError, r"chunk must be >= 1"),
        ({"progress": "yes"}, TypeError, r"progress must be True or False"),
        ({"noise": np.nan}, ValueError, r"noise must hold finite values"),
    ],
)
def test_make_dataset_more_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        make_dataset(2, length=20, **kwargs)


def test_split_refuses_other_parameters_before_writing(tmp_path):
    """split kept stale files ("complete, kept") when rerun with other parameters."""
    files = {"train": 1, "test": 1}
    paths = write_split(tmp_path, 2, files, length=20, seed=1, progress=False)
    stamps = [p.stat().st_mtime_ns for p in paths]
    manifest = (tmp_path / "manifest.json").read_text()
    for change, what in (
        ({"n_per_class": 3}, "n_per_class=2, asked 3"),
        ({"length": 30}, "length=20, asked 30"),
        ({"noise": 0.5}, r"noise=\[0.0\], asked \[0.5\]"),
        ({"seed": 2}, "seed="),
        ({"chunk": 1}, "chunk=2048, asked 1"),
    ):
        args = {"n_per_class": 2, "length": 20, "seed": 1, **change}
        with pytest.raises(ValueError, match=what + ".*--overwrite"):
            write_split(tmp_path, files=files, progress=False, **args)
        assert [p.stat().st_mtime_ns for p in paths] == stamps  # nothing written
        assert (tmp_path / "manifest.json").read_text() == manifest
    remade = write_split(tmp_path, 3, files, length=20, seed=1, overwrite=True, progress=False)
    assert [len(load_dataset(p)) for p in remade] == [24, 24]
    assert all(load_dataset(p).params["n_per_class"] == 3 for p in remade)
    assert json.loads((tmp_path / "manifest.json").read_text())["n_per_class"] == 3


def test_split_keeps_files_of_older_versions(tmp_path):
    """Files written before the chunk was recorded (chunk 2048) still count as complete."""
    path = write_split(tmp_path, 2, {"train": 1}, length=20, seed=1, progress=False)[0]
    ds = load_dataset(path)
    del ds.params["chunk"]
    ds.save(path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    for entry in manifest["files"].values():  # as an older version wrote it: no digests
        del entry["sha256"]
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    kept = path.stat().st_mtime_ns
    write_split(tmp_path, 2, {"train": 1}, length=20, seed=1, progress=False)
    assert path.stat().st_mtime_ns == kept


@pytest.mark.parametrize(
    "files, error, message",
    [
        ({"../evil": 1}, ValueError, "plain file-name stems"),
        ({"": 1}, ValueError, "plain file-name stems"),
        ({"a/b": 1}, ValueError, "plain file-name stems"),
        ({"..": 1}, ValueError, "plain file-name stems"),
        ({"train": 0}, ValueError, r"files\['train'\] must be >= 1"),
        ({"train": 1.5}, TypeError, r"files\['train'\] must be an integer"),
        ({}, TypeError, "non-empty dict"),
        ([("train", 1)], TypeError, "non-empty dict"),
    ],
)
def test_split_files_are_checked(tmp_path, files, error, message):
    out = tmp_path / "data"
    with pytest.raises(error, match=message):
        write_split(out, 2, files, length=20, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_split_out_dir_must_be_a_folder(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="is an existing file; expected a folder"):
        write_split(tmp_path / "file", 2, {"train": 1}, length=20, progress=False)


def test_stale_part_files_are_removed_at_the_next_write(small, tmp_path):
    dead = 2**22 + 12345  # above the usual pid_max: no such process
    stale = tmp_path / f"train_0.npz.{dead}.x1y2.part"
    stale.write_bytes(b"half a file")
    alive = tmp_path / f"train_0.npz.{os.getpid()}.abcd.part"  # a write in progress in this process
    alive.write_bytes(b"being written")
    old = tmp_path / "test_0.npz.k3j4.part"  # from a version without the process id: removed once 10 min old
    old.write_bytes(b"old")
    os.utime(old, (0, 0))
    young = tmp_path / "val_0.npz.a1b2.part"
    young.write_bytes(b"young")
    other = tmp_path / "checkpoint.pt.123.part"  # not a dataset's
    other.write_bytes(b"x")
    with pytest.warns(UserWarning, match=r"removed 2 partial file\(s\) left in .* by an interrupted write"):
        small.save(tmp_path / "set.npz")
    assert not stale.exists() and not old.exists()
    assert alive.exists() and young.exists() and other.exists()


def test_save_refuses_a_folder_or_a_file_as_parent(small, tmp_path):
    (tmp_path / "d").mkdir()
    with pytest.raises(ValueError, match="is an existing folder"):
        small.save(tmp_path / "d")
    (tmp_path / "f").write_text("x")
    with pytest.raises(ValueError, match="is a file, not a folder"):
        small.save(tmp_path / "f" / "set.npz")


def test_empty_dataset_has_a_repr():
    empty = rl.TrajectoryDataset(
        np.zeros((0, 2, 1000), np.float32), np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64), np.zeros(0)
    )
    assert len(empty) == 0 and repr(empty) == "TrajectoryDataset(n=0, per class=[0, 0, 0, 0, 0, 0, 0, 0])"


def test_subset_takes_the_same_rows_of_every_array(small):
    index = np.array([5, 0, 300, 5])
    part = small.subset(index)
    for name in ("X", "y", "alpha", "lengths", "noise", "minmax"):
        np.testing.assert_array_equal(getattr(part, name), getattr(small, name)[index])
    assert not np.shares_memory(part.X, small.X)
    assert part.params == {**small.params, "subset_of": len(small)}
    mask = small.y == 3
    assert np.bincount(small.subset(mask).y, minlength=8).tolist() == [0, 0, 0, 40, 0, 0, 0, 0]
    assert len(small.subset([])) == 0


@pytest.mark.parametrize(
    "index, error, match",
    [
        ([0.5], TypeError, "integers or booleans"),
        ([320], ValueError, r"\[-320, 320\)"),
        (np.ones(3, bool), ValueError, r"needs shape \(320,\)"),
        ([[0]], ValueError, "one-dimensional"),
    ],
)
def test_subset_refuses_bad_indices(small, index, error, match):
    with pytest.raises(error, match=match):
        small.subset(index)


@given(st.lists(st.integers(0, 7), min_size=8, max_size=60), st.integers(1, 4))
def test_first_per_class_keeps_the_earliest_of_each_class(labels, per_class):
    labels = np.array(labels)
    counts = np.bincount(labels, minlength=8)
    if counts.min() < per_class:
        with pytest.raises(ValueError, match=f"per_class={per_class}: fewer trajectories than that of"):
            rl.data.first_per_class(labels, per_class)
        return
    kept = rl.data.first_per_class(labels, per_class)
    assert np.bincount(labels[kept], minlength=8).tolist() == [per_class] * 8
    for c in range(8):  # exactly the earliest positions of the class, in order, class after class
        np.testing.assert_array_equal(
            kept[c * per_class : (c + 1) * per_class], np.flatnonzero(labels == c)[:per_class]
        )


def test_first_is_nested_and_refuses_bad_sizes(small):
    half, all_ = small.first(20), small.first(40)
    assert np.bincount(half.y, minlength=8).tolist() == [20] * 8
    for c in range(8):  # the first 20 of each class are the first 20 of the 40
        np.testing.assert_array_equal(half.X[half.y == c], all_.X[all_.y == c][:20])
    with pytest.raises(ValueError, match="per_class=41: fewer trajectories than that of SubATTM \\(40\\)"):
        small.first(41)
    with pytest.raises(ValueError, match="per_class must be"):
        small.first(0)
    with pytest.raises(ValueError, match="labels must lie in 0..7, got 0..9"):
        rl.data.first_per_class([0, 9], 1)
