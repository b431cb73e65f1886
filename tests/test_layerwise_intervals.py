"""Intervals of the map-feature correlations, the sign count of chapters 11 and 12, and the matched ablation control.

Fisher's interval against scipy and its formula, its coverage on independent bivariate normal pairs; the
bootstrap over trajectories against an explicit resample, and its coverage where windows of one trajectory
share a common part (where Fisher's interval on the pairs is far too narrow).  Coverage tolerances are
4 binomial standard errors of the number of repetitions.
"""

import numpy as np
import pytest
import torch
from scipy.stats import norm, pearsonr, spearmanr

from resandi_lite import make_dataset
from resandi_lite.layerwise import (
    REQUIRED_SIGNS,
    ablation_by_feature,
    ablation_differences,
    composites,
    correlation,
    correlation_intervals,
    count_sign_agreement,
    feature_ablation,
    fisher_interval,
    map_correlations,
    paired_difference,
    plot_correlation_intervals,
    sign_agreement,
    window_statistics,
)
from resandi_lite.layerwise.ablation import _matched_swap, _targeted_swap
from resandi_lite.layerwise.correlation import _centred_sums, _pearson_from_sums
from resandi_lite.model import build_model

COVERAGE_2SE = 2 * norm.cdf(2) - 1  # 0.9545


@pytest.mark.parametrize("rho, n", [(0.0, 10), (0.3, 50), (-0.7, 400)])
def test_fisher_interval_is_scipys_and_the_formula(rho, n):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(n)
    y = rho * x + np.sqrt(1 - rho**2) * rng.standard_normal(n)
    result = pearsonr(x, y)
    ci = result.confidence_interval(0.95)  # scipy: Fisher's z with 1 / sqrt(n - 3)
    assert fisher_interval(result.statistic, n, k=norm.ppf(0.975)) == pytest.approx((ci.low, ci.high), abs=1e-12)
    z = np.arctanh(result.statistic)
    assert fisher_interval(result.statistic, n) == pytest.approx(
        (np.tanh(z - 2 / np.sqrt(n - 3)), np.tanh(z + 2 / np.sqrt(n - 3))), abs=1e-14
    )


def test_fisher_interval_broadcasts_and_refuses_bad_input():
    low, high = fisher_interval(np.array([0.0, 0.5]), np.array([28, 103]))
    assert np.allclose(low, [np.tanh(-0.4), np.tanh(np.arctanh(0.5) - 0.2)])
    assert np.allclose(high, [np.tanh(0.4), np.tanh(np.arctanh(0.5) + 0.2)])
    with pytest.raises(ValueError, match="r must be a correlation"):
        fisher_interval(1.2, 10)
    with pytest.raises(ValueError, match="n must be an integer"):
        fisher_interval(0.2, 3)
    with pytest.raises(ValueError, match="n must be an integer"):
        fisher_interval(0.2, 10.5)
    with pytest.raises(ValueError, match="k must be"):
        fisher_interval(0.2, 10, k=0)


def test_fisher_interval_covers_rho_on_bivariate_normal_pairs():
    reps, n, rho = 4000, 40, 0.4
    rng = np.random.default_rng(2)
    x = rng.standard_normal((reps, n))
    y = rho * x + np.sqrt(1 - rho**2) * rng.standard_normal((reps, n))
    xc, yc = x - x.mean(1, keepdims=True), y - y.mean(1, keepdims=True)
    r = (xc * yc).sum(1) / np.sqrt((xc**2).sum(1) * (yc**2).sum(1))
    low, high = fisher_interval(r, np.full(reps, n))
    coverage = np.mean((low < rho) & (rho < high))
    assert abs(coverage - COVERAGE_2SE) < 4 * np.sqrt(COVERAGE_2SE * (1 - COVERAGE_2SE) / reps)  # 0.013


