"""The shipped learning curves of the classical methods against the network: loading, curves, tables, figures."""

import json

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from resandi_lite import comparison  # noqa: E402
from resandi_lite.plotting import plot_data_curves, plot_noise_comparison  # noqa: E402


def _entry(acc, n_test=8000, **extra):
    return {"accuracy": acc, "stderr": float(np.sqrt(acc * (1 - acc) / n_test)), "n_test": n_test, **extra}


@pytest.fixture
def results():
    entries = {
        "varying/network": _entry(0.90, training={"samples_seen": 6_320_000, "hours_one_thread": 6.5}),
        "varying/network-symmetrized": _entry(0.91, training={"samples_seen": 6_320_000, "hours_one_thread": 6.5}),
    }
    for n, acc in ((2000, 0.89), (500, 0.88)):  # out of order on purpose
        entries[f"varying/forest/{n}"] = _entry(acc, per_class=n, train_cpu_seconds=n / 100)
        entries[f"varying/boosting/{n}"] = _entry(acc - 0.01, per_class=n, train_cpu_seconds=n / 300)
        entries[f"varying/network-scratch/{n}"] = _entry(acc - 0.1, per_class=n, train_cpu_seconds=n)
    entries["varying/minirocket/500"] = _entry(0.80, per_class=500, train_cpu_seconds=40.0)
    for sigma in (0.0, 0.5, 1.0):
        entries[f"noise/forest/{sigma}"] = _entry(0.8 - 0.2 * sigma, 2000, sigma=sigma)
        entries[f"noise/network/{sigma}"] = _entry(0.85 - 0.2 * sigma, 2000, sigma=sigma)
    rows = [
        {"method": "varying/forest/2000", "network": "varying/network", "difference": -0.011, "stderr": 0.003,
         "low": -0.02, "high": -0.002, "mcnemar_p": 0.001, "holm_p": 0.004},
        {"method": "varying/forest/2000", "network": "varying/network-scratch/2000", "difference": 0.1,
         "stderr": 0.004, "low": 0.09, "high": 0.11, "mcnemar_p": 1e-30, "holm_p": 1e-29},
    ]  # fmt: skip
    return {"settings": {"test_per_class": 1000}, "entries": entries, "comparisons": {"level": 0.99, "rows": rows}}


def test_curve_is_sorted_by_training_size(results):
    c = comparison.curve(results, "varying", "forest")
    assert c["per_class"].tolist() == [500, 2000]
    np.testing.assert_allclose(c["accuracy"], [0.88, 0.89])
    np.testing.assert_allclose(c["train_cpu_seconds"], [5.0, 20.0])
    assert comparison.curve(results, "1000", "forest")["per_class"].size == 0
    with pytest.raises(ValueError, match="protocol must be one of"):
        comparison.curve(results, "fixed", "forest")


def test_difference_table_reads_the_stored_paired_rows(results):
    table = comparison.difference_table(results, "varying")
    lines = str(table).splitlines()
    assert "2,000 per class" in lines[0]  # the network from scratch's largest size
    forest = next(line for line in lines if line.startswith("| random forest"))
    cells = [c.strip() for c in forest.strip("|").split("|")]
    assert cells[1] == "89.00 ± 0.35"
    assert cells[2] == "+10.00 ± 0.40 (p 1e-29)"  # minus the network from scratch at equal data
    assert cells[3] == "-1.10 ± 0.30 (p 0.004)"  # minus the shipped network
    assert cells[4] == "—"  # a comparison that was not made
    assert "<table" in table.html and "random forest" in table.html
    assert "minus network scratch, symmetrized" not in lines[0]  # the symmetrized scratch network was not measured
    assert "minus network scratch |" in str(comparison.difference_table(results, "varying", per_class=500))
    del results["entries"]["varying/network-scratch/500"]
    assert "minus network scratch" not in str(comparison.difference_table(results, "varying", per_class=500))
    assert not any(line.startswith("| MiniRocket") for line in lines)  # not trained at 2,000 per class
    assert "| MiniRocket" in str(comparison.difference_table(results, "varying", per_class=500))
    assert table.caption == "T uniform in [10, 1000], on one test set of 8,000 trajectories" == lines[-1]


def test_noise_curves(results):
    curves = comparison.noise_curves(results)
    assert set(curves) == {"forest", "network"}
    np.testing.assert_allclose(curves["forest"]["sigma"], [0.0, 0.5, 1.0])
    np.testing.assert_allclose(curves["network"]["accuracy"], [0.85, 0.75, 0.65])


