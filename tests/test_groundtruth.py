"""Scores of maps against the simulators' event marks, on maps checkable by hand."""

import json

import numpy as np
import pytest
import torch
from torch import nn

from resandi_lite.groundtruth import (
    alignment,
    bootstrap,
    event_set,
    events_to_input,
    groundtruth_verdicts,
    map_centres,
    near_events,
    receptive_field_centres,
    summarise,
    trajectory_scores,
    upsample,
)
from resandi_lite.model import build_model
from resandi_lite.preprocess import preprocess
from resandi_lite.simulate import simulate


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One torch thread: on a shared, busy CPU two threads per process run many times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_marks_land_where_the_preprocessed_ctrw_moves():
    X, _, events = simulate("SubCTRW", 20, length="varying", rng=4, events=True)
    inputs, marks = preprocess(X), events_to_input(events)
    lengths = np.array([x.shape[-1] for x in X])
    for i, T in enumerate(lengths):
        observed = inputs[i, :, 1000 - T :]
        moved = (np.diff(observed, axis=-1) != 0).any(axis=0)
        assert np.array_equal(moved, marks[i, 1000 - T + 1 :])
        assert not marks[i, : 1000 - T + 1].any()  # nothing in the padding, nor at the first point


def test_event_set_shapes_and_labels():
    data = event_set(3, rng=0)
    assert data["X"].shape == (9, 2, 1000) and data["events"].shape == (9, 1000)
    assert data["y"].tolist() == [0, 0, 0, 1, 1, 1, 5, 5, 5]
    assert np.array_equal(
        data["events"], events_to_input([e[1000 - T :] for e, T in zip(data["events"], data["lengths"])])
    )


def test_scores_by_hand():
    events = np.zeros((1, 10), dtype=bool)
    events[0, [3, 7]] = True
    perfect = trajectory_scores(events.astype(float), events, [10], k=0)
    assert (perfect["auroc"][0], perfect["pointing"][0], perfect["mass"][0]) == (1.0, 1.0, 1.0)
    inverted = trajectory_scores(-events.astype(float), events, [10], k=0)
    assert inverted["auroc"][0] == 0.0 and inverted["pointing"][0] == 0.0 and np.isnan(inverted["mass"][0])
    flat = trajectory_scores(np.ones((1, 10)), events, [10], k=1)  # ties: half; the plateau holds 6 of 10 near
    assert (flat["auroc"][0], flat["pointing"][0], flat["mass"][0]) == (0.5, 0.6, 0.6)
    ramp = trajectory_scores(np.arange(10.0)[None], events, [10], k=0)
    # marked values 3 and 7 against 8 unmarked: 3 + 6 = 9 of 16 pairs won
    assert ramp["auroc"][0] == pytest.approx(9 / 16) and ramp["pointing"][0] == 0.0
    assert ramp["mass"][0] == pytest.approx(10 / 45)


def test_scores_ignore_the_padding_and_upsample_coarse_maps():
    events = np.zeros((1, 10), dtype=bool)
    events[0, 7] = True
    padded = np.where(np.arange(10) < 5, 100.0, 0.0)[None]
    padded[0, 7] = 1.0
    s = trajectory_scores(padded, events, [5], k=0)  # the 100s lie in the padding: only positions 5..9 count
    assert (s["auroc"][0], s["pointing"][0], s["mass"][0]) == (1.0, 1.0, 1.0)
    coarse = trajectory_scores(np.array([[0.0, 1.0]]), events, [10], k=0)  # positions 5..9 share the value 1
    assert coarse["auroc"][0] == pytest.approx((5 + 4 * 0.5) / 9)  # beats the 5 zeros, ties the 4 other ones
    assert coarse["pointing"][0] == pytest.approx(1 / 5)


def test_near_events():
    e = np.zeros((1, 8), dtype=bool)
    e[0, 3] = True
    assert near_events(e, 2).astype(int).tolist() == [[0, 1, 1, 1, 1, 1, 0, 0]]