def test_pearson_from_sums_is_the_pooled_correlation_of_a_resample():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((20, 32)), rng.standard_normal((20, 32)) + 0.5
    a[3, :10] = np.nan  # windows without a value drop out, as in map_correlations
    sums = _centred_sums(a - np.nanmean(a), b - np.nanmean(b))
    draw = rng.integers(0, 20, 20)
    weights = np.bincount(draw, minlength=20)
    assert _pearson_from_sums(weights @ sums) == pytest.approx(correlation(a[draw], b[draw]), abs=1e-12)
    assert _pearson_from_sums(sums.sum(0)) == pytest.approx(correlation(a, b), abs=1e-12)


def _clustered(n_traj, rng, shared=0.5, rho_between=0.6, rho_within=0.0):
    """32 windows per trajectory sharing a part: pooled correlation shared * rho_between + (1 - shared) * rho_within."""

    def pair(shape, rho):
        u = rng.standard_normal(shape)
        return u, rho * u + np.sqrt(1 - rho**2) * rng.standard_normal(shape)

    u, v = pair((n_traj, 1), rho_between)
    e, f = pair((n_traj, 32), rho_within)
    return np.sqrt(shared) * u + np.sqrt(1 - shared) * e, np.sqrt(shared) * v + np.sqrt(1 - shared) * f


def test_bootstrap_over_trajectories_covers_where_fisher_on_pairs_does_not():
    reps, n_traj, rho = 300, 60, 0.5 * 0.6
    rng = np.random.default_rng(4)
    boot = fisher = 0
    for i in range(reps):
        maps, feature = _clustered(n_traj, rng)
        out = correlation_intervals(maps, {"AC": feature}, np.zeros(n_traj, int), n_boot=300, rng=i)[("SubATTM", "AC")]
        boot += out["low"] < rho < out["high"]
        fisher += out["fisher"][0] < rho < out["fisher"][1]
    tolerance = 4 * np.sqrt(COVERAGE_2SE * (1 - COVERAGE_2SE) / reps)  # 0.048
    # the bootstrap standard error of 60 trajectories is itself uncertain (about 10%), which costs ~1-2 points
    assert abs(boot / reps - COVERAGE_2SE) < tolerance + 0.02
    assert fisher / reps < 0.6  # 1920 pairs but 60 independent trajectories: Fisher's interval is ~3 times too narrow


def test_bootstrap_standard_error_matches_theory_for_independent_windows():
    """Independent windows: the bootstrap over trajectories estimates the normal-theory (1 - rho^2) / sqrt(N)."""
    rng = np.random.default_rng(5)
    n_traj, rho, n_boot = 2000, 0.3, 2000
    maps, feature = _clustered(n_traj, rng, shared=0.0, rho_within=rho)
    out = correlation_intervals(maps, {"VD": feature}, np.full(n_traj, 3), n_boot=n_boot, rng=0)[("SubSBM", "VD")]
    expected = (1 - out["r"] ** 2) / np.sqrt(32 * n_traj)
    assert out["pairs"] == 32 * n_traj and out["trajectories"] == n_traj
    # relative error of the standard error: 1 / sqrt(2 n_traj) from the trajectories resampled (the variance is
    # estimated from n_traj clusters) and 1 / sqrt(2 n_boot) from the replicates; 4 of them: 9%
    assert out["stderr"] == pytest.approx(expected, rel=4 * np.sqrt(1 / (2 * n_traj) + 1 / (2 * n_boot)))
    assert out["low"] == pytest.approx(out["r"] - 2 * out["stderr"]) and out["high"] == pytest.approx(
        out["r"] + 2 * out["stderr"]
    )


