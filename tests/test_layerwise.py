"""Layer-wise analysis: window statistics against known laws, correlations against scipy, probes, embeddings, ablation."""

import numpy as np
import pytest
import torch
from scipy.stats import kurtosis, pearsonr, spearmanr

from resandi_lite import make_dataset
from resandi_lite.layerwise import (_kurtosis, _windows, block_probes, composites, correlation, embed,
                                    feature_ablation, linear_probe, map_correlations, stage_features,
                                    swap_windows, window_statistics)
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
    from resandi_lite.simulate import fbm
    from resandi_lite.preprocess import preprocess

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
    assert np.allclose(c["AC"], 0.5) and np.allclose(c["CS"], 0.05) and np.allclose(c["SG"], 6) and np.allclose(c["VD"], -2)


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
