"""The signs of the map-statistic correlations the paper reports, read as verdicts.

One sign read alone at two standard errors (:func:`sign_agreement`, :func:`count_sign_agreement`,
:func:`interval_table`, :func:`plot_correlation_intervals`); every sign the paper reports as a verdict
with its interval, Bonferroni over the family (:func:`sign_claims`, :func:`sign_verdicts`,
:func:`pooled_within_table`, :func:`plot_sign_verdicts`), and the powered run of chapter 11
(:func:`layerwise_verdicts`).
"""

from __future__ import annotations

import numpy as np

from ..paper import CORRELATIONS as PAPER_CORRELATIONS
from ..paper import N_WINDOWS
from ..paper import SPEARMAN as PAPER_SPEARMAN
from .correlation import _resampled_correlation, _trajectory_bootstrap, correlation_intervals
from .statistics import STATISTICS, composites, window_maps, window_statistics

#: The five signs the reproduction must check (issue 4): class and composite.
REQUIRED_SIGNS = (("SubCTRW", "AC"), ("SubFBM", "AC"), ("SupFBM", "AC"), ("SubSBM", "VD"), ("SupSBM", "VD"))


def sign_agreement(ours, paper, stderr, *, k: float = 2.0) -> str:
    """Whether our correlation agrees in sign with the paper's, counting only signs resolved from zero.

    Parameters
    ----------
    ours : float
        Our correlation (NaN counts as unresolved).
    paper : float, non-zero
        The paper's correlation.
    stderr : float, >= 0 or NaN
        Standard error of ``ours`` (e.g. from :func:`correlation_intervals`); NaN (unknown) gives ``"unresolved"``.
    k : float
        How many standard errors from zero make a sign resolved (strictly more than ``k``).

    Returns
    -------
    str
        ``"agrees"`` (``|ours| > k stderr`` with the paper's sign), ``"differs"``
        (``|ours| > k stderr`` with the other sign) or ``"unresolved"``.

    Examples
    --------
    >>> sign_agreement(-0.33, -0.374, 0.03), sign_agreement(0.03, 0.333, 0.03), sign_agreement(0.34, -0.198, 0.04)
    ('agrees', 'unresolved', 'differs')
    """
    ours, paper, stderr = float(ours), float(paper), float(stderr)
    if not np.isfinite(paper) or paper == 0:
        raise ValueError(f"paper must be a non-zero correlation (it gives the sign), got {paper}")
    if stderr < 0 or stderr == np.inf:
        raise ValueError(f"stderr must be a non-negative standard error (or NaN if unknown), got {stderr}")
    if not k > 0:
        raise ValueError(f"k must be a positive number of standard errors, got {k}")
    if not (np.isfinite(ours) and np.isfinite(stderr)) or abs(ours) <= k * stderr:
        return "unresolved"
    return "agrees" if np.sign(ours) == np.sign(paper) else "differs"


def count_sign_agreement(estimates: dict, paper: dict | None = None, pairs=REQUIRED_SIGNS, *, k: float = 2.0) -> dict:
    """How many of the paper's signs ours reproduce, each more than ``k`` standard errors from zero.

    The one count of chapters 11 and 12 (:func:`sign_agreement` on each pair).

    Parameters
    ----------
    estimates : dict of (class name, feature name) to (r, stderr) or to a dict with ``r`` and ``stderr``
        E.g. :func:`correlation_intervals`.
    paper : dict of (class name, feature name) to float, optional
        The paper's values (default :data:`PAPER_CORRELATIONS`, with :data:`PAPER_SPEARMAN`).
    pairs : iterable of (class name, feature name)
        The signs counted (default :data:`REQUIRED_SIGNS`, the paper's five).
    k : float

    Returns
    -------
    dict
        ``verdicts`` ({pair: "agrees", "differs" or "unresolved"}), ``agree``,
        ``differ``, ``unresolved`` and ``total`` (int).

    Examples
    --------
    >>> count_sign_agreement({("SubSBM", "VD"): (-0.33, 0.03)}, pairs=[("SubSBM", "VD")])["agree"]
    1
    """
    paper = {**PAPER_CORRELATIONS, **PAPER_SPEARMAN} if paper is None else paper
    verdicts = {}
    for pair in pairs:
        pair = tuple(pair)
        if pair not in estimates or pair not in paper:
            raise ValueError(f"estimates and paper must both hold the pair {pair!r}")
        value = estimates[pair]
        r, stderr = (value["r"], value["stderr"]) if isinstance(value, dict) else value
        verdicts[pair] = sign_agreement(r, paper[pair], stderr, k=k)
    counts = {v: sum(x == v for x in verdicts.values()) for v in ("agrees", "differs", "unresolved")}
    return {
        "verdicts": verdicts,
        "agree": counts["agrees"],
        "differ": counts["differs"],
        "unresolved": counts["unresolved"],
        "total": len(verdicts),
    }


