"""Chapter 10's exercise checks: right answers accepted, wrong ones refused with a hint, wrong kinds rejected."""

import numpy as np
import pytest

import resandi_lite as rl
from resandi_lite.augment import select_by_score
from resandi_lite.course.exercises import (
    check_augmented_size,
    check_first_sigma_below,
    check_noisy_increment_correlation,
    check_rotation_and_noise,
    check_selected_longer_fraction,
)


def test_noisy_increment_correlation_matches_a_simulation(capsys):
    rng = np.random.default_rng(0)
    n, sigma = 400_000, 0.5
    d = np.diff(np.cumsum(rng.standard_normal(n)) + sigma * rng.standard_normal(n))
    measured = np.corrcoef(d[:-1], d[1:])[0, 1]  # standard error ~ 1/sqrt(n) = 0.0016
    assert check_noisy_increment_correlation(measured, sigma)  # within 0.005: 3 standard errors
    assert not check_noisy_increment_correlation(0.0, sigma)
    assert "Not yet" in capsys.readouterr().out
    with pytest.raises(TypeError):
        check_noisy_increment_correlation("-0.17", sigma)


def test_selection_checks():
    train = rl.make_dataset(10, length="varying", seed=3)
    scores = np.random.default_rng(1).normal(size=len(train))
    chosen = np.zeros(len(train), bool)
    chosen[select_by_score(scores, train.y, 0.6)] = True
    lw = train.y == rl.CLASSES.index("SupLW")
    right = float(np.mean(train.lengths[chosen & lw] > np.median(train.lengths[lw])))
    assert check_selected_longer_fraction(right, scores, train, "SupLW")
    assert not check_selected_longer_fraction(1 - right if right != 0.5 else 0.0, scores, train, "SupLW")
    with pytest.raises(ValueError, match="between 0 and 1"):
        check_selected_longer_fraction(3.0, scores, train, "SupLW")
    assert check_augmented_size(80 + 48, train) and not check_augmented_size(80, train)
    with pytest.raises(ValueError, match="integer"):
        check_augmented_size(80.5, train)


def test_first_sigma_below_and_choice():
    result = {"sigmas": np.array([0.0, 0.5, 1.0]), "net": {"mean": np.array([0.8, 0.45, 0.2])}}
    assert check_first_sigma_below(0.5, result) and not check_first_sigma_below(1.0, result)
    assert not check_first_sigma_below(None, result)
    never = {"sigmas": np.array([0.0]), "net": {"mean": np.array([0.9])}}
    assert check_first_sigma_below(None, never) and not check_first_sigma_below(0.0, never)
    assert check_rotation_and_noise("(B)") and not check_rotation_and_noise("a")
    with pytest.raises(ValueError):
        check_rotation_and_noise("e")
