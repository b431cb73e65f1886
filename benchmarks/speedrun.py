"""Time to accuracy: the lite network trained from scratch with a named recipe, tested at regular intervals.

    python benchmarks/speedrun.py --recipe fast --seeds 0,1 --minutes 60 --threads 2 --reference cpu
    python benchmarks/speedrun.py --recipe fast --seeds 0,1 --ablate ema=0,optimizer=adam,num_workers=0
    python benchmarks/speedrun.py --table            # the arms measured so far, as a markdown table
    python benchmarks/speedrun.py --ship             # the same, and a copy for the book (chapter 6)
    python benchmarks/speedrun.py --smoke            # tiny sizes, about a minute: checks the machinery

Issue 29's question: does the ``lite`` network reach the paper's 90.36% on
fresh varying-length trajectories from random initialisation within an hour
of wall time on a two-core CPU?  Each *arm* (a recipe of
:data:`resandi_lite.train.RECIPES`, optionally with fields changed by
``--set``) trains one network per seed, stopped after ``--minutes`` of
training time or at the recipe's ``max_epochs``.  Every ``--eval-every``
minutes of training time the network as it stands is tested on one fixed set
of fresh trajectories (``--test-per-class`` per class, 8,000 by default, the
same set for every arm and seed), plainly and averaged over the eight exact
symmetries of the input (:func:`resandi_lite.evaluate.predict_logits` with
``symmetrize=True``).

Clocks
------
``train_seconds`` is the time the recipe itself took: setting up the run
(the validation set, the precision probe), simulating the training data,
the training steps, the recipe's own validations and BatchNorm
recomputations (each epoch's ``seconds`` in the run's log, saved in its
checkpoint, so it survives an interruption).  A curve point's ``seconds``
adds ``finalize_seconds``, the cost of turning the weights of that moment
into the network that is tested (the exact BatchNorm statistics of
``bn_batches`` fresh batches, on a copy): the time a run stopped there would
have taken.  The test evaluations themselves (``eval_seconds``) are left out
of both, and counted in ``wall_seconds``, the elapsed time of everything.

Results
-------
One JSON per arm and seed, ``<out>/<arm>-seed<k>.json`` (written atomically
after every point, and locked while a process trains it; the network's run
folder is ``<out>/<arm>-seed<k>/``): the machine (CPU model, bfloat16 flags,
threads, torch, the precision and why), the curve (``seconds``,
``train_seconds``, ``wall_seconds``, ``samples`` seen, test ``accuracy`` and
``accuracy_symmetrized``), the time and samples to the target (first crossing,
and linearly interpolated between the points around it), the final test
accuracy with its binomial standard error, and whether the last point's
network classified each test trajectory correctly (``final_correct``, one
bit per trajectory), so that runs can still be paired once their
checkpoints, which are not committed, are gone.  An interrupted arm resumes from
its checkpoint (re-simulating the part of its epoch already trained, which
its clock counts); a finished one is read back, not trained again (a larger
``--minutes`` continues one stopped by the budget).  The summary (median over
seeds of the time to target) is printed and written to ``<out>/summary.json``.

``--ablate a=1,b=2`` also trains one arm per item, the base arm with that one
field changed; ``--table`` prints every arm's median time to target and
final accuracy beside its base arm's, the table of each ingredient's effect.
Wall times on a shared machine are noisy: compare arms measured in the same
period, and over two seeds or more.
"""

from __future__ import annotations

import argparse
import base64
import copy
import dataclasses
import hashlib
import json
import math
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from resandi_lite import _files, paper
from resandi_lite.data import load_dataset, make_dataset
from resandi_lite.evaluate import predict_logits
from resandi_lite.train import RECIPES, TrainConfig, TrainingRun, bf16_flags, cpu_model, recompute_batchnorm
from resandi_lite.train.streams import _bn_inputs

#: The overrides of ``--smoke`` (every arm): a few hundred trajectories, seconds per arm.
SMOKE = dict(
    train_per_class=64,
    val_per_class=8,
    batch_size=64,
    max_epochs=3,
    bn_batches=2,
    checkpoint_every=4,
    warmup_epochs=0.5,
)
#: What must match for an arm's JSON to be continued (``minutes`` and ``target`` may change).
SETTINGS = ("config", "eval_every", "test")
#: What must match for an arm measured already (:func:`measured`) to be read back: the cadence of the test
#: points does not change what was trained.
READ_BACK = ("config", "test")


def measured(result: dict, minutes: float) -> bool:
    """Whether an arm's ``result`` is measured already for a budget of ``minutes``: trained to ``max_epochs``,
    or to a budget at least that long."""
    return bool(result.get("finished")) and (
        result.get("stopped") == "max_epochs" or result["curve"][-1]["train_seconds"] >= minutes * 60
    )


@dataclasses.dataclass(frozen=True)
class Arm:
    """A recipe with some fields changed (``changes``, part of the name) and others (``overrides``, not)."""

    recipe: str
    changes: tuple = ()  # ((field, value), ...) in the order given
    overrides: tuple = ()

    @property
    def name(self) -> str:
        return self.recipe + "".join(f"+{k}={_text(v)}" for k, v in self.changes)

    def config(self, seed: int) -> TrainConfig:
        return TrainConfig.recipe(self.recipe, **{**dict(self.overrides), **dict(self.changes), "seed": seed})