def interval_table(
    intervals: dict, paper: dict | None = None, pairs=REQUIRED_SIGNS, *, k: float = 2.0, signs: bool = True
) -> dict:
    """The correlations of :func:`correlation_intervals` beside the paper's, as a small table for display.

    Returns
    -------
    dict of str to dict
        For each pair (``"class feature"``): ``ours ± SE (bootstrap)`` (str),
        ``Fisher, pairs independent`` (str, the ``k``-SE interval, Pearson
        only), ``paper`` (float) and, with ``signs``, ``sign`` (the
        :func:`sign_agreement` verdict of one claim read alone; a family of
        claims is read with :func:`sign_verdicts`).
    """
    paper = {**PAPER_CORRELATIONS, **PAPER_SPEARMAN} if paper is None else paper
    table = {}
    for c, f in pairs:
        v = intervals[(c, f)]
        fisher = v.get("fisher")
        table[f"{c} {f}"] = {
            "ours ± SE (bootstrap)": f"{v['r']:+.3f} ± {v['stderr']:.3f}",
            "Fisher, pairs independent": "—" if fisher is None else f"[{fisher[0]:+.3f}, {fisher[1]:+.3f}]",
            "paper": paper[(c, f)],
        }
        if signs:
            table[f"{c} {f}"]["sign"] = sign_agreement(v["r"], paper[(c, f)], v["stderr"], k=k)
    return table


#: The claim scored the authors' way: SubCTRW's AC with a window that never moves given f1 = 1 (as
#: ``autocorrelation_norm`` of the authors' ``utils/_statistical_relevance.py`` does), the paper's -0.375.
AUTHORS_SCORING = ("SubCTRW", "AC")

#: Where the paper's sign claims are read: the pooled correlation (the paper's) and the within-trajectory one.
SCOPES = ("pooled", "within")


def sign_claims(paper: dict | None = None, spearman: dict | None = None) -> list[dict]:
    """The family of sign claims chapter 11 reads together, one dict per claim.

    Every correlation the paper reports (:data:`PAPER_CORRELATIONS`, Pearson;
    :data:`PAPER_SPEARMAN`, Spearman for SupLW), each read pooled (as the
    paper) and within trajectories (map and feature demeaned per trajectory),
    plus SubCTRW's AC scored the authors' way (:data:`AUTHORS_SCORING`),
    pooled and within.

    Returns
    -------
    list of dict
        ``claim`` (str), ``class``, ``feature``, ``method`` ("pearson" or
        "spearman"), ``scope`` ("pooled" or "within"), ``scoring`` ("ours"
        or "authors") and ``paper`` (the paper's pooled correlation, whose
        sign the claim is about and whose size "no effect" is read against).

    Examples
    --------
    >>> claims = sign_claims()
    >>> len(claims), claims[0]["claim"]
    (28, 'SubCTRW AC: Pearson, pooled')
    """
    paper = PAPER_CORRELATIONS if paper is None else paper
    spearman = PAPER_SPEARMAN if spearman is None else spearman
    claims = []
    sets = [(paper, "pearson", "ours"), (spearman, "spearman", "ours")]
    if AUTHORS_SCORING in paper:
        sets.append(({AUTHORS_SCORING: paper[AUTHORS_SCORING]}, "pearson", "authors"))
    for values, method, scoring in sets:
        for (c, f), value in values.items():
            for scope in SCOPES:
                name = f"{c} {f}" + (", resting windows scored 1 (the authors' code)" if scoring == "authors" else "")
                claims.append(
                    {
                        "claim": f"{name}: {method.capitalize()}, "
                        f"{'pooled' if scope == 'pooled' else 'within trajectories'}",
                        "class": c,
                        "feature": f,
                        "method": method,
                        "scope": scope,
                        "scoring": scoring,
                        "paper": float(value),
                    }
                )
    return claims


