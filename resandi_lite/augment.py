"""Grad-CAM-guided data augmentation and the noise-robustness protocol of the paper.

The paper selects, per class, the 60% of training trajectories with the
highest Grad-CAM score (the mean of the signed map for the true class), adds a
copy of each rotated by a uniform random angle, retrains, and tests on sets
with localisation noise sigma = 0, 0.1, ..., 1.0.  The control arm copies the
same number of trajectories chosen at random.  As an extension the paper does
not have, the copies can get Gaussian localisation noise instead of a
rotation.

Rotations and noise act on positions, not on the MinMax-scaled input: a
dataset's ``minmax`` (kept by :func:`resandi_lite.make_dataset`) undoes the
scaling, the copy is transformed, and the scaling is redone.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .data import TrajectoryDataset, make_dataset
from .preprocess import INPUT_LENGTH, minmax_scale
from .simulate.classes import CLASSES
from .paper import AUGMENT_RANDOM as PAPER_RANDOM, AUGMENT_TARGETED as PAPER_TARGETED, SIGMAS as PAPER_SIGMAS



def positions(dataset: TrajectoryDataset) -> np.ndarray:
    """Undo the MinMax scaling: positions in units of the step std, shape (n, 2, 1000), float64."""
    if dataset.minmax is None:
        raise ValueError("the dataset has no minmax scaling stored (made before it was kept); make it again")
    return dataset.X.astype(np.float64) * dataset.minmax[..., 1:] + dataset.minmax[..., :1]


def _copy(dataset: TrajectoryDataset, index: np.ndarray, P: np.ndarray, noise=None) -> TrajectoryDataset:
    X, minmax = minmax_scale(P, return_minmax=True)
    return TrajectoryDataset(X, dataset.y[index].copy(), dataset.alpha[index].copy(), dataset.lengths[index].copy(),
                             dataset.noise[index].copy() if noise is None else noise, dict(dataset.params), minmax)


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
    return TrajectoryDataset(cat("X"), cat("y"), cat("alpha"), cat("lengths"), cat("noise"),
                             {"concatenated": [s.params for s in sets]}, minmax)


def augmented(dataset: TrajectoryDataset, index, *, mode: str = "rotate", sigma=0.5, rng=None) -> TrajectoryDataset:
    """The training set of one arm: the original trajectories plus a transformed copy of ``dataset[index]``.

    ``mode``: ``"rotate"`` (the paper) or ``"noise"`` (extra localisation noise ``sigma``).
    """
    if mode == "rotate":
        copies = rotated_copies(dataset, index, rng)
    elif mode == "noise":
        copies = noisy_copies(dataset, index, sigma, rng)
    else:
        raise ValueError(f"mode must be 'rotate' or 'noise', got {mode!r}")
    return concatenate(dataset, copies)


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
        from .gradcam import gradcam_score

        return gradcam_score(model, X, y).numpy()
    from .attribution import attribute, resample

    X = np.asarray(X)
    return resample(attribute(model, X, np.asarray(y), attribution), X.shape[-1], X.shape[-1]).mean(axis=1)


def noise_robustness(models: dict, test_per_class: int, *, length="varying", sigmas=PAPER_SIGMAS, seed: int = 0,
                     progress: bool = False) -> dict:
    """Accuracy of several networks on test sets of growing localisation noise.

    Parameters
    ----------
    models : dict of str to list of torch.nn.Module
        Arm name to the networks of its seeds.
    test_per_class : int
    length : "varying" or int
    sigmas : sequence of float
    seed : int
        Seed of the test sets (the same for every arm).

    Returns
    -------
    dict
        ``sigmas`` (k,), and per arm ``accuracy`` (seeds, k), ``mean`` (k,) and
        ``stderr`` (k,) (standard error over seeds; 0 for one seed).
    """
    from tqdm.auto import tqdm

    from .evaluate import predict_logits as predict

    sigmas = np.asarray(sigmas, dtype=np.float64)
    acc = {arm: np.zeros((len(nets), sigmas.size)) for arm, nets in models.items()}
    for j, sigma in enumerate(tqdm(sigmas, desc="noise levels", disable=not progress)):
        test = make_dataset(test_per_class, length, float(sigma), seed=seed + j)
        for arm, nets in models.items():
            for i, net in enumerate(nets):
                acc[arm][i, j] = np.mean(predict(net, test.X).argmax(1) == test.y)
    out = {"sigmas": sigmas}
    for arm, a in acc.items():
        stderr = a.std(axis=0, ddof=1) / np.sqrt(len(a)) if len(a) > 1 else np.zeros(sigmas.size)
        out[arm] = {"accuracy": a, "mean": a.mean(axis=0), "stderr": stderr}
    return out


def augmentation_experiment(base_model, train: TrajectoryDataset, out_dir, *, seeds=(0, 1, 2, 3, 4),
                            fraction: float = 0.6, mode: str = "rotate", sigma=0.5, config=None,
                            val: TrajectoryDataset | None = None, test_per_class: int = 1000,
                            sigmas=PAPER_SIGMAS, progress: bool = True, attribution=None) -> dict:
    """The paper's protocol: train the targeted and the random arm over several seeds, test under noise.

    For each seed, the targeted arm copies the ``fraction`` of each class with
    the highest Grad-CAM score of ``base_model``; the random arm copies as many
    chosen at random; both are trained with ``config`` (a
    :class:`~resandi_lite.train.TrainConfig`, the paper's recipe by default)
    into ``out_dir/<arm>-seed<k>``.  Runs already finished are kept, and an
    interrupted one resumes, so the whole experiment can be stopped and
    restarted.

    ``attribution`` chooses the map behind the score (a name of
    :data:`resandi_lite.attribution.METHODS` or a callable ``(model, X,
    target) -> (n, positions)``; see :func:`attribution_score`); ``None``
    (default) is the paper's signed layer4 Grad-CAM.

    Returns
    -------
    dict
        The output of :func:`noise_robustness` for the arms ``targeted`` and
        ``random``; also written to ``out_dir/results.json``.
    """
    import dataclasses

    from .pretrained import load_model
    from .train import BEST, TrainConfig, fit

    out_dir = Path(out_dir)
    config = config or TrainConfig(preset="lite")
    scores = attribution_score(base_model, train.X, train.y, attribution=attribution)
    val = val if val is not None else make_dataset(max(1, len(train) // 40), config.length, config.noise,
                                                   seed=10_000 + config.seed)
    models = {"targeted": [], "random": []}
    for k in seeds:
        picks = {"targeted": select_by_score(scores, train.y, fraction),
                 "random": select_random(train.y, fraction, rng=np.random.SeedSequence(k, spawn_key=(1,)))}
        for arm, index in picks.items():
            run = out_dir / f"{arm}-seed{k}"
            data = augmented(train, index, mode=mode, sigma=sigma, rng=np.random.SeedSequence(k, spawn_key=(2,)))
            fit(dataclasses.replace(config, seed=k, train_per_class=max(1, len(data) // len(CLASSES))), run,
                resume=True, train_data=data, val_data=val, progress=progress)
            models[arm].append(load_model(run / BEST))
    result = noise_robustness(models, test_per_class, length=config.length, sigmas=sigmas, progress=progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(
        {"sigmas": result["sigmas"].tolist(), **{arm: {k: np.asarray(v).tolist() for k, v in result[arm].items()}
                                                 for arm in models}}, indent=1))
    return result
