"""Augmentation: undoing the scaling, rotations, noise copies, Grad-CAM selection and the whole protocol."""

import json

import numpy as np
import pytest
import torch

from resandi_lite import load_model, make_dataset
from resandi_lite.augment import (
    arm_difference,
    augmentation_experiment,
    augmented,
    concatenate,
    describe_selection,
    difference_table,
    noise_robustness,
    noisy_copies,
    positions,
    robustness_table,
    rotated_copies,
    select_by_score,
    select_random,
    training_sets,
)
from resandi_lite.model import build_model
from resandi_lite.plotting import plot_arm_differences
from resandi_lite.train import BEST, TrainConfig


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
    assert np.allclose(
        np.hypot(*np.diff(P, axis=-1).transpose(1, 0, 2)), np.hypot(*np.diff(Q, axis=-1).transpose(1, 0, 2)), atol=1e-3
    )
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
    with pytest.raises(ValueError, match="mode must be one of 'rotate', 'noise', 'copy', got 'flip'"):
        augmented(ds, top, mode="flip")


def test_copy_mode_duplicates_unchanged(ds):
    index = np.array([5, 0, 5, 200])
    both = augmented(ds, index, mode="copy")
    assert len(both) == len(ds) + 4
    for name in ("X", "y", "alpha", "lengths", "noise", "minmax"):
        assert np.array_equal(getattr(both, name)[len(ds) :], getattr(ds, name)[index]), name
    both.X[len(ds)] += 1  # a copy, not a view
    assert not np.array_equal(both.X[len(ds)], ds.X[5])


def _rows(X):
    return {x.tobytes() for x in X}


def test_control_arm_sees_only_the_originals_with_the_same_budget(ds):
    scores = np.random.default_rng(1).random(len(ds))
    sets = training_sets(ds, scores, 7, control=True)
    assert list(sets) == ["targeted", "random", "control"]
    n = len(ds)
    assert {len(d) for d in sets.values()} == {n + 18 * 8}  # as many samples, so as many optimizer steps
    control, rand = sets["control"], sets["random"]
    assert np.array_equal(control.X[:n], ds.X) and np.array_equal(control.y, rand.y)
    assert _rows(control.X[n:]) <= _rows(ds.X)  # every extra sample is an original, unchanged
    assert not _rows(rand.X[n:]) & _rows(ds.X)  # while the random arm's copies are rotated
    # the control duplicates exactly the trajectories the random arm rotates
    chosen = select_random(ds.y, 0.6, rng=np.random.SeedSequence(7, spawn_key=(1,)))
    assert np.array_equal(control.X[n:], ds.X[chosen])
    assert np.allclose(
        np.linalg.norm(positions(rand)[n:, :, -1], axis=1),
        np.linalg.norm(positions(ds)[chosen, :, -1], axis=1),
        rtol=1e-4,
        atol=1e-4,
    )
    # reproducible from the seed, different for another seed; without control=True no control arm
    again = training_sets(ds, scores, 7, control=True)
    assert all(np.array_equal(again[a].X, sets[a].X) for a in sets)
    assert not np.array_equal(training_sets(ds, scores, 8, control=True)["control"].X, control.X)
    assert list(training_sets(ds, scores, 7)) == ["targeted", "random"]
    with pytest.raises(ValueError, match="mode must be 'rotate' or 'noise'"):
        training_sets(ds, scores, 7, mode="copy")
    with pytest.raises(TypeError, match="control must be True or False"):
        training_sets(ds, scores, 7, control="yes")
    with pytest.raises(ValueError, match="scores must have one value per trajectory"):
        training_sets(ds, scores[:-1], 7)


def test_describe_selection_by_hand(ds):
    cls = ds.y == 2  # SubFBM
    members = np.flatnonzero(cls)
    picked = members[:3]
    predicted = ds.y.copy()
    predicted[members[0]] = 0  # one of the three selected is wrong
    predicted[members[3:5]] = 1  # two of the 27 others are wrong
    table = describe_selection(ds, picked, predicted)
    assert list(table) == ["SubATTM", "SubCTRW", "SubFBM", "SubSBM", "SupFBM", "SupLW", "SupSBM", "BM"]
    sel, rest, right_sel, right_rest = table["SubFBM"]
    assert sel == round(ds.lengths[picked].mean()) and rest == round(ds.lengths[members[3:]].mean())
    assert right_sel == round(100 * 2 / 3, 1) and right_rest == round(100 * 25 / 27, 1)
    assert np.isnan(table["BM"][0]) and table["BM"][3] == 100.0  # nothing selected in BM, all right
    assert len(describe_selection(ds, picked)["SubFBM"]) == 2
    with pytest.raises(ValueError, match="predicted must have one label per trajectory"):
        describe_selection(ds, picked, predicted[:-1])


