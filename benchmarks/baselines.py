"""The strongest classical classifiers against the shipped networks, at equal data: accuracy, CPU cost, symmetry, noise.

    nice -n 10 python benchmarks/baselines.py --out runs/baselines --ship

writes ``runs/baselines/learning_curves.json`` (small: every number below, the
command and the seeds) and ``runs/baselines/correct.npz`` (whether each test
trajectory is classified correctly, bit-packed, per method and size: the
paired comparisons can be recomputed from it).  It resumes: entries already in
the JSON (same settings) are kept, so an interrupted run continues where it
stopped.

What it measures, per protocol (``varying``: T uniform in [10, 1000];
``1000``: T = 1000), on ONE fresh test set of ``--test-per-class`` trajectories
per class (8,000 by default, seeded):

* the shipped network (``lite`` / ``lite-T1000``): accuracy, accuracy under
  each of the eight exact symmetries (:data:`resandi_lite.evaluate.SYMMETRIES`),
  the fraction of predictions each one changes, and the accuracy of test-time
  averaging over them; inference trajectories per CPU second, plain and averaged;
* learning curves of the classical methods at equal data: chapter 4's random
  forest and scikit-learn's HistGradientBoosting on the hand-made features
  (:func:`resandi_lite.baseline.features`), MiniRocket through aeon on the
  standardised increments (:class:`resandi_lite.baseline.RocketClassifier`),
  each trained on the first ``n`` trajectories per class of one seeded training
  set (nested subsets), for each ``n`` of ``--sizes`` (``--rocket-sizes`` for
  MiniRocket, whose transform and ridge cost far more CPU);
* for each method and size: accuracy, CPU seconds to train (features or
  transform of the training set included; for the feature models, the
  features' CPU time is the measured time for the whole training set, prorated
  to ``n``), inference trajectories per CPU second (features or transform
  included), and the paired difference with the network, plain and averaged
  over the symmetries: paired bootstrap over test trajectories (standard
  error, interval) and McNemar's exact test;
* an ablation (varying length, smallest rocket size): MiniRocket on the MinMax
  positions instead of the increments;
* the part ``extend``: the cheap feature model (HistGradientBoosting, or any of
  ``--extend-methods``) at ``--extend-sizes`` per class (50,000), each trained
  on a separate seeded set of that size (not nested in the curves' set).

* the part ``network``: the ``lite`` network trained from random
  initialisation on the same nested subsets (``--network-sizes``), the CPU
  recipe on a fixed set for ``--network-epochs`` passes (20), the weights of
  the lowest validation loss kept; plain and averaged over the symmetries.
  Each run lives in ``networks/<protocol>-<n>/`` and resumes after an
  interruption; its CPU seconds are summed over the processes that trained it.

The fair noise comparison (``varying`` only): every method, the network
included (``networks/noise-mixture/``), trained on the same noisy mixture
(noise std uniform on the grid 0, 0.01, ..., 1, in units of the step std),
tested at sigma = 0, 0.1, ..., 1 on the same trajectories (one seed, the noise
level alone changes).  The shipped (clean-trained) network is measured on the
same test sets for reference only, and so is the forest trained on clean data
(the comparison chapter 4 made so far).

Multiple comparisons: the paired differences of the learning curves form one
family of ``m`` comparisons; their intervals are Bonferroni-adjusted
(:func:`resandi_lite.verdict.family_level`) and their McNemar p-values
Holm-adjusted (:func:`resandi_lite.verdict.holm`).

Every computation runs on one CPU thread (BLAS, OpenMP, numba and torch), so
that the CPU times are comparable; they are ``time.process_time`` of this
process.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import datetime
import functools
import json
import platform
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import torch

import resandi_lite as rl
from resandi_lite._files import exclusive
from resandi_lite.baseline import RocketClassifier, features, make_classifier
from resandi_lite.data import first_per_class
from resandi_lite.evaluate import SYMMETRIES, invariance, predict_logits, symmetrize
from resandi_lite.pretrained import load_pretrained, model_card
from resandi_lite.train import TrainConfig, fit
from resandi_lite.verdict import family_level, holm, mcnemar, paired_bootstrap

NETWORK = {"varying": "lite", "1000": "lite-T1000"}
SEEDS = {
    "test": {"varying": 2_300_001, "1000": 2_300_002},
    "train": {"varying": 2_310_001, "1000": 2_310_002},
    "noise_train": 2_320_001,
    "noise_test": 2_330_001,
    "bootstrap": 23,
}
EXTEND_SEED = {"varying": 2_340_001, "1000": 2_340_002}  # plus the size: one separate training set per size
FEATURE_METHODS = {
    "forest": "random forest (chapter 4's, 300 trees) on the hand-made features",
    "boosting": "HistGradientBoosting on the hand-made features",
}
ROCKET = "minirocket"
NOISE_LEVELS = [round(0.1 * i, 1) for i in range(11)]
NOISE_MIXTURE = [round(0.01 * i, 2) for i in range(101)]
#: The networks trained here: the CPU recipe (TrainConfig.recipe("cpu"): batch 256, Adam at 2e-3, one warm-up
#: pass, cosine decay, label smoothing 0.1, BatchNorm statistics recomputed) on a FIXED set, a fixed number of
#: passes over it, the weights of the lowest validation loss kept; validation on a separate set of this many per
#: class.
NETWORK_VAL_PER_CLASS = 500


def cpu() -> float:
    return time.process_time()


def length_of(protocol: str):
    """The ``length`` argument of :func:`resandi_lite.make_dataset` for a protocol's name."""
    return "varying" if protocol == "varying" else int(protocol)