def test_correlation_intervals_give_map_correlations_values_for_both_methods():
    rng = np.random.default_rng(6)
    maps = rng.standard_normal((24, 32))
    y = np.repeat([0, 5], 12)
    feats = {"AC": maps + rng.standard_normal((24, 32)), "CS": rng.standard_normal((24, 32))}
    feats["AC"][0, :5] = np.nan
    for method in ("pearson", "spearman"):
        out = correlation_intervals(maps, feats, y, method=method, n_boot=50, rng=0)
        assert set(out) == {(c, f) for c in ("SubATTM", "SupLW") for f in ("AC", "CS")}
        reference = map_correlations(maps, feats, y, method=method)
        assert all(out[p]["r"] == pytest.approx(reference[p], abs=1e-12) for p in out)
        assert all(out[p]["stderr"] > 0 for p in out)
        assert (out[("SupLW", "CS")]["fisher"] is None) == (method == "spearman")
    rows = y == 5
    assert out[("SupLW", "AC")]["r"] == pytest.approx(spearmanr(maps[rows].ravel(), feats["AC"][rows].ravel())[0])
    same = correlation_intervals(maps, feats, y, pairs=[("SupLW", "AC")], n_boot=50, rng=7)
    assert same == correlation_intervals(maps, feats, y, pairs=[("SupLW", "AC")], n_boot=50, rng=7)  # seeded


def test_one_trajectory_with_values_has_no_standard_error():
    rng = np.random.default_rng(9)
    maps, feature = rng.standard_normal((3, 32)), np.full((3, 32), np.nan)
    feature[0] = maps[0] + rng.standard_normal(32)  # only the first trajectory has values (resting CTRWs)
    out = correlation_intervals(maps, {"AC": feature}, np.ones(3, int), n_boot=50, rng=0)[("SubCTRW", "AC")]
    assert out["r"] == pytest.approx(pearsonr(maps[0], feature[0])[0]) and np.isnan(out["stderr"])
    assert sign_agreement(out["r"], -0.375, out["stderr"]) == "unresolved"


def test_correlation_intervals_refuse_bad_input():
    maps, y = np.zeros((4, 32)), np.zeros(4, int)
    with pytest.raises(ValueError, match="maps must be"):
        correlation_intervals(maps[:, :5], {}, y)
    with pytest.raises(ValueError, match="method must be"):
        correlation_intervals(maps, {"AC": maps}, y, method="kendall")
    with pytest.raises(ValueError, match="n_boot must be"):
        correlation_intervals(maps, {"AC": maps}, y, n_boot=1)
    with pytest.raises(ValueError, match="feature 'AC' must have shape"):
        correlation_intervals(maps, {"AC": maps[:2]}, y)
    with pytest.raises(ValueError, match="pairs must name a class present"):
        correlation_intervals(maps, {"AC": maps}, y, pairs=[("BM", "AC")])


def test_sign_agreement_needs_more_than_two_standard_errors():
    assert sign_agreement(-0.33, -0.374, 0.03) == "agrees"
    assert sign_agreement(0.34, -0.198, 0.04) == "differs"
    assert sign_agreement(0.06, 0.333, 0.03) == "unresolved"  # exactly 2 standard errors: not more than 2
    assert sign_agreement(0.0601, 0.333, 0.03) == "agrees"
    assert sign_agreement(-0.05, 0.333, 0.03) == "unresolved"
    assert sign_agreement(0.05, 0.333, 0.03, k=1) == "agrees"
    assert sign_agreement(np.nan, 0.333, 0.03) == "unresolved"
    assert sign_agreement(0.5, 0.333, np.nan) == "unresolved"  # no standard error: no sign resolved
    with pytest.raises(ValueError, match="paper must be a non-zero"):
        sign_agreement(0.1, 0.0, 0.01)
    with pytest.raises(ValueError, match="stderr must be"):
        sign_agreement(0.1, 0.2, -0.01)


def test_count_sign_agreement_counts_the_five_required_signs():
    estimates = {
        ("SubCTRW", "AC"): (0.032, 0.03),
        ("SubFBM", "AC"): (0.343, 0.04),
        ("SupFBM", "AC"): (0.019, 0.02),
        ("SubSBM", "VD"): {"r": -0.33, "stderr": 0.03},
        ("SupSBM", "VD"): (0.09, 0.03),
    }
    out = count_sign_agreement(estimates)
    assert (out["agree"], out["differ"], out["unresolved"], out["total"]) == (2, 1, 2, 5)
    assert out["verdicts"][("SubFBM", "AC")] == "differs" and list(out["verdicts"]) == list(REQUIRED_SIGNS)
    spearman = count_sign_agreement({("SupLW", "CS"): (-0.22, 0.05)}, pairs=[("SupLW", "CS")])
    assert spearman["agree"] == 1  # the paper's Spearman values are included by default
    with pytest.raises(ValueError, match="must both hold the pair"):
        count_sign_agreement({("SubSBM", "VD"): (-0.3, 0.01)})