def test_differences_tables_and_their_figure():
    result = {
        "sigmas": np.array([0.0, 0.5]),
        "a": {
            "accuracy": np.array([[0.9, 0.6], [0.8, 0.4]]),
            "mean": np.array([0.85, 0.5]),
            "stderr": np.array([0.05, 0.1]),
        },
        "b": {"accuracy": np.array([[0.7, 0.5]]), "mean": np.array([0.7, 0.5]), "stderr": np.array([0.0, 0.0])},
        "c": {
            "accuracy": np.array([[0.6, 0.2], [0.6, 0.2]]),
            "mean": np.array([0.6, 0.2]),
            "stderr": np.array([0.03, 0.04]),
        },
    }
    diff, err = arm_difference(result["a"], result["c"])
    assert np.allclose(diff, [25, 30]) and np.allclose(err, [100 * np.hypot(0.05, 0.03), 100 * np.hypot(0.1, 0.04)])
    with pytest.raises(ValueError, match="same noise levels"):
        arm_difference(result["a"], {"mean": np.zeros(3), "stderr": np.zeros(3)})
    table = robustness_table(result, ["a", "b"]).splitlines()
    assert table[0].split() == ["sigma", "0.00", "0.50"]
    assert table[1].split() == ["a", "(2", "seeds)", "85.0", "+-", "5.0", "50.0", "+-", "10.0"]
    assert table[2].split()[:3] == ["b", "(1", "seed)"]
    with pytest.raises(ValueError, match=r"arms \['d'\] are not in result"):
        robustness_table(result, ["d"])
    rows = difference_table(result, {"a - c": ("a", "c"), "b - a": ("b", "a")}).splitlines()
    assert rows[1].split() == [
        "a",
        "-",
        "c",
        "+25.0",
        "+-",
        f"{100 * np.hypot(0.05, 0.03):.1f}",
        "+30.0",
        "+-",
        f"{100 * np.hypot(0.1, 0.04):.1f}",
    ]
    assert rows[2].split()[3:] == ["-15.0", "+-", "5.0", "+0.0", "+-", "10.0"]
    with pytest.raises(ValueError, match="pairs names the arm 'd'"):
        difference_table(result, {"x": ("d", "a")})
    import matplotlib

    matplotlib.use("Agg")
    ax = plot_arm_differences(result, {"a - c": ("a", "c"), "b - a": ("b", "a")}, reference={"paper": ([0, 1], [1, 2])})
    bars = {c.get_label(): c.lines[0] for c in ax.containers}  # errorbar containers: label -> data line
    assert list(bars) == ["a - c", "b - a"]
    assert np.allclose(bars["a - c"].get_ydata(), [25, 30]) and np.allclose(bars["b - a"].get_ydata(), [-15, 0])
    assert ax.get_xlabel() and "points" in ax.get_ylabel()
    with pytest.raises(ValueError, match="pairs names the arm 'd'"):
        plot_arm_differences(result, {"x": ("a", "d")})


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
        "random-seed0",
        "random-seed1",
        "targeted-seed0",
        "targeted-seed1",
    ]
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["sigmas"] == [0.0, 0.5]
    stamp = (tmp_path / "random-seed0" / "checkpoint.pt").stat().st_mtime_ns
    again = augmentation_experiment(base, train, tmp_path, **kwargs)  # finished runs are kept
    assert (tmp_path / "random-seed0" / "checkpoint.pt").stat().st_mtime_ns == stamp
    assert np.allclose(again["random"]["accuracy"], result["random"]["accuracy"])


