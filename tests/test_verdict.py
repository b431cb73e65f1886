"""The verdict statistics: paired bootstrap coverage, McNemar, Holm, the verdict rule and the sample size needed."""

import math

import numpy as np
import pytest
from scipy.stats import binomtest

from resandi_lite.verdict import family_level, holm, mcnemar, n_needed, paired_bootstrap, verdict, verdict_row


def _paired_correct(rng, n, p_a, p_b, shared):
    """Correctness of two classifiers on n trajectories: a shared latent difficulty makes them correlated."""
    u = np.where(rng.random(n) < shared, rng.random(n)[:, None].repeat(2, 1).T, rng.random((2, n)))
    return u[0] < p_a, u[1] < p_b


def test_paired_bootstrap_coverage():
    """95% intervals cover the true difference in 95% of repeated experiments (binomial tolerance, 3.5 SE)."""
    rng = np.random.default_rng(0)
    reps, n, p_a, p_b = 300, 400, 0.80, 0.75
    hits = 0
    for _ in range(reps):
        a, b = _paired_correct(rng, n, p_a, p_b, shared=0.7)
        r = paired_bootstrap(a, b, n_boot=500, rng=rng)
        hits += r["low"] <= p_a - p_b <= r["high"]
    se = math.sqrt(0.95 * 0.05 / reps)
    assert abs(hits / reps - 0.95) < 3.5 * se + 0.01, hits / reps


def test_paired_interval_narrower_than_unpaired():
    """Pairing cancels the shared difficulty: the paired stderr is below the unpaired one sqrt(se_a^2 + se_b^2)."""
    rng = np.random.default_rng(1)
    a, b = _paired_correct(rng, 4000, 0.8, 0.78, shared=0.9)
    r = paired_bootstrap(a, b, rng=2)
    unpaired = math.sqrt(a.var() / len(a) + b.var() / len(b))
    assert r["stderr"] < 0.6 * unpaired
    # and the bootstrap stderr agrees with the analytic paired one, std(a - b) / sqrt(n), within 10% (2000 resamples)
    analytic = (a.astype(float) - b).std(ddof=1) / math.sqrt(len(a))
    assert r["stderr"] == pytest.approx(analytic, rel=0.1)


def test_paired_bootstrap_custom_statistic_and_reproducible():
    a = np.arange(50.0)
    r1 = paired_bootstrap(a, statistic=lambda x, y: np.median(x - y), n_boot=200, rng=3)
    r2 = paired_bootstrap(a, statistic=lambda x, y: np.median(x - y), n_boot=200, rng=3)
    assert r1 == r2 and r1["estimate"] == 24.5 and r1["low"] < 24.5 < r1["high"]


@pytest.mark.parametrize(
    "a, b, match",
    [
        ([1, 2, 3], [1, 2], "same length"),
        ([1.0, np.nan], [0, 0], "finite"),
        ([1], [1], "at least 2"),
        (["x", "y"], [0, 1], "numbers"),
    ],
)
def test_paired_bootstrap_refuses_bad_input(a, b, match):
    with pytest.raises((ValueError, TypeError), match=match):
        paired_bootstrap(a, b)


def test_mcnemar_matches_binomial_on_discordant_pairs():
    a = np.array([1] * 30 + [0] * 12 + [1] * 50 + [0] * 8, bool)
    b = np.array([0] * 30 + [1] * 12 + [1] * 50 + [0] * 8, bool)
    r = mcnemar(a, b)
    assert (r["b"], r["c"]) == (30, 12)
    assert r["p"] == pytest.approx(binomtest(30, 42, 0.5).pvalue)
    assert mcnemar(a, a)["p"] == 1.0
    with pytest.raises(ValueError, match="booleans"):
        mcnemar([0.5, 1], [1, 1])


def test_holm_by_hand():
    # sorted p: 0.001, 0.02, 0.04, 0.3 -> 4*0.001, 3*0.02, max(0.06, 2*0.04), max(0.08, 0.3)
    assert holm([0.3, 0.02, 0.001, 0.04]).tolist() == pytest.approx([0.3, 0.06, 0.004, 0.08])
    assert holm([0.5, 0.9]).max() <= 1.0
    with pytest.raises(ValueError, match="pvalues"):
        holm([1.5])


def test_family_level():
    assert family_level(1) == 0.95 and family_level(5, 0.9) == pytest.approx(0.98)
    with pytest.raises(ValueError, match="level"):
        family_level(3, 1.5)


