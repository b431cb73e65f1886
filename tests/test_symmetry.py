"""The eight symmetries of the preprocessed input: exact on the preprocessing, a group, symmetries of the task,
and test-time averaging that is invariant under them."""

import numpy as np
import pytest
import torch
from torch import nn

from resandi_lite import CLASSES, make_dataset, preprocess
from resandi_lite.evaluate import SYMMETRIES, invariance, predict_logits, symmetrize

ULP = 2.0**-24  # float32 rounding of 1 - X for X in [0, 1]


def _matrix(k: int) -> np.ndarray:
    """The 2x2 signed permutation of the plane that symmetry k is: flips first, then the swap."""
    flips = np.diag([-1.0 if k & 1 else 1.0, -1.0 if k & 2 else 1.0])
    swap = np.array([[0.0, 1.0], [1.0, 0.0]]) if k & 4 else np.eye(2)
    return swap @ flips


@pytest.fixture(scope="module")
def walks():
    """Raw 2-D walks of several lengths (short ones padded on the left), x and y on different scales."""
    rng = np.random.default_rng(0)
    return [
        rng.standard_normal((2, t)).cumsum(axis=1) * rng.uniform(0.1, 10.0, (2, 1)) + rng.uniform(-5, 5, (2, 1))
        for t in (10, 11, 37, 500, 999, 1000)
    ]


@pytest.mark.parametrize("k", range(8))
def test_each_transform_is_the_preprocessing_of_the_moved_trajectory(walks, k):
    """preprocess(M_k @ walk) == symmetrize(preprocess(walk), k), padding included: the reference is the plane's map."""
    X = preprocess(walks)
    moved = preprocess([_matrix(k) @ w for w in walks])
    assert X.shape == moved.shape == (len(walks), 2, 1000)
    difference = np.abs(symmetrize(X, k) - moved).max()
    if k in (0, 4):  # no flip: bit for bit
        assert difference == 0
    else:  # 1 - X rounded to float32: within one unit in the last place of 1
        assert difference <= ULP
    # the padding (first 1000 - T points) holds the scaled start of the trajectory, before and after
    for i, w in enumerate(walks):
        pad = 1000 - w.shape[1]
        if pad:
            assert np.all(moved[i, :, : pad + 1] == moved[i, :, pad : pad + 1])


def test_reflection_of_the_padding_is_not_a_reflection_of_zero(walks):
    """The padding is not a scaled 0 (it holds the scaled start), so mapping it with 1 - X is right, not 1 - 0."""
    X = preprocess(walks[:1])  # T = 10: 990 points of padding
    pad = X[0, :, 0]
    assert np.all((pad > 0) & (pad < 1))  # the walk goes both above and below its start here
    np.testing.assert_allclose(preprocess([_matrix(3) @ walks[0]])[0, :, 0], 1 - pad, atol=ULP)


def test_the_eight_form_a_group():
    X = make_dataset(3, seed=0).X
    images = [symmetrize(X, k) for k in range(8)]
    table = np.empty((8, 8), int)
    for a in range(8):
        for b in range(8):
            twice = symmetrize(images[a], b)
            match = [c for c in range(8) if np.abs(twice - images[c]).max() <= 2 * ULP]
            assert len(match) == 1, (a, b, match)
            table[a, b] = match[0]
            np.testing.assert_array_equal(_matrix(b) @ _matrix(a), _matrix(table[a, b]))  # the plane agrees
    for row in (table, table.T):  # a Latin square: every element has an inverse, and composition is closed
        assert all(sorted(r) == list(range(8)) for r in row)
    assert [int(table[k, k]) for k in range(8)] == [0, 0, 0, 0, 0, 3, 3, 0]  # quarter turns twice: half turn
    assert table[5, 6] == table[6, 5] == 0


@pytest.mark.parametrize("k", range(8))
def test_valid_input_stays_valid(k):
    """Values in [0, 1] with each channel's minimum 0 and maximum 1 (MinMax), float32, same shape."""
    X = make_dataset(4, seed=1).X
    Y = symmetrize(X, k)
    assert Y.dtype == np.float32 and Y.shape == X.shape and Y is not X
    assert Y.min(axis=2).max() == 0 and Y.max(axis=2).min() == 1
    torch_Y = symmetrize(torch.from_numpy(X), k)
    assert isinstance(torch_Y, torch.Tensor) and np.abs(torch_Y.numpy() - Y).max() <= ULP
    np.testing.assert_array_equal(X, make_dataset(4, seed=1).X)  # the input is not modified


def test_the_transforms_are_symmetries_of_the_simulators():
    """Per class, a quantity that a reflection negates has mean 0, and one that the swap negates too.

    Net displacement of each channel (scaled, end minus start): x -> -x negates it, so its mean over a class
    must be 0; the lag-1 autocorrelation of the x steps minus that of the y steps: the swap negates it.
    Each mean is compared with 4.5 standard errors of the mean (24 checks: a false alarm has probability
    below 24 * 7e-6 for normal means), on one seeded set.
    """
    ds = make_dataset(300, length="varying", seed=5)
    start = ds.X[np.arange(len(ds)), :, 1000 - ds.lengths]  # (n, 2)
    displacement = ds.X[:, :, -1] - start
    steps = np.diff(ds.X.astype(np.float64), axis=2)
    inside = np.arange(999)[None, None, :] >= (1000 - ds.lengths)[:, None, None]
    s = np.where(inside, steps, np.nan)
    s = s - np.nanmean(s, axis=2, keepdims=True)
    with np.errstate(invalid="ignore"):
        r1 = np.nansum(s[:, :, 1:] * s[:, :, :-1], axis=2) / np.nansum(s * s, axis=2)
    swap_odd = r1[:, 0] - r1[:, 1]
    for label, name in enumerate(CLASSES):
        cls = ds.y == label
        for values, what in ((displacement[cls, 0], "x"), (displacement[cls, 1], "y"), (swap_odd[cls], "swap")):
            se = values.std(ddof=1) / np.sqrt(values.size)
            assert abs(values.mean()) < 4.5 * se, (name, what, values.mean(), se)


