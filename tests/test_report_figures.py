"""Chapter 12's figures: the table against the paper, and the per-class gaps labelled by class."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from resandi_lite import report  # noqa: E402
from resandi_lite.plotting import plot_class_gaps, plot_reproduction  # noqa: E402
from resandi_lite.simulate import CLASSES  # noqa: E402


def _points(ax):
    return [(float(x), float(y)) for c in ax.containers for x, y in zip(c.lines[0].get_xdata(), c.lines[0].get_ydata())]


def test_class_gaps_figure_puts_each_class_at_its_name_with_95_percent_bars():
    rows = report.reproduction_table(
        {
            "per_class/varying/SubATTM": (70.0, 2.0),
            "per_class/varying/BM": (90.0, 1.0),
            "per_class/fixed/BM": (94.0, 1.0),
        }
    )
    ax = plot_class_gaps(rows)
    assert [t.get_text() for t in ax.get_xticklabels()] == list(CLASSES)
    varying, fixed = ax.containers
    assert np.allclose(varying.lines[0].get_xdata(), [0 - 0.15, 7 - 0.15])  # SubATTM and BM, left of the tick
    assert np.allclose(varying.lines[0].get_ydata(), [70.0 - 75.52, 90.0 - 87.5])
    assert np.allclose(fixed.lines[0].get_xdata(), [7 + 0.15]) and np.allclose(fixed.lines[0].get_ydata(), [94 - 90.27])
    gap = report.class_gaps(rows)[0]
    bar = varying.lines[2][0].get_segments()[0][:, 1]
    assert np.allclose(bar, [gap["gap"] - 1.96 * gap["stderr"], gap["gap"] + 1.96 * gap["stderr"]])
    assert ax.get_ylabel() == "ours minus paper (accuracy points)" and ax.get_xlabel() == "class"
    assert ax.get_legend_handles_labels()[1] == ["varying length", "T = 1000"]
    plt.close("all")
    with pytest.raises(ValueError, match="no measured per-class accuracy"):
        plot_class_gaps(report.reproduction_table({"accuracy/varying": 90.0}))


def test_reproduction_figure_names_the_classes_that_differ_and_leaves_out_rows_beyond_the_paper():
    rows = report.reproduction_table(
        {
            "per_class/varying/SubFBM": (92.4, 1.2),  # 3.2 standard errors below
            "per_class/varying/SupFBM": (90.4, 1.3),  # 0.2 standard errors: no label
            "per_class/fixed/BM": (94.6, 1.0),  # 4.3 standard errors above
            "groundtruth/auroc/SubCTRW": (0.7, 0.03),
            "classical/varying/forest": (90.5, 0.3, "10,000 per class"),  # chapter 4's, beyond the paper too
            "classical/varying/forest-minus-network-symmetrized": (-0.7, 0.3, "10,000 per class"),
        }
    )
    axes = plot_reproduction(rows)
    assert sorted(_points(axes[0])) == sorted([(96.21, 92.4), (90.10, 90.4), (90.27, 94.6)])  # no AUROC, no forest
    assert _points(axes[1]) == [] and _points(axes[2]) == []  # no difference of chapter 4's
    labels = {t.get_text(): t.xy for t in axes[0].texts}
    assert labels == {"SubFBM": (96.21, 92.4), "BM, T = 1000": (90.27, 94.6)}
    ys = sorted(t.get_position()[1] for t in axes[0].texts)  # the names stand apart, in a column
    assert np.diff(ys).min() >= 4 and {t.get_position()[0] for t in axes[0].texts} == {50}
    plt.close("all")
    with pytest.raises(ValueError, match="no measured values"):
        plot_reproduction(
            report.reproduction_table({"groundtruth/auroc/SubCTRW": 0.7, "classical/fixed/network": 95.6})
        )