@functools.cache
def protocol_set(kind: str, protocol: str, per_class: int):
    """The protocol's seeded test set or curves' training set, simulated once however many parts use it."""
    return rl.make_dataset(per_class, length_of(protocol), seed=SEEDS[kind][protocol])


def fit_and_predict(method: str, F_train, y, F_test):
    """A feature model fitted and applied: its predictions, and the CPU seconds of the fit and of the prediction."""
    model = make_classifier(method, random_state=0)
    start = cpu()
    model.fit(F_train, y)
    fit_seconds = cpu() - start
    start = cpu()
    predicted = model.predict(F_test)
    return model, predicted, fit_seconds, cpu() - start


def best_pass(log: dict) -> dict:
    """The log entry of the pass whose weights were kept (the lowest validation loss)."""
    return min(log["history"], key=lambda e: e["val_loss"])


class Store:
    """The JSON of results and the bit-packed correctness arrays, written after every entry."""

    def __init__(self, out: Path, settings: dict, command: str):
        self.out, self.json, self.npz = out, out / "learning_curves.json", out / "correct.npz"
        out.mkdir(parents=True, exist_ok=True)
        self.data = {"settings": settings}
        self.correct: dict[str, np.ndarray] = {}
        if self.json.is_file():
            old = json.loads(self.json.read_text())
            if old.get("settings") == settings and self.npz.is_file():
                self.data = old
                with np.load(self.npz) as f:
                    self.correct = {
                        k: np.unpackbits(f[k])[: int(f[k + ".n"])].astype(bool) for k in f.files if not k.endswith(".n")
                    }
                print(f"resuming: {len(self.correct)} entries already measured", flush=True)
            else:
                print("settings changed: starting afresh", flush=True)
        self.data["command"] = command
        self.data["regenerate"] = "nice -n 10 " + command

    def has(self, key: str) -> bool:
        return key in self.correct and key in self.data.get("entries", {})

    def put(self, key: str, correct: np.ndarray, **entry) -> dict:
        self.correct[key] = np.asarray(correct, bool)
        entry["accuracy"] = float(np.mean(correct))
        entry["stderr"] = float(np.sqrt(entry["accuracy"] * (1 - entry["accuracy"]) / len(correct)))
        entry["n_test"] = len(correct)
        self.data.setdefault("entries", {})[key] = entry
        self.save()
        print(
            f"{key}: {100 * entry['accuracy']:.2f}%  "
            + ", ".join(
                f"{k} {v:.4g}" for k, v in entry.items() if isinstance(v, float) and k not in ("accuracy", "stderr")
            ),
            flush=True,
        )
        return entry

    def save(self) -> None:
        arrays = {}
        for k, v in self.correct.items():
            arrays[k], arrays[k + ".n"] = np.packbits(v), np.array(len(v))
        tmp = self.npz.with_suffix(".part.npz")
        np.savez_compressed(tmp, **arrays)
        os.replace(tmp, self.npz)
        tmp = self.json.with_suffix(".part")
        tmp.write_text(json.dumps(self.data, indent=1))
        os.replace(tmp, self.json)


