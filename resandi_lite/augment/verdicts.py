"""The augmentation claim read as verdicts: targeted minus random per noise level, paired by seed
(:func:`augmentation_verdicts`), against the paper's gain with its own standard error (:func:`paper_gain`), and
said in one sentence (:func:`describe_verdicts`)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..paper import SIGMAS as PAPER_SIGMAS


def _by_seed(arm: dict) -> dict:
    """``{seed: accuracies (points) per sigma}`` of one arm of a results.json (seeds in order if not named)."""
    accuracy = 100 * np.atleast_2d(np.asarray(arm["accuracy"], dtype=np.float64))
    seeds = arm.get("seeds", range(len(accuracy)))
    return {int(k): row for k, row in zip(seeds, accuracy)}


def _paired_over_seeds(a: dict, b: dict) -> tuple[list[int], np.ndarray]:
    """The seeds both arms have, and ``a - b`` per seed and sigma (points): ``(seeds, (k, sigmas))``."""
    seeds = sorted(set(a) & set(b))
    width = len(next(iter(a.values()))) if a else len(next(iter(b.values()))) if b else 0
    return seeds, np.array([a[k] - b[k] for k in seeds]).reshape(len(seeds), width)


def paper_gain() -> dict:
    """The paper's gain of targeted over random copies per noise level, with its standard error from its seeds.

    The paper trains five seeds per arm (:data:`resandi_lite.paper.AUGMENT_TARGETED_SEEDS`,
    ``AUGMENT_RANDOM_SEEDS``); its files do not say whether seed ``k`` of one
    arm is paired with seed ``k`` of the other, so the standard error of the
    gain is Welch's, the two arms' standard errors added in quadrature.

    Returns
    -------
    dict
        ``sigmas``, ``gain`` and ``stderr`` (lists of 11 floats, points).

    Examples
    --------
    >>> g = paper_gain()
    >>> round(g["gain"][5], 2), round(g["stderr"][5], 2)  # sigma = 0.5: about 1.2 standard errors from zero
    (3.82, 3.14)
    """
    from ..paper import AUGMENT_RANDOM_SEEDS, AUGMENT_TARGETED_SEEDS

    t, r = AUGMENT_TARGETED_SEEDS, AUGMENT_RANDOM_SEEDS
    return {
        "sigmas": [float(s) for s in PAPER_SIGMAS],
        "gain": (t.mean(0) - r.mean(0)).tolist(),
        "stderr": np.sqrt(t.var(0, ddof=1) / len(t) + r.var(0, ddof=1) / len(r)).tolist(),
    }


#: Seeds paired in both arms before a standard error over seeds is computed: the standard deviation of
#: two per-seed differences is zero whenever they happen to be equal (accuracies are multiples of 1/n),
#: and a zero-width interval would then decide a claim.  With three seeds that takes a coincidence of three.
MIN_SEEDS = 3


def augmentation_verdicts(results, *, paper=None, level: float = 0.95) -> dict:
    """The augmentation claim per noise level: targeted minus random, paired by seed, with its verdict.

    Each seed trains every arm with the same initialisation, sample order and
    number of steps (:func:`from_scratch`), and all are tested on the same
    noisy sets, so the arms are compared seed by seed: the difference
    targeted - random of each seed, its mean over seeds and the standard error
    of that mean.  The interval is Student's t with ``k - 1`` degrees of
    freedom for ``k`` seeds (a bootstrap over five seeds would be far too
    narrow), at the Bonferroni level for the family of noise levels read
    together (:func:`resandi_lite.verdict.family_level`), and gives the
    verdict against the paper's gain (:func:`resandi_lite.verdict.verdict_row`,
    ``n_needed`` in seeds).  Beside it, random - control (the effect of the
    rotated copies themselves; the paper has no control arm, so no verdict).
    Intervals and verdicts need :data:`MIN_SEEDS` seeds paired in both arms:
    with two, the standard deviation over seeds is zero whenever the two
    differences happen to be equal, and the interval would collapse onto the
    estimate.

    Parameters
    ----------
    results : dict or path-like
        A ``results.json`` of :func:`from_scratch` (or of
        :func:`augmentation_experiment`): ``sigmas`` and, per arm,
        ``accuracy`` (seeds, sigmas) as fractions, with ``seeds``.
    paper : dict of float to float, optional
        The paper's gain (points) per sigma.  Default: the means of the
        paper's five seeds per arm (:data:`resandi_lite.paper.AUGMENT_TARGETED_SEEDS`
        and ``AUGMENT_RANDOM_SEEDS``), with the paper's own interval of its
        gain (:func:`paper_gain`: two arms of five seeds, Welch's standard
        error, t with 8 degrees of freedom) in each row.
    level : float
        Of the whole family.

    Returns
    -------
    dict (JSON-ready)
        ``rows`` (targeted - random per sigma; empty with fewer than
        :data:`MIN_SEEDS` paired seeds), ``controls`` (random - control per sigma, same keys but no
        verdict), ``estimates`` (the mean differences per sigma, given even for
        one seed), ``seeds`` (those paired), ``sigmas``, ``family`` and
        ``note`` (why there is no interval, or None).

    Examples
    --------
    >>> acc = {"sigmas": [0.5], "targeted": {"seeds": [0, 1, 2], "accuracy": [[0.50], [0.52], [0.49]]},
    ...        "random": {"seeds": [0, 1, 2], "accuracy": [[0.46], [0.47], [0.47]]}}
    >>> row = augmentation_verdicts(acc)["rows"][0]
    >>> round(row["estimate"], 2), row["verdict"]
    (3.67, 'open')
    """
    from scipy.stats import t as student

    from ..verdict import family_level, verdict_row

    if isinstance(results, (str, Path)):
        results = json.loads(Path(results).read_text())
    if not isinstance(results, dict) or "sigmas" not in results:
        raise ValueError("results must be a results.json (or its dict) with sigmas and, per arm, accuracy and seeds")
    sigmas = [round(float(s), 2) for s in results["sigmas"]]
    own = None
    if paper is None:
        gain = paper_gain()
        paper = {round(s, 2): g for s, g in zip(gain["sigmas"], gain["gain"])}
        own = {round(s, 2): e for s, e in zip(gain["sigmas"], gain["stderr"])}
    paper = {round(float(s), 2): float(v) for s, v in paper.items()}
    listed = [j for j, s in enumerate(sigmas) if s in paper]
    arms = {
        arm: _by_seed(results[arm]) if isinstance(results.get(arm), dict) and "accuracy" in results[arm] else {}
        for arm in ("targeted", "random", "control")
    }  # an arm with no finished seed is absent from results.json
    seeds, diff = _paired_over_seeds(arms["targeted"], arms["random"])
    each = family_level(max(1, len(listed)), level)
    out = {
        "rows": [],
        "controls": [],
        "seeds": seeds,
        "sigmas": sigmas,
        "family": {
            "m": len(listed),
            "level": level,
            "each": each,
            "rule": "Bonferroni over the noise levels; Student's t over seeds",
        },
        "estimates": {"targeted - random": diff.mean(0).tolist() if len(seeds) else []},
        "note": None,
    }
    if len(seeds) < MIN_SEEDS:
        out["note"] = (
            f"{len(seeds)} seed{'s' if len(seeds) > 1 else ''} paired in both arms: no standard error over seeds "
            f"before {MIN_SEEDS}, estimates only"
            if seeds
            else "no seed finished in both arms yet"
        )
    k = len(seeds)
    half = student.ppf((1 + each) / 2, k - 1) if k >= MIN_SEEDS else np.nan
    paper_half = student.ppf((1 + each) / 2, 8)
    for j in listed:
        s = sigmas[j]
        if k < MIN_SEEDS:
            break
        d = diff[:, j]
        mean, stderr = float(d.mean()), float(d.std(ddof=1) / np.sqrt(k))
        extra = {"stderr": stderr, "level": each, "family": len(listed), "unit": "points", "sigma": s, "seeds": k}
        if own is not None:
            extra.update(
                paper_stderr=own[s], paper_low=paper[s] - paper_half * own[s], paper_high=paper[s] + paper_half * own[s]
            )
        out["rows"].append(
            verdict_row(
                f"targeted - random, sigma = {s:.1f}",
                mean,
                mean - half * stderr,
                mean + half * stderr,
                k,
                paper[s],
                **extra,
            )
        )
    if arms["control"]:
        seeds_c, diff_c = _paired_over_seeds(arms["random"], arms["control"])
        out["estimates"]["random - control"] = diff_c.mean(0).tolist() if len(seeds_c) else []
        if len(seeds_c) >= MIN_SEEDS:
            half_c = student.ppf((1 + each) / 2, len(seeds_c) - 1)
            for j in listed:
                d = diff_c[:, j]
                mean, stderr = float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(seeds_c)))
                out["controls"].append(
                    {
                        "claim": f"random - control, sigma = {sigmas[j]:.1f}",
                        "estimate": mean,
                        "low": mean - half_c * stderr,
                        "high": mean + half_c * stderr,
                        "stderr": stderr,
                        "n": len(seeds_c),
                        "level": each,
                        "unit": "points",
                        "sigma": sigmas[j],
                    }
                )
    return out


def describe_verdicts(verdicts: dict) -> str:
    """One sentence on what :func:`augmentation_verdicts` found: seeds paired, verdict counts, seeds still needed.

    Written for chapters whose results grow while an experiment runs, so that
    the text printed beside the table always states the numbers of the run
    that made it.

    Parameters
    ----------
    verdicts : dict
        What :func:`augmentation_verdicts` returns.

    Returns
    -------
    str

    Examples
    --------
    >>> acc = {"sigmas": [0.5], "targeted": {"seeds": [0, 1, 2], "accuracy": [[0.50], [0.52], [0.49]]},
    ...        "random": {"seeds": [0, 1, 2], "accuracy": [[0.46], [0.47], [0.47]]}}
    >>> print(describe_verdicts(augmentation_verdicts(acc)))
    3 seeds paired (0, 1, 2); targeted - random at 1 noise level (each interval at 95%): 1 open; the open one would be settled by about 12 seeds per arm (sigma = 0.5).
    """
    seeds = list(verdicts.get("seeds", []))
    rows = verdicts.get("rows", [])
    paired = f"{len(seeds)} seed{'s' if len(seeds) != 1 else ''} paired" + (
        f" ({', '.join(map(str, seeds))})" if seeds else ""
    )
    if not rows:
        return (
            f"{paired}: no interval over seeds yet (it needs at least {MIN_SEEDS} seeds in both arms), estimates only."
        )
    counts = {v: sum(r["verdict"] == v for r in rows) for v in ("agrees", "differs", "no effect", "open")}
    family = verdicts.get("family", {})
    m = family.get("m", len(rows))
    text = (
        f"{paired}; targeted - random at {m} noise level{'s' if m != 1 else ''} (each interval at "
        f"{100 * family.get('each', rows[0].get('level', 0.95)):.4g}%): "
        + ", ".join(f"{c} {v}" for v, c in counts.items() if c)
    )
    open_rows = [r for r in rows if r["verdict"] == "open"]
    if open_rows:
        needed = sorted(r["n_needed"] for r in open_rows)
        span = f"about {needed[0]}" if needed[0] == needed[-1] else f"{needed[0]} to {needed[-1]}"
        most = max(open_rows, key=lambda r: r["n_needed"])
        which = "the open one" if len(open_rows) == 1 else "the open ones"
        text += f"; {which} would be settled by {span} seeds per arm (sigma = {most['sigma']:.1f}"
        text += ")." if len(open_rows) == 1 else " needs the most)."
    else:
        text += "; none is open."
    return text
