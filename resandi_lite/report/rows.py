"""The reproduction report: every number the paper reports beside the course's own, in one table.

The paper's numbers live beside the code that measures them
(:mod:`resandi_lite.evaluate`, :mod:`resandi_lite.erasure`,
:mod:`resandi_lite.augment`, :mod:`resandi_lite.layerwise`); this module runs
each measurement on fresh seeded test sets and lines the results up, one
:class:`Row` per reported number: the paper's accuracies and confusion matrix, its erasure
curve, its accuracies under noise with and without Grad-CAM-guided augmentation, and its layer-wise
correlations and block-wise probes.

Beyond the paper, the report carries chapter 9b's ground-truth scores
(:mod:`resandi_lite.groundtruth`): how well the network's maps find the
simulated events.  Those rows are ours only (``Row.paper`` is ``None``,
printed as "—") and stand in their own section, :data:`BEYOND`.

>>> rows = paper_rows()
>>> len(rows), rows[0].quantity, rows[0].paper
(54, 'accuracy, varying length', 90.36)
>>> len(beyond_rows()), beyond_rows()[0].paper
(18, None)
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from ..paper import ACCURACY_FIXED as PAPER_ACCURACY_FIXED
from ..paper import ACCURACY_VARYING as PAPER_ACCURACY_VARYING
from ..paper import AUGMENT_RANDOM as PAPER_RANDOM
from ..paper import AUGMENT_TARGETED as PAPER_TARGETED
from ..paper import CONFUSION as PAPER_CONFUSION
from ..paper import CORRELATIONS as PAPER_CORRELATIONS
from ..paper import DIAGONAL_FIXED as PAPER_DIAGONAL_FIXED
from ..paper import ERASURE as PAPER_ERASURE
from ..paper import ERASURE_RANDOM_MEAN as PAPER_RANDOM_MEAN
from ..paper import ERASURE_RANDOM_RANGE as PAPER_RANDOM_RANGE
from ..paper import GROUPS as PAPER_GROUPS
from ..paper import N_PER_FILE as PAPER_TEST_PER_CLASS
from ..paper import PROBES as PAPER_PROBES
from ..paper import SIGMAS as PAPER_SIGMAS
from ..paper import SPEARMAN as PAPER_SPEARMAN
from ..simulate.classes import CLASSES

#: The section of the rows beyond the paper (ours only): chapter 9b's ground-truth scores.
BEYOND = "groundtruth"
#: Section key -> title; each title names the paper's result the rows reproduce (Bae et al. 2026), or says that
#: the section goes beyond the paper.
SECTIONS = {
    "classification": "classification (the paper's test accuracies and its confusion matrix)",
    "erasure": "erasure (the paper's erasure figure: accuracy after erasing each Grad-CAM band, and at random)",
    "augmentation": "augmentation and noise (the paper's figure of accuracy under noise, targeted against random "
    "copies)",
    "layerwise": "layer-wise analysis (the paper's Grad-CAM-statistic correlations and block-wise probes)",
    BEYOND: "beyond the paper, ours only (chapter 9b): do the layer4 Grad-CAM maps find the simulated events?",
}


@dataclasses.dataclass
class Row:
    """One number of the paper and ours.

    Attributes
    ----------
    section : str
        Key of :data:`SECTIONS`.
    quantity : str
        What is measured.
    paper : float or None
        The paper's value; ``None`` for a row beyond the paper (section :data:`BEYOND`), printed as "—".
    ours : float or None
        The course's value (``None``: not measured in this run).
    unit : str
        ``"%"`` (accuracy points) or ``""`` (a correlation, or a score between 0 and 1).
    key : str
        Stable identifier, e.g. ``"accuracy/varying"``.
    stderr : float or None
        Standard error of ``ours`` from the size of the test set (binomial for
        accuracies), where known.
    network : str or None
        The network ``ours`` was measured on (a shipped name or a ``.pt``
        path), where known.
    """

    section: str
    quantity: str
    paper: float | None = None
    ours: float | None = None
    unit: str = "%"
    key: str = ""
    stderr: float | None = None
    network: str | None = None

    @property
    def beyond_paper(self) -> bool:
        """The paper has no such number: the row is ours only."""
        return self.paper is None

    @property
    def difference(self) -> float | None:
        """Ours minus the paper's (``None`` when either is missing)."""
        return None if self.ours is None or self.paper is None else self.ours - self.paper

    @property
    def is_difference(self) -> bool:
        """A difference of two accuracies (points; may be negative): augmentation gains, top band minus random."""
        return self.key.startswith("gain/") or self.key == "erasure/top-random"

    @property
    def same_sign(self) -> bool | None:
        """For correlations: does ours agree in sign with the paper's (:func:`resandi_lite.layerwise.sign_agreement`).

        ``True`` or ``False`` once ours lies more than 2 standard errors from zero, ``None`` while it does not
        (and for accuracies); without a standard error, the bare signs.
        """
        if self.unit or self.ours is None or self.paper is None:
            return None
        if self.stderr is None:
            return bool(np.sign(self.ours) == np.sign(self.paper))
        from ..layerwise import sign_agreement

        return {"agrees": True, "differs": False, "unresolved": None}[
            sign_agreement(self.ours, self.paper, self.stderr)
        ]


