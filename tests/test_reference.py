"""Our simulators against andi-datasets, the package the paper used, through the same preprocessing.

For every class and for both protocols (T = 1000, T uniform in [10, 1000]) the
preprocessed trajectories of both pipelines are reduced to six scale-free
statistics and compared with two-sample Kolmogorov-Smirnov tests.  With six
statistics per comparison the Bonferroni-corrected level is 1e-3 / 6: a correct
simulator fails a comparison with probability below 1e-3, while a wrong model
(checked below) fails by many orders of magnitude.
"""

import numpy as np
import pytest
from scipy.stats import ks_2samp

from resandi_lite import CLASSES, make_dataset
from resandi_lite.reference import andi_simulate, preprocess_one
from resandi_lite.signatures import STATISTICS, statistics

N_OURS, N_ANDI = 2000, 300
LEVEL = 1e-3 / 6


def ours(name, length, seed):
    ds = make_dataset(N_OURS, length=length, seed=seed, classes=[name])
    return statistics(ds.X, ds.lengths)


def andi(name, length, seed):
    trajs, _ = andi_simulate(name, N_ANDI, length=length, seed=seed)
    X = np.stack([preprocess_one(t) for t in trajs])
    return statistics(X, np.array([t.shape[1] for t in trajs]))


def p_values(a, b):
    return np.array([ks_2samp(a[:, k], b[:, k]).pvalue for k in range(a.shape[1])])


@pytest.mark.parametrize("length", [1000, "varying"])
@pytest.mark.parametrize("name", CLASSES)
def test_same_law_as_andi_datasets(name, length):
    p = p_values(ours(name, length, seed=1), andi(name, length, seed=2))
    failed = {STATISTICS[k]: f"{p[k]:.2e}" for k in np.flatnonzero(p < LEVEL)}
    assert not failed, f"{name}, T={length}: statistics that differ from andi-datasets: {failed}"


@pytest.mark.parametrize("ours_name, andi_name", [("SubSBM", "SubFBM"), ("SubATTM", "SubSBM"), ("SupFBM", "SupSBM")])
def test_the_comparison_tells_models_apart(ours_name, andi_name):
    """The same comparison between two different models fails by a wide margin."""
    p = p_values(ours(ours_name, "varying", seed=3), andi(andi_name, "varying", seed=4))
    assert p.min() < LEVEL * 1e-3, dict(zip(STATISTICS, p))


def test_same_alpha_distribution():
    """Each class's exponents are uniform on its range, as in the paper (one-sample KS)."""
    from scipy.stats import kstest

    from resandi_lite import ALPHA_RANGE

    ds = make_dataset(2000, seed=5)
    for label, name in enumerate(CLASSES):
        low, high = ALPHA_RANGE[name]
        a = ds.alpha[ds.y == label]
        if high == low:
            assert np.all(a == low)
        else:
            assert kstest(a, "uniform", args=(low, high - low)).pvalue > 1e-3
    lengths = ds.lengths
    assert kstest(lengths + np.random.default_rng(0).random(lengths.size), "uniform", args=(10, 991)).pvalue > 1e-3


def test_the_reference_is_reproducible():
    """andi-datasets' FBM draws from the package stochastic's own generator; andi_simulate seeds it too."""
    a, _ = andi_simulate("SupFBM", 3, length=60, seed=5)
    b, _ = andi_simulate("SupFBM", 3, length=60, seed=5)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
