"""Sanity checks (Adebayo et al. 2018): randomisation against Quantus' MPRT, similarities against scipy and
scikit-image, the random-label network, and the verdict rows."""

import json
import warnings

import numpy as np
import pytest
import torch

import resandi_lite as rl
from resandi_lite import attribution
from resandi_lite.groundtruth import event_set, map_centres, upsample
from resandi_lite.model import build_model
from resandi_lite.sanity import (
    STEPS,
    layer_groups,
    random_label_model,
    randomisations,
    randomized_weights,
    sanity_verdicts,
    similarities,
    ssim_1d,
)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One torch thread: on a shared, busy CPU two threads per process run many times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def shipped():
    return rl.load_pretrained("lite")


@pytest.fixture(scope="module")
def batch():
    data = event_set(1, length=1000, rng=3)  # one SubATTM, SubCTRW and SupLW trajectory of 1000 points
    return data["X"], data["y"]


def _explainer(name, model):
    """A method as Quantus calls it, at the input's resolution (Quantus needs the attribution to match the input's
    shape: Grad-CAM's 32 values are put on the 1000 points by their receptive-field centres)."""

    def explain(model, inputs, targets, **kwargs):
        maps = attribution.attribute(model, np.asarray(inputs, dtype=np.float32), np.asarray(targets), name)
        return maps if maps.shape[1] == 1000 else upsample(maps, 1000, centres=map_centres(model, maps.shape[1]))

    return explain


def _quantus_mprt(model, X, y, explain, *, order, absolute, seed=42):
    import quantus  # a dev extra: installed by the test command, never skipped

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        metric = quantus.MPRT(layer_order=order, seed=seed, abs=absolute, normalise=False, disable_warnings=True)
        scores = metric(
            model=model, x_batch=X, y_batch=y, a_batch=None, explain_func=explain, channel_first=True, device="cpu"
        )
    return {k: np.asarray(v) for k, v in scores.items() if k != "original"}


@pytest.mark.parametrize(
    ("method", "order"), [("gradcam-layer4", "cascading"), ("gradcam-layer4", "independent"), ("saliency", "cascading")]
)
def test_randomisation_matches_quantus_mprt_module_by_module(shipped, batch, method, order):
    X, y = batch
    explain = _explainer(method, shipped)
    trained = explain(shipped, X, y)
    ours = {
        step: similarities(trained, explain(net, X, y))
        for step, net in randomisations(shipped, order=order, granularity="modules", seed=43)
    }
    # Quantus' seed s seeds torch with s + 1 before each layer, ours with the seed given (43)
    # saliency is >= 0, so its absolute values change nothing: one pass suffices
    for absolute, key in ((False, "spearman"), (True, "spearman_abs"))[: 1 if method == "saliency" else 2]:
        theirs = _quantus_mprt(
            shipped, X, y, explain, order={"cascading": "top_down"}.get(order, order), absolute=absolute
        )
        assert sorted(theirs) == sorted(ours)  # the same layers (Quantus lists the independent ones bottom-up)
        if order == "cascading":
            assert list(theirs) == list(ours)  # in the same order, from the logits down
        for step in theirs:
            np.testing.assert_allclose(ours[step][key], theirs[step], atol=1e-9, err_msg=step)


def test_stage_steps_are_quantus_cascade_at_each_stage_end(shipped, batch):
    X, y = batch
    explain = _explainer("gradcam-layer4", shipped)
    trained = explain(shipped, X, y)
    theirs = _quantus_mprt(shipped, X, y, explain, order="top_down", absolute=False)
    groups = dict(layer_groups(shipped))
    for step, net in randomisations(shipped, seed=43):
        last_module = groups[step][-1]  # the cascade has reached the bottom of this stage
        np.testing.assert_allclose(
            similarities(trained, explain(net, X, y))["spearman"], theirs[last_module], atol=1e-9, err_msg=step
        )


def test_layer_groups_cover_every_layer_once():
    model = build_model("lite")
    groups = layer_groups(model)
    assert [g for g, _ in groups] == list(STEPS)
    names = [n for _, members in groups for n in members]
    resettable = [n for n, m in model.named_modules() if hasattr(m, "reset_parameters")]
    assert sorted(names) == sorted(resettable) and len(names) == len(set(names))
    assert dict(groups)["stem"] == ["bn1", "conv1"]
    assert [g for g, _ in layer_groups(model, "modules")] == resettable[::-1]
    with pytest.raises(ValueError, match="granularity must be"):
        layer_groups(model, "blocks")
    with pytest.raises(TypeError, match="no layer 'fc'"):
        layer_groups(torch.nn.Sequential(torch.nn.Linear(2, 2)))


