"""Training: the paper's recipe, files, early stopping, resuming after a kill, and DistributedDataParallel."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import torch

from resandi_lite import make_dataset
from resandi_lite.checkpoint import CheckpointNotFoundError, atomic_save, remove_stale_parts
from resandi_lite.train import TrainConfig, TrainState, check_device, fit, load_checkpoint, pick_device
from resandi_lite.train import loop as rl_loop

TINY = dict(preset="lite", train_per_class=16, val_per_class=4, max_epochs=2, lr=1e-3, seed=3)


def _weights(path):
    return load_checkpoint(path)["model"]


def _same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_defaults_are_the_papers_recipe():
    c = TrainConfig()
    assert (c.lr, c.batch_size, c.step_size, c.gamma, c.patience, c.min_delta, c.max_epochs) == (
        1e-4,
        64,
        10,
        0.5,
        10,
        1e-3,
        100,
    )
    assert c.preset == "paper" and c.train_per_class == 50_000 and c.val_per_class == 10_000


def test_pick_device_follows_what_the_machine_has(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert pick_device("auto").type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr("resandi_lite.train.config._mps_available", lambda: True)
    assert pick_device("auto").type == "mps"
    monkeypatch.setattr("resandi_lite.train.config._mps_available", lambda: False)
    assert pick_device("auto") == torch.device("cpu") and pick_device("cpu") == torch.device("cpu")


@pytest.mark.parametrize(
    "device, message",
    [
        ("tpu", "device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps', got 'tpu'"),
        ("cuda", "device 'cuda' is not available: torch finds no CUDA GPU"),
        ("mps", "device 'mps' is not available"),
    ],
)
def test_check_device_refuses_unknown_and_absent_devices(monkeypatch, device, message):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr("resandi_lite.train.config._mps_available", lambda: False)
    with pytest.raises(ValueError, match=message):
        check_device(device)


def test_fit_writes_checkpoint_best_and_log(tmp_path):
    model, history = fit(TrainConfig(**TINY, step_size=1, gamma=0.5), tmp_path, progress=False)
    assert [h["epoch"] for h in history] == [1, 2]
    assert [h["lr"] for h in history] == [1e-3, 5e-4]  # StepLR halves the rate
    log = json.loads((tmp_path / "log.json").read_text())
    assert log["history"] == history and log["config"]["seed"] == 3
    ckpt = torch.load(tmp_path / "checkpoint.pt", weights_only=True)  # loads without pickle
    assert ckpt["state"]["epoch"] == 2 and set(ckpt) >= {"model", "optimizer", "scheduler", "scaler", "rng"}
    best = load_checkpoint(tmp_path / "best.pt")
    assert best["metrics"]["epoch"] == log["best_epoch"]
    assert _same(ckpt["model"], model.state_dict())


def test_early_stopping(tmp_path):
    _, history = fit(TrainConfig(**{**TINY, "max_epochs": 6}, patience=2, min_delta=100.0), tmp_path, progress=False)
    assert len(history) == 3  # epoch 1 improves on inf; 2 and 3 do not improve by 100: stop
    assert load_checkpoint(tmp_path / "checkpoint.pt")["state"]["done"]


@pytest.mark.parametrize("fresh, symmetries", [(True, False), (False, False), (False, True)])
def test_resume_ends_where_an_uninterrupted_run_ends(tmp_path, fresh, symmetries):
    config = TrainConfig(**TINY, fresh_data=fresh, checkpoint_every=1, symmetries=symmetries)
    fit(config, tmp_path / "whole", progress=False)
    fit(config, tmp_path / "cut", progress=False, max_batches=3)  # time box ends in epoch 2, after batch 1
    assert load_checkpoint(tmp_path / "cut" / "checkpoint.pt")["state"]["batch"] == 1
    fit(config, tmp_path / "cut", resume=True, progress=False)
    assert _same(_weights(tmp_path / "whole" / "checkpoint.pt"), _weights(tmp_path / "cut" / "checkpoint.pt"))
    whole = json.loads((tmp_path / "whole" / "log.json").read_text())["history"]
    cut = json.loads((tmp_path / "cut" / "log.json").read_text())["history"]
    assert [h["val_loss"] for h in whole] == [h["val_loss"] for h in cut]


def test_symmetries_train_on_transformed_batches(tmp_path, monkeypatch):
    from resandi_lite.evaluate import symmetrize

    seen = []
    real_step = rl_loop.TrainingRun.train_step
    monkeypatch.setattr(
        rl_loop.TrainingRun, "train_step", lambda run, xb, yb: seen.append(xb) or real_step(run, xb, yb)
    )
    for symmetries in (False, True):
        fit(TrainConfig(**{**TINY, "max_epochs": 1}, symmetries=symmetries), tmp_path / str(symmetries), progress=False)
    plain, turned = seen[: len(seen) // 2], seen[len(seen) // 2 :]
    for a, b in zip(plain, turned):  # the same samples in the same order, each under one of the eight symmetries
        assert a.shape == b.shape
        for i in range(len(a)):
            assert any(torch.equal(symmetrize(a[i : i + 1], k), b[i : i + 1]) for k in range(8))
    changed = sum(not torch.equal(a, b) for a, b in zip(plain, turned))
    assert changed == len(plain)  # a batch of 64 left untouched has probability 8**-64
    with pytest.raises(TypeError, match="symmetries must be True or False, got 'yes'"):
        TrainConfig(**TINY, symmetries="yes")


def test_resume_refuses_another_config(tmp_path):
    fit(TrainConfig(**TINY), tmp_path, progress=False, max_batches=1)
    with pytest.raises(ValueError, match=r"config differs in \{'lr': \(0.001, 0.5\)\}"):
        fit(TrainConfig(**{**TINY, "lr": 0.5}), tmp_path, resume=True, progress=False)


def test_resume_accepts_a_checkpoint_written_before_a_field_was_added(tmp_path):
    fit(TrainConfig(**TINY), tmp_path, progress=False, max_batches=1)
    ckpt = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    del ckpt["config"]["init"], ckpt["sha256"]  # as written by an older version (no init, no digest)
    torch.save(ckpt, tmp_path / "checkpoint.pt")
    _, history = fit(TrainConfig(**TINY), tmp_path, resume=True, progress=False)
    assert len(history) == TINY["max_epochs"]


def test_init_starts_from_given_weights(tmp_path):
    fit(TrainConfig(**{**TINY, "max_epochs": 1}), tmp_path / "a", progress=False)
    config = TrainConfig(**{**TINY, "max_epochs": 1, "seed": 9, "lr": 1e-12}, init=str(tmp_path / "a" / "best.pt"))
    tuned, _ = fit(config, tmp_path / "b", progress=False)
    start = load_checkpoint(tmp_path / "a" / "best.pt")["model"]
    # a learning rate of 1e-12 keeps the weights where they started (BatchNorm statistics do move)
    for name, value in tuned.state_dict().items():
        if "running" not in name and "num_batches" not in name:
            torch.testing.assert_close(value, start[name].float(), atol=1e-6, rtol=0)
    with pytest.raises(ValueError, match="not a 'paper' one"):
        fit(
            TrainConfig(**{**TINY, "preset": "paper"}, init=str(tmp_path / "a" / "best.pt")),
            tmp_path / "c",
            progress=False,
        )


def test_fixed_datasets_can_be_given(tmp_path):
    train = make_dataset(8, length=200, seed=1)
    val = make_dataset(2, length=200, seed=2)
    _, history = fit(TrainConfig(**{**TINY, "max_epochs": 1}), tmp_path, train_data=train, val_data=val, progress=False)
    assert history[0]["samples"] == 64


def _cli(out, *extra):
    return [
        sys.executable,
        "-m",
        "resandi_lite",
        "train",
        "--preset",
        "lite",
        "--train-per-class",
        "48",
        "--val-per-class",
        "4",
        "--max-epochs",
        "3",
        "--lr",
        "1e-3",
        "--seed",
        "5",
        "--fresh-data",
        "--checkpoint-every",
        "1",
        "--threads",
        "1",
        "--out",
        str(out),
        *extra,
    ]


def test_a_killed_run_resumes(tmp_path):
    """SIGKILL a training process mid-run, resume it, and compare with an uninterrupted run."""
    subprocess.run(_cli(tmp_path / "whole"), check=True, capture_output=True)
    proc = subprocess.Popen(_cli(tmp_path / "cut"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ckpt = tmp_path / "cut" / "checkpoint.pt"
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if ckpt.exists():
            try:
                state = torch.load(ckpt, weights_only=True)["state"]
            except Exception:  # being replaced right now
                continue
            if state["epoch"] >= 1 and state["batch"] >= 2:
                break
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    subprocess.run(_cli(tmp_path / "cut", "--resume"), check=True, capture_output=True)
    assert _same(_weights(tmp_path / "whole" / "checkpoint.pt"), _weights(ckpt))


def test_distributed_training_on_two_cpu_processes(tmp_path):
    """torchrun with 2 processes (gloo): both ranks end with identical weights, equal to rank 0's checkpoint."""
    script = tmp_path / "ddp.py"
    script.write_text(
        textwrap.dedent(f"""
        import os, torch
        torch.set_num_threads(1)
        from resandi_lite.train import TrainConfig, fit
        config = TrainConfig(preset="lite", train_per_class=16, val_per_class=4, max_epochs=2, lr=1e-3,
                             seed=7, fresh_data=True, device="cpu")
        model, history = fit(config, {str(tmp_path / "run")!r}, progress=False)
        torch.save(model.state_dict(), {str(tmp_path)!r} + f"/rank{{os.environ['RANK']}}.pt")
    """)
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port", "29517", str(script)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rank0 = torch.load(tmp_path / "rank0.pt", weights_only=True)
    rank1 = torch.load(tmp_path / "rank1.pt", weights_only=True)
    assert _same(rank0, rank1)
    assert _same(rank0, _weights(tmp_path / "run" / "checkpoint.pt"))
    history = json.loads((tmp_path / "run" / "log.json").read_text())["history"]
    assert [h["samples"] for h in history] == [128, 128]  # each rank saw half of each epoch


def test_bad_checkpoints(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "none.pt")
    with pytest.raises(ValueError, match="no checkpoint at"):  # the same error is a ValueError too (exit 2)
        load_checkpoint(tmp_path / "none.pt")
    (tmp_path / "text.pt").write_text("not a checkpoint")
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        load_checkpoint(tmp_path / "text.pt")
    torch.save({"weights": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a resandi-lite checkpoint"):
        load_checkpoint(tmp_path / "other.pt")
    fit(TrainConfig(**TINY), tmp_path / "run", progress=False, max_batches=1)
    data = (tmp_path / "run" / "checkpoint.pt").read_bytes()
    (tmp_path / "truncated.pt").write_bytes(data[: len(data) // 3])
    with pytest.raises(ValueError, match="truncated"):
        load_checkpoint(tmp_path / "truncated.pt")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"preset": "huge"}, "preset must be one of"),
        ({"batch_size": 0}, "batch_size must be a positive integer"),
        ({"lr": -1.0}, "lr must be > 0"),
        ({"num_workers": 4}, "num_workers must be 0 or 1"),
        ({"patience": -1}, "patience must be an integer >= 0, got -1"),
        ({"checkpoint_every": -1}, "checkpoint_every must be an integer >= 0, got -1"),
        ({"bn_batches": -2}, "bn_batches must be an integer >= 0, got -2"),
        ({"min_delta": -0.1}, "min_delta must be >= 0, got -0.1"),
        ({"weight_decay": -1e-4}, "weight_decay must be >= 0"),
        ({"weight_decay": float("nan")}, "weight_decay must be >= 0"),
        ({"device": "tpu"}, "device must be 'auto', 'cpu'"),
    ],
)
def test_bad_config(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**kwargs)


def test_max_batches_time_boxes_a_call_and_checkpoints(tmp_path):
    """Without checkpoint_every, the checkpoint written at the end of the time box holds the batch reached."""
    config = TrainConfig(**TINY)  # 2 batches per epoch
    model, history = fit(config, tmp_path / "cut", progress=False, max_batches=1)
    assert history == [] and load_checkpoint(tmp_path / "cut" / "checkpoint.pt")["state"]["batch"] == 1
    fit(config, tmp_path / "cut", resume=True, progress=False, max_batches=2)  # batch 2 of epoch 1, batch 1 of epoch 2
    state = TrainState.from_dict(load_checkpoint(tmp_path / "cut" / "checkpoint.pt")["state"])
    assert (state.epoch, state.batch, len(state.history)) == (1, 1, 1)
    fit(config, tmp_path / "cut", resume=True, progress=False)
    fit(config, tmp_path / "whole", progress=False)
    assert _same(_weights(tmp_path / "whole" / "checkpoint.pt"), _weights(tmp_path / "cut" / "checkpoint.pt"))
    with pytest.raises(ValueError, match="max_batches must be a positive integer"):
        fit(config, tmp_path / "x", max_batches=0)
    with pytest.raises(TypeError, match="stop_after_batches"):  # the old name of max_batches is gone
        fit(config, tmp_path / "old", progress=False, stop_after_batches=1)


def test_an_existing_run_is_refused_without_resume_or_overwrite(tmp_path):
    config = TrainConfig(**{**TINY, "max_epochs": 1})
    fit(config, tmp_path, progress=False)
    before = (tmp_path / "checkpoint.pt").read_bytes()
    with pytest.raises(ValueError, match=r"already holds a run \(checkpoint.pt, best.pt, log.json\); continue it"):
        fit(TrainConfig(**{**TINY, "max_epochs": 1, "seed": 4}), tmp_path, progress=False)
    assert (tmp_path / "checkpoint.pt").read_bytes() == before  # nothing touched
    with pytest.raises(ValueError, match="resume and overwrite exclude each other"):
        fit(config, tmp_path, resume=True, overwrite=True, progress=False)
    _, history = fit(TrainConfig(**{**TINY, "max_epochs": 1, "seed": 4}), tmp_path, overwrite=True, progress=False)
    assert json.loads((tmp_path / "log.json").read_text())["config"]["seed"] == 4 and len(history) == 1


def test_stale_part_files_are_removed_and_logged(tmp_path, caplog):
    dead = 2**22 + 12345  # above Linux's default pid_max: no live process has this id
    (tmp_path / f"checkpoint.pt.{dead}.a1b2.part").write_bytes(b"x" * 1000)  # a save killed half-way
    (tmp_path / "best.pt.part").write_bytes(b"")  # an older version's, abandoned long ago
    os.utime(tmp_path / "best.pt.part", (time.time() - 3600, time.time() - 3600))
    (tmp_path / "notes.part").write_text("a user's file, kept")
    (tmp_path / "notes.txt").write_text("kept")
    with caplog.at_level("WARNING", logger="resandi_lite"):
        fit(TrainConfig(**{**TINY, "max_epochs": 1}), tmp_path, progress=False, max_batches=1)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".resandi-lock")) == [
        "checkpoint.pt",
        "notes.part",
        "notes.txt",
    ]
    assert f"checkpoint.pt.{dead}.a1b2.part" in caplog.text and "best.pt.part" in caplog.text
    assert "interrupted save" in caplog.text
    assert remove_stale_parts(tmp_path) == []
    atomic_save({"a": torch.zeros(1)}, tmp_path / "a.pt")
    assert not (tmp_path / "a.pt.part").exists() and torch.load(tmp_path / "a.pt")["a"].shape == (1,)