def test_paired_difference_is_the_mean_and_standard_error_of_the_paired_differences():
    rng = np.random.default_rng(8)
    a, b = rng.random(500) < 0.8, rng.random(500) < 0.7
    d = a.astype(float) - b
    assert paired_difference(a, b) == pytest.approx((100 * d.mean(), 100 * d.std(ddof=1) / np.sqrt(500)))
    with pytest.raises(ValueError, match="same n"):
        paired_difference(a, b[:10])


def test_matched_swap_keeps_the_statistic_and_targeted_removes_it():
    f = np.zeros((2, 32))
    f[0, [3, 5, 20, 25]] = [1.0, 0.9, 0.8, 0.1]  # peak 3; 5 is too close; of the distant windows 20 is the largest
    f[1, [30, 0, 10]] = [-2.0, 1.5, np.nan]  # |f| counts; NaN reads as 0
    peak, source = _matched_swap(f, 9)
    assert peak.tolist() == [3, 30] and source.tolist() == [20, 0]
    _, weakest = _targeted_swap(f, 9)
    assert weakest.tolist() == [12, 1]  # the first distant window with |f| = 0


def test_exchange_keeps_every_increment_and_moves_the_two_windows():
    from resandi_lite.layerwise import swap_windows

    X = make_dataset(1, length=1000, seed=15).X
    n = len(X)
    peak, source = np.full(n, 3), np.full(n, 20)
    out = swap_windows(X, source, peak, exchange=True).astype(np.float64)
    d_in, d_out = np.diff(X.astype(np.float64), axis=-1), np.diff(out, axis=-1)
    for i in range(n):
        for c in range(2):  # each coordinate rescaled by one factor: the sorted increments are those of the input
            a, b = np.sort(d_in[i, c]), np.sort(d_out[i, c])
            k = np.dot(a, b) / np.dot(a, a)
            assert np.allclose(b, k * a, atol=1e-5)
            assert np.allclose(d_out[i, c, 75:299], k * d_in[i, c, 500:724], atol=1e-5)  # window 20 now at 3
            assert np.allclose(d_out[i, c, 500:724], k * d_in[i, c, 75:299], atol=1e-5)  # and window 3 at 20
    with pytest.raises(ValueError, match="at least 9 positions apart"):
        swap_windows(X, np.full(n, 5), peak, exchange=True)


def test_ablation_with_controls():
    torch.manual_seed(3)
    model = build_model("lite")
    ds = make_dataset(3, length=1000, seed=14)
    comp = composites(window_statistics(ds.X))
    out = ablation_by_feature(
        model, ds.X, ds.y, {"AC": comp["AC"], "VD": comp["VD"]}, rng=4, controls=("matched", "exchange")
    )
    assert set(out) == {"clean", "random", "AC", "VD", "AC matched", "VD matched", "AC exchange", "VD exchange"}
    one = feature_ablation(model, ds.X, ds.y, comp["VD"], rng=4)
    assert out["VD"]["accuracy"] == one["targeted"] and np.array_equal(out["VD"]["peak"], one["peak"])
    assert np.array_equal(out["VD"]["source"], one["replacement"])
    for name in ("AC", "VD"):
        for control in ("matched", "exchange"):
            assert np.array_equal(out[f"{name} {control}"]["peak"], out[name]["peak"])  # the same window is replaced
        assert np.array_equal(out[f"{name} exchange"]["source"], out[name]["source"])  # with the targeted source
        assert out[name]["change"] <= out[f"{name} matched"]["change"] <= 0 == out[f"{name} exchange"]["change"]
        assert out[name]["accuracy"] == pytest.approx(out[name]["correct"].mean())
    diffs = ablation_differences(out, names=("AC", "VD"))
    assert set(diffs["AC"]) == {
        "targeted - random",
        "matched - random",
        "targeted - matched",
        "exchange - random",
        "targeted - exchange",
    }
    assert diffs["VD"]["targeted - random"][0] == pytest.approx(
        100 * (out["VD"]["accuracy"] - out["random"]["accuracy"])
    )
    without = ablation_by_feature(model, ds.X, ds.y, {"AC": comp["AC"]}, rng=4)
    assert set(without) == {"clean", "random", "AC"}
    assert set(ablation_differences(without, names=("AC",))["AC"]) == {"targeted - random"}
    with pytest.raises(ValueError, match="controls must be among"):
        ablation_by_feature(model, ds.X, ds.y, {"AC": comp["AC"]}, controls=("shuffle",))