def _text(value) -> str:
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def parse_changes(text: str) -> list[tuple[str, object]]:
    """``"ema=0,optimizer=adam"`` as ``[("ema", 0.0), ("optimizer", "adam")]``, typed as the TrainConfig fields.

    Raises
    ------
    ValueError
        For an item without ``=``, a name that is not a field of
        :class:`~resandi_lite.train.TrainConfig`, or a value of the wrong kind.
    """
    fields = {f.name: f for f in dataclasses.fields(TrainConfig)}
    changes = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sign, value = (p.strip() for p in item.partition("="))
        if not sign or name not in fields:
            raise ValueError(f"expected FIELD=VALUE items with a TrainConfig field ({', '.join(fields)}), got {item!r}")
        changes.append((name, _typed(name, value, getattr(TrainConfig(), name))))
    return changes


def _typed(name: str, text: str, default):
    """``text`` as a value of the field ``name`` (whose default is ``default``)."""
    try:
        if isinstance(default, bool):
            if text.lower() not in ("true", "false", "1", "0"):
                raise ValueError
            return text.lower() in ("true", "1")
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            return float(text)
        if name == "length":
            return text if text == "varying" else int(text)
    except ValueError:
        raise ValueError(f"{name} must be a {type(default).__name__}, got {text!r}") from None
    return text


def time_to_target(curve: list[dict], target: float, key: str = "accuracy") -> dict | None:
    """When a curve first reaches ``target``: ``None`` if it never does.

    Parameters
    ----------
    curve : list of dict
        Points in order, each with ``seconds``, ``samples`` and ``key``.
    target : float
        An accuracy in [0, 1].
    key : str
        ``"accuracy"`` or ``"accuracy_symmetrized"``.

    Returns
    -------
    dict or None
        ``seconds`` and ``samples`` of the first point at or above the target
        (an upper bound, at the resolution of the points), and
        ``interpolated_seconds`` and ``interpolated_samples``, linearly
        interpolated between that point and the one before it (the point
        itself if it is the first).

    Examples
    --------
    >>> curve = [{"seconds": 60, "samples": 100, "accuracy": 0.8}, {"seconds": 120, "samples": 200, "accuracy": 0.9}]
    >>> {key: round(value, 9) for key, value in time_to_target(curve, 0.85).items()}
    {'seconds': 120, 'samples': 200, 'interpolated_seconds': 90.0, 'interpolated_samples': 150.0}
    """
    before = None
    for point in curve:
        if point[key] >= target:
            if before is None:
                fraction = 1.0
                before = point
            else:
                fraction = (target - before[key]) / (point[key] - before[key])
            return {
                "seconds": point["seconds"],
                "samples": point["samples"],
                "interpolated_seconds": before["seconds"] + fraction * (point["seconds"] - before["seconds"]),
                "interpolated_samples": before["samples"] + fraction * (point["samples"] - before["samples"]),
            }
        before = point
    return None


def binomial_stderr(accuracy: float, n: int) -> float:
    """The standard error of an accuracy measured on ``n`` independent trials: ``sqrt(p (1 - p) / n)``."""
    return math.sqrt(accuracy * (1 - accuracy) / n)


def median_time(results: list[dict], key: str = "accuracy", field: str = "interpolated_seconds") -> float:
    """The median over seeds of ``field`` of the time to target (``inf`` for a seed that never reached it)."""
    values = [(r["time_to_target"].get(key) or {}).get(field, math.inf) for r in results]
    return statistics.median(values) if values else math.nan


def summarize(result: dict) -> dict:
    """Add ``time_to_target`` and ``final`` (accuracy and binomial standard error) computed from the curve."""
    curve, n = result["curve"], result["test"]["n"]
    result["time_to_target"] = {
        key: time_to_target(curve, result["target"], key) for key in ("accuracy", "accuracy_symmetrized")
    }
    if curve:
        last = curve[-1]
        result["final"] = {
            "seconds": last["seconds"],
            "samples": last["samples"],
            **{key: last[key] for key in ("accuracy", "accuracy_symmetrized")},
            "stderr": binomial_stderr(last["accuracy"], n),
            "stderr_symmetrized": binomial_stderr(last["accuracy_symmetrized"], n),
        }
    return result


def load_test_set(out: Path, per_class: int, length, seed: int, jobs: int):
    """The fixed test set: simulated once, kept as ``<out>/test-<length>-<per_class>-seed<seed>.npz``."""
    path = out / f"test-{length}-{per_class}-seed{seed}.npz"
    if path.exists():
        return load_dataset(path)
    start = time.perf_counter()
    ds = make_dataset(per_class, length, 0.0, seed=seed, n_jobs=jobs, progress=True)
    ds.save(path)
    print(f"simulated the test set ({len(ds)} trajectories) in {time.perf_counter() - start:.0f} s: {path}")
    return ds


def tested_network(run: TrainingRun) -> torch.nn.Module:
    """The network a run stopped now would return: a copy of its evaluated weights (the average, with ``ema``)
    with the exact BatchNorm statistics of ``bn_batches`` batches drawn from its seed and epoch."""
    net = copy.deepcopy(run.evaluated)
    if run.config.bn_batches:
        recompute_batchnorm(net, _bn_inputs(run.config, run.train, run.state.epoch, 0))
    return net


