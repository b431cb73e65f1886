"""Trained networks that ship with the package, and loading any saved network safely.

The shipped weights (float16, a few MB) lie in ``resandi_lite/pretrained/``
beside a model card (``<name>.json`` and ``<name>.md``): the command that
trained them, the data, the epochs, the wall time, the hardware and the test
accuracy.  Nothing is downloaded.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

import numpy as np
import torch

from . import _files
from .checkpoint import (
    BEST,
    HERE,
    LOG,
    MODEL_FORMAT,
    PRETRAINED,
    atomic_save,
    check_name,
    checkpoint_path,
    load_checkpoint,
    load_model,
)
from .data import make_dataset
from .evaluate import evaluate
from .model import ResAnDi
from .simulate.classes import CLASSES

__all__ = [
    "HERE",
    "PRETRAINED",
    "available",
    "checkpoint_path",
    "export_pretrained",
    "load_model",
    "load_pretrained",
    "model_card",
    "recipe_comparison",
    "speedrun",
    "speedrun_table",
    "speedrun_versus",
]


def available() -> dict[str, str]:
    """Names of the shipped networks whose files are present, with their protocol."""
    return {name: what for name, what in PRETRAINED.items() if (HERE / f"{name}.pt").is_file()}


def model_card(name: str) -> dict:
    """The model card of a shipped network (command, data, epochs, time, hardware, test accuracy)."""
    check_name(name)
    return json.loads((HERE / f"{name}.json").read_text())


def load_pretrained(name: str = "lite", *, device="cpu") -> ResAnDi:
    """A shipped trained network, in eval mode, without any download.

    Parameters
    ----------
    name : {"lite", "lite-T1000"}
        ``"lite"``: trained on varying lengths (the paper's main protocol);
        ``"lite-T1000"``: trained on T = 1000 (used by the layer-wise chapter).

    Returns
    -------
    ResAnDi
        Input: the output of :func:`resandi_lite.preprocess`, ``(B, 2, 1000)``
        float32; output: logits ``(B, 8)`` in ``CLASSES`` order.
    """
    check_name(name)
    return load_model(name, device=device)


def _command(config: dict, out: str) -> str:
    flags = [f"--preset {config['preset']}", f"--length {config['length']}", f"--out {out}"]
    for key in (
        "train_per_class",
        "val_per_class",
        "lr",
        "batch_size",
        "step_size",
        "gamma",
        "patience",
        "min_delta",
        "max_epochs",
        "weight_decay",
        "seed",
        "num_workers",
        "checkpoint_every",
        "bn_batches",
    ):
        flags.append(f"--{key.replace('_', '-')} {config[key]}")
    # options added later (absent from older configs): written only where they differ from the paper's recipe
    for key, default in (
        ("schedule", "step"),
        ("warmup_epochs", 0.0),
        ("label_smoothing", 0.0),
        ("precision", "auto"),
        ("optimizer", "adam"),
        ("ema", 0.0),
    ):
        if config.get(key, default) != default:
            flags.append(f"--{key.replace('_', '-')} {config[key]}")
    if config.get("fresh_data"):
        flags.append("--fresh-data")
    if config.get("symmetries"):
        flags.append("--symmetries")
    if config.get("init"):
        flags.append(f"--init {config['init']}")
    noise = config.get("noise", 0.0)
    if noise not in (0, 0.0, [0.0]):
        flags.append(f"--noise {noise if not isinstance(noise, list) else ','.join(map(str, noise))}")
    return "python -m resandi_lite train " + " ".join(flags)


def export_pretrained(
    run_dir,
    name: str,
    *,
    out_dir=None,
    test_per_class: int = 1000,
    test_seed: int = 20261122,
    threads: int | None = None,
) -> dict:
    """Ship a run's best network: float16 weights and a model card.

    The card's test accuracy is measured here, on a fresh seeded test set of
    ``test_per_class`` trajectories per class with the run's protocol.

    Parameters
    ----------
    run_dir : str or path-like
        A run folder written by :func:`resandi_lite.train.fit` (``best.pt``, ``log.json``).
    name : str
        One of :data:`PRETRAINED`.
    out_dir : str or path-like, optional
        Folder that receives ``<name>.pt``, ``<name>.json`` and ``<name>.md``
        (default: :data:`HERE`, the package's own ``pretrained`` folder).
    test_per_class, test_seed : int
        The test set of the card.
    threads : int, optional
        CPU threads to record on the card (default: torch's current number).

    Returns
    -------
    dict
        The model card.
    """
    if name not in PRETRAINED:
        raise ValueError(f"name must be one of {', '.join(PRETRAINED)}, got {name!r}")
    run_dir = Path(run_dir)
    out_dir = HERE if out_dir is None else Path(out_dir)
    best = load_checkpoint(run_dir / BEST)
    log = json.loads((run_dir / LOG).read_text())
    config = best["config"]
    out_dir.mkdir(parents=True, exist_ok=True)
    half = {k: v.half() if v.is_floating_point() else v for k, v in best["model"].items()}
    weights = atomic_save({"format": MODEL_FORMAT, "config": config, "model": half}, out_dir / f"{name}.pt")
    model = load_model(weights)
    test = make_dataset(test_per_class, config["length"], config["noise"], seed=test_seed)
    result = evaluate(model, test)
    history = log["history"]
    from .baseline import chapter_forest, score

    forest = score(chapter_forest(config["length"]), test)  # chapter 4's forest on the same test set
    card = {
        "name": name,
        "protocol": PRETRAINED[name],
        "command": _command(config, str(run_dir)),
        "config": config,
        "epochs_trained": len(history),
        "best_epoch": log.get("best_epoch"),
        "samples_seen": int(sum(h["samples"] for h in history)),
        "wall_time_hours": round(sum(h["seconds"] for h in history) / 3600, 2),
        "hardware": {
            "machine": platform.machine(),
            "processor": platform.processor() or "unknown",
            "cpus": torch.get_num_threads() if threads is None else threads,
            "gpu": None,
            "torch": torch.__version__,
        },
        "validation_at_best": next((h for h in history if h["epoch"] == log.get("best_epoch")), None),
        "test": {
            "per_class": test_per_class,
            "seed": test_seed,
            "accuracy": result["accuracy"],
            "per_class_accuracy": dict(zip(CLASSES, np.round(result["per_class"], 4).tolist())),
        },
        "baseline": {
            "classifier": "chapter 4's random forest (baseline.chapter_forest: 500 per class, seed 0)",
            "accuracy": forest["accuracy"],
            "per_class_accuracy": dict(zip(CLASSES, np.round(forest["per_class"], 4).tolist())),
        },
        "precision": history[-1].get("precision", "fp32") if history else "fp32",
        "warm_start": _warm_start(config.get("init", "")),
        "parameters": int(sum(v.numel() for v in half.values() if v.is_floating_point())),
        "history": history,
    }
    card["file_sha256"] = _files.sha256_file(weights)  # checked on every load of the shipped file
    _files.write_json(out_dir / f"{name}.json", card)
    _files.write_text(out_dir / f"{name}.md", _card_markdown(card))
    return card


def _warm_start(init: str) -> dict | None:
    """Where a warm-started run began, followed back through every earlier run.

    Each run folder's ``log.json`` names the weights its own run started from
    (``config["init"]``); the chain ends at a run from random weights or at a
    file without a log. ``epochs``, ``samples`` and ``hours`` sum over the whole
    chain; ``chain`` lists the earlier runs, newest first.
    """
    if not init:
        return None
    chain, seen = [], set()
    while init and init not in seen:
        seen.add(init)
        log = Path(init).with_name(LOG)
        if not log.is_file():
            chain.append({"from": init})
            break
        run = json.loads(log.read_text())
        history = run["history"]
        chain.append(
            {
                "from": init,
                "epochs": len(history),
                "samples": int(sum(h["samples"] for h in history)),
                "hours": round(sum(h["seconds"] for h in history) / 3600, 2),
            }
        )
        init = run.get("config", {}).get("init", "")
    warm = {"from": chain[0]["from"], "chain": chain}
    if all("epochs" in stage for stage in chain):
        warm.update(
            epochs=sum(s["epochs"] for s in chain),
            samples=sum(s["samples"] for s in chain),
            hours=round(sum(s["hours"] for s in chain), 2),
        )
    return warm


def _card_markdown(card: dict) -> str:
    rows = "\n".join(f"| {c} | {100 * a:.2f} |" for c, a in card["test"]["per_class_accuracy"].items())
    return f"""# Model card: `{card["name"]}`

- Protocol: {card["protocol"]}
- Network: ResAnDi preset `{card["config"]["preset"]}` ({card["parameters"]:,} parameters), weights stored as float16
- Trained with: `{card["command"]}`
- Data: trajectories simulated by resandi-lite, {"fresh every epoch" if card["config"]["fresh_data"] else "one fixed set"}, {card["config"]["train_per_class"]:,} per class and epoch; validation {card["config"]["val_per_class"]:,} per class
- Epochs: {card["epochs_trained"]} (best: {card["best_epoch"]}), {card["samples_seen"]:,} training samples seen
- Wall time: {card["wall_time_hours"]} h on {card["hardware"]["machine"]} CPU ({card["hardware"]["cpus"]} thread{"s" if card["hardware"]["cpus"] != 1 else ""}, torch {card["hardware"]["torch"]}), no GPU
- Test: {card["test"]["per_class"]:,} fresh trajectories per class, seed {card["test"]["seed"]}: **{100 * card["test"]["accuracy"]:.2f}%**
- Arithmetic: {card.get("precision", "fp32")} autocast in training; weights and optimizer in float32
- Warm start: {_warm_text(card.get("warm_start"))}
- Chapter 4's random forest on the same test set: {_baseline_text(card)}

| class | test accuracy (%) |
|---|---|
{rows}
"""


def _warm_text(warm) -> str:
    if not warm:
        return "none (random initial weights)"
    if "epochs" not in warm:
        return f"from `{warm['from']}`"
    runs = len(warm.get("chain", [warm]))
    return (
        f"from `{warm['from']}` ({warm['epochs']} epochs, {warm['samples']:,} samples, {warm['hours']} h before "
        f"this run, in {runs} earlier run{'s' if runs > 1 else ''})"
    )


def _baseline_text(card: dict) -> str:
    base = card.get("baseline")
    return "not measured" if base is None else f"{100 * base['accuracy']:.2f}%"


def recipe_comparison() -> dict:
    """The A/B of training recipes and precisions that ships with the package (``benchmarks/recipes.py``).

    Returns
    -------
    dict
        ``{arm: {"config": dict, "history": list of dict, "seconds": float}}`` for the arms
        ``cpu-bf16``, ``cpu-fp32`` and ``paper-bf16``.
    """
    return json.loads((HERE / "recipes-ab.json").read_text())


def speedrun() -> dict:
    """The measured time-to-accuracy runs that ship with the package (``benchmarks/speedrun.py --ship``).

    Returns
    -------
    dict
        ``target`` (the accuracy aimed at, in [0, 1]), ``test`` (its size and
        protocol) and ``arms``: ``{arm: {"summary": dict, "runs": list of dict}}``.
        A run holds its ``seed``, ``config``, ``machine`` (CPU model, bfloat16
        flags, threads, precision), ``curve`` (test points with ``seconds`` of
        training time, ``samples`` seen, ``accuracy`` and
        ``accuracy_symmetrized``), ``time_to_target`` and ``final``.  ``route``
        is the shipped network's validation accuracy against the samples seen
        through its three training stages (``stage``, ``samples``, ``val_acc``).
    """
    return json.loads((HERE / "speedrun.json").read_text())


def _reached(hit: dict | None) -> str:
    return "not reached" if hit is None else f"{hit['interpolated_seconds'] / 60:.1f}"


def speedrun_table(results: dict | None = None):
    """One row per run of :func:`speedrun`: the machine, the speed, the final test accuracy, the time to the
    target and the paired difference from the shipped network on the same test set.

    Parameters
    ----------
    results : dict, optional
        As returned by :func:`speedrun` (the default).

    Returns
    -------
    resandi_lite.verdict.Table
        Markdown text that notebooks show as an HTML table.  Accuracies are in
        percent with their binomial standard errors; minutes to the target are
        interpolated between the test points around the first crossing;
        differences are in points with their paired standard errors and
        McNemar's exact p; the symmetries' gain is the run's own network
        averaged over the eight symmetries minus plain, paired.
    """
    from .verdict import Table

    results = speedrun() if results is None else results
    target = f"{100 * results['target']:.2f}%"
    columns = (
        "run",
        "machine",
        "samples/s",
        "trained on (M)",
        "final test accuracy (%)",
        "symmetrized (%)",
        f"minutes to {target}",
        "symmetrized",
        "minus shipped (points)",
        "symmetrized",
        "symmetries gain (points)",
    )
    rows = []
    for name, arm in results["arms"].items():
        for run in arm["runs"]:
            machine, final, versus = run["machine"], run["final"], run.get("versus_shipped") or {}
            rows.append(
                (
                    f"{name}, seed {run['seed']}",
                    f"{machine['cpu']}, {machine['precision']}, {machine['threads']} threads",
                    f"{run['samples_per_second']:,.0f}",
                    f"{final['samples'] / 1e6:.2f}",
                    f"{100 * final['accuracy']:.2f} ± {100 * final['stderr']:.2f}",
                    f"{100 * final['accuracy_symmetrized']:.2f} ± {100 * final['stderr_symmetrized']:.2f}",
                    _reached(run["time_to_target"]["accuracy"]),
                    _reached(run["time_to_target"]["accuracy_symmetrized"]),
                    *(
                        f"{versus[f'difference{s}']:+.2f} ± {versus[f'stderr{s}']:.2f} (p {versus[f'mcnemar_p{s}']:.2g})"
                        if versus
                        else "—"
                        for s in ("", "_symmetrized")
                    ),
                    f"{versus['symmetry_gain']:+.2f} ± {versus['symmetry_gain_stderr']:.2f}" if versus else "—",
                )
            )
    caption = (
        f"Test set: {results['test']['n']:,} fresh trajectories ({results['test']['length']} length), the same for "
        f"every run. Minutes are training time (simulation included, test evaluations left out). Differences "
        f"are from the shipped network on the same trajectories, each comparison alone (not adjusted); the "
        f"symmetries' gain is each network averaged over the eight symmetries minus plain, paired."
    )
    return Table.from_rows(columns, rows, left=(0, 1), caption=caption)


def _seeds_needed(spread: float, difference: float, z: float = 1.96) -> int | None:
    """Seeds per arm for a normal 95% interval of a difference of two arms' means to exclude zero, if the
    difference and the seed-to-seed standard deviation ``spread`` are what was measured (None if no spread)."""
    if not (spread > 0 and difference != 0):
        return None
    return max(2, int(np.ceil(2 * (z * spread / abs(difference)) ** 2)))


def _over_seeds(first: str, a: np.ndarray, second: str, b: np.ndarray, family: int = 1) -> str:
    """The sentence comparing two arms' final accuracies over their seeds (``a`` and ``b``, in percent): the
    difference of the means, Welch's interval (Bonferroni-adjusted over a ``family`` of such differences), the
    seed-to-seed standard deviation and the seeds per arm that would put zero outside the interval."""
    from scipy.stats import ttest_ind

    from .verdict import family_level, family_z

    level = family_level(family)
    difference = a.mean() - b.mean()
    spreads = [v.std(ddof=1) for v in (a, b) if len(v) > 1]
    spread = float(np.sqrt(np.mean(np.square(spreads)))) if spreads else float("nan")
    alone = [name for name, v in ((first, a), (second, b)) if len(v) < 2]
    if alone:
        interval = (
            f"with no interval: {' and '.join(alone)} {'has' if len(alone) == 1 else 'have'} one seed, and a "
            f"recipe's spread over seeds needs two at least"
            + (f" (the other's seeds differ by a standard deviation of {spread:.2f} points)" if spreads else "")
        )
    elif a.var() + b.var() == 0:
        interval = "no interval: the seeds of both arms scored alike"
    else:
        welch = ttest_ind(a, b, equal_var=False)
        low, high = welch.confidence_interval(level)
        interval = (
            f"{100 * level:.3g}% interval {low:+.2f} to {high:+.2f} (Welch, {welch.df:.1f} df); seeds of one arm "
            f"differ by a standard deviation of {spread:.2f} points"
        )
    needed = _seeds_needed(spread, difference, z=family_z(family)) if spreads else None
    return f"{first} minus {second} over seeds: {difference:+.2f} points, {interval}" + (
        f"; about {needed} seeds per arm would put zero outside a {100 * level:.3g}% interval if the difference is "
        f"what was measured."
        if needed
        else "."
    )


def speedrun_versus(results: dict | None = None):
    """Every run of one arm of :func:`speedrun` paired with every run of each later arm, on the same test set.

    Parameters
    ----------
    results : dict, optional
        As returned by :func:`speedrun` (the default); its ``versus_arms``.

    Returns
    -------
    resandi_lite.verdict.Table
        One row per pair of runs: the minutes each trained, the difference of
        final test accuracies (first minus second, in points) with its paired
        standard error and McNemar's exact p adjusted by Holm over the whole
        family (every pair, plainly and averaged over the eight symmetries).
        The caption gives each arm's mean over its seeds and, for every two
        arms, the difference of the means with Welch's interval (95%, or
        Bonferroni-adjusted to 95% for the family when there are more than
        two arms), the seed-to-seed standard deviation, and how many seeds per
        arm would make that interval exclude zero if the difference is what
        was measured.  The pairs test the networks on the test set; what
        generalises to the recipes is the difference over seeds.  Pairs that
        could not be made (``unpaired``: a network's predictions lost) are
        named in the caption.

    Raises
    ------
    ValueError
        If ``results`` holds no pair of arms to compare.
    """
    from .verdict import Table, family_level, holm

    results = speedrun() if results is None else results
    pairs = results.get("versus_arms") or []
    if not pairs:
        raise ValueError("results must hold versus_arms: two arms or more measured on one test set (speedrun --ship)")
    runs = {(name, r["seed"]): r for name, arm in results["arms"].items() for r in arm["runs"]}
    adjusted = holm([pair[f"mcnemar_p{s}"] for pair in pairs for s in ("", "_symmetrized")]).reshape(-1, 2)
    columns = ("first minus second", "minutes", "difference (points)", "p (Holm)", "symmetrized", "p (Holm)")
    rows = []
    for pair, p in zip(pairs, adjusted):
        a, b = (runs[pair[k]["arm"], pair[k]["seed"]] for k in ("a", "b"))
        rows.append(
            (
                f"{pair['a']['arm']} seed {pair['a']['seed']} − {pair['b']['arm']} seed {pair['b']['seed']}",
                f"{a['curve'][-1]['seconds'] / 60:.1f} and {b['curve'][-1]['seconds'] / 60:.1f}",
                f"{pair['difference']:+.2f} ± {pair['stderr']:.2f}",
                f"{p[0]:.2g}",
                f"{pair['difference_symmetrized']:+.2f} ± {pair['stderr_symmetrized']:.2f}",
                f"{p[1]:.2g}",
            )
        )
    finals = {
        name: 100 * np.array([r["final"]["accuracy"] for r in arm["runs"]]) for name, arm in results["arms"].items()
    }
    means = "; ".join(f"{name} {v.mean():.2f}% over {len(v)} seed{'s' * (len(v) > 1)}" for name, v in finals.items())
    sentences = [
        f"Test set: {results['test']['n']:,} fresh trajectories ({results['test']['length']} length), the same for "
        f"every run; differences with paired standard errors; p is McNemar's exact test adjusted by Holm over "
        f"the {2 * len(pairs)} tests of the table. Final accuracy, mean over seeds: {means}."
    ]
    unpaired = results.get("unpaired") or []
    if unpaired:
        named = ", ".join(
            f"{u['a']['arm']} seed {u['a']['seed']} − {u['b']['arm']} seed {u['b']['seed']}" for u in unpaired
        )
        sentences.append(
            f"Not paired: {named}; a network's predictions were lost with its checkpoint before runs kept them."
        )
    names = list(finals)
    comparisons = [(first, second) for i, first in enumerate(names) for second in names[i + 1 :]]
    if len(comparisons) > 1:
        sentences.append(
            f"Over seeds, the {len(comparisons)} differences of arms' means have Bonferroni-adjusted intervals: "
            f"each at {100 * family_level(len(comparisons)):.1f}%, 95% for the family."
        )
    sentences += [_over_seeds(a, finals[a], b, finals[b], len(comparisons)) for a, b in comparisons]
    return Table.from_rows(columns, rows, left=(0,), caption=" ".join(sentences))