def measure_network(store: Store, protocol: str, test) -> None:
    key = f"{protocol}/network"
    if store.has(key) and store.has(key + "-symmetrized"):
        return
    name = NETWORK[protocol]
    model = load_pretrained(name)
    start = cpu()
    plain = predict_logits(model, test.X).argmax(1)
    plain_seconds = cpu() - start
    start = cpu()
    result = invariance(model, test.X, test.y)
    sym_seconds = cpu() - start
    assert np.array_equal(result["predictions"][0], plain)
    card = model_card(name)
    warm = card.get("warm_start") or {}
    hours = card["wall_time_hours"] + warm.get("hours", 0.0)
    common = {
        "method": f"network '{name}'",
        "parameters": card["parameters"],
        "training": {
            "samples_seen": card["samples_seen"] + warm.get("samples", 0),
            "hours_one_thread": round(hours, 2),
            "note": "wall hours on one CPU thread from the model card, warm-start chain included",
        },
    }
    store.put(
        key,
        plain == test.y,
        **common,
        inference_per_cpu_second=len(test) / plain_seconds,
        changed={s: float(c) for s, c in zip(SYMMETRIES, result["changed"])},
        accuracy_under={s: float(a) for s, a in zip(SYMMETRIES, result["accuracy"])},
    )
    store.put(
        key + "-symmetrized",
        result["symmetrized"] == test.y,
        **common,
        inference_per_cpu_second=len(test) / sym_seconds,
        note="test-time averaging of the log-probabilities over the eight symmetries",
    )


def feature_curves(
    store: Store, protocol: str, train, test, F_train, F_test, per_trajectory: float, test_feature_seconds: float, sizes
) -> None:
    F_moved = None
    for method, description in FEATURE_METHODS.items():
        for n in sizes:
            key = f"{protocol}/{method}/{n}"
            if store.has(key):
                continue
            idx = first_per_class(train.y, n)
            model, predicted, fit_seconds, predict_seconds = fit_and_predict(method, F_train[idx], train.y[idx], F_test)
            entry = {
                "method": description,
                "per_class": n,
                "train_cpu_seconds": fit_seconds + per_trajectory * len(idx),
                "fit_cpu_seconds": fit_seconds,
                "feature_cpu_seconds": per_trajectory * len(idx),
                "inference_per_cpu_second": len(test) / (predict_seconds + test_feature_seconds),
            }
            if n == max(sizes):  # the features are invariant under the eight symmetries: check it on the test set
                if F_moved is None:
                    F_moved = [features(symmetrize(test.X, k), test.lengths) for k in range(len(SYMMETRIES))]
                entry["changed"] = {
                    s: float(np.mean(model.predict(F) != predicted)) for s, F in zip(SYMMETRIES, F_moved)
                }
            store.put(key, predicted == test.y, **entry)


def extend(store: Store, protocol: str, test, sizes, methods) -> None:
    """Feature models on separate, larger training sets (one per size, seeded)."""
    F_test = None
    for n in sizes:
        if all(store.has(f"{protocol}/{m}/{n}") for m in methods):
            continue
        train = rl.make_dataset(n, length_of(protocol), seed=EXTEND_SEED[protocol] + n)
        start = cpu()
        F_train = features(train.X, train.lengths)
        feature_seconds = cpu() - start
        y = train.y
        del train
        if F_test is None:
            start = cpu()
            F_test = features(test.X, test.lengths)
            test_feature_seconds = cpu() - start
        for method in methods:
            key = f"{protocol}/{method}/{n}"
            if store.has(key):
                continue
            _, predicted, fit_seconds, predict_seconds = fit_and_predict(method, F_train, y, F_test)
            store.put(
                key,
                predicted == test.y,
                method=FEATURE_METHODS[method],
                per_class=n,
                train_cpu_seconds=fit_seconds + feature_seconds,
                fit_cpu_seconds=fit_seconds,
                feature_cpu_seconds=feature_seconds,
                inference_per_cpu_second=len(test) / (predict_seconds + test_feature_seconds),
                training_set=f"a separate set of {n} per class (seed {EXTEND_SEED[protocol] + n}), "
                "not nested in the curves' set",
            )