def test_summary_random_baseline_and_intervals():
    rng = np.random.default_rng(0)
    events = rng.random((60, 200)) < 0.1
    y = np.repeat([1, 5], 30)
    rows = summarise(events.astype(float), events, np.full(60, 200), y, k=0, rng=1, n_boot=200)
    assert {(r["class"], r["score"]) for r in rows} == {
        (c, s) for c in ("SubCTRW", "SupLW") for s in ("auroc", "pointing", "mass")
    }
    for r in rows:
        assert r["low"] <= r["mean"] <= r["high"] and r["n"] == 30
        assert r["mean"] == 1.0 and r["difference_low"] > 0
    auroc = [r for r in rows if r["score"] == "auroc"]
    assert all(0.4 < r["random"] < 0.6 for r in auroc)  # random maps: no preference


def test_bootstrap_interval_shrinks_with_n():
    rng = np.random.default_rng(0)
    small, large = bootstrap(rng.random(20), rng=0), bootstrap(rng.random(2000), rng=0)
    assert small[2] - small[1] > large[2] - large[1] > 0


def test_chapter_9b_checks_accept_the_right_answer_and_reject_others(capsys):
    from resandi_lite.course.exercises import ch09b

    data = event_set(2, rng=1)
    ctrw = data["y"] == 1
    share = float(data["events"][ctrw].sum() / (data["lengths"][ctrw].sum()))
    assert ch09b.check_ctrw_event_share(share, data) and not ch09b.check_ctrw_event_share(share + 0.01, data)
    assert ch09b.check_auroc_by_hand(4 / 6) and not ch09b.check_auroc_by_hand(0.5)
    assert ch09b.check_layer4_resolution("b") and not ch09b.check_layer4_resolution("a")
    pointing = trajectory_scores(np.ones((6, 1)), data["events"], data["lengths"], k=3)["pointing"]
    assert ch09b.check_constant_map_pointing(float(np.nanmean(pointing)), data)
    assert not ch09b.check_constant_map_pointing(0.0 if np.nanmean(pointing) > 0.5 else 1.0, data)
    assert ch09b.check_layer4_centre(160) and not ch09b.check_layer4_centre(172)  # 172: the stretched stretch's middle
    assert ch09b.check_sanity_reading("b") and not ch09b.check_sanity_reading("a")
    out = capsys.readouterr().out
    assert out.count("Correct:") == 6 and out.count("Not yet:") == 6
    with pytest.raises((TypeError, ValueError)):
        ch09b.check_layer4_centre(160.5)
    with pytest.raises((TypeError, ValueError)):
        ch09b.check_sanity_reading(...)
    with pytest.raises(ValueError, match="fraction between 0 and 1"):
        ch09b.check_ctrw_event_share(30.0, data)
    with pytest.raises((TypeError, ValueError)):
        ch09b.check_layer4_resolution("z")
    with pytest.raises((TypeError, ValueError)):
        ch09b.check_auroc_by_hand("high")


def test_report_values_for_the_shipped_network():
    from resandi_lite.groundtruth import EVENT_CLASSES, report_values

    values = report_values(2, seed=0)
    assert set(values) == {
        f"groundtruth/{s}{r}/{c}" for s in ("auroc", "pointing", "mass") for r in ("", "-random") for c in EVENT_CLASSES
    }
    for key, (mean, stderr) in values.items():
        assert (0 <= mean <= 1 or np.isnan(mean)) and (stderr >= 0 or np.isnan(stderr)), key


