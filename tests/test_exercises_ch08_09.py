"""Chapters 8 and 9's exercise checks: right answers (computed independently) accepted, wrong ones refused with a hint."""

import numpy as np
import pytest
import torch

import resandi_lite as rl
from resandi_lite.course import exercises
from resandi_lite.erasure import erase, erasure_experiment


@pytest.fixture(scope="module")
def context():
    model = rl.load_pretrained("lite")
    test = rl.make_dataset(3, length="varying", seed=7)
    maps = rl.grad_cam(model, test.X, test.y, upsample=None).numpy()
    return model, test, maps


def _says(capsys, prefix):
    out = capsys.readouterr().out
    assert out.startswith(prefix) and len(out) > 30, out


def test_chapter_8(context, capsys):
    model, test, _ = context
    X = torch.from_numpy(test.X)
    with torch.no_grad():  # by hand: CAM of the linear head, and logits from the pooled features
        A = model.stages(X[:1])["layer4"][0].double()
        by_hand = (model.fc.weight[5].double() @ A / A.shape[1]).numpy()
        logits = model(X[:1])[0].numpy()
    assert exercises.check_cam_by_hand(by_hand, model, X)
    _says(capsys, "Correct:")
    assert not exercises.check_cam_by_hand(by_hand * 32, model, X)  # forgot the average pool
    _says(capsys, "Not yet:")
    maps = torch.stack([rl.grad_cam(model, X[:1], c, upsample=None)[0] for c in range(8)])
    assert exercises.check_logits_from_maps(32 * maps.mean(1) + model.fc.bias.detach(), model, X)
    assert np.allclose(32 * maps.mean(1).numpy() + model.fc.bias.detach().numpy(), logits, atol=1e-4)
    assert not exercises.check_logits_from_maps(maps.mean(1), model, X)
    capsys.readouterr()
    layer1 = rl.grad_cam(model, X, torch.from_numpy(test.y), layer="layer1", upsample=None)
    assert layer1.shape == (len(X), 250)
    fraction = float((layer1 < 0).double().mean())
    assert exercises.check_negative_fraction_layer1(fraction, model, X, test.y)
    assert not exercises.check_negative_fraction_layer1(1 - fraction, model, X, test.y)
    assert exercises.check_padding_map("(C)") and not exercises.check_padding_map("b")
    scores = rl.gradcam_score(model, X, torch.from_numpy(test.y)).numpy()
    best = rl.CLASSES[int(np.argmax([np.median(scores[test.y == c]) for c in range(8)]))]
    assert exercises.check_top_score_class(best, model, test)
    assert not exercises.check_top_score_class(next(c for c in rl.CLASSES if c != best), model, test)
    for check, args in [
        (exercises.check_cam_by_hand, (model, X)),
        (exercises.check_logits_from_maps, (model, X)),
        (exercises.check_negative_fraction_layer1, (model, X, test.y)),
        (exercises.check_padding_map, ()),
        (exercises.check_top_score_class, (model, test)),
    ]:
        with pytest.raises((TypeError, ValueError)):
            check(..., *args)
    with pytest.raises(ValueError, match="one of SubATTM"):
        exercises.check_top_score_class("Brownian", model, test)
    with pytest.raises(ValueError, match="between 0 and 1"):
        exercises.check_negative_fraction_layer1(40.0, model, X, test.y)


