"""The exercises' automatic checks, and the form of every chapter's exercise cells.

Each check accepts the right answer (computed here the way a student would),
rejects a wrong one with a hint, and refuses an answer of the wrong kind with
TypeError/ValueError. Every exercise cell of every chapter follows the
convention of :mod:`resandi_lite.course.exercises` and calls a check that exists, and
the committed (instructor) notebooks print "Correct" in every exercise cell.
"""

import ast
import builtins
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch

import resandi_lite as rl
from resandi_lite import msd
from resandi_lite import signatures as sig
from resandi_lite.baseline import features, make_classifier
from resandi_lite.course.student import is_exercise_cell, parse_exercise
from resandi_lite.evaluate import confusion_matrix, evaluate
from resandi_lite.model import build_model, count_parameters, receptive_fields
from resandi_lite.simulate import bm, ctrw, fbm, lw, sbm

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))  # 01_... to 12_..., with 09b_...
T, N, SEED = 200, 40, 0
TIMES = np.unique(np.geomspace(1, T - 1, 30).astype(int))
LAGS = np.unique(np.geomspace(1, T // 10, 15).astype(int))


def test_the_chapter_glob_finds_every_chapter_including_9b():
    stems = [p.stem for p in NOTEBOOKS]
    assert {"01_random_walks", "09_erasure", "09b_ground_truth", "12_reproduction"} <= set(stems)
    assert stems.index("09_erasure") + 1 == stems.index("09b_ground_truth")  # in reading order


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


# ---------------------------------------------------------------- contexts (small, built once)


@pytest.fixture(scope="module")
def small():
    """A tiny chapter-4/7 context: datasets, features, a forest, the shipped network's result."""
    train = rl.make_dataset(20, length="varying", seed=SEED)
    test = rl.make_dataset(10, length="varying", seed=SEED + 1)
    F_train, F_test = features(train.X, train.lengths), features(test.X, test.lengths)
    forest = make_classifier("forest", random_state=SEED).fit(F_train, train.y)
    model = rl.load_pretrained("lite")
    return dict(
        train=train,
        test=test,
        F_train=F_train,
        F_test=F_test,
        models={"forest": forest},
        model=model,
        result=evaluate(model, test),
    )


def _ch01(s):
    walk = ctrw(np.full(100, 0.3), T, rng=SEED)
    lag, ta = msd.time_averaged_msd(walk[:50], LAGS)
    walks = bm(20, T, rng=SEED)
    long_lags = np.unique(np.geomspace(1, T // 2, 15).astype(int))
    steps = np.diff(fbm(np.full(1, 1.5), 1000, rng=SEED)[0, 0])
    return [
        (
            "check_exponent_scatter",
            float(np.std([msd.fit_exponent(*msd.ensemble_msd(bm(10, T, rng=k), TIMES))[0] for k in range(20)])),
            0.01,
            (T, TIMES),
        ),
        (
            "check_ctrw_exponents",
            (msd.fit_exponent(*msd.ensemble_msd(walk, TIMES))[0], np.nanmedian(msd.fit_exponent(lag, ta)[0])),
            (0.3, 0.3),
            (100, T, TIMES, LAGS, SEED),
        ),
        ("check_fbm_step_correlation", float(np.corrcoef(steps[:-1], steps[1:])[0, 1]), 0.0, (1000,)),
        (
            "check_fbm_ergodicity",
            [
                msd.ergodicity_breaking(msd.time_averaged_msd(fbm(np.full(200, 0.5), t, rng=SEED), [5])[1])[0]
                for t in (100, 1000)
            ],
            (0.02, 0.02),
            (),
        ),
        (
            "check_long_lag_scatter",
            [np.std(msd.fit_exponent(*msd.time_averaged_msd(walks, lags))[0]) for lags in (long_lags, LAGS)],
            (0.1, 0.2),
            (T, LAGS, SEED),
        ),
    ]


def _ch02(s):
    def middle(x):
        q = x.shape[-1] // 4
        return np.median(sig.diffusivity_change(x[:, :, q : 3 * q]))

    return [
        ("check_sbm_attm_statistic", "b", "a", ()),
        (
            "check_fbm_short_bias",
            [np.median(sig.lag1_autocorrelation(fbm(np.full(N, a), 50, rng=SEED))) for a in (0.4, 1.0, 1.6)],
            2 ** (np.array([0.4, 1.0, 1.6]) - 1) - 1 + 0.2,
            (N,),
        ),
        (
            "check_ctrw_rest_fraction",
            [np.mean(sig.rest_fraction(ctrw(np.full(N, 0.7), t, rng=SEED))) for t in (30, 100, 1000)],
            (0.5, 0.5, 0.5),
            (N, SEED),
        ),
        (
            "check_levy_straightness",
            [np.median(sig.straightness(lw(np.full(N // 2, 1.5), t, rng=SEED))) for t in (20, 50, 100, 300, 1000)],
            [0.5] * 5,
            (N, SEED),
        ),
        (
            "check_middle_diffusivity_change",
            (middle(sbm(np.full(N, 0.5), T, rng=SEED)), middle(bm(N, T, rng=SEED))),
            (0.0, 0.0),
            (N, T),
        ),
    ]


def _ch03(s):
    ds = s["train"]
    return [
        ("check_skip_normalisation", 0.0, 0.3, ()),
        ("check_padding_fraction", (float(np.mean(1 - ds.lengths / 1000)), 0.495), (0.5, 0.5), (ds,)),
        ("check_padding_level", -ds.minmax[:10, :, 0] / ds.minmax[:10, :, 1], np.zeros((10, 2)), (ds,)),
        ("check_noisy_increment_variance", (1.5, np.sqrt(2)), (1.25, 2.0), ()),
        ("check_noise_level_counts", _noise_counts(), np.full((8, 3), 33), (SEED,)),
        ("check_padding_side", "b", "a", ()),
    ]


def _noise_counts():
    noisy = rl.make_dataset(100, noise=[0.0, 0.5, 1.0], seed=SEED)
    levels = np.searchsorted([0.0, 0.5, 1.0], noisy.noise)
    return np.array([np.bincount(levels[noisy.y == c], minlength=3) for c in range(8)])


def _ch04(s):
    train, test = s["train"], s["test"]
    keep = [0, 1, 2, 3, 4, 5, 6, 8]
    forest = make_classifier("forest", random_state=SEED).fit(s["F_train"][:, keep], train.y)
    lw_acc = 100 * np.diag(confusion_matrix(test.y, forest.predict(s["F_test"][:, keep])))[5]
    fixed_train, fixed_test = (rl.make_dataset(n, length=1000, seed=SEED + k) for k, n in ((2, 6), (3, 4)))
    fixed = make_classifier("forest", random_state=SEED).fit(
        features(fixed_train.X, fixed_train.lengths), fixed_train.y
    )
    fixed_acc = 100 * np.mean(fixed.predict(features(fixed_test.X, fixed_test.lengths)) == fixed_test.y)
    noisy = rl.make_dataset(4, length="varying", noise=0.3, seed=SEED + 4)
    noisy_acc = 100 * np.diag(
        confusion_matrix(noisy.y, s["models"]["forest"].predict(features(noisy.X, noisy.lengths)))
    )
    n = len(train) // 8
    curve = []
    for size in (max(1, n // 8), max(1, n // 4), max(1, n // 2), n):  # the first `size` of each class
        rows = np.concatenate([np.flatnonzero(train.y == c)[:size] for c in range(8)])
        model = make_classifier("forest", random_state=SEED).fit(s["F_train"][rows], train.y[rows])
        curve.append(100 * np.mean(model.predict(s["F_test"]) == test.y))
    curve = np.array(curve)
    return [
        ("check_linear_boundary", "b", "d", ()),
        ("check_without_flight_fraction", lw_acc, lw_acc - 10, (s["F_train"], train, s["F_test"], test, SEED)),
        ("check_fixed_length_forest", fixed_acc, fixed_acc - 5, (6, 4, SEED)),
        ("check_noisy_test_accuracy", noisy_acc, noisy_acc + 1, (s["models"], 4, SEED)),
        ("check_learning_curve", curve, curve + [0, 0, 0, 0.2], (s["F_train"], train, s["F_test"], test, SEED)),
        (
            "check_features_changed_by_preprocessing",
            ["diffusivity change", "MSD ratio", "straightness", "MSD exponent"],
            ["MSD ratio"],
            (SEED,),
        ),
    ]


def _ch05(s):
    net = build_model("paper")
    small_net = build_model("lite", kernel_size=7)
    return [
        (
            "check_block_parameters",
            64 * 128 * 15 + 128 * 128 * 15 + 2 * 2 * 128 + 64 * 128 + 2 * 128,
            64 * 128 * 15 + 128 * 128 * 15,
            (net,),
        ),
        (
            "check_small_kernel",
            (receptive_fields(small_net)["layer4"][0], count_parameters(small_net)),
            (receptive_fields(build_model("lite"))["layer4"][0], count_parameters(small_net)),
            (),
        ),
        ("check_no_maxpool_length", 63, 32, ()),
        ("check_pooling_classes", "b", "a", ()),
        (
            "check_tiny_parameters",
            count_parameters(rl.model.ResAnDi(widths=(8, 16, 32, 64))),
            count_parameters(build_model("lite")) // 4,
            (),
        ),
    ]


def _ch06(s):
    model = s["model"]
    q = np.full(8, 0.1 / 8)
    q[0] += 0.9
    fresh = rl.make_dataset(1, length="varying", seed=5000 + SEED)
    X, y = torch.from_numpy(fresh.X), torch.from_numpy(fresh.y).long()
    with torch.no_grad():
        grad = torch.softmax(model.eval()(X[:1])[0], 0).numpy() - np.eye(8)[int(y[0])]
    val = rl.make_dataset(2, length="varying", seed=5000 + SEED)
    with torch.no_grad():
        end = float(torch.nn.functional.cross_entropy(model(torch.from_numpy(val.X)), torch.from_numpy(val.y).long()))
    history = [{"train_loss": 1.5}]
    return [
        ("check_learning_rate", "a", "c", ()),
        ("check_smoothing_floor", float(-(q * np.log(q)).sum()), float(np.log(8)), ()),
        ("check_ce_gradient", grad, -grad, (model, SEED)),
        ("check_adam_step", (1e-3, 1e-3), (1e-3, 1.0), (model, SEED)),  # Adam's first step: lr whatever the scale
        ("check_epoch_average", (end, 1.5), (1.5, end), (model, history, {"val_per_class": 2}, SEED)),
        ("check_batchnorm_statistics", "a", "b", ()),
        ("check_early_stopping", "a", "b", ()),
    ]


def _ch07(s):
    model, test, result = s["model"], s["test"], s["result"]
    fixed = rl.make_dataset(10, length=1000, seed=3000 + SEED)  # the check's set for n_test = 20
    gain = evaluate(rl.load_pretrained("lite-T1000"), fixed)["per_class"] - evaluate(model, fixed)["per_class"]
    not_best = [c for c, g in zip(rl.CLASSES, gain) if g < gain.max()]  # ties for the largest gain are all right
    short = rl.make_dataset(2, length=50, seed=4000 + SEED)
    cm = evaluate(model, short)["confusion"]
    off = cm - np.diag(np.diag(cm))
    i, j = np.unravel_index(off.argmax(), off.shape)
    correct = result["predictions"] == test.y
    rows = np.isin(test.y, [2, 4]) & ~correct
    counts = np.bincount(result["predictions"][rows], minlength=8)
    sub_super = (100 * correct[test.y <= 3].mean(), 100 * correct[(test.y >= 4) & (test.y <= 6)].mean())
    symmetry = rl.evaluate.invariance(model, test.X, test.y)
    stable = (symmetry["predictions"] == symmetry["predictions"][0]).all(axis=0)
    stability = (100 * (1 - stable.mean()), 100 * (symmetry["predictions"][0] == test.y)[stable].mean())
    return [
        ("check_fixed_length_gain", rl.CLASSES[int(np.argmax(gain))], not_best[0], (20, SEED)),
        ("check_short_confusion", (rl.CLASSES[i], rl.CLASSES[j]), (rl.CLASSES[i], rl.CLASSES[i]), (model, 4, SEED)),
        ("check_noise_scale", "a", "b", ()),
        ("check_sub_super_accuracy", sub_super, (sub_super[0] + 3, sub_super[1]), (result, test)),
        (
            "check_fbm_failures",
            rl.CLASSES[int(np.argmax(counts))],
            rl.CLASSES[int(np.argmin(counts))] if counts.max() > counts.min() else None,
            (result, test),
        ),
        ("check_symmetry_stability", stability, (stability[0], 100 * correct.mean() - 5), (symmetry, test)),
    ]


def _ch08(s):  # right answers computed independently in tests/test_exercises_ch08_09.py; here the same, briefly
    model, test = s["model"], s["test"]
    X = torch.from_numpy(test.X)
    maps = torch.stack([rl.grad_cam(model, X[:1], c, upsample=None)[0] for c in range(8)])
    layer1 = rl.grad_cam(model, X, torch.from_numpy(test.y), layer="layer1", upsample=None)
    scores = rl.gradcam_score(model, X, torch.from_numpy(test.y)).numpy()
    best = rl.CLASSES[int(np.argmax([np.median(scores[test.y == c]) for c in range(8)]))]
    with torch.no_grad():
        cam = (model.fc.weight[5] @ model.stages(X[:1])["layer4"][0] / 32).numpy()
    return [
        ("check_cam_by_hand", cam, 32 * cam, (model, X)),
        (
            "check_logits_from_maps",
            (32 * maps.mean(1) + model.fc.bias.detach()).numpy(),
            maps.mean(1).numpy(),
            (model, X),
        ),
        (
            "check_negative_fraction_layer1",
            float((layer1 < 0).double().mean()),
            1 - float((layer1 < 0).double().mean()),
            (model, X, test.y),
        ),
        ("check_padding_map", "c", "b", ()),
        ("check_top_score_class", best, next(c for c in rl.CLASSES if c != best), (model, test)),
    ]


def _ch09(s):
    from resandi_lite.erasure import erase, erasure_experiment

    model, test = s["model"], s["test"]
    maps = rl.grad_cam(model, test.X, test.y, upsample=None).numpy()
    result = erasure_experiment(model, test.X, test.y, maps=maps, rng=SEED)
    top = np.zeros(maps.shape, bool)
    top[np.arange(len(maps)), maps.argmax(1)] = True
    top_acc = float(np.mean(rl.predict_logits(model, erase(test.X, top)).argmax(1) == test.y))
    inclusive = erasure_experiment(model, test.X, test.y, maps=maps, rng=SEED, inclusive=True)
    pair = (inclusive["accuracy"][-1], inclusive["random_accuracy"][-1])
    share = float(np.isin(result["random_predictions"], [0, 1]).mean())
    paired = rl.erasure.compare_with_random(result, test.y)
    family_count = int(np.sum((paired["low"] > 0) | (paired["high"] < 0)))
    walks = np.cumsum(np.random.default_rng(SEED).standard_normal((20, 2, 1000)), axis=2).astype(np.float32)
    walk_maps = np.random.default_rng(SEED + 1).standard_normal((20, 32)).cumsum(1)
    top = rl.erasure.band_masks(walk_maps, 10, 1000)[-1]
    e = top[:, rl.erasure.segment_of_position(32, 1000)]
    touch = (e | np.roll(e, 1, axis=1))[:, 1:]
    ratios = []
    for fill in ("noisy", "interpolate"):
        sq = np.diff(erase(walks, top, fill=fill, rng=SEED).astype(np.float64), axis=2) ** 2
        ratios.append(float(sq.transpose(1, 0, 2)[:, touch].mean() / sq.transpose(1, 0, 2)[:, ~touch].mean()))
    return [
        ("check_inclusive_band_counts", [4] * 10, [2, 2, 2, 2, 3, 3, 2, 2, 2, 2], ()),
        ("check_attm_ctrw_share", share, share / 2 + 0.01, (result,)),
        (
            "check_top_segment_accuracy",
            top_acc,
            min(1.0, top_acc + 0.05) if top_acc < 0.95 else 0.0,
            (model, test, maps),
        ),
        ("check_interpolated_padding", "c", "a", ()),
        ("check_inclusive_top_band", pair, (pair[0], (pair[1] + 0.1) % 1), (model, test, maps, SEED)),
        (
            "check_paired_sample_size",
            810,
            1200,
            ({"stderr": np.array([0.3]), "n": 8000},),
        ),  # sd 26.8 points: 9 * 720 / 8
        ("check_band_family", (0.995, family_count), (0.95, family_count), (result, test.y)),
        ("check_fill_step_variance", ratios, ratios[::-1], (walks, walk_maps, SEED)),
    ]


def _ch11(s):  # right answers computed independently in tests/test_exercises_ch11.py; here the same, briefly
    from resandi_lite import layerwise

    test = s["test"]
    f1 = layerwise.window_statistics(test.X)["f1"]
    subfbm = (float(np.nanmean(f1[test.y == 2])), (2**-0.1 - 2**-0.9) / np.log(2) / 0.8 - 1)
    maps = np.random.default_rng(SEED).standard_normal((len(test.y), 32))
    spearman = layerwise.map_correlations(
        maps, layerwise.composites(layerwise.window_statistics(test.X)), test.y, method="spearman"
    )[("SupLW", "CS")]
    probes = {"layer1": {"confusion": s["result"]["confusion"]}}
    n_groups = len(layerwise.confusion_groups(probes["layer1"]["confusion"], 0.1))
    ablation = {name: {"accuracy": a} for name, a in zip(layerwise.COMPOSITES, (0.85, 0.86, 0.84, 0.77))}
    within = layerwise.map_correlations(maps, {"AC": f1}, test.y, within=True)[("SubFBM", "AC")]
    return [
        ("check_subfbm_autocorrelation", subfbm, (subfbm[0], -0.5), (test,)),
        ("check_suplw_spearman", spearman, spearman / 2 + 0.1, (maps, test)),
        ("check_block1_groups", n_groups, n_groups % 8 + 1, (probes,)),
        ("check_most_harmful_composite", "d", "a", (ablation,)),
        ("check_ctrw_autocorrelation", "b", "c", ()),
        ("check_within_subfbm_autocorrelation", within, within / 2 + 0.1, (maps, test)),
    ]


def _ch10(s):  # right answers computed independently in tests/test_exercises_ch10.py; here the same, briefly
    from resandi_lite.augment import select_by_score

    train = s["train"]
    scores = np.random.default_rng(SEED).normal(size=len(train.y))
    chosen = np.zeros(len(train.y), bool)
    chosen[select_by_score(scores, train.y, 0.6)] = True
    lw = train.y == rl.CLASSES.index("SupLW")
    fraction = float(np.mean(train.lengths[chosen & lw] > np.median(train.lengths[lw])))
    result = {"sigmas": np.array([0.0, 0.5, 1.0]), "lite": {"mean": np.array([0.8, 0.45, 0.2])}}
    return [
        ("check_noisy_increment_correlation", -0.25 / 1.5, 0.0, (0.5,)),
        ("check_selected_longer_fraction", fraction, (fraction + 0.5) % 1, (scores, train, "SupLW")),
        ("check_augmented_size", len(train.y) + int(chosen.sum()), len(train.y), (train, 0.6)),
        ("check_first_sigma_below", 0.5, 1.0, (result, 0.5)),
        ("check_rotation_and_noise", "b", "c", ()),
    ]


def _ch12(s):
    from resandi_lite import report

    rows = report.reproduction_table({"pearson/SubCTRW/AC": -0.1, "pearson/SubFBM/AC": 0.2})
    return [
        ("check_sign_agreements", 1, 2, (rows,)),
        ("check_paper_stderr", 100 * np.sqrt(0.9036 * 0.0964 / 80_000), 0.9036 / 80_000, ()),
        ("check_test_size", 3600, 360, ()),
        ("check_gap_explanation", "c", "a", ()),
    ]


CHAPTERS = {
    1: _ch01,
    2: _ch02,
    3: _ch03,
    4: _ch04,
    5: _ch05,
    6: _ch06,
    7: _ch07,
    8: _ch08,
    9: _ch09,
    10: _ch10,
    11: _ch11,
    12: _ch12,
}


@pytest.mark.parametrize("chapter", sorted(CHAPTERS))
def test_checks_accept_right_and_reject_wrong(chapter, small, capsys):
    cases = CHAPTERS[chapter](small)
    module = __import__(f"resandi_lite.course.exercises.ch{chapter:02d}", fromlist=["_"])
    assert sorted(name for name, *_ in cases) == sorted(n for n in dir(module) if n.startswith("check_")), (
        "every check of the chapter has a case here"
    )
    for name, right, wrong, context in cases:
        check = getattr(rl.course.exercises, name)
        assert check(right, *context) is True, name
        assert capsys.readouterr().out.startswith("Correct: "), name
        if wrong is not None:
            assert check(wrong, *context) is False, name
            out = capsys.readouterr().out
            assert out.startswith("Not yet: ") and len(out) > 30, f"{name}: a hint, not just a no"
        with pytest.raises((TypeError, ValueError)):
            check(..., *context)  # the student edition's placeholder


def test_every_chapter_module_has_cases_here():
    modules = {
        m.name[2:] for m in __import__("pkgutil").iter_modules(rl.course.exercises.__path__) if m.name.startswith("ch")
    }
    covered = {f"{k:02d}" for k in CHAPTERS} | {"09b"}  # chapter 9b's checks are tested in tests/test_groundtruth.py
    assert modules <= covered, f"add cases (a _chNN function in CHAPTERS) for chapters {sorted(modules - covered)}"


def test_answer_readers_refuse_the_wrong_kind():
    from resandi_lite.course.exercises.answers import as_array, as_choice, as_integer, as_number, as_numbers

    with pytest.raises(TypeError, match="placeholder"):
        as_number(...)
    with pytest.raises(TypeError, match="a number"):
        as_number("0.5")
    with pytest.raises(TypeError):
        as_number(True)
    with pytest.raises(ValueError, match="one value"):
        as_number([1.0, 2.0])
    with pytest.raises(ValueError, match="not finite"):
        as_number(float("nan"))
    with pytest.raises(ValueError, match="sequence of 3"):
        as_numbers([1, 2], 3)
    with pytest.raises(TypeError):
        as_numbers(1.0, 3)
    with pytest.raises(ValueError, match="integer"):
        as_integer(2.5)
    with pytest.raises(ValueError, match="shape"):
        as_array(np.zeros((3, 2)), (10, 2))
    with pytest.raises(ValueError, match="one letter among a, b"):
        as_choice("e", "ab")
    with pytest.raises(TypeError, match="string"):
        as_choice(1, "ab")
    assert as_choice(" (C) ", "abc") == "c" and as_integer(np.int32(4)) == 4


def test_check_names_are_unique_and_found_by_the_package():
    found = rl.course.exercises.checks()
    assert len(found) >= 36 and all(callable(f) for f in found.values())
    with pytest.raises(AttributeError, match="checks()"):
        _ = rl.course.exercises.check_does_not_exist


# ---------------------------------------------------------------- the chapters' exercise cells


def _body_names(cells):
    """Names bound by the chapter's code before the solutions (assignments, imports, defs, loop targets)."""
    names = set()
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        code = "\n".join(
            line[: len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!")) else line
            for line in _source(cell).splitlines()
        )  # IPython magics and shell lines bind nothing
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
    return names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercise_cells_follow_the_convention(path):
    cells = json.loads(path.read_text())["cells"]
    heading = next(k for k, c in enumerate(cells) if c["cell_type"] == "markdown" and "### Solutions" in _source(c))
    exercises_md = next(_source(c) for c in cells if c["cell_type"] == "markdown" and "## Exercises" in _source(c))
    items = re.findall(r"^(\d+)\. (.*)$", exercises_md.split("## Exercises", 1)[1].split("### Solutions")[0], re.M)
    after = cells[heading + 1 :]
    assert after and all(is_exercise_cell(c) and "hide-cell" in c["metadata"].get("tags", []) for c in after), (
        "after '### Solutions' come only exercise cells, tagged hide-cell"
    )
    assert not any(is_exercise_cell(c) for c in cells[:heading])
    assert [int(n) for n, _ in items] == list(range(1, len(items) + 1)) and len(items) == len(after), (
        "one exercise cell per numbered exercise"
    )
    for _, text in items:
        assert "**Answer:**" in text, f"every exercise says what `answer` holds: {text[:80]}"
    defined = _body_names(cells[:heading]) | set(dir(builtins)) | {"rl"}
    checks = rl.course.exercises.checks()
    for k, cell in enumerate(after, start=1):
        exercise = parse_exercise(_source(cell))  # raises if the form is broken
        assert exercise.number == k
        assert exercise.check_name in checks, f"Exercise {k} calls {exercise.check_name}, which does not exist"
        solution = "\n".join(exercise.solution)
        assert "rl.course.exercises.check_" not in solution, "the check is called once, on the last line"
        assigned = {
            n.id for n in ast.walk(ast.parse(solution)) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
        }
        assert "answer" in assigned, f"Exercise {k}: the solution sets `answer`"
        call = ast.parse("\n".join(exercise.check)).body[-1].value
        used = {
            n.id
            for arg in [*call.args[1:], *(kw.value for kw in call.keywords)]
            for n in ast.walk(arg)
            if isinstance(n, ast.Name)
        }
        assert not used & (assigned - defined), f"Exercise {k}: the check uses names the student edition deletes"
        assert used <= defined, f"Exercise {k}: the check uses names the chapter never defines: {used - defined}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_instructor_edition_passes_its_checks(path):
    """The committed outputs (book profile) say "Correct" in every exercise cell."""
    for cell in json.loads(path.read_text())["cells"]:
        if is_exercise_cell(cell):
            text = "".join(
                _source({"source": o.get("text", "")}) for o in cell.get("outputs", []) if o["output_type"] == "stream"
            )
            number = _source(cell).split(":", 1)[0]
            assert "Correct: " in text and "Not yet" not in text, f"{path.name}, {number}: {text[:200]!r}"


def _multiple_choice_checks():
    import inspect

    return {
        name: check for name, check in rl.course.exercises.checks().items() if "is_key(" in inspect.getsource(check)
    }


def test_multiple_choice_keys_are_not_in_help_and_exactly_one_letter_is_right(capsys):
    import pydoc

    found = _multiple_choice_checks()
    assert len(found) >= 10, f"the multiple-choice checks are found by their is_key call, got {sorted(found)}"
    for name, check in found.items():
        right = [letter for letter in "abcd" if check(letter)]
        assert len(right) == 1, f"{name}: exactly one letter is right, got {right}"
        shown = pydoc.render_doc(check, renderer=pydoc.plaintext) + pydoc.render_doc(
            inspect_module(check), renderer=pydoc.plaintext
        )
        assert "key" not in pydoc.render_doc(check, renderer=pydoc.plaintext).lower(), name
        letters = {letter for letter in "abcd" if f"({letter})" in (check.__doc__ or "")}
        assert letters in (set(), set("abcd")), f"{name}: the docstring names some letters only: {sorted(letters)}"
        assert f"'{right[0]}'" not in shown and f'"{right[0]}"' not in shown, f"{name}: help() shows the key"
    capsys.readouterr()


def inspect_module(check):
    import sys

    return sys.modules[check.__module__]
