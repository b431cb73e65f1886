"""Chapter 4's rows beyond the paper: the strongest classical methods against the network, read from the results
of benchmarks/baselines.py (resandi_lite.comparison)."""

import copy
import json

import pytest

import resandi_lite as rl
from resandi_lite import report

KEYS = [
    f"classical/{protocol}/{what}"
    for protocol in ("varying", "fixed")
    for what in (
        "forest",
        "boosting",
        "minirocket",
        "network-scratch",
        "network",
        "network-symmetrized",
        "forest-minus-network-symmetrized",
        "forest-minus-network-scratch",
    )
]


def _entry(accuracy, stderr, per_class=None):
    entry = {"accuracy": accuracy, "stderr": stderr, "n_test": 8000}
    return entry if per_class is None else {**entry, "per_class": per_class}


def _pair(method, network, difference, stderr):
    return {"method": method, "network": network, "difference": difference, "stderr": stderr, "mcnemar_p": 0.01}


RESULTS = {
    "settings": {"test_per_class": 1000},
    "entries": {
        "varying/forest/500": _entry(0.88, 0.004, 500),
        "varying/forest/2000": _entry(0.9046, 0.0033, 2000),
        "varying/boosting/2000": _entry(0.9, 0.0034, 2000),
        "varying/boosting/50000": _entry(0.91, 0.0032, 50000),  # the part 'extend': the largest size wins
        "varying/minirocket/500": _entry(0.8, 0.0045, 500),
        "varying/minirocket-positions/2000": _entry(0.66, 0.0053, 2000),  # the ablation: not MiniRocket's row
        "varying/network-scratch/500": _entry(0.85, 0.004, 500),
        "varying/network-scratch-symmetrized/500": _entry(0.86, 0.0039, 500),
        "varying/network": _entry(0.9019, 0.0033),
        "varying/network-symmetrized": _entry(0.912, 0.0032),
        "1000/forest/2000": _entry(0.9594, 0.0022, 2000),
        "1000/network": _entry(0.9561, 0.0023),
        "noise/forest/0.5": {**_entry(0.5, 0.01), "sigma": 0.5},
    },
    "comparisons": {
        "level": 0.99,
        "rows": [
            _pair("varying/forest/500", "varying/network-symmetrized", -0.02, 0.0034),  # not the largest size
            _pair("varying/forest/2000", "varying/network-symmetrized", -0.0074, 0.0031),
            _pair("varying/forest/500", "varying/network-scratch/500", 0.03, 0.004),  # the largest size of both
            _pair("varying/forest/500", "varying/network-scratch-symmetrized/500", 0.02, 0.004),
        ],
    },
}


def test_classical_rows_are_ours_only_in_their_own_section_with_stable_keys():
    rows = report.classical_rows()
    assert [r.key for r in rows] == KEYS
    assert all(r.paper is None and r.beyond_paper and r.section == report.CLASSICAL for r in rows)
    assert all(r.unit == "%" for r in rows)
    assert [r.key for r in rows if r.is_difference] == [k for k in KEYS if "-minus-" in k]
    assert [report.protocol_of(k) for k in KEYS] == ["varying"] * 8 + ["fixed"] * 8
    assert report.BEYOND_SECTIONS == (report.CLASSICAL, report.BEYOND)
    sections = list(report.SECTIONS)
    assert sections.index("layerwise") < sections.index(report.CLASSICAL) < sections.index(report.BEYOND)
    by_key = {r.key: r.quantity for r in rows}
    assert by_key["classical/varying/forest"] == "varying length: random forest (9 features), largest training size"
    assert by_key["classical/fixed/network-symmetrized"] == (
        "T = 1000: shipped network lite-T1000, averaged over the 8 symmetries"
    )
    keys = [r.key for r in report.report_rows()]
    assert keys[54 : 54 + 16] == KEYS  # after the paper's rows, before chapter 9b's


def test_the_reader_gives_points_and_training_sizes_from_the_results():
    values = report.classical_from_results(RESULTS)
    assert set(values) == {k for k in KEYS if k.startswith("classical/varying/")} | {
        "classical/fixed/forest",
        "classical/fixed/network",
    }
    expected = {
        "classical/varying/forest": (90.46, 0.33, "2,000 per class"),
        "classical/varying/boosting": (91.0, 0.32, "50,000 per class"),
        "classical/varying/minirocket": (80.0, 0.45, "500 per class"),
        "classical/varying/network-scratch": (85.0, 0.4, "500 per class"),
        "classical/varying/network": (90.19, 0.33),
        "classical/varying/network-symmetrized": (91.2, 0.32),
        "classical/varying/forest-minus-network-symmetrized": (-0.74, 0.31, "2,000 per class"),
        "classical/varying/forest-minus-network-scratch": (3.0, 0.4, "500 per class"),  # equal data: 500 per class
        "classical/fixed/forest": (95.94, 0.22, "2,000 per class"),
        "classical/fixed/network": (95.61, 0.23),
    }
    for key, want in expected.items():
        got = values[key]
        assert len(got) == len(want), key
        assert got[:2] == pytest.approx(want[:2], abs=1e-9), key
        assert got[2:] == want[2:], key


