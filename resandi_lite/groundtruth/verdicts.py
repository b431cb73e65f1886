"""The powered ground-truth measurement with a verdict per claim, and the report's rows.

:func:`groundtruth_verdicts` scores every method on one event set and turns
each claim into a :func:`resandi_lite.verdict.verdict_row` (:func:`claim_row`)
with a Bonferroni interval for its family; :func:`report_values` gives the
report's rows beyond the paper, :func:`verdict_lines` prints verdict rows and
:func:`powered` reads the committed powered result.
"""

from __future__ import annotations

import numpy as np
from torch import nn

from .._checks import check_int
from ..simulate import CLASSES
from .events import EVENT_CLASSES, _centres, _check_upsampling, alignment, event_set
from .scores import _table, random_maps, summarise, trajectory_scores


def report_values(
    n_per_class: int, seed: int = 0, *, network="lite", attribution=None, k: int = 3, result: dict | None = None
) -> dict:
    """Rows beyond the paper for the reproduction report: how well the maps find the events, per class.

    Keys ``groundtruth/<score>/<class>`` (score: ``auroc``, ``pointing``,
    ``mass``; class: :data:`EVENT_CLASSES`) and ``groundtruth/<score>-random/<class>``
    for random maps of the same resolution; values ``(mean, standard error)``,
    the standard error read off the 95% bootstrap interval (its width / 3.92).
    The paper has no such numbers: these rows are ours only.

    ``result``: a :func:`groundtruth_verdicts` result (e.g. the committed
    powered one, :func:`powered`); the rows are then read from it, with no new
    measurement, so that the report and chapter 9b show one measurement.
    """
    if result is not None:
        method = attribution or "gradcam-layer4"
        rows = [r for r in result["table"] if r["method"] == ("gradcam-layer4" if method == "gradcam" else method)]
        if not rows:
            raise ValueError(
                f"result holds no table rows for attribution {method!r}; it has "
                f"{sorted({r['method'] for r in result['table']})}"
            )
    else:
        model = _network(network)
        data = event_set(n_per_class, rng=seed + 7)
        from ..attribution import attribute

        maps = attribute(model, data["X"], data["y"], attribution)
        rows = summarise(
            maps,
            data["events"],
            data["lengths"],
            data["y"],
            k=k,
            rng=seed,
            centres=_centres(model, maps.shape[1], "centres"),
        )
    out = {}
    for r in rows:
        out[f"groundtruth/{r['score']}/{r['class']}"] = (r["mean"], (r["high"] - r["low"]) / 3.92)
        out[f"groundtruth/{r['score']}-random/{r['class']}"] = (
            r["random"],
            (r["random_high"] - r["random_low"]) / 3.92,
        )
    return out


def _network(network, default: str = "lite") -> nn.Module:
    """``None``: the shipped ``default``; a name or a path: loaded; a module: used as it is (in eval mode)."""
    if isinstance(network, nn.Module):
        return network.eval()
    from ..pretrained import load_model

    return load_model(default if network is None else network)


#: Trajectories per class of :func:`groundtruth_verdicts` at each size of the powered run
#: (:func:`resandi_lite.powered.run_verdicts`).  ``powered``: every 95% AUROC interval within about +-0.02 (the
#: largest per-trajectory spread seen, 0.34, over sqrt(1500)), about 12 minutes of one core (measured: 0.165 s of
#: CPU per trajectory for the eight methods).
VERDICT_SIZES = {"ci": 3, "book": 40, "powered": 1500}
#: The attribution methods the ground-truth verdicts score (every stage of Grad-CAM and the input-level methods).
VERDICT_METHODS = (
    "gradcam-layer1",
    "gradcam-layer2",
    "gradcam-layer3",
    "gradcam-layer4",
    "gradcam-relu",
    "saliency",
    "integrated-gradients",
    "occlusion",
)
#: What the events of each class are, for the claims' wording.
EVENT_WORDS = {"SubATTM": "changes of diffusivity", "SubCTRW": "jumps", "SupLW": "flight starts"}
#: The effect of interest of the claims beyond the paper: AUROC 0.55 (0.05 above chance), and a pointing game or a
#: relevance mass 0.05 above random maps'.  The paper makes no ground-truth claim.
MINIMAL_EFFECT = 0.05
_REFERENCE = (
    "beyond the paper (it makes no ground-truth claim): the course's claim, judged against a minimal effect "
    "of interest of {what}"
)


