"""The training sets of the arms: positions recovered from the scaled input, rotated and noisy copies, which
trajectories are copied (by score or at random, per class) and the score they are ranked by."""

from __future__ import annotations

import numpy as np

from ..data import TrajectoryDataset
from ..preprocess import INPUT_LENGTH, minmax_scale
from ..simulate.classes import CLASSES


def positions(dataset: TrajectoryDataset) -> np.ndarray:
    """Undo the MinMax scaling: positions in units of the step std, shape (n, 2, 1000), float64."""
    if dataset.minmax is None:
        raise ValueError("the dataset has no minmax scaling stored (made before it was kept); make it again")
    return dataset.X.astype(np.float64) * dataset.minmax[..., 1:] + dataset.minmax[..., :1]


def _copy(dataset: TrajectoryDataset, index: np.ndarray, P: np.ndarray, noise=None) -> TrajectoryDataset:
    X, minmax = minmax_scale(P, return_minmax=True)
    return TrajectoryDataset(
        X,
        dataset.y[index].copy(),
        dataset.alpha[index].copy(),
        dataset.lengths[index].copy(),
        dataset.noise[index].copy() if noise is None else noise,
        dict(dataset.params),
        minmax,
    )


def rotated_copies(dataset: TrajectoryDataset, index, rng=None) -> TrajectoryDataset:
    """Copies of ``dataset[index]``, each rotated about its starting point by a uniform angle in [0, 2 pi).

    Returns
    -------
    TrajectoryDataset
        ``len(index)`` trajectories, rescaled to [0, 1] per coordinate.
    """
    index = np.asarray(index, dtype=np.int64)
    rng = np.random.default_rng(rng)
    theta = rng.uniform(0, 2 * np.pi, index.size)
    P = positions(dataset)[index] if index.size else np.zeros((0, 2, INPUT_LENGTH))
    c, s = np.cos(theta)[:, None], np.sin(theta)[:, None]
    rotated = np.stack([c * P[:, 0] - s * P[:, 1], s * P[:, 0] + c * P[:, 1]], axis=1)
    return _copy(dataset, index, rotated)


def noisy_copies(dataset: TrajectoryDataset, index, sigma, rng=None) -> TrajectoryDataset:
    """Copies of ``dataset[index]`` with extra Gaussian localisation noise (std ``sigma`` steps, or one of a list).

    Noise is added to every point of the trajectory, never to the padding.
    """
    index = np.asarray(index, dtype=np.int64)
    rng = np.random.default_rng(rng)
    sigmas = np.atleast_1d(np.asarray(sigma, dtype=np.float64))
    if np.any(sigmas < 0) or not np.all(np.isfinite(sigmas)):
        raise ValueError(f"sigma must be finite and >= 0, got {sigma!r}")
    s = sigmas[rng.integers(sigmas.size, size=index.size)]
    P = positions(dataset)[index]
    inside = np.arange(INPUT_LENGTH)[None, :] >= (INPUT_LENGTH - dataset.lengths[index])[:, None]
    P += rng.standard_normal(P.shape) * (s[:, None, None] * inside[:, None, :])
    total = np.sqrt(dataset.noise[index] ** 2 + s**2)  # independent noises add in variance
    return _copy(dataset, index, P, noise=total)


def select_by_score(scores, y, fraction: float = 0.6) -> np.ndarray:
    """Indices of the ``fraction`` highest-scoring trajectories of every class.

    Parameters
    ----------
    scores : ndarray of shape (n,)
        Grad-CAM scores (:func:`resandi_lite.gradcam.gradcam_score` for the true class).
    y : ndarray of shape (n,), int
    fraction : float in (0, 1]

    Returns
    -------
    index : ndarray of shape (m,), int64, sorted
        ``round(fraction * count)`` per class.
    """
    scores, y = np.asarray(scores, dtype=np.float64), np.asarray(y)
    _check_selection(scores, y, fraction)
    chosen = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        k = int(round(fraction * members.size))
        chosen.append(members[np.argsort(-scores[members], kind="stable")[:k]])
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, np.int64)


