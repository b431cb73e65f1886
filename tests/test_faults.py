"""Fault injection: kill -9, concurrent runs, damaged bytes, absurd values, foreign files, resource caps.

Each test does what a careless or hostile user (or the machine) does to the
command line or the library, and asserts two things afterwards: nothing was
lost (inputs, the previous run, other processes' files) and nothing wrong was
reported as success (an exit code 0, "complete, kept", an accuracy).  The
classes follow issue 25; sizes are tiny so that the whole module costs about
a minute of CPU.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

import resandi_lite as rl
from resandi_lite.__main__ import main
from resandi_lite.checkpoint import load_checkpoint, load_model
from resandi_lite.data import load_dataset, make_dataset, write_split
from resandi_lite.model import build_model
from resandi_lite.train import TrainConfig, TrainingRun, fit

PACKAGE_ROOT = str(Path(rl.__file__).resolve().parent.parent)  # subprocesses run the code under test
ENV = {**os.environ, "PYTHONPATH": PACKAGE_ROOT, "OMP_NUM_THREADS": "1"}
HOLDER = ".resandi-lock.json"  # the file naming the holder of a folder's lock
TINY = dict(
    preset="lite", train_per_class=4, val_per_class=1, batch_size=8, max_epochs=1, lr=1e-3, seed=1, checkpoint_every=1
)
TINY_ARGS = [
    "--preset",
    "lite",
    "--train-per-class",
    "4",
    "--val-per-class",
    "1",
    "--batch-size",
    "8",
    "--max-epochs",
    "1",
    "--lr",
    "1e-3",
    "--seed",
    "1",
    "--checkpoint-every",
    "1",
]


def cli(*args) -> list[str]:
    return [sys.executable, "-m", "resandi_lite", *map(str, args)]


def run_main(capsys, *argv) -> tuple[int, list[str]]:
    """``main(argv)`` in this process: exit code and the lines of stderr that are not progress bars."""
    capsys.readouterr()
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err
    return code, [line for line in err.splitlines() if line.startswith("error")]


def one_line_error(capsys, *argv, code: int = 2) -> str:
    """Run ``main`` and check it refused with exactly one ``error:`` line and exit code ``code``; return the line."""
    capsys.readouterr()
    got = main([str(a) for a in argv])
    err = capsys.readouterr().err.strip()
    assert got == code and err.startswith("error: ") and "\n" not in err and "Traceback" not in err, (got, err)
    return err


def names(folder: Path) -> list[str]:
    """What a user sees in a folder: its entries without the hidden lock files."""
    return sorted(p.name for p in Path(folder).iterdir() if not p.name.startswith("."))


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def content(path: Path) -> str:
    """A digest of a dataset file's arrays (the zip's own bytes hold the time of writing)."""
    digest = hashlib.sha256()
    with np.load(path, allow_pickle=False) as f:
        for key in ("X", "y", "alpha", "lengths", "noise", "minmax"):
            digest.update(np.ascontiguousarray(f[key]).tobytes())
    return digest.hexdigest()


def flip_a_weight(path: Path) -> None:
    """Change one mantissa bit of a float in the largest record of a torch zip file (the file still loads)."""
    with zipfile.ZipFile(path) as z:
        info = max(z.infolist(), key=lambda i: i.file_size)
    data = bytearray(Path(path).read_bytes())
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26 : info.header_offset + 30])
    start = info.header_offset + 30 + name_length + extra_length
    data[start + (info.file_size // 8) * 4] ^= 0x10  # the lowest byte of a float32 in the middle
    Path(path).write_bytes(bytes(data))


def weights(path: Path) -> dict:
    return torch.load(path, weights_only=True)["model"]


def wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120) -> bool:
    """Wait until ``path`` exists (True) or ``proc`` ends (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return True
        if proc.poll() is not None:
            return path.exists()
        time.sleep(0.02)
    return False


def kill_at_a_random_point(cmd: list[str], log: Path, marker: str, rng: random.Random, spread: float) -> None:
    """Start ``cmd``, wait until its output shows ``marker`` (its work has begun), then SIGKILL it within ``spread`` s."""
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, env={**ENV, "PYTHONUNBUFFERED": "1"}, stdout=fh, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while proc.poll() is None and marker not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0, spread))
        proc.send_signal(signal.SIGKILL)
        proc.wait()


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A finished tiny run (checkpoint.pt, best.pt, log.json); tests copy it before changing anything."""
    run = tmp_path_factory.mktemp("trained") / "run"
    fit(TrainConfig(**TINY), run, progress=False)
    return run


@pytest.fixture
def one_thread():
    """Bit-exact comparisons with a subprocess trained on one thread."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# 1. A destructive option must not destroy what it needs.