def test_missing_networks_from_scratch_leave_their_rows_empty(tmp_path):
    partial = copy.deepcopy(RESULTS)
    partial["entries"] = {k: e for k, e in partial["entries"].items() if "/network-scratch" not in k}
    partial["comparisons"]["rows"] = [r for r in partial["comparisons"]["rows"] if "scratch" not in r["network"]]
    values = report.classical_from_results(partial)
    assert "classical/varying/network-scratch" not in values
    assert "classical/varying/forest-minus-network-scratch" not in values
    assert values["classical/varying/forest-minus-network-symmetrized"][0] == pytest.approx(-0.74)
    rows = {r.key: r for r in report.reproduction_table(values)}
    assert rows["classical/varying/network-scratch"].ours is None
    assert rows["classical/varying/forest-minus-network-scratch"].ours is None
    assert report.classical_from_results(None) == {}  # nothing shipped
    no_comparisons = {k: v for k, v in partial.items() if k != "comparisons"}  # entries only: no difference rows
    assert not any("-minus-" in k for k in report.classical_from_results(no_comparisons))
    undefined = copy.deepcopy(partial)
    undefined["entries"]["varying/network"]["accuracy"] = None
    assert "classical/varying/network" not in report.classical_from_results(undefined)
    (tmp_path / "learning_curves.json").write_text(json.dumps(partial))
    assert report.classical_from_results(tmp_path / "learning_curves.json") == values  # a path, read and checked
    with pytest.raises(ValueError, match="results must be the dict of comparison.load_comparison"):
        report.classical_from_results({"entries": []})


def test_classical_rows_render_in_their_own_section_with_dashes_and_their_sizes():
    values = report.classical_from_results(RESULTS)
    rows = report.reproduction_table(values, networks={"varying": "lite", "fixed": "lite-T1000"})
    classical = [r for r in rows if r.section == report.CLASSICAL]
    assert all(r.network is None for r in classical)  # read from the benchmark's results, not measured on `networks`
    text = report.to_markdown(rows)
    title = report.SECTIONS[report.CLASSICAL]
    assert text.index(report.SECTIONS["layerwise"]) < text.index(title) < text.index(report.SECTIONS[report.BEYOND])
    assert (
        "| varying length: random forest (9 features), largest training size (2,000 per class) | — | 90.5 ± 0.3% | — |"
        in text
    )
    assert "| varying length: shipped network lite | — | 90.2 ± 0.3% | — |" in text
    assert (
        "| varying length: random forest minus network from scratch at equal data (paired), largest training size "
        "of both (500 per class) | — | 3.0 ± 0.4% | — |" in text
    )
    assert "| T = 1000: gradient boosting (9 features), largest training size | — | not measured | — |" in text
    page = report.to_html(rows)
    assert f'data-section="{report.CLASSICAL}"' in page and page.count("<table") == len(report.SECTIONS)
    assert report.counts(rows) == "54 rows of the paper's (0 measured), 34 beyond the paper (10 measured)"
    assert report.class_gaps(rows) == []  # no per-class row among them
    with pytest.raises(ValueError, match=r"\(value, stderr, detail\) triple"):
        report.reproduction_table({"classical/varying/forest": (90.0, 0.3, 2000)})


def test_the_shipped_results_are_read_without_error():
    results = rl.comparison.load_comparison()
    values = report.classical_from_results(results)
    assert set(values) <= set(KEYS)
    if results is None:
        return
    for key, value in values.items():
        assert len(value) in (2, 3), key
        if "-minus-" in key:
            assert -100 < value[0] < 100 and value[1] > 0, key
        else:
            assert 0 < value[0] <= 100 and 0 < value[1] < 5, key
        if len(value) == 3:
            assert value[2].endswith(" per class"), key
    if "classical/varying/forest" in values:
        forest = rl.comparison.curve(results, "varying", "forest")
        assert values["classical/varying/forest"][:2] == pytest.approx(
            (100 * forest["accuracy"][-1], 100 * forest["stderr"][-1])
        )
        assert values["classical/varying/forest"][2] == f"{forest['per_class'][-1]:,} per class"
    report.to_markdown(report.reproduction_table(values))