def rocket_curve(store: Store, protocol: str, train, test, sizes, *, input: str = "increments") -> None:
    for n in sizes:
        key = f"{protocol}/{ROCKET}{'' if input == 'increments' else '-' + input}/{n}"
        if store.has(key):
            continue
        idx = first_per_class(train.y, n)
        model = RocketClassifier(ROCKET, random_state=0, input=input)
        start = cpu()
        model.fit(train.X[idx], train.y[idx], train.lengths[idx])
        fit_seconds = cpu() - start
        start = cpu()
        predicted = model.predict(test.X, test.lengths)
        predict_seconds = cpu() - start
        what = "standardised increments" if input == "increments" else "MinMax positions (ablation)"
        store.put(
            key,
            predicted == test.y,
            method=f"MiniRocket (aeon, 10,000 kernels) + ridge on the {what}",
            per_class=n,
            train_cpu_seconds=fit_seconds,
            alpha=model.alpha_,
            inference_per_cpu_second=len(test) / predict_seconds,
        )


def train_network(data, length, noise, epochs: int, run_dir: Path, seed: int = 0):
    """``lite`` from random initialisation on ``data`` for ``epochs`` passes; resumes a run left in ``run_dir``.

    Returns the best weights (lowest validation loss), the run's log and the process CPU seconds spent on it,
    summed over every call (kept in ``run_dir/cpu_seconds.json``, since a resumed run spans processes).
    """
    config = TrainConfig.recipe(
        "cpu",
        length=length,
        noise=noise,
        fresh_data=False,
        train_per_class=len(data) // len(rl.CLASSES),
        val_per_class=NETWORK_VAL_PER_CLASS,
        max_epochs=epochs,
        seed=seed,
    )
    spent = run_dir / "cpu_seconds.json"
    before = json.loads(spent.read_text())["cpu_seconds"] if spent.is_file() else 0.0
    start = cpu()
    fit(config, run_dir, resume=(run_dir / "checkpoint.pt").is_file(), train_data=data, progress=False)
    total = before + cpu() - start
    spent.write_text(json.dumps({"cpu_seconds": total}))
    log = json.loads((run_dir / "log.json").read_text())
    return rl.load_model(run_dir / "best.pt"), log, total


def _network_entry(model, test, log: dict, cpu_seconds: float, epochs: int) -> tuple[dict, np.ndarray, np.ndarray]:
    history = log["history"]
    best = best_pass(log)
    start = cpu()
    plain = predict_logits(model, test.X).argmax(1)
    plain_seconds = cpu() - start
    start = cpu()
    symmetrized = invariance(model, test.X)["symmetrized"]
    sym_seconds = cpu() - start
    entry = {
        "method": f"network 'lite' from random initialisation, {epochs} passes over the set "
        f"(CPU recipe on a fixed set, the weights of the lowest validation loss: pass {best['epoch']})",
        "parameters": sum(p.numel() for p in model.parameters()),
        "train_cpu_seconds": cpu_seconds,
        "train_wall_seconds": sum(e["seconds"] for e in history),
        "samples_seen": sum(e["samples"] for e in history),
        "precision": history[-1]["precision"],
        "inference_per_cpu_second": len(test) / plain_seconds,
        "symmetrized_inference_per_cpu_second": len(test) / sym_seconds,
        "val_acc": best["val_acc"],
    }
    return entry, plain, symmetrized


def network_curve(store: Store, protocol: str, train, test, sizes, epochs: int) -> None:
    """The network at equal data: trained from scratch on the same nested subsets as the classical methods."""
    length = length_of(protocol)
    for n in sizes:
        key = f"{protocol}/network-scratch/{n}"
        if store.has(key) and store.has(f"{protocol}/network-scratch-symmetrized/{n}"):
            continue
        run_dir = store.out / "networks" / f"{protocol}-{n}"
        model, log, seconds = train_network(train.subset(first_per_class(train.y, n)), length, 0.0, epochs, run_dir)
        entry, plain, symmetrized = _network_entry(model, test, log, seconds, epochs)
        store.put(key, plain == test.y, per_class=n, run=str(run_dir), **entry)
        entry["method"] += "; test-time averaging over the eight symmetries"
        store.put(f"{protocol}/network-scratch-symmetrized/{n}", symmetrized == test.y, per_class=n, **entry)


