"""Verdicts on the paper's claims: paired intervals, one multiple-comparison rule, and the sample size still needed.

Every claim of the paper that the course tests is reduced to one number
measured on the same trajectories under two conditions (an accuracy
difference, a correlation, an AUROC minus 0.5), with a paired bootstrap
interval over trajectories.  The interval then gives one of four verdicts:

``agrees``
    the interval excludes zero on the paper's side;
``differs``
    the interval excludes zero on the other side;
``no effect``
    the interval contains zero but excludes an effect of the paper's size
    (only for claims where the paper gives a size);
``open``
    the interval contains both zero and the paper's effect: the test is too
    small, and :func:`n_needed` says how large it would have to be.

Multiple comparisons (the course's one rule): a family of ``m`` claims read
together is judged with Bonferroni-adjusted intervals, each at level
``1 - (1 - level) / m`` (:func:`family_level`), so that the probability of any
false "agrees" or "differs" in the family stays below ``1 - level``.  Holm's
step-down adjustment of p-values (:func:`holm`) is offered for tests that
give p-values (McNemar).

The powered run (:func:`resandi_lite.powered.run_verdicts`, ``python -m
resandi_lite verdicts``) measures every part's claims and writes one
``verdicts.json``; :data:`POWERED` is the committed copy the chapters read
with :func:`load_verdicts` and show with :func:`verdict_table`.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from . import _files
from ._checks import check_int

__all__ = [
    "POWERED",
    "VERDICTS",
    "family_level",
    "family_z",
    "holm",
    "load_verdicts",
    "mcnemar",
    "n_needed",
    "paired_bootstrap",
    "verdict",
    "verdict_counts",
    "verdict_row",
    "verdict_table",
]

#: The possible verdicts, in the order a table lists them.
VERDICTS = ("agrees", "differs", "no effect", "open")


def _level(level) -> float:
    if isinstance(level, bool) or not isinstance(level, (int, float, np.floating)) or not 0 < float(level) < 1:
        raise ValueError(f"level must be a number in (0, 1), got {level!r}")
    return float(level)


def family_level(m: int, level: float = 0.95) -> float:
    """The level of each of ``m`` Bonferroni-adjusted intervals whose family holds ``level``.

    >>> family_level(10)
    0.995
    """
    m = check_int(m, "m", minimum=1)
    return round(1 - (1 - _level(level)) / m, 12)


def family_z(m: int, level: float = 0.95) -> float:
    """The two-sided normal threshold (standard errors) of each of ``m`` Bonferroni-adjusted intervals.

    An estimate more than ``family_z(m) * stderr`` from zero lies outside its
    interval at :func:`family_level` ``(m, level)``.

    >>> round(family_z(1), 3), round(family_z(8), 3)
    (1.96, 2.734)
    """
    from statistics import NormalDist

    return NormalDist().inv_cdf(1 - (1 - family_level(m, level)) / 2)


def _paired(a, b, name_a="a", name_b="b") -> tuple[np.ndarray, np.ndarray]:
    try:
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64) if b is not None else np.zeros_like(a)
    except (TypeError, ValueError):
        raise TypeError(f"{name_a} and {name_b} must be 1-D arrays of numbers (or booleans)") from None
    if a.ndim != 1 or a.shape != b.shape:
        raise ValueError(
            f"{name_a} and {name_b} must be 1-D arrays of the same length (one value per trajectory), "
            f"got shapes {a.shape} and {b.shape}"
        )
    if len(a) < 2:
        raise ValueError(f"{name_a} needs at least 2 trajectories, got {len(a)}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError(f"{name_a} and {name_b} must be finite (no NaN or inf)")
    return a, b


def paired_bootstrap(
    a, b=None, *, statistic=None, n_boot: int = 2000, level: float = 0.95, rng=None, chunk: int = 100
) -> dict:
    """Difference between two conditions measured on the same trajectories, with a paired bootstrap interval.

    The trajectories are resampled with replacement, each keeping its pair
    ``(a[i], b[i])``, so that whatever the two conditions share (the same hard
    trajectories) cancels in the difference.

    Parameters
    ----------
    a, b : array-like of shape (n,)
        One value per trajectory under each condition (e.g. whether it is
        classified correctly).  ``b=None``: the statistic of ``a`` alone.
    statistic : callable, optional
        ``statistic(a, b) -> float`` on arrays of shape (n,); also called on
        arrays of shape (n_boot_chunk, n) with ``axis=1`` semantics when it
        accepts an ``axis`` keyword.  Default: ``mean(a - b)``.
    n_boot : int
        Bootstrap resamples.
    level : float in (0, 1)
        Coverage of the percentile interval.
    rng : numpy Generator, int or None

    Returns
    -------
    dict
        ``estimate`` (the statistic on the data), ``low``, ``high`` (the
        percentile interval), ``stderr`` (the bootstrap standard deviation),
        ``p`` (two-sided bootstrap p-value for a zero difference: twice the
        smaller tail fraction, at least ``1 / n_boot``) and ``n``.

    Examples
    --------
    >>> r = paired_bootstrap([1, 1, 0, 1] * 50, [1, 0, 0, 1] * 50, rng=0)
    >>> round(r["estimate"], 2), r["low"] > 0
    (0.25, True)
    """
    a, b = _paired(a, b)
    n_boot = check_int(n_boot, "n_boot", minimum=10)
    level = _level(level)
    rng = np.random.default_rng(rng)
    if statistic is None:
        d = a - b
        estimate = float(d.mean())
        boots = np.concatenate(
            [d[rng.integers(0, len(d), (min(chunk, n_boot - i), len(d)))].mean(axis=1) for i in range(0, n_boot, chunk)]
        )
    else:
        estimate = float(statistic(a, b))
        boots = np.empty(n_boot)
        for i in range(n_boot):
            idx = rng.integers(0, len(a), len(a))
            boots[i] = statistic(a[idx], b[idx])
    low, high = np.quantile(boots, [(1 - level) / 2, (1 + level) / 2])
    tail = min(np.mean(boots <= 0), np.mean(boots >= 0))
    return {
        "estimate": estimate,
        "low": float(low),
        "high": float(high),
        "stderr": float(boots.std(ddof=1)),
        "p": float(min(1.0, max(2 * tail, 1 / n_boot))),
        "n": int(len(a)),
    }


def mcnemar(correct_a, correct_b) -> dict:
    """McNemar's exact test of two classifiers (or conditions) on the same trajectories.

    Parameters
    ----------
    correct_a, correct_b : array-like of shape (n,), bool

    Returns
    -------
    dict
        ``b`` (right under a only), ``c`` (right under b only), and ``p``: the
        two-sided exact binomial p-value of ``b`` among ``b + c`` discordant
        pairs under probability 1/2 (1.0 when there are none).

    Examples
    --------
    >>> mcnemar([1] * 20 + [0] * 5, [0] * 20 + [1] * 5)["p"] < 0.01
    True
    """
    from scipy.stats import binomtest

    a, b = _paired(correct_a, correct_b, "correct_a", "correct_b")
    if not (np.isin(a, (0, 1)).all() and np.isin(b, (0, 1)).all()):
        raise ValueError("correct_a and correct_b must hold booleans (or 0/1): whether each trajectory is right")
    only_a, only_b = int(np.sum((a == 1) & (b == 0))), int(np.sum((a == 0) & (b == 1)))
    p = 1.0 if only_a + only_b == 0 else float(binomtest(only_a, only_a + only_b, 0.5).pvalue)
    return {"b": only_a, "c": only_b, "p": p}


def holm(pvalues) -> np.ndarray:
    """Holm's step-down adjusted p-values of a family (reject where the adjusted value is below alpha).

    >>> holm([0.01, 0.04, 0.03]).round(3).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(pvalues, dtype=np.float64)
    if p.ndim != 1 or p.size == 0 or not np.all((p >= 0) & (p <= 1)):
        raise ValueError(f"pvalues must be a non-empty 1-D array of values in [0, 1], got {pvalues!r}")
    order = np.argsort(p, kind="stable")
    m = p.size
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def verdict(low: float, high: float, paper: float | None = None) -> str:
    """The verdict of an interval ``[low, high]`` on a claim whose effect has the sign (and size) of ``paper``.

    Parameters
    ----------
    low, high : float
        The interval of the measured effect (already adjusted for its family).
    paper : float or None
        The paper's effect: its sign says which side "agrees"; its size
        allows "no effect".  A claim of sign only: pass ``+1.0`` or ``-1.0``
        and read "no effect" as "smaller than that" (so pass the size when
        the paper gives one).

    Examples
    --------
    >>> verdict(0.5, 2.0, paper=3.4), verdict(-2.0, -0.5, paper=3.4), verdict(-0.5, 0.8, paper=3.4)
    ('agrees', 'differs', 'no effect')
    >>> verdict(-0.5, 4.0, paper=3.4)
    'open'
    """
    low, high = float(low), float(high)
    if not (np.isfinite(low) and np.isfinite(high)) or low > high:
        raise ValueError(f"low and high must be finite with low <= high, got {low} and {high}")
    if paper is None or not np.isfinite(paper) or paper == 0:
        raise ValueError(f"paper must be the paper's (non-zero, finite) effect, got {paper!r}")
    sign = 1.0 if paper > 0 else -1.0
    if low > 0 or high < 0:
        return "agrees" if (low > 0) == (sign > 0) else "differs"
    return "no effect" if not low <= paper <= high else "open"