def groundtruth_verdicts(
    n_per_class: int,
    *,
    seed: int = 0,
    network=None,
    progress: bool = False,
    methods=VERDICT_METHODS,
    k: int = 3,
    n_boot: int = 2000,
    level: float = 0.95,
    upsampling: str = "centres",
) -> dict:
    """The powered ground-truth measurement: does each map find the events, per class, with a verdict per claim.

    One event set of ``n_per_class`` trajectories per class with events
    (:data:`EVENT_CLASSES`, varying lengths) is scored with every method
    (:func:`trajectory_scores`, maps on the input by receptive-field centres).
    Two families of claims, each read with Bonferroni-adjusted intervals
    (:func:`resandi_lite.verdict.family_level`, the course's one rule):

    - ``auroc``: for every method and class, "the map is higher at the events
      than elsewhere": the mean AUROC minus 0.5, paired bootstrap over
      trajectories; ``differs`` means the map is *lower* at the events;
    - ``layer4 vs random``: for the paper's map (signed Grad-CAM at layer4),
      its pointing game and relevance mass minus those of random maps of the
      same resolution on the same trajectories.

    The paper makes no claim here, so every row is beyond the paper and is
    judged against a minimal effect of interest of 0.05 (:data:`MINIMAL_EFFECT`;
    AUROC 0.55), stated in its ``reference``.

    Parameters
    ----------
    n_per_class : int
        Trajectories per class with events (3 classes).
    seed : int
        Seeds the event set and the bootstrap.
    network : None, str, path or torch.nn.Module
        ``None``: the shipped varying-length network ``lite``.
    progress : bool
        Print one line per method.
    methods : sequence of str
        Names of :data:`resandi_lite.attribution.METHODS`.
    k : int
        Tolerance of the pointing game and the relevance mass, in steps.
    n_boot : int
        Bootstrap resamples per row.
    level : float
        Coverage of each family as a whole.
    upsampling : {"centres", "nearest"}

    Returns
    -------
    dict (JSON-ready)
        ``rows`` (:func:`resandi_lite.verdict.verdict_row` rows, with
        ``family``, ``level``, ``method``, ``class``, ``score`` and
        ``reference``), ``table`` (per method, class and score: ``mean``,
        ``low``, ``high`` (95%), ``random`` (random maps) and more, the rows
        :func:`plot_scores` draws), ``sizes``, ``seconds``, ``network``,
        ``k``, ``upsampling``, ``level`` and ``alignment`` (per stage: the
        largest distance between an input point's map position's
        receptive-field centre and the point, for both upsamplings).
    """
    import time

    from ..attribution import attribute
    from ..verdict import family_level

    n_per_class = check_int(n_per_class, "n_per_class", minimum=2)
    k = check_int(k, "k", minimum=0)
    _check_upsampling(upsampling)
    methods = list(methods)
    start = time.perf_counter()
    model = _network(network)
    rng = np.random.default_rng(seed)
    data = event_set(n_per_class, rng=rng)
    y = data["y"]
    scores, random_scores, table = {}, {}, []
    for method in methods:
        tic = time.perf_counter()
        maps = attribute(model, data["X"], y, method)
        centres = _centres(model, maps.shape[1], upsampling)
        scores[method] = trajectory_scores(maps, data["events"], data["lengths"], k=k, centres=centres)
        random = random_maps(len(maps), maps.shape[1], rng)
        random_scores[method] = trajectory_scores(random, data["events"], data["lengths"], k=k, centres=centres)
        for row in _table(scores[method], random_scores[method], y, rng=rng, n_boot=n_boot):
            table.append({"network": "trained", "method": method, **row})
        if progress:
            print(f"groundtruth: {method} on {len(y)} trajectories in {time.perf_counter() - tic:.1f} s", flush=True)

    rows, skipped = [], []
    auroc_level = family_level(len(methods) * len(EVENT_CLASSES), level)
    for method in methods:
        for c in EVENT_CLASSES:
            a = scores[method]["auroc"][y == CLASSES.index(c)]
            claim_row(
                rows,
                skipped,
                f"{method} is higher at {c} {EVENT_WORDS[c]} than elsewhere (AUROC - 0.5)",
                a,
                np.full_like(a, 0.5),
                paper=MINIMAL_EFFECT,
                level=auroc_level,
                n_boot=n_boot,
                rng=rng,
                family="auroc",
                method=method,
                score="auroc - 0.5",
                reference=_REFERENCE.format(what="AUROC 0.55"),
                **{"class": c},
            )
    paper_method = "gradcam-layer4"
    if paper_method in methods:
        vs_level = family_level(2 * len(EVENT_CLASSES), level)
        for score, words in (("pointing", "pointing game (k = {k})"), ("mass", "relevance mass within {k} steps")):
            for c in EVENT_CLASSES:
                members = y == CLASSES.index(c)
                claim_row(
                    rows,
                    skipped,
                    f"layer4 Grad-CAM's {words.format(k=k)} at {c} {EVENT_WORDS[c]} beats random maps' (difference)",
                    scores[paper_method][score][members],
                    random_scores[paper_method][score][members],
                    paper=MINIMAL_EFFECT,
                    level=vs_level,
                    n_boot=n_boot,
                    rng=rng,
                    family="layer4 vs random",
                    method=paper_method,
                    score=f"{score} - random",
                    reference=_REFERENCE.format(what=f"0.05 in {words.split(' (')[0].split(' within')[0]}"),
                    **{"class": c},
                )
    return {
        "rows": rows,
        "skipped": skipped,
        "table": table,
        "alignment": alignment(model),
        "sizes": {
            "n_per_class": n_per_class,
            "trajectories": len(y),
            "classes": list(EVENT_CLASSES),
            "methods": methods,
            "n_boot": n_boot,
        },
        "seconds": float(time.perf_counter() - start),
        "network": _network_name(network),
        "k": k,
        "upsampling": upsampling,
        "level": level,
    }