def comparisons(store: Store, protocols, n_boot: int) -> None:
    """Paired differences of every classical entry with the shipped network of its protocol, and with the network
    trained from scratch on the same subset (equal data), each plain and symmetrized: one family."""
    entries = store.data["entries"]
    pairs = [
        (key, f"{p}/network{suffix}")
        for p in protocols
        for key in entries
        if key.startswith(f"{p}/") and "/network" not in key
        for suffix in ("", "-symmetrized")
    ]
    pairs += [  # equal data: each classical method against the network trained from scratch on the same subset
        (key, f"{p}/network-scratch{suffix}/{key.rsplit('/', 1)[1]}")
        for p in protocols
        for key in entries
        if key.startswith(f"{p}/") and "/network" not in key
        for suffix in ("", "-symmetrized")
    ]
    pairs = [(a, b) for a, b in pairs if b in store.correct]
    level = family_level(len(pairs)) if pairs else 0.95
    rows = []
    for a, b in pairs:
        boot = paired_bootstrap(store.correct[a], store.correct[b], n_boot=n_boot, level=level, rng=SEEDS["bootstrap"])
        test = mcnemar(store.correct[a], store.correct[b])
        rows.append(
            {
                "method": a,
                "network": b,
                "difference": boot["estimate"],
                "stderr": boot["stderr"],
                "low": boot["low"],
                "high": boot["high"],
                "mcnemar_p": test["p"],
                "only_method_right": test["b"],
                "only_network_right": test["c"],
            }
        )
    if rows:
        for row, p in zip(rows, holm([r["mcnemar_p"] for r in rows])):
            row["holm_p"] = float(p)
    store.data["comparisons"] = {
        "rule": (
            f"one family of {len(rows)} paired comparisons (method minus network, accuracy as a fraction); "
            f"intervals are paired-bootstrap percentile intervals at the Bonferroni level {level} "
            f"(verdict.family_level), p-values McNemar exact, Holm-adjusted over the family"
        ),
        "level": level,
        "rows": rows,
    }
    store.save()