def test_chapter_9(context, capsys):
    model, test, maps = context
    # 32 distinct values, edges included: the strict 22 plus the 10 edge segments (0, 3, ..., 28, 31; the median
    # falls between 15 and 16), the 8 inner ones counted in two bands: 22 + 2 + 16 = 40, four per band
    right = [4] * 10
    counts = rl.erasure.band_masks(np.arange(32.0)[None], 10, 1000, inclusive=True).sum(2)[:, 0]
    assert counts.tolist() == right
    assert exercises.check_inclusive_band_counts(right)
    _says(capsys, "Correct:")
    assert not exercises.check_inclusive_band_counts([2, 2, 2, 2, 3, 3, 2, 2, 2, 2])  # the strict counts
    _says(capsys, "Not yet:")
    result = erasure_experiment(model, test.X, test.y, maps=maps, rng=0)
    share = float(np.mean((result["random_predictions"] == 0) | (result["random_predictions"] == 1)))
    assert exercises.check_attm_ctrw_share(share, result) and not exercises.check_attm_ctrw_share(
        share / 2 + 0.01, result
    )
    top = np.zeros(maps.shape, bool)
    top[np.arange(len(maps)), maps.argmax(1)] = True
    accuracy = float(np.mean(rl.predict_logits(model, erase(test.X, top)).argmax(1) == test.y))
    assert exercises.check_top_segment_accuracy(accuracy, model, test, maps)
    assert not exercises.check_top_segment_accuracy(accuracy + 0.05, model, test, maps)
    assert exercises.check_interpolated_padding("c") and not exercises.check_interpolated_padding("a")
    inclusive = erasure_experiment(model, test.X, test.y, maps=maps, rng=3, inclusive=True)
    pair = (inclusive["accuracy"][-1], inclusive["random_accuracy"][-1])
    assert exercises.check_inclusive_top_band(pair, model, test, maps, 3)
    assert not exercises.check_inclusive_top_band((pair[0], pair[1] + 0.1), model, test, maps, 3)
    capsys.readouterr()
    for check, args in [
        (exercises.check_inclusive_band_counts, ()),
        (exercises.check_attm_ctrw_share, (result,)),
        (exercises.check_top_segment_accuracy, (model, test, maps)),
        (exercises.check_interpolated_padding, ()),
        (exercises.check_inclusive_top_band, (model, test, maps, 3)),
    ]:
        with pytest.raises((TypeError, ValueError)):
            check(..., *args)
    with pytest.raises(ValueError, match="not percent"):
        exercises.check_top_segment_accuracy(25.0, model, test, maps)


def test_chapter_9_family_and_fills(context, capsys):
    """Exercises 9.7 and 9.8, right answers computed independently of the checks."""
    from resandi_lite.verdict import paired_bootstrap

    model, test, maps = context
    result = erasure_experiment(model, test.X, test.y, maps=maps, rng=0)
    rng = np.random.default_rng(0)  # compare_with_random's default: one stream over the bands, 2000 resamples
    count = 0
    for b in range(10):
        d = 100.0 * ((result["random_predictions"][b] == test.y).astype(float) - (result["predictions"][b] == test.y))
        boot = paired_bootstrap(d, level=0.995, n_boot=2000, rng=rng)
        count += boot["low"] > 0 or boot["high"] < 0
    assert exercises.check_band_family((0.995, count), result, test.y)
    _says(capsys, "Correct:")
    assert not exercises.check_band_family((0.95, count), result, test.y)  # the level of one interval alone
    _says(capsys, "Not yet:")
    assert not exercises.check_band_family((0.995, count + 1), result, test.y)
    _says(capsys, "Not yet:")
    with pytest.raises(ValueError, match="not percent"):
        exercises.check_band_family((99.5, count), result, test.y)
    # 9.8 on random walks of 1000 points: the bridge keeps the mean squared step, the line loses it
    walks = np.cumsum(np.random.default_rng(1).standard_normal((40, 2, 1000)), axis=2).astype(np.float32)
    walk_maps = np.random.default_rng(2).standard_normal((40, 32)).cumsum(1)
    top = rl.erasure.band_masks(walk_maps, 10, 1000)[-1]
    pos = rl.erasure.segment_of_position(32, 1000)
    e = top[:, pos]
    touch = e | np.roll(e, 1, axis=1)
    touch[:, 0] = False
    ratios = []
    for fill in ("noisy", "interpolate"):
        out = erase(walks, top, fill=fill, rng=3).astype(np.float64)
        sq = np.diff(out, axis=2) ** 2  # sq[:, :, t - 1] is the step into t
        inside, outside = touch[:, 1:], ~touch[:, 1:]
        ratios.append(
            float(
                np.concatenate([sq[:, c][inside] for c in range(2)]).mean()
                / np.concatenate([sq[:, c][outside] for c in range(2)]).mean()
            )
        )
    assert abs(ratios[0] - 1) < 0.15 and ratios[1] < 0.1  # the law the exercise is about
    assert exercises.check_fill_step_variance(ratios, walks, walk_maps, 3)
    _says(capsys, "Correct:")
    assert not exercises.check_fill_step_variance(ratios[::-1], walks, walk_maps, 3)
    _says(capsys, "Not yet:")
    with pytest.raises(ValueError, match="non-negative"):
        exercises.check_fill_step_variance((-1, 0), walks, walk_maps, 3)


def test_paired_sample_size_on_a_set_without_discordant_pairs(capsys):
    """The ci profile's tiny set can have no trajectory whose verdict differs: spread 0, answer 0."""
    zero = {"stderr": np.array([0.0]), "n": 40}
    assert exercises.check_paired_sample_size(0, zero)
    assert "Correct" in capsys.readouterr().out
    assert not exercises.check_paired_sample_size(5, zero)
    with pytest.raises(ValueError, match="non-negative"):
        exercises.check_paired_sample_size(-1, zero)