def n_needed(n: int, low: float, high: float, paper: float) -> int:
    """Test size at which an open interval would be expected to decide between zero and the paper's effect.

    An interval's half-width shrinks as ``1 / sqrt(n)``; the claim is decided
    once the half-width is below half the distance between zero and the
    paper's effect, ``|paper| / 2`` (then the interval cannot hold both).

    Parameters
    ----------
    n : int
        The test size behind ``[low, high]`` (trajectories, or seeds).
    low, high, paper : float

    Returns
    -------
    int
        ``ceil(n * (half_width / (|paper| / 2)) ** 2)``, at least ``n + 1``.

    Examples
    --------
    >>> n_needed(1000, -1.0, 3.0, paper=2.0)
    4000
    """
    n = check_int(n, "n", minimum=1)
    half = (float(high) - float(low)) / 2
    target = abs(float(paper)) / 2
    if not (np.isfinite(half) and half >= 0 and target > 0):
        raise ValueError(f"need finite low <= high and a non-zero paper effect, got {low}, {high}, {paper}")
    return max(n + 1, math.ceil(n * (half / target) ** 2 - 1e-9))  # no extra unit from rounding (9.000000000000002)


def verdict_row(claim: str, estimate: float, low: float, high: float, n: int, paper: float, **extra) -> dict:
    """One claim's result as a JSON-ready row: ``claim, estimate, low, high, n, paper, verdict`` (and ``n_needed``).

    ``n_needed`` is present (an int) only for an ``open`` verdict.  Extra
    keyword arguments are added as they are (e.g. ``unit``, ``level``).

    Examples
    --------
    >>> row = verdict_row("top band vs random", 0.4, -0.2, 1.0, 8000, 3.4, unit="points")
    >>> row["verdict"], "n_needed" in row
    ('no effect', False)
    """
    row = {
        "claim": str(claim),
        "estimate": float(estimate),
        "low": float(low),
        "high": float(high),
        "n": int(n),
        "paper": float(paper),
        "verdict": verdict(low, high, paper),
    }
    if row["verdict"] == "open":
        row["n_needed"] = n_needed(n, low, high, paper)
    row.update(extra)
    return row