def test_init_must_exist(tmp_path):
    with pytest.raises(
        ValueError,
        match=r"init must be a shipped name \(lite, lite-T1000\) or an existing file, got "
        r"'/nonexistent/best.pt' \(no such file\)",
    ):
        fit(TrainConfig(**TINY, init="/nonexistent/best.pt"), tmp_path / "run", progress=False)
    assert not (tmp_path / "run").exists()  # refused before anything was written
    with pytest.raises(CheckpointNotFoundError):
        load_checkpoint(tmp_path / "none.pt")


def test_a_finished_step_run_extends_bit_for_bit(tmp_path, capsys):
    """Resuming with only a larger max_epochs continues the run as if it had been planned that long."""
    short, long = (
        TrainConfig(**{**TINY, "max_epochs": 2}, step_size=1),
        TrainConfig(**{**TINY, "max_epochs": 3}, step_size=1),
    )
    fit(short, tmp_path / "extended", progress=False)
    fit(short, tmp_path / "extended", resume=True, progress=True)
    assert "is finished: trained for 2 of max_epochs 2 epochs; best epoch" in capsys.readouterr().out
    _, history = fit(long, tmp_path / "extended", resume=True, progress=False)
    fit(long, tmp_path / "planned", progress=False)
    assert [h["epoch"] for h in history] == [1, 2, 3] and [h["lr"] for h in history] == [1e-3, 5e-4, 2.5e-4]
    assert _same(_weights(tmp_path / "planned" / "checkpoint.pt"), _weights(tmp_path / "extended" / "checkpoint.pt"))
    planned = json.loads((tmp_path / "planned" / "log.json").read_text())["history"]
    assert [h["val_loss"] for h in planned] == [h["val_loss"] for h in history]