def select_random(y, fraction: float = 0.6, rng=None) -> np.ndarray:
    """Indices of ``fraction`` of every class's trajectories, chosen uniformly (the control arm)."""
    y = np.asarray(y)
    _check_selection(np.zeros(y.shape), y, fraction)
    rng = np.random.default_rng(rng)
    chosen = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        chosen.append(rng.choice(members, int(round(fraction * members.size)), replace=False))
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, np.int64)


def describe_selection(dataset: TrajectoryDataset, index, predicted=None) -> dict:
    """Per class, how the selected trajectories differ from the others: length and (optionally) correctness.

    Parameters
    ----------
    dataset : TrajectoryDataset
        ``n`` trajectories.
    index : array-like of shape (m,), int
        The selected ones (e.g. :func:`select_by_score`).
    predicted : array-like of shape (n,), int, optional
        A network's predicted labels; adds the percentage it gets right.

    Returns
    -------
    dict of str to tuple
        Class name to ``(mean length selected, mean length others)`` in
        points, rounded to integers, followed by ``(% right selected, % right
        others)`` rounded to 0.1 when ``predicted`` is given; ``nan`` where a
        group is empty.
    """
    y = np.asarray(dataset.y)
    chosen = np.zeros(y.size, bool)
    chosen[np.asarray(index, dtype=np.int64)] = True
    if predicted is not None:
        predicted = np.asarray(predicted)
        if predicted.shape != y.shape:
            raise ValueError(f"predicted must have one label per trajectory, shape {y.shape}, got {predicted.shape}")

    def mean(values, rows, digits):
        return round(float(values[rows].mean()), digits) if rows.any() else float("nan")

    out = {}
    for label in np.unique(y):
        rows = y == label
        row = (mean(dataset.lengths, chosen & rows, None), mean(dataset.lengths, ~chosen & rows, None))
        if predicted is not None:
            right = 100.0 * (predicted == y)
            row += (mean(right, chosen & rows, 1), mean(right, ~chosen & rows, 1))
        out[CLASSES[int(label)]] = row
    return out


def _check_selection(scores, y, fraction) -> None:
    if scores.shape != y.shape or y.ndim != 1:
        raise ValueError(f"scores and y must be 1-D of the same length, got {scores.shape} and {y.shape}")
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")


def concatenate(*sets: TrajectoryDataset) -> TrajectoryDataset:
    """One dataset holding the trajectories of several, in order."""

    def cat(name):
        return np.concatenate([getattr(s, name) for s in sets])

    minmax = cat("minmax") if all(s.minmax is not None for s in sets) else None
    return TrajectoryDataset(
        cat("X"),
        cat("y"),
        cat("alpha"),
        cat("lengths"),
        cat("noise"),
        {"concatenated": [s.params for s in sets]},
        minmax,
    )


MODES = ("rotate", "noise", "copy")


def augmented(dataset: TrajectoryDataset, index, *, mode: str = "rotate", sigma=0.5, rng=None) -> TrajectoryDataset:
    """The training set of one arm: the original trajectories plus a transformed copy of ``dataset[index]``.

    Parameters
    ----------
    dataset : TrajectoryDataset
        ``n`` original trajectories, ``X`` of shape (n, 2, 1000), float32.
    index : array-like of shape (m,), int
        The trajectories to copy.
    mode : {"rotate", "noise", "copy"}
        ``"rotate"``: a random rotation (the paper); ``"noise"``: extra
        localisation noise ``sigma`` (:func:`noisy_copies`); ``"copy"``: an
        unchanged duplicate (the control arm: as many samples, nothing new).
    sigma : float or sequence of float
        Noise std of ``mode="noise"``, in step units.
    rng : numpy Generator, int, SeedSequence or None

    Returns
    -------
    TrajectoryDataset
        ``n + m`` trajectories: ``dataset`` first, then the copies in the order of ``index``.
    """
    if mode == "rotate":
        copies = rotated_copies(dataset, index, rng)
    elif mode == "noise":
        copies = noisy_copies(dataset, index, sigma, rng)
    elif mode == "copy":
        index = np.asarray(index, dtype=np.int64)
        copies = TrajectoryDataset(
            dataset.X[index].copy(),
            dataset.y[index].copy(),
            dataset.alpha[index].copy(),
            dataset.lengths[index].copy(),
            dataset.noise[index].copy(),
            dict(dataset.params),
            None if dataset.minmax is None else dataset.minmax[index].copy(),
        )
    else:
        raise ValueError(f"mode must be one of {', '.join(map(repr, MODES))}, got {mode!r}")
    return concatenate(dataset, copies)


