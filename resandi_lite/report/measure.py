"""The measurements behind the report's rows: one call per section of the paper, and chapter 9b's beyond it.

Each runs on fresh seeded test sets, with the shipped networks unless told otherwise, and returns
``{key: (value, stderr)}`` for :func:`~resandi_lite.report.reproduction_table`;
:func:`augmentation_from_results` reads the rows of a finished augmentation experiment instead, and
:func:`classical_from_results` chapter 4's rows beyond the paper from the results of ``benchmarks/baselines.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..paper import CORRELATIONS as PAPER_CORRELATIONS
from ..paper import GROUPS as PAPER_GROUPS
from ..paper import PROBES as PAPER_PROBES
from ..paper import SPEARMAN as PAPER_SPEARMAN
from ..simulate.classes import CLASSES
from .rows import CLASSICAL, CLASSICAL_PROTOCOLS, _networks, groundtruth_rows, paper_rows


def _percent(p, n: int) -> tuple[float, float]:
    """A fraction ``p`` measured on ``n`` trials as percent, with its binomial standard error."""
    p = float(p)
    return 100 * p, 100 * float(np.sqrt(p * (1 - p) / n))


def _accuracy(correct) -> tuple[float, float]:
    return _percent(np.mean(correct), np.size(correct))


def measure_classification(n_per_class: int, seed: int = 0, *, networks: dict | None = None) -> dict:
    """Accuracy and per-class accuracy (%) of the networks of both protocols on fresh seeded test sets.

    ``networks`` maps ``"varying"`` and ``"fixed"`` to a shipped name or a
    ``.pt`` path (default: the shipped ``lite`` and ``lite-T1000``).

    Returns
    -------
    dict
        ``{key: (value, stderr)}`` for the classification rows of :func:`paper_rows`.
    """
    from ..data import make_dataset
    from ..evaluate import evaluate
    from ..pretrained import load_model

    chosen = _networks(networks)
    out = {}
    for protocol, length in (("varying", "varying"), ("fixed", 1000)):
        test = make_dataset(n_per_class, length, seed=seed + (length == 1000))
        correct = evaluate(load_model(chosen[protocol]), test)["predictions"] == test.y
        out[f"accuracy/{protocol}"] = _accuracy(correct)
        out.update({f"per_class/{protocol}/{c}": _accuracy(correct[test.y == k]) for k, c in enumerate(CLASSES)})
    return out


def measure_erasure(
    n_per_class: int, seed: int = 0, *, top_per_class: int | None = None, network="lite", attribution=None
) -> dict:
    """The erasure curve (%) of the varying-length ``network`` (default: shipped), as the paper's erasure figure.

    The row ``erasure/top-random`` compares the top band with the random
    baseline of the same band, paired over the trajectories
    (:func:`resandi_lite.erasure.compare_with_random`): negative when
    erasing the top band costs more than erasing as many random segments.
    ``top_per_class`` measures it on a separate, larger test set (two passes
    over the set instead of twenty), since a difference of a point or two
    needs thousands of trajectories to be resolved.  ``attribution`` (a name
    of :data:`resandi_lite.attribution.METHODS` or a callable) replaces the
    paper's signed layer4 Grad-CAM (``None``, the default).
    """
    from ..data import make_dataset
    from ..erasure import compare_with_random, erasure_experiment
    from ..pretrained import load_model

    model = load_model(network)
    test = make_dataset(n_per_class, "varying", seed=seed + 2)
    result = erasure_experiment(model, test.X, test.y, rng=seed, attribution=attribution)
    n, random = len(test.y), result["random_accuracy"]
    out = {f"erasure/{b}": _percent(a, n) for b, a in enumerate(result["accuracy"])}
    out["erasure/random"] = _percent(np.mean(random), n * len(random))
    if top_per_class is not None:
        test = make_dataset(top_per_class, "varying", seed=seed + 6)
        result = erasure_experiment(model, test.X, test.y, rng=seed, which=[-1], attribution=attribution)
    paired = compare_with_random(result, test.y)
    out["erasure/top-random"] = (-float(paired["difference"][-1]), float(paired["stderr"][-1]))
    return out


def measure_layerwise(n_per_class: int, seed: int = 0, *, network="lite-T1000", attribution=None) -> dict:
    """Correlations of the maps with the composites and probe accuracies of the T = 1000 ``network`` (default: shipped).

    ``attribution`` makes the maps (:func:`resandi_lite.layerwise.window_maps`; ``None``: the paper's Grad-CAM).
    """
    from ..data import make_dataset
    from ..layerwise import (
        block_probes,
        composites,
        correlation_intervals,
        group_accuracy,
        window_maps,
        window_statistics,
    )
    from ..pretrained import load_model

    model = load_model(network)
    test = make_dataset(n_per_class, 1000, seed=seed + 3)
    maps = window_maps(model, test.X, test.y, attribution=attribution)
    feats = composites(window_statistics(test.X))
    out = {}
    for method, paper in (("pearson", PAPER_CORRELATIONS), ("spearman", PAPER_SPEARMAN)):
        r = correlation_intervals(maps, feats, test.y, pairs=paper, method=method, rng=seed)  # bootstrap stderr
        out.update({f"{method}/{c}/{f}": (r[(c, f)]["r"], r[(c, f)]["stderr"]) for (c, f) in paper})
    train = make_dataset(n_per_class, 1000, seed=seed + 4)
    probes = block_probes(model, train, test, stages=tuple(PAPER_PROBES), seed=seed)
    for stage in PAPER_PROBES:
        out[f"probe/{stage}"] = _percent(
            group_accuracy(test.y, probes[stage]["predictions"], PAPER_GROUPS[stage]), len(test.y)
        )
    return out


def measure_groundtruth(n_per_class: int, seed: int = 0, *, network="lite", attribution=None) -> dict:
    """The rows beyond the paper: chapter 9b's ground-truth scores of the varying-length ``network``'s maps.

    ``n_per_class`` trajectories of each class with events
    (:data:`resandi_lite.groundtruth.EVENT_CLASSES`), simulated afresh from
    ``seed``; one map per trajectory (``attribution``; ``None``: the paper's
    signed layer4 Grad-CAM), so the cost is one Grad-CAM pass over
    ``3 * n_per_class`` trajectories.

    Returns
    -------
    dict
        ``{key: (value, stderr)}`` for every key of :func:`groundtruth_rows`
        (:func:`resandi_lite.groundtruth.report_values`: the mean score per
        class, and a standard error read off its 95% bootstrap interval).
    """
    from ..groundtruth import report_values

    if not isinstance(n_per_class, (int, np.integer)) or isinstance(n_per_class, bool) or n_per_class < 2:
        raise ValueError(
            f"n_per_class must be an integer >= 2 (a bootstrap needs two trajectories), got {n_per_class!r}"
        )
    values = report_values(int(n_per_class), seed, network=network, attribution=attribution)
    expected = {r.key for r in groundtruth_rows()}
    if set(values) != expected:
        raise RuntimeError(
            f"groundtruth.report_values returned keys {sorted(set(values) ^ expected)} that do not "
            "match the report's ground-truth rows beyond the paper"
        )
    return {k: (float(v), float(e)) for k, (v, e) in values.items()}


def measure_augmentation(
    n_per_class: int,
    seed: int = 0,
    *,
    seeds=(0, 1),
    test_per_class: int = 100,
    sigmas=(0.0, 0.3, 0.5, 0.7, 1.0),
    network="lite",
) -> dict:
    """The augmentation rows at CPU scale: chapter 10's book-profile protocol, for the report.

    Both arms start from ``network`` (default: the shipped ``lite``) and are fine-tuned for
    one epoch (Adam 1e-4) on ``n_per_class`` varying-length trajectories per
    class plus 60% rotated copies, one network per arm and seed, in a
    temporary folder; the paper trains from scratch on 80,000 + 48,000.

    Returns
    -------
    dict
        ``{key: (value, stderr)}`` as :func:`augmentation_from_results`.
    """
    import tempfile

    from ..augment import augmentation_experiment
    from ..data import make_dataset
    from ..pretrained import load_model
    from ..train import TrainConfig

    train = make_dataset(n_per_class, "varying", seed=seed + 5)
    from ..reproduce import describe

    base = load_model(network)
    config = TrainConfig(
        preset=describe(network)["preset"], lr=1e-4, max_epochs=1, init=str(network), bn_batches=20
    )  # recompute BatchNorm statistics after the fine-tune (chapter 10)
    with tempfile.TemporaryDirectory() as tmp:
        result = augmentation_experiment(
            base, train, tmp, seeds=seeds, config=config, test_per_class=test_per_class, sigmas=sigmas, progress=False
        )
    return augmentation_from_results(result)


def augmentation_from_results(results) -> dict:
    """The augmentation rows read from chapter 10's ``results.json`` (or :func:`resandi_lite.augment.from_scratch`'s), or its dict.

    ``results`` as :func:`resandi_lite.augment.augmentation_experiment` or
    :func:`~resandi_lite.augment.from_scratch` writes it.  Only the rows of
    :func:`paper_rows` whose noise level is present in the results are filled
    in.  Where both arms keep their accuracy per seed, the gain is paired by
    seed (its standard error is that of the mean per-seed difference);
    otherwise the arms' standard errors over seeds are added in quadrature.
    With fewer than :data:`resandi_lite.augment.MIN_SEEDS` seeds there is no standard error (``None``), not a
    zero one: the standard deviation of two seeds is zero whenever they happen to agree.  An arm with no
    finished seed may be absent (a :func:`resandi_lite.augment.from_scratch` experiment still running):
    its rows stay empty.
    """
    from ..augment import MIN_SEEDS, _by_seed, _paired_over_seeds

    if isinstance(results, (str, Path)):
        results = json.loads(Path(results).read_text())
    sigmas = np.round(np.asarray(results["sigmas"], dtype=float), 2)
    arms = ("targeted", "random")
    out = {}
    present = {arm: results.get(arm) if isinstance(results.get(arm), dict) else {} for arm in arms}
    if all("accuracy" in present[arm] or not present[arm] for arm in arms):  # an arm with no seed yet is absent
        by_seed = {arm: _by_seed(present[arm]) if present[arm] else {} for arm in arms}
        seeds, diff = _paired_over_seeds(by_seed["targeted"], by_seed["random"])
        targeted = np.array(list(by_seed["targeted"].values()))
        for j, s in enumerate(sigmas):
            gain_se = float(diff[:, j].std(ddof=1) / np.sqrt(len(seeds))) if len(seeds) >= MIN_SEEDS else None
            if len(seeds):
                out[f"gain/{s:.1f}"] = (float(diff[:, j].mean()), gain_se)
            if len(targeted):
                out[f"targeted/{s:.1f}"] = (
                    float(targeted[:, j].mean()),
                    float(targeted[:, j].std(ddof=1) / np.sqrt(len(targeted))) if len(targeted) >= MIN_SEEDS else None,
                )
    else:
        mean = {arm: 100 * np.asarray(results[arm]["mean"], dtype=float) for arm in arms}
        se = {arm: 100 * np.asarray(results[arm]["stderr"], dtype=float) for arm in arms}
        for j, s in enumerate(sigmas):
            out[f"gain/{s:.1f}"] = (
                float(mean["targeted"][j] - mean["random"][j]),
                float(np.hypot(se["targeted"][j], se["random"][j])),
            )
            out[f"targeted/{s:.1f}"] = (float(mean["targeted"][j]), float(se["targeted"][j]))
    reported = {row.key for row in paper_rows()}
    return {k: v for k, v in out.items() if k in reported}  # the paper lists only some noise levels


def _points(value, stderr, detail=None) -> tuple | None:
    """A fraction and its standard error as points (``None`` where the value is missing or not finite)."""
    if value is None or not np.isfinite(float(value)):
        return None
    se = None if stderr is None or not np.isfinite(float(stderr)) else 100 * float(stderr)
    return (100 * float(value), se) if detail is None else (100 * float(value), se, detail)


def classical_from_results(results) -> dict:
    """Chapter 4's rows beyond the paper (:func:`classical_rows`) read from ``benchmarks/baselines.py``'s results.

    ``results`` as :func:`resandi_lite.comparison.load_comparison` returns it (the shipped file), or the path of a
    ``learning_curves.json``; ``None`` (nothing shipped) fills no row.  Per protocol: each method's accuracy
    (%) at its largest training size in the results (:func:`resandi_lite.comparison.curve`), the shipped network's
    plain and averaged over the symmetries (:func:`resandi_lite.comparison.shipped`), and the paired differences
    (points) the benchmark stored (:func:`resandi_lite.comparison.paired`): the random forest at its largest size
    minus the shipped network averaged over the symmetries, and the forest minus the network from scratch at the
    largest size both were trained at.  A method, network or comparison missing from the results (the networks
    from scratch while they train) leaves its row empty.

    Returns
    -------
    dict
        ``{key: (value, stderr)}`` for the shipped networks, ``{key: (value, stderr, detail)}`` for the rows read
        at a training size, ``detail`` the size (e.g. ``"10,000 per class"``), which
        :func:`reproduction_table` adds to the row's quantity.
    """
    from ..comparison import curve, load_comparison, paired, shipped

    if isinstance(results, (str, Path)):
        results = load_comparison(results)
    if results is None:
        return {}
    if not isinstance(results, dict) or not isinstance(results.get("entries"), dict):
        raise ValueError("results must be the dict of comparison.load_comparison() (with 'entries'), a path or None")
    out = {}
    for protocol, _, name, _ in CLASSICAL_PROTOCOLS:
        at = f"{CLASSICAL}/{protocol}"
        sizes = {}
        for method in ("forest", "boosting", "minirocket", "network-scratch"):
            c = curve(results, name, method)
            sizes[method] = {int(n) for n in c["per_class"]}
            if c["per_class"].size:
                out[f"{at}/{method}"] = _points(
                    c["accuracy"][-1], c["stderr"][-1], f"{int(c['per_class'][-1]):,} per class"
                )
        for suffix in ("", "-symmetrized"):
            entry = shipped(results, name, symmetrized=bool(suffix))
            if entry is not None:
                out[f"{at}/network{suffix}"] = _points(entry["accuracy"], entry["stderr"])
        largest = max(sizes["forest"], default=None)
        equal = max(sizes["forest"] & sizes["network-scratch"], default=None)  # equal data
        for network, n, against in (
            ("network-symmetrized", largest, f"{name}/network-symmetrized"),
            ("network-scratch", equal, f"{name}/network-scratch/{equal}"),
        ):
            row = None if n is None else paired(results, f"{name}/forest/{n}", against)
            if row is not None:
                out[f"{at}/forest-minus-{network}"] = _points(row["difference"], row["stderr"], f"{n:,} per class")
    return {k: v for k, v in out.items() if v is not None}