def final_network(result: dict, out: Path) -> torch.nn.Module:
    """The network an arm's last curve point tested, rebuilt from the checkpoint in its run folder.

    Raises
    ------
    ValueError
        If the run folder's checkpoint is not where the last point was taken
        (the arm went on training after it, or the folder was replaced).
    """
    config = TrainConfig(**TrainConfig.saved_dict(result["config"]))
    run_dir = out / f"{result['arm']}-seed{result['seed']}"
    run = TrainingRun.start(config, run_dir, resume=True, progress=False)
    last = result["curve"][-1]
    if (run.state.epoch, run.state.batch) != (last["epoch"], last["batch"]):
        raise ValueError(
            f"{run_dir} is at epoch {run.state.epoch}, batch {run.state.batch}, not at the last point's "
            f"epoch {last['epoch']}, batch {last['batch']}"
        )
    return tested_network(run)


#: The two ways a network is tested: plainly, and averaged over the eight symmetries of the input.
TESTS = (("accuracy", False), ("accuracy_symmetrized", True))


def correct_on(net: torch.nn.Module, test, device=None) -> dict:
    """Whether ``net`` classifies each of ``test``'s trajectories correctly, per way of testing (:data:`TESTS`)."""
    return {
        key: predict_logits(net, test.X, device=device, symmetrize=symmetrize).argmax(1) == test.y
        for key, symmetrize in TESTS
    }


def fingerprint(test) -> str:
    """The identity of a test set: the first 16 hex digits of the SHA-256 of its trajectories and labels."""
    digest = hashlib.sha256(np.ascontiguousarray(test.X).tobytes())
    digest.update(np.ascontiguousarray(test.y, dtype=np.int64).tobytes())
    return digest.hexdigest()[:16]


def keep(correct: dict, test, point: dict) -> dict:
    """:func:`correct_on` as a run's JSON keeps it: one bit per trajectory (base64), with the test set's
    :func:`fingerprint` and the curve point (``epoch``, ``batch``) it belongs to."""
    return {
        "test": fingerprint(test),
        "n": len(test.y),
        "epoch": point["epoch"],
        "batch": point["batch"],
        **{key: base64.b64encode(np.packbits(correct[key])).decode("ascii") for key, _ in TESTS},
    }


def kept(result: dict, test) -> dict | None:
    """The :func:`correct_on` a run's JSON keeps for its last curve point on ``test`` (:func:`keep`); ``None`` if
    it keeps none, keeps another point's, or was tested on another set."""
    stored, last = result.get("final_correct"), result["curve"][-1]
    at = (last["epoch"], last["batch"])
    if not stored or stored["test"] != fingerprint(test) or (stored["epoch"], stored["batch"]) != at:
        return None
    bits = {key: np.frombuffer(base64.b64decode(stored[key]), dtype=np.uint8) for key, _ in TESTS}
    return {key: np.unpackbits(b, count=stored["n"]).astype(bool) for key, b in bits.items()}


def final_correct(result: dict, out: Path, test) -> dict:
    """:func:`correct_on` for an arm's final network (:func:`final_network`), checked against its curve.

    Raises
    ------
    ValueError
        If the rebuilt network does not score what the curve's last point recorded.
    """
    correct = correct_on(final_network(result, out), test)
    for key, _ in TESTS:
        if abs(correct[key].mean() - result["curve"][-1][key]) > 1 / len(correct[key]):
            raise ValueError(
                f"the rebuilt network scores {correct[key].mean():.4f}, the curve recorded {result['curve'][-1][key]}"
            )
    return correct


def kept_correct(result: dict, out: Path, test) -> dict | None:
    """An arm's final :func:`correct_on`: as its JSON keeps it, or from its checkpoint (:func:`final_correct`),
    then kept in its JSON, so the comparison outlives the checkpoint; ``None`` if neither is there.

    Checkpoints are not committed (they are large), so a run measured on
    another machine can be paired only through what its JSON keeps.
    """
    correct = kept(result, test)
    if correct is not None:
        return correct
    name = f"{result['arm']}-seed{result['seed']}"
    if not (out / name / "checkpoint.pt").exists():
        return None
    from filelock import FileLock, Timeout

    correct = final_correct(result, out, test)
    try:  # the lock of run_arm: a process continuing the arm writes its JSON, and keeps its own predictions
        with FileLock(out / f"{name}.lock").acquire(timeout=0):
            stored = _files.read_json(out / f"{name}.json", remedy="delete it to measure the arm again")
            if stored and stored.get("curve") and stored["curve"][-1] == result["curve"][-1]:
                stored["final_correct"] = keep(correct, test, result["curve"][-1])
                _files.write_json(out / f"{name}.json", stored)
    except Timeout:
        pass
    return correct


def paired(a: dict, b: dict) -> dict:
    """Network ``a`` minus network ``b`` on the same trajectories (each from :func:`correct_on`), per way of
    testing: the difference of accuracies in points (``difference``, ``difference_symmetrized``), its paired
    standard error (``stderr...``) and McNemar's exact p (``mcnemar_p...``)."""
    from resandi_lite.layerwise.ablation import paired_difference
    from resandi_lite.verdict import mcnemar

    out = {}
    for key, _ in TESTS:
        difference, stderr = paired_difference(a[key], b[key])
        suffix = key.removeprefix("accuracy")
        out |= {
            f"difference{suffix}": difference,
            f"stderr{suffix}": stderr,
            f"mcnemar_p{suffix}": mcnemar(a[key], b[key])["p"],
        }
    return out


