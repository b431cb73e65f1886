"""Scores of maps against the simulators' event marks, on maps checkable by hand."""

import numpy as np
import pytest
import torch

from resandi_lite.groundtruth import (bootstrap, event_set, events_to_input, near_events, random_label_model,
                                      randomized_weights, summarise, trajectory_scores)
from resandi_lite.model import build_model
from resandi_lite.preprocess import preprocess
from resandi_lite.simulate import simulate


def test_marks_land_where_the_preprocessed_ctrw_moves():
    X, _, events = simulate("SubCTRW", 20, length="varying", rng=4, events=True)
    inputs, marks = preprocess(X), events_to_input(events)
    lengths = np.array([x.shape[-1] for x in X])
    for i, T in enumerate(lengths):
        observed = inputs[i, :, 1000 - T:]
        moved = (np.diff(observed, axis=-1) != 0).any(axis=0)
        assert np.array_equal(moved, marks[i, 1000 - T + 1:])
        assert not marks[i, :1000 - T + 1].any()  # nothing in the padding, nor at the first point


def test_event_set_shapes_and_labels():
    data = event_set(3, rng=0)
    assert data["X"].shape == (9, 2, 1000) and data["events"].shape == (9, 1000)
    assert data["y"].tolist() == [0, 0, 0, 1, 1, 1, 5, 5, 5]
    assert np.array_equal(data["events"], events_to_input([e[1000 - T:] for e, T in zip(data["events"],
                                                                                            data["lengths"])]))


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
    assert {(r["class"], r["score"]) for r in rows} == {(c, s) for c in ("SubCTRW", "SupLW")
                                                        for s in ("auroc", "pointing", "mass")}
    for r in rows:
        assert r["low"] <= r["mean"] <= r["high"] and r["n"] == 30
        assert r["mean"] == 1.0 and r["difference_low"] > 0
    auroc = [r for r in rows if r["score"] == "auroc"]
    assert all(0.4 < r["random"] < 0.6 for r in auroc)  # random maps: no preference


def test_bootstrap_interval_shrinks_with_n():
    rng = np.random.default_rng(0)
    small, large = bootstrap(rng.random(20), rng=0), bootstrap(rng.random(2000), rng=0)
    assert small[2] - small[1] > large[2] - large[1] > 0


def test_sanity_networks_differ_from_the_original():
    torch.manual_seed(0)
    model = build_model("lite").eval()
    shuffled = randomized_weights(model, seed=1)
    assert not torch.equal(model.fc.weight, shuffled.fc.weight) and not shuffled.training
    trained = random_label_model(n_per_class=4, batches=2, batch_size=8, seed=0)
    assert not trained.training and trained(torch.rand(2, 2, 1000)).shape == (2, 8)


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
    out = capsys.readouterr().out
    assert out.count("Correct:") == 4 and out.count("Not yet:") == 4
    with pytest.raises(ValueError, match="fraction between 0 and 1"):
        ch09b.check_ctrw_event_share(30.0, data)
    with pytest.raises((TypeError, ValueError)):
        ch09b.check_layer4_resolution("z")
    with pytest.raises((TypeError, ValueError)):
        ch09b.check_auroc_by_hand("high")


def test_report_values_for_the_shipped_network():
    from resandi_lite.groundtruth import EVENT_CLASSES, report_values

    values = report_values(2, seed=0)
    assert set(values) == {f"groundtruth/{s}{r}/{c}" for s in ("auroc", "pointing", "mass") for r in ("", "-random")
                           for c in EVENT_CLASSES}
    for key, (mean, stderr) in values.items():
        assert (0 <= mean <= 1 or np.isnan(mean)) and (stderr >= 0 or np.isnan(stderr)), key
