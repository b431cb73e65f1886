"""The classical baseline: features with known values, and classifiers that learn the eight classes."""

import numpy as np
import pytest

from resandi_lite import CLASSES, make_dataset
from resandi_lite.baseline import FEATURES, KINDS, features, make_classifier
from resandi_lite.signatures import statistics


def test_features_of_a_straight_line():
    X = np.stack([np.arange(101.0), np.zeros(101)])[None]  # x moves by 1 each step, y never moves
    f = dict(zip(FEATURES, features(X)[0]))
    assert f["zero steps"] == pytest.approx(0.5)
    assert f["straightness"] == pytest.approx(1.0)
    assert f["MSD exponent"] == pytest.approx(2.0)
    assert f["flight fraction"] == pytest.approx(99 / 100)  # 100 equal steps: one flight, 99 repeats
    assert f["log10 length"] == pytest.approx(np.log10(101))
    assert np.all(np.isfinite(list(f.values())))  # y's zero variance gives NaN statistics, replaced by 0


def test_features_on_the_network_input():
    ds = make_dataset(10, seed=0)
    F = features(ds.X, ds.lengths, chunk=7)  # several chunks
    assert F.shape == (len(ds), len(FEATURES)) and np.all(np.isfinite(F))
    np.testing.assert_allclose(F[:, [0, 1, 5]], statistics(ds.X, ds.lengths)[:, [0, 1, 5]])
    np.testing.assert_allclose(F, features(ds.X, ds.lengths, chunk=1000), rtol=1e-12, atol=1e-12)
    lw = ds.y == CLASSES.index("SupLW")
    # only Levy walks repeat their steps (others rarely, when float32 rounding makes two tiny steps equal)
    assert F[lw, 7].min() > 0.2 and F[~lw, 7].max() < 0.05


def test_bad_arguments():
    with pytest.raises(ValueError, match="kind must be one of"):
        make_classifier("svm")
    with pytest.raises(ValueError, match="chunk must be"):
        features(np.zeros((1, 2, 10)), chunk=0)


@pytest.mark.parametrize("kind", KINDS)
def test_classifiers_beat_chance_by_far(kind):
    """With 8 classes chance is 12.5%; 40 training trajectories per class already give well over 50%."""
    pytest.importorskip("sklearn")
    train, test = make_dataset(40, length=500, seed=1), make_dataset(25, length=500, seed=2)
    model = make_classifier(kind).fit(features(train.X, train.lengths), train.y)
    accuracy = np.mean(model.predict(features(test.X, test.lengths)) == test.y)
    assert accuracy > 0.5, accuracy


def test_chapter_forest_and_score_on_a_balanced_set():
    from resandi_lite.baseline import chapter_forest, score

    forest = chapter_forest(n_per_class=20, seed=0)
    test = make_dataset(10, seed=1)
    result = score(forest, test)
    assert result["n"] == 80 and result["per_class"].shape == (8,)
    # balanced classes: the accuracy is the mean of the per-class accuracies
    assert result["accuracy"] == pytest.approx(result["per_class"].mean())
    assert result["accuracy"] > 0.5  # chance is 1/8; even 20 trajectories per class separate most classes
    with pytest.raises(ValueError, match="n_per_class must be an integer >= 2, got 1"):
        chapter_forest(n_per_class=1)