def test_overwrite_with_init_from_the_run_it_replaces(tmp_path, capsys):
    """`train --out R --overwrite --init R/best.pt` deleted R, including the weights it was told to start from."""
    run = tmp_path / "R"
    assert main(["train", *TINY_ARGS, "--out", str(run)]) == 0
    (tmp_path / "best-before.pt").write_bytes((run / "best.pt").read_bytes())
    code, errors = run_main(
        capsys,
        "train",
        *TINY_ARGS,
        "--seed",
        "2",
        "--lr",
        "1e-12",
        "--out",
        run,
        "--overwrite",
        "--init",
        run / "best.pt",
    )
    assert code == 0, errors
    assert json.loads((run / "log.json").read_text())["config"]["seed"] == 2  # the new run
    before, after = weights(tmp_path / "best-before.pt"), weights(run / "checkpoint.pt")
    convs = [k for k in before if k.endswith("conv1.weight")]
    assert convs and all(torch.allclose(before[k], after[k], atol=1e-6) for k in convs)  # started from them
    assert names(run) == ["best.pt", "checkpoint.pt", "log.json"]  # the replaced run went once the new one saved


def test_an_interrupted_overwrite_leaves_the_old_run_aside(tmp_path, trained, monkeypatch):
    run = tmp_path / "R"
    shutil.copytree(trained, run)
    old = {name: (run / name).read_bytes() for name in ("checkpoint.pt", "best.pt", "log.json")}

    def killed(self, max_batches=None):
        raise KeyboardInterrupt  # the machine stops the process before the new run saved anything

    monkeypatch.setattr(TrainingRun, "train_epoch", killed)
    with pytest.raises(KeyboardInterrupt):
        fit(TrainConfig(**{**TINY, "seed": 2}), run, overwrite=True, progress=False)
    kept = {p.name: p.read_bytes() for p in run.glob("replaced.*/*")}
    assert kept == old  # every file of the previous run, intact


# 2. Clean-up deletes only what this program wrote, and only when its writer is gone.


def test_cleanup_leaves_foreign_and_live_temporary_files(tmp_path):
    run = tmp_path / "R"
    run.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(done.stdout)
    try:
        kept = {
            "notes.part": b"a user's file",
            f"checkpoint.pt.{sleeper.pid}.abcd1234.part": b"being written by a running process",
            f"train_0.npz.{sleeper.pid}.k3j4h5g6.part": b"a split writing into the same folder",
            "checkpoint.pt.part": b"an older version's, but written a moment ago",
        }
        stale = {
            f"checkpoint.pt.{dead}.abcd1234.part": b"left by a killed save",
            f"train_0.npz.{dead}.k3j4h5g6.part": b"left by a killed split",
        }
        for name, data in {**kept, **stale}.items():
            (run / name).write_bytes(data)
        fit(TrainConfig(**TINY), run, progress=False, max_batches=1)
        write_split(run, 2, {"val": 1}, length=20, seed=1, progress=False)
        assert {name: (run / name).read_bytes() for name in kept} == kept
        assert not any((run / name).exists() for name in stale)
    finally:
        sleeper.kill()
        sleeper.wait()


# 3. Two processes in one folder: the second refuses at once, naming the first.


def _second_is_refused(capsys, first: subprocess.Popen, folder: Path, argv: list) -> None:
    assert wait_for(folder / HOLDER, first), "the first process took no lock on its output folder"
    os.kill(first.pid, signal.SIGSTOP)  # hold it inside its work while the second one starts
    try:
        started = time.monotonic()
        line = one_line_error(capsys, *argv, code=1)
        assert time.monotonic() - started < 10
        assert f"PID {first.pid}" in line and str(folder) in line and "resandi_lite" in line, line
    finally:
        os.kill(first.pid, signal.SIGCONT)
    assert first.wait(timeout=300) == 0