def test_plot_correlation_intervals_labels_axes_and_colours_verdicts():
    import matplotlib

    matplotlib.use("Agg")
    intervals = {
        ("SubSBM", "VD"): {"r": -0.33, "stderr": 0.03, "fisher": (-0.35, -0.31)},
        ("SupSBM", "VD"): {"r": 0.03, "stderr": 0.03, "fisher": None},
    }
    ax = plot_correlation_intervals(intervals)
    assert "layer4" in ax.get_ylabel() and "dimensionless" in ax.get_ylabel() and ax.get_xlabel()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["SubSBM\nVD", "SupSBM\nVD"]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("agrees" in t for t in labels) and any("unresolved" in t for t in labels) and "paper" in labels


def test_interval_table_and_ablation_table_show_the_numbers():
    from resandi_lite.layerwise import ablation_table, interval_table

    intervals = {
        ("SubSBM", "VD"): {"r": -0.33, "stderr": 0.0176, "fisher": (-0.352, -0.308)},
        ("SupLW", "CS"): {"r": -0.2228, "stderr": 0.0262, "fisher": None},
    }
    table = interval_table(intervals, pairs=list(intervals))
    assert table["SubSBM VD"] == {
        "ours ± SE (bootstrap)": "-0.330 ± 0.018",
        "Fisher, pairs independent": "[-0.352, -0.308]",
        "paper": -0.374,
        "sign": "agrees",
    }
    assert table["SupLW CS"]["Fisher, pairs independent"] == "—" and table["SupLW CS"]["paper"] == -0.284
    correct = {"clean": [1, 1, 1, 1], "random": [1, 1, 0, 1], "VD": [1, 0, 0, 1], "VD matched": [1, 1, 0, 0]}
    ablation = {k: {"accuracy": float(np.mean(v)), "correct": np.array(v, bool)} for k, v in correct.items()}
    ablation["VD"]["change"], ablation["VD matched"]["change"] = -0.2, -0.05
    out = ablation_table(ablation, names=("VD",))
    assert out["clean, random (%)"] == (100.0, 75.0)
    assert out["VD"]["targeted, matched (%)"] == (50.0, 50.0) and out["VD"]["statistic removed"] == (0.2, 0.05)
    assert out["VD"]["targeted - random"] == "-25.0 ± 25.0"  # differences 0, -1, 0, 0: mean -1/4, sd 1/2 / sqrt(4)
    assert set(out["VD"]) == {
        "targeted, matched (%)",
        "targeted - random",
        "matched - random",
        "targeted - matched",
        "statistic removed",
    }


