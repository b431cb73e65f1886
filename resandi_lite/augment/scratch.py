"""The paper's protocol with every network trained from scratch (:func:`from_scratch`), resumable and shared by
several processes; its results gathered (:func:`collect_results`), shipped in the package (:func:`ship_results`,
:data:`FROM_SCRATCH`) and read back (:func:`load_from_scratch`)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .. import _files
from ..data import TrajectoryDataset, make_dataset
from ..paper import SIGMAS as PAPER_SIGMAS
from ..simulate.classes import CLASSES
from .copies import attribution_score, training_sets
from .robustness import noise_robustness

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

    Every network trains in the same arithmetic: ``precision="auto"`` is
    resolved once per experiment, to the precision its networks already
    trained in if any (:func:`~resandi_lite.train.shared_precision`), and
    recorded as ``precision`` in ``experiment.json``; an experiment continued
    on a machine where ``"auto"`` would measure otherwise keeps it.

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
    # every network of the experiment trains in one arithmetic, pinned by its first (or recorded in experiment.json)
    config = dataclasses.replace(config, precision=_experiment_precision(out_dir, config, say))
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


def _experiment_precision(out_dir: Path, config, say) -> str:
    """The arithmetic of every network of the experiment in ``out_dir``: recorded in ``experiment.json``, else chosen.

    With ``config.precision`` ``"auto"``, the choice is the precision the
    experiment's networks already trained in (read from their ``log.json``),
    else measured (:func:`~resandi_lite.train.shared_precision`); it is
    recorded under ``precision`` in ``experiment.json``, under a lock, so that
    processes sharing the experiment agree.
    """
    from filelock import FileLock

    from ..train import pick_device, shared_precision

    if config.precision != "auto" or not config.amp:
        return config.precision if config.amp else "fp32"
    path = out_dir / "experiment.json"
    with FileLock(out_dir / "experiment.json.lock"):
        stored = json.loads(path.read_text())
        if stored.get("precision") in ("fp32", "bf16", "fp16"):
            precision, why = stored["precision"], "recorded in experiment.json"
        else:
            runs = sorted(p for p in out_dir.iterdir() if p.is_dir())
            choice = shared_precision(runs, "auto", pick_device(config.device))
            precision, why = choice.precision, str(choice).partition(" ")[2]
            _files.write_json(path, {**stored, "precision": precision})
    say(f"every network of this experiment trains in {precision} {why}")
    return precision


def _check_experiment(out_dir: Path, settings: dict) -> None:
    """Record the settings in ``experiment.json``, or refuse to continue an experiment made with others.

    An ``experiment.json`` written before a field was added to the training
    config compares as if it had that field's default; its recorded
    ``precision`` (see :func:`_experiment_precision`) is not a setting.  First
    removes the temporary files that killed writes of this module left (of
    dead processes only).
    """
    from ..train import TrainConfig

    for folder in (out_dir, *out_dir.glob("*/")):  # temporary files of killed writes (this package's only)
        _files.remove_stale_parts(folder, lambda name: name in _OWN_FILES, legacy=lambda name: name in _OWN_PARTS)
    path = out_dir / "experiment.json"
    settings = json.loads(json.dumps(settings))
    if path.exists():
        try:
            stored = json.loads(path.read_text())
        except ValueError:
            raise ValueError(f"{path} is not valid JSON: repair or remove it") from None
        stored.pop("precision", None)
        if isinstance(stored.get("config"), dict):
            stored["config"] = TrainConfig.saved_dict(stored["config"])
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