def _positive_probe(model):
    """The network with every convolution a positive average and BatchNorm the identity (float64, eval).

    Every activation of a positive input is then positive, so no ReLU cuts a
    gradient path, and the gradient of one unit with respect to the input is
    symmetric about the unit's receptive-field centre."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Conv1d):
                m.weight.fill_(1.0 / (m.in_channels * m.kernel_size[0]))
            elif isinstance(m, nn.BatchNorm1d):
                m.reset_parameters()
    return model.eval().double()


@pytest.mark.parametrize("layer", ["layer1", "layer2", "layer3", "layer4"])
def test_receptive_field_centres_match_a_gradient_probe(layer):
    # input long enough that the units in its middle see no padding (layer4's field spans 3003 points)
    L = 6000
    model = _positive_probe(build_model("lite"))
    t = np.arange(L)
    # a bump every 4 points makes each even stem output a local maximum, so the max-pool picks its window's
    # centre and the gradient stays symmetric (a flat input would let it pick the first of three ties)
    x = torch.tensor(1.0 + 0.01 * (t % 4 == 0), dtype=torch.float64).expand(1, 2, L).clone().requires_grad_(True)
    acts = model.stages(x, upto=layer)[layer]
    centres = receptive_field_centres(model, layer, L)
    assert centres.shape == (acts.shape[-1],)
    P = len(centres)
    for j in np.linspace(0.4 * P, 0.6 * P, 5).astype(int):
        (g,) = torch.autograd.grad(acts[0, :, j].sum(), x, retain_graph=True)
        g = g[0].abs().sum(0).numpy()
        support = np.flatnonzero(g)
        assert (support[0] + support[-1]) / 2 == centres[j]  # centre of the inputs with a non-zero gradient
        assert (g * t).sum() / g.sum() == pytest.approx(centres[j], abs=1e-6)  # and of the gradient's mass
        assert abs(int(np.argmax(g)) - centres[j]) <= 1  # the gradient peaks there (a 3-point plateau)


def test_receptive_field_centres_of_the_shipped_network_and_the_stage_lengths():
    import resandi_lite as rl

    model = rl.load_pretrained("lite")
    stages = model.stages(torch.zeros(1, 2, 1000))
    for layer, spacing in (("stem", 4), ("layer1", 4), ("layer2", 8), ("layer3", 16), ("layer4", 32)):
        c = receptive_field_centres(model, layer)
        assert len(c) == stages[layer].shape[-1]
        assert np.array_equal(c, spacing * np.arange(len(c)))
    # the shipped (trained) network: the inputs with a non-zero gradient of a middle unit are centred on it,
    # up to the max-pool's choice within its 3-point window (one stem step = 2 input steps at either edge)
    x = torch.from_numpy(np.random.default_rng(0).standard_normal((1, 2, 4000))).double().requires_grad_(True)
    model = model.double()
    for layer in ("layer1", "layer4"):
        acts = model.stages(x, upto=layer)[layer]
        c = receptive_field_centres(model, layer, 4000)
        j = len(c) // 2
        (g,) = torch.autograd.grad(acts[0, :, j].sum(), x)
        support = np.flatnonzero(g[0].abs().sum(0).numpy())
        assert abs((support[0] + support[-1]) / 2 - c[j]) <= 2


def test_centres_by_resolution_and_errors():
    model = build_model("lite")
    assert np.array_equal(map_centres(model, 32), 32.0 * np.arange(32))
    assert np.array_equal(map_centres(model, 1000), np.arange(1000.0))
    with pytest.raises(ValueError, match="positions must be the input length"):
        map_centres(model, 33)
    with pytest.raises(ValueError, match="layer must be one of"):
        receptive_field_centres(model, "fc")
    with pytest.raises(TypeError, match="ResAnDi"):
        receptive_field_centres(nn.Linear(2, 2), "layer4")


def test_upsampling_by_centres():
    maps = np.arange(32.0)[None]
    up = upsample(maps, 1000, centres=32.0 * np.arange(32))
    # each input point reads the position whose centre is nearest (ties, at 16, 48, ..., to the earlier one)
    expected = np.minimum(np.ceil((np.arange(1000) - 16) / 32), 31).clip(0)
    assert np.array_equal(up[0], expected)
    nearest = upsample(maps, 1000)
    assert np.array_equal(nearest[0], np.arange(1000) * 32 // 1000)
    with pytest.raises(ValueError, match="centres must be increasing"):
        upsample(maps, 1000, centres=np.arange(31.0))


def test_alignment_of_the_two_upsamplings():
    rows = {r["layer"]: r for r in alignment(build_model("lite"))}
    # stretching puts a layer4 value's stretch up to 15 points off its centre, and input point 31 reads the
    # value centred on point 0; by centres every stretch is centred within half a step
    assert rows["layer4"]["plateau_offset_nearest"] == 15.0 and rows["layer4"]["nearest"] == 31.0
    assert rows["layer4"]["centres"] == 16.0 and rows["layer4"]["plateau_offset_centres"] == 0.5
    assert all(r["plateau_offset_centres"] <= 0.5 for r in rows.values())
    assert rows["layer1"]["plateau_offset_nearest"] == 1.5


def test_scores_by_centres_find_an_event_that_stretching_misplaces():
    events = np.zeros((1, 1000), dtype=bool)
    events[0, 0] = True  # an event at input point 0, where layer4's first position is centred
    maps = np.zeros((1, 32))
    maps[0, 0] = 1.0
    by_centres = trajectory_scores(maps, events, [1000], k=3, centres=32.0 * np.arange(32))
    stretched = trajectory_scores(maps, events, [1000], k=3)
    assert by_centres["pointing"][0] == pytest.approx(4 / 17)  # points 0..16 read position 0; 0..3 are near
    assert stretched["pointing"][0] == pytest.approx(4 / 32)  # points 0..31 read it


def test_groundtruth_verdicts_rows_and_families():
    result = groundtruth_verdicts(4, seed=0, methods=("gradcam-layer4", "saliency"), n_boot=200)
    json.dumps(result)  # JSON-ready
    rows = result["rows"]
    auroc = [r for r in rows if r["family"] == "auroc"]
    assert len(auroc) == 6 and {r["class"] for r in auroc} == {"SubATTM", "SubCTRW", "SupLW"}
    assert all(r["level"] == pytest.approx(1 - 0.05 / 6) for r in auroc)
    vs = [r for r in rows if r["family"] == "layer4 vs random"]
    assert len(vs) == 6 and all(r["level"] == pytest.approx(1 - 0.05 / 6) for r in vs)
    for r in rows:
        assert r["verdict"] in ("agrees", "differs", "no effect", "open") and r["low"] <= r["estimate"] <= r["high"]
        assert ("n_needed" in r) == (r["verdict"] == "open") and "beyond the paper" in r["reference"]
        assert r["paper"] == 0.05
    # the AUROC rows are the table's mean AUROC minus 0.5, on the same trajectories
    table = {(t["method"], t["class"], t["score"]): t for t in result["table"]}
    for r in auroc:
        assert r["estimate"] == pytest.approx(table[(r["method"], r["class"], "auroc")]["mean"] - 0.5)
    assert result["sizes"]["trajectories"] == 12 and result["seconds"] > 0 and result["upsampling"] == "centres"


def test_powered_part_reads_the_combined_verdicts_json(tmp_path):
    from resandi_lite.groundtruth import powered, report_values
    from resandi_lite.sanity import powered as sanity_powered

    assert powered(tmp_path / "none.json") is None
    result = groundtruth_verdicts(3, seed=1, methods=("gradcam-layer4",), n_boot=100)
    combined = {
        "parts": {"groundtruth": {k: v for k, v in result.items() if k != "rows"}},
        "rows": [{**r, "part": "groundtruth"} for r in result["rows"]] + [{"claim": "x", "part": "erasure"}],
    }
    path = tmp_path / "verdicts.json"
    path.write_text(json.dumps(combined))
    back = powered(path)
    assert back["rows"] == [{**r, "part": "groundtruth"} for r in result["rows"]] and back["sizes"] == result["sizes"]
    assert sanity_powered(path) is None  # no sanity part in this file
    # chapter 12's rows read from the same result: one measurement, no second one
    values = report_values(3, result=back)
    table = {(t["score"], t["class"]): t for t in result["table"]}
    assert values["groundtruth/auroc/SubCTRW"][0] == table[("auroc", "SubCTRW")]["mean"]
    assert values["groundtruth/pointing-random/SupLW"][0] == table[("pointing", "SupLW")]["random"]


def test_a_claim_too_few_trajectories_define_is_skipped_not_judged():
    # seed 0, 3 per class: two of the three ATTM trajectories never change diffusivity, so they have no AUROC
    result = groundtruth_verdicts(3, seed=0, methods=("gradcam-layer4",), n_boot=100)
    skipped = {(s["family"], s["class"], s["score"]) for s in result["skipped"]}
    assert ("auroc", "SubATTM", "auroc - 0.5") in skipped and all(s["n"] < 2 for s in result["skipped"])
    judged = {(r["family"], r["class"], r["score"]) for r in result["rows"]}
    assert len(judged) + len(skipped) == 3 + 6 and not judged & skipped
