"""The powered sanity checks: every control's maps against the trained network's, each claim with a verdict.

:func:`sanity_verdicts` (the part ``sanity`` of the powered run) computes the
maps of the trained network, of each step of both randomisations and of the
random-label network (:mod:`.randomisation`), compares each control's with
the trained ones (:mod:`.similarity`) and reads each family of claims with
Bonferroni intervals; its secondary reading scores the maps at the
simulators' events (:mod:`resandi_lite.groundtruth`).  :data:`VERDICT_SIZES`
sizes it for the powered run; :func:`powered` reads the committed result.
"""

from __future__ import annotations

import time

import numpy as np
from torch import nn

from .._checks import check_int
from ..groundtruth import (
    EVENT_CLASSES,
    EVENT_WORDS,
    claim_row,
    event_set,
    trajectory_scores,
)
from ..groundtruth.verdicts import _network, _network_name
from ..simulate import CLASSES
from .randomisation import STEPS, layer_groups, random_label_model, randomisations
from .similarity import SIMILARITIES, observed_map_positions, similarities

#: The methods the powered sanity checks test (the paper's map and two input-level methods).
SANITY_METHODS = ("gradcam-layer4", "saliency", "integrated-gradients")
#: Similarity of interest for the claims "the map survives randomisation" (beyond the paper).
MINIMAL_SIMILARITY = 0.2


#: Sizes of :func:`sanity_verdicts` at each size of the powered run (:func:`resandi_lite.powered.run_verdicts`).
#: ``powered``: about 11 minutes of one core for the maps of 13 networks (measured: 1.44 s of CPU per trajectory)
#: and about 5 for the random-label network (800 trajectories fitted in about 1,500 steps).
VERDICT_SIZES = {
    "ci": {"n_per_class": 3, "label_n_per_class": 1, "label_max_steps": 5},
    "book": {"n_per_class": 10, "label_n_per_class": 10, "label_max_steps": 1000},
    "powered": {"n_per_class": 150, "label_n_per_class": 100, "label_max_steps": 3000},
}


def _interval(values, *, level: float, n_boot: int, rng) -> dict:
    from ..verdict import paired_bootstrap

    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if len(v) < 2:  # too few trajectories with a defined value (a map needs 3 observed positions)
        return {"estimate": float("nan"), "low": float("nan"), "high": float("nan"), "n": len(v)}
    return paired_bootstrap(v, level=level, n_boot=n_boot, rng=rng)