def test_plot_ablation_by_class_draws_both_panels():
    import matplotlib

    matplotlib.use("Agg")
    from resandi_lite.layerwise import plot_ablation_by_class

    per_class = {
        k: {"per_class": np.full(8, v)}
        for k, v in {"clean": 0.9, "random": 0.8, "AC": 0.7, "AC matched": 0.75, "AC exchange": 0.85}.items()
    }
    assert len(plot_ablation_by_class({k: per_class[k] for k in ("clean", "random", "AC")}, names=("AC",))) == 1
    axes = plot_ablation_by_class(per_class, names=("AC",))
    assert (
        len(axes) == 3
        and axes[2].get_title() == "exchange control swaps"
        and "percentage points" in axes[0].get_ylabel()
        and axes[-1].get_xlabel() == "true class"
    )
    heights = sorted(round(p.get_height(), 6) for p in axes[1].patches)
    assert heights == [10.0] * 8 + [15.0] * 8  # random loses 10 points, the matched AC swap 15


# --- within-trajectory correlations, the resampled correlation and the sign verdicts ------------------------


def _between_within(n_traj, rng, rho_between=0.8, rho_within=-0.3, level_sd=2.0):
    """Each trajectory: a level (map and feature correlated rho_between across trajectories) plus 32 windows
    correlated rho_within along it.  The pooled correlation mixes both; the within one is rho_within."""
    u = rng.standard_normal(n_traj)
    v = rho_between * u + np.sqrt(1 - rho_between**2) * rng.standard_normal(n_traj)
    e = rng.standard_normal((n_traj, 32))
    f = rho_within * e + np.sqrt(1 - rho_within**2) * rng.standard_normal((n_traj, 32))
    return level_sd * u[:, None] + e, level_sd * v[:, None] + f


def test_within_trajectory_removes_each_trajectorys_level():
    from resandi_lite.layerwise import within_trajectory

    rng = np.random.default_rng(20)
    maps, feature = _between_within(3000, rng)
    feature[0, :5] = np.nan  # a window without a value leaves the trajectory's mean of its other windows
    a, b = within_trajectory(maps, feature)
    assert np.allclose(np.nanmean(a, axis=1), 0) and np.allclose(np.nanmean(b, axis=1), 0)
    assert np.isnan(a[0, :5]).all() and np.isnan(b[0, :5]).all()  # the pair drops out of both
    pooled, within = correlation(maps, feature), correlation(a, b)
    assert pooled > 0.5  # dominated by the levels, which are positively correlated
    # within: 3000 x 31 degrees of freedom, standard error about (1 - 0.09) / sqrt(93000) = 0.003
    assert within == pytest.approx(-0.3, abs=4 * 0.003)
    out = map_correlations(maps, {"AC": feature}, np.zeros(3000, int), within=True)[("SubATTM", "AC")]
    assert out == pytest.approx(within, abs=1e-12)
    with pytest.raises(ValueError, match="same shape"):
        within_trajectory(maps, feature[:, :5])


@pytest.mark.parametrize("method", ["pearson", "spearman"])
@pytest.mark.parametrize("within", [False, True])
def test_resampled_correlation_is_the_correlation_of_the_resample_written_out(method, within):
    from resandi_lite.layerwise import within_trajectory
    from resandi_lite.layerwise.correlation import _resampled_correlation

    rng = np.random.default_rng(21)
    a, b = rng.standard_normal((40, 32)), rng.standard_normal((40, 32))
    b = np.round(b + 0.3 * a, 1)  # ties, as the MinMax-scaled statistics have (0 and 1 in every trajectory)
    a[2, :7] = np.nan
    statistic = _resampled_correlation(a, b, method, within=within)
    for _ in range(5):
        draw = rng.integers(0, 40, 40)
        A, B = (a[draw], b[draw])
        if within:  # the within transform is per trajectory: resampling trajectories commutes with it
            A, B = within_trajectory(A, B, method)
        expected = correlation(A, B, "pearson" if within else method)
        assert statistic(np.bincount(draw, minlength=40)) == pytest.approx(expected, abs=1e-12)
    reference = map_correlations(a, {"AC": b}, np.zeros(40, int), method=method, within=within)[("SubATTM", "AC")]
    assert statistic(np.ones(40)) == pytest.approx(reference, abs=1e-12)
    if method == "spearman" and not within:
        assert reference == pytest.approx(spearmanr(a[np.isfinite(a)], b[np.isfinite(a)])[0], abs=1e-12)