def versus_shipped(ours: dict, shipped: dict, name: str = "lite") -> dict:
    """An arm's final network against the shipped network ``name`` on the same test set, paired.

    ``ours`` and ``shipped`` are the two networks' :func:`correct_on`.  Returns
    the difference of accuracies (arm minus shipped, in points) with its
    paired standard error and McNemar's exact p, plainly and averaged over the
    eight symmetries (:func:`paired`), and what averaging over the symmetries
    gains the arm's network (``symmetry_gain``, in points, paired).
    """
    from resandi_lite.layerwise.ablation import paired_difference

    comparison = {"network": name} | {f"shipped_{key}": float(shipped[key].mean()) for key, _ in TESTS}
    gain, stderr = paired_difference(ours["accuracy_symmetrized"], ours["accuracy"])
    return comparison | paired(ours, shipped) | {"symmetry_gain": gain, "symmetry_gain_stderr": stderr}


def versus_arms(results: dict[str, list[dict]], finals: dict, earlier: list[dict] = ()) -> list[dict]:
    """Every run of an arm against every run of each later arm (in the order of ``results``, as
    :func:`read_results` reads them: a base before its ablations), on the same test set, paired.

    ``finals`` maps ``(arm, seed)`` to the final network's :func:`correct_on`,
    or to ``None`` where it is lost (:func:`kept_correct`).  Each entry names
    its two runs (``a`` and ``b``: ``{"arm", "seed"}``) and holds ``a`` minus
    ``b`` (:func:`paired`).  The seeds of two recipes share nothing, so every
    cross pair is listed, not only equal seeds.  A pair with a lost side is
    taken from ``earlier`` (pairs computed before on the same test set) where
    it is there, and left out otherwise.
    """
    pairs, before = [], {_names(p): p for p in earlier}
    for first, a, second, b in cross_pairs(results):
        x, y = finals[first, a["seed"]], finals[second, b["seed"]]
        named = {"a": {"arm": first, "seed": a["seed"]}, "b": {"arm": second, "seed": b["seed"]}}
        if x is not None and y is not None:
            pairs.append(named | paired(x, y))
        elif _same_finals(before.get(_names(named)), a, b):
            pairs.append(before[_names(named)])
    return pairs


def cross_pairs(results: dict[str, list[dict]]):
    """``(first arm, its run, second arm, its run)`` for every run of an arm and every run of each later arm."""
    names = list(results)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            for a in results[first]:
                for b in results[second]:
                    yield first, a, second, b


def _names(pair: dict) -> tuple:
    return pair["a"]["arm"], pair["a"]["seed"], pair["b"]["arm"], pair["b"]["seed"]


def _same_finals(pair: dict | None, a: dict, b: dict) -> bool:
    """Whether an earlier ``pair`` is of runs that ended where ``a`` and ``b`` end (not continued since)."""
    return pair is not None and all(
        math.isclose(
            pair[f"difference{s}"], 100 * (a["final"][f"accuracy{s}"] - b["final"][f"accuracy{s}"]), abs_tol=1e-6
        )
        for s in ("", "_symmetrized")
    )