def noise_comparison(store: Store, args) -> None:
    n_train, n_test = args.noise_train_per_class, args.noise_test_per_class
    train = rl.make_dataset(n_train, "varying", NOISE_MIXTURE, seed=SEEDS["noise_train"])
    start = cpu()
    F_train = features(train.X, train.lengths)
    feature_seconds = cpu() - start
    models = {}
    for method in FEATURE_METHODS:
        start = cpu()
        models[method] = make_classifier(method, random_state=0).fit(F_train, train.y)
        store.data.setdefault("noise_train_cpu_seconds", {})[method] = cpu() - start + feature_seconds
    clean = rl.make_dataset(n_train, "varying", seed=SEEDS["train"]["varying"])
    models["forest-clean"] = make_classifier("forest", random_state=0).fit(features(clean.X, clean.lengths), clean.y)
    del clean
    rocket = None
    if args.noise_rocket:
        start = cpu()
        rocket = RocketClassifier(ROCKET, random_state=0).fit(train.X, train.y, train.lengths)
        store.data["noise_train_cpu_seconds"][ROCKET] = cpu() - start
    noise_network = None
    if args.noise_network:
        noise_network, log, seconds = train_network(
            train, "varying", NOISE_MIXTURE, args.network_epochs, store.out / "networks" / "noise-mixture"
        )
        store.data["noise_train_cpu_seconds"]["network"] = seconds
        store.data["noise_network"] = {
            "run": str(store.out / "networks" / "noise-mixture"),
            "epochs": args.network_epochs,
            "best_pass": best_pass(log)["epoch"],
            "train_wall_seconds": sum(e["seconds"] for e in log["history"]),
        }
    del train, F_train
    network = load_pretrained(NETWORK["varying"])
    for sigma in NOISE_LEVELS:
        test = rl.make_dataset(n_test, "varying", sigma, seed=SEEDS["noise_test"])
        F = features(test.X, test.lengths)
        for method, model in models.items():
            key = f"noise/{method}/{sigma}"
            if not store.has(key):
                store.put(
                    key,
                    model.predict(F) == test.y,
                    sigma=sigma,
                    trained_on="clean, 2,000 per class" if method == "forest-clean" else "the noisy mixture",
                )
        if rocket is not None and not store.has(f"noise/{ROCKET}/{sigma}"):
            store.put(
                f"noise/{ROCKET}/{sigma}",
                rocket.predict(test.X, test.lengths) == test.y,
                sigma=sigma,
                trained_on="the noisy mixture",
            )
        if noise_network is not None and not store.has(f"noise/network/{sigma}"):
            store.put(
                f"noise/network/{sigma}",
                predict_logits(noise_network, test.X).argmax(1) == test.y,
                sigma=sigma,
                trained_on=f"the noisy mixture (lite from random initialisation, {args.network_epochs} passes)",
            )
        key = f"noise/network-clean-trained/{sigma}"
        if not store.has(key):
            store.put(
                key,
                predict_logits(network, test.X).argmax(1) == test.y,
                sigma=sigma,
                trained_on="clean (the shipped network): NOT the fair comparison, which needs a network "
                "trained on the noisy mixture",
            )
    rows = []
    for sigma in NOISE_LEVELS:
        for method in [*models, *([ROCKET] if rocket is not None else [])]:
            row = {"sigma": sigma, "method": method}
            for name, net in (("network", "network"), ("clean_network", "network-clean-trained")):
                if f"noise/{net}/{sigma}" in store.correct:
                    boot = paired_bootstrap(
                        store.correct[f"noise/{method}/{sigma}"],
                        store.correct[f"noise/{net}/{sigma}"],
                        n_boot=args.n_boot,
                        rng=SEEDS["bootstrap"],
                    )
                    row[f"minus_{name}"], row[f"minus_{name}_stderr"] = boot["estimate"], boot["stderr"]
            rows.append(row)
    store.data["noise"] = {
        "train": {
            "per_class": n_train,
            "noise": "uniform on 0, 0.01, ..., 1 (step std units)",
            "seed": SEEDS["noise_train"],
        },
        "test": {
            "per_class": n_test,
            "levels": NOISE_LEVELS,
            "seed": SEEDS["noise_test"],
            "note": "the same trajectories at every level; only the noise differs",
        },
        "network_side": "'network': lite trained from random initialisation on the same noisy mixture (the fair "
        "comparison); 'network-clean-trained': the shipped network, trained on clean data, for reference only",
        "paired": rows,
    }
    store.save()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/baselines")
    parser.add_argument("--protocols", default="varying,1000")
    parser.add_argument("--sizes", default="500,2000,10000", help="training trajectories per class, feature models")
    parser.add_argument("--rocket-sizes", default="500,2000", help="training trajectories per class, MiniRocket")
    parser.add_argument("--test-per-class", type=int, default=1000)
    parser.add_argument("--noise-train-per-class", type=int, default=2000)
    parser.add_argument("--noise-test-per-class", type=int, default=250)
    parser.add_argument("--no-noise-rocket", dest="noise_rocket", action="store_false")
    parser.add_argument(
        "--parts",
        default="curves,ablation,noise,extend,network",
        help="any of curves, ablation, noise, extend, network (run in this order)",
    )
    parser.add_argument(
        "--network-sizes", default="500,2000,10000", help="per class, part 'network' (at most max of --sizes)"
    )
    parser.add_argument("--network-epochs", type=int, default=20, help="passes over the set, every network")
    parser.add_argument("--no-noise-network", dest="noise_network", action="store_false")
    parser.add_argument(
        "--ship",
        action="store_true",
        help="copy the JSON into the package (resandi_lite/pretrained/baselines.json) at the end",
    )
    parser.add_argument("--extend-sizes", default="50000", help="per class, part 'extend'")
    parser.add_argument("--extend-methods", default="boosting", help="feature models of part 'extend'")
    parser.add_argument("--n-boot", type=int, default=2000)
    args = parser.parse_args()
    with exclusive(args.out):  # one process per output folder: a second one refuses at once, naming the first
        run(args, parser)


