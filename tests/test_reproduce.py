"""The paper at full scale, run at tiny scale on the CPU: network parameters, training paths, one command.

The end-to-end test runs ``python -m resandi_lite reproduce --tiny`` (the
paper's 18.5M-parameter network, a handful of batches, chapters 6-12 in the
paper profile) and then the same command with ``--resume``.  The CUDA-only
branches run here on their CPU counterparts: float16 autocast with a gradient
scaler on the CPU, DistributedDataParallel under torchrun on gloo.
"""

import json
import subprocess
import sys
import time

import nbformat
import pytest
import torch

from resandi_lite import report, reproduce
from resandi_lite.__main__ import _parser
from resandi_lite.train import TrainConfig, fit

TINY_LITE = dict(preset="lite", train_per_class=2, val_per_class=1, batch_size=8, max_epochs=1, device="cpu")


def test_networks_default_to_the_shipped_ones_and_to_chapter_6_runs_in_the_paper_profile(tmp_path):
    assert reproduce.networks("ci") == reproduce.networks("book") == {"varying": "lite", "fixed": "lite-T1000"}
    with pytest.raises(FileNotFoundError, match="reproduce --out DIR") as err:
        reproduce.networks("paper", runs=tmp_path)
    assert "06_training" in str(err.value) and str(tmp_path / "paper-varying" / "best.pt") in str(err.value)
    assert reproduce.networks("paper", runs=tmp_path, must_exist=False)["fixed"] == str(
        tmp_path / "paper-T1000" / "best.pt"
    )
    chosen = reproduce.networks("paper", "lite", "lite-T1000")  # shipped names are accepted in any profile
    assert chosen == {"varying": "lite", "fixed": "lite-T1000"}
    with pytest.raises(FileNotFoundError, match="no trained network at"):
        reproduce.networks("book", tmp_path / "missing.pt")
    with pytest.raises(TypeError, match="network_T1000 must be"):
        reproduce.networks("book", None, 3)
    assert reproduce.sizes("paper", True) == "ci" and reproduce.sizes("paper") == "paper"
    with pytest.raises(ValueError, match="profile must be one of"):
        reproduce.sizes("huge")


def test_describe_names_preset_parameters_and_origin():
    d = reproduce.describe("lite")
    assert d["preset"] == "lite" and 1_000_000 < d["parameters"] < 1_300_000
    assert d["origin"].startswith("shipped") and d["path"].endswith("lite.pt") and len(d["sha256"]) == 16
    assert "preset lite" in reproduce.which({"varying": "lite", "fixed": "lite-T1000"}, "fixed")


def test_paper_config_keeps_the_recipe_and_the_preset_when_tiny():
    full, tiny = reproduce.paper_config("varying"), reproduce.paper_config("fixed", tiny=True)
    assert full == TrainConfig(preset="paper") and full.train_per_class == 50_000
    assert tiny.preset == "paper" and tiny.length == 1000 and tiny.lr == full.lr and tiny.train_per_class == 2
    with pytest.raises(ValueError, match="protocol must be one of"):
        reproduce.paper_config("T1000")


@pytest.mark.parametrize("nproc", [1, 4])
def test_train_command_parses_back_to_the_same_config(tmp_path, nproc):
    config = reproduce.paper_config("fixed", tiny=True, noise=[0.0, 0.5], fresh_data=True, precision="bf16")
    args = reproduce.train_command(config, tmp_path, nproc)
    head = args.index("resandi_lite")
    assert ("torch.distributed.run" in args) == (nproc > 1) and f"--nproc-per-node={nproc}" in args or nproc == 1
    parsed = _parser().parse_args(args[head + 1 :])
    given = {f: getattr(parsed, f) for f in config.to_dict() if getattr(parsed, f, None) is not None}
    assert TrainConfig.recipe(parsed.recipe, **given) == config and parsed.resume and parsed.out == str(tmp_path)
    assert reproduce.command_text(config, "runs/x", nproc).startswith("torchrun" if nproc > 1 else "python -m")


def test_fp16_autocast_with_gradient_scaler_runs_on_the_cpu_and_resumes(tmp_path):
    """CUDA's branch (float16 autocast, GradScaler) taken on the CPU: finite weights, scaler state saved."""
    config = TrainConfig(**TINY_LITE, precision="fp16", checkpoint_every=1)
    fit(config, tmp_path, progress=False, max_batches=1)
    ckpt = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    assert ckpt["precision"] == "fp16" and ckpt["scaler"]["scale"] > 0
    model, history = fit(config, tmp_path, resume=True, progress=False)
    assert history[0]["precision"] == "fp16" and len(history) == 1
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert reproduce.finished(tmp_path)