def training_sets(
    train: TrajectoryDataset,
    scores,
    seed: int,
    *,
    fraction: float = 0.6,
    mode: str = "rotate",
    sigma=0.5,
    control: bool = False,
) -> dict:
    """The training sets of every arm for one seed of :func:`augmentation_experiment`.

    Parameters
    ----------
    train : TrajectoryDataset
        The ``n`` original trajectories.
    scores : ndarray of shape (n,)
        The selection score of each (:func:`attribution_score`).
    seed : int
        Seeds the random arm's selection and the copies' transform.
    fraction : float in (0, 1]
    mode : {"rotate", "noise"}
        The transform of the targeted and random arms' copies.
    sigma : float or sequence of float
        Noise std for ``mode="noise"``.
    control : bool
        Also return the ``"control"`` arm: the random arm's selection
        duplicated unchanged, so it has as many samples (hence optimizer
        steps) as the other arms but sees only the originals.

    Returns
    -------
    dict of str to TrajectoryDataset
        ``"targeted"``, ``"random"`` (and ``"control"``), each of ``n + m``
        trajectories (``m`` = ``round(fraction * count)`` summed over classes).
    """
    if mode not in ("rotate", "noise"):
        raise ValueError(f"mode must be 'rotate' or 'noise' (the control arm is added with control=True), got {mode!r}")
    if not isinstance(control, (bool, np.bool_)):
        raise TypeError(f"control must be True or False, got {control!r}")
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape != train.y.shape:
        raise ValueError(f"scores must have one value per trajectory, shape {train.y.shape}, got {scores.shape}")
    picks = {
        "targeted": select_by_score(scores, train.y, fraction),
        "random": select_random(train.y, fraction, rng=np.random.SeedSequence(seed, spawn_key=(1,))),
    }
    sets = {
        arm: augmented(train, index, mode=mode, sigma=sigma, rng=np.random.SeedSequence(seed, spawn_key=(2,)))
        for arm, index in picks.items()
    }
    if control:
        sets["control"] = augmented(train, picks["random"], mode="copy")
    return sets


def attribution_score(model, X, y, *, attribution=None) -> np.ndarray:
    """The trajectory-level score the selection ranks by: the mean of the map over the input, padding included.

    With ``attribution=None`` this is the paper's Grad-CAM score
    (:func:`resandi_lite.gradcam.gradcam_score`: the signed layer4 map for
    ``y``, upsampled by nearest neighbour); with a name of
    :data:`resandi_lite.attribution.METHODS` or a callable ``(model, X,
    target) -> (n, positions)``, the mean of that map, each position weighted
    by the input points it covers.

    Returns
    -------
    scores : ndarray of shape (n,), float32 (``None``) or float64
    """
    if attribution is None:
        from ..gradcam import gradcam_score

        return gradcam_score(model, X, y).numpy()
    from ..attribution import attribute, resample

    X = np.asarray(X)
    return resample(attribute(model, X, np.asarray(y), attribution), X.shape[-1], X.shape[-1]).mean(axis=1)