def run(args, parser) -> None:
    torch.set_num_threads(1)
    protocols = args.protocols.split(",")
    sizes = [int(s) for s in args.sizes.split(",") if s]
    rocket_sizes = [int(s) for s in args.rocket_sizes.split(",") if s]
    parts = set(args.parts.split(","))
    settings = {
        "test_per_class": args.test_per_class,
        "sizes": sizes,
        "rocket_sizes": rocket_sizes,
        "noise_train_per_class": args.noise_train_per_class,
        "noise_test_per_class": args.noise_test_per_class,
        "seeds": SEEDS,
    }
    command = "python " + " ".join(shlex.quote(a) for a in sys.argv)
    store = Store(Path(args.out), settings, command)
    store.data["hardware"] = {
        "machine": platform.machine(),
        "threads": 1,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }
    t0 = cpu()
    for protocol in protocols if parts & {"curves", "ablation"} else []:
        test = protocol_set("test", protocol, args.test_per_class)
        train = protocol_set("train", protocol, max(sizes + rocket_sizes))
        if "curves" in parts:
            measure_network(store, protocol, test)
            if not all(store.has(f"{protocol}/{m}/{n}") for m in FEATURE_METHODS for n in sizes):
                idx = first_per_class(train.y, max(sizes))
                start = cpu()
                F_train = np.zeros((len(train), len(rl.baseline.FEATURES)))
                F_train[idx] = features(train.X[idx], train.lengths[idx])
                per_trajectory = (cpu() - start) / len(idx)
                start = cpu()
                F_test = features(test.X, test.lengths)
                test_feature_seconds = cpu() - start
                feature_curves(
                    store, protocol, train, test, F_train, F_test, per_trajectory, test_feature_seconds, sizes
                )
                del F_train
            rocket_curve(store, protocol, train, test, rocket_sizes)
        if "ablation" in parts and protocol == "varying" and rocket_sizes:
            rocket_curve(store, protocol, train, test, rocket_sizes[:1], input="positions")
        comparisons(store, protocols, args.n_boot)
        print(f"{protocol} done, {cpu() - t0:.0f} CPU s so far", flush=True)
    if "noise" in parts:
        noise_comparison(store, args)
    if "extend" in parts:
        for protocol in protocols:
            test = protocol_set("test", protocol, args.test_per_class)
            extend(
                store,
                protocol,
                test,
                [int(s) for s in args.extend_sizes.split(",") if s],
                args.extend_methods.split(","),
            )
        comparisons(store, protocols, args.n_boot)
    if "network" in parts:
        network_sizes = [int(s) for s in args.network_sizes.split(",") if s]
        if network_sizes and max(network_sizes) > max(sizes + rocket_sizes):
            parser.error(f"--network-sizes: at most {max(sizes + rocket_sizes)} per class (the curves' training set)")
        for n in sorted(network_sizes):  # the small sizes of both protocols first
            for protocol in protocols:
                train = protocol_set("train", protocol, max(sizes + rocket_sizes))
                test = protocol_set("test", protocol, args.test_per_class)
                network_curve(store, protocol, train, test, [n], args.network_epochs)
                comparisons(store, protocols, args.n_boot)
    store.data.setdefault("cpu_seconds", {})[datetime.datetime.now().isoformat(timespec="seconds")] = cpu() - t0
    store.data["left_out"] = [
        (
            f"MiniRocket above {max(rocket_sizes) if rocket_sizes else 0} per class and MultiRocket (CPU time: the "
            "transform costs about 4 ms per trajectory on one core, the ridge n * 10^8 multiply-adds)"
        ),
        "test-time averaging of MiniRocket (eight transforms of every test trajectory)",
        "networks trained from scratch above the largest of --network-sizes, and with more than one seed per "
        "size (CPU time: one pass over 10,000 per class costs about 3-6 minutes on one core at varying length); "
        "the shipped network, 6.3 M distinct trajectories, is the far end of the curve",
    ]
    store.save()
    print(f"done: {store.json}, {cpu() - t0:.0f} CPU s", flush=True)
    if args.ship:
        rl.comparison.ship(store.json)
        print(f"shipped: {rl.comparison.RESULTS}", flush=True)


if __name__ == "__main__":
    main()
