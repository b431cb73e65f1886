"""Layer-wise analysis: window statistics against known laws, correlations against scipy, probes, embeddings, ablation."""

import numpy as np
import pytest
import torch
from scipy.stats import kurtosis, pearsonr, spearmanr

from resandi_lite import make_dataset
from resandi_lite.layerwise import (
    PAPER_CORRELATIONS,
    PAPER_GROUPS,
    PAPER_SPEARMAN,
    REQUIRED_SIGNS,
    ablation_by_feature,
    block_probes,
    composites,
    confusion_groups,
    correlation,
    embed,
    feature_ablation,
    group_accuracy,
    linear_probe,
    map_correlations,
    pooled_features,
    stage_features,
    swap_windows,
    window_activity,
    window_statistics,
)
from resandi_lite.layerwise.statistics import _fill_statistics, _kurtosis, _windows
from resandi_lite.model import build_model


def test_windows_match_the_32_layer4_bins():
    d = np.arange(999.0)[None, None, :].repeat(2, 1)
    w = _windows(d)
    assert w.shape == (1, 2, 32, 224)
    assert [w[0, 0, i, 0] for i in (0, 1, 31)] == [0, 25, 775] and w[0, 0, 31, -1] == 998


def test_kurtosis_against_scipy():
    x = np.random.default_rng(0).laplace(size=(3, 500))
    assert np.allclose(_kurtosis(x), kurtosis(x, axis=-1))


@pytest.mark.parametrize("alpha", [0.2, 0.6, 1.6])
def test_f1_is_the_fbm_increment_correlation(alpha):
    """f1 estimates the lag-1 correlation of the increments, 0.5 (2^alpha - 2), within its sampling error;
    for long-range correlated increments (alpha > 1) removing each window's mean biases it low."""
    from resandi_lite.preprocess import preprocess
    from resandi_lite.simulate import fbm

    X = preprocess(fbm(np.full(150, alpha), 1000, rng=2))
    f1 = window_statistics(X)["f1"]
    rho = 0.5 * (2**alpha - 2)
    if alpha < 1:
        assert abs(np.mean(f1) - rho) < 0.02  # 150 x 32 windows of 224 steps: standard error ~ 0.003
    else:
        assert rho - 0.1 < np.mean(f1) < rho


def test_f4_sees_sbm_diffusivity_change():
    sub = window_statistics(make_dataset(60, length=1000, seed=2, classes=["SubSBM"]).X)["f4"]
    sup = window_statistics(make_dataset(60, length=1000, seed=2, classes=["SupSBM"]).X)["f4"]
    assert np.nanmean(sub) < 0 < np.nanmean(sup)  # diffusivity falls for alpha < 1, rises for alpha > 1


def test_scaled_statistics_find_the_straight_part():
    rng = np.random.default_rng(3)
    d = rng.standard_normal((1, 2, 999))
    d[:, :, :400] = 1.0  # a straight line first, a random walk after
    X = np.concatenate([np.zeros((1, 2, 1)), np.cumsum(d, axis=-1)], axis=-1)
    stats = window_statistics(X)
    for k in ("f2", "f3", "f5"):
        assert np.nanmin(stats[k]) == 0 and np.nanmax(stats[k]) == 1  # scaled per trajectory
    assert np.isnan(stats["f5"][0, 0]) or stats["f5"][0, 0] == 0  # no turning in the straight part
    assert stats["f5"][0, -1] > 0.5


def test_composites():
    s = {k: np.full((2, 32), v) for k, v in zip(("f1", "f2", "f3", "f4", "f5"), (0.5, 2.0, 3.0, -1.0, 0.1))}
    c = composites(s)
    assert (
        np.allclose(c["AC"], 0.5)
        and np.allclose(c["CS"], 0.05)
        and np.allclose(c["SG"], 6)
        and np.allclose(c["VD"], -2)
    )


