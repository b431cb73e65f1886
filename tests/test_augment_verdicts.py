"""The augmentation claim per noise level, paired by seed (augment.augmentation_verdicts), and the paper's seeds."""

import json

import numpy as np
import pytest
from scipy.stats import t as student

from resandi_lite import paper
from resandi_lite.augment import augmentation_verdicts
from resandi_lite.verdict import family_level, n_needed


def _results(targeted, random, control=None, sigmas=(0.0, 0.5), seeds=None):
    seeds = list(range(len(targeted))) if seeds is None else seeds
    out = {
        "sigmas": list(sigmas),
        "base": [0.8] * len(sigmas),
        "targeted": {"seeds": seeds, "accuracy": targeted},
        "random": {"seeds": seeds, "accuracy": random},
    }
    if control is not None:
        out["control"] = {"seeds": seeds, "accuracy": control}
    return out


def test_paper_seeds_give_the_papers_means_and_standard_errors():
    assert paper.AUGMENT_TARGETED_SEEDS.shape == paper.AUGMENT_RANDOM_SEEDS.shape == (5, 11)
    assert np.allclose(paper.AUGMENT_TARGETED_SEEDS.mean(0), paper.AUGMENT_TARGETED, atol=0.005)
    assert np.allclose(paper.AUGMENT_RANDOM_SEEDS.mean(0), paper.AUGMENT_RANDOM, atol=0.005)
    se = np.r_[paper.AUGMENT_TARGETED_SEEDS, paper.AUGMENT_RANDOM_SEEDS].reshape(2, 5, 11).std(1, ddof=1) / np.sqrt(5)
    assert 0.2 < se.min() < 0.3 and 2.5 < se.max() < 2.7  # the paper's "standard errors 0.3-2.6 points"


def test_differences_are_paired_by_seed_with_student_intervals_at_the_family_level():
    t = [[0.80, 0.50], [0.82, 0.53], [0.78, 0.47]]
    r = [[0.80, 0.49], [0.81, 0.51], [0.78, 0.45]]
    c = [[0.79, 0.48], [0.81, 0.50], [0.77, 0.45]]
    out = augmentation_verdicts(_results(t, r, c), paper={0.0: 0.1, 0.5: 3.0})
    d = np.array([1.0, 2.0, 2.0])  # points at sigma 0.5
    row = out["rows"][1]
    each = family_level(2)
    half = student.ppf((1 + each) / 2, 2) * d.std(ddof=1) / np.sqrt(3)
    assert row["estimate"] == pytest.approx(d.mean()) and row["stderr"] == pytest.approx(d.std(ddof=1) / np.sqrt(3))
    assert (row["low"], row["high"]) == pytest.approx((d.mean() - half, d.mean() + half))
    assert row["level"] == each and row["n"] == 3 and row["unit"] == "points" and row["sigma"] == 0.5
    assert row["verdict"] == "open" and row["n_needed"] == n_needed(3, row["low"], row["high"], 3.0)
    assert "paper_low" not in row  # no paper seeds given: no interval of the paper's own
    control = out["controls"][1]
    assert control["estimate"] == pytest.approx(np.mean([1.0, 1.0, 0.0])) and "verdict" not in control
    assert out["seeds"] == [0, 1, 2] and out["note"] is None and out["family"]["m"] == 2
    json.dumps(out, allow_nan=False)


def test_default_paper_carries_its_own_interval():
    rng = np.random.default_rng(0)
    t = (0.5 + 0.01 * rng.standard_normal((5, 11))).tolist()
    r = (0.5 + 0.01 * rng.standard_normal((5, 11))).tolist()
    out = augmentation_verdicts(_results(t, r, sigmas=paper.SIGMAS.tolist()))
    assert len(out["rows"]) == 11 and out["family"]["each"] == family_level(11)
    mid = out["rows"][5]
    gain = paper.AUGMENT_TARGETED_SEEDS[:, 5] - paper.AUGMENT_RANDOM_SEEDS[:, 5]
    assert mid["paper"] == pytest.approx(gain.mean()) and mid["paper_low"] < 0 < mid["paper_high"]  # the paper's
    # own +3.8 at sigma 0.5 is about 1.2 Welch standard errors (3.1 points) from zero: not resolved by its five seeds