@pytest.mark.parametrize(
    "low, high, paper, expected",
    [
        (0.1, 2.0, 3.0, "agrees"),
        (-2.0, -0.1, 3.0, "differs"),
        (-2.0, -0.1, -3.0, "agrees"),
        (-0.5, 1.0, 3.0, "no effect"),
        (-0.5, 3.5, 3.0, "open"),
        (-3.5, 0.5, -3.0, "open"),
        (-0.5, 0.5, -3.0, "no effect"),
    ],
)
def test_verdict_rule(low, high, paper, expected):
    assert verdict(low, high, paper) == expected


def test_verdict_refuses_bad_input():
    with pytest.raises(ValueError, match="paper"):
        verdict(0, 1, 0.0)
    with pytest.raises(ValueError, match="low <= high"):
        verdict(1, 0, 1.0)


def test_n_needed_resolves_a_simulated_open_claim():
    """At n_needed, the interval of a difference of the paper's size no longer holds zero (in most experiments)."""
    rng = np.random.default_rng(4)
    n, effect = 200, 0.05
    a, b = _paired_correct(rng, n, 0.8, 0.8 - effect, shared=0.5)
    r = paired_bootstrap(a, b, rng=5)
    assert verdict(r["low"], r["high"], effect) in ("open", "agrees", "no effect")
    big = n_needed(n, r["low"], r["high"], effect)
    assert big > n
    decided = 0
    for _ in range(20):
        a, b = _paired_correct(rng, big, 0.8, 0.8 - effect, shared=0.5)
        r = paired_bootstrap(a, b, n_boot=400, rng=rng)
        decided += verdict(r["low"], r["high"], effect) != "open"
    assert decided >= 15  # half-width below |effect|/2: the interval cannot hold both 0 and the effect


def test_verdict_row_carries_n_needed_only_when_open():
    open_row = verdict_row("c", 1.0, -1.0, 3.0, 100, 2.0, unit="points")
    assert open_row["verdict"] == "open" and open_row["n_needed"] == 400 and open_row["unit"] == "points"
    assert "n_needed" not in verdict_row("c", 1.0, 0.5, 1.5, 100, 2.0)


# --- the powered run's driver, its JSON, the loader and the table ---------------------------------------

import json  # noqa: E402

from resandi_lite import powered  # noqa: E402
from resandi_lite import verdict as vd  # noqa: E402


def _fake_part(calls):
    """A part function as the parts expose it: rows of verdict_row, one open (with n_needed), sizes, seconds."""

    def layerwise_verdicts(n_per_class, *, seed=0, network=None, progress=False, **options):
        calls.append((n_per_class, seed, options))
        rows = [
            verdict_row("a sign that agrees", 0.3, 0.2, 0.4, n_per_class, 0.3, level=0.99),
            verdict_row("a sign still open", 0.05, -0.1, 0.2, n_per_class, 0.1, stderr=np.float64(0.05)),
            verdict_row("no effect here", 0.0, -0.02, 0.02, n_per_class, -0.3, extra=np.nan),
        ]
        return {"rows": rows, "sizes": {"n_per_class": n_per_class}, "seconds": 0.5, "details": np.arange(3)}

    return layerwise_verdicts


@pytest.fixture
def fake_parts(monkeypatch):
    """The layer-wise part replaced by a fake that records its calls; the erasure part missing."""
    calls = []
    fakes = {"layerwise": _fake_part(calls), "erasure": None}
    monkeypatch.setattr(powered, "_part_function", lambda part: fakes.get(part))
    return calls


def test_run_verdicts_writes_each_part_and_one_json(tmp_path, fake_parts):
    lines = []
    out = powered.run_verdicts(tmp_path / "run", sizes="ci", parts=["erasure", "layerwise"], seed=3, say=lines.append)
    n, options = powered.part_size("layerwise", "ci")
    assert fake_parts == [(n, 3, options)]
    part = json.loads((tmp_path / "run" / "layerwise.json").read_text())
    stored = json.loads((tmp_path / "run" / "verdicts.json").read_text())
    assert stored == out and part["n_per_class"] == n and part["seed"] == 3 and part["details"] == [0, 1, 2]
    assert [r["verdict"] for r in stored["rows"]] == ["agrees", "open", "no effect"]
    for row in stored["rows"]:
        assert {"claim", "verdict", "low", "high", "estimate", "n", "paper"} <= set(row) and row["part"] == "layerwise"
        assert ("n_needed" in row) == (row["verdict"] == "open")
    assert stored["rows"][1]["n_needed"] == n_needed(n, -0.1, 0.2, 0.1) and stored["rows"][2]["extra"] is None
    assert stored["sizes"] == "ci" and stored["n_per_class"] == {"layerwise": n} and stored["seeds"] == {"layerwise": 3}
    assert (
        stored["wall_seconds"]["total"] == pytest.approx(stored["wall_seconds"]["layerwise"])
        and stored["wall_seconds"]["total"] >= 0
    )
    assert stored["cpu"] and stored["command"].startswith("python -m resandi_lite verdicts --sizes ci")
    assert stored["unavailable"] == {"erasure": "part not available (resandi_lite.erasure.erasure_verdicts not found)"}
    assert stored["parts"]["layerwise"] == part  # the part's whole result, rows included
    assert any("part not available" in line for line in lines) and any("layerwise: 3 rows" in line for line in lines)