def test_noise_table_marks_what_survives_bonferroni(results):
    with pytest.raises(ValueError, match="no fair noise comparison"):
        comparison.noise_table(results)
    results["noise"] = {
        "paired": [  # 3 and 4 standard errors lie beyond 2.39 (98.33% each, a family of 3); 2 does not
            {"sigma": 0.0, "method": "forest", "minus_network": 0.03, "minus_network_stderr": 0.01},
            {"sigma": 0.5, "method": "forest", "minus_network": -0.04, "minus_network_stderr": 0.01},
            {"sigma": 1.0, "method": "forest", "minus_network": 0.02, "minus_network_stderr": 0.01},
            {"sigma": 1.0, "method": "forest-clean", "minus_clean_network": 0.1},  # not a fair row: left out
        ]
    }
    table = comparison.noise_table(results)
    lines = str(table).splitlines()
    assert lines[0] == "| σ | network, trained on the mixture (%) | random forest − network |"
    assert lines[2] == "| 0.0 | 85.0 | +3.00 ± 1.00 * |"
    assert lines[3] == "| 0.5 | 75.0 | -4.00 ± 1.00 * |"
    assert lines[4] == "| 1.0 | 65.0 | +2.00 ± 1.00 |"
    assert table.caption.startswith("3 paired differences, one family") and "±2.39 standard errors" in table.caption
    assert lines[-1] == table.caption and f"<caption>{table.caption}</caption>" in table.html


def test_load_and_ship_refuse_what_is_not_a_benchmark_file(results, tmp_path):
    good = tmp_path / "learning_curves.json"
    good.write_text(json.dumps(results))
    assert comparison.load_comparison(tmp_path / "missing.json") is None
    shipped = comparison.ship(good, to=tmp_path / "shipped.json")
    assert comparison.load_comparison(tmp_path / "shipped.json") == shipped == results
    bad = tmp_path / "bad.json"
    for text, match in (
        ("{", "not valid JSON"),
        ('{"rows": []}', "no settings and entries"),
        ('{"settings": {}, "entries": {"a": {"accuracy": 1}}}', "entry 'a' lacks"),
    ):
        bad.write_text(text)
        with pytest.raises(ValueError, match=match):
            comparison.ship(bad, to=tmp_path / "shipped.json")
    assert comparison.load_comparison(tmp_path / "shipped.json") == results  # a refused file leaves the copy alone
    with pytest.raises(ValueError, match="does not exist"):
        comparison.ship(tmp_path / "missing.json", to=tmp_path / "x.json")


def test_shipped_results_are_a_benchmark_file():
    results = comparison.load_comparison()
    if results is None:
        pytest.fail(f"{comparison.RESULTS} is not shipped: run benchmarks/baselines.py --ship")
    for protocol in comparison.PROTOCOLS:
        for symmetrized in (False, True):
            entry = comparison.shipped(results, protocol, symmetrized=symmetrized)
            if entry is not None:
                assert entry["n_test"] == 8 * results["settings"]["test_per_class"]


@pytest.mark.parametrize("x", ["data", "cpu"])
def test_data_curves_figure(results, x):
    ax = plot_data_curves(results, "varying", x=x)
    assert ax.get_xscale() == "log" and "(%)" in ax.get_ylabel()
    assert ("per class" in ax.get_xlabel()) == (x == "data") and ("seconds" in ax.get_xlabel()) == (x == "cpu")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:4] == [comparison.METHODS[m] for m in ("forest", "boosting", "minirocket", "network-scratch")]
    assert any(label.startswith("shipped network (6.3 M seen)") for label in labels)
    # the shipped network sits at the distinct trajectories it saw per class, or at its hours in seconds
    star = [line for line in ax.lines if line.get_marker() == "*"][0]
    assert star.get_xdata()[0] == pytest.approx(6_320_000 / 8 if x == "data" else 6.5 * 3600)
    plt.close("all")
    with pytest.raises(ValueError, match="x must be"):
        plot_data_curves(results, "varying", x="time")


def test_noise_comparison_figure(results):
    ax = plot_noise_comparison(results)
    assert "σ" in ax.get_xlabel() and "(%)" in ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [
        "random forest, trained on the noisy mixture",
        "network (lite, from scratch), trained on the noisy mixture",
    ]
    assert ax.get_title() == ""  # no training size stored: no title
    results["noise"] = {"train": {"per_class": 2000}}
    assert plot_noise_comparison(results).get_title().startswith("trained on 2,000 trajectories per class")
    plt.close("all")
