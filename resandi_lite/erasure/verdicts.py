"""The paper's claims about erasure, measured with paired intervals and a verdict.

:func:`erasure_verdicts` runs every setting (fills, where the bands are
drawn, both random controls, both networks) and the curves, and turns each
claim into a :func:`resandi_lite.verdict.verdict_row` with a Bonferroni
interval for its family; :func:`verdict_table` prints the rows and
:func:`powered_verdicts` reads the committed powered ones.
"""

from __future__ import annotations

import numpy as np
import torch

from ..evaluate import predict_logits as predict
from ..gradcam import grad_cam
from ..paper import ERASURE as PAPER_ERASURE
from ..paper import ERASURE_RANDOM_MEAN as PAPER_RANDOM_MEAN
from ..simulate.classes import CLASSES
from ..verdict import family_level, paired_bootstrap, verdict_row
from .experiment import erasure_curve, erasure_experiment
from .masks import FILLS, ORDERS

#: Trajectories per class of the powered measurement (:func:`erasure_verdicts`, both networks), chosen to
#: take about half an hour of one CPU core with the default options (see the function's docstring).
POWERED_N_PER_CLASS = 700

#: The paper's claims, as differences in accuracy points (positive: the paper's direction): erasing the
#: top band costs more than random erasure (its mean random baseline minus its top band), the bottom band
#: costs less (negative), the curve falls from the bottom band to the top one, and (implied by that fall,
#: the paper has no such curve) erasing the most relevant tenth costs more than erasing the least relevant.
PAPER_CLAIMS = {
    "top": round(float(PAPER_RANDOM_MEAN - PAPER_ERASURE[-1]), 2),
    "bottom": round(float(PAPER_RANDOM_MEAN - PAPER_ERASURE[0]), 2),
    "direction": round(float(PAPER_ERASURE[0] - PAPER_ERASURE[-1]), 2),
    "lerf-morf": round(float(PAPER_ERASURE[0] - PAPER_ERASURE[-1]), 2),
}

_CLAIM_TEXT = {
    "top": "erasing the top band (90-100) costs more than erasing as many random segments ({control})",
    "bottom": "erasing the bottom band (0-10) costs less than erasing as many random segments ({control})",
    "direction": "accuracy after erasing the bottom band minus after erasing the top band",
    "lerf-morf": "least-relevant-first minus most-relevant-first accuracy, {fraction:.0%} of the segments erased",
    "band": "band {lo:.0f}-{hi:.0f}: random ({control}) minus band accuracy",
}

_DEFAULTS = {
    "fills": FILLS,
    "bands": "ends",
    "bands_1000": "all",
    "fractions": (0.1, 0.25, 0.5),
    "orders": ORDERS,
    "network_1000": "lite-T1000",
    "n_per_class_1000": None,
    "fills_1000": ("zero", "interpolate", "noisy", "resample"),
    "n_boot": 2000,
    "level": 0.95,
    "batch_size": 512,
}