def sign_verdicts(
    maps, stats: dict, y, *, claims=None, level: float = 0.95, n_boot: int = 5000, rng=None, classes=None
) -> list[dict]:
    """Every sign claim of :func:`sign_claims` with its interval and verdict, Bonferroni over the family.

    Each correlation is bootstrapped over the trajectories of its class (each
    trajectory keeps its 32 windows; :func:`resandi_lite.verdict.paired_bootstrap`);
    its percentile interval has level ``family_level(m, level)`` for the
    ``m`` claims read together (the course's one multiple-comparison rule,
    :mod:`resandi_lite.verdict`), and gives the verdict: ``agrees`` (the
    paper's sign), ``differs`` (the other sign), ``no effect`` (zero inside,
    the paper's pooled value outside) or ``open`` (both inside; with
    ``n_needed`` trajectories per class).

    Parameters
    ----------
    maps : ndarray of shape (n, 32)
        Layer4 maps of the true class (:func:`window_maps`).
    stats : dict of str to ndarray of shape (n, 32)
        The window statistics of the same trajectories (:func:`window_statistics`).
    y : ndarray of shape (n,), int
    claims : list of dict, optional
        Default :func:`sign_claims`; the family size ``m`` is its length.
    level : float
        Probability that the whole family's intervals hold.
    n_boot : int
        Bootstrap replicates per claim (the family level asks for far tails:
        a few thousand at least).
    rng : numpy Generator, int or None
    classes : sequence of str, optional

    Returns
    -------
    list of dict
        One :func:`resandi_lite.verdict.verdict_row` per claim: ``claim``,
        ``estimate``, ``low``, ``high``, ``n`` (trajectories of the class),
        ``paper``, ``verdict`` (``n_needed`` when open), plus ``stderr``,
        ``level`` (of each interval), ``family``, ``class``, ``feature``,
        ``method``, ``scope``, ``scoring`` and ``pairs``.
    """
    from ..simulate.classes import CLASSES
    from ..verdict import family_level, verdict_row

    maps, y = np.asarray(maps, dtype=np.float64), np.asarray(y)
    classes = list(CLASSES if classes is None else classes)
    if maps.ndim != 2 or maps.shape[1] != N_WINDOWS or y.shape != (len(maps),):
        raise ValueError(f"maps must be (n, {N_WINDOWS}) and y (n,), got {maps.shape} and {y.shape}")
    missing = [k for k in STATISTICS if k not in stats]
    if missing:
        raise ValueError(f"stats must hold the window statistics {STATISTICS} (window_statistics), missing {missing}")
    claims = sign_claims() if claims is None else list(claims)
    features = {
        "ours": composites(stats),
        "authors": {"AC": np.where(np.isnan(stats["f1"]), 1.0, stats["f1"])},
    }  # a window at rest: f1 = 1
    each = family_level(len(claims), level)
    rng = np.random.default_rng(rng)
    rows = []
    for claim in claims:
        if claim["class"] not in classes or classes.index(claim["class"]) not in y:
            raise ValueError(f"y holds no trajectory of {claim['class']!r}, which the claim {claim['claim']!r} needs")
        members = y == classes.index(claim["class"])
        a, b = maps[members], np.asarray(features[claim["scoring"]][claim["feature"]], dtype=np.float64)[members]
        statistic = _resampled_correlation(a, b, claim["method"], within=claim["scope"] == "within")
        boot = _trajectory_bootstrap(statistic, len(a), n_boot=n_boot, level=each, rng=rng)
        extra = {
            "stderr": boot["stderr"],
            "level": each,
            "family": len(claims),
            "unit": "correlation",
            **{k: claim[k] for k in ("class", "feature", "method", "scope", "scoring")},
            "pairs": int((np.isfinite(a) & np.isfinite(b)).sum()),
        }
        if np.isfinite(boot["low"]) and np.isfinite(boot["high"]):
            rows.append(
                verdict_row(
                    claim["claim"], boot["estimate"], boot["low"], boot["high"], len(a), claim["paper"], **extra
                )
            )
        else:  # too few trajectories with values for an interval
            rows.append(
                {
                    "claim": claim["claim"],
                    "estimate": boot["estimate"],
                    "low": None,
                    "high": None,
                    "n": int(len(a)),
                    "paper": claim["paper"],
                    "verdict": "open",
                    "n_needed": None,
                    **extra,
                }
            )
    return rows