def test_within_bootstrap_covers_the_within_correlation():
    """95.45% of the within intervals (+-2 bootstrap SE over trajectories) hold the true within correlation."""
    reps, n_traj, rho = 200, 60, -0.3
    rng = np.random.default_rng(22)
    hits = 0
    for i in range(reps):
        maps, feature = _between_within(n_traj, rng, rho_within=rho)
        out = correlation_intervals(maps, {"AC": feature}, np.zeros(n_traj, int), within=True, n_boot=200, rng=i)[
            ("SubATTM", "AC")
        ]
        hits += out["low"] < rho < out["high"]
        assert out["fisher"] is None  # Fisher's interval is about pooled independent pairs
    # the within estimator has a small bias of order 1/(32 n_traj); tolerance 4 binomial SE (0.059) + 0.02
    assert abs(hits / reps - COVERAGE_2SE) < 4 * np.sqrt(COVERAGE_2SE * (1 - COVERAGE_2SE) / reps) + 0.02


def _synthetic_stats(rng, y, signal):
    """Window statistics whose composites follow the map by ``signal[(class, statistic)]`` along each trajectory."""
    from resandi_lite import CLASSES

    maps = rng.standard_normal((len(y), 32))
    stats = {k: rng.random((len(y), 32)) for k in ("f1", "f2", "f3", "f4", "f5")}
    stats["f2"][:] = 1.0  # SG = f3 and VD = f4
    stats["f5"][:] = 1.0  # CS = f1
    for (name, key), slope in signal.items():
        rows = y == CLASSES.index(name)
        stats[key][rows] += slope * maps[rows]
    return maps, stats


def test_sign_verdicts_read_the_family_with_bonferroni_intervals():
    from resandi_lite.layerwise import sign_claims, sign_verdicts
    from resandi_lite.verdict import family_level

    rng = np.random.default_rng(23)
    y = np.repeat(np.arange(8), 150)
    # SubSBM: VD falls where the map rises (the paper's sign); SubFBM: AC rises with it (the paper's: falls)
    maps, stats = _synthetic_stats(rng, y, {("SubSBM", "f4"): -0.3, ("SubFBM", "f1"): 0.3})
    stats["f1"][y == 1, :10] = np.nan  # resting windows of SubCTRW
    attm = y == 0  # SubATTM: map and SG each with a level of its own per trajectory, independent of each other
    maps[attm] += 3 * rng.standard_normal((150, 1))
    stats["f3"][attm] += 3 * rng.standard_normal((150, 1))
    rows = sign_verdicts(maps, stats, y, n_boot=2000, rng=0)
    claims = sign_claims()
    assert [r["claim"] for r in rows] == [c["claim"] for c in claims] and len(rows) == 28
    by = {(r["class"], r["feature"], r["method"], r["scope"], r["scoring"]): r for r in rows}
    assert all(r["level"] == family_level(28) and r["family"] == 28 and r["n"] == 150 for r in rows)
    for scope in ("pooled", "within"):
        assert by[("SubSBM", "VD", "pearson", scope, "ours")]["verdict"] == "agrees"
        assert by[("SubFBM", "AC", "pearson", scope, "ours")]["verdict"] == "differs"
        # no signal: zero inside the interval, which excludes the paper's +0.333 (half-width about 0.045)
        assert by[("SupSBM", "VD", "pearson", scope, "ours")]["verdict"] == "no effect"
    # SubATTM's SG, paper -0.071: pooled, the levels make 150 trajectories act like 150 pairs: open, with the
    # size needed; within, the levels are gone and 150 x 31 pairs exclude -0.071 (half-width about 0.045)
    pooled, within = (by[("SubATTM", "SG", "pearson", scope, "ours")] for scope in ("pooled", "within"))
    assert pooled["verdict"] == "open" and pooled["n_needed"] > 150 and pooled["low"] < -0.071 < pooled["high"]
    assert within["verdict"] == "no effect" and pooled["high"] - pooled["low"] > 2 * (within["high"] - within["low"])
    for r in rows:
        assert r["low"] <= r["estimate"] <= r["high"] and r["stderr"] > 0
        assert ("n_needed" in r) == (r["verdict"] == "open")
    authors = by[("SubCTRW", "AC", "pearson", "pooled", "authors")]
    f1 = np.where(np.isnan(stats["f1"]), 1.0, stats["f1"])[y == 1]
    assert authors["estimate"] == pytest.approx(correlation(maps[y == 1], f1), abs=1e-12)
    assert authors["pairs"] == 150 * 32 and by[("SubCTRW", "AC", "pearson", "pooled", "ours")]["pairs"] == 150 * 22
    with pytest.raises(ValueError, match="missing"):
        sign_verdicts(maps, {"f1": stats["f1"]}, y)
    with pytest.raises(ValueError, match="holds no trajectory of 'SupLW'"):
        sign_verdicts(maps[y != 5], {k: v[y != 5] for k, v in stats.items()}, y[y != 5])