class _Channel0Mean(nn.Module):
    """Logits (m, 1 - m, 0, ..., 0) with m the mean of channel 0: not invariant, predictions known by hand."""

    def forward(self, x):
        m = x[:, 0].mean(dim=1)
        return torch.stack([m, 1 - m] + [torch.zeros_like(m)] * 6, dim=1)


class _Invariant(nn.Module):
    """Logits from |x - 1/2| summed over both channels: invariant under all eight transforms."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(1000, 8)

    def forward(self, x):
        return self.linear((x - 0.5).abs().sum(dim=1))


def test_invariance_by_hand():
    X = make_dataset(10, seed=2).X
    y = np.zeros(len(X), int)
    result = invariance(_Channel0Mean(), X, y, batch_size=7)
    m = X[:, 0].astype(np.float64).mean(axis=1)
    mean_after = {k: symmetrize(X, k)[:, 0].astype(np.float64).mean(axis=1) for k in range(8)}
    for k in range(8):
        expected = np.where(mean_after[k] > 0.5, 0, 1)
        assert np.array_equal(result["predictions"][k], expected)
        assert result["changed"][k] == pytest.approx(np.mean(expected != np.where(m > 0.5, 0, 1)))
        assert result["accuracy"][k] == pytest.approx(np.mean(expected == 0))
    assert result["changed"][0] == 0 and result["changed"][1] > 0.5  # x -> -x moves the mean of x across 1/2
    assert result["symmetries"] == SYMMETRIES and len(SYMMETRIES) == 8
    torch.manual_seed(0)
    still = invariance(_Invariant(), X)
    assert np.all(still["changed"] == 0) and "accuracy" not in still


def test_symmetrized_prediction_is_the_mean_log_probability_and_invariant():
    from resandi_lite.model import build_model

    torch.manual_seed(0)
    model = build_model("lite")
    ds = make_dataset(1, seed=3)
    averaged = predict_logits(model, ds.X, batch_size=5, symmetrize=True)
    by_hand = np.mean(
        [torch.log_softmax(torch.from_numpy(predict_logits(model, symmetrize(ds.X, k))), 1).numpy() for k in range(8)],
        axis=0,
    )
    np.testing.assert_allclose(averaged, by_hand, atol=1e-5)
    np.testing.assert_allclose(np.exp(averaged).sum(axis=1) <= 1 + 1e-6, True)  # a geometric mean: sums to <= 1
    for k in range(8):
        np.testing.assert_allclose(predict_logits(model, symmetrize(ds.X, k), symmetrize=True), averaged, atol=1e-4)
    plain = predict_logits(model, ds.X)
    assert not np.allclose(plain, averaged, atol=1e-3)  # an untrained network is not invariant by itself
    result = invariance(model, ds.X, ds.y)
    assert np.array_equal(result["symmetrized"], averaged.argmax(1))
    assert result["symmetrized_accuracy"] == pytest.approx(np.mean(averaged.argmax(1) == ds.y))


def test_bad_arguments():
    X = np.zeros((2, 2, 10), np.float32)
    for k in (8, -1, True, 1.0):
        with pytest.raises(ValueError, match="k must be an integer in 0..7"):
            symmetrize(X, k)
    with pytest.raises(ValueError, match=r"X must be a float ndarray of shape \(n, 2, L\)"):
        symmetrize(np.zeros((2, 3, 10)), 1)
    with pytest.raises(TypeError, match="symmetrize must be True or False"):
        predict_logits(_Invariant(), np.zeros((1, 2, 1000), np.float32), symmetrize="yes")
    with pytest.raises(ValueError, match=r"y must have shape \(2,\)"):
        invariance(_Invariant(), np.zeros((2, 2, 1000), np.float32), [0, 1, 2])


def test_symmetrize_each_applies_each_rows_own_symmetry():
    from resandi_lite.evaluate import symmetrize_each

    X = torch.rand(16, 2, 30)
    before = X.clone()
    k = torch.arange(16) % 8
    out = symmetrize_each(X, k)
    for i in range(16):
        assert torch.equal(out[i : i + 1], symmetrize(X[i : i + 1], int(k[i])))
    assert torch.equal(X, before)  # the input is not modified
    with pytest.raises(ValueError, match=r"k must hold integers in 0..7, got 0..8"):
        symmetrize_each(X, torch.arange(16) % 9)
    with pytest.raises(ValueError, match=r"k must be an integer Tensor of shape \(16,\)"):
        symmetrize_each(X, torch.zeros(16))
    with pytest.raises(ValueError, match=r"X must be a float Tensor of shape \(n, 2, L\)"):
        symmetrize_each(X.numpy(), k)