def test_correlations_against_scipy():
    rng = np.random.default_rng(4)
    a = rng.standard_normal(300)
    b = np.round(a + rng.standard_normal(300), 1)  # ties
    assert correlation(a, b) == pytest.approx(pearsonr(a, b)[0])
    assert correlation(a, b, "spearman") == pytest.approx(spearmanr(a, b)[0])
    b[:10] = np.nan
    assert correlation(a, b) == pytest.approx(pearsonr(a[10:], b[10:])[0])
    maps = rng.standard_normal((40, 32))
    y = np.repeat([0, 1], 20)
    feature = np.where(y[:, None] == 0, maps, -maps) + 0.01 * rng.standard_normal((40, 32))
    r = map_correlations(maps, {"AC": feature}, y)
    assert r[("SubATTM", "AC")] > 0.99 and r[("SubCTRW", "AC")] < -0.99
    with pytest.raises(ValueError, match="must have shape"):
        map_correlations(maps, {"AC": feature[:, :5]}, y)


def test_probes_and_embeddings():
    torch.manual_seed(0)
    model = build_model("lite")
    train, test = make_dataset(10, length=1000, seed=5), make_dataset(5, length=1000, seed=6)
    assert stage_features(model, train.X, "layer2").shape == (80, 32)
    probes = block_probes(model, train, test, stages=("layer1", "layer4"))
    assert set(probes) == {"layer1", "layer4"} and probes["layer4"]["confusion"].shape == (8, 8)
    rng = np.random.default_rng(7)
    centers = rng.standard_normal((3, 5)) * 5
    y = rng.integers(0, 3, 300)
    F = centers[y] + rng.standard_normal((300, 5))
    result = linear_probe(F[:200], y[:200], F[200:], y[200:])
    assert result["accuracy"] > 0.95 and result["train_accuracy"] > 0.95
    pca = embed(F)
    assert pca.shape == (300, 2) and pca[:, 0].var() >= pca[:, 1].var()
    assert embed(F[:60], "tsne").shape == (60, 2)
    with pytest.raises(ValueError, match="stage must be one of"):
        stage_features(model, train.X, "layer7")


def test_swap_windows():
    X = make_dataset(1, length=1000, seed=8).X  # one trajectory per class
    n = len(X)
    same = swap_windows(X, np.arange(n) % 32, np.arange(n) % 32)
    assert np.allclose(same, X, atol=1e-6)
    out = swap_windows(X, np.zeros(n, int), np.full(n, 20))
    d_in, d_out = np.diff(X.astype(np.float64), axis=-1), np.diff(out.astype(np.float64), axis=-1)
    for i in range(n):
        scale = d_out[i, :, 500:724].std(axis=1) / d_in[i, :, 0:224].std(axis=1)
        assert np.allclose(d_out[i, :, 500:724], d_in[i, :, 0:224] * scale[:, None], atol=1e-5)


def test_feature_ablation_runs():
    model = build_model("lite")
    ds = make_dataset(4, length=1000, seed=9)
    feature = composites(window_statistics(ds.X))["AC"]
    out = feature_ablation(model, ds.X, ds.y, feature, rng=0)
    assert set(out) >= {"clean", "targeted", "random"}
    assert np.all(np.abs(out["peak"] - out["replacement"]) >= 9)


# The paper's correlations, copied verbatim from the spec (section 9), parsed independently of the library's table.
SPEC_CORRELATIONS = """Pearson correlation of the raw 32-bin layer4 map with each composite, pooled
  per class: SubCTRW AC -0.375, SG +0.360, VD -0.186; SubFBM AC -0.198,
  CS -0.117; SubSBM VD -0.374; SupFBM AC +0.338, CS +0.156; SupSBM VD +0.333;
  SupLW about 0 (Spearman AC +0.151, CS -0.284, SG -0.109); SubATTM SG -0.071;
  BM about 0."""


def _parse_spec():
    import re

    from resandi_lite import CLASSES

    pearson, spearman = {}, {}
    for chunk in SPEC_CORRELATIONS.replace("\n", " ").split(":", 1)[1].split(";"):
        words = chunk.split()
        assert words[0] in CLASSES, chunk
        target = spearman if "Spearman" in chunk else pearson
        for name, value in re.findall(r"\b(AC|CS|SG|VD) ([+-]\d\.\d{3})", chunk):
            target[(words[0], name)] = float(value)
    return pearson, spearman