def sanity_verdicts(
    n_per_class: int,
    *,
    seed: int = 0,
    network=None,
    progress: bool = False,
    methods=SANITY_METHODS,
    granularity: str = "stages",
    label_n_per_class: int = 100,
    label_max_steps: int = 3000,
    n_boot: int = 2000,
    level: float = 0.95,
) -> dict:
    """The powered sanity checks: cascading and independent randomisation, random labels, with verdicts.

    On one event set (:func:`resandi_lite.groundtruth.event_set`, ``n_per_class``
    trajectories of each class with events, varying lengths) the maps of
    every method are computed with the trained network, with each step of
    the cascading and of the independent randomisation
    (:func:`randomisations`), and with a network fitted to random labels
    (:func:`random_label_model`).  Each control's maps are compared with the
    trained maps by :func:`similarities` on the observed positions.

    Families of claims (each read with Bonferroni-adjusted intervals,
    :func:`resandi_lite.verdict.family_level`), all beyond the paper:

    - ``cascading``: per method and similarity, "the map survives
      randomising every layer": the mean similarity after the full cascade;
    - ``independent``: per method and step, the same for one layer
      randomised alone (Spearman of the signed maps);
    - ``random labels``: per method and similarity, the map of the
      random-label network against the trained one;
    - ``secondary |AUROC - 0.5|``: per method, class and control (full
      cascade, random labels), "the trained map stands further from chance at
      the events than the control's": ``|mean AUROC - 0.5|`` trained minus
      control, paired bootstrap over the same trajectories.

    The similarity claims are judged against a similarity of interest of
    0.2 (:data:`MINIMAL_SIMILARITY`); ``agrees`` then means "the map keeps
    part of its structure": it fails the check to that degree.  The
    secondary claims use 0.05 (AUROC).

    Parameters
    ----------
    n_per_class : int
        Trajectories per class with events (3 classes).
    seed : int
    network : None, str, path or torch.nn.Module
        ``None``: the shipped varying-length network ``lite``.
    progress : bool
    methods : sequence of str
        Names of :data:`resandi_lite.attribution.METHODS`.
    granularity : {"stages", "modules"}
        The randomisation steps (:func:`layer_groups`).
    label_n_per_class, label_max_steps : int
        Size of the random-label network's training set (per class, 8
        classes) and its step cap (:func:`random_label_model`).
    n_boot : int
    level : float
        Coverage of each family as a whole.

    Returns
    -------
    dict (JSON-ready)
        ``rows`` (verdict rows with ``family``, ``level``, ``method``,
        ``control``, ``similarity`` or ``class``, ``reference``),
        ``cascading`` and ``independent`` (per step, method and similarity:
        ``mean``, 95% ``low``/``high``, ``n``), ``random_labels`` (the same
        per method and similarity, and ``training``: the fit's report),
        ``auroc`` (per network, method and class: mean AUROC and 95%
        interval), ``sizes``, ``seconds``, ``network``.
    """
    n_per_class = check_int(n_per_class, "n_per_class", minimum=2)
    by_name = {getattr(m, "__name__", m): m for m in methods}
    methods = list(by_name)
    start = time.perf_counter()
    model = _network(network)
    rng = np.random.default_rng(seed)
    data = event_set(n_per_class, rng=rng)
    run = _Run(model, data, by_name, progress=progress, n_boot=n_boot, rng=rng)
    curves = {}
    for order in ("cascading", "independent"):
        curves[order] = [
            row
            for step, net in randomisations(model, order=order, granularity=granularity, seed=seed)
            for row in run.step(order, step, net, last=step == layer_groups(model, granularity)[-1][0])
        ]
    label_net, training = random_label_model(
        n_per_class=label_n_per_class, max_steps=label_max_steps, seed=seed + 1, progress=progress
    )
    run.step("random labels", "random labels", label_net)
    rows = run.similarity_rows(level) + run.secondary_rows(level)
    return {
        "rows": rows,
        "skipped": run.skipped,
        "cascading": curves["cascading"],
        "independent": curves["independent"],
        "random_labels": {"similarity": run.curves["random labels"], "training": training},
        "auroc": run.auroc_table(),
        "sizes": {
            "n_per_class": n_per_class,
            "trajectories": len(data["y"]),
            "classes": list(EVENT_CLASSES),
            "methods": methods,
            "steps": list(run.similarity["cascading"]),
            "granularity": granularity,
            "label_n_per_class": label_n_per_class,
            "label_max_steps": label_max_steps,
            "n_boot": n_boot,
        },
        "seconds": float(time.perf_counter() - start),
        "network": _network_name(network),
        "level": level,
    }


