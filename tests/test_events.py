"""Event marks of the simulators: where each mechanism acts, checked against the trajectories themselves."""

import importlib

import numpy as np
import pytest

from resandi_lite.simulate import CLASSES, simulate
from resandi_lite.simulate._renewal import interval_starts

WITH_EVENTS = ("SubATTM", "SubCTRW", "SupLW")
attm_module = importlib.import_module("resandi_lite.simulate.attm")  # the package exports the function attm


@pytest.mark.parametrize("name", CLASSES)
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_trajectories_bit_identical_with_or_without_events(name, seed):
    X, alpha = simulate(name, 12, length=150, rng=seed)
    X2, alpha2, events = simulate(name, 12, length=150, rng=seed, events=True)
    assert np.array_equal(X, X2) and np.array_equal(alpha, alpha2)
    assert events.shape == (12, 150) and events.dtype == bool
    assert not events[:, 0].any()
    if name not in WITH_EVENTS:
        assert not events.any()


@pytest.mark.parametrize("name", CLASSES)
def test_varying_lengths_bit_identical_and_marks_per_trajectory(name):
    X, _ = simulate(name, 30, length="varying", rng=3)
    X2, _, events = simulate(name, 30, length="varying", rng=3, events=True)
    assert len(events) == len(X) == len(X2)
    for x, x2, e in zip(X, X2, events):
        assert np.array_equal(x, x2) and e.shape == (x.shape[1],) and e.dtype == bool and not e[0]


@pytest.mark.parametrize("length", [100, "varying"])
def test_ctrw_moves_exactly_at_its_marks(length):
    X, _, events = simulate("SubCTRW", 40, length=length, rng=5, events=True)
    assert sum(np.sum(e) for e in events) > 50
    for x, e in zip(X, events):
        moved = (np.diff(x, axis=-1) != 0).any(axis=0)
        assert np.array_equal(moved, e[1:])
        assert np.all(np.diff(x, axis=-1)[:, e[1:]] != 0)  # both coordinates jump at a mark


def test_levy_walk_velocity_is_constant_between_marks_and_changes_at_them():
    X, _, events = simulate("SupLW", 40, length=300, rng=2, events=True)
    v = np.diff(X, axis=-1)  # velocity of each step, (n, 2, T - 1)
    change = np.abs(np.diff(v, axis=-1)).max(axis=1)  # between steps s - 1 and s, i.e. at position s
    marked = events[:, 2:]  # position t = s + 1 marks the step s
    tol = 1e-9 * np.abs(X).max()
    assert marked.sum() > 100 and (~marked).sum() > 100
    assert np.all(change[~marked] < tol)
    assert np.mean(change[marked] > tol) > 0.99  # a new flight has a new direction (almost surely)


def test_attm_step_std_is_piecewise_constant_between_marks(monkeypatch):
    def unit_normals(rng, variance, out_x, out_y, *, std=None):  # the step is its standard deviation
        out_x[...] = std
        out_y[...] = std

    monkeypatch.setattr(attm_module, "normal_pairs", unit_normals)
    alpha = np.random.default_rng(0).uniform(0.1, 0.9, 50)
    steps, marks = attm_module._increments(alpha, 400, np.random.default_rng(1), events=True)
    assert marks.shape == (50, 399) and not marks[:, 0].any() and marks.sum() > 20
    change = steps[:, 0, 1:] != steps[:, 0, :-1]  # std differs from the step before
    assert np.array_equal(change, marks[:, 1:])


def test_attm_events_do_not_change_the_steps():
    alpha = np.linspace(0.1, 0.9, 9)
    plain = attm_module._increments(alpha, 200, np.random.default_rng(4))
    steps, _ = attm_module._increments(alpha, 200, np.random.default_rng(4), events=True)
    assert np.array_equal(plain, steps)


def test_interval_starts_by_hand():
    durations = np.array([[2.0, 1.5, 3.0, np.inf], [1.0, 1.0, 10.0, np.inf]])
    # epochs 2, 3.5, 6.5 and 1, 2, 12: floors 2, 3, 6 and 1, 2 (12 beyond the end)
    assert interval_starts(durations, 0, 8).astype(int).tolist() == [[0, 0, 1, 1, 0, 0, 1, 0], [0, 1, 1, 0, 0, 0, 0, 0]]
    assert interval_starts(durations, 2, 5).astype(int).tolist() == [[1, 1, 0], [1, 0, 0]]