def test_paper_correlations_match_the_spec():
    pearson, spearman = _parse_spec()
    assert len(pearson) == 10 and len(spearman) == 3  # the spec lists 10 Pearson and 3 Spearman values
    assert PAPER_CORRELATIONS == pearson and PAPER_SPEARMAN == spearman
    assert sum(v > 0 for v in pearson.values()) == 4  # signs: 4 positive, 6 negative
    assert all(key in PAPER_CORRELATIONS for key in REQUIRED_SIGNS)
    assert [PAPER_CORRELATIONS[k] > 0 for k in REQUIRED_SIGNS] == [False, False, True, False, True]


def test_paper_groups_are_partitions():
    from resandi_lite import CLASSES

    for stage, n in (("layer1", 4), ("layer2", 6), ("layer3", 8)):
        groups = PAPER_GROUPS[stage]
        assert len(groups) == n and sorted(c for g in groups for c in g) == sorted(CLASSES)
    assert ("SubSBM", "SupSBM", "BM") in PAPER_GROUPS["layer2"]


def test_kurtosis_ignores_a_resting_quarter():
    """A window that moves keeps its kurtosis when one of its quarters rests (a CTRW between jumps):
    the mean over the quarters that move, checked against scipy."""
    rng = np.random.default_rng(10)
    d = rng.laplace(size=(1, 2, 999))
    d[:, :, :100] = 0.0  # rest for 100 steps: quarter 0 of windows 0 and 1 has no movement
    X = np.concatenate([np.zeros((1, 2, 1)), np.cumsum(d, axis=-1)], axis=-1)
    out = {k: np.empty((1, 32)) for k in ("f1", "f2", "f3", "f4", "f5")}
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        _fill_statistics(X, out, 256)
    for i in (0, 1, 5):
        q = d[0, :, 25 * i : 25 * i + 224].reshape(2, 4, 56)
        k = kurtosis(q, axis=-1)  # NaN for a constant quarter
        assert np.isfinite(out["f2"][0, i]) and out["f2"][0, i] == pytest.approx(np.nanmean(k))
    assert np.all(np.isfinite(window_statistics(X)["f2"]))


def test_undefined_windows_nan_or_zero():
    rng = np.random.default_rng(11)
    d = rng.standard_normal((1, 2, 999))
    d[:, :, 300:600] = 0.0  # windows 12..15 (steps 300..599 cover 25 i .. 25 i + 223) do not move
    X = np.concatenate([np.zeros((1, 2, 1)), np.cumsum(d, axis=-1)], axis=-1)
    resting = [i for i in range(32) if 300 <= 25 * i and 25 * i + 223 < 600]
    assert resting == [12, 13, 14, 15]
    nan, zero = window_statistics(X), window_statistics(X, undefined="zero")
    for k in ("f1", "f2", "f3", "f4", "f5"):
        assert np.all(np.isnan(nan[k][0, resting])) and not np.any(np.isnan(zero[k]))
    for k in ("f1", "f4"):  # not rescaled: the moving windows keep their values, resting ones get 0
        moving = np.isfinite(nan[k][0])
        assert np.array_equal(zero[k][0, moving], nan[k][0, moving]) and np.all(zero[k][0, resting] == 0)
    assert np.all(zero["f5"][0, resting] == 0) and np.nanmin(zero["f5"]) == 0  # no turning is the minimum
    with pytest.raises(ValueError, match="undefined must be"):
        window_statistics(X, undefined="drop")


def test_window_activity():
    d = np.ones((2, 2, 999))
    d[0, :, :500] = 0.0  # trajectory 0 rests for 500 steps
    d[1, 0, :] = 0.0  # trajectory 1 moves in y only: it moves
    X = np.concatenate([np.zeros((2, 2, 1)), np.cumsum(d, axis=-1)], axis=-1)
    a = window_activity(X)
    assert a.shape == (2, 32) and np.all(a[1] == 1)
    expected = [np.mean(np.arange(25 * i, 25 * i + 224) >= 500) for i in range(32)]
    assert np.allclose(a[0], expected) and a[0, 0] == 0 and a[0, 31] == 1
    with pytest.raises(ValueError, match="X must have shape"):
        window_activity(X[:, :, :500])


