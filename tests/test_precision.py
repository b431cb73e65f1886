"""Mixed precision, the cosine schedule and the named recipes of resandi_lite.train."""

import json
import math

import pytest
import torch

from resandi_lite.train import RECIPES, TrainConfig, fit, make_scheduler, resolve_precision

TINY = dict(
    preset="lite",
    train_per_class=16,
    val_per_class=4,
    batch_size=32,
    max_epochs=2,
    seed=0,
    device="cpu",
    checkpoint_every=0,
)


@pytest.mark.parametrize(
    "device, native, expected",
    [("cuda", False, "fp16"), ("cpu", True, "bf16"), ("cpu", False, "fp32"), ("mps", True, "fp32")],
)
def test_auto_precision_per_device(monkeypatch, device, native, expected):
    # patched where resolve_precision reads it
    monkeypatch.setattr("resandi_lite.train.config.cpu_has_native_bf16", lambda: native)
    assert resolve_precision("auto", torch.device(device)) == expected


@pytest.mark.parametrize("precision", ["fp32", "bf16", "fp16"])
def test_explicit_precision_is_kept(precision):
    assert resolve_precision(precision, torch.device("cpu")) == precision


def test_bad_precision_and_recipe_are_refused():
    with pytest.raises(ValueError, match="precision must be one of auto, fp32, bf16, fp16, got 'fp8'"):
        TrainConfig(precision="fp8")
    with pytest.raises(ValueError, match="recipe must be one of paper, cpu, fast, got 'gpu'"):
        TrainConfig.recipe("gpu")
    with pytest.raises(ValueError, match="schedule must be"):
        TrainConfig(schedule="linear")
    with pytest.raises(ValueError, match="label_smoothing"):
        TrainConfig(label_smoothing=1.0)
    with pytest.raises(ValueError, match="warmup_epochs"):
        TrainConfig(warmup_epochs=5, max_epochs=5)


def test_paper_recipe_is_the_default_and_cpu_recipe_overrides_it():
    assert TrainConfig.recipe("paper") == TrainConfig()
    cpu = TrainConfig.recipe("cpu", length=1000)
    assert (cpu.schedule, cpu.lr, cpu.batch_size, cpu.label_smoothing, cpu.fresh_data, cpu.length) == (
        "cosine",
        2e-3,
        256,
        0.1,
        True,
        1000,
    )
    assert set(RECIPES["cpu"]) <= set(TrainConfig().to_dict())


def test_cosine_schedule_warms_up_linearly_then_decays_to_zero():
    config = TrainConfig(lr=1.0, schedule="cosine", warmup_epochs=1, max_epochs=4)
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=config.lr)
    scheduler = make_scheduler(optimizer, config, batches_per_epoch=10)
    lrs = []
    for _ in range(40):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert lrs[:10] == pytest.approx([(i + 1) / 10 for i in range(10)])
    # after the warm-up: half a cosine from 1 to 0 over the remaining 30 batches
    assert lrs[10:] == pytest.approx([0.5 * (1 + math.cos(math.pi * i / 30)) for i in range(30)])
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("precision", ["fp32", "bf16", "fp16"])
def test_each_precision_trains_and_is_recorded(tmp_path, precision):
    model, history = fit(TrainConfig(**TINY, precision=precision), tmp_path, progress=False)
    assert len(history) == 2 and all(math.isfinite(e["train_loss"]) for e in history)
    assert {e["precision"] for e in history} == {precision}
    assert all(p.dtype == torch.float32 for p in model.parameters())  # autocast never changes the weights
    ckpt = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    assert ckpt["precision"] == precision
    assert json.loads((tmp_path / "log.json").read_text())["history"][-1]["precision"] == precision
    # fp16 on the CPU runs through the gradient scaler, as it would on CUDA
    assert bool(ckpt["scaler"]) == (precision == "fp16")


def test_bf16_changes_the_arithmetic(tmp_path):
    _, fp32 = fit(TrainConfig(**TINY, precision="fp32"), tmp_path / "a", progress=False)
    _, bf16 = fit(TrainConfig(**TINY, precision="bf16"), tmp_path / "b", progress=False)
    assert fp32[0]["train_loss"] != bf16[0]["train_loss"]
    assert fp32[0]["train_loss"] == pytest.approx(bf16[0]["train_loss"], rel=0.05)


def test_cosine_run_ends_at_zero_learning_rate_and_smoothing_raises_the_loss(tmp_path):
    base = dict(TINY, precision="fp32", schedule="cosine", warmup_epochs=0.5, lr=1e-3)
    _, plain = fit(TrainConfig(**base), tmp_path / "plain", progress=False)
    _, smooth = fit(TrainConfig(**base, label_smoothing=0.1), tmp_path / "smooth", progress=False)
    assert plain[-1]["lr"] == pytest.approx(0.0, abs=1e-12)  # lr after the last batch of the last epoch
    assert plain[0]["lr"] == pytest.approx(1e-3 * 0.5 * (1 + math.cos(math.pi * 1 / 3)))
    # the first batch is identical; the smoothed loss of it is larger (its target is never a one-hot)
    assert smooth[0]["train_loss"] > plain[0]["train_loss"]
