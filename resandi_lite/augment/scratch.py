"""Grad-CAM-guided data augmentation and the noise-robustness protocol of the paper.

The paper selects, per class, the 60% of training trajectories with the
highest Grad-CAM score (the mean of the signed map for the true class), adds a
copy of each rotated by a uniform random angle, retrains, and tests on sets
with localisation noise sigma = 0, 0.1, ..., 1.0.  The paper's comparison arm
copies the same number of trajectories chosen at random.  Two additions the
paper does not have: copies with Gaussian localisation noise instead of a
rotation, and a control arm that trains on the original trajectories only, with
the same budget as the other arms (the random arm's selection duplicated
unchanged), which separates the effect of the training itself from that of the
transformed copies.

Rotations and noise act on positions, not on the MinMax-scaled input: a
dataset's ``minmax`` (kept by :func:`resandi_lite.make_dataset`) undoes the
scaling, the copy is transformed, and the scaling is redone.

The paper's protocol, every network trained from scratch, is :func:`from_scratch`;
its committed results at the lite preset ship as :data:`FROM_SCRATCH`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .. import _files
from ..data import TrajectoryDataset, make_dataset
from ..paper import AUGMENT_RANDOM as PAPER_RANDOM
from ..paper import AUGMENT_TARGETED as PAPER_TARGETED
from ..paper import SIGMAS as PAPER_SIGMAS
from ..preprocess import INPUT_LENGTH, minmax_scale
from ..simulate.classes import CLASSES

# the paper's curves are re-exported: chapter 10 imports them from here
__all__ = [
    "ARMS",
    "FROM_SCRATCH",
    "MODES",
    "PAPER_RANDOM",
    "PAPER_SIGMAS",
    "PAPER_TARGETED",
    "arm_difference",
    "attribution_score",
    "augmentation_experiment",
    "augmentation_verdicts",
    "augmented",
    "collect_results",
    "concatenate",
    "describe_selection",
    "difference_table",
    "from_scratch",
    "load_from_scratch",
    "noise_robustness",
    "noisy_copies",
    "paper_gain",
    "positions",
    "robustness_table",
    "rotated_copies",
    "select_by_score",
    "select_random",
    "ship_results",
    "training_sets",
]


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


def noise_robustness(
    models: dict, test_per_class: int, *, length="varying", sigmas=PAPER_SIGMAS, seed: int = 0, progress: bool = False
) -> dict:
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

    from ..evaluate import predict_logits as predict

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


def arm_difference(a: dict, b: dict) -> tuple[np.ndarray, np.ndarray]:
    """Mean accuracy of arm ``a`` minus that of arm ``b``, in percentage points, with its standard error.

    Parameters
    ----------
    a, b : dict
        Arms of a :func:`noise_robustness` result (``mean`` and ``stderr`` of shape (k,)).

    Returns
    -------
    difference, stderr : ndarray of shape (k,), float64
        The standard errors over seeds of the two arms added in quadrature (the
        arms are tested on the same sets, so this ignores the test sets' own
        sampling error, which the difference largely cancels).
    """
    ma, mb = np.asarray(a["mean"], dtype=np.float64), np.asarray(b["mean"], dtype=np.float64)
    if ma.shape != mb.shape:
        raise ValueError(f"a and b must hold the same noise levels, got shapes {ma.shape} and {mb.shape}")
    return 100 * (ma - mb), 100 * np.hypot(np.asarray(a["stderr"], np.float64), np.asarray(b["stderr"], np.float64))


def robustness_table(result: dict, arms=None) -> str:
    """A text table of a :func:`noise_robustness` result: accuracy (%) +- standard error per arm and noise level.

    Parameters
    ----------
    result : dict
        ``sigmas`` (k,) and arms with ``accuracy`` (seeds, k), ``mean`` and ``stderr`` (k,).
    arms : list of str, optional
        Rows, in order (default: every arm).

    Returns
    -------
    str
        One row per arm (its name and number of seeds), one column per noise level.
    """
    sigmas = np.asarray(result["sigmas"], dtype=np.float64)
    arms = list(arms) if arms is not None else [k for k in result if k != "sigmas"]
    missing = [arm for arm in arms if arm not in result]
    if missing:
        raise ValueError(f"arms {missing} are not in result, which has {[k for k in result if k != 'sigmas']}")
    seeds = [len(np.atleast_2d(result[arm]["accuracy"])) for arm in arms]
    names = [f"{arm} ({n} seed{'s' if n > 1 else ''})" for arm, n in zip(arms, seeds)]
    width = max(len(n) for n in names + ["sigma"])
    lines = [f"{'sigma':<{width}}" + "".join(f"{s:>14.2f}" for s in sigmas)]
    for name, arm in zip(names, arms):
        cells = (f"{100 * m:.1f} +- {100 * e:.1f}" for m, e in zip(result[arm]["mean"], result[arm]["stderr"]))
        lines.append(f"{name:<{width}}" + "".join(f"{c:>14}" for c in cells))
    return "\n".join(lines)


def difference_table(result: dict, pairs: dict) -> str:
    """A text table of differences between arms: points +- standard error per noise level (:func:`arm_difference`).

    Parameters
    ----------
    result : dict
        ``sigmas`` (k,) and arms with ``mean`` and ``stderr`` (k,).
    pairs : dict
        ``{label: (arm_a, arm_b)}``, one row each: arm_a minus arm_b.

    Returns
    -------
    str
    """
    sigmas = np.asarray(result["sigmas"], dtype=np.float64)
    for a, b in pairs.values():
        for arm in (a, b):
            if arm not in result:
                raise ValueError(
                    f"pairs names the arm {arm!r}, which is not in result "
                    f"(arms: {[k for k in result if k != 'sigmas']})"
                )
    width = max(len(label) for label in [*pairs, "sigma"])
    lines = [f"{'sigma':<{width}}" + "".join(f"{s:>15.2f}" for s in sigmas)]
    for label, (a, b) in pairs.items():
        diff, err = arm_difference(result[a], result[b])
        lines.append(f"{label:<{width}}" + "".join(f"{d:>+8.1f} +- {e:.1f}" for d, e in zip(diff, err)))
    return "\n".join(lines)


def augmentation_experiment(
    base_model,
    train: TrajectoryDataset,
    out_dir,
    *,
    seeds=(0, 1, 2, 3, 4),
    fraction: float = 0.6,
    mode: str = "rotate",
    sigma=0.5,
    config=None,
    val: TrajectoryDataset | None = None,
    test_per_class: int = 1000,
    sigmas=PAPER_SIGMAS,
    progress: bool = True,
    attribution=None,
    control: bool = False,
    test_seed: int = 0,
) -> dict:
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

    ``control=True`` adds the arm ``control`` (not in the paper): the original
    trajectories plus the random arm's selection duplicated *unchanged*
    (:func:`training_sets`).  It has the same number of samples per epoch, so
    the same number of optimizer steps, the same learning rate, seed and
    sample order as the other arms, but sees nothing but the originals: what
    it gains over ``base_model`` is the effect of the training itself, and
    what the random arm gains over it is the effect of the transformed copies.
    The control's runs do not depend on ``mode``, ``sigma`` or
    ``attribution``.

    ``test_seed`` seeds the noisy test sets (see :func:`noise_robustness`):
    pass the seed used for another network to test it on the same sets.

    Returns
    -------
    dict
        The output of :func:`noise_robustness` for the arms ``targeted``,
        ``random`` (and ``control``); also written to ``out_dir/results.json``.
    """
    import dataclasses

    from ..pretrained import load_model
    from ..train import BEST, TrainConfig, fit

    if not isinstance(test_seed, (int, np.integer)) or isinstance(test_seed, bool):
        raise TypeError(f"test_seed must be an integer, got {test_seed!r}")
    out_dir = Path(out_dir)
    config = config or TrainConfig(preset="lite")
    scores = attribution_score(base_model, train.X, train.y, attribution=attribution)
    val = (
        val
        if val is not None
        else make_dataset(max(1, len(train) // 40), config.length, config.noise, seed=10_000 + config.seed)
    )
    models = {"targeted": [], "random": []} | ({"control": []} if control else {})
    for k in seeds:
        sets = training_sets(train, scores, k, fraction=fraction, mode=mode, sigma=sigma, control=control)
        for arm, data in sets.items():
            run = out_dir / f"{arm}-seed{k}"
            fit(
                dataclasses.replace(config, seed=k, train_per_class=max(1, len(data) // len(CLASSES))),
                run,
                resume=True,
                train_data=data,
                val_data=val,
                progress=progress,
            )
            models[arm].append(load_model(run / BEST))
    result = noise_robustness(
        models, test_per_class, length=config.length, sigmas=sigmas, seed=int(test_seed), progress=progress
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    _files.write_json(
        out_dir / "results.json",
        {
            "sigmas": result["sigmas"].tolist(),
            **{arm: {k: np.asarray(v).tolist() for k, v in result[arm].items()} for arm in models},
        },
    )
    return result


#: The files :func:`from_scratch` writes besides the runs' own, and the temporary names older versions gave them.
_OWN_FILES = ("results.json", "experiment.json", "noise.json", "scores.npy")
_OWN_PARTS = {f"{name}.part" for name in _OWN_FILES}
#: The arms of :func:`from_scratch`, in the order each seed trains them.
ARMS = ("targeted", "random", "control")


def _noise_accuracy(model, test_per_class: int, length, sigmas, test_seed: int) -> list[float]:
    """Accuracy of one network on the noisy test sets of :func:`noise_robustness` (same seeds, same sets)."""
    return noise_robustness({"net": [model]}, test_per_class, length=length, sigmas=sigmas, seed=test_seed)["net"][
        "accuracy"
    ][0].tolist()


def _read_result(path: Path, sigmas) -> list[float] | None:
    """The accuracies stored in a run's ``noise.json``, or ``None`` if it is missing or made for other noise levels."""
    try:
        stored = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("sigmas") != [float(s) for s in sigmas]:
        return None
    acc = stored.get("accuracy")
    if not isinstance(acc, list) or len(acc) != len(sigmas):
        return None
    return [float(a) for a in acc]


def from_scratch(
    out_dir,
    *,
    seeds=(0, 1, 2, 3, 4),
    arms=ARMS,
    config=None,
    train_per_class: int = 10_000,
    data_seed: int = 20261206,
    base_seed: int = 100,
    test_per_class: int = 1000,
    sigmas=PAPER_SIGMAS,
    test_seed: int = 7_000,
    progress: bool = True,
    say=print,
) -> dict:
    """The paper's augmentation experiment trained from scratch: base network, then every arm and seed.

    1. Simulate the training set (``train_per_class`` per class, the paper's
       80,000 for 10,000; seed ``data_seed``) and a validation set.
    2. Train the base network on it from scratch with ``config`` (seed
       ``base_seed``): the source of the Grad-CAM scores, as in the paper,
       and the unaugmented reference.
    3. For each seed ``k``, train every arm of :func:`training_sets` (the
       originals plus 60% of each class copied: ``targeted`` by Grad-CAM
       score, ``random`` uniformly, both rotated; ``control`` the random
       selection unrotated) from scratch with ``config`` and seed ``k``: the
       same initialisation, the same sample order and the same number of
       steps in every arm, so the arms are paired by seed.
    4. Test each network on the noisy test sets (``test_per_class`` per class
       at each sigma, seeds from ``test_seed``: the same sets for all).

    Each finished network's accuracies are written to ``<run>/noise.json``
    (small: commit these, not the checkpoints), and a run whose
    ``noise.json`` exists is not trained again; an interrupted run resumes
    from its checkpoint.  So the experiment can be stopped at any point and
    started again with the same arguments, on the same or another machine.

    Parameters
    ----------
    out_dir : path-like
        Receives ``base/``, ``<arm>-seed<k>/`` and ``results.json``.
    seeds : sequence of int
    arms : sequence of str
        A subset of :data:`ARMS`.
    config : TrainConfig, optional
        The recipe of every network (default: the CPU recipe on fixed data,
        8 epochs).  ``seed``, ``fresh_data`` and ``train_per_class`` are set
        here.
    train_per_class, data_seed, base_seed, test_per_class, sigmas, test_seed
        See above.
    progress : bool
        Progress bars.
    say : callable
        Receives one line per finished step.

    Returns
    -------
    dict
        ``sigmas``, ``base`` (accuracy per sigma) and, per arm with at least
        one finished seed, ``seeds``, ``accuracy`` (seeds, k), ``mean`` and
        ``stderr`` (k,); also written to ``out_dir/results.json``.
    """
    import dataclasses

    from ..pretrained import load_model
    from ..train import BEST, TrainConfig, fit

    unknown = [a for a in arms if a not in ARMS]
    if unknown or not arms:
        raise ValueError(f"arms must be a non-empty subset of {ARMS}, got {tuple(arms)!r}")
    seeds = [int(k) for k in seeds]
    sigmas = [float(s) for s in sigmas]
    out_dir = Path(out_dir)
    config = config or TrainConfig.recipe("cpu", max_epochs=8, checkpoint_every=100)
    config = dataclasses.replace(config, fresh_data=False)
    _check_experiment(
        out_dir,
        {
            "config": config.to_dict(),
            "train_per_class": train_per_class,
            "data_seed": data_seed,
            "base_seed": base_seed,
            "test_per_class": test_per_class,
            "test_seed": test_seed,
            "sigmas": sigmas,
        },
    )
    train = make_dataset(train_per_class, config.length, config.noise, seed=data_seed, progress=progress)
    val = make_dataset(config.val_per_class, config.length, config.noise, seed=data_seed + 1)

    def run_one(name: str, data: TrajectoryDataset, seed: int, *, wait: bool = False) -> list[float] | None:
        """Train and test one network, unless done; ``None`` if another process holds it (and not ``wait``)."""
        from filelock import FileLock, Timeout

        run = out_dir / name
        done = _read_result(run / "noise.json", sigmas)
        if done is not None:
            return done
        lock = FileLock(out_dir / f"{name}.lock")
        try:
            lock.acquire(timeout=-1 if wait else 0)
        except Timeout:
            say(f"{name}: another process is training it, skipped here")
            return None
        try:
            done = _read_result(run / "noise.json", sigmas)  # finished while we waited
            if done is not None:
                return done
            fit(
                dataclasses.replace(config, seed=seed, train_per_class=max(1, len(data) // len(CLASSES))),
                run,
                resume=(run / "checkpoint.pt").exists(),
                train_data=data,
                val_data=val,
                progress=progress,
            )
            acc = _noise_accuracy(load_model(run / BEST), test_per_class, config.length, sigmas, test_seed)
            _files.write_json(
                run / "noise.json",
                {
                    "sigmas": sigmas,
                    "accuracy": acc,
                    "seed": seed,
                    "n_train": len(data),
                    "test_per_class": test_per_class,
                    "test_seed": test_seed,
                },
            )
        finally:
            lock.release()
        say(
            f"{name}: accuracy {100 * acc[0]:.2f}% clean, {100 * acc[min(5, len(acc) - 1)]:.2f}% at sigma "
            f"{sigmas[min(5, len(acc) - 1)]}"
        )
        return acc

    run_one("base", train, base_seed, wait=True)
    scores = _base_scores(out_dir / "base", train)
    for k in seeds:
        pending = [arm for arm in arms if _read_result(out_dir / f"{arm}-seed{k}" / "noise.json", sigmas) is None]
        if not pending:
            continue
        sets = training_sets(train, scores, k, control="control" in pending)
        for arm in pending:
            run_one(f"{arm}-seed{k}", sets[arm], k)
        del sets
        collect_results(out_dir)
    return collect_results(out_dir)


def _base_scores(base_dir: Path, train: TrajectoryDataset) -> np.ndarray:
    """The base network's Grad-CAM score of every training trajectory, computed once and kept in ``scores.npy``."""
    from ..pretrained import load_model
    from ..train import BEST

    scores_file = base_dir / "scores.npy"
    if scores_file.exists():
        return np.load(scores_file)
    scores = attribution_score(load_model(base_dir / BEST), train.X, train.y)
    with _files.atomic_writer(scores_file) as fh:
        np.save(fh, scores)
    return scores


def collect_results(out_dir) -> dict:
    """Gather the ``noise.json`` of every finished network of a :func:`from_scratch` experiment into ``results.json``.

    Several processes may train the runs of one experiment at once (each run
    is locked while it trains); this reads what all of them have finished.

    Returns
    -------
    dict
        ``sigmas``, ``base`` (accuracy per sigma, or ``None``) and, per arm with
        at least one finished seed, ``seeds``, ``accuracy`` (seeds, k), ``mean``
        and ``stderr`` (k,) (over seeds; 0 for one seed).
    """
    out_dir = Path(out_dir)
    try:
        sigmas = json.loads((out_dir / "experiment.json").read_text())["sigmas"]
    except (OSError, ValueError, KeyError, TypeError):
        raise ValueError(f"{out_dir} holds no augmentation experiment (experiment.json missing or damaged)") from None
    accs = {arm: {} for arm in ARMS}
    for path in sorted(out_dir.glob("*-seed*/noise.json")):
        arm, _, k = path.parent.name.rpartition("-seed")
        acc = _read_result(path, sigmas)
        if arm in accs and k.isdigit() and acc is not None:
            accs[arm][int(k)] = acc
    return _write_results(out_dir, sigmas, _read_result(out_dir / "base" / "noise.json", sigmas), accs)


#: The from-scratch experiment at the lite preset (``runs/augmentation-lite``), shipped inside the package so
#: that chapters 10 and 12 find it on Colab too.  Regenerated, after the training, by
#: ``python -m resandi_lite augment --out runs/augmentation-lite --seeds 0-4 --epochs 6 --threads 1 --resume --ship``.
FROM_SCRATCH = Path(__file__).resolve().parent.parent / "pretrained" / "augmentation-lite.json"


def ship_results(out_dir, path=None) -> dict:
    """Gather a :func:`from_scratch` experiment's finished networks into one JSON (default: the shipped copy).

    Holds what :func:`collect_results` returns, plus ``experiment`` (the
    settings of ``experiment.json``), ``train_seconds`` (wall time of each
    network's training, from its ``log.json``) and ``command`` (the command
    that continues and regenerates it).  Unfinished networks are left out, so
    it can be shipped while the experiment still runs.

    Parameters
    ----------
    out_dir : path-like
        The experiment's folder.
    path : path-like, optional
        Where to write (default: :data:`FROM_SCRATCH`, in the package).

    Returns
    -------
    dict
        What was written to ``path``.
    """
    out_dir = Path(out_dir)
    results = collect_results(out_dir)
    settings = json.loads((out_dir / "experiment.json").read_text())
    seconds = {}
    for log in sorted(out_dir.glob("*/log.json")):
        if (log.parent / "noise.json").exists():
            history = json.loads(log.read_text()).get("history", [])
            seconds[log.parent.name] = round(sum(h.get("seconds", 0.0) for h in history), 1)
    config = settings.get("config", {})
    command = (
        f"python -m resandi_lite augment --out {out_dir.as_posix()} --preset {config.get('preset', 'lite')} "
        f"--seeds 0-4 --epochs {config.get('max_epochs')} --train-per-class {settings['train_per_class']} "
        f"--test-per-class {settings['test_per_class']} --threads 1 --resume --ship"
    )
    shipped = {**results, "experiment": settings, "train_seconds": seconds, "command": command}
    _files.write_json(FROM_SCRATCH if path is None else Path(path), shipped)
    return shipped


def load_from_scratch(path=None) -> dict | None:
    """The shipped from-scratch experiment (:data:`FROM_SCRATCH`, or ``path``), or None if there is none.

    Examples
    --------
    >>> r = load_from_scratch()
    >>> r is None or {"sigmas", "base", "experiment"} <= set(r)
    True
    """
    path = FROM_SCRATCH if path is None else Path(path)
    results = _files.read_json(path, remedy="regenerate it with augment --ship")
    if results is None:
        return None
    if "sigmas" not in results:
        raise ValueError(f"{path} is not an augmentation experiment's results (no 'sigmas')")
    return results


def _check_experiment(out_dir: Path, settings: dict) -> None:
    """Record the settings in ``experiment.json``, or refuse to continue an experiment made with others.

    First removes the temporary files that killed writes of this module left (of dead processes only).
    """
    for folder in (out_dir, *out_dir.glob("*/")):  # temporary files of killed writes (this package's only)
        _files.remove_stale_parts(folder, lambda name: name in _OWN_FILES, legacy=lambda name: name in _OWN_PARTS)
    path = out_dir / "experiment.json"
    settings = json.loads(json.dumps(settings))
    if path.exists():
        try:
            stored = json.loads(path.read_text())
        except ValueError:
            raise ValueError(f"{path} is not valid JSON: repair or remove it") from None
        changed = sorted(k for k in set(stored) | set(settings) if stored.get(k) != settings.get(k))
        if changed:
            raise ValueError(
                f"{out_dir} holds an experiment made with other settings ({', '.join(changed)} differ); "
                f"continue it with the same arguments or use another folder"
            )
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    _files.write_json(path, settings)


def _write_results(out_dir: Path, sigmas, base_acc, accs: dict) -> dict:
    out = {"sigmas": list(sigmas), "base": None if base_acc is None else list(base_acc)}
    for arm, by_seed in accs.items():
        if not by_seed:
            continue
        a = np.asarray([by_seed[k] for k in sorted(by_seed)])
        stderr = a.std(axis=0, ddof=1) / np.sqrt(len(a)) if len(a) > 1 else np.zeros(len(sigmas))
        out[arm] = {
            "seeds": sorted(by_seed),
            "accuracy": a.tolist(),
            "mean": a.mean(axis=0).tolist(),
            "stderr": stderr.tolist(),
        }
    _files.write_json(out_dir / "results.json", out)  # several processes may write it: each its own temporary file
    return out


def _by_seed(arm: dict) -> dict:
    """``{seed: accuracies (points) per sigma}`` of one arm of a results.json (seeds in order if not named)."""
    accuracy = 100 * np.atleast_2d(np.asarray(arm["accuracy"], dtype=np.float64))
    seeds = arm.get("seeds", range(len(accuracy)))
    return {int(k): row for k, row in zip(seeds, accuracy)}


def _paired_over_seeds(a: dict, b: dict) -> tuple[list[int], np.ndarray]:
    """The seeds both arms have, and ``a - b`` per seed and sigma (points): ``(seeds, (k, sigmas))``."""
    seeds = sorted(set(a) & set(b))
    width = len(next(iter(a.values()))) if a else len(next(iter(b.values()))) if b else 0
    return seeds, np.array([a[k] - b[k] for k in seeds]).reshape(len(seeds), width)


def paper_gain() -> dict:
    """The paper's gain of targeted over random copies per noise level, with its standard error from its seeds.

    The paper trains five seeds per arm (:data:`resandi_lite.paper.AUGMENT_TARGETED_SEEDS`,
    ``AUGMENT_RANDOM_SEEDS``); its files do not say whether seed ``k`` of one
    arm is paired with seed ``k`` of the other, so the standard error of the
    gain is Welch's, the two arms' standard errors added in quadrature.

    Returns
    -------
    dict
        ``sigmas``, ``gain`` and ``stderr`` (lists of 11 floats, points).

    Examples
    --------
    >>> g = paper_gain()
    >>> round(g["gain"][5], 2), round(g["stderr"][5], 2)  # sigma = 0.5: about 1.2 standard errors from zero
    (3.82, 3.14)
    """
    from ..paper import AUGMENT_RANDOM_SEEDS, AUGMENT_TARGETED_SEEDS

    t, r = AUGMENT_TARGETED_SEEDS, AUGMENT_RANDOM_SEEDS
    return {
        "sigmas": [float(s) for s in PAPER_SIGMAS],
        "gain": (t.mean(0) - r.mean(0)).tolist(),
        "stderr": np.sqrt(t.var(0, ddof=1) / len(t) + r.var(0, ddof=1) / len(r)).tolist(),
    }


def augmentation_verdicts(results, *, paper=None, level: float = 0.95) -> dict:
    """The augmentation claim per noise level: targeted minus random, paired by seed, with its verdict.

    Each seed trains every arm with the same initialisation, sample order and
    number of steps (:func:`from_scratch`), and all are tested on the same
    noisy sets, so the arms are compared seed by seed: the difference
    targeted - random of each seed, its mean over seeds and the standard error
    of that mean.  The interval is Student's t with ``k - 1`` degrees of
    freedom for ``k`` seeds (a bootstrap over five seeds would be far too
    narrow), at the Bonferroni level for the family of noise levels read
    together (:func:`resandi_lite.verdict.family_level`), and gives the
    verdict against the paper's gain (:func:`resandi_lite.verdict.verdict_row`,
    ``n_needed`` in seeds).  Beside it, random - control (the effect of the
    rotated copies themselves; the paper has no control arm, so no verdict).

    Parameters
    ----------
    results : dict or path-like
        A ``results.json`` of :func:`from_scratch` (or of
        :func:`augmentation_experiment`): ``sigmas`` and, per arm,
        ``accuracy`` (seeds, sigmas) as fractions, with ``seeds``.
    paper : dict of float to float, optional
        The paper's gain (points) per sigma.  Default: the means of the
        paper's five seeds per arm (:data:`resandi_lite.paper.AUGMENT_TARGETED_SEEDS`
        and ``AUGMENT_RANDOM_SEEDS``), with the paper's own interval of its
        gain (:func:`paper_gain`: two arms of five seeds, Welch's standard
        error, t with 8 degrees of freedom) in each row.
    level : float
        Of the whole family.

    Returns
    -------
    dict (JSON-ready)
        ``rows`` (targeted - random per sigma; empty with fewer than 2 paired
        seeds), ``controls`` (random - control per sigma, same keys but no
        verdict), ``estimates`` (the mean differences per sigma, given even for
        one seed), ``seeds`` (those paired), ``sigmas``, ``family`` and
        ``note`` (why there is no interval, or None).

    Examples
    --------
    >>> acc = {"sigmas": [0.5], "targeted": {"seeds": [0, 1, 2], "accuracy": [[0.50], [0.52], [0.49]]},
    ...        "random": {"seeds": [0, 1, 2], "accuracy": [[0.46], [0.47], [0.47]]}}
    >>> row = augmentation_verdicts(acc)["rows"][0]
    >>> round(row["estimate"], 2), row["verdict"]
    (3.67, 'open')
    """
    from scipy.stats import t as student

    from ..verdict import family_level, verdict_row

    if isinstance(results, (str, Path)):
        results = json.loads(Path(results).read_text())
    if not isinstance(results, dict) or "sigmas" not in results:
        raise ValueError("results must be a results.json (or its dict) with sigmas and, per arm, accuracy and seeds")
    sigmas = [round(float(s), 2) for s in results["sigmas"]]
    own = None
    if paper is None:
        gain = paper_gain()
        paper = {round(s, 2): g for s, g in zip(gain["sigmas"], gain["gain"])}
        own = {round(s, 2): e for s, e in zip(gain["sigmas"], gain["stderr"])}
    paper = {round(float(s), 2): float(v) for s, v in paper.items()}
    listed = [j for j, s in enumerate(sigmas) if s in paper]
    arms = {
        arm: _by_seed(results[arm]) if isinstance(results.get(arm), dict) and "accuracy" in results[arm] else {}
        for arm in ("targeted", "random", "control")
    }  # an arm with no finished seed is absent from results.json
    seeds, diff = _paired_over_seeds(arms["targeted"], arms["random"])
    each = family_level(max(1, len(listed)), level)
    out = {
        "rows": [],
        "controls": [],
        "seeds": seeds,
        "sigmas": sigmas,
        "family": {
            "m": len(listed),
            "level": level,
            "each": each,
            "rule": "Bonferroni over the noise levels; Student's t over seeds",
        },
        "estimates": {"targeted - random": diff.mean(0).tolist() if len(seeds) else []},
        "note": None,
    }
    if len(seeds) < 2:
        out["note"] = (
            f"{len(seeds)} seed paired in both arms: no standard error over seeds yet, estimates only"
            if len(seeds) == 1
            else "no seed finished in both arms yet"
        )
    k = len(seeds)
    half = student.ppf((1 + each) / 2, k - 1) if k >= 2 else np.nan
    paper_half = student.ppf((1 + each) / 2, 8)
    for j in listed:
        s = sigmas[j]
        if k < 2:
            break
        d = diff[:, j]
        mean, stderr = float(d.mean()), float(d.std(ddof=1) / np.sqrt(k))
        extra = {"stderr": stderr, "level": each, "family": len(listed), "unit": "points", "sigma": s, "seeds": k}
        if own is not None:
            extra.update(
                paper_stderr=own[s], paper_low=paper[s] - paper_half * own[s], paper_high=paper[s] + paper_half * own[s]
            )
        out["rows"].append(
            verdict_row(
                f"targeted - random, sigma = {s:.1f}",
                mean,
                mean - half * stderr,
                mean + half * stderr,
                k,
                paper[s],
                **extra,
            )
        )
    if arms["control"]:
        seeds_c, diff_c = _paired_over_seeds(arms["random"], arms["control"])
        out["estimates"]["random - control"] = diff_c.mean(0).tolist() if len(seeds_c) else []
        if len(seeds_c) >= 2:
            half_c = student.ppf((1 + each) / 2, len(seeds_c) - 1)
            for j in listed:
                d = diff_c[:, j]
                mean, stderr = float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(seeds_c)))
                out["controls"].append(
                    {
                        "claim": f"random - control, sigma = {sigmas[j]:.1f}",
                        "estimate": mean,
                        "low": mean - half_c * stderr,
                        "high": mean + half_c * stderr,
                        "stderr": stderr,
                        "n": len(seeds_c),
                        "level": each,
                        "unit": "points",
                        "sigma": sigmas[j],
                    }
                )
    return out


def describe_verdicts(verdicts: dict) -> str:
    """One sentence on what :func:`augmentation_verdicts` found: seeds paired, verdict counts, seeds still needed.

    Written for chapters whose results grow while an experiment runs, so that
    the text printed beside the table always states the numbers of the run
    that made it.

    Parameters
    ----------
    verdicts : dict
        What :func:`augmentation_verdicts` returns.

    Returns
    -------
    str

    Examples
    --------
    >>> acc = {"sigmas": [0.5], "targeted": {"seeds": [0, 1, 2], "accuracy": [[0.50], [0.52], [0.49]]},
    ...        "random": {"seeds": [0, 1, 2], "accuracy": [[0.46], [0.47], [0.47]]}}
    >>> print(describe_verdicts(augmentation_verdicts(acc)))
    3 seeds paired (0, 1, 2); targeted - random at 1 noise level (each interval at 95%): 1 open; the open one would be settled by about 12 seeds per arm (sigma = 0.5).
    """
    seeds = list(verdicts.get("seeds", []))
    rows = verdicts.get("rows", [])
    paired = f"{len(seeds)} seed{'s' if len(seeds) != 1 else ''} paired" + (
        f" ({', '.join(map(str, seeds))})" if seeds else ""
    )
    if not rows:
        return f"{paired}: no interval over seeds yet (it needs at least 2 seeds in both arms), estimates only."
    counts = {v: sum(r["verdict"] == v for r in rows) for v in ("agrees", "differs", "no effect", "open")}
    family = verdicts.get("family", {})
    m = family.get("m", len(rows))
    text = (
        f"{paired}; targeted - random at {m} noise level{'s' if m != 1 else ''} (each interval at "
        f"{100 * family.get('each', rows[0].get('level', 0.95)):.4g}%): "
        + ", ".join(f"{c} {v}" for v, c in counts.items() if c)
    )
    open_rows = [r for r in rows if r["verdict"] == "open"]
    if open_rows:
        needed = sorted(r["n_needed"] for r in open_rows)
        span = f"about {needed[0]}" if needed[0] == needed[-1] else f"{needed[0]} to {needed[-1]}"
        most = max(open_rows, key=lambda r: r["n_needed"])
        which = "the open one" if len(open_rows) == 1 else "the open ones"
        text += f"; {which} would be settled by {span} seeds per arm (sigma = {most['sigma']:.1f}"
        text += ")." if len(open_rows) == 1 else " needs the most)."
    else:
        text += "; none is open."
    return text