def test_control_arm_in_the_protocol_same_steps_and_reproducible(tmp_path, monkeypatch):
    import resandi_lite.augment.robustness as augment  # where augmentation_experiment looks noise_robustness up

    tested = []  # the arms and seed of every test-set evaluation
    real = augment.noise_robustness
    monkeypatch.setattr(
        augment,
        "noise_robustness",
        lambda models, *a, **kw: tested.append((sorted(models), kw["seed"])) or real(models, *a, **kw),
    )
    train = make_dataset(8, length=100, seed=5)
    val = make_dataset(2, length=100, seed=6)
    base = build_model("lite").eval()
    config = TrainConfig(preset="lite", length=100, max_epochs=1, val_per_class=2, lr=1e-3, batch_size=16)
    kwargs = dict(
        seeds=(0,),
        config=config,
        val=val,
        test_per_class=4,
        sigmas=[0.0, 0.5],
        progress=False,
        control=True,
        test_seed=11,
    )
    result = augmentation_experiment(base, train, tmp_path / "one", **kwargs)
    assert sorted(p.name for p in (tmp_path / "one").iterdir() if p.is_dir()) == [
        "control-seed0",
        "random-seed0",
        "targeted-seed0",
    ]
    assert result["control"]["accuracy"].shape == (1, 2)
    assert "control" in json.loads((tmp_path / "one" / "results.json").read_text())
    logs = {
        arm: json.loads((tmp_path / "one" / f"{arm}-seed0" / "log.json").read_text())["history"]
        for arm in ("targeted", "random", "control")
    }
    assert {log[0]["samples"] for log in logs.values()} == {64 + 40}  # 8 originals + 5 copies per class, each arm
    assert {log[0]["lr"] for log in logs.values()} == {1e-3}
    assert tested == [(["control", "random", "targeted"], 11)]  # every arm on the test sets of test_seed
    control = load_model(tmp_path / "one" / "control-seed0" / BEST)
    # the same seed gives the same control network, bit for bit
    augmentation_experiment(base, train, tmp_path / "two", **kwargs)
    again = load_model(tmp_path / "two" / "control-seed0" / BEST)
    for (name, p), q in zip(control.state_dict().items(), again.state_dict().values()):
        assert torch.equal(p, q), name
    with pytest.raises(TypeError, match="test_seed must be an integer"):
        augmentation_experiment(base, train, tmp_path / "three", **{**kwargs, "test_seed": 1.5})


def _tiny_config():
    from resandi_lite.train import TrainConfig

    return TrainConfig.recipe(
        "cpu", max_epochs=2, val_per_class=4, bn_batches=1, batch_size=32, checkpoint_every=0, warmup_epochs=0.5
    )


def test_from_scratch_trains_every_arm_paired_by_seed_and_resumes(tmp_path, monkeypatch):
    import json

    from resandi_lite import augment

    kw = dict(
        seeds=(0,),
        config=_tiny_config(),
        train_per_class=12,
        test_per_class=3,
        sigmas=(0.0, 0.5),
        progress=False,
        say=lambda line: None,
    )
    result = augment.from_scratch(tmp_path, **kw)
    assert set(result) == {"sigmas", "base", "targeted", "random", "control"}
    for arm in augment.ARMS:
        assert result[arm]["seeds"] == [0] and len(result[arm]["accuracy"][0]) == 2
        stored = json.loads((tmp_path / f"{arm}-seed0" / "noise.json").read_text())
        assert stored["n_train"] == 8 * 12 + 8 * round(0.6 * 12)  # originals + 60% of each class copied
    assert json.loads((tmp_path / "results.json").read_text()) == json.loads(json.dumps(result))
    # resuming trains nothing: fit is never called again
    monkeypatch.setattr("resandi_lite.train.fit", lambda *a, **k: pytest.fail("a finished run was trained again"))
    assert augment.from_scratch(tmp_path, **kw) == result
    # other settings are refused, naming what differs
    with pytest.raises(ValueError, match="train_per_class"):
        augment.from_scratch(tmp_path, **{**kw, "train_per_class": 13})


def test_collect_results_reads_every_finished_run(tmp_path):
    import json

    from resandi_lite import augment

    (tmp_path / "experiment.json").write_text(json.dumps({"sigmas": [0.0, 1.0]}))
    for arm, k, acc in [("targeted", 0, [0.8, 0.2]), ("targeted", 3, [0.6, 0.4]), ("random", 0, [0.7, 0.1])]:
        (tmp_path / f"{arm}-seed{k}").mkdir()
        (tmp_path / f"{arm}-seed{k}" / "noise.json").write_text(json.dumps({"sigmas": [0.0, 1.0], "accuracy": acc}))
    (tmp_path / "control-seed0").mkdir()  # unfinished: no noise.json
    out = augment.collect_results(tmp_path)
    assert out["base"] is None and "control" not in out
    assert out["targeted"]["seeds"] == [0, 3] and out["targeted"]["mean"] == pytest.approx([0.7, 0.3])
    assert out["targeted"]["stderr"] == pytest.approx([0.1, 0.1])  # std (ddof 1) / sqrt(2) of two values 0.2 apart
    assert out["random"]["stderr"] == [0.0, 0.0]
    with pytest.raises(ValueError, match="no augmentation experiment"):
        augment.collect_results(tmp_path / "control-seed0")