def paper_rows() -> list[Row]:
    """Every number the paper reports, result by result, with ``ours`` empty."""
    rows = [
        Row("classification", "accuracy, varying length", PAPER_ACCURACY_VARYING, key="accuracy/varying"),
        Row("classification", "accuracy, T = 1000", PAPER_ACCURACY_FIXED, key="accuracy/fixed"),
    ]
    rows += [
        Row(
            "classification",
            f"per-class accuracy, varying length: {name}",
            float(PAPER_CONFUSION[k, k]),
            key=f"per_class/varying/{name}",
        )
        for k, name in enumerate(CLASSES)
    ]
    rows += [
        Row(
            "classification",
            f"per-class accuracy, T = 1000: {name}",
            float(PAPER_DIAGONAL_FIXED[k]),
            key=f"per_class/fixed/{name}",
        )
        for k, name in enumerate(CLASSES)
    ]
    rows += [
        Row(
            "erasure",
            f"accuracy after erasing band {10 * b}-{10 * b + 10}%",
            float(PAPER_ERASURE[b]),
            key=f"erasure/{b}",
        )
        for b in range(10)
    ]
    low, high = PAPER_RANDOM_RANGE
    rows.append(
        Row(
            "erasure",
            f"accuracy after random erasure (mean over bands; the paper's spans {low}-{high}% "
            f"over bands, mean about {PAPER_RANDOM_MEAN}%)",
            PAPER_RANDOM_MEAN,
            key="erasure/random",
        )
    )
    # The paper gives its random baseline per band only as that range: its top band against the baseline's mean.
    rows.append(
        Row(
            "erasure",
            "top band minus its random baseline (ours paired; paper: against the mean of its random baseline)",
            round(float(PAPER_ERASURE[-1] - PAPER_RANDOM_MEAN), 2),
            key="erasure/top-random",
        )
    )
    for s, t, r in zip(PAPER_SIGMAS, PAPER_TARGETED, PAPER_RANDOM):
        if s in (0.0, 0.3, 0.5, 0.7, 1.0):
            rows.append(
                Row("augmentation", f"targeted - random, sigma = {s:.1f}", round(float(t - r), 2), key=f"gain/{s:.1f}")
            )
    rows += [
        Row("augmentation", f"accuracy, targeted arm, sigma = {s:.1f}", float(t), key=f"targeted/{s:.1f}")
        for s, t in zip(PAPER_SIGMAS, PAPER_TARGETED)
        if s in (0.0, 0.5, 1.0)
    ]
    rows += [
        Row("layerwise", f"Pearson r(map, {f}), {c}", v, unit="", key=f"pearson/{c}/{f}")
        for (c, f), v in PAPER_CORRELATIONS.items()
    ]
    rows += [
        Row("layerwise", f"Spearman r(map, {f}), {c}", v, unit="", key=f"spearman/{c}/{f}")
        for (c, f), v in PAPER_SPEARMAN.items()
    ]
    rows += [
        Row(
            "layerwise",
            f"probe after {stage}, accuracy on the paper's {len(PAPER_GROUPS[stage])} groups",
            v,
            key=f"probe/{stage}",
        )
        for stage, v in PAPER_PROBES.items()
    ]
    return rows