def test_a_cosine_run_cannot_be_extended_and_an_early_stopped_run_says_so(tmp_path, capsys):
    cosine = dict(TINY, schedule="cosine", warmup_epochs=0.5)
    fit(TrainConfig(**cosine), tmp_path / "cos", progress=False)
    with pytest.raises(ValueError, match="cosine schedule decays the learning rate to 0 at max_epochs"):
        fit(TrainConfig(**{**cosine, "max_epochs": 4}), tmp_path / "cos", resume=True, progress=False)
    stop = TrainConfig(**{**TINY, "max_epochs": 6}, patience=1, min_delta=100.0)
    _, history = fit(stop, tmp_path / "stop", progress=False)
    assert len(history) == 2
    _, again = fit(
        TrainConfig(**{**TINY, "max_epochs": 9}, patience=1, min_delta=100.0),
        tmp_path / "stop",
        resume=True,
        progress=True,
    )
    assert again == history
    assert "stopped early after epoch 2 (1 epochs without an improvement of 100.0" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--patience", "-1"], "error: patience must be an integer >= 0, got -1"),
        (["--checkpoint-every", "-1"], "error: checkpoint_every must be an integer >= 0, got -1"),
        (["--device", "tpu"], "error: device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps', got 'tpu'"),
        (["--init", "/nonexistent.pt"], "error: init must be a shipped name"),
    ],
)
def test_cli_train_answers_mistakes_in_one_line(tmp_path, capsys, args, message):
    from resandi_lite.__main__ import main

    assert (
        main(
            [
                "train",
                "--preset",
                "lite",
                "--train-per-class",
                "8",
                "--val-per-class",
                "2",
                "--max-epochs",
                "1",
                "--out",
                str(tmp_path / "run"),
                *args,
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1


def test_cli_train_refuses_an_existing_run_and_bad_threads(tmp_path):
    run = tmp_path / "run"
    base = [
        "--train-per-class",
        "2",
        "--val-per-class",
        "1",
        "--max-epochs",
        "1",
        "--batch-size",
        "8",
        "--threads",
        "1",
    ]
    ok = subprocess.run(_cli_min(run, *base), capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr[-2000:]
    again = subprocess.run(_cli_min(run, *base), capture_output=True, text=True)
    assert again.returncode == 2 and again.stderr.startswith("error: ") and again.stderr.count("\n") == 1
    assert "--resume" in again.stderr and "--overwrite" in again.stderr
    assert subprocess.run(_cli_min(run, *base, "--overwrite"), capture_output=True).returncode == 0
    threads = subprocess.run(_cli_min(tmp_path / "t", *base, "--threads", "0"), capture_output=True, text=True)
    assert threads.returncode == 2 and "--threads: must be a positive integer, got 0" in threads.stderr


def _cli_min(out, *extra):
    return [sys.executable, "-m", "resandi_lite", "train", "--preset", "lite", "--out", str(out), *extra]