def _finished_experiment(folder, runs):
    """An experiment folder with finished networks: ``runs`` = [(run, accuracies, training seconds per epoch)]."""
    (folder / "experiment.json").write_text(
        json.dumps(
            {
                "sigmas": [0.0, 1.0],
                "train_per_class": 12,
                "test_per_class": 3,
                "config": {"preset": "lite", "max_epochs": 2},
            }
        )
    )
    for run, acc, seconds in runs:
        (folder / run).mkdir()
        (folder / run / "noise.json").write_text(json.dumps({"sigmas": [0.0, 1.0], "accuracy": acc}))
        (folder / run / "log.json").write_text(json.dumps({"history": [{"seconds": s} for s in seconds]}))


def test_ship_results_then_load_them_back(tmp_path):
    from resandi_lite import augment

    _finished_experiment(
        tmp_path,
        [
            ("base", [0.8, 0.3], [10.0, 20.0]),
            ("targeted-seed0", [0.8, 0.2], [5.0, 5.5]),
            ("random-seed0", [0.7, 0.1], [6.0, 6.0]),
            ("random-seed1", [0.9, 0.3], [1.0]),
        ],
    )
    (tmp_path / "control-seed0").mkdir()  # unfinished: a log, no noise.json
    (tmp_path / "control-seed0" / "log.json").write_text(json.dumps({"history": [{"seconds": 99.0}]}))
    shipped = augment.ship_results(tmp_path, path=tmp_path / "shipped.json")
    assert shipped["train_seconds"] == {"base": 30.0, "targeted-seed0": 10.5, "random-seed0": 12.0, "random-seed1": 1.0}
    assert shipped["random"]["seeds"] == [0, 1] and shipped["random"]["mean"] == pytest.approx([0.8, 0.2])
    assert shipped["base"] == [0.8, 0.3] and "control" not in shipped
    assert shipped["experiment"]["train_per_class"] == 12
    assert "--epochs 2 --train-per-class 12 --test-per-class 3" in shipped["command"]
    assert augment.load_from_scratch(tmp_path / "shipped.json") == shipped
    assert augment.load_from_scratch(tmp_path / "none.json") is None
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ValueError, match="not valid JSON"):
        augment.load_from_scratch(tmp_path / "bad.json")
    (tmp_path / "other.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="holds no JSON object: regenerate it with augment --ship"):
        augment.load_from_scratch(tmp_path / "other.json")
    (tmp_path / "other.json").write_text('{"base": [0.8]}')
    with pytest.raises(ValueError, match="no 'sigmas'"):
        augment.load_from_scratch(tmp_path / "other.json")


def test_cli_collect_ships_without_training(tmp_path, monkeypatch):
    from resandi_lite import augment
    from resandi_lite.__main__ import main

    _finished_experiment(tmp_path, [("base", [0.8, 0.3], [1.0]), ("targeted-seed0", [0.8, 0.2], [1.0])])
    # ship_results writes where its module reads FROM_SCRATCH; the command prints the package's
    monkeypatch.setattr(augment.scratch, "FROM_SCRATCH", tmp_path / "shipped.json")
    monkeypatch.setattr(augment, "FROM_SCRATCH", tmp_path / "shipped.json")
    monkeypatch.setattr("resandi_lite.train.fit", lambda *a, **k: pytest.fail("--collect must not train"))
    main(["augment", "--out", str(tmp_path), "--collect", "--ship"])
    assert json.loads((tmp_path / "shipped.json").read_text())["targeted"]["seeds"] == [0]


def test_seed_differences_figure_draws_each_seed_and_the_family_interval():
    import matplotlib

    matplotlib.use("Agg")
    from resandi_lite.augment import augmentation_verdicts
    from resandi_lite.plotting import plot_seed_differences

    results = {
        "sigmas": [0.0, 0.5],
        "targeted": {"seeds": [0, 1, 2], "accuracy": [[0.8, 0.5], [0.82, 0.52], [0.8, 0.49]]},
        "random": {"seeds": [0, 1, 2], "accuracy": [[0.8, 0.46], [0.8, 0.47], [0.79, 0.47]]},
    }
    verdicts = augmentation_verdicts(results)
    ax = plot_seed_differences(results, verdicts=verdicts, paper=False)
    points = [line for line in ax.lines if line.get_linestyle() == "None" and line.get_alpha() == 0.45]
    assert len(points) == 3  # one set of markers per seed (targeted - random; no control arm)
    assert points[0].get_ydata() == pytest.approx([0.0, 4.0])
    (bars,) = ax.containers  # the mean with its family interval
    low = [r["low"] for r in verdicts["rows"]]
    assert bars.lines[0].get_ydata() == pytest.approx([r["estimate"] for r in verdicts["rows"]])
    assert np.asarray(bars.lines[2][0].get_segments())[:, 0, 1] == pytest.approx(low)
    assert ax.get_xlabel().startswith("localisation noise") and "points" in ax.get_ylabel()