class _Run:
    """The state of one :func:`sanity_verdicts` run: the trained maps, each control's similarities and AUROCs."""

    def __init__(self, model, data, methods: dict, *, progress: bool, n_boot: int, rng):
        self.data, self.methods, self.progress, self.n_boot, self.rng = data, methods, progress, n_boot, rng
        self.trained = self.maps(model, "the trained network")
        self.observed = {m: observed_map_positions(model, a.shape[1], data["lengths"]) for m, a in self.trained.items()}
        self.similarity = {"cascading": {}, "independent": {}, "random labels": {}}
        self.curves, self.skipped = {}, []
        self.aurocs = {"trained": {m: _aurocs(a, model, data) for m, a in self.trained.items()}}

    def maps(self, net: nn.Module, label: str) -> dict:
        from ..attribution import attribute

        tic = time.perf_counter()
        out = {m: attribute(net, self.data["X"], self.data["y"], method) for m, method in self.methods.items()}
        if self.progress:
            print(f"sanity: maps of {label} in {time.perf_counter() - tic:.1f} s", flush=True)
        return out

    def step(self, order: str, step: str, net: nn.Module, *, last: bool = False) -> list[dict]:
        """Similarities of one control's maps to the trained ones; their means with 95% intervals per method."""
        if order == "independent" and step == STEPS[0] and STEPS[0] in self.similarity["cascading"]:
            sims = self.similarity["cascading"][step]  # randomising fc alone is the cascade's first step
        else:
            maps = self.maps(net, f"{order}, step {step}" if order != step else order)
            sims = {m: similarities(self.trained[m], maps[m], self.observed[m]) for m in self.methods}
            if (order == "cascading" and last) or order == "random labels":
                name = "random weights" if order == "cascading" else order
                self.aurocs[name] = {m: _aurocs(maps[m], net, self.data) for m in self.methods}
        self.similarity[order][step] = sims
        rows = []
        for m in self.methods:
            for s in SIMILARITIES:
                r = _interval(sims[m][s], level=0.95, n_boot=self.n_boot, rng=self.rng)
                rows.append(
                    {
                        "step": step,
                        "method": m,
                        "similarity": s,
                        "mean": r["estimate"],
                        "low": r["low"],
                        "high": r["high"],
                        "n": r["n"],
                    }
                )
        self.curves[order] = self.curves.get(order, []) + rows
        return rows

    def similarity_rows(self, level: float) -> list[dict]:
        """Verdict rows of the families ``cascading``, ``independent`` and ``random labels``."""
        from ..verdict import family_level

        cascade, independent = self.similarity["cascading"], self.similarity["independent"]
        last = list(cascade)[-1]
        families = [
            (
                "cascading",
                [
                    (m, s, cascade[last][m][s], "every layer randomised (full cascade)")
                    for m in self.methods
                    for s in SIMILARITIES
                ],
            ),
            (
                "independent",
                [
                    (m, "spearman", independent[step][m]["spearman"], f"{step} randomised alone")
                    for step in independent
                    for m in self.methods
                ],
            ),
            (
                "random labels",
                [
                    (m, s, self.similarity["random labels"]["random labels"][m][s], "a network fitted to random labels")
                    for m in self.methods
                    for s in SIMILARITIES
                ],
            ),
        ]
        reference = (
            "beyond the paper (Adebayo et al. 2018's check; the paper runs none): a similarity of interest "
            f"of {MINIMAL_SIMILARITY}; 'agrees' = the map keeps part of its structure without what was "
            "learned"
        )
        words = {"spearman": "Spearman", "spearman_abs": "Spearman of |map|", "ssim": "SSIM"}
        rows = []
        for family, claims in families:
            family_lvl = family_level(len(claims), level)
            for m, s, values, control in claims:
                claim_row(
                    rows,
                    self.skipped,
                    f"{m}'s map survives {control} (mean {words[s]} with the trained map)",
                    values,
                    np.zeros_like(values),
                    paper=MINIMAL_SIMILARITY,
                    level=family_lvl,
                    n_boot=self.n_boot,
                    rng=self.rng,
                    family=family,
                    method=m,
                    control=control,
                    similarity=s,
                    reference=reference,
                )
        return rows

    def secondary_rows(self, level: float) -> list[dict]:
        """Verdict rows of the family ``secondary |AUROC - 0.5|``: trained minus control, paired by trajectory."""
        from ..verdict import family_level

        claims = [
            (m, c, control)
            for control in ("random weights", "random labels")
            for m in self.methods
            for c in EVENT_CLASSES
        ]
        family_lvl = family_level(len(claims), level)
        rows = []
        for m, c, control in claims:
            claim_row(
                rows,
                self.skipped,
                f"{m}: the trained map stands further from chance at {c} "
                f"{EVENT_WORDS[c]} than with {control} (|AUROC - 0.5| trained minus control)",
                self.aurocs["trained"][m][c],
                self.aurocs[control][m][c],
                paper=0.05,
                level=family_lvl,
                n_boot=self.n_boot,
                rng=self.rng,
                statistic=_distance_from_chance_difference,
                family="secondary |AUROC - 0.5|",
                method=m,
                control=control,
                reference="beyond the paper: the course's secondary reading of the sanity checks, a minimal "
                "effect of interest of 0.05 in |AUROC - 0.5|",
                **{"class": c},
            )
        return rows

    def auroc_table(self) -> list[dict]:
        """Mean AUROC at the events with its 95% interval, per network, method and class."""
        out = []
        for net_name, by_method in self.aurocs.items():
            for m, by_class in by_method.items():
                for c in EVENT_CLASSES:
                    r = _interval(by_class[c], level=0.95, n_boot=self.n_boot, rng=self.rng)
                    out.append(
                        {
                            "network": net_name,
                            "method": m,
                            "class": c,
                            "mean": r["estimate"],
                            "low": r["low"],
                            "high": r["high"],
                            "n": r["n"],
                        }
                    )
        return out


def _distance_from_chance_difference(a, b) -> float:
    return float(abs(np.mean(a) - 0.5) - abs(np.mean(b) - 0.5))


def _aurocs(maps, net: nn.Module, data: dict) -> dict:
    """Per class with events: the AUROC of each trajectory's map at the events, (n_class,) float64 (NaN: undefined)."""
    from ..groundtruth.events import _centres

    scores = trajectory_scores(
        maps, data["events"], data["lengths"], centres=_centres(net, np.shape(maps)[1], "centres")
    )["auroc"]
    return {c: scores[data["y"] == CLASSES.index(c)] for c in EVENT_CLASSES}


def powered(path=None) -> dict | None:
    """The committed powered sanity result (:func:`sanity_verdicts`), or ``None`` when there is none yet.

    Read from ``path``, or from :data:`resandi_lite.verdict.POWERED` when it exists (its ``sanity`` entry).
    """
    from ..groundtruth.verdicts import _powered_part

    return _powered_part("sanity", path)