def test_distributed_training_under_torchrun_on_gloo(tmp_path):
    """The multi-GPU path of ``reproduce --nproc-per-node N`` (NCCL on GPUs) with two CPU processes on gloo."""
    config = TrainConfig(**{**TINY_LITE, "train_per_class": 4})
    best = reproduce.train(config, tmp_path / "ddp", nproc_per_node=2)
    log = json.loads((tmp_path / "ddp" / "log.json").read_text())
    assert best.is_file() and log["history"][0]["samples"] == 32  # both ranks' shares counted
    assert reproduce.finished(tmp_path / "ddp")
    start = time.perf_counter()
    assert reproduce.train(config, tmp_path / "ddp", nproc_per_node=2) == best  # finished: not launched again
    assert time.perf_counter() - start < 5


def test_a_failing_chapter_is_one_line_naming_the_notebook_and_the_cell(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("1 / 0")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "99_broken.ipynb")
    with pytest.raises(reproduce.ReproduceError) as err:
        reproduce.run_chapter("99_broken", tmp_path / "out", {}, source_dir=tmp_path)
    message = str(err.value)
    assert "\n" not in message and "99_broken.ipynb" in message and "cell 1" in message
    assert "ZeroDivisionError" in message


def test_an_existing_folder_is_refused_without_resume(tmp_path):
    (tmp_path / "something").write_text("x")
    with pytest.raises(ValueError, match="pass --resume"):
        reproduce.reproduce(tmp_path, tiny=True)
    assert (
        subprocess.run(
            [sys.executable, "-m", "resandi_lite", "reproduce", "--out", str(tmp_path), "--tiny"],
            capture_output=True,
            text=True,
        ).returncode
        == 2
    )


@pytest.mark.slow
def test_reproduce_tiny_end_to_end_then_resume(tmp_path):
    out = tmp_path / "paper"
    command = [sys.executable, "-m", "resandi_lite", "reproduce", "--out", str(out), "--tiny"]
    first = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    assert first.returncode == 0, first.stderr[-3000:]
    state = json.loads((out / "reproduce.json").read_text())
    steps = [f"train/{p}" for p in reproduce.PROTOCOLS] + [f"chapter/{c}" for c in reproduce.CHAPTERS]
    assert all(state["steps"][s]["done"] for s in steps)
    for chapter in reproduce.CHAPTERS:  # every chapter ran, in the paper profile, without an error
        nb = nbformat.read(out / "notebooks" / f"{chapter}.ipynb", as_version=4)
        assert nb.metadata["papermill"]["parameters"]["profile"] == "paper"
        assert nb.metadata["papermill"]["exception"] is not True
        assert all(c.get("execution_count") for c in nb.cells if c.cell_type == "code" and c.source.strip())

    rep = json.loads((out / "report.json").read_text())
    assert rep["checkpoints"] == {
        "varying": str(out / "paper-varying" / "best.pt"),
        "fixed": str(out / "paper-T1000" / "best.pt"),
    }
    for protocol, path in rep["checkpoints"].items():  # the trained paper-preset networks, not the shipped ones
        described = reproduce.describe(path)
        assert rep["networks"][protocol]["sha256"] == described["sha256"]
        assert described["preset"] == "paper" and described["parameters"] > 18_000_000
    rows = {r["key"]: r for r in rep["rows"]}
    assert {"quantity", "paper", "ours"} <= set(rows["accuracy/varying"])
    assert rows["accuracy/fixed"]["network"] == rep["checkpoints"]["fixed"]
    assert rows["pearson/SubCTRW/AC"]["network"] == rep["checkpoints"]["fixed"]
    assert rows["erasure/9"]["network"] == rep["checkpoints"]["varying"]
    # the numbers are those of the checkpoints in DIR: chapter 12's classification rows, recomputed
    again = report.measure_classification(3, 0, networks=rep["checkpoints"])
    assert rows["accuracy/fixed"]["ours"] == pytest.approx(again["accuracy/fixed"][0])
    assert rows["accuracy/varying"]["ours"] == pytest.approx(again["accuracy/varying"][0])
    assert "paper-T1000" in (out / "report.md").read_text() and "preset `paper`" in (out / "report.md").read_text()

    second = subprocess.run(command + ["--resume"], capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr[-3000:]
    assert all(f"skip {s} (finished)" in second.stdout for s in steps)
    assert "run " not in second.stdout
