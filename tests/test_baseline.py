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


# ---------------------------------------------------------------------------------------------------------------
# The ROCKET family through aeon, on the standardised increments


def test_increments_are_the_normalised_steps_of_the_raw_walk():
    """Undoing MinMax: the increments of X over their std equal the raw steps over theirs (preprocessing step 1)."""
    from resandi_lite import preprocess
    from resandi_lite.baseline import increments

    rng = np.random.default_rng(0)
    walks = [rng.standard_normal((2, t)).cumsum(axis=1) * [[3.0], [0.2]] + 5 for t in (10, 400, 1000)]
    lengths = np.array([w.shape[1] for w in walks])
    Z = increments(preprocess(walks), lengths)
    assert Z.shape == (3, 2, 999) and Z.dtype == np.float32
    for i, w in enumerate(walks):
        steps = np.diff(w, axis=1)
        expected = steps / steps.std(axis=1, keepdims=True)
        np.testing.assert_allclose(Z[i, :, 1000 - lengths[i] :], expected, rtol=2e-4, atol=2e-4)  # float32 input
        assert np.all(Z[i, :, : 1000 - lengths[i]] == 0)  # the padding's steps stay zero
    with pytest.raises(ValueError, match=r"X must be a float array of shape \(n, 2, L\)"):
        increments(np.zeros((2, 3, 10)))
    with pytest.raises(ValueError, match="lengths must be integers of shape"):
        increments(np.zeros((2, 2, 10)), [1, 10])


@pytest.fixture(scope="module")
def tiny():
    """A tiny training and test set (64 and 40 trajectories) at varying length."""
    return make_dataset(8, seed=3), make_dataset(5, seed=4)


def test_minirocket_is_aeons_pipeline(tiny):
    """Up to cv_size trajectories, the predictions are those of aeon's own MiniRocketClassifier, seed for seed."""
    from aeon.classification.convolution_based import MiniRocketClassifier

    from resandi_lite.baseline import RocketClassifier, increments, score

    train, test = tiny
    ours = RocketClassifier(n_kernels=840, random_state=0, batch_size=25).fit(train.X, train.y, train.lengths)
    theirs = MiniRocketClassifier(n_kernels=840, random_state=0).fit(increments(train.X, train.lengths), train.y)
    predicted = ours.predict(test.X, test.lengths)
    np.testing.assert_array_equal(predicted, theirs.predict(increments(test.X, test.lengths)))
    assert ours.alpha_ == theirs.pipeline_[-1].alpha_
    assert ours.transform(test.X, test.lengths).shape == (40, ours.coef_.shape[0])
    assert score(ours, test)["accuracy"] == pytest.approx(np.mean(predicted == test.y))
    assert np.mean(predicted == test.y) > 0.3  # chance is 1/8 = 0.125; 8 per class is a very small training set


def test_ridge_on_more_than_cv_size_is_sklearns_ridge(tiny):
    """Above cv_size, the ridge solved from the accumulated Gram matrix equals scikit-learn's RidgeClassifier."""
    from sklearn.linear_model import RidgeClassifier

    from resandi_lite.baseline import RocketClassifier

    train, test = tiny
    model = RocketClassifier(n_kernels=168, cv_size=20, batch_size=9, random_state=1).fit(
        train.X, train.y, train.lengths
    )
    F = model.transform(train.X, train.lengths)
    reference = RidgeClassifier(alpha=model.alpha_).fit(F.astype(np.float64), train.y)
    assert model.alpha_ in model.alphas
    np.testing.assert_allclose(model.coef_, reference.coef_.T, rtol=1e-3, atol=1e-4 * np.abs(reference.coef_).max())
    np.testing.assert_allclose(model.intercept_, reference.intercept_, atol=1e-4)
    scores = model.decision_function(test.X, test.lengths)
    np.testing.assert_allclose(scores, reference.decision_function(model.transform(test.X, test.lengths)), atol=1e-3)
    np.testing.assert_allclose(F.std(axis=0)[F.std(axis=0) > 0], 1, rtol=1e-4)  # the scaling of StandardScaler


def test_rocket_bad_arguments_and_missing_aeon(monkeypatch):
    import sys

    from resandi_lite.baseline import RocketClassifier

    with pytest.raises(ValueError, match="kind must be one of minirocket, multirocket"):
        RocketClassifier("hydra")
    with pytest.raises(ValueError, match="alphas must be positive"):
        RocketClassifier(alphas=[0.0, 1.0])
    with pytest.raises(ValueError, match="not fitted yet"):
        RocketClassifier().predict(np.zeros((1, 2, 1000), np.float32))
    with pytest.raises(ValueError, match="y must hold at least two classes"):
        RocketClassifier().fit(np.zeros((3, 2, 1000), np.float32), np.zeros(3, int))
    for name in [m for m in sys.modules if m == "aeon" or m.startswith("aeon.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "aeon", None)  # import aeon now raises ImportError
    with pytest.raises(ImportError, match=r"pip install resandi-lite\[baselines\]"):
        RocketClassifier().fit(make_dataset(2, seed=0).X, make_dataset(2, seed=0).y)