def test_student_interval_covers_the_mean_difference():
    """95% intervals over 5 seeds hold the true mean difference in 95% of repetitions (4 binomial SE)."""
    rng = np.random.default_rng(1)
    reps, hits = 1000, 0
    for _ in range(reps):
        shared = rng.normal(0.5, 0.03, 5)  # the seed's luck, common to both arms
        t, r = shared + 0.02 + rng.normal(0, 0.01, 5), shared + rng.normal(0, 0.01, 5)
        row = augmentation_verdicts(_results(t[:, None].tolist(), r[:, None].tolist(), sigmas=[0.5]), paper={0.5: 3.8})[
            "rows"
        ][0]
        hits += row["low"] <= 2.0 <= row["high"]
    assert abs(hits / reps - 0.95) < 4 * np.sqrt(0.95 * 0.05 / reps)


def test_fewer_than_two_seeds_give_estimates_and_a_note(tmp_path):
    one = _results([[0.8, 0.5]], [[0.8, 0.47]])
    (tmp_path / "results.json").write_text(json.dumps(one))
    out = augmentation_verdicts(tmp_path / "results.json")
    assert (
        out["rows"] == [] and "1 seed" in out["note"] and out["estimates"]["targeted - random"][1] == pytest.approx(3.0)
    )
    none = _results([[0.8, 0.5]], [[0.8, 0.47]])
    none["random"]["seeds"] = [7]
    assert "no seed" in augmentation_verdicts(none)["note"]
    only_base = {"sigmas": [0.0, 0.5], "base": [0.8, 0.4]}  # results.json before any arm has finished
    assert "no seed" in augmentation_verdicts(only_base)["note"] and augmentation_verdicts(only_base)["rows"] == []
    with pytest.raises(ValueError, match="sigmas"):
        augmentation_verdicts({"targeted": {}})


def test_describe_verdicts_states_seeds_counts_and_the_seeds_needed():
    from resandi_lite.augment import describe_verdicts

    three = _results([[0.80, 0.50], [0.81, 0.53], [0.79, 0.52]], [[0.80, 0.48], [0.80, 0.50], [0.80, 0.49]])
    verdicts = augmentation_verdicts(three)
    text = describe_verdicts(verdicts)
    assert text.startswith("3 seeds paired (0, 1, 2); targeted - random at 2 noise levels")
    needed = [r["n_needed"] for r in verdicts["rows"] if r["verdict"] == "open"]
    assert needed and f"{min(needed)}" in text and "seeds per arm" in text
    one = describe_verdicts(augmentation_verdicts(_results([[0.8, 0.5]], [[0.8, 0.45]])))
    assert one.startswith("1 seed paired (0): no interval over seeds yet")


def test_two_seeds_whose_differences_agree_give_no_zero_width_interval():
    # the per-seed differences are equal at sigma = 0.5 (+2 points twice): their standard deviation is 0, and a
    # t interval would collapse onto the estimate and decide the claim; no interval before MIN_SEEDS seeds
    from resandi_lite.augment import MIN_SEEDS, describe_verdicts
    from resandi_lite.report import augmentation_from_results

    assert MIN_SEEDS == 3
    two = _results([[0.80, 0.50], [0.81, 0.53]], [[0.80, 0.48], [0.80, 0.51]])
    verdicts = augmentation_verdicts(two)
    assert verdicts["rows"] == [] and verdicts["controls"] == [] and "2 seeds paired in both arms" in verdicts["note"]
    assert verdicts["estimates"]["targeted - random"] == pytest.approx([0.5, 2.0])
    assert "needs at least 3 seeds" in describe_verdicts(verdicts)
    rows = augmentation_from_results(two)
    assert rows["gain/0.5"][0] == pytest.approx(2.0) and rows["gain/0.5"][1] is None  # no standard error, not 0
    none = describe_verdicts(augmentation_verdicts({"sigmas": [0.5], "targeted": {"seeds": [0], "accuracy": [[0.5]]}}))
    assert none.startswith("0 seeds paired: no interval")