def claim_row(
    rows: list,
    skipped: list,
    claim: str,
    a,
    b,
    *,
    paper: float,
    level: float,
    n_boot: int,
    rng,
    statistic=None,
    **extra,
) -> None:
    """Append the verdict row of one claim: a paired bootstrap of ``(a, b)`` over the trajectories where both are defined.

    With fewer than 2 such trajectories (a short set: e.g. ATTM trajectories
    without a change of diffusivity have no AUROC) the claim cannot be judged;
    it goes to ``skipped`` as ``{"claim", "n", "reason"}`` instead.

    Parameters
    ----------
    rows, skipped : list
        Appended to.
    claim : str
    a, b : ndarray of shape (n,)
        One value per trajectory under each condition (NaN: undefined).
    paper, level, n_boot, rng, statistic
        As :func:`resandi_lite.verdict.verdict_row` and :func:`resandi_lite.verdict.paired_bootstrap`.
    **extra
        Added to the row (``family``, ``method``, ...).
    """
    from ..verdict import paired_bootstrap, verdict_row

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    keep = np.isfinite(a) & np.isfinite(b)
    if keep.sum() < 2:
        skipped.append(
            {
                "claim": claim,
                "n": int(keep.sum()),
                "reason": "fewer than 2 trajectories with a defined value; use a larger n_per_class",
                **extra,
            }
        )
        return
    r = paired_bootstrap(a[keep], b[keep], statistic=statistic, level=level, n_boot=n_boot, rng=rng)
    rows.append(
        verdict_row(claim, r["estimate"], r["low"], r["high"], r["n"], paper, level=level, stderr=r["stderr"], **extra)
    )


def _network_name(network) -> str:
    if network is None:
        return "lite"
    return type(network).__name__ if isinstance(network, nn.Module) else str(network)


def verdict_lines(rows: list[dict], *keys: str, family: str | None = None) -> list[str]:
    """Verdict rows as short lines: the ``keys`` (e.g. ``"method", "class"``), estimate, interval, verdict.

    ``n_needed`` is added for an open verdict; ``family`` keeps only that family's rows.

    Examples
    --------
    >>> from resandi_lite.verdict import verdict_row
    >>> verdict_lines([verdict_row("x", 0.2, 0.1, 0.3, 100, 0.05, method="saliency")], "method")
    ['saliency: +0.200 [+0.100, +0.300] agrees']
    """
    out = []
    for r in rows:
        if family is not None and r.get("family") != family:
            continue
        label = ", ".join(str(r.get(k, "")) for k in keys) or r["claim"]
        line = f"{label}: {r['estimate']:+.3f} [{r['low']:+.3f}, {r['high']:+.3f}] {r['verdict']}"
        out.append(line + (f" (n_needed {r['n_needed']})" if r["verdict"] == "open" else ""))
    return out


def powered(path=None) -> dict | None:
    """The committed powered ground-truth result (:func:`groundtruth_verdicts`), or ``None`` when there is none yet.

    Read from ``path``, or from :data:`resandi_lite.verdict.POWERED` (the
    JSON of every part's powered measurement) when it exists: its
    ``groundtruth`` part with its rows.
    """
    return _powered_part("groundtruth", path)


def _powered_part(part: str, path=None) -> dict | None:
    """One part of the powered verdicts JSON: ``parts[part]`` with the rows whose ``part`` is ``part``.

    Also accepts a file holding one part's result (a dict with ``rows``).
    Values the JSON could not hold (NaN) come back as ``None``.
    """
    import json
    from pathlib import Path

    from .. import verdict

    path = path if path is not None else getattr(verdict, "POWERED", None)
    if path is None or not Path(path).is_file():
        return None
    data = json.loads(Path(path).read_text())
    if not isinstance(data, dict):
        raise TypeError(f"{path} holds no verdicts (a JSON object with rows), got {type(data).__name__}")
    if isinstance(data.get("parts"), dict):
        if part not in data["parts"]:
            return None
        return {**data["parts"][part], "rows": [r for r in data.get("rows", []) if r.get("part") == part]}
    return data if isinstance(data.get("rows"), list) and data.get("part", part) == part else None