def test_run_verdicts_resumes_without_recomputing_and_refuses_otherwise(tmp_path, fake_parts):
    first = powered.run_verdicts(tmp_path, sizes="ci", parts=["layerwise"], say=lambda line: None)
    with pytest.raises(ValueError, match="--resume"):
        powered.run_verdicts(tmp_path, sizes="ci", parts=["layerwise"], say=lambda line: None)
    lines = []
    again = powered.run_verdicts(tmp_path, sizes="ci", parts=["layerwise"], resume=True, say=lines.append)
    assert len(fake_parts) == 1 and "not recomputed" in lines[0]
    assert again["rows"] == first["rows"] and again["wall_seconds"] == first["wall_seconds"]
    with pytest.raises(ValueError, match="other sizes or seed"):
        powered.run_verdicts(tmp_path, sizes="ci", parts=["layerwise"], resume=True, seed=1, say=lambda line: None)


def test_run_verdicts_refuses_bad_arguments_and_bad_parts(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="parts must be"):
        powered.run_verdicts(tmp_path, parts=["layer"])
    with pytest.raises(ValueError, match="sizes must be"):
        powered.run_verdicts(tmp_path, sizes="huge")
    monkeypatch.setattr(
        powered,
        "_part_function",
        lambda part: lambda n, **kw: {"rows": [{"claim": "x", "verdict": "maybe", "low": 0, "high": 1}]},
    )
    with pytest.raises(ValueError, match="every row must hold"):
        powered.run_verdicts(tmp_path, sizes="ci", parts=["layerwise"], say=lambda line: None)
    assert not (tmp_path / "layerwise.json").exists()


def test_load_verdicts_and_the_table(tmp_path):
    assert vd.load_verdicts(tmp_path / "absent.json") is None
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ValueError, match="not valid JSON"):
        vd.load_verdicts(tmp_path / "bad.json")
    (tmp_path / "norows.json").write_text("{}")
    with pytest.raises(ValueError, match="no list of rows"):
        vd.load_verdicts(tmp_path / "norows.json")
    rows = [
        {**verdict_row("open one", 0.05, -0.1, 0.2, 1000, 0.1, level=0.998), "part": "layerwise"},
        {**verdict_row("big one", 12.3, 10.0, 14.6, 100, 3.4), "part": "erasure"},
    ]
    (tmp_path / "v.json").write_text(json.dumps({"rows": rows}))
    assert vd.load_verdicts(tmp_path / "v.json")["rows"] == rows
    table = vd.verdict_table(rows)
    lines = str(table).splitlines()
    assert lines[0] == "| claim | estimate | interval | verdict | n needed |"
    assert lines[2] == "| open one | +0.050 | [-0.100, +0.200] (99.8%) | open | 9,000 |"  # 1000 (0.15 / 0.05)^2
    assert lines[3] == "| big one | +12.3 | [+10.0, +14.6] | agrees | — |"
    assert table._repr_markdown_() == str(table) and len(str(vd.verdict_table(rows, part="erasure")).splitlines()) == 3
    page = table._repr_html_()
    assert page.count("<tr>") == 3 and '<td style="text-align:right">9,000</td>' in page and "|" not in page
    piped = vd.verdict_table([verdict_row("mean |AUROC - 0.5| > 0", 0.1, 0.05, 0.15, 100, 0.1)])
    assert "mean \\|AUROC - 0.5\\| > 0" in str(piped) and str(piped).splitlines()[2].count(" | ") == 4
    assert "mean |AUROC - 0.5| &gt; 0" in piped._repr_html_()
    assert vd.verdict_counts(rows) == {"agrees": 1, "differs": 0, "no effect": 0, "open": 1}
    assert vd.POWERED.name == "verdicts.json" and vd.POWERED.parent.name == "pretrained"


def test_jsonable_turns_numpy_and_nan_into_json():
    assert powered._jsonable(
        {"a": np.float32(0.5), "b": np.array([1, 2]), "c": (np.nan, np.inf), 1: np.bool_(True)}
    ) == {
        "a": 0.5,
        "b": [1, 2],
        "c": [None, None],
        "1": True,
    }
    with pytest.raises(TypeError, match="not JSON-ready"):
        powered._jsonable({"x": object()})