def test_two_splits_into_one_folder(tmp_path, capsys):
    out = tmp_path / "data"
    args = ["--n-per-class", "60", "--files", "train=2,val=1", "--length", "50", "--seed", "3"]
    first = subprocess.Popen(
        cli("split", "--out", out, *args), env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _second_is_refused(capsys, first, out, ["split", "--out", out, *args])
    finally:
        first.kill()
        first.wait()
    manifest = json.loads((out / "manifest.json").read_text())
    assert (
        names(out)
        == ["manifest.json", "train_0.npz", "train_1.npz", "val_0.npz"]
        == sorted(["manifest.json", *manifest["files"]])
    )
    assert all(
        manifest["files"][n]["sha256"] == sha256(out / n) and len(load_dataset(out / n)) == 480
        for n in manifest["files"]
    )


def test_two_trainings_into_one_folder(tmp_path, capsys):
    run = tmp_path / "R"
    first = subprocess.Popen(
        cli("train", *TINY_ARGS, "--threads", "1", "--out", run),
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _second_is_refused(capsys, first, run, ["train", *TINY_ARGS, "--out", run, "--overwrite"])
    finally:
        first.kill()
        first.wait()
    assert names(run) == ["best.pt", "checkpoint.pt", "log.json"]
    assert load_checkpoint(run / "checkpoint.pt")["state"]["epoch"] == 1


# 4. Integrity: damaged bytes are found, named and never reported as complete.


def test_a_damaged_split_file_is_named_and_made_again(tmp_path, capsys):
    write_split(tmp_path, 20, {"train": 2}, length=50, seed=1, progress=False)
    good = content(tmp_path / "train_0.npz")
    data = bytearray((tmp_path / "train_0.npz").read_bytes())
    data[len(data) // 2] ^= 0x01
    (tmp_path / "train_0.npz").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="train_0.npz"):
        load_dataset(tmp_path / "train_0.npz")
    capsys.readouterr()
    write_split(tmp_path, 20, {"train": 2}, length=50, seed=1, progress=True)
    out = capsys.readouterr().out
    assert "train_0.npz is damaged" in out and "train_0.npz is complete" not in out
    assert content(tmp_path / "train_0.npz") == good  # made again: the same trajectories


def test_split_overwrite_leaves_exactly_the_new_layout(tmp_path):
    write_split(tmp_path, 10, {"train": 3, "val": 1}, length=50, seed=1, progress=False)
    with pytest.raises(ValueError, match="train_2.npz: not in this split"):  # fewer files: not silently
        write_split(tmp_path, 10, {"train": 2, "val": 1}, length=50, seed=1, progress=False)
    write_split(tmp_path, 12, {"train": 1}, length=50, seed=1, overwrite=True, progress=False)
    assert names(tmp_path) == ["manifest.json", "train_0.npz"]
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert list(manifest["files"]) == ["train_0.npz"] and manifest["n_per_class"] == 12


def test_a_flipped_weight_is_found_on_load_and_on_resume(tmp_path, trained, capsys):
    best = tmp_path / "best.pt"
    shutil.copy(trained / "best.pt", best)
    flip_a_weight(best)
    with pytest.raises(ValueError, match=f"{re.escape(str(best))} is damaged"):
        load_model(best)
    line = one_line_error(capsys, "evaluate", "--checkpoint", best, "--n-per-class", "1")
    assert "is damaged" in line
    run = tmp_path / "R"
    shutil.copytree(trained, run)
    flip_a_weight(run / "checkpoint.pt")
    with pytest.raises(ValueError, match="checkpoint.pt is damaged"):
        fit(TrainConfig(**{**TINY, "max_epochs": 2}), run, resume=True, progress=False)


def test_a_flipped_weight_of_a_shipped_network_is_found_by_its_model_card(tmp_path, monkeypatch, capsys):
    from resandi_lite import checkpoint

    for name in rl.pretrained.available():  # the cards record the shipped files' digests, and they match
        card = rl.pretrained.model_card(name)
        assert card["file_sha256"] == rl._files.sha256_file(checkpoint.HERE / f"{name}.pt"), name
    shipped = tmp_path / "pretrained"  # a copy of the installation's folder, one weight flipped
    shutil.copytree(checkpoint.HERE, shipped)
    monkeypatch.setattr(checkpoint, "HERE", shipped)
    assert "sha256" not in torch.load(shipped / "lite.pt", weights_only=True)  # written before files held one
    flip_a_weight(shipped / "lite.pt")
    with pytest.raises(
        ValueError, match=r"lite\.pt is damaged: its bytes differ from the sha256 recorded in its model card lite\.json"
    ):
        rl.load_pretrained("lite")
    rl.load_pretrained("lite-T1000")  # the intact one still loads


# 5. Non-finite and absurd values.


@pytest.mark.parametrize(
    "option, value", [("--lr", "inf"), ("--weight-decay", "inf"), ("--lr", "nan"), ("--gamma", "inf")]
)
def test_non_finite_hyperparameters_are_refused(tmp_path, capsys, option, value):
    line = one_line_error(capsys, "train", *TINY_ARGS, option, value, "--out", tmp_path / "R")
    assert option in line and not (tmp_path / "R").exists()
    with pytest.raises(ValueError, match=option[2:].replace("-", "_")):
        TrainConfig(**{**TINY, option[2:].replace("-", "_"): float(value)})


def test_a_diverging_run_stops_and_keeps_its_last_good_checkpoint(tmp_path):
    with pytest.raises(FloatingPointError, match="diverged"):
        fit(TrainConfig(**{**TINY, "max_epochs": 2, "lr": 1e30}), tmp_path, progress=False)
    for name in ("checkpoint.pt", "best.pt"):  # whatever was saved is finite (load refuses anything else)
        if (tmp_path / name).exists():
            load_checkpoint(tmp_path / name)
    assert (tmp_path / "checkpoint.pt").exists()


def test_a_nan_network_is_refused_not_evaluated(tmp_path, trained, capsys):
    ckpt = torch.load(trained / "best.pt", weights_only=True)
    ckpt.pop("sha256", None)
    next(v for k, v in ckpt["model"].items() if k.endswith("weight"))[0] = float("nan")
    torch.save(ckpt, tmp_path / "nan.pt")
    with pytest.raises(ValueError, match="non-finite weights"):
        load_model(tmp_path / "nan.pt")
    line = one_line_error(capsys, "evaluate", "--checkpoint", tmp_path / "nan.pt", "--n-per-class", "1")
    assert "non-finite" in line
    model = build_model("lite").eval()
    with torch.no_grad():
        next(model.parameters()).fill_(float("nan"))
    with pytest.raises(ValueError, match="NaN or infinite logits"):
        rl.evaluate.evaluate(model, make_dataset(1, length=20, seed=0))


def test_resource_caps(tmp_path, capsys):
    too_many = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()) + 1
    line = one_line_error(
        capsys, "simulate", "--n-per-class", "1", "--length", "20", "--jobs", too_many, "--out", tmp_path / "s.npz"
    )
    assert "--jobs" in line and f"at most {too_many - 1}" in line
    with pytest.raises(ValueError, match="n_jobs"):
        make_dataset(1, length=20, n_jobs=too_many)
    line = one_line_error(capsys, "train", *TINY_ARGS, "--threads", "100000000000000000000", "--out", tmp_path / "R")
    assert "--threads" in line
    started = time.monotonic()
    with pytest.raises(ValueError, match=r"would need about \d+\.\d GB of memory, but \d+\.\d GB are available"):
        make_dataset(10**7, length=10)
    line = one_line_error(
        capsys, "simulate", "--n-per-class", "10000000", "--length", "10", "--out", tmp_path / "big.npz"
    )
    assert "GB" in line and "available" in line and time.monotonic() - started < 30
    assert names(tmp_path) == []


# 6. Library arguments of the wrong kind: ValueError or TypeError naming the argument.


def _cases():
    from resandi_lite import attribution, erasure, evaluate, groundtruth

    model = build_model("lite").eval()
    X = make_dataset(1, length=50, seed=0).X[:2]
    maps, events, lengths = np.random.default_rng(0).random((2, 32)), np.zeros((2, 1000), bool), [50, 60]
    events[:, -5] = True
    return [
        ("target", lambda: attribution.saliency(model, X, [0.5, 1.5])),  # labels that are not integers
        ("target", lambda: attribution.attribute(model, X, [0, 99], "saliency")),  # out of range
        ("y", lambda: erasure.erasure_experiment(model, X, [0.0, 1.0], maps=maps)),
        ("maps", lambda: erasure.band_masks(np.full((2, 32), np.nan))),  # NaN maps
        ("maps", lambda: groundtruth.trajectory_scores(np.full((2, 32), np.nan), events, lengths)),
        ("k", lambda: groundtruth.trajectory_scores(maps, events, lengths, k=2.5)),  # tolerance not an integer
        ("k", lambda: groundtruth.near_events(events, 1.5)),
        ("bands", lambda: erasure.band_masks(maps, 0)),
        ("bands", lambda: erasure.band_masks(maps, 2.5)),
        ("lengths", lambda: groundtruth.observed_positions([10, 1001])),  # lengths over 1000
        ("lengths", lambda: erasure.observed_segments([10, 5000])),
        ("lengths", lambda: groundtruth.trajectory_scores(maps, events, [50, 2000])),
        ("rng", lambda: erasure.random_masks(np.array([1, 2]), 32, rng="abc")),
        ("rng", lambda: groundtruth.bootstrap([1.0, 2.0], rng="abc")),
        ("rng", lambda: groundtruth.random_maps(2, 4, rng="abc")),
        ("y", lambda: groundtruth.summarise(maps, events, lengths, [0.5, 1.0])),
        ("device", lambda: load_model("lite", device="banana")),
        ("device", lambda: evaluate.predict_logits(model, X, device="banana")),
        ("positions", lambda: attribution.resample(maps, 2000, length=1000)),  # would divide by empty segments
        ("segment_masks", lambda: erasure.erase(X, np.full((2, 32), 0.3))),
    ]


@pytest.mark.parametrize("index", range(20))
def test_library_arguments_of_the_wrong_kind(index):
    name, call = _cases()[index]
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert re.search(rf"\b{name}\b", str(info.value)), f"{name} not named in: {info.value}"
    assert info.value.__traceback__ is not None
    tb = info.value.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    assert "resandi_lite" in tb.tb_frame.f_code.co_filename  # raised by the library, not deep inside numpy/torch


# 7. Tracebacks and unclear messages.


@pytest.mark.parametrize("text", ["{", '{"tiny": false}', '{"tiny": false, "steps": []}'])
def test_a_malformed_reproduce_state_is_named(tmp_path, capsys, text):
    (tmp_path / "reproduce.json").write_text(text)
    line = one_line_error(capsys, "reproduce", "--out", tmp_path, "--resume")
    assert "reproduce.json" in line


def test_a_checkpoint_lacking_keys_or_holding_bad_values(tmp_path, trained, capsys):
    run = tmp_path / "R"
    shutil.copytree(trained, run)
    ckpt = torch.load(run / "checkpoint.pt", weights_only=True)
    ckpt.pop("sha256", None)
    torch.save({k: v for k, v in ckpt.items() if k != "optimizer"}, run / "checkpoint.pt")
    line = one_line_error(capsys, "train", *TINY_ARGS, "--max-epochs", "2", "--out", run, "--resume")
    assert "optimizer" in line and "checkpoint.pt" in line
    torch.save({**ckpt, "state": {**ckpt["state"], "epoch": -3}}, run / "checkpoint.pt")
    with pytest.raises(ValueError, match="read from the checkpoint"):
        fit(TrainConfig(**{**TINY, "max_epochs": 2}), run, resume=True, progress=False)
    best = torch.load(trained / "best.pt", weights_only=True)
    best.pop("sha256", None)
    torch.save({**best, "config": {k: v for k, v in best["config"].items() if k != "length"}}, tmp_path / "a.pt")
    line = one_line_error(capsys, "evaluate", "--checkpoint", tmp_path / "a.pt", "--n-per-class", "1")
    assert "'length'" in line and "--length" in line
    torch.save({**best, "config": {**best["config"], "length": 5000}}, tmp_path / "b.pt")
    line = one_line_error(capsys, "evaluate", "--checkpoint", tmp_path / "b.pt", "--n-per-class", "1")
    assert "5000 read from the checkpoint" in line and "--length" in line


@pytest.mark.parametrize(
    "argv, option",
    [
        (["split", "--out", "", "--n-per-class", "2", "--files", "train=1", "--length", "20"], "--out"),
        (["simulate", "--n-per-class", "1", "--length", "20", "--out", ""], "--out"),
        (["train", *TINY_ARGS, "--out", ""], "--out"),
        (["train", *TINY_ARGS, "--seed", "-1", "--out", "R"], "--seed"),
        (["train", *TINY_ARGS, "--threads", "100000000000000000000", "--out", "R"], "--threads"),
    ],
)
def test_messages_name_the_option(tmp_path, capsys, monkeypatch, argv, option):
    monkeypatch.chdir(tmp_path)
    line = one_line_error(capsys, *argv)
    assert option in line
    assert names(tmp_path) == []  # nothing written, least of all into the current folder


class _Code:
    def __reduce__(self):
        return (os.getpid, ())


def test_a_pickle_with_code_is_refused_by_name(tmp_path, capsys):
    torch.save({"format": "resandi-lite-model-1", "model": _Code()}, tmp_path / "zip.pt")
    (tmp_path / "raw.pt").write_bytes(pickle.dumps({"model": _Code()}))
    for path in (tmp_path / "zip.pt", tmp_path / "raw.pt"):
        with pytest.raises(ValueError, match=r"refused: the file .* contains code \(a pickle\), not loaded"):
            load_checkpoint(path)
        line = one_line_error(capsys, "evaluate", "--checkpoint", path)
        assert "contains code (a pickle), not loaded" in line


# kill -9 at random points: nothing lost, nothing wrong.


def test_split_killed_at_random_points(tmp_path):
    args = ["--n-per-class", "150", "--files", "train=3,val=1,test=1", "--length", "varying", "--seed", "4"]
    write_split(tmp_path / "ref", 150, {"train": 3, "val": 1, "test": 1}, seed=4, progress=False)
    expected = {p.name: content(p) for p in (tmp_path / "ref").glob("*.npz")}
    cut, rng = tmp_path / "cut", random.Random(25)
    for _ in range(3):
        kill_at_a_random_point(cli("split", "--out", cut, *args), tmp_path / "log", "writing", rng, 2.0)
        for path in cut.glob("*.npz"):  # a file that exists is complete and right, never half-written
            assert content(path) == expected[path.name]
    write_split(cut, 150, {"train": 3, "val": 1, "test": 1}, seed=4, progress=False)
    assert {p.name: content(p) for p in cut.glob("*.npz")} == expected
    assert names(cut) == sorted([*expected, "manifest.json"])  # no temporary file left


def test_train_killed_at_random_points(tmp_path, one_thread):
    config = TrainConfig(**{**TINY, "max_epochs": 2})
    fit(config, tmp_path / "ref", progress=False)
    cut, rng = tmp_path / "cut", random.Random(26)
    for _ in range(2):
        resume = ["--resume"] if (cut / "checkpoint.pt").exists() else []
        kill_at_a_random_point(
            cli("train", *TINY_ARGS, "--max-epochs", "2", "--threads", "1", "--out", cut, *resume),
            tmp_path / "log",
            "loss=",
            rng,
            1.5,
        )
        if (cut / "checkpoint.pt").exists():
            load_checkpoint(cut / "checkpoint.pt")  # complete and verified, whenever the process died
    fit(config, cut, resume=(cut / "checkpoint.pt").exists(), progress=False)
    ref, got = weights(tmp_path / "ref" / "checkpoint.pt"), weights(cut / "checkpoint.pt")
    assert ref.keys() == got.keys() and all(torch.equal(ref[k], got[k]) for k in ref)
    assert names(cut) == ["best.pt", "checkpoint.pt", "log.json"]