def test_confusion_groups():
    names = list("abcde")
    c = np.eye(5) * 0.8
    c[0, 1], c[1, 0] = 0.06, 0.05  # a-b: 0.11 in both directions together
    c[1, 2] = 0.15  # b-c: linked one way, so a, b, c form one group by transitivity
    c[3, 4] = 0.09  # d-e: below 0.1
    assert confusion_groups(c, 0.1, names) == [("a", "b", "c"), ("d",), ("e",)]
    assert confusion_groups(c, 0.12, names) == [("a",), ("b", "c"), ("d",), ("e",)]
    assert confusion_groups(c, 0.05, names) == [("a", "b", "c"), ("d", "e")]
    assert len(confusion_groups(np.eye(8))) == 8
    with pytest.raises(ValueError, match="square"):
        confusion_groups(np.ones((2, 3)))
    with pytest.raises(ValueError, match="classes must name"):
        confusion_groups(c, 0.1, ["a"])


def test_group_accuracy():
    from resandi_lite import CLASSES

    y = np.arange(8)
    pred = np.array([1, 0, 2, 6, 5, 4, 7, 3])  # every mistake stays inside the paper's block-1 groups
    assert group_accuracy(y, pred, PAPER_GROUPS["layer1"]) == 1.0
    assert group_accuracy(y, pred, PAPER_GROUPS["layer3"]) == 1 / 8
    assert group_accuracy(y, pred, PAPER_GROUPS["layer2"]) == 4 / 8  # SubATTM<->SubCTRW, SupFBM<->SupLW now wrong
    with pytest.raises(ValueError, match="cover every class"):
        group_accuracy(y, pred, [CLASSES[:4]])
    with pytest.raises(ValueError, match="partition"):
        group_accuracy(y, pred, [CLASSES, ("SubFBM",)])


def test_pooled_features_match_the_stages():
    torch.manual_seed(1)
    model = build_model("lite").eval()
    X = make_dataset(2, length=1000, seed=12).X
    features = pooled_features(model, X, ("stem", "layer1", "layer3"), batch_size=5)
    with torch.no_grad():
        acts = model.stages(torch.from_numpy(X), upto="layer3")
    for s in ("stem", "layer1", "layer3"):
        assert np.allclose(features[s], acts[s].mean(dim=2).numpy(), atol=1e-5)
    assert np.array_equal(stage_features(model, X, "layer1"), pooled_features(model, X, ("layer1",))["layer1"])
    with pytest.raises(TypeError, match="pooled_features"):
        stage_features(model, X, ("layer1", "layer2"))


def test_ablation_by_feature_agrees_with_feature_ablation():
    torch.manual_seed(2)
    model = build_model("lite")
    ds = make_dataset(3, length=1000, seed=13)
    comp = composites(window_statistics(ds.X))
    many = ablation_by_feature(model, ds.X, ds.y, {"AC": comp["AC"], "VD": comp["VD"]}, rng=4)
    for name in ("AC", "VD"):
        one = feature_ablation(model, ds.X, ds.y, comp[name], rng=4)
        assert many["clean"]["accuracy"] == one["clean"] and many["random"]["accuracy"] == one["random"]
        assert many[name]["accuracy"] == one["targeted"]
    pred = rl_predict(model, ds.X)
    expected = [np.mean(pred[ds.y == c] == c) for c in range(8)]
    assert np.allclose(many["clean"]["per_class"], expected)
    with pytest.raises(ValueError, match="feature 'AC' must have shape"):
        ablation_by_feature(model, ds.X, ds.y, {"AC": comp["AC"][:, :4]})


def rl_predict(model, X):
    from resandi_lite.evaluate import predict_logits

    return predict_logits(model, X).argmax(1)