def pooled_within_table(rows: list[dict]) -> dict:
    """The rows of :func:`sign_verdicts` as one line per claim, pooled and within side by side, for display.

    Returns
    -------
    dict of str to dict
        For each ``"class feature (method)"``: ``paper``, ``pooled`` and
        ``within`` (each ``"r ± SE"`` and its verdict).
    """
    table = {}
    for row in rows:
        key = f"{row['class']} {row['feature']} ({row['method'].capitalize()}" + (
            ", authors' scoring)" if row.get("scoring") == "authors" else ")"
        )
        entry = table.setdefault(key, {"paper": row["paper"]})
        entry[row["scope"]] = f"{row['estimate']:+.3f} ± {row['stderr']:.3f}: {row['verdict']}"
    return table


def plot_sign_verdicts(rows: list[dict], ax=None, *, title: str | None = None):
    """Each sign claim's correlation with its family interval, pooled and within, coloured by verdict.

    Parameters
    ----------
    rows : list of dict
        :func:`sign_verdicts` (or the ``layerwise`` rows of the powered JSON).

    Returns
    -------
    matplotlib Axes
        Per (class, feature, method): the pooled (circle) and within-trajectory
        (square) estimate with its interval, green agrees, red differs, blue
        no effect, grey open; a black cross: the paper's (pooled) value.
    """
    import matplotlib.pyplot as plt

    colours = {"agrees": "C2", "differs": "C3", "no effect": "C0", "open": "0.5"}
    keys = list(dict.fromkeys((r["class"], r["feature"], r["method"], r.get("scoring", "ours")) for r in rows))
    if ax is None:
        _, ax = plt.subplots(figsize=(max(5.0, 0.62 * len(keys) + 1.5), 4.0), constrained_layout=True)
    seen = set()
    for row in rows:
        i = keys.index((row["class"], row["feature"], row["method"], row.get("scoring", "ours")))
        x = i + (-0.15 if row["scope"] == "pooled" else 0.15)
        label = f"{row['scope']}: {row['verdict']}"
        if row["low"] is not None:
            ax.errorbar(
                x,
                row["estimate"],
                yerr=[[row["estimate"] - row["low"]], [row["high"] - row["estimate"]]],
                fmt="o" if row["scope"] == "pooled" else "s",
                color=colours[row["verdict"]],
                capsize=3,
                ms=5,
                label=None if label in seen else label,
            )
        seen.add(label)
        if row["scope"] == "pooled":
            ax.plot(i, row["paper"], "kx", ms=7, label=None if "paper" in seen else "paper (pooled)")
            seen.add("paper")
    ax.axhline(0, color="k", lw=0.6)
    names = [
        f"{c}\n{f}" + ("\nSpearman" if m == "spearman" else "") + ("\nauthors'" if s == "authors" else "")
        for c, f, m, s in keys
    ]
    ax.set_xticks(range(len(keys)), names, fontsize=7)
    ax.set_xlabel("true class and composite feature (circles pooled, squares within trajectories)")
    level = rows[0]["level"] if rows else 0.95
    ax.set_ylabel(f"correlation with the layer4 map\n(dimensionless; {100 * level:.2f}% intervals)")
    ax.legend(fontsize=7, loc="best", ncol=2)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def layerwise_verdicts(
    n_per_class: int,
    *,
    seed: int = 0,
    network=None,
    progress: bool = False,
    level: float = 0.95,
    n_boot: int = 20_000,
    chunk: int = 500,
    batch_size: int = 256,
) -> dict:
    """The powered measurement of chapter 11: every sign claim of the paper, pooled and within, with its verdict.

    Simulates ``n_per_class`` trajectories of T = 1000 per class (in chunks
    of ``chunk`` per class, so the memory stays small), computes the signed
    layer4 Grad-CAM maps of ``network`` and the window statistics, and
    returns :func:`sign_verdicts` with the family rule.  Cost on one core
    of the course machine, measured: 141 s of CPU for 2,000 trajectories per
    class and 20,000 replicates per claim (about half of it maps and
    statistics, half bootstraps), linear in ``n_per_class``: about 12 minutes
    for the powered size, 10,000 per class (the paper's test set).

    Parameters
    ----------
    n_per_class : int, >= 2
    seed : int
        Seeds the test sets (chunk ``k`` from ``(seed, 11, k)``) and the bootstrap.
    network : str or path, optional
        Default: the shipped ``lite-T1000`` (the paper's layer-wise analysis is on its fixed-length network).
    progress : bool
    level : float
        Family level (Bonferroni over the claims).
    n_boot : int
        Bootstrap replicates per claim.
    chunk : int
        Trajectories per class simulated at once.
    batch_size : int
        Of Grad-CAM.

    Returns
    -------
    dict (JSON-ready)
        ``part`` ("layerwise"), ``rows`` (:func:`sign_verdicts`), ``sizes``
        (``n_per_class``, ``length``, ``n_boot``), ``seed``, ``network``,
        ``family`` (``m``, ``level``, ``each``, ``rule``), ``correlations``
        (``{"pooled"|"within": {"class/feature": {"r", "stderr"}}}``, Pearson,
        every class and composite, standard errors from 1,000 replicates), ``seconds`` (wall) and ``cpu_seconds`` (of this process).
    """
    import time

    from ..data import make_dataset
    from ..pretrained import load_model
    from ..simulate.classes import CLASSES
    from ..verdict import family_level

    if isinstance(n_per_class, bool) or not isinstance(n_per_class, (int, np.integer)) or n_per_class < 2:
        raise ValueError(
            f"n_per_class must be an integer >= 2 (a bootstrap needs two trajectories), got {n_per_class!r}"
        )
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise ValueError(f"chunk must be a positive integer, got {chunk!r}")
    start, cpu = time.perf_counter(), time.process_time()
    network = "lite-T1000" if network is None else network
    model = load_model(network)
    maps, y, stats = [], [], {k: [] for k in STATISTICS}
    starts = range(0, int(n_per_class), int(chunk))
    if progress:
        from tqdm.auto import tqdm

        starts = tqdm(starts, desc="layer-wise verdicts", unit="chunk")
    for k, first in enumerate(starts):
        part_seed = int(np.random.SeedSequence([int(seed), 11, k]).generate_state(1)[0])
        test = make_dataset(min(int(chunk), int(n_per_class) - first), length=1000, seed=part_seed)
        maps.append(np.asarray(window_maps(model, test.X, test.y, batch_size=batch_size), dtype=np.float64))
        y.append(np.asarray(test.y))
        for name, value in window_statistics(test.X).items():
            stats[name].append(value)
    maps, y = np.concatenate(maps), np.concatenate(y)
    stats = {name: np.concatenate(v) for name, v in stats.items()}
    claims = sign_claims()
    rows = sign_verdicts(maps, stats, y, claims=claims, level=level, n_boot=n_boot, rng=seed)
    comp = composites(stats)
    correlations = {
        scope: {
            f"{c}/{f}": {"r": v["r"], "stderr": v["stderr"]}
            for (c, f), v in correlation_intervals(
                maps, comp, y, within=scope == "within", n_boot=1000, rng=seed
            ).items()
        }
        for scope in SCOPES
    }
    return {
        "part": "layerwise",
        "rows": rows,
        "sizes": {"n_per_class": int(n_per_class), "length": 1000, "n_boot": int(n_boot)},
        "seed": int(seed),
        "network": str(network),
        "classes": list(CLASSES),
        "family": {
            "m": len(claims),
            "level": level,
            "each": family_level(len(claims), level),
            "rule": "Bonferroni: each interval at 1 - (1 - level) / m",
        },
        "correlations": correlations,
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu,
    }


