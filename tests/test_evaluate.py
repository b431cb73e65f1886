"""Evaluation and plotting: figures checked by hand, the paper's numbers as data, errors."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch

from resandi_lite import make_dataset
from resandi_lite.evaluate import (
    PAPER_ACCURACY_VARYING,
    PAPER_CONFUSION,
    PAPER_DIAGONAL_FIXED,
    accuracy_by,
    confusion_matrix,
    evaluate,
    predict_logits,
)
from resandi_lite.model import build_model
from resandi_lite.plotting import plot_accuracy_by, plot_confusion, plot_learning_curves
from resandi_lite.train import recompute_batchnorm


def test_confusion_matrix_by_hand():
    y_true = np.array([0, 0, 1, 1, 1, 2])
    y_pred = np.array([0, 1, 1, 1, 2, 2])
    counts = confusion_matrix(y_true, y_pred, 3, normalize=False)
    assert counts.tolist() == [[1, 1, 0], [0, 2, 1], [0, 0, 1]]
    rows = confusion_matrix(y_true, y_pred, 3)
    assert np.allclose(rows, [[0.5, 0.5, 0], [0, 2 / 3, 1 / 3], [0, 0, 1]])
    with pytest.raises(ValueError, match="y_pred must hold labels in 0..2"):
        confusion_matrix(y_true, y_pred + 1, 3)
    with pytest.raises(ValueError, match="same shape"):
        confusion_matrix(y_true, y_pred[:-1], 3)


def test_accuracy_by_bins():
    values = np.array([10, 20, 30, 40, 50, 1000])
    correct = np.array([1, 0, 1, 1, 0, 1], bool)
    r = accuracy_by(values, correct, [10, 35, 1000])
    assert r["count"].tolist() == [3, 3] and np.allclose(r["accuracy"], [2 / 3, 2 / 3])
    assert np.allclose(r["stderr"], np.sqrt(2 / 9 / 3))


def test_paper_numbers():
    assert np.allclose(PAPER_CONFUSION.sum(axis=1), 100, atol=0.05)  # rows are percentages of the truth
    assert PAPER_CONFUSION.shape == (8, 8) and PAPER_DIAGONAL_FIXED.shape == (8,)
    assert abs(np.diag(PAPER_CONFUSION).mean() - PAPER_ACCURACY_VARYING) < 0.1  # balanced test set


def test_evaluate_agrees_with_predict():
    torch.manual_seed(0)
    model = build_model("lite")
    ds = make_dataset(20, noise=[0.0, 0.5], seed=1)
    logits = predict_logits(model, ds.X, batch_size=33)
    assert logits.shape == (160, 8) and logits.dtype == np.float32
    result = evaluate(model, ds)
    pred = logits.argmax(1)
    assert result["accuracy"] == np.mean(pred == ds.y)
    assert np.array_equal(result["predictions"], pred)
    assert result["counts"].sum() == 160 and np.allclose(result["confusion"].sum(axis=1), 1)
    assert result["by_length"]["count"].sum() == 160
    assert result["by_noise"]["count"].tolist() == [np.sum(ds.noise == 0), np.sum(ds.noise == 0.5)]
    assert np.allclose(result["per_class"], np.diag(result["confusion"]))


def test_predict_leaves_the_mode_and_checks_input():
    model = build_model("lite").train()
    predict_logits(model, np.zeros((2, 2, 1000), np.float32))
    assert model.training
    with pytest.raises(ValueError, match=r"shape \(n, 2, L\)"):
        predict_logits(model, np.zeros((2, 1000), np.float32))
    with pytest.raises(TypeError, match="floating point"):
        predict_logits(model, np.zeros((2, 2, 1000), np.int64))


def test_recompute_batchnorm_gives_exact_averages():
    torch.manual_seed(1)
    model = build_model("lite")
    batches = [torch.rand(16, 2, 1000) for _ in range(3)]
    recompute_batchnorm(model, batches)
    with torch.no_grad():
        first = [model.conv1(b) for b in batches]  # input of the first BatchNorm
    mean = torch.stack([f.mean(dim=(0, 2)) for f in first]).mean(0)
    var = torch.stack([f.var(dim=(0, 2), unbiased=True) for f in first]).mean(0)
    assert torch.allclose(model.bn1.running_mean, mean, atol=1e-5)
    assert torch.allclose(model.bn1.running_var, var, rtol=1e-4)
    assert model.bn1.momentum == 0.1 and model.training


def test_plots_have_labelled_axes():
    ax = plot_confusion(PAPER_CONFUSION, title="paper")
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    r = accuracy_by(np.arange(100), np.arange(100) % 3 > 0, np.linspace(0, 100, 5))
    ax = plot_accuracy_by(r, xlabel="trajectory length T (steps)")
    assert ax.get_ylabel() == "accuracy (%)" and "steps" in ax.get_xlabel()
    history = [{"epoch": e, "train_loss": 1 / e, "val_loss": 1.1 / e, "train_acc": 0.5, "val_acc": 0.4} for e in (1, 2)]
    a, b = plot_learning_curves(history)
    assert a.get_xlabel() == "epoch" and b.get_ylabel() == "accuracy (%)"


# --- issue 14: bad input answered by a named ValueError/TypeError; issue 13: predict_logits ---------------------


def test_predict_logits_is_the_one_name():
    import resandi_lite as rl

    assert rl.predict_logits is predict_logits and not hasattr(rl, "predict")


@pytest.mark.parametrize(
    "X, kwargs, error, message",
    [
        (np.full((2, 2, 1000), np.nan, np.float32), {}, ValueError, r"X must be finite"),
        (np.zeros((2, 2, 0), np.float32), {}, ValueError, r"L >= 1"),
        (np.zeros((2, 2, 1000), np.float32), {"batch_size": 0}, ValueError, r"batch_size must be >= 1"),
        (np.zeros((2, 2, 1000), bool), {}, TypeError, r"X must be floating point"),
    ],
)
def test_predict_logits_errors(X, kwargs, error, message):
    with pytest.raises(error, match=message):
        predict_logits(build_model("lite"), X, **kwargs)


def test_metric_errors():
    with pytest.raises(TypeError, match="y_true must hold integer class labels"):
        confusion_matrix([0.5, 1], [0, 1])
    with pytest.raises(ValueError, match=r"y_true must be a 1-D array"):
        confusion_matrix([[0, 1]], [[0, 1]])
    assert confusion_matrix([0.0, 1.0], [0, 1], normalize=False).sum() == 2  # integer-valued floats are labels
    with pytest.raises(ValueError, match=r"correct must have the shape of values"):
        accuracy_by([1, 2, 3], [True], [0, 5])
    with pytest.raises(ValueError, match=r"bins must be at least 2 increasing edges"):
        accuracy_by([1, 2, 3], [True] * 3, [5, 0])
    with pytest.raises(ValueError, match=r"values must be finite"):
        accuracy_by([1, np.nan, 3], [True] * 3, [0, 5])
    with pytest.raises(TypeError, match=r"dataset must be a TrajectoryDataset"):
        evaluate(build_model("lite"), np.zeros((2, 2, 1000)))


# --- issue 18: per-class accuracy against the noise level (chapter 7) ----------------------------------------------


def test_per_class_by_level_by_hand():
    from resandi_lite.evaluate import per_class_by_level

    # level 0: class 0 right once of twice, class 1 right once of once; level 0.5: class 0 wrong, class 1 two of three
    r = per_class_by_level(
        [0.0, 0.0, 0.0, 0.5, 0.5, 0.5, 0.5], [0, 0, 1, 0, 1, 1, 1], [0, 1, 1, 1, 1, 0, 1], n_classes=3
    )
    assert r["levels"].tolist() == [0.0, 0.5]
    assert r["count"].tolist() == [[2, 1, 0], [1, 3, 0]] and r["count"].dtype == np.int64
    assert np.allclose(r["accuracy"][:, :2], [[0.5, 1.0], [0.0, 2 / 3]], rtol=0, atol=1e-12)
    assert np.allclose(r["stderr"][:, :2], [[np.sqrt(0.25 / 2), 0.0], [0.0, np.sqrt(2 / 9 / 3)]], rtol=0, atol=1e-12)
    assert np.isnan(r["accuracy"][:, 2]).all() and np.isnan(r["stderr"][:, 2]).all()  # class 2 never occurs


def test_per_class_by_level_matches_a_loop_and_evaluate():
    from resandi_lite.evaluate import per_class_by_level

    rng = np.random.default_rng(3)
    values = rng.choice([1.0, 0.0, 0.25], size=500)  # unsorted levels come back sorted
    y_true, y_pred = rng.integers(8, size=500), rng.integers(8, size=500)
    right = rng.random(500) < 0.5
    y_pred[right] = y_true[right]  # about half right, so that the accuracies differ between cells
    r = per_class_by_level(values, y_true, y_pred)
    assert r["levels"].tolist() == [0.0, 0.25, 1.0] and r["accuracy"].shape == (3, 8)
    for i, level in enumerate(r["levels"]):
        for k in range(8):
            rows = (values == level) & (y_true == k)
            assert r["count"][i, k] == rows.sum()
            assert r["accuracy"][i, k] == np.mean(y_pred[rows] == k)
    # the per-class rows, weighted by their counts, give evaluate's accuracy per noise level
    torch.manual_seed(0)
    ds = make_dataset(6, noise=[0.0, 0.5], seed=2)
    result = evaluate(build_model("lite"), ds)
    r = per_class_by_level(ds.noise, ds.y, result["predictions"])
    assert np.allclose((r["accuracy"] * r["count"]).sum(1) / r["count"].sum(1), result["by_noise"]["accuracy"])
    assert r["count"].sum(1).tolist() == result["by_noise"]["count"].tolist()


def test_per_class_by_level_errors():
    from resandi_lite.evaluate import per_class_by_level

    with pytest.raises(ValueError, match=r"values must have the shape of y_true"):
        per_class_by_level([0.0, 0.1], [0, 1, 1], [0, 1, 1])
    with pytest.raises(ValueError, match=r"values must be finite"):
        per_class_by_level([0.0, np.nan], [0, 1], [0, 1])
    with pytest.raises(ValueError, match=r"y_true must hold labels in 0..7"):
        per_class_by_level([0.0, 0.1], [0, 8], [0, 1])
    with pytest.raises(ValueError, match=r"same shape"):
        per_class_by_level([0.0, 0.1], [0, 1], [0])
    with pytest.raises(TypeError, match=r"values must hold real numbers"):
        per_class_by_level(["a", "b"], [0, 1], [0, 1])
    with pytest.raises(ValueError, match=r"values is empty"):
        per_class_by_level([], [], [])


def test_plot_per_class_by_level():
    from resandi_lite.evaluate import per_class_by_level
    from resandi_lite.plotting import plot_per_class_by_level

    r = per_class_by_level([0.0, 0.0, 0.5, 0.5], [0, 1, 0, 1], [0, 1, 1, 1], n_classes=2)
    ax = plot_per_class_by_level(r, xlabel="localisation noise sigma (step std)", classes=["A", "B"])
    assert ax.get_ylabel() == "accuracy (%)" and "step std" in ax.get_xlabel()
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["A", "B", "chance"]
    # one error-bar container per class, its data line in percent; the chance level is a plain line
    assert {c.get_label(): c.lines[0].get_ydata().tolist() for c in ax.containers} == {
        "A": [100.0, 0.0],
        "B": [100.0, 100.0],
    }
    assert [c.lines[0].get_xdata().tolist() for c in ax.containers] == [[0.0, 0.5]] * 2
    assert [line.get_ydata() for line in ax.get_lines() if line.get_label() == "chance"] == [[50.0, 50.0]]  # 100 / 2
    with pytest.raises(ValueError, match=r"classes must name the 2 columns"):
        plot_per_class_by_level(r, xlabel="x", classes=["A"])