def _changed(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    return {k.rsplit(".", 1)[0] for k in sa if not torch.equal(sa[k], sb[k])}


def test_cascading_accumulates_and_independent_touches_one_stage(shipped):
    before = {k: v.clone() for k, v in shipped.state_dict().items()}
    groups = layer_groups(shipped)
    cascade = list(randomisations(shipped, seed=1))
    independent = list(randomisations(shipped, order="independent", seed=1))
    for i, ((step, net), (step2, alone)) in enumerate(zip(cascade, independent)):
        above = {n for _, members in groups[: i + 1] for n in members}
        own = set(groups[i][1])
        assert step == step2 == STEPS[i] and not net.training
        assert {m for m in _changed(shipped, net)} <= above and own & _changed(shipped, net)
        assert _changed(shipped, alone) <= own and _changed(shipped, alone)
    assert all(torch.equal(before[k], v) for k, v in shipped.state_dict().items())  # the original is untouched
    full = randomized_weights(shipped, seed=1)
    assert all(torch.equal(full.state_dict()[k], v) for k, v in cascade[-1][1].state_dict().items())
    with pytest.raises(ValueError, match="order must be"):
        next(randomisations(shipped, order="bottom_up"))


def test_similarities_against_scipy_and_scikit_image():
    from scipy.stats import spearmanr
    from skimage.metrics import structural_similarity

    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((5, 40)), rng.standard_normal((5, 40))
    b[1] = 3 * a[1] + 0.1 * b[1]
    s = similarities(a, b)
    for i in range(5):
        assert s["spearman"][i] == pytest.approx(spearmanr(a[i], b[i])[0])
        assert s["spearman_abs"][i] == pytest.approx(spearmanr(np.abs(a[i]), np.abs(b[i]))[0])
        u, v = a[i] / np.abs(a[i]).max(), b[i] / np.abs(b[i]).max()
        rng_ = max(u.max(), v.max()) - min(u.min(), v.min())
        assert s["ssim"][i] == pytest.approx(structural_similarity(u, v, win_size=7, data_range=rng_))
    assert s["spearman"][1] > 0.99 and s["ssim"][1] > 0.9  # a scaled copy is similar under all three


def test_similarities_by_hand_and_undefined_cases():
    a = np.array([[1.0, -2.0, 3.0, -4.0]])
    s = similarities(a, -a)
    assert s["spearman"][0] == -1.0 and s["spearman_abs"][0] == 1.0  # a sign flip: the |map| ranks are kept
    observed = np.array([[False, False, True, True]])
    assert np.isnan(similarities(a, a, observed)["spearman"][0])  # two observed positions: undefined
    assert np.isnan(similarities(np.ones((1, 5)), a[:, [0, 1, 2, 3, 0]])["spearman"][0])  # a constant map
    assert ssim_1d(np.arange(9.0), np.arange(9.0), win_size=5) == 1.0
    with pytest.raises(ValueError, match="win_size must be odd"):
        ssim_1d(np.arange(4.0), np.arange(4.0), win_size=7)
    with pytest.raises(ValueError, match="same shape"):
        similarities(np.ones((2, 3)), np.ones((2, 4)))


def test_a_map_that_ignores_the_network_fails_and_noise_passes(shipped):
    """Adebayo et al.'s edge-detector point: a map computed from the input alone is unchanged by any
    randomisation; an independent random map has similarity 0 on average."""

    def input_only(model, X, target):
        return np.abs(np.diff(np.asarray(X), axis=-1, prepend=0)).sum(1)

    rng = np.random.default_rng(0)

    def noise(model, X, target):
        return rng.standard_normal((len(X), 1000))

    result = sanity_verdicts(
        10, seed=0, network=shipped, methods=[input_only, noise], label_n_per_class=2, label_max_steps=2, n_boot=200
    )
    rows = {(r["family"], r["method"], r.get("similarity"), r["control"]): r for r in result["rows"]}
    full = "every layer randomised (full cascade)"
    for s in ("spearman", "spearman_abs", "ssim"):
        assert rows[("cascading", "input_only", s, full)]["estimate"] == pytest.approx(1.0)
        assert rows[("cascading", "input_only", s, full)]["verdict"] == "agrees"  # it survives: fails the check
        r = rows[("cascading", "noise", s, full)]
        # 30 trajectories, each a correlation of 1000 independent points (sd about 1 / sqrt(1000)): the mean is
        # within about 0.01 of 0 and the interval must not exclude an effect of 0.2 on the wrong side
        assert abs(r["estimate"]) < 0.03 and r["verdict"] in ("no effect", "agrees", "differs") and r["high"] < 0.2


def test_random_label_model_fits_a_small_set_and_reports_it():
    model, report = random_label_model(n_per_class=1, max_steps=300, batch_size=8, lr=3e-3, check_every=10, seed=0)
    assert not model.training and report["n_train"] == 8
    assert report["reached"] and report["train_accuracy"] > 0.95 and report["steps"] < 300
    assert report["curve"][-1][0] == report["steps"] and report["steps"] % 10 == 0
    data = rl.make_dataset(1, "varying", seed=0)  # the same fixed set, its labels permuted as the function does
    labels = np.random.default_rng(0).permutation(data.y)
    with torch.no_grad():
        accuracy = float((model(torch.from_numpy(data.X)).argmax(1).numpy() == labels).mean())
    assert accuracy == pytest.approx(report["train_accuracy"])
    with pytest.raises(ValueError, match="target_accuracy"):
        random_label_model(n_per_class=1, target_accuracy=1.5)


def test_sanity_verdicts_rows_and_families(shipped):
    result = sanity_verdicts(
        4,
        seed=0,
        network=shipped,
        methods=("gradcam-layer4", "saliency"),
        label_n_per_class=1,
        label_max_steps=3,
        n_boot=100,
    )
    json.dumps(result)  # JSON-ready
    families = {}
    for r in result["rows"]:
        families.setdefault(r["family"], []).append(r)
        assert r["verdict"] in ("agrees", "differs", "no effect", "open")
        assert ("n_needed" in r) == (r["verdict"] == "open") and "beyond the paper" in r["reference"]
        assert r["low"] <= r["estimate"] <= r["high"] or np.isnan(r["estimate"])
    assert {k: len(v) for k, v in families.items()} == {
        "cascading": 6,
        "independent": 12,
        "random labels": 6,
        "secondary |AUROC - 0.5|": 12,
    }
    for rows in families.values():
        assert all(r["level"] == pytest.approx(1 - 0.05 / len(rows)) for r in rows)
    assert [r["step"] for r in result["cascading"]][::6] == list(STEPS)
    assert result["random_labels"]["training"]["steps"] == 3
    assert {r["network"] for r in result["auroc"]} == {"trained", "random weights", "random labels"}