class Speedrun:
    """One arm and seed: its run, its JSON, its clocks and the evaluations between batches."""

    def __init__(self, arm: Arm, seed: int, args, test):
        self.arm, self.seed, self.args, self.test = arm, seed, args, test
        self.config = arm.config(seed)
        self.path = args.out / f"{arm.name}-seed{seed}.json"
        self.run_dir = args.out / f"{arm.name}-seed{seed}"
        self.session = time.perf_counter()
        settings = {
            "config": self.config.to_dict(),
            "eval_every": args.eval_every,
            "test": {
                "per_class": args.test_per_class,
                "n": len(test),
                "seed": args.test_seed,
                "length": self.config.length,
            },
        }
        stored = _files.read_json(self.path, remedy="delete it and its run folder to measure the arm again")
        if stored is not None:
            stored = {**stored, "config": TrainConfig.saved_dict(stored["config"])}
            compared = READ_BACK if measured(stored, args.minutes) else SETTINGS
            changed = [k for k in compared if stored.get(k) != settings[k]]
            if changed:
                raise ValueError(
                    f"{self.path} was measured with other settings ({', '.join(changed)} differ); use another --out"
                )
        self.result = stored or {
            "arm": arm.name,
            "recipe": arm.recipe,
            "changes": {k: v for k, v in arm.changes},
            "seed": seed,
            **settings,
            "curve": [],
            "wall_seconds": 0.0,
            "sessions": 0,
            "finished": False,
        }
        self.result.update(target=args.target, minutes=args.minutes)
        self.wall_before = self.result["wall_seconds"]

    # -- clocks ---------------------------------------------------------------------------------------------
    def train_seconds(self, run: TrainingRun) -> float:
        """Setup plus the run's own clock: its finished epochs and the current one, as saved in its checkpoint."""
        return self.result["setup_seconds"] + sum(e["seconds"] for e in run.state.history) + run.state.seconds

    @staticmethod
    def samples(run: TrainingRun) -> int:
        return sum(e["samples"] for e in run.state.history) + run.state.running[2]

    def wall(self) -> float:
        return self.wall_before + time.perf_counter() - self.session

    def due(self, run: TrainingRun) -> bool:
        """Whether the next test point is due (every ``eval_every`` minutes of training time)."""
        done = len(self.result["curve"])
        return self.train_seconds(run) >= (done + 1) * self.args.eval_every * 60

    def over_budget(self, run: TrainingRun) -> bool:
        return self.train_seconds(run) >= self.args.minutes * 60

    # -- measuring ------------------------------------------------------------------------------------------
    def point(self, run: TrainingRun) -> dict:
        """Test the network as it stands (on a copy with exact BatchNorm statistics), save, record, print."""
        run.save()  # a resumed arm continues from this very point
        start = time.perf_counter()
        net = tested_network(run)
        finalize = time.perf_counter() - start
        correct = correct_on(net, self.test, run.device)
        train_seconds = self.train_seconds(run)
        entry = {
            "seconds": train_seconds + finalize,
            "train_seconds": train_seconds,
            "finalize_seconds": finalize,
            "eval_seconds": time.perf_counter() - start - finalize,
            "samples": self.samples(run),
            "epoch": run.state.epoch,
            "batch": run.state.batch,
            "lr": run.optimizer.param_groups[0]["lr"],
            **{key: float(np.mean(correct[key])) for key, _ in TESTS},
        }
        entry["wall_seconds"] = self.wall()
        self.result["curve"].append(entry)
        # the last point's predictions: the arm can be paired after its checkpoint is gone (kept_correct)
        self.result["final_correct"] = keep(correct, self.test, entry)
        self.write()
        print(
            f"{self.arm.name} seed {self.seed}: {entry['seconds'] / 60:6.2f} min, {entry['samples']:>11,} samples "
            f"| test {100 * entry['accuracy']:.2f}% (symmetrized {100 * entry['accuracy_symmetrized']:.2f}%) "
            f"| wall {entry['wall_seconds'] / 60:.1f} min",
            flush=True,
        )
        return entry

    def write(self) -> None:
        self.result["wall_seconds"] = self.wall()
        _files.write_json(self.path, summarize(self.result))

    def after_batch(self, run: TrainingRun) -> bool:
        """Between batches: a test point when one is due; ``True`` (stop) once the budget is spent.

        After an epoch's last batch the point waits for the epoch's end (its
        validation and BatchNorm statistics), where :meth:`train` takes it.
        """
        if self.over_budget(run):
            return True
        if self.due(run) and run.state.batch < math.ceil(len(run.train) / run.config.batch_size):
            self.point(run)
        return False

    # -- the arm --------------------------------------------------------------------------------------------
    def start(self) -> TrainingRun:
        # nothing trained yet, killed before the first checkpoint, or the JSON lost: start afresh
        resume = (self.run_dir / "checkpoint.pt").exists() and "setup_seconds" in self.result
        if not resume:
            self.result.update(curve=[], wall_seconds=0.0, sessions=0)
            self.wall_before = 0.0
        self.result["finished"] = False
        start = time.perf_counter()
        run = TrainingRun.start(self.config, self.run_dir, resume=resume, overwrite=not resume, progress=True)
        if not resume:
            self.result["setup_seconds"] = time.perf_counter() - start
        # points measured after the checkpoint (killed before the next one) are measured again
        at = (run.state.epoch, run.state.batch)
        self.result["curve"] = [p for p in self.result["curve"] if (p["epoch"], p["batch"]) <= at]
        self.result["sessions"] += 1
        self.result["machine"] = {
            "cpu": cpu_model(),
            "bf16_flags": bf16_flags(),
            "threads": torch.get_num_threads(),
            "torch": torch.__version__,
            "device": str(run.device),
            "precision": run.precision,
            "precision_reason": str(run.precision_choice),
        }
        return run

    def train(self) -> dict:
        """Train (or continue) the arm until the budget or ``max_epochs``; returns its result."""
        run = self.start()
        print(
            f"{self.arm.name} seed {self.seed}: {self.result['machine']['cpu']}, bf16 flags "
            f"{', '.join(self.result['machine']['bf16_flags']) or 'none'}, {torch.get_num_threads()} threads, "
            f"precision {run.precision_choice}, torch {torch.__version__}",
            flush=True,
        )
        while not run.finished and not self.over_budget(run):
            if not run.train_epoch(after_batch=self.after_batch):
                break
            run.end_epoch(run.validate())
            if not run.finished and self.due(run) and not self.over_budget(run):
                self.point(run)
        last = self.result["curve"][-1] if self.result["curve"] else None
        if last is None or (last["epoch"], last["batch"]) != (run.state.epoch, run.state.batch):
            self.point(run)
        self.result.update(finished=True, stopped="max_epochs" if run.finished else "budget")
        self.result["samples_per_second"] = self.samples(run) / max(self.train_seconds(run), 1e-9)
        self.write()
        return self.result

    def finished(self) -> bool:
        """Measured already: trained to ``max_epochs``, or to a budget at least as long as this one."""
        return measured(self.result, self.result["minutes"])