def test_layerwise_verdicts_runs_end_to_end_and_is_json_ready():
    import json

    from resandi_lite.layerwise import layerwise_verdicts, plot_sign_verdicts, pooled_within_table

    out = layerwise_verdicts(3, n_boot=50, chunk=2)  # two chunks: 2 and 1 per class
    assert out["part"] == "layerwise" and out["sizes"]["n_per_class"] == 3 and len(out["rows"]) == 28
    assert all(r["n"] == 3 for r in out["rows"]) and out["seconds"] > 0 and out["network"] == "lite-T1000"
    assert set(out["correlations"]) == {"pooled", "within"} and len(out["correlations"]["within"]) == 32
    assert set(out["correlations"]["pooled"]["SupLW/CS"]) == {"r", "stderr"}
    from resandi_lite.powered import _jsonable

    assert json.loads(json.dumps(_jsonable(out), allow_nan=False))["rows"][0]["claim"] == out["rows"][0]["claim"]
    table = pooled_within_table(out["rows"])
    assert set(table["SubSBM VD (Pearson)"]) == {"paper", "pooled", "within"}
    import matplotlib

    matplotlib.use("Agg")
    ax = plot_sign_verdicts(out["rows"])
    assert "layer4" in ax.get_ylabel() and "within" in ax.get_xlabel() and len(ax.get_xticklabels()) == 14
    with pytest.raises(ValueError, match="n_per_class must be"):
        layerwise_verdicts(1)


def test_unsigned_turning_angle_is_the_authors_and_halves_brownian_spread():
    """Isotropic steps: the turning angle is uniform on (-pi, pi]: std/pi is 1/sqrt(3) signed, 1/sqrt(12) unsigned."""
    from resandi_lite.layerwise.statistics import _fill_statistics

    rng = np.random.default_rng(24)
    X = np.cumsum(rng.standard_normal((20, 2, 1000)), axis=-1)
    raw = {}
    for turning in ("signed", "unsigned"):
        out = {k: np.empty((20, 32)) for k in ("f1", "f2", "f3", "f4", "f5")}
        _fill_statistics(X, out, 8, turning)
        raw[turning] = out["f5"]
    # 640 windows of 223 angles; windows overlap, so take a generous 4 SE of 20 independent trajectories
    assert raw["signed"].mean() == pytest.approx(1 / np.sqrt(3), abs=0.01)
    assert raw["unsigned"].mean() == pytest.approx(1 / np.sqrt(12), abs=0.01)
    X[0, :, 100:400] = X[0, :, 100:101]  # a rest: the authors' angle is 0 there, ours leaves it out
    scaled = window_statistics(X, turning="unsigned")["f5"]
    assert np.isfinite(scaled).all() and scaled.min() == 0 and scaled.max() == 1
    with pytest.raises(ValueError, match="turning must be"):
        window_statistics(X, turning="absolute")
