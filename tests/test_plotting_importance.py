"""Plots for Grad-CAM and erasure: a trajectory coloured by importance, the erasure curve; axes, scales, errors."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from resandi_lite.plotting import plot_erasure, plot_trajectory_importance  # noqa: E402


def test_steps_take_the_value_of_their_first_point():
    x = np.array([[0.0, 1, 2, 3], [0, 0, 1, 1]])
    values = np.array([-2.0, 0.5, 1.0, 7.0])
    fig, ax = plt.subplots()
    plot_trajectory_importance(x, values, ax, title="t")
    lines = ax.collections[-1]
    assert np.array_equal(lines.get_array(), [-2.0, 0.5, 1.0])  # 3 steps
    assert np.allclose(lines.get_segments()[1], [[1, 0], [2, 1]])
    assert lines.get_clim() == (-7.0, 7.0)  # symmetric about 0, from the largest |value| (the last point's too)
    assert ax.get_xlabel() == "x (scaled)" and ax.get_ylabel() == "y (scaled)" and ax.get_title() == "t"
    assert fig.axes[-1].get_ylabel() == "Grad-CAM value"  # the colour bar
    plt.close(fig)


def test_common_scale_and_zero_map():
    x = np.random.default_rng(0).random((2, 50))
    fig, axes = plt.subplots(1, 2)
    plot_trajectory_importance(x, np.zeros(50), axes[0], colorbar=False)
    assert axes[0].collections[-1].get_clim() == (-1.0, 1.0)  # an all-zero map still draws
    plot_trajectory_importance(x, np.linspace(-1, 1, 50), axes[1], vmax=3.0, colorbar=False)
    assert axes[1].collections[-1].get_clim() == (-3.0, 3.0)
    assert len(fig.axes) == 2
    plt.close(fig)


def test_shape_errors():
    with pytest.raises(ValueError, match=r"x must have shape \(2, T\)"):
        plot_trajectory_importance(np.zeros((3, 10)), np.zeros(10))
    with pytest.raises(ValueError, match=r"importance must have shape \(T,\) = \(10,\)"):
        plot_trajectory_importance(np.zeros((2, 10)), np.zeros(1000))


def test_plot_erasure_draws_bands_random_and_the_paper():
    from resandi_lite.erasure import PAPER_ERASURE

    bands = [(10.0 * k, 10.0 * k + 10) for k in range(10)]
    acc = np.linspace(0.5, 0.2, 10)
    result = {
        "bands": bands,
        "accuracy": acc,
        "random_accuracy": np.full(10, 0.3),
        "clean_accuracy": 0.9,
        "predictions": np.zeros((10, 100), int),
        "matched_accuracy": np.full(10, 0.35),
    }
    fig, ax = plt.subplots()
    plot_erasure(result, ax, label="net", paper=True, errors=True)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert np.allclose(lines["paper"].get_ydata(), PAPER_ERASURE)
    assert np.allclose(lines["paper"].get_xdata(), np.arange(5, 100, 10))
    labels = ax.get_legend_handles_labels()[1]
    assert {
        "net",
        "net, random (scattered)",
        "net, random (matched)",
        "net, nothing erased",
        "paper",
        "paper, random (range)",
    } <= set(labels)
    assert np.allclose(ax.containers[2].lines[0].get_ydata(), 35.0)  # the matched control
    # binomial error bars over 100 trajectories: 50% -> +-5 points
    segments = ax.containers[0].lines[2][0].get_segments()
    assert np.allclose(segments[0][:, 1], [45, 55])
    assert ax.get_xlabel() == "Grad-CAM percentile band erased (%)" and ax.get_ylabel() == "accuracy after erasing (%)"
    plt.close(fig)
    fig, ax = plt.subplots()
    plot_erasure(result, ax)  # by default no error bars of single accuracies: comparisons are paired
    assert not ax.containers[0].has_yerr
    plt.close(fig)


def test_plot_paired_erasure_points_intervals_and_the_paper_range():
    from resandi_lite.erasure import PAPER_ERASURE, compare_with_random
    from resandi_lite.plotting import plot_paired_erasure

    rng = np.random.default_rng(0)
    y = rng.integers(0, 8, 400)
    bands = [(10.0 * k, 10.0 * k + 10) for k in range(10)]
    correct = lambda p: np.where(rng.random((10, y.size)) < p, y, (y + 1) % 8)  # noqa: E731
    small = {"bands": bands, "predictions": correct(0.3), "random_predictions": correct(0.35)}
    top = {"bands": bands[-1:], "predictions": correct(0.25)[:1], "random_predictions": correct(0.3)[:1]}
    fig, ax = plt.subplots()
    plot_paired_erasure({"all bands": (small, y), "top band": (top, y)}, ax, paper=True)
    first, second = ax.containers[0], ax.containers[1]
    expected = compare_with_random(small, y)
    assert np.allclose(first.lines[0].get_ydata(), expected["difference"])
    assert np.allclose(first.lines[0].get_xdata(), np.arange(5, 100, 10) - 1.0)  # two runs side by side
    assert np.allclose(second.lines[0].get_xdata(), [95 + 1.0])
    bars = first.lines[2][0].get_segments()  # paired bootstrap intervals at the family level (99.5% for ten)
    assert np.allclose([b[0, 1] for b in bars], expected["low"]) and np.allclose(
        [b[1, 1] for b in bars], expected["high"]
    )
    assert expected["level"] == pytest.approx(0.995)
    assert np.all(expected["high"] - expected["low"] > 2 * 2.4 * expected["stderr"])  # wider than 95%
    paper = [p for p in ax.patches]
    assert len(paper) == 10
    assert np.allclose([p.get_y() for p in paper], 24.7 - PAPER_ERASURE)
    assert np.allclose([p.get_height() for p in paper], 27.9 - 24.7)
    labels = ax.get_legend_handles_labels()[1]
    assert labels[:2] == ["all bands (400 trajectories, 99.5%)", "top band (400 trajectories, 95.0%)"]
    assert "paper (range)" in labels
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "90-100" and len(ax.get_xticks()) == 10
    assert ax.get_ylabel() == "random minus band accuracy (points)"
    plt.close(fig)


def test_plot_paired_erasure_errors():
    from resandi_lite.plotting import plot_paired_erasure

    with pytest.raises(TypeError, match="runs must be a non-empty dict"):
        plot_paired_erasure([])
    y = np.zeros(4, int)
    five = {"bands": [(0.0, 20.0)], "predictions": np.zeros((1, 4), int), "random_predictions": np.zeros((1, 4), int)}
    with pytest.raises(ValueError, match="paper's ten deciles"):
        plot_paired_erasure({"five bands": (five, y)}, paper=True)
    plt.close("all")


def test_plot_erasure_curves_one_panel_per_fill():
    from resandi_lite.plotting import plot_erasure_curves

    curve = {
        "fractions": [0.1, 0.5],
        "clean_accuracy": 0.9,
        "accuracy": {"morf": np.array([0.5, 0.2]), "lerf": np.array([0.8, 0.6]), "random": np.array([0.7, 0.4])},
    }
    axes = plot_erasure_curves({"zeros": curve, "interpolate": curve})
    assert len(axes) == 2 and axes[1].get_title() == "interpolate"
    lines = {line.get_label(): line for line in axes[0].get_lines()}
    assert np.allclose(lines["most relevant first"].get_xdata(), [0, 10, 50])
    assert np.allclose(lines["most relevant first"].get_ydata(), [90, 50, 20])
    assert np.allclose(lines["least relevant first"].get_ydata(), [90, 80, 60])
    assert axes[0].get_xlabel() == "segments erased (% of those observed)"
    assert axes[0].get_ylabel() == "accuracy after erasing (%)"
    with pytest.raises(TypeError, match="non-empty dict"):
        plot_erasure_curves({})
    plt.close("all")


def test_plot_where_erased_go_rows_in_percent_of_the_true_class():
    from resandi_lite.plotting import plot_where_erased_go

    counts = np.eye(8, dtype=int) * 10
    counts[0] = [5, 15, 0, 0, 0, 0, 0, 0]  # SubATTM: 25% stay, 75% go to SubCTRW
    axes = plot_where_erased_go({"zeros": counts, "line": np.eye(8)})
    image = axes[0].images[0].get_array()
    assert np.allclose(image[0, :2], [25, 75]) and np.allclose(np.diag(image)[1:], 100)
    assert axes[0].get_xlabel() == "predicted class" and axes[0].get_ylabel() == "true class"
    assert axes[0].get_title() == "zeros"
    assert len(plot_where_erased_go({str(k): counts for k in range(5)}, ncols=3)) == 5  # two rows, one left empty
    with pytest.raises(ValueError, match="shape"):
        plot_where_erased_go({"bad": np.zeros((3, 3))})
    plt.close("all")


def test_plot_erasure_verdicts_intervals_and_paper():
    from resandi_lite.plotting import plot_erasure_verdicts
    from resandi_lite.verdict import verdict_row

    rows = [
        verdict_row("a", 1.0, 0.5, 1.5, 100, 3.4, fill="zero", control="scattered", claim_id="top"),
        verdict_row("b", -0.5, -1.0, 0.2, 100, 3.4, fill="noisy", control="matched", claim_id="top"),
    ]
    fig, ax = plt.subplots()
    plot_erasure_verdicts(rows, ax)
    lines = ax.get_lines()
    assert np.allclose(lines[0].get_xdata(), [0.5, 1.5]) and lines[0].get_color() == "tab:green"  # agrees
    assert np.allclose(lines[3].get_xdata(), [-1.0, 0.2]) and lines[3].get_color() == "tab:blue"  # no effect
    assert [t.get_text() for t in ax.get_yticklabels()] == ["zero, scattered, top", "noisy, matched, top"]
    assert "points" in ax.get_xlabel()
    rows[0]["within"], rows[1]["within"] = "input", "observed"  # rows that differ in where the segments lie
    ax = plot_erasure_verdicts(rows)
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "zero, input, scattered, top",
        "noisy, observed, matched, top",
    ]
    with pytest.raises(ValueError, match="at least one"):
        plot_erasure_verdicts([])
    plt.close("all")


def test_plot_fills_draws_the_original_and_each_fill_over_the_observed_part():
    from resandi_lite.erasure import FILLS, erase
    from resandi_lite.plotting import plot_fills

    x = np.cumsum(np.random.default_rng(0).standard_normal((1, 2, 1000)), axis=2).astype(np.float32)
    mask = np.zeros(32, bool)
    mask[[20, 21]] = True
    fig, ax = plt.subplots()
    plot_fills(x, mask, ax, lengths=600, rng=1)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"original", *FILLS}
    assert lines["original"].get_xdata()[0] == 400  # the padding in front of 600 points is not drawn
    assert np.allclose(lines["interpolate"].get_ydata(), erase(x, mask[None], fill="interpolate")[0, 0, 400:])
    assert len(ax.patches) == 1  # the erased run, shaded
    assert ax.get_xlabel() == "time step (input position)" and ax.get_ylabel() == "x (MinMax-scaled)"
    plt.close(fig)


def test_plot_erasure_bands_two_controls_per_fill():
    from resandi_lite.plotting import plot_erasure_bands
    from resandi_lite.verdict import verdict_row

    rows = [
        verdict_row(
            "b",
            1.0 * b,
            b - 1.0,
            b + 1.0,
            100,
            2.0,
            claim_id="band",
            network="T1000",
            fill=fill,
            control=control,
            band=[10.0 * b, 10.0 * b + 10],
            level=0.995,
        )
        for fill in ("zero", "noisy")
        for control in ("scattered", "matched")
        for b in range(10)
    ]
    axes = plot_erasure_bands({"rows": rows})
    assert len(axes) == 2 and axes[1].get_title() == "T1000, noisy"
    first = axes[0].containers[0]
    assert np.allclose(first.lines[0].get_xdata(), np.arange(5, 100, 10) - 1.0)
    assert np.allclose(first.lines[0].get_ydata(), np.arange(10))
    assert np.allclose([seg[1, 1] - seg[0, 1] for seg in first.lines[2][0].get_segments()], 2.0)
    assert axes[0].get_ylabel() == "random minus band accuracy (points)"
    with pytest.raises(ValueError, match="no ten-band rows"):
        plot_erasure_bands({"rows": rows}, network="varying")
    plt.close("all")


def test_plot_reproduction_puts_each_row_on_its_panel():
    from resandi_lite import report
    from resandi_lite.plotting import plot_reproduction

    measured = {
        "accuracy/varying": (86.0, 0.5),
        "erasure/0": (38.0, 1.4),
        "erasure/top-random": (-1.6, 0.3),
        "gain/0.5": (3.0, 1.5),
        "pearson/SubFBM/AC": -0.4,
    }
    rows = report.reproduction_table(measured)
    fig, axes = plt.subplots(1, 3)
    plot_reproduction(rows, axes)

    def points(ax):
        return sorted(
            (float(x), float(y))
            for c in ax.containers  # noqa: E731
            for x, y in zip(c.lines[0].get_xdata(), c.lines[0].get_ydata())
        )

    paper = {r.key: r.paper for r in rows}
    assert points(axes[0]) == sorted([(paper["accuracy/varying"], 86.0), (paper["erasure/0"], 38.0)])
    assert points(axes[1]) == sorted([(paper["erasure/top-random"], -1.6), (paper["gain/0.5"], 3.0)])
    assert points(axes[2]) == [(paper["pearson/SubFBM/AC"], -0.4)]
    bars = axes[0].containers[0].lines[2][0].get_segments()  # the classification point: +-1.96 standard errors
    assert np.allclose(bars[0][:, 1], [86.0 - 1.96 * 0.5, 86.0 + 1.96 * 0.5])
    assert axes[0].get_xlim() == (0, 100) and axes[2].get_xlim() == (-1, 1)
    assert axes[0].get_xlabel() == "paper: accuracy (%)" and axes[2].get_ylabel() == "ours: correlation r"
    assert "same sign" in axes[2].get_legend_handles_labels()[1]
    plt.close(fig)
    with pytest.raises(ValueError, match="no measured values"):
        plot_reproduction(report.paper_rows())