#: Scores of chapter 9b, as the rows beyond the paper name them.
_SCORE_NAMES = {
    "auroc": "AUROC at events (0.5: chance)",
    "pointing": "pointing game, k = 3 (hit rate)",
    "mass": "relevance mass within 3 steps of events",
}


def beyond_rows() -> list[Row]:
    """The rows beyond the paper (ours only, ``paper=None``): chapter 9b's ground-truth scores of the maps.

    For each class with events (:data:`resandi_lite.groundtruth.EVENT_CLASSES`)
    and each score (AUROC, pointing game, relevance mass), the score of the
    network's maps and the score of random maps of the same resolution, the
    baseline to read it against; keys ``groundtruth/<score>/<class>`` and
    ``groundtruth/<score>-random/<class>``, as
    :func:`resandi_lite.groundtruth.report_values` returns them.
    """
    from ..groundtruth import EVENT_CLASSES, SCORES

    rows = []
    for score in SCORES:
        for c in EVENT_CLASSES:
            rows.append(
                Row(BEYOND, f"{_SCORE_NAMES[score]}, {c}: the network's map", unit="", key=f"groundtruth/{score}/{c}")
            )
            rows.append(
                Row(
                    BEYOND,
                    f"{_SCORE_NAMES[score]}, {c}: random maps (baseline)",
                    unit="",
                    key=f"groundtruth/{score}-random/{c}",
                )
            )
    return rows


def report_rows() -> list[Row]:
    """Every row of the report: the paper's (:func:`paper_rows`), then those beyond it (:func:`beyond_rows`)."""
    return paper_rows() + beyond_rows()


def _percent(p, n: int) -> tuple[float, float]:
    """A fraction ``p`` measured on ``n`` trials as percent, with its binomial standard error."""
    p = float(p)
    return 100 * p, 100 * float(np.sqrt(p * (1 - p) / n))


def _accuracy(correct) -> tuple[float, float]:
    return _percent(np.mean(correct), np.size(correct))


def protocol_of(key: str) -> str:
    """The protocol whose network measures the row ``key``: ``"fixed"`` (T = 1000, layer-wise) or ``"varying"``."""
    fixed = ("/fixed", "pearson/", "spearman/", "probe/")
    return "fixed" if key.endswith("/fixed") or any(part in key for part in fixed) else "varying"