def plot_correlation_intervals(
    intervals: dict,
    ax=None,
    *,
    paper: dict | None = None,
    highlight=REQUIRED_SIGNS,
    k: float = 2.0,
    title: str | None = None,
):
    """Our correlations with their bootstrap intervals beside the paper's values, one column per (class, feature).

    Parameters
    ----------
    intervals : dict of (class, feature) to dict
        The output of :func:`correlation_intervals` (computed with the same ``k``).
    paper : dict of (class, feature) to float, optional
        Default: :data:`PAPER_CORRELATIONS` with :data:`PAPER_SPEARMAN`.
    highlight : iterable of (class, feature)
        Pairs whose labels are drawn in bold (default: the five signs counted, :data:`REQUIRED_SIGNS`).
    k : float
        The intervals' half-width in standard errors, for the legend and the verdict colours.

    Returns
    -------
    matplotlib Axes
        Points coloured by :func:`sign_agreement`: green agrees, red differs,
        grey unresolved (within ``k`` standard errors of 0); thin grey bars:
        Fisher's interval, which treats every (trajectory, window) pair as independent.
    """
    import matplotlib.pyplot as plt

    paper = {**PAPER_CORRELATIONS, **PAPER_SPEARMAN} if paper is None else paper
    highlight = {tuple(p) for p in highlight}
    pairs = list(intervals)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 0.75 * len(pairs) + 1.5), 3.8), constrained_layout=True)
    colours = {"agrees": "C2", "differs": "C3", "unresolved": "0.5"}
    seen = set()
    for i, pair in enumerate(pairs):
        v = intervals[pair]
        if v.get("fisher") is not None:
            ax.plot(
                [i - 0.18, i - 0.18],
                v["fisher"],
                color="0.8",
                lw=3,
                label=None if "fisher" in seen else f"Fisher's z, ±{k:g} SE, pairs independent",
            )
            seen.add("fisher")
        verdict = sign_agreement(v["r"], paper[pair], v["stderr"], k=k) if pair in paper else "unresolved"
        ax.errorbar(
            i,
            v["r"],
            yerr=k * v["stderr"],
            fmt="o",
            color=colours[verdict],
            capsize=3,
            ms=5,
            label=None if verdict in seen else f"ours ±{k:g} SE (bootstrap over trajectories): {verdict}",
        )
        seen.add(verdict)
        if pair in paper:
            ax.plot(i + 0.18, paper[pair], "kx", ms=7, label=None if "paper" in seen else "paper")
            seen.add("paper")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xticks(range(len(pairs)), [f"{c}\n{f}" for c, f in pairs], fontsize=8)
    for tick, pair in zip(ax.get_xticklabels(), pairs):
        tick.set_fontweight("bold" if pair in highlight else "normal")
    ax.set_xlabel("true class and composite feature (bold: the five signs counted)")
    ax.set_ylabel("correlation with the layer4 map\n(dimensionless)")
    ax.legend(fontsize=7, loc="best")
    if title:
        ax.set_title(title, fontsize=10)
    return ax
