"""Accuracy under localisation noise: networks tested on noisy sets, arms compared in tables of accuracies
and of differences, and :func:`augmentation_experiment`, which trains the arms from a base network's scores with
any recipe (chapter 10 fine-tunes the shipped network) and tests them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import _files
from ..data import TrajectoryDataset, make_dataset
from ..paper import SIGMAS as PAPER_SIGMAS
from ..simulate.classes import CLASSES
from .copies import attribution_score, training_sets


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

    Every network trains in one arithmetic: ``precision="auto"`` is resolved
    once, to the one the runs already in ``out_dir`` trained in if any
    (:func:`~resandi_lite.train.shared_precision`).

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
    from ..train import BEST, TrainConfig, fit, pick_device, shared_precision

    if not isinstance(test_seed, (int, np.integer)) or isinstance(test_seed, bool):
        raise TypeError(f"test_seed must be an integer, got {test_seed!r}")
    out_dir = Path(out_dir)
    config = config or TrainConfig(preset="lite")
    if config.precision == "auto" and config.amp:  # one arithmetic for every network: the one already used, if any
        runs = sorted(p for p in out_dir.glob("*-seed*") if p.is_dir())
        config = dataclasses.replace(
            config, precision=shared_precision(runs, "auto", pick_device(config.device)).precision
        )
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