def run_arm(arm: Arm, seed: int, args, test) -> dict | None:
    """Measure one arm and seed, or read it back; ``None`` if another process is measuring it."""
    from filelock import FileLock, Timeout

    args.out.mkdir(parents=True, exist_ok=True)
    lock = FileLock(args.out / f"{arm.name}-seed{seed}.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        print(f"{arm.name} seed {seed}: another process is measuring it, skipped here")
        return None
    try:
        speedrun = Speedrun(arm, seed, args, test)
        if speedrun.finished():
            print(f"{arm.name} seed {seed}: measured already ({speedrun.path})")
            return summarize(speedrun.result)
        return speedrun.train()
    finally:
        lock.release()


def default_target(length) -> float:
    """The paper's accuracy for the protocol: 90.36% for varying lengths, 94.89% for a fixed length."""
    return (paper.ACCURACY_VARYING if length == "varying" else paper.ACCURACY_FIXED) / 100


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _minutes(seconds: float | None, unit: str = "") -> str:
    return "not reached" if seconds is None else f"{seconds / 60:.1f}{unit}"


def summary(results: dict[str, list[dict]]) -> dict:
    """Per arm: seeds, median time and samples to target (plain and symmetrized), mean final accuracy."""
    out = {}
    for name, runs in results.items():
        out[name] = {
            "seeds": [r["seed"] for r in runs],
            "changes": runs[0]["changes"],
            "recipe": runs[0]["recipe"],
            "target": runs[0]["target"],
            **{  # None: the median seed did not reach the target
                f"median_{field}{suffix}": _finite(median_time(runs, key, f"interpolated_{field}"))
                for key, suffix in (("accuracy", ""), ("accuracy_symmetrized", "_symmetrized"))
                for field in ("seconds", "samples")
            },
            "final_accuracy": float(np.mean([r["final"]["accuracy"] for r in runs])),
            "final_accuracy_symmetrized": float(np.mean([r["final"]["accuracy_symmetrized"] for r in runs])),
            # the seeds share one test set: its sampling error is one network's binomial standard error
            "final_stderr": float(np.mean([r["final"]["stderr"] for r in runs])),
        }
    return out


def table(rows: dict) -> str:
    """The markdown table of arms: median minutes and samples to target, final accuracy, and the changes against
    the arm's base (:func:`base_of`), which makes it the table of ingredients.

    Against its base, an arm shows the change of the median minutes to target (plainly and with the
    symmetries; ``n/a`` where either median was not reached) and of the mean final accuracy over seeds (in
    points, plainly and with the symmetries).

    Examples
    --------
    >>> rows = {
    ...     name: {"recipe": "cpu", "changes": changes, "seeds": [0, 1], "median_seconds": plain,
    ...            "median_seconds_symmetrized": sym, "median_samples": None, "final_accuracy": acc,
    ...            "final_accuracy_symmetrized": acc + 0.01, "final_stderr": 0.0034}
    ...     for name, changes, plain, sym, acc in (("cpu", {}, None, 3462.0, 0.8935),
    ...                                            ("cpu+max_epochs=25", {"max_epochs": 25}, 3400.0, 3280.0, 0.9050))
    ... }
    >>> print(table(rows).splitlines()[3])
    | cpu+max_epochs=25 | 2 | 56.7 | 54.7 | not reached | 90.50% ± 0.34 (91.50% symmetrized) | n/a / -3.0 | +1.15 / +1.15 |
    """
    lines = [
        "| arm | seeds | minutes to target | with symmetries | M samples to target | final accuracy | "
        "minutes vs base (plain / sym.) | points vs base (plain / sym.) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, row in rows.items():
        base = base_of(name, rows)
        versus = ("", "") if base is None else _delta(row, rows[base])
        samples = row["median_samples"]
        lines.append(
            f"| {name} | {len(row['seeds'])} | {_minutes(row['median_seconds'])} | "
            f"{_minutes(row['median_seconds_symmetrized'])} | "
            f"{'not reached' if samples is None else f'{samples / 1e6:.2f}'} | "
            f"{100 * row['final_accuracy']:.2f}% ± {100 * row['final_stderr']:.2f} "
            f"({100 * row['final_accuracy_symmetrized']:.2f}% symmetrized) | {versus[0]} | {versus[1]} |"
        )
    return "\n".join(lines)


def base_of(name: str, rows: dict) -> str | None:
    """The arm ``name`` was measured against: of the same recipe, with changes a proper subset of its own (the
    most of them); ``None`` for a base arm.  With ``--set lr=1e-3 --ablate ema=0`` the base of
    ``fast+lr=0.001+ema=0.0`` is ``fast+lr=0.001``, not ``fast``.

    Examples
    --------
    >>> rows = {
    ...     "fast": {"recipe": "fast", "changes": {}},
    ...     "fast+lr=0.001": {"recipe": "fast", "changes": {"lr": 0.001}},
    ...     "fast+lr=0.001+ema=0.0": {"recipe": "fast", "changes": {"lr": 0.001, "ema": 0.0}},
    ... }
    >>> [base_of(name, rows) for name in rows]
    [None, 'fast', 'fast+lr=0.001']
    """
    row = rows[name]
    own = {(k, repr(v)) for k, v in row["changes"].items()}
    subsets = [
        (len(r["changes"]), other)
        for other, r in rows.items()
        if r["recipe"] == row["recipe"] and {(k, repr(v)) for k, v in r["changes"].items()} < own
    ]
    return max(subsets)[1] if subsets else None


def _delta(row: dict, base: dict) -> tuple[str, str]:
    """An arm's change against its base: minutes to target and final accuracy, plainly and with symmetries."""
    minutes = []
    for suffix in ("", "_symmetrized"):
        a, b = row[f"median_seconds{suffix}"], base[f"median_seconds{suffix}"]
        minutes.append("n/a" if a is None or b is None else f"{(a - b) / 60:+.1f}")
    points = [f"{100 * (row[f'final_accuracy{s}'] - base[f'final_accuracy{s}']):+.2f}" for s in ("", "_symmetrized")]
    return " / ".join(minutes), " / ".join(points)


def read_results(out: Path) -> dict[str, list[dict]]:
    """Every finished arm's JSON in ``out``, grouped by arm (each recomputed from its curve).

    Arms come in the order of their number of changes, then of their file names: the recipes themselves
    first, then the arms with one field changed, and so on, so that an arm follows its base (and keeps its
    place, and its colour in the book's figure, when an ablation is added).
    """
    results = {}
    for path in sorted(out.glob("*-seed*.json")):
        r = _files.read_json(path, remedy="delete it to measure the arm again")
        if r and r.get("finished") and r.get("curve"):
            results.setdefault(r["arm"], []).append(summarize(r))
    return dict(sorted(results.items(), key=lambda item: len(item[1][0]["changes"])))


#: Where ``--ship`` writes what the book reads (:func:`resandi_lite.pretrained.speedrun`).
SHIPPED = Path(__file__).resolve().parents[1] / "resandi_lite" / "pretrained" / "speedrun.json"
#: The shipped network each arm is compared with: by whether the protocol is varying length.
SHIPPED_NETWORK = {True: "lite", False: "lite-T1000"}
#: The fields of a run and of a curve point that ship.
RUN_FIELDS = ("seed", "config", "machine", "time_to_target", "final", "stopped", "samples_per_second", "setup_seconds")
POINT_FIELDS = ("seconds", "samples", "epoch", "lr", "accuracy", "accuracy_symmetrized")


#: The three training stages of the shipped varying-length network (``runs/README.md``), in order.
ROUTE = tuple(
    Path(__file__).resolve().parents[1] / "runs" / name
    for name in ("lite-varying", "cpu-lite-varying", "cpu2-lite-varying")
)


def route(stages=ROUTE) -> list[dict]:
    """The validation accuracy of a network trained in stages, against the samples seen since its start.

    Each stage is a run folder whose ``log.json`` has one entry per epoch
    (``samples``, ``val_acc``); the samples of a stage add to those of the
    stages before it.  For the shipped network that is its route to 90.9%
    validation accuracy: 11 epochs of a first recipe, then two cosine cycles
    of the CPU recipe (6.32 M samples).
    """
    points, seen = [], 0
    for stage, folder in enumerate(stages):
        log = _files.read_json(Path(folder) / "log.json", remedy="restore it from git")
        if log is None:
            raise ValueError(f"stage {stage} of the route, {folder}, holds no log.json")
        for epoch in log["history"]:
            seen += epoch["samples"]
            points.append({"stage": stage, "samples": seen, "val_acc": epoch["val_acc"]})
    return points


def ship(out: Path, path: Path = SHIPPED, stages=ROUTE, test=None) -> dict:
    """Write the finished arms of ``out`` to ``path``, the copy the book reads, and return it.

    Beside the arms it holds the :func:`route` of the shipped network's
    training ``stages``, the reference by samples seen, and each run's
    paired comparison with the shipped network on the arms' test set
    (:func:`versus_shipped`; the test set is read from ``out`` unless given)
    and, with more than one arm, every run of an arm paired with every run of
    each later arm (``versus_arms``, :func:`versus_arms`), so a recipe can be
    compared with the reference trained beside it.  The shipped network's
    predictions are computed once, and each run's final network's at most
    once: they are kept in the run's JSON (:func:`kept_correct`), since its
    checkpoint is not committed.  A run whose predictions are lost keeps the
    comparisons an earlier copy at ``path`` made on the same test set (the
    same :func:`fingerprint`); the cross pairs that cannot be made are listed
    as ``unpaired``.

    Raises
    ------
    ValueError
        If ``out`` holds no finished arm, or arms measured on different test
        sets or towards different targets (they could not share one figure).
    """
    results = read_results(out)
    runs = [r for arm in results.values() for r in arm]
    if not runs:
        raise ValueError(f"{out} holds no finished arm to ship")
    tests = {json.dumps(r["test"], sort_keys=True) for r in runs}
    targets = {r["target"] for r in runs}
    if len(tests) > 1 or len(targets) > 1:
        raise ValueError(f"the arms in {out} were measured on different test sets or targets; ship them apart")
    rows = summary(results)
    if test is None:
        t = runs[0]["test"]
        test = load_test_set(out, t["per_class"], t["length"], t["seed"], jobs=1)
    from resandi_lite.pretrained import load_pretrained

    network = SHIPPED_NETWORK[runs[0]["test"]["length"] == "varying"]
    reference = correct_on(load_pretrained(network), test)  # once: every run is tested on these trajectories
    finals = {(name, r["seed"]): kept_correct(r, out, test) for name, arm in results.items() for r in arm}
    # what an earlier copy paired on the same trajectories stands for a run whose predictions are lost
    earlier = _files.read_json(path, remedy="restore it from git, or delete it") or {}
    if earlier.get("test_fingerprint") != fingerprint(test):
        earlier = {}
    earlier_runs = {(name, r["seed"]): r for name, arm in earlier.get("arms", {}).items() for r in arm["runs"]}

    def compared(name: str, r: dict) -> dict | None:
        if finals[name, r["seed"]] is not None:
            return versus_shipped(finals[name, r["seed"]], reference, network)
        before = earlier_runs.get((name, r["seed"]))
        return before["versus_shipped"] if before is not None and before["final"] == r["final"] else None

    pairs = versus_arms(results, finals, earlier.get("versus_arms", ()))
    done = {_names(p) for p in pairs}
    shipped = {
        "target": runs[0]["target"],
        "test": runs[0]["test"],
        "test_fingerprint": fingerprint(test),
        "route": route(stages),
        "arms": {
            name: {
                "summary": rows[name],
                "runs": [
                    {
                        **{k: r.get(k) for k in RUN_FIELDS},
                        "versus_shipped": compared(name, r),
                        "curve": [{k: point[k] for k in POINT_FIELDS} for point in r["curve"]],
                    }
                    for r in arm
                ],
            }
            for name, arm in results.items()
        },
        "versus_arms": pairs,
        # cross pairs that cannot be compared: a side's predictions lost with its checkpoint, never kept
        "unpaired": [
            {"a": {"arm": first, "seed": a["seed"]}, "b": {"arm": second, "seed": b["seed"]}}
            for first, a, second, b in cross_pairs(results)
            if (first, a["seed"], second, b["seed"]) not in done
        ],
    }
    _files.write_json(path, shipped)
    return shipped


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", choices=list(RECIPES), default="fast")
    parser.add_argument("--seeds", default="0,1", help="comma-separated seeds (default 0,1)")
    parser.add_argument("--minutes", type=float, default=60.0, help="training time per network (default 60)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--eval-every", type=float, default=3.0, help="minutes of training time between test points")
    parser.add_argument("--test-per-class", type=int, default=1000, help="test trajectories per class (default 1000)")
    parser.add_argument("--test-seed", type=int, default=2029)
    parser.add_argument("--target", type=float, default=None, help="default: the paper's accuracy (0.9036 varying)")
    parser.add_argument("--set", default="", help="FIELD=VALUE,... changed in the base arm (part of its name)")
    parser.add_argument("--ablate", default="", help="FIELD=VALUE,...: one more arm per item, the base with it")
    parser.add_argument("--reference", default=None, choices=list(RECIPES), help="also this recipe (e.g. cpu)")
    parser.add_argument("--out", type=Path, default=Path("runs/speedrun"))
    parser.add_argument("--table", action="store_true", help="train nothing: print the table of what --out holds")
    parser.add_argument("--ship", action="store_true", help="train nothing: copy what --out holds for the book")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes in a temporary folder, about a minute")
    return parser


def main(argv=None) -> None:
    args = _parser().parse_args(argv)
    if args.table or args.ship:
        rows = summary(read_results(args.out))
        _files.write_json(args.out / "summary.json", rows)  # the arms measured so far, however their runs ended
        print(table(rows))
        if args.ship:
            ship(args.out)
            print(f"shipped to {SHIPPED}")
        return
    overrides = ()
    if args.smoke:
        overrides = tuple(SMOKE.items())
        args.minutes, args.eval_every, args.test_per_class = min(args.minutes, 0.5), 0.1, 25
        args.seeds = args.seeds if args.seeds != "0,1" else "0"
        if args.out == Path("runs/speedrun"):
            args.out = Path(tempfile.mkdtemp(prefix="speedrun-smoke-"))
    if args.threads < 1:
        raise ValueError(f"--threads must be a positive integer, got {args.threads}")
    torch.set_num_threads(args.threads)
    seeds = [int(s) for s in args.seeds.split(",")]
    base = Arm(args.recipe, tuple(parse_changes(args.set)), overrides)
    arms = [base] + [dataclasses.replace(base, changes=base.changes + (c,)) for c in parse_changes(args.ablate)]
    if args.reference:
        arms.append(Arm(args.reference, (), overrides))
    length = base.config(0).length
    for arm in arms:  # every config is checked before anything is simulated
        if arm.config(0).length != length:
            raise ValueError(f"every arm must be tested on the same protocol: {arm.name} changes the length")
    args.target = default_target(length) if args.target is None else args.target
    print(
        f"{cpu_model()}, bf16 flags {', '.join(bf16_flags()) or 'none'}, {args.threads} threads, torch "
        f"{torch.__version__}; target {100 * args.target:.2f}%; out {args.out}"
    )
    test = load_test_set(args.out, args.test_per_class, length, args.test_seed, jobs=min(args.threads, 2))
    results = {}
    for arm in arms:
        for seed in seeds:
            result = run_arm(arm, seed, args, test)
            if result is not None:
                results.setdefault(arm.name, []).append(result)
    rows = summary(results)
    _files.write_json(args.out / "summary.json", rows)
    for name, row in rows.items():
        print(
            f"{name}: median time to {100 * args.target:.2f}% over seeds {row['seeds']}: "
            f"{_minutes(row['median_seconds'], ' min')} ({_minutes(row['median_seconds_symmetrized'], ' min')} "
            f"with the symmetries); final {100 * row['final_accuracy']:.2f}% ± {100 * row['final_stderr']:.2f}"
        )
    print(table(rows))


if __name__ == "__main__":
    main()