def _networks(networks) -> dict:
    from ..reproduce import SHIPPED

    chosen = {**SHIPPED, **(networks or {})}
    if set(chosen) != set(SHIPPED):
        raise ValueError(
            f"networks must map {' and '.join(SHIPPED)} to a shipped name or a .pt path, got keys {sorted(networks)}"
        )
    return chosen


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
        ``{key: (value, stderr)}`` for every key of :func:`beyond_rows`
        (:func:`resandi_lite.groundtruth.report_values`: the mean score per
        class, and a standard error read off its 95% bootstrap interval).
    """
    from ..groundtruth import report_values

    if not isinstance(n_per_class, (int, np.integer)) or isinstance(n_per_class, bool) or n_per_class < 2:
        raise ValueError(
            f"n_per_class must be an integer >= 2 (a bootstrap needs two trajectories), got {n_per_class!r}"
        )
    values = report_values(int(n_per_class), seed, network=network, attribution=attribution)
    expected = {r.key for r in beyond_rows()}
    if set(values) != expected:
        raise RuntimeError(
            f"groundtruth.report_values returned keys {sorted(set(values) ^ expected)} that do not "
            "match the report's rows beyond the paper"
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
    With fewer than two seeds there is no standard error (``None``), not a zero one.  An arm with no
    finished seed may be absent (a :func:`resandi_lite.augment.from_scratch` experiment still running):
    its rows stay empty.
    """
    from ..augment import _by_seed, _paired_over_seeds

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
            gain_se = float(diff[:, j].std(ddof=1) / np.sqrt(len(seeds))) if len(seeds) >= 2 else None
            if len(seeds):
                out[f"gain/{s:.1f}"] = (float(diff[:, j].mean()), gain_se)
            if len(targeted):
                out[f"targeted/{s:.1f}"] = (
                    float(targeted[:, j].mean()),
                    float(targeted[:, j].std(ddof=1) / np.sqrt(len(targeted))) if len(targeted) >= 2 else None,
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


def reproduction_table(measured: dict, *, networks: dict | None = None) -> list[Row]:
    """The report's rows (:func:`report_rows`: the paper's, then those beyond it) with ``ours`` filled in.

    ``measured`` maps row keys to a value or a ``(value, stderr)`` pair;
    missing keys stay empty ("not measured").  ``networks`` (protocol to
    shipped name or path, as for :func:`measure_classification`) names the
    network of each measured row (:func:`protocol_of`).
    """
    if not isinstance(measured, dict):
        raise TypeError(f"measured must be a dict of row keys to values, got {type(measured).__name__}")
    unknown = set(measured) - {row.key for row in report_rows()}
    if unknown:
        raise ValueError(
            f"measured has keys that are not rows of the report: {sorted(unknown)}; see report_rows() for the keys"
        )
    rows = []
    for row in report_rows():
        value = measured.get(row.key)
        value, stderr = value if isinstance(value, tuple) else (value, None)
        network = None if value is None or networks is None else str(networks[protocol_of(row.key)])
        rows.append(
            dataclasses.replace(
                row,
                ours=None if value is None else float(value),
                stderr=None if stderr is None else float(stderr),
                network=network,
            )
        )
    return rows


def class_gaps(rows: list[Row]) -> list[dict]:
    """Per-class accuracy, ours minus the paper's (the diagonal of its confusion matrix), with standard errors.

    Parameters
    ----------
    rows : list of Row
        From :func:`reproduction_table`; the measured ``per_class/<protocol>/<class>`` rows are used.

    Returns
    -------
    list of dict
        One per measured row, varying length first, in :data:`CLASSES` order:
        ``protocol`` (``"varying"`` or ``"fixed"``), ``class``, ``ours``,
        ``paper``, ``gap`` (ours minus paper, accuracy points),
        ``ours_stderr`` (binomial, from our test set), ``paper_stderr``
        (binomial, from the paper's 10,000 test trajectories per class, one
        test file), ``stderr`` (of the gap: both added in quadrature) and
        ``z`` (gap / stderr).

    Examples
    --------
    >>> gap = class_gaps(reproduction_table({"per_class/varying/BM": (85.0, 1.6)}))[0]
    >>> gap["class"], round(gap["gap"], 2), round(gap["stderr"], 2)
    ('BM', -2.5, 1.62)
    """
    if not isinstance(rows, (list, tuple)) or not all(isinstance(r, Row) for r in rows):
        raise TypeError("rows must be a list of report.Row, as reproduction_table returns")
    by_key = {r.key: r for r in rows}
    out = []
    for protocol in ("varying", "fixed"):
        for c in CLASSES:
            r = by_key.get(f"per_class/{protocol}/{c}")
            if r is None or r.ours is None:
                continue
            p = r.paper / 100
            paper_se = 100 * float(np.sqrt(p * (1 - p) / PAPER_TEST_PER_CLASS))
            ours_se = 0.0 if r.stderr is None else r.stderr
            se = float(np.hypot(ours_se, paper_se))
            out.append(
                {
                    "protocol": protocol,
                    "class": c,
                    "ours": r.ours,
                    "paper": r.paper,
                    "gap": r.ours - r.paper,
                    "ours_stderr": ours_se,
                    "paper_stderr": paper_se,
                    "stderr": se,
                    "z": (r.ours - r.paper) / se if se > 0 else float("nan"),
                }
            )
    return out


def _earlier_runs(init) -> dict:
    """Epochs and samples of the runs a run was warm-started from, followed back through their logs."""
    epochs = samples = 0
    seen = set()
    while init and init not in seen and Path(init).with_name("log.json").is_file():
        seen.add(init)
        run = json.loads(Path(init).with_name("log.json").read_text())
        epochs += len(run["history"])
        samples += int(sum(h["samples"] for h in run["history"]))
        init = run["config"].get("init")
    return {"epochs": epochs, "samples": samples}


def training_summary(network) -> dict | None:
    """What the learning curve of a network shows at the end of its training, from its model card or run log.

    Parameters
    ----------
    network : str or path-like
        A shipped name (its model card, :func:`resandi_lite.pretrained.model_card`)
        or a ``.pt`` file whose folder holds the run's ``log.json``.

    Returns
    -------
    dict or None
        ``None`` if neither a card nor a log is found.  Otherwise:
        ``epochs`` (of the last run), ``warm_start_epochs`` (of the runs
        before it, 0 if none), ``samples`` (training trajectories seen, all
        runs), ``paper_max_samples`` (the paper's budget at most: 100 epochs
        of 400,000), ``val_first``, ``val_best``, ``val_last`` (validation
        accuracy, %, at the first, best and last epoch of the last run, as
        its log records them),
        ``tail_epochs`` (the last quarter of its epochs, at least 1),
        ``tail_change`` (points gained over them), ``val_stderr`` (binomial
        standard error of one validation accuracy, points) and ``lr_last``.
    """
    from ..paper import RECIPE
    from ..pretrained import available, model_card

    if isinstance(network, str) and network in available():
        card = model_card(network)
        history, warm, val_size = card["history"], card.get("warm_start") or {}, 8 * card["config"]["val_per_class"]
    else:
        log = Path(network).with_name("log.json")
        if not log.is_file():
            return None
        run = json.loads(log.read_text())
        history, warm = run["history"], _earlier_runs(run["config"].get("init"))
        val_size = 8 * run["config"]["val_per_class"]
    if not history:
        return None
    acc = 100 * np.array([h["val_acc"] for h in history], dtype=float)
    tail = max(1, len(acc) // 4)
    last = acc[-1] / 100
    return {
        "epochs": len(acc),
        "warm_start_epochs": int(warm.get("epochs", 0)),
        "samples": int(sum(h["samples"] for h in history)) + int(warm.get("samples", 0)),
        "paper_max_samples": RECIPE["max_epochs"] * RECIPE["train_per_class"] * len(CLASSES),
        "val_first": float(acc[0]),
        "val_best": float(acc.max()),
        "val_last": float(acc[-1]),
        "tail_epochs": tail,
        "tail_change": float(acc[-1] - acc[-1 - tail]) if len(acc) > tail else float("nan"),
        "val_stderr": 100 * float(np.sqrt(last * (1 - last) / val_size)),
        "lr_last": float(history[-1]["lr"]),
    }


#: What a row beyond the paper shows in the paper's column and in the difference column.
NO_PAPER = "—"


def _cells(r: Row) -> tuple[str, str, str, str]:
    """The four printed cells of one row: quantity, paper, ours (with standard error), difference."""
    digits = 1 if r.unit else 3
    ours = (
        "not measured"
        if r.ours is None
        else f"{r.ours:.{digits}f}" + ("" if r.stderr is None else f" ± {r.stderr:.{digits}f}") + r.unit
    )
    if r.ours is not None and not np.isfinite(r.ours):
        ours = "undefined (no trajectory where the score is defined)"
    if r.beyond_paper:
        return r.quantity, NO_PAPER, ours, NO_PAPER
    diff = (
        ""
        if r.ours is None
        else f"{r.difference:+.{digits}f}" + ("" if r.same_sign in (None, True) else " (sign differs)")
    )
    return r.quantity, f"{r.paper:.{digits}f}{r.unit}", ours, diff


_HEADER = ("quantity", "paper", "ours (± standard error)", "difference")


def to_markdown(rows: list[Row]) -> str:
    """The table as Markdown, one block per section; correlations marked when the sign differs."""
    lines = []
    for section, title in SECTIONS.items():
        chosen = [r for r in rows if r.section == section]
        if not chosen:
            continue
        lines += [f"**{title}**", "", "| " + " | ".join(_HEADER) + " |", "| --- | ---: | ---: | ---: |"]
        lines += ["| " + " | ".join(_cells(r)) + " |" for r in chosen]
        lines.append("")
    return "\n".join(lines)


def to_html(rows: list[Row]) -> str:
    """The table as HTML: one ``<table>`` per section, headed by the section's title as its caption."""
    import html

    parts = []
    for section, title in SECTIONS.items():
        chosen = [r for r in rows if r.section == section]
        if not chosen:
            continue
        head = "".join(f"<th>{html.escape(h)}</th>" for h in _HEADER)
        body = "".join(
            "<tr>"
            + "".join(
                f'<td style="text-align:{"left" if k == 0 else "right"}">{html.escape(c)}</td>'
                for k, c in enumerate(_cells(r))
            )
            + "</tr>"
            for r in chosen
        )
        parts.append(
            f'<table class="reproduction-table" data-section="{html.escape(section)}">'
            f"<caption><strong>{html.escape(title)}</strong></caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )
    return "\n".join(parts)


class Table:
    """The reproduction table as a notebook output: HTML in Jupyter and in the built book, Markdown elsewhere.

    The built book renders an output's ``text/html`` before its ``text/markdown``; MyST-NB reads
    ``text/markdown`` as CommonMark, which has no tables, so a Markdown table alone would print as pipe text.
    """

    def __init__(self, rows: list[Row]):
        self.rows = list(rows)

    def _repr_html_(self) -> str:
        return to_html(self.rows)

    def _repr_markdown_(self) -> str:
        return to_markdown(self.rows)

    def __repr__(self) -> str:
        return f"<reproduction table: {counts(self.rows)}>"


def counts(rows: list[Row]) -> str:
    """How many rows are the paper's and how many go beyond it, and how many of each were measured.

    >>> counts(reproduction_table({"accuracy/varying": 90.0}))
    "54 rows of the paper's (1 measured), 18 beyond the paper (0 measured)"
    """
    paper = [r for r in rows if not r.beyond_paper]
    beyond = [r for r in rows if r.beyond_paper]
    measured = lambda part: sum(r.ours is not None for r in part)  # noqa: E731
    return (
        f"{len(paper)} rows of the paper's ({measured(paper)} measured), "
        f"{len(beyond)} beyond the paper ({measured(beyond)} measured)"
    )


def table(rows: list[Row]) -> Table:
    """The rows as a displayable :class:`Table` (the last expression of a cell shows it as a table)."""
    return Table(rows)


def write_report(rows: list[Row], out_dir, networks: dict) -> dict:
    """Write ``out_dir/report.md`` and ``out_dir/report.json``: which networks were measured, and the table.

    Parameters
    ----------
    rows : list of Row
    out_dir : str or path-like
    networks : dict
        ``{"varying": source, "fixed": source}``, each a shipped name or a ``.pt`` path.

    Returns
    -------
    dict
        ``{"checkpoints": {protocol: path}, "networks": {protocol: description},
        "rows": [{"quantity", "paper", "ours", "stderr", "unit", "key",
        "section", "network"}, ...]}`` (as written to ``report.json``).
    """
    from ..pretrained import checkpoint_path
    from ..reproduce import describe

    networks = _networks(networks)
    described = {p: describe(source) for p, source in networks.items()}
    report = {
        "checkpoints": {p: str(checkpoint_path(s)) for p, s in networks.items()},
        "networks": described,
        "rows": [dataclasses.asdict(r) for r in rows],
    }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(report, indent=1))
    head = ["# Reproduction report", "", "Networks measured:", ""]
    head += [
        f"- {p}: `{d['label']}`, preset `{d['preset']}`, {d['parameters']:,} parameters, file `{d['path']}` "
        f"(sha256 {d['sha256']}); {d['origin']}"
        for p, d in described.items()
    ]
    (out_dir / "report.md").write_text("\n".join(head) + "\n\n" + to_markdown(rows))
    return report
