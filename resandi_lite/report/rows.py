"""The rows of the report: one :class:`Row` per number, the paper's and those beyond it, ours filled in.

The sections (:data:`SECTIONS`), the paper's rows (:func:`paper_rows`) and the rows beyond the paper
(:func:`beyond_rows`, sections :data:`BEYOND_SECTIONS`: chapter 4's classical methods against the network,
:func:`classical_rows`, and chapter 9b's ground-truth scores, :func:`groundtruth_rows`), which network measures
a row (:func:`protocol_of`),
the table with ours filled in (:func:`reproduction_table`), how many rows were measured
(:func:`counts`) and the per-class accuracies against the paper's (:func:`class_gaps`).
"""

from __future__ import annotations

import dataclasses

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

#: The section of chapter 9b's ground-truth scores, rows beyond the paper (ours only); kept for its callers, the
#: sections of every row beyond the paper are :data:`BEYOND_SECTIONS`.
BEYOND = "groundtruth"
#: The section of chapter 4's comparison: the strongest classical methods against the network (ours only).
CLASSICAL = "classical"
#: Every section of rows beyond the paper (``paper=None``), in the table's order.
BEYOND_SECTIONS = (CLASSICAL, BEYOND)


#: Section key -> title; each title names the paper's result the rows reproduce (Bae et al. 2026), or says that
#: the section goes beyond the paper.
SECTIONS = {
    "classification": "classification (the paper's test accuracies and its confusion matrix)",
    "erasure": "erasure (the paper's erasure figure: accuracy after erasing each Grad-CAM band, and at random)",
    "augmentation": "augmentation and noise (the paper's figure of accuracy under noise, targeted against random "
    "copies)",
    "layerwise": "layer-wise analysis (the paper's Grad-CAM-statistic correlations and block-wise probes)",
    CLASSICAL: "beyond the paper, ours only (chapter 4): the strongest classical methods against the network, on one "
    "test set per protocol (8,000 trajectories in the shipped results)",
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
        The paper's value; ``None`` for a row beyond the paper (a section of :data:`BEYOND_SECTIONS`), printed
        as "—".
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
        """A difference of two accuracies (points; may be negative): augmentation gains, top band minus random, and
        a classical method minus a network (section :data:`CLASSICAL`)."""
        return (
            self.key.startswith("gain/")
            or self.key == "erasure/top-random"
            or (self.key.startswith(f"{CLASSICAL}/") and "-minus-" in self.key)
        )

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


def groundtruth_rows() -> list[Row]:
    """Chapter 9b's rows beyond the paper (ours only, ``paper=None``, section :data:`BEYOND`): the maps' scores.

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


#: The protocols of chapter 4's comparison: the report's name, its label, the name in
#: :mod:`resandi_lite.comparison` and the shipped network ``benchmarks/baselines.py`` measures.
CLASSICAL_PROTOCOLS = (("varying", "varying length", "varying", "lite"), ("fixed", "T = 1000", "1000", "lite-T1000"))


def classical_rows() -> list[Row]:
    """Chapter 4's rows beyond the paper (ours only, ``paper=None``, section :data:`CLASSICAL`).

    For each protocol (varying length, then T = 1000; keys
    ``classical/<protocol>/<what>``, ``<protocol>`` as :func:`protocol_of` reads it): the accuracy (%) of the random
    forest, gradient boosting and MiniRocket at their largest training size, of the network trained from scratch at
    its largest, of the shipped network plain and averaged over the eight symmetries; then two paired differences
    (points): the random forest minus the shipped network averaged over the symmetries, and minus the network from
    scratch at equal data.  The rows are the same whatever the results; the training size each value was read at
    is filled in with the value (:func:`resandi_lite.report.classical_from_results`, shown in brackets after the
    quantity by :func:`reproduction_table`).
    """
    from ..comparison import METHODS

    rows = []
    for protocol, label, _, shipped in CLASSICAL_PROTOCOLS:
        at = f"{CLASSICAL}/{protocol}"
        rows += [
            Row(CLASSICAL, f"{label}: {METHODS[m]}, largest training size", key=f"{at}/{m}")
            for m in ("forest", "boosting", "minirocket")
        ]
        rows += [
            Row(
                CLASSICAL,
                f"{label}: {METHODS['network-scratch']} (preset lite, the CPU recipe), largest training size",
                key=f"{at}/network-scratch",
            ),
            Row(CLASSICAL, f"{label}: shipped network {shipped}", key=f"{at}/network"),
            Row(
                CLASSICAL,
                f"{label}: shipped network {shipped}, averaged over the 8 symmetries",
                key=f"{at}/network-symmetrized",
            ),
            Row(
                CLASSICAL,
                f"{label}: random forest minus shipped network {shipped} averaged over the 8 symmetries (paired), "
                "forest's largest training size",
                key=f"{at}/forest-minus-network-symmetrized",
            ),
            Row(
                CLASSICAL,
                f"{label}: random forest minus {METHODS['network-scratch']} at equal data (paired), largest "
                "training size of both",
                key=f"{at}/forest-minus-network-scratch",
            ),
        ]
    return rows


def beyond_rows() -> list[Row]:
    """The rows beyond the paper (ours only, ``paper=None``), section by section (:data:`BEYOND_SECTIONS`).

    Chapter 4's classical methods against the network (:func:`classical_rows`), then chapter 9b's ground-truth
    scores of the maps (:func:`groundtruth_rows`).
    """
    return classical_rows() + groundtruth_rows()


def report_rows() -> list[Row]:
    """Every row of the report: the paper's (:func:`paper_rows`), then those beyond it (:func:`beyond_rows`)."""
    return paper_rows() + beyond_rows()


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


def reproduction_table(measured: dict, *, networks: dict | None = None) -> list[Row]:
    """The report's rows (:func:`report_rows`: the paper's, then those beyond it) with ``ours`` filled in.

    ``measured`` maps row keys to a value, a ``(value, stderr)`` pair or a
    ``(value, stderr, detail)`` triple, whose ``detail`` (a string: what the
    value was read at, e.g. ``"10,000 per class"``) is added to the row's
    quantity in brackets; missing keys stay empty ("not measured").
    ``networks`` (protocol to shipped name or path, as for
    :func:`measure_classification`) names the network of each measured row
    (:func:`protocol_of`), except the rows of section :data:`CLASSICAL`: those
    are read from ``benchmarks/baselines.py``'s results, measured on the
    networks their quantity names, so their ``network`` stays ``None``.

    Examples
    --------
    >>> row = reproduction_table({"classical/varying/forest": (90.5, 0.3, "10,000 per class")})[54]
    >>> row.quantity, row.ours, row.paper
    ('varying length: random forest (9 features), largest training size (10,000 per class)', 90.5, None)
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
        value, stderr, detail = _unpack(row.key, measured.get(row.key))
        network = (
            None
            if value is None or networks is None or row.section == CLASSICAL
            else str(networks[protocol_of(row.key)])
        )
        rows.append(
            dataclasses.replace(
                row,
                quantity=row.quantity if detail is None else f"{row.quantity} ({detail})",
                ours=None if value is None else float(value),
                stderr=None if stderr is None else float(stderr),
                network=network,
            )
        )
    return rows


def _unpack(key: str, value) -> tuple:
    """A measured value as ``(value, stderr, detail)``: from a bare value, a pair or a triple."""
    if not isinstance(value, tuple):
        return value, None, None
    if len(value) not in (2, 3) or (len(value) == 3 and value[2] is not None and not isinstance(value[2], str)):
        raise ValueError(
            f"measured[{key!r}] must be a value, a (value, stderr) pair or a (value, stderr, detail) triple with "
            f"detail a string, got {value!r}"
        )
    return (*value, None)[:3]


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


def counts(rows: list[Row]) -> str:
    """How many rows are the paper's and how many go beyond it, and how many of each were measured.

    >>> counts(reproduction_table({"accuracy/varying": 90.0}))
    "54 rows of the paper's (1 measured), 34 beyond the paper (0 measured)"
    """
    paper = [r for r in rows if not r.beyond_paper]
    beyond = [r for r in rows if r.beyond_paper]
    measured = lambda part: sum(r.ours is not None for r in part)  # noqa: E731
    return (
        f"{len(paper)} rows of the paper's ({measured(paper)} measured), "
        f"{len(beyond)} beyond the paper ({measured(beyond)} measured)"
    )