def erasure_verdicts(n_per_class: int, *, seed: int = 0, network=None, progress: bool = False, **options) -> dict:
    """Every claim of the paper about erasure, measured on fresh test sets with paired intervals and a verdict.

    On a varying-length test set (``network``, default the shipped ``lite``):

    - the paper's definition (zeros, bands and the scattered control over the
      whole input);
    - for each fill, bands and both random controls (scattered and
      contiguity-matched) inside the observed trajectory only, and the
      most-relevant-first and least-relevant-first curves;

    and on a test set of trajectories of 1000 points for ``network_1000``
    (default the shipped ``lite-T1000``), each of ``fills_1000`` with both
    controls (no padding there, so the whole input is observed).

    Each claim is one paired difference of accuracies (points) on the same
    trajectories, with a paired bootstrap interval over trajectories
    (:func:`resandi_lite.verdict.paired_bootstrap`) and a verdict
    (:func:`resandi_lite.verdict.verdict_row`): the paper's headline claims
    (``claim_id`` ``top``, ``bottom``, ``direction``, ``lerf-morf``; sizes in
    :data:`PAPER_CLAIMS`), one family per network, and the ten bands of each
    setting (``claim_id`` ``band``; the paper's size: its mean random baseline
    minus its band), one family of ten per setting and control.  The course's
    rule for families: every interval is a Bonferroni interval at
    ``family_level(m, level)`` for its family of ``m`` rows (``family``,
    ``m`` and ``level`` are in each row).

    Run time, with the default options (five fills on the varying-length
    set, four with all ten bands on T = 1000, three fractions): about 0.30 s
    of one CPU core per test trajectory of each network, plus a few seconds
    (measured as process time at 20 and 60 per class: 53 s and 150 s), so
    :data:`POWERED_N_PER_CLASS` = 700 takes about 28 minutes of one core.
    Set ``torch.set_num_threads(1)`` to keep it to one core.

    Parameters
    ----------
    n_per_class : int
        Test trajectories per class (8 classes) of the varying-length set.
    seed : int
        Seeds the test sets (``9000 + seed`` and ``9500 + seed``) and the
        random controls and fills.
    network : str, path or torch.nn.Module, optional
        The varying-length network (default ``"lite"``).
    progress : bool
        Show a progress bar over the steps.
    **options
        ``fills`` (default all of :data:`FILLS`), ``bands`` (``"all"`` or
        ``"ends"``: only 0-10 and 90-100, a fifth of the cost), ``fractions``
        of the curves ``(0.1, 0.25, 0.5)``, ``orders`` (:data:`ORDERS`),
        ``network_1000`` (``"lite-T1000"``; ``None`` skips T = 1000),
        ``n_per_class_1000`` (default ``n_per_class``), ``fills_1000`` (all
        but ``"cut"``, whose shorter trajectory a T = 1000 network never saw),
        ``n_boot`` (2000), ``level`` (0.95, family-wise), ``batch_size`` (512).

    Returns
    -------
    dict (JSON-ready)
        ``rows`` (list of :func:`resandi_lite.verdict.verdict_row` dicts with
        ``claim_id``, ``network``, ``fill``, ``within``, ``control``,
        ``family``, ``m``, ``level``, ``unit``), ``sizes``, ``seconds``,
        ``settings`` (per setting: accuracies per band, ``accuracy``, and per
        control, ``scattered_accuracy``, ``matched_accuracy``, as fractions;
        segments erased), ``curves`` (per fill: accuracy per order and
        fraction, and the paired LeRF - MoRF difference in points with
        intervals, and ``confusion``: true class x predicted class counts
        after erasing the largest fraction, per order), ``confusion`` (per
        setting: counts after erasing the top band and its controls),
        ``clean_accuracy``, ``families`` ({name: m}), ``options``.
    """
    import time

    from tqdm.auto import tqdm

    from .._checks import check_int
    from ..data import make_dataset
    from ..pretrained import load_model

    started, cpu = time.perf_counter(), time.process_time()
    n_per_class = check_int(n_per_class, "n_per_class", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    opt, fills, fills_1000, which, n_1000 = _verdict_options(n_per_class, options)
    n_boot, level, batch = opt["n_boot"], opt["level"], opt["batch_size"]
    streams = iter(np.random.SeedSequence(seed).spawn(64))
    networks = [("lite" if network is None else network, "varying", n_per_class, 9000 + seed)]
    if opt["network_1000"] is not None:
        networks.append((opt["network_1000"], 1000, n_1000, 9500 + seed))
    steps = sum(1 + (1 + len(fills) if length == "varying" else len(fills_1000)) for _, length, _, _ in networks)
    bar = tqdm(total=steps, desc="erasure verdicts", disable=not progress)

    measured = []  # (network label, setting dict, experiment result, y)
    curves, clean_accuracy, names = {}, {}, {}
    for net, length, n, data_seed in networks:
        model = net if isinstance(net, torch.nn.Module) else load_model(net)
        label = "varying" if length == "varying" else "T1000"
        names[label] = net if isinstance(net, str) else type(net).__name__
        test = make_dataset(n, length=length, seed=data_seed)
        X, y = test.X, test.y
        maps = grad_cam(
            model, torch.from_numpy(X), torch.from_numpy(y.astype(np.int64)), upsample=None, batch_size=batch
        ).numpy()
        clean = predict(model, X, batch_size=batch).argmax(1)
        clean_accuracy[label] = float(np.mean(clean == y))
        bar.update()
        common = {"maps": maps, "batch_size": batch, "clean_predictions": clean, "lengths": test.lengths}
        if length == "varying":  # the paper's definition: all bands
            settings = [("zero", "input", False, None)] + [(f, "observed", True, which["bands"]) for f in fills]
        else:
            settings = [(f, "input", True, which["bands_1000"]) for f in fills_1000]
        for fill, within, matched, bands in settings:
            result = erasure_experiment(
                model,
                X,
                y,
                fill=fill,
                within=within,
                matched=matched,
                which=bands,
                rng=np.random.default_rng(next(streams)),
                **common,
            )
            measured.append((label, {"fill": fill, "within": within}, result, y))
            bar.update()
            if length == "varying" and within == "observed":
                curve = erasure_curve(
                    model,
                    X,
                    y,
                    maps=maps,
                    fractions=opt["fractions"],
                    orders=opt["orders"],
                    fill=fill,
                    within=within,
                    lengths=test.lengths,
                    batch_size=batch,
                    rng=np.random.default_rng(next(streams)),
                    clean_predictions=clean,
                )
                curves[fill] = (curve, y)
    bar.close()
    rows, families, details = _verdict_rows(
        measured, curves, n_boot=n_boot, level=level, rng=np.random.default_rng(next(streams)), names=names
    )
    return {
        "rows": rows,
        "families": families,
        **details,
        "clean_accuracy": clean_accuracy,
        "sizes": {
            "n_per_class": n_per_class,
            "n": 8 * n_per_class,
            "n_per_class_1000": n_1000 if len(networks) > 1 else 0,
            "n_1000": 8 * n_1000 if len(networks) > 1 else 0,
            "n_boot": n_boot,
        },
        "networks": names,
        "seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(time.process_time() - cpu, 1),
        "options": {k: (list(v) if isinstance(v, tuple) else v) for k, v in opt.items()} | {"seed": seed},
    }


def _verdict_options(n_per_class: int, options: dict) -> tuple:
    """The checked options of :func:`erasure_verdicts`: ``(opt, fills, fills_1000, which, n_per_class_1000)``."""
    from .._checks import check_int

    unknown = sorted(set(options) - set(_DEFAULTS))
    if unknown:
        raise TypeError(f"erasure_verdicts got unknown options {unknown}; known: {sorted(_DEFAULTS)}")
    opt = {**_DEFAULTS, **options}
    fills, fills_1000 = tuple(opt["fills"]), tuple(opt["fills_1000"])
    for name, chosen in (("fills", fills), ("fills_1000", fills_1000)):
        if any(f not in FILLS for f in chosen):
            raise ValueError(f"{name} must hold fills from {FILLS}, got {chosen}")
    for name in ("bands", "bands_1000"):
        if opt[name] not in ("all", "ends"):
            raise ValueError(f"{name} must be 'all' or 'ends', got {opt[name]!r}")
    which = {key: None if opt[key] == "all" else [0, 9] for key in ("bands", "bands_1000")}
    n_1000 = check_int(opt["n_per_class_1000"] or n_per_class, "n_per_class_1000", minimum=1)
    return opt, fills, fills_1000, which, n_1000


def _confusion(y, predicted) -> list:
    k = len(CLASSES)
    return np.bincount(k * np.asarray(y) + np.asarray(predicted), minlength=k * k).reshape(k, k).tolist()


def _curve_details(curves, pending: list, *, n_boot, level, rng) -> dict:
    """MoRF/LeRF curves per fill, with paired LeRF - MoRF intervals; appends the lerf-morf claim to ``pending``."""
    curve_details = {}
    for fill, (curve, y) in curves.items():
        ok = {o: p == y for o, p in curve["predictions"].items()}
        detail = {
            "fractions": curve["fractions"],
            "segments_erased": np.asarray(curve["segments_erased"]).tolist(),
            "accuracy": {o: a.tolist() for o, a in curve["accuracy"].items()},
            "clean_accuracy": curve["clean_accuracy"],
            "within": curve["within"],
        }
        if "morf" in ok and "lerf" in ok:
            pending.append(
                (
                    "varying",
                    "lerf-morf",
                    ok["lerf"][0],
                    ok["morf"][0],
                    PAPER_CLAIMS["lerf-morf"],
                    {
                        "network": "varying",
                        "fill": fill,
                        "within": curve["within"],
                        "control": None,
                        "fraction": curve["fractions"][0],
                    },
                )
            )
            f_level = family_level(len(curve["fractions"]), level)
            boots = [
                paired_bootstrap(100.0 * ok["lerf"][i], 100.0 * ok["morf"][i], level=f_level, n_boot=n_boot, rng=rng)
                for i in range(len(curve["fractions"]))
            ]
            detail["lerf_minus_morf"] = {
                "estimate": [b["estimate"] for b in boots],
                "low": [b["low"] for b in boots],
                "high": [b["high"] for b in boots],
                "level": f_level,
            }
        detail["confusion"] = {o: _confusion(y, p[-1]) for o, p in curve["predictions"].items()}  # largest fraction
        curve_details[fill] = detail
    return curve_details


def _rows(pending: list, families: dict, names: dict, *, n_boot, level, rng) -> list:
    """One verdict row per pending claim, its interval at its family's Bonferroni level."""
    rows = []
    for family, claim_id, a, b, paper, extra in pending:
        m = families[family]
        f_level = family_level(m, level)
        boot = paired_bootstrap(100.0 * a, 100.0 * b, level=f_level, n_boot=n_boot, rng=rng)
        text = _CLAIM_TEXT[claim_id].format(
            control=extra.get("control"),
            fraction=extra.get("fraction", 0),
            lo=extra.get("band", [0, 0])[0],
            hi=extra.get("band", [0, 0])[1],
        )
        where = f"{names.get(extra['network'], extra['network'])}, fill {extra['fill']}, within {extra['within']}"
        rows.append(
            verdict_row(
                f"{text} [{where}]",
                boot["estimate"],
                boot["low"],
                boot["high"],
                boot["n"],
                paper,
                claim_id=claim_id,
                **extra,
                family=family,
                m=m,
                level=f_level,
                unit="points",
                stderr=boot["stderr"],
            )
        )
    return rows


def _verdict_rows(measured, curves, *, n_boot, level, rng, names) -> tuple[list, dict, dict]:
    """Paired differences -> verdict rows, with Bonferroni intervals per family (see :func:`erasure_verdicts`)."""
    pending = []  # (family, claim_id, a_correct, b_correct, paper, extra)
    settings, confusion = {}, {}
    for label, setting, result, y in measured:
        fill, within = setting["fill"], setting["within"]
        name = f"{label}, {fill}, {within}"
        bands = [tuple(b) for b in result["bands"]]
        band_ok = result["predictions"] == y
        controls = {"scattered": result["random_predictions"] == y}
        if "matched_predictions" in result:
            controls["matched"] = result["matched_predictions"] == y
        settings[name] = {
            "network": label,
            "fill": fill,
            "within": within,
            "bands": [list(b) for b in bands],
            "accuracy": band_ok.mean(1).tolist(),
            **{f"{c}_accuracy": ok.mean(1).tolist() for c, ok in controls.items()},
            "segments_erased": np.asarray(result["segments_erased"]).tolist(),
        }
        top, bottom = bands.index((90.0, 100.0)), bands.index((0.0, 10.0))
        extra = {"network": label, "fill": fill, "within": within}
        confusion[name] = {
            "top band": _confusion(y, result["predictions"][top]),
            **{c: _confusion(y, result[f"{'random' if c == 'scattered' else c}_predictions"][top]) for c in controls},
        }
        for control, ok in controls.items():
            e = {**extra, "control": control}
            pending.append((label, "top", ok[top], band_ok[top], PAPER_CLAIMS["top"], e))
            pending.append((label, "bottom", ok[bottom], band_ok[bottom], PAPER_CLAIMS["bottom"], e))
            for b, (lo, hi) in enumerate(bands if len(bands) == 10 else []):  # a family of ten bands
                paper = float(PAPER_RANDOM_MEAN - PAPER_ERASURE[int(lo) // 10])
                pending.append((f"bands: {name}, {control}", "band", ok[b], band_ok[b], paper, {**e, "band": [lo, hi]}))
        pending.append(
            (label, "direction", band_ok[bottom], band_ok[top], PAPER_CLAIMS["direction"], {**extra, "control": None})
        )
    curve_details = _curve_details(curves, pending, n_boot=n_boot, level=level, rng=rng)
    families = {}
    for family, *_ in pending:
        families[family] = families.get(family, 0) + 1
    rows = _rows(pending, families, names, n_boot=n_boot, level=level, rng=rng)
    return rows, families, {"settings": settings, "curves": curve_details, "confusion": confusion}


def verdict_table(rows, *, family: str | None = None, claim_id: str | None = None) -> str:
    """The verdict rows as aligned text, one line per claim: estimate, interval (points), verdict, n_needed.

    Columns: fill, where the bands were drawn (``input`` or ``observed``),
    the random control, the claim (and band), the estimate and its interval,
    the paper's effect, the verdict, and the interval's level with the test
    size (and, for an open claim, the size that would settle it).

    Parameters
    ----------
    rows : list of dict
        ``rows`` of :func:`erasure_verdicts` (or of the committed JSON).
    family, claim_id : str, optional
        Keep only the rows of this family or claim.

    Returns
    -------
    str

    Examples
    --------
    >>> from resandi_lite.verdict import verdict_row
    >>> row = verdict_row("top band", 1.2, 0.4, 2.0, 4000, 3.4, family="varying", claim_id="top", fill="zero",
    ...                   within="input", control="scattered", level=0.995)
    >>> print(verdict_table([row]))
    zero        input    scattered  top        +1.2 [+0.4, +2.0]  paper +3.4  agrees     (99.5%, n = 4000)
    """
    lines = []
    for row in rows:
        if (family is not None and row.get("family") != family) or (claim_id and row.get("claim_id") != claim_id):
            continue
        band = "" if "band" not in row else f" {row['band'][0]:.0f}-{row['band'][1]:.0f}"
        what = f"{row.get('claim_id', '')}{band}"
        needed = f", n_needed {row['n_needed']:,}" if "n_needed" in row else ""
        lines.append(
            f"{row.get('fill', '')!s:<11} {row.get('within', '')!s:<8} "
            f"{row.get('control') or '-'!s:<10} {what:<10} "
            f"{row['estimate']:+.1f} [{row['low']:+.1f}, {row['high']:+.1f}]  paper {row['paper']:+.1f}  "
            f"{row['verdict']:<10} ({100 * row.get('level', 0.95):.1f}%, n = {row['n']}{needed})"
        )
    return "\n".join(lines)


def powered_verdicts(path=None) -> dict | None:
    """The committed powered erasure verdicts, or ``None`` if they are not there yet.

    Reads the JSON at ``path`` (default :data:`resandi_lite.verdict.POWERED`,
    when defined) and returns its erasure part: the dict
    :func:`erasure_verdicts` returned.
    """
    import json
    from pathlib import Path

    from .. import verdict

    path = getattr(verdict, "POWERED", None) if path is None else path
    if path is None or not Path(path).is_file():
        return None
    data = json.loads(Path(path).read_text())
    for container in (data, data.get("parts", {}), data.get("results", {})):
        if isinstance(container, dict):
            for key in ("erasure", "erasure_verdicts"):
                if isinstance(container.get(key), dict) and "rows" in container[key]:
                    return container[key]
    return None