# --- the powered run's verdicts as shipped (written by resandi_lite.powered) and their table -----------

#: The committed verdicts of the powered run, shipped inside the package so that the chapters find them
#: (on Colab too): ``python -m resandi_lite verdicts --sizes powered --out runs/part3 --ship`` writes it.
POWERED = Path(__file__).resolve().parent / "pretrained" / "verdicts.json"


def load_verdicts(path=None) -> dict | None:
    """The verdicts JSON of the powered run (default :data:`POWERED`), or None if there is none yet.

    Raises
    ------
    ValueError
        If the file exists but is not a verdicts JSON (no list of ``rows``).
    """
    path = POWERED if path is None else Path(path)
    data = _files.read_json(path, remedy="write it again with python -m resandi_lite verdicts")
    if data is None:
        return None
    if not isinstance(data.get("rows"), list):
        raise ValueError(f"{path} holds no list of rows: not a verdicts JSON")
    return data


class Table(str):
    """A table that notebooks display as HTML (as the built book does), with the Markdown text as its value."""

    html = ""
    caption = ""

    def _repr_html_(self) -> str:
        return self.html

    def _repr_markdown_(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return str(self)

    @classmethod
    def from_rows(cls, columns, rows, *, left=(0,), css: str = "verdict-table", caption: str = "") -> Table:
        """A table of text cells: Markdown (``|`` in a cell escaped) and HTML (columns in ``left`` left-aligned).

        A ``caption`` follows the Markdown table as a paragraph and heads the
        HTML one as its ``<caption>``; it is also the attribute ``caption``.
        """
        import html

        lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
        table = cls("\n".join(lines) + (f"\n\n{caption}" if caption else ""))
        table.caption = caption
        head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
        body = "".join(
            "<tr>"
            + "".join(
                f'<td style="text-align:{"left" if k in left else "right"}">{html.escape(c)}</td>'
                for k, c in enumerate(row)
            )
            + "</tr>"
            for row in rows
        )
        top = f"<caption>{html.escape(caption)}</caption>" if caption else ""
        table.html = f'<table class="{css}">{top}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        return table


def _number(x) -> str:
    if x is None:
        return "—"
    x = float(x)
    return f"{x:+.3f}" if abs(x) < 10 else f"{x:+.1f}"


_COLUMNS = ("claim", "estimate", "interval", "verdict", "n needed")


def verdict_table(rows, *, part: str | None = None) -> Table:
    """Verdict rows as a table: claim, estimate, interval (and its level), verdict, n needed.

    Parameters
    ----------
    rows : list of dict
        :func:`verdict_row` rows (e.g. ``load_verdicts()["rows"]``).
    part : str, optional
        Only the rows of this part (their key ``part``).

    Returns
    -------
    Table
        The Markdown text (a ``|`` inside a claim escaped); notebooks show it
        as an HTML table.

    Examples
    --------
    >>> print(verdict_table([verdict_row("top band vs random", -0.4, -1.0, 0.2, 8000, -3.4, level=0.995)]))
    | claim | estimate | interval | verdict | n needed |
    |---|---|---|---|---|
    | top band vs random | -0.400 | [-1.000, +0.200] (99.5%) | no effect | — |
    """
    rows = [r for r in rows if part is None or r.get("part") == part]
    cells = []
    for r in rows:
        level = f" ({100 * r['level']:.4g}%)" if r.get("level") is not None else ""
        interval = "—" if r.get("low") is None else f"[{_number(r['low'])}, {_number(r['high'])}]{level}"
        needed = f"{r['n_needed']:,}" if r.get("n_needed") is not None else "—"
        cells.append((str(r["claim"]), _number(r.get("estimate")), interval, str(r["verdict"]), needed))
    return Table.from_rows(_COLUMNS, cells, left=(0, 3))


def verdict_counts(rows) -> dict:
    """How many rows have each verdict: ``{verdict: count}`` in the order of :data:`VERDICTS`."""
    return {v: sum(r.get("verdict") == v for r in rows) for v in VERDICTS}
