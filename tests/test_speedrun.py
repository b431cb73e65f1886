"""Issue 29's infrastructure: the measured "auto" precision and its cache, the precision a resumed run or an
experiment keeps, the "fast" recipe's ingredients (optimizer, moving average of the weights), and
benchmarks/speedrun.py's time to target and resumable JSON."""

import argparse
import importlib.util
import json
import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from resandi_lite import make_dataset
from resandi_lite.train import (
    TrainConfig,
    choose_precision,
    evaluate_loss,
    fit,
    load_checkpoint,
    make_optimizer,
    measured_precision,
    recorded_precision,
    shared_precision,
    validation_set,
)
from resandi_lite.train import precision as precision_module

ROOT = Path(__file__).resolve().parents[1]
CPU = torch.device("cpu")
TINY = dict(preset="lite", train_per_class=16, val_per_class=4, batch_size=32, max_epochs=2, seed=0, device="cpu")
BF16_FASTER = {"fp32": 100.0, "bf16": 300.0}
FP32_FASTER = {"fp32": 300.0, "bf16": 100.0}


def _load_speedrun():
    spec = importlib.util.spec_from_file_location("speedrun", ROOT / "benchmarks" / "speedrun.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["speedrun"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


speedrun = _load_speedrun()


class Probe:
    """A probe that returns fixed rates and counts its calls (no timing in tests)."""

    def __init__(self, rates):
        self.rates, self.calls = rates, 0

    def __call__(self, device):
        self.calls += 1
        return dict(self.rates)


@pytest.fixture
def measuring(monkeypatch, tmp_path):
    """The probe on (the suite turns it off), a bf16 CPU, and a cache in a temporary folder."""
    monkeypatch.delenv(precision_module.PROBE_ENV, raising=False)
    monkeypatch.setenv(precision_module.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr("resandi_lite.train.config.cpu_has_native_bf16", lambda: True)
    return tmp_path / "cache" / "precision.json"


# -- the measured precision and its cache ------------------------------------------------------------------------


def test_the_benchmarks_examples_run_as_written():
    """The docstring examples of benchmarks/speedrun.py (outside the package, so not collected as doctests)."""
    import doctest

    outcome = doctest.testmod(speedrun, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert outcome.attempted >= 3 and outcome.failed == 0


def test_probe_cache_miss_then_hit(measuring):
    probe = Probe(BF16_FASTER)
    first = measured_precision(CPU, probe=probe)
    assert (first.precision, first.reason, probe.calls) == ("bf16", "measured", 1)
    entry = json.loads(measuring.read_text())[precision_module.machine_key()]
    assert entry["precision"] == "bf16" and entry["rates"] == BF16_FASTER
    again = measured_precision(CPU, probe=Probe(FP32_FASTER))  # cached: the new probe is not asked
    assert (again.precision, again.reason) == ("bf16", "cached")


def test_probe_needs_a_margin_for_bf16(measuring):
    assert measured_precision(CPU, probe=Probe({"fp32": 100.0, "bf16": 105.0})).precision == "fp32"
    assert precision_module.MARGIN * 100 <= 300  # BF16_FASTER clears it


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", "\xff\xfe"])
def test_a_corrupt_cache_is_ignored_and_rewritten(measuring, caplog, content):
    measuring.parent.mkdir(parents=True)
    measuring.write_text(content)
    probe = Probe(FP32_FASTER)
    choice = measured_precision(CPU, probe=probe)
    assert (choice.precision, choice.reason, probe.calls) == ("fp32", "measured", 1)
    assert "ignored the precision cache" in caplog.text
    assert json.loads(measuring.read_text())[precision_module.machine_key()]["precision"] == "fp32"


def test_another_cpu_model_is_measured_again(measuring, monkeypatch):
    measured_precision(CPU, probe=Probe(BF16_FASTER))
    monkeypatch.setattr(precision_module, "cpu_model", lambda: "Other CPU 9000")
    probe = Probe(FP32_FASTER)
    assert measured_precision(CPU, probe=probe).precision == "fp32" and probe.calls == 1
    entries = json.loads(measuring.read_text())
    assert len(entries) == 2 and any(key.startswith("Other CPU 9000 |") for key in entries)


def test_an_unwritable_cache_only_costs_a_probe(measuring, tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    choice = measured_precision(CPU, probe=Probe(BF16_FASTER), cache=blocker / "precision.json")
    assert choice.precision == "bf16" and "could not write the precision cache" in caplog.text


def test_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(precision_module.CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert precision_module.cache_file() == tmp_path / "xdg" / "resandi-lite" / "precision.json"
    monkeypatch.setenv(precision_module.CACHE_ENV, str(tmp_path / "mine"))
    assert precision_module.cache_file() == tmp_path / "mine" / "precision.json"


def test_choose_precision_probes_only_a_bf16_cpu(measuring, monkeypatch):
    never = Probe(BF16_FASTER)
    assert choose_precision("auto", torch.device("cuda"), probe=never).precision == "fp16"
    assert choose_precision("auto", torch.device("mps"), probe=never).precision == "fp32"
    assert choose_precision("fp32", CPU, probe=never).reason == "requested"
    assert choose_precision("auto", CPU, amp=False, probe=never).precision == "fp32"
    monkeypatch.setattr("resandi_lite.train.config.cpu_has_native_bf16", lambda: False)
    assert str(choose_precision("auto", CPU, probe=never)) == "fp32 (flags: this CPU has no bfloat16 instructions)"
    assert never.calls == 0
    monkeypatch.setattr("resandi_lite.train.config.cpu_has_native_bf16", lambda: True)
    monkeypatch.setenv(precision_module.PROBE_ENV, "0")
    assert choose_precision("auto", CPU, probe=never).reason == "flags"
    monkeypatch.delenv(precision_module.PROBE_ENV)
    assert choose_precision("auto", CPU, probe=Probe(FP32_FASTER)).precision == "fp32"
    with pytest.raises(ValueError, match="precision must be one of auto, fp32, bf16, fp16, got 'fp8'"):
        choose_precision("fp8", CPU)


# -- a resumed run keeps its precision ---------------------------------------------------------------------------


def test_a_resumed_run_keeps_the_recorded_precision(measuring, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(precision_module, "probe_rates", Probe(BF16_FASTER))
    fit(TrainConfig(**TINY), tmp_path / "run", max_batches=1)
    out = capsys.readouterr().out
    assert "CPU " in out and "bfloat16 instructions" in out and "precision bf16 (measured" in out
    # the machine now measures fp32 faster (heavy load): the run carries on in bf16 all the same, without probing
    measuring.unlink()
    monkeypatch.setattr(precision_module, "probe_rates", lambda device: pytest.fail("a resumed run probed"))
    _, history = fit(TrainConfig(**TINY), tmp_path / "run", resume=True)
    assert "precision bf16 (checkpoint" in capsys.readouterr().out
    assert [e["precision"] for e in history] == ["bf16", "bf16"]
    assert load_checkpoint(tmp_path / "run" / "checkpoint.pt")["precision"] == "bf16"
    # asking for the recorded one by name is the same run; asking for another is refused, naming precision
    fit(TrainConfig(**TINY, precision="bf16"), tmp_path / "run", resume=True, progress=False)
    with pytest.raises(ValueError, match="cannot resume .* in precision 'fp32': it trained in 'bf16'"):
        fit(TrainConfig(**TINY, precision="fp32"), tmp_path / "run", resume=True, progress=False)


def test_recorded_precision_of_old_and_new_checkpoints():
    assert recorded_precision({"precision": "bf16"}, CPU).precision == "bf16"
    from_history = {"state": {"history": [{"precision": "fp32"}, {"precision": "bf16"}]}, "config": {}}
    assert recorded_precision(from_history, CPU).precision == "bf16"
    # written before precision existed: fp16 under amp on CUDA, fp32 elsewhere, as fit() did then
    old = {"state": {"history": [{"epoch": 1}]}, "config": {"amp": True}}
    assert recorded_precision(old, CPU).precision == "fp32"
    assert recorded_precision(old, torch.device("cuda")).precision == "fp16"


def test_an_old_checkpoint_without_the_new_fields_resumes(tmp_path):
    fit(TrainConfig(**TINY, precision="fp32"), tmp_path, progress=False, max_batches=1)
    ckpt = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    for key in ("optimizer", "ema"):
        del ckpt["config"][key]
    del ckpt["precision"], ckpt["sha256"]
    torch.save(ckpt, tmp_path / "checkpoint.pt")
    _, history = fit(TrainConfig(**TINY, precision="fp32"), tmp_path, resume=True, progress=False)
    assert len(history) == 2 and {e["precision"] for e in history} == {"fp32"}


# -- a group of runs shares one precision ------------------------------------------------------------------------


def _finished_run(folder: Path, precision: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "log.json").write_text(json.dumps({"history": [{"epoch": 1, "precision": precision}]}))
    return folder


def test_shared_precision_follows_the_runs_already_trained(measuring, tmp_path):
    probe = Probe(FP32_FASTER)
    runs = [_finished_run(tmp_path / f"random-seed{k}", "bf16") for k in range(2)] + [tmp_path / "not-yet"]
    choice = shared_precision(runs, "auto", CPU, probe=probe)
    assert (choice.precision, choice.reason, probe.calls) == ("bf16", "shared", 0)
    assert shared_precision([tmp_path / "not-yet"], "auto", CPU, probe=probe).precision == "fp32"
    assert shared_precision(runs, "fp32", CPU).precision == "fp32"  # an explicit request is kept


def test_the_augmentation_experiment_pins_the_precision_of_its_finished_runs(measuring, monkeypatch, tmp_path):
    from resandi_lite.augment import scratch

    monkeypatch.setattr(precision_module, "probe_rates", Probe(FP32_FASTER))  # today's probe would say fp32
    config = TrainConfig.recipe("cpu", max_epochs=2, fresh_data=False)
    settings = {"config": config.to_dict(), "train_per_class": 12, "sigmas": [0.0]}
    # an experiment.json of an older version: no recorded precision, no optimizer or ema in its config
    old = json.loads(json.dumps(settings))
    del old["config"]["optimizer"], old["config"]["ema"]
    tmp_path.joinpath("experiment.json").write_text(json.dumps(old))
    scratch._check_experiment(tmp_path, settings)  # accepted: the new fields take their defaults
    _finished_run(tmp_path / "base", "bf16")
    _finished_run(tmp_path / "targeted-seed0", "bf16")
    said = []
    assert scratch._experiment_precision(tmp_path, config, said.append) == "bf16"
    assert json.loads(tmp_path.joinpath("experiment.json").read_text())["precision"] == "bf16"
    assert "bf16" in said[0]
    scratch._check_experiment(tmp_path, settings)  # the recorded precision is not a changed setting
    # once recorded, it holds even if the runs' logs are gone
    for log in tmp_path.glob("*/log.json"):
        log.unlink()
    assert scratch._experiment_precision(tmp_path, config, said.append) == "bf16"
    assert "recorded in experiment.json" in said[-1]
    # a new experiment measures, and records what it measured for its later networks
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    fresh.joinpath("experiment.json").write_text(json.dumps(settings))
    assert scratch._experiment_precision(fresh, config, said.append) == "fp32"
    assert json.loads(fresh.joinpath("experiment.json").read_text())["precision"] == "fp32"


def test_a_run_started_in_auto_resumes_under_the_experiments_pinned_precision(measuring, monkeypatch, tmp_path):
    # the in-progress run of an experiment: saved with precision "auto", continued with the pinned "bf16"
    monkeypatch.setattr(precision_module, "probe_rates", Probe(BF16_FASTER))
    fit(TrainConfig(**TINY), tmp_path, max_batches=1, progress=False)
    _, history = fit(TrainConfig(**TINY, precision="bf16"), tmp_path, resume=True, progress=False)
    assert {e["precision"] for e in history} == {"bf16"}


# -- the fast recipe: optimizer and moving average of the weights -------------------------------------------------


def test_optimizer_and_ema_are_validated():
    with pytest.raises(ValueError, match="optimizer must be one of adam, adamw, sgd, got 'rmsprop'"):
        TrainConfig(optimizer="rmsprop")
    with pytest.raises(ValueError, match="optimizer must be one of"):
        TrainConfig(optimizer=None)
    with pytest.raises(ValueError, match=r"ema must be in \[0, 1\)"):
        TrainConfig(ema=1.0)
    with pytest.raises(ValueError, match="ema must be >= 0"):
        TrainConfig(ema=-0.1)
    with pytest.raises(TypeError, match="ema must be a number"):
        TrainConfig(ema="0.9")
    params = [torch.zeros(1, requires_grad=True)]
    assert type(make_optimizer(params, TrainConfig())) is torch.optim.Adam
    assert type(make_optimizer(params, TrainConfig(optimizer="adamw"))) is torch.optim.AdamW
    sgd = make_optimizer(params, TrainConfig(optimizer="sgd", lr=0.1, weight_decay=1e-4))
    assert type(sgd) is torch.optim.SGD and sgd.defaults["nesterov"] and sgd.defaults["momentum"] == 0.9


def test_the_fast_recipe_trains_a_few_batches(tmp_path):
    config = TrainConfig.recipe(
        "fast", train_per_class=8, val_per_class=2, batch_size=16, bn_batches=1, max_epochs=2, device="cpu"
    )
    assert TrainConfig.recipe("paper") == TrainConfig()  # the paper's recipe stays the default
    assert (config.optimizer, config.num_workers, config.fresh_data) == ("adamw", 1, True) and 0 < config.ema < 1
    model, _ = fit(config, tmp_path, progress=False, max_batches=2)
    ckpt = load_checkpoint(tmp_path / "checkpoint.pt")
    assert ckpt["state"]["batch"] == 2 and int(ckpt["ema"]["n_averaged"]) == 2
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_ema_weights_differ_from_the_raw_ones_and_are_validated_and_kept(tmp_path):
    config = TrainConfig(**{**TINY, "max_epochs": 1}, lr=1e-2, ema=0.5, precision="fp32")
    model, history = fit(config, tmp_path, progress=False)
    ckpt = load_checkpoint(tmp_path / "checkpoint.pt")
    raw = ckpt["model"]
    ema = {k.removeprefix("module."): v for k, v in ckpt["ema"].items() if k.startswith("module.")}
    assert raw.keys() == ema.keys()
    assert any(not torch.equal(raw[k], ema[k]) for k in raw if raw[k].is_floating_point())
    # best.pt and the returned network are the average, and the validation measured the average
    best = load_checkpoint(tmp_path / "best.pt")["model"]
    assert all(torch.equal(best[k], ema[k]) for k in ema)
    assert all(torch.equal(v, ema[k]) for k, v in model.state_dict().items())
    val = validation_set(config)
    loss, acc = evaluate_loss(model, val.X, val.y, CPU)
    assert (loss, acc) == pytest.approx((history[0]["val_loss"], history[0]["val_acc"]), rel=1e-6)


def test_an_ema_run_resumes_to_the_same_average(tmp_path):
    config = TrainConfig(**TINY, ema=0.6, precision="fp32")
    straight, _ = fit(config, tmp_path / "a", progress=False)
    fit(config, tmp_path / "b", progress=False, max_batches=1)
    resumed, _ = fit(config, tmp_path / "b", resume=True, progress=False)
    a, b = straight.state_dict(), resumed.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


# -- benchmarks/speedrun.py ---------------------------------------------------------------------------------------

CURVE = [
    {"seconds": 120.0, "samples": 1000, "accuracy": 0.80, "accuracy_symmetrized": 0.82},
    {"seconds": 240.0, "samples": 2000, "accuracy": 0.90, "accuracy_symmetrized": 0.91},
    {"seconds": 360.0, "samples": 3000, "accuracy": 0.95, "accuracy_symmetrized": 0.96},
]


def test_time_to_target_on_a_synthetic_curve():
    hit = speedrun.time_to_target(CURVE, 0.925)
    assert hit == {
        "seconds": 360.0,
        "samples": 3000,
        "interpolated_seconds": pytest.approx(300.0),
        "interpolated_samples": pytest.approx(2500.0),
    }
    sym = speedrun.time_to_target(CURVE, 0.865, "accuracy_symmetrized")
    assert (sym["seconds"], sym["interpolated_seconds"]) == (240.0, pytest.approx(120 + 120 * 0.5))
    assert speedrun.time_to_target(CURVE, 0.5)["interpolated_seconds"] == 120.0  # crossed at the first point
    assert speedrun.time_to_target(CURVE, 0.9)["seconds"] == 240.0  # reaching the target counts
    assert speedrun.time_to_target(CURVE, 0.99) is None
    assert speedrun.binomial_stderr(0.9, 8000) == pytest.approx(math.sqrt(0.9 * 0.1 / 8000))
    runs = [
        {"time_to_target": {"accuracy": {"interpolated_seconds": 100.0}}},
        {"time_to_target": {"accuracy": {"interpolated_seconds": 300.0}}},
        {"time_to_target": {"accuracy": None}},
    ]
    assert speedrun.median_time(runs) == 300.0  # the seed that never reached it counts as infinitely slow
    assert speedrun.median_time(runs[:2]) == 200.0
    assert speedrun.median_time(runs[1:]) == math.inf


def test_arms_and_their_changes():
    assert speedrun.parse_changes("ema=0, optimizer=sgd,lr=0.1,fresh_data=false,length=1000") == [
        ("ema", 0.0),
        ("optimizer", "sgd"),
        ("lr", 0.1),
        ("fresh_data", False),
        ("length", 1000),
    ]
    with pytest.raises(ValueError, match="TrainConfig field"):
        speedrun.parse_changes("tta=1")
    with pytest.raises(ValueError, match="batch_size must be a int, got 'big'"):
        speedrun.parse_changes("batch_size=big")
    arm = speedrun.Arm("fast", (("ema", 0.0), ("lr", 0.004)), (("max_epochs", 2),))
    assert arm.name == "fast+ema=0.0+lr=0.004"
    config = arm.config(3)
    assert (config.ema, config.lr, config.max_epochs, config.seed, config.optimizer) == (0.0, 0.004, 2, 3, "adamw")
    assert speedrun.default_target("varying") == pytest.approx(0.9036)
    assert speedrun.default_target(1000) == pytest.approx(0.9489)


def _args(out: Path, minutes: float) -> argparse.Namespace:
    return argparse.Namespace(
        out=out, minutes=minutes, eval_every=1e-6, test_per_class=2, test_seed=1, target=0.5, threads=1
    )


TINY_ARM = speedrun.Arm(
    "cpu",
    overrides=tuple(
        dict(train_per_class=4, val_per_class=1, batch_size=16, max_epochs=2, bn_batches=1, device="cpu").items()
    ),
)


def test_speedrun_json_round_trip_resume_and_skip(tmp_path, monkeypatch):
    test = make_dataset(2, "varying", seed=1)
    # an arm trained straight to its end
    straight = speedrun.run_arm(TINY_ARM, 0, _args(tmp_path / "a", 60), test)
    assert straight["finished"] and straight["stopped"] == "max_epochs" and straight["sessions"] == 1
    stored = json.loads((tmp_path / "a" / "cpu-seed0.json").read_text())
    assert stored == json.loads(json.dumps(straight))
    assert {"cpu", "bf16_flags", "threads", "torch", "precision", "precision_reason"} <= set(stored["machine"])
    curve = stored["curve"]
    assert [p["samples"] for p in curve] == sorted(p["samples"] for p in curve) and curve[-1]["samples"] == 64
    assert all(p["seconds"] >= p["train_seconds"] > 0 and p["wall_seconds"] > 0 for p in curve)
    assert stored["final"]["accuracy"] == curve[-1]["accuracy"]
    p = curve[-1]["accuracy"]
    assert stored["final"]["stderr"] == pytest.approx(math.sqrt(p * (1 - p) / 16))
    # an interrupted arm: stopped by a budget before its first batch, then continued to the same end
    first = speedrun.run_arm(TINY_ARM, 0, _args(tmp_path / "b", 1e-9), test)
    assert first["stopped"] == "budget" and first["curve"][-1]["samples"] == 0
    resumed = speedrun.run_arm(TINY_ARM, 0, _args(tmp_path / "b", 60), test)
    assert resumed["stopped"] == "max_epochs" and resumed["sessions"] == 2
    assert resumed["curve"][0] == first["curve"][0]  # the points of the first session are kept
    assert resumed["final"]["accuracy"] == straight["final"]["accuracy"]  # and training continued where it was
    assert resumed["final"]["samples"] == straight["final"]["samples"]
    # a finished arm is read back, not trained again; other settings are refused
    monkeypatch.setattr(speedrun.TrainingRun, "start", lambda *a, **k: pytest.fail("a finished arm was trained"))
    assert speedrun.run_arm(TINY_ARM, 0, _args(tmp_path / "a", 60), test)["curve"] == straight["curve"]
    # whatever its test cadence (an ablation measured at another --eval-every reads its base back)
    other_cadence = _args(tmp_path / "a", 60)
    other_cadence.eval_every += 1
    assert speedrun.run_arm(TINY_ARM, 0, other_cadence, test)["curve"] == straight["curve"]
    # but an unfinished one is continued only at its own cadence
    unfinished = _args(tmp_path / "b", 60)
    json_b = tmp_path / "b" / "cpu-seed0.json"
    json_b.write_text(json.dumps({**json.loads(json_b.read_text()), "finished": False}))
    unfinished.eval_every += 1
    with pytest.raises(ValueError, match=r"other settings \(eval_every differ\)"):
        speedrun.Speedrun(TINY_ARM, 0, unfinished, test)
    # and so is one stopped by a shorter budget than this one, which this budget trains further
    json_b.write_text(json.dumps({**json.loads(json_b.read_text()), "finished": True, "stopped": "budget"}))
    with pytest.raises(ValueError, match=r"other settings \(eval_every differ\)"):
        speedrun.Speedrun(TINY_ARM, 0, unfinished, test)
    other = speedrun.Arm("cpu", overrides=(*TINY_ARM.overrides, ("lr", 0.5)))
    with pytest.raises(ValueError, match=r"other settings \(config differ\)"):
        speedrun.Speedrun(other, 0, _args(tmp_path / "a", 60), test)
    # the table of arms reads the JSON files back
    rows = speedrun.summary(speedrun.read_results(tmp_path / "a"))
    assert list(rows) == ["cpu"] and rows["cpu"]["seeds"] == [0]
    assert speedrun.table(rows).splitlines()[2].startswith("| cpu | 1 |")
    assert np.isfinite(rows["cpu"]["final_accuracy"])
    # the copy for the book: the curve and what the chapter reads, nothing else
    monkeypatch.undo()  # rebuilding the final network starts its run again
    shipped = speedrun.ship(tmp_path / "a", tmp_path / "speedrun.json", test=test)
    assert json.loads((tmp_path / "speedrun.json").read_text()) == json.loads(json.dumps(shipped))
    assert shipped["target"] == 0.5 and shipped["test"] == stored["test"]
    (run,) = shipped["arms"]["cpu"]["runs"]
    assert run["curve"] == [{k: p[k] for k in speedrun.POINT_FIELDS} for p in curve]
    assert run["final"] == stored["final"] and run["machine"] == stored["machine"] and run["seed"] == 0
    # paired with the shipped network on the same 16 trajectories, from the network rebuilt from the checkpoint
    from resandi_lite.pretrained import load_pretrained

    versus = run["versus_shipped"]
    lite = load_pretrained("lite")
    for suffix, symmetrize in (("", False), ("_symmetrized", True)):
        theirs = np.mean(speedrun.predict_logits(lite, test.X, symmetrize=symmetrize).argmax(1) == test.y)
        assert versus[f"shipped_accuracy{suffix}"] == pytest.approx(theirs)
        assert versus[f"difference{suffix}"] == pytest.approx(100 * (run["final"][f"accuracy{suffix}"] - theirs))
        assert versus[f"stderr{suffix}"] >= 0 and 0 < versus[f"mcnemar_p{suffix}"] <= 1
    gain = 100 * (run["final"]["accuracy_symmetrized"] - run["final"]["accuracy"])
    assert versus["symmetry_gain"] == pytest.approx(gain) and versus["symmetry_gain_stderr"] >= 0
    # the chapter's table of runs
    from resandi_lite.pretrained import speedrun_table

    lines = str(speedrun_table(shipped)).splitlines()
    assert lines[0].startswith("| run | machine | samples/s |") and "minutes to 50.00%" in lines[0]
    cells = [c.strip() for c in lines[2].strip("|").split("|")]
    f = run["final"]
    assert cells[0] == "cpu, seed 0" and cells[1].startswith(stored["machine"]["cpu"])
    assert cells[4] == f"{100 * f['accuracy']:.2f} ± {100 * f['stderr']:.2f}"
    hit = run["time_to_target"]["accuracy"]
    assert cells[6] == ("not reached" if hit is None else f"{hit['interpolated_seconds'] / 60:.1f}")
    assert cells[8].startswith(f"{versus['difference']:+.2f} ± {versus['stderr']:.2f} (p ")
    assert cells[10] == f"{versus['symmetry_gain']:+.2f} ± {versus['symmetry_gain_stderr']:.2f}"
    assert len(lines) == 5 and lines[4].startswith("Test set: 16 fresh trajectories (varying length)")
    last = stored["curve"][-1]
    moved = dict(stored, curve=[*stored["curve"][:-1], dict(last, batch=last["batch"] + 1)])
    with pytest.raises(ValueError, match="not at the last point's"):
        speedrun.final_network(moved, tmp_path / "a")
    assert shipped["arms"]["cpu"]["summary"] == json.loads(json.dumps(rows["cpu"]))
    assert shipped["versus_arms"] == [] and shipped["unpaired"] == []  # one arm: nothing to pair it with
    assert shipped["test_fingerprint"] == speedrun.fingerprint(test)
    # a second arm beside it: every run of the first paired with every run of the second
    other = speedrun.Arm("cpu", (("lr", 0.01),), TINY_ARM.overrides)
    second = speedrun.run_arm(other, 0, _args(tmp_path / "a", 60), test)
    both = speedrun.ship(tmp_path / "a", tmp_path / "speedrun.json", test=test)
    (pair,) = both["versus_arms"]
    # a base arm before its ablation, though "cpu+lr=0.01-seed0.json" sorts before "cpu-seed0.json"
    assert (pair["a"], pair["b"]) == ({"arm": "cpu", "seed": 0}, {"arm": "cpu+lr=0.01", "seed": 0})
    for suffix in ("", "_symmetrized"):
        expected = 100 * (stored["final"][f"accuracy{suffix}"] - second["final"][f"accuracy{suffix}"])
        assert pair[f"difference{suffix}"] == pytest.approx(expected)
        assert 0 < pair[f"mcnemar_p{suffix}"] <= 1
    assert both["arms"]["cpu"]["runs"][0]["versus_shipped"] == run["versus_shipped"]  # computed once, the same
    # the checkpoints are not committed: the runs' JSONs keep their predictions (the rebuilt network's), and
    # the pairs outlive them
    rebuilt, kept = speedrun.final_correct(stored, tmp_path / "a", test), speedrun.kept(stored, test)
    assert all(np.array_equal(rebuilt[key], kept[key]) for key, _ in speedrun.TESTS)
    # a JSON without them (measured before runs kept them) gets them from its checkpoint, unless a process
    # holds the arm's lock (it is continuing the arm and writes the JSON itself)
    from filelock import FileLock

    path = tmp_path / "a" / "cpu-seed0.json"
    path.write_text(json.dumps({k: v for k, v in stored.items() if k != "final_correct"}))
    with FileLock(tmp_path / "a" / "cpu-seed0.lock"):
        assert speedrun.ship(tmp_path / "a", tmp_path / "locked.json", test=test) == both
    assert "final_correct" not in json.loads(path.read_text())
    assert speedrun.ship(tmp_path / "a", tmp_path / "unlocked.json", test=test) == both
    assert json.loads(path.read_text())["final_correct"] == stored["final_correct"]
    for folder in ("cpu-seed0", "cpu+lr=0.01-seed0"):
        (tmp_path / "a" / folder / "checkpoint.pt").unlink()
    monkeypatch.setattr(speedrun, "final_network", lambda *a: pytest.fail("a kept network was rebuilt"))
    assert speedrun.ship(tmp_path / "a", tmp_path / "again.json", test=test) == both
    # a run that keeps none: an earlier copy's comparisons on the same test set stand in, else it is unpaired
    path.write_text(json.dumps({k: v for k, v in json.loads(path.read_text()).items() if k != "final_correct"}))
    assert speedrun.ship(tmp_path / "a", tmp_path / "speedrun.json", test=test) == both
    alone = speedrun.ship(tmp_path / "a", tmp_path / "new.json", test=test)
    assert alone["versus_arms"] == [] and alone["unpaired"] == [{k: pair[k] for k in ("a", "b")}]
    assert alone["arms"]["cpu"]["runs"][0]["versus_shipped"] is None
    assert (
        alone["arms"]["cpu+lr=0.01"]["runs"][0]["versus_shipped"]
        == both["arms"]["cpu+lr=0.01"]["runs"][0]["versus_shipped"]
    )
    other_set = make_dataset(2, "varying", seed=2)
    assert speedrun.ship(tmp_path / "a", tmp_path / "speedrun.json", test=other_set)["versus_arms"] == []
    monkeypatch.undo()
    # the shipped network's route: its three stages' epochs, samples added up across them
    logs = [json.loads((stage / "log.json").read_text())["history"] for stage in speedrun.ROUTE]
    route = shipped["route"]
    assert [p["stage"] for p in route] == [i for i, log in enumerate(logs) for _ in log]
    assert route[-1]["samples"] == sum(e["samples"] for log in logs for e in log)
    assert route[-1]["val_acc"] == logs[-1][-1]["val_acc"] and route[0]["samples"] == logs[0][0]["samples"]
    with pytest.raises(ValueError, match="stage 1 of the route, .* holds no log.json"):
        speedrun.route([speedrun.ROUTE[0], tmp_path])
    with pytest.raises(ValueError, match="holds no finished arm"):
        speedrun.ship(tmp_path / "empty", tmp_path / "nothing.json")
    assert not (tmp_path / "nothing.json").exists()


def _synthetic_runs(finals: dict) -> dict:
    """A :func:`speedrun`-like dict of arms whose runs end at the given final accuracies, paired across arms."""
    arms = {
        name: {
            "runs": [
                {"seed": k, "final": {"accuracy": acc}, "curve": [{"seconds": 60.0 * (k + 50), "accuracy": acc}]}
                for k, acc in enumerate(accs)
            ]
        }
        for name, accs in finals.items()
    }
    (first, a), (second, b), *_ = finals.items()  # pairs of the first two arms only
    pairs = [
        {
            "a": {"arm": first, "seed": i},
            "b": {"arm": second, "seed": j},
            "difference": 100 * (x - y),
            "stderr": 0.3,
            "mcnemar_p": p,
            "difference_symmetrized": 100 * (x - y),
            "stderr_symmetrized": 0.3,
            "mcnemar_p_symmetrized": p / 2,
        }
        for (i, x), p in zip(enumerate(a), (0.01, 0.02, 0.2))
        for j, y in enumerate(b)
    ]
    return {"test": {"n": 8000, "length": "varying"}, "arms": arms, "versus_arms": pairs}


def test_kept_predictions_round_trip_and_belong_to_one_point_and_one_test_set():
    test = make_dataset(3, "varying", seed=1)
    rng = np.random.default_rng(0)
    correct = {key: rng.random(len(test.y)) < 0.7 for key, _ in speedrun.TESTS}
    point = {"epoch": 4, "batch": 17}
    result = {"curve": [{"epoch": 1, "batch": 0}, point], "final_correct": speedrun.keep(correct, test, point)}
    back = speedrun.kept(json.loads(json.dumps(result)), test)
    assert all(back[key].dtype == bool and np.array_equal(back[key], correct[key]) for key in correct)
    assert speedrun.kept(dict(result, curve=[*result["curve"], {"epoch": 4, "batch": 18}]), test) is None
    assert speedrun.kept(result, make_dataset(3, "varying", seed=2)) is None
    assert speedrun.kept({"curve": [point]}, test) is None
    assert speedrun.fingerprint(test) == speedrun.fingerprint(make_dataset(3, "varying", seed=1))


def test_speedrun_versus_pairs_runs_under_holm_and_compares_recipes_over_seeds():
    from scipy.stats import ttest_ind

    from resandi_lite.pretrained import speedrun_versus
    from resandi_lite.verdict import holm

    finals = {"fast": [0.8834, 0.8931], "cpu": [0.8790, 0.8810, 0.8760]}
    results = _synthetic_runs(finals)
    table = speedrun_versus(results)
    lines = str(table).splitlines()
    assert lines[0] == "| first minus second | minutes | difference (points) | p (Holm) | symmetrized | p (Holm) |"
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:8]]
    assert [r[0] for r in rows] == [f"fast seed {i} − cpu seed {j}" for i in (0, 1) for j in (0, 1, 2)]
    assert rows[1][1] == "50.0 and 51.0"
    assert rows[0][2] == f"{100 * (0.8834 - 0.8790):+.2f} ± 0.30"
    pairs = results["versus_arms"]
    adjusted = holm([q for pair in pairs for q in (pair["mcnemar_p"], pair["mcnemar_p_symmetrized"])])
    assert [r[3] for r in rows] == [f"{q:.2g}" for q in adjusted[0::2]]
    assert [r[5] for r in rows] == [f"{q:.2g}" for q in adjusted[1::2]]
    # over seeds: Welch's interval, as scipy gives it
    a, b = 100 * np.array(finals["fast"]), 100 * np.array(finals["cpu"])
    interval = ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    caption = table.caption
    assert "adjusted by Holm over the 12 tests" in caption and "fast 88.83% over 2 seeds; cpu" in caption
    assert f"{a.mean() - b.mean():+.2f} points, 95% interval {interval.low:+.2f} to {interval.high:+.2f}" in caption
    spread = np.sqrt((a.std(ddof=1) ** 2 + b.std(ddof=1) ** 2) / 2)
    assert f"a standard deviation of {spread:.2f} points" in caption
    needed = int(np.ceil(2 * (1.96 * spread / (a.mean() - b.mean())) ** 2))
    assert f"about {max(2, needed)} seeds per arm" in caption
    # one seed of the reference: the pairs stand, the recipes' difference over seeds has no interval
    single = speedrun_versus(_synthetic_runs({"fast": finals["fast"], "cpu": finals["cpu"][:1]}))
    assert len(str(single).split("\n\n")[0].splitlines()) == 4  # header, rule, two pairs
    assert f"fast minus cpu over seeds: {a.mean() - b[0]:+.2f} points, with no interval: cpu has one seed" in (
        single.caption
    )
    assert f"(the other's seeds differ by a standard deviation of {a.std(ddof=1):.2f} points)" in single.caption
    needed = int(np.ceil(2 * (1.96 * a.std(ddof=1) / (a.mean() - b[0])) ** 2))
    assert single.caption.endswith(
        f"about {max(2, needed)} seeds per arm would put zero outside a 95% interval if "
        "the difference is what was measured."
    )
    # pairs whose predictions were lost: left out of the table and the family, named in the caption
    lost = dict(results, versus_arms=pairs[:4], unpaired=[{k: pair[k] for k in ("a", "b")} for pair in pairs[4:]])
    partial = speedrun_versus(lost)
    assert len(str(partial).split("\n\n")[0].splitlines()) == 6 and "Holm over the 8 tests" in partial.caption
    assert "Not paired: fast seed 1 − cpu seed 1, fast seed 1 − cpu seed 2; a network's predictions were lost" in (
        partial.caption
    )
    assert interval_text(partial.caption) == interval_text(caption)  # over seeds: every run counts
    with pytest.raises(ValueError, match="results must hold versus_arms"):
        speedrun_versus({"arms": results["arms"], "versus_arms": []})


def test_speedrun_versus_compares_every_two_of_three_arms_over_seeds_under_bonferroni():
    from scipy.stats import norm, ttest_ind

    from resandi_lite.pretrained import speedrun_versus

    finals = {"anneal": [0.9050, 0.9010], "cpu": [0.8916, 0.8954], "fast": [0.8834, 0.8931]}
    caption = speedrun_versus(_synthetic_runs(finals)).caption
    assert "the 3 differences of arms' means have Bonferroni-adjusted intervals: each at 98.3%, 95% for" in caption
    for first, second in (("anneal", "cpu"), ("anneal", "fast"), ("cpu", "fast")):
        a, b = 100 * np.array(finals[first]), 100 * np.array(finals[second])
        low, high = ttest_ind(a, b, equal_var=False).confidence_interval(1 - 0.05 / 3)
        assert f"{first} minus {second} over seeds: {a.mean() - b.mean():+.2f} points, 98.3% interval " in caption
        assert f"98.3% interval {low:+.2f} to {high:+.2f}" in caption
        spread = np.sqrt((a.std(ddof=1) ** 2 + b.std(ddof=1) ** 2) / 2)  # the two arms' own spread
        needed = int(np.ceil(2 * (norm.ppf(1 - 0.05 / 6) * spread / (a.mean() - b.mean())) ** 2))
        assert f"differ by a standard deviation of {spread:.2f} points; about {max(2, needed)} seeds" in caption
    assert len(re.findall(r"\w+ minus \w+ over seeds: ", caption)) == 3 and "95% interval" not in caption


def test_arms_are_read_recipes_first_so_an_ablation_follows_its_base(tmp_path, monkeypatch):
    monkeypatch.setattr(speedrun, "summarize", lambda r: r)
    arms = {"cpu+max_epochs=25": {"max_epochs": 25}, "cpu": {}, "fast+ema=0.0": {"ema": 0.0}, "fast": {}}
    for name, changes in arms.items():
        for seed in (1, 0):
            run = {"arm": name, "changes": changes, "seed": seed, "finished": True, "curve": [{"seconds": 1.0}]}
            (tmp_path / f"{name}-seed{seed}.json").write_text(json.dumps(run))
    (tmp_path / "paper-seed0.json").write_text(json.dumps({"arm": "paper", "finished": False, "curve": []}))
    results = speedrun.read_results(tmp_path)
    assert list(results) == ["cpu", "fast", "cpu+max_epochs=25", "fast+ema=0.0"]  # unfinished runs left out
    assert all([r["seed"] for r in runs] == [0, 1] for runs in results.values())


def interval_text(caption: str) -> str:
    return caption[caption.index(" minus ") :]


def test_plot_speedrun_draws_one_line_per_arm_and_seed():
    import matplotlib

    matplotlib.use("Agg")
    from resandi_lite.plotting import plot_speedrun

    runs = [{"seed": s, "curve": [dict(p, accuracy=p["accuracy"] - s / 100) for p in CURVE]} for s in (0, 1)]
    results = {"target": 0.9, "arms": {"fast": {"runs": runs}, "cpu": {"runs": runs[:1]}}}
    ax = plot_speedrun(results)
    lines = [line for line in ax.get_lines() if not line.get_label().startswith("paper")]
    assert [line.get_label() for line in lines] == ["fast, seed 0", "fast, seed 1", "cpu, seed 0"]
    assert list(lines[1].get_xdata()) == [2.0, 4.0, 6.0]  # seconds / 60
    assert list(lines[1].get_ydata()) == pytest.approx([79.0, 89.0, 94.0])
    assert ax.get_xlabel() == "training time (minutes)" and ax.get_ylabel() == "test accuracy (%)"
    (target,) = [line for line in ax.get_lines() if line.get_label().startswith("paper")]
    assert list(target.get_ydata()) == [90.0, 90.0]
    by_samples = plot_speedrun(results, x="samples", symmetrized=True)
    assert list(by_samples.get_lines()[0].get_xdata()) == [0.001, 0.002, 0.003]
    assert list(by_samples.get_lines()[0].get_ydata()) == pytest.approx([82.0, 91.0, 96.0])
    assert len(by_samples.get_lines()) == 4  # no route to draw
    results["route"] = [
        {"stage": 0, "samples": 500_000, "val_acc": 0.8},
        {"stage": 1, "samples": 900_000, "val_acc": 0.85},
    ]
    route = plot_speedrun(results, x="samples").get_lines()[3]
    assert route.get_label() == "the shipped network's route (validation)"
    assert (list(route.get_xdata()), list(route.get_ydata())) == ([0.5, 0.9], [80.0, 85.0])
    assert len(plot_speedrun(results).get_lines()) == 4  # not against minutes: its hours were another machine's
    assert plot_speedrun(results).get_legend() is not None
    quiet = plot_speedrun(results, x="samples", legend=False)  # the caller draws one legend for several panels
    assert quiet.get_legend() is None and len(quiet.get_legend_handles_labels()[1]) == 5
    with pytest.raises(ValueError, match="x must be 'minutes' or 'samples', got 'hours'"):
        plot_speedrun(results, x="hours")


def test_cli_trains_the_fast_recipe_with_the_new_options(tmp_path):
    from resandi_lite.__main__ import main

    tiny = "--train-per-class 4 --val-per-class 1 --batch-size 16 --bn-batches 1 --max-epochs 1 --device cpu"
    code = main(["train", "--recipe", "fast", "--out", str(tmp_path), *tiny.split(), "--optimizer", "sgd"])
    assert code == 0
    config = load_checkpoint(tmp_path / "checkpoint.pt")["config"]
    assert (config["optimizer"], config["ema"], config["batch_size"]) == ("sgd", 0.998, 16)
    assert main(["train", "--out", str(tmp_path / "x"), "--optimizer", "rmsprop"]) == 2  # refused in one line


def test_the_shipped_speedrun_agrees_with_its_own_curves():
    """What chapter 6 reads: every number is the one its curve gives, on one test set, for the recipe as it is."""
    from resandi_lite.pretrained import speedrun as shipped_speedrun

    shipped = shipped_speedrun()
    assert shipped["test"]["n"] == 8 * shipped["test"]["per_class"] and shipped["test"]["length"] == "varying"
    assert shipped["target"] == pytest.approx(speedrun.default_target("varying"))
    assert "fast" in shipped["arms"] and len(shipped["arms"]["fast"]["runs"]) >= 2  # the two seeds
    for name, arm in shipped["arms"].items():
        runs = arm["runs"]
        assert arm["summary"]["seeds"] == [r["seed"] for r in runs]
        if name in speedrun.RECIPES:  # a recipe's own arm (fast, the cpu reference): measured as it ships now
            assert all(
                TrainConfig.saved_dict(r["config"]) == TrainConfig.recipe(name, seed=r["seed"]).to_dict() for r in runs
            )
        for r in runs:
            curve, final = r["curve"], r["final"]
            assert [p["samples"] for p in curve] == sorted(p["samples"] for p in curve)
            assert final["accuracy"] == curve[-1]["accuracy"] and final["samples"] == curve[-1]["samples"]
            assert final["stderr"] == pytest.approx(speedrun.binomial_stderr(final["accuracy"], shipped["test"]["n"]))
            for key in ("accuracy", "accuracy_symmetrized"):
                assert r["time_to_target"][key] == speedrun.time_to_target(curve, shipped["target"], key)
            assert r["machine"]["cpu"] and r["machine"]["precision"] in ("bf16", "fp32")
            versus = r["versus_shipped"]
            assert versus["difference"] == pytest.approx(100 * (final["accuracy"] - versus["shipped_accuracy"]))
        median = speedrun.median_time(runs, "accuracy")  # inf: the median seed never reached the target
        assert arm["summary"]["median_seconds"] == (None if math.isinf(median) else median)
    assert shipped["route"][-1]["samples"] == 6_320_000  # the shipped network's 6.32 M trajectories
    # every run of an arm paired with every run of each later arm, each difference the one the finals give
    arms = list(shipped["arms"].values())
    assert len(shipped["versus_arms"]) + len(shipped["unpaired"]) == sum(
        len(a["runs"]) * len(b["runs"]) for i, a in enumerate(arms) for b in arms[i + 1 :]
    )
    finals = {(name, r["seed"]): r["final"] for name, arm in shipped["arms"].items() for r in arm["runs"]}
    for pair in shipped["versus_arms"]:
        a, b = finals[pair["a"]["arm"], pair["a"]["seed"]], finals[pair["b"]["arm"], pair["b"]["seed"]]
        for suffix in ("", "_symmetrized"):
            expected = 100 * (a[f"accuracy{suffix}"] - b[f"accuracy{suffix}"])
            assert pair[f"difference{suffix}"] == pytest.approx(expected)
