"""The shipped networks: load offline, behave, and still reach the accuracy on their model cards."""

import numpy as np
import pytest
import torch

import resandi_lite as rl
from resandi_lite.evaluate import evaluate
from resandi_lite.pretrained import HERE, PRETRAINED, available, export_pretrained, load_model, model_card


def test_every_network_ships_with_its_card():
    assert set(available()) == set(PRETRAINED)
    for name in PRETRAINED:
        card = model_card(name)
        assert card["command"].startswith("python -m resandi_lite train --preset lite")
        assert card["test"]["per_class"] >= 1000 and 0 < card["test"]["accuracy"] <= 1
        assert (HERE / f"{name}.md").read_text().startswith(f"# Model card: `{name}`")
        assert (HERE / f"{name}.pt").stat().st_size < 5_000_000  # float16 weights


@pytest.mark.parametrize("name", sorted(PRETRAINED))
def test_reaches_its_card_on_fresh_data(name):
    """A new seeded test set (not the card's): accuracy at most 1 point below the card."""
    card = model_card(name)
    model = rl.load_pretrained(name)
    assert not model.training and next(model.parameters()).device.type == "cpu"
    test = rl.make_dataset(1000, card["config"]["length"], card["config"]["noise"], seed=card["test"]["seed"] + 1)
    accuracy = evaluate(model, test)["accuracy"]
    assert accuracy >= card["test"]["accuracy"] - 0.01, (name, accuracy, card["test"]["accuracy"])


@pytest.mark.parametrize("name", sorted(PRETRAINED))
def test_card_compares_with_chapter_4_forest_on_the_same_test_set(name):
    """The card's test set holds at least 8,000 trajectories, and the card scores chapter 4's forest on it too.

    (Issue 12 asks the networks to beat the forest; measured on the cards they tie with it, within 0.3
    points, so that is reported on the card and in chapter 4 rather than asserted here.)
    """
    card = model_card(name)
    assert 8 * card["test"]["per_class"] >= 8000
    base = card["baseline"]
    assert 0.5 < base["accuracy"] < 1 and set(base["per_class_accuracy"]) == set(rl.CLASSES)
    # balanced test set: the overall accuracy is the mean of the per-class ones (same test set as the network's)
    assert base["accuracy"] == pytest.approx(np.mean(list(base["per_class_accuracy"].values())), abs=1e-3)
    assert card["precision"] in ("fp32", "bf16", "fp16")


def test_input_is_the_output_of_preprocess():
    model = rl.load_pretrained("lite")
    X, _ = rl.simulate("SupLW", 3, length=300, rng=0)
    logits = model(torch.from_numpy(rl.preprocess(X)))
    assert logits.shape == (3, 8) and logits.dtype == torch.float32


def test_loading_errors(tmp_path):
    with pytest.raises(ValueError, match="unknown pretrained network 'huge'"):
        rl.load_pretrained("huge")
    with pytest.raises(ValueError, match="holds a 'lite' network, not a 'paper' one"):
        load_model("lite", preset="paper")
    data = (HERE / "lite.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated"):
        load_model(tmp_path / "cut.pt")
    torch.save(
        {"format": "resandi-lite-model-1", "config": {"preset": "paper"}, "model": {"fc.weight": torch.zeros(8, 3)}},
        tmp_path / "wrong.pt",
    )
    with pytest.raises(ValueError, match="do not fit a 'paper' network"):
        load_model(tmp_path / "wrong.pt")
    with pytest.raises(ValueError, match="name must be one of"):
        export_pretrained(tmp_path, "mine")


def test_cli_evaluate_prints_json():
    import json
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "resandi_lite",
            "evaluate",
            "--checkpoint",
            "lite",
            "--n-per-class",
            "20",
            "--seed",
            "3",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(done.stdout)
    assert set(report["per_class"]) == set(rl.CLASSES) and np.array(report["confusion"]).shape == (8, 8)


def test_export_pretrained_writes_weights_and_card_into_the_folder_given(tmp_path):
    from resandi_lite.train import TrainConfig, fit

    config = TrainConfig(
        preset="lite",
        length=200,
        train_per_class=8,
        val_per_class=2,
        max_epochs=1,
        seed=2,
        schedule="cosine",
        label_smoothing=0.1,
    )
    fit(config, tmp_path / "run", progress=False)
    shipped = {p.name: p.stat().st_mtime_ns for p in HERE.iterdir()}
    card = export_pretrained(tmp_path / "run", "lite", out_dir=tmp_path / "out", test_per_class=3, test_seed=5)
    assert {p.name: p.stat().st_mtime_ns for p in HERE.iterdir()} == shipped  # the package's own files untouched
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["lite.json", "lite.md", "lite.pt"]
    weights = torch.load(tmp_path / "out" / "lite.pt", weights_only=True)
    assert all(v.dtype == torch.float16 for v in weights["model"].values() if v.is_floating_point())
    assert card["epochs_trained"] == 1 and card["test"]["per_class"] == 3 and card["config"]["length"] == 200
    assert "--schedule cosine" in card["command"] and "--label-smoothing 0.1" in card["command"]
    assert card["test"]["accuracy"] == pytest.approx(
        np.mean(list(card["test"]["per_class_accuracy"].values())), abs=1e-3
    )
    model = load_model(tmp_path / "out" / "lite.pt")
    assert model.fc.out_features == len(rl.CLASSES)
    assert (tmp_path / "out" / "lite.md").read_text().startswith("# Model card: `lite`")


def test_warm_start_follows_the_chain_of_runs_back_to_random_weights(tmp_path):
    import json

    from resandi_lite.pretrained import _warm_start, _warm_text

    def run(name, init, epochs, samples, seconds):
        folder = tmp_path / name
        folder.mkdir()
        history = [{"epoch": e + 1, "samples": samples, "seconds": seconds} for e in range(epochs)]
        (folder / "log.json").write_text(json.dumps({"config": {"init": init}, "history": history}))
        return str(folder / "best.pt")

    first = run("a", "", 3, 100, 360.0)
    second = run("b", first, 2, 50, 1800.0)
    warm = _warm_start(second)
    assert [stage["from"] for stage in warm["chain"]] == [second, first]
    assert (warm["epochs"], warm["samples"], warm["hours"]) == (5, 400, 1.3)
    assert "5 epochs, 400 samples, 1.3 h before this run, in 2 earlier runs" in _warm_text(warm)
    # a file without a run folder ends the chain and leaves the totals unknown
    third = run("c", str(tmp_path / "elsewhere.pt"), 1, 10, 36.0)
    warm = _warm_start(third)
    assert len(warm["chain"]) == 2 and "epochs" not in warm
    assert _warm_start("") is None
