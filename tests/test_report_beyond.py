"""The report's rows beyond the paper (chapter 9b's ground-truth scores), per-class gaps, and the training summary.

Chapter 4's rows beyond the paper (the classical methods against the network) are tested in
tests/test_report_classical.py."""

import json

import numpy as np
import pytest

from resandi_lite import report
from resandi_lite.groundtruth import EVENT_CLASSES, SCORES


def test_beyond_rows_are_ours_only_in_their_own_section():
    rows = report.groundtruth_rows()
    assert len(rows) == len(SCORES) * len(EVENT_CLASSES) * 2 == 18  # the map and its random baseline
    assert all(r.paper is None and r.beyond_paper and r.section == report.BEYOND for r in rows)
    assert {r.key for r in rows} == {
        f"groundtruth/{s}{suffix}/{c}" for s in SCORES for c in EVENT_CLASSES for suffix in ("", "-random")
    }
    keys = [r.key for r in report.report_rows()]
    assert len(keys) == len(set(keys)) == 54 + 16 + 18 and keys[:54] == [r.key for r in report.paper_rows()]
    assert keys[-18:] == [r.key for r in rows]  # the last section
    assert [r.key for r in report.beyond_rows()] == [r.key for r in report.classical_rows()] + [r.key for r in rows]
    assert report.BEYOND in report.BEYOND_SECTIONS and set(report.BEYOND_SECTIONS) <= set(report.SECTIONS)
    assert all(report.protocol_of(r.key) == "varying" for r in rows)  # chapter 9b's varying-length network


def test_rows_without_a_paper_value_print_a_dash_and_no_difference():
    rows = report.reproduction_table(
        {
            "accuracy/varying": (85.0, 0.4),
            "groundtruth/auroc/SubCTRW": (0.7, 0.03),
            "groundtruth/auroc-random/SubCTRW": (0.5, 0.01),
        }
    )
    by_key = {r.key: r for r in rows}
    row = by_key["groundtruth/auroc/SubCTRW"]
    assert row.difference is None and row.same_sign is None and row.ours == 0.7 and row.stderr == 0.03
    text = report.to_markdown(rows)
    assert "| AUROC at events (0.5: chance), SubCTRW: the network's map | — | 0.700 ± 0.030 | — |" in text
    assert "| AUROC at events (0.5: chance), SubCTRW: random maps (baseline) | — | 0.500 ± 0.010 | — |" in text
    assert "| AUROC at events (0.5: chance), SupLW: the network's map | — | not measured | — |" in text
    assert text.index(report.SECTIONS[report.BEYOND]) > text.index(report.SECTIONS["layerwise"])  # last, apart
    page = report.table(rows)._repr_html_()
    assert page.count("<table") == len(report.SECTIONS) and f'data-section="{report.BEYOND}"' in page
    assert page.count('<td style="text-align:right">—</td>') == 2 * (16 + 18)  # paper and difference of each such row
    assert report.counts(rows) == "54 rows of the paper's (1 measured), 34 beyond the paper (2 measured)"
    assert repr(report.table(rows)) == "<reproduction table: " + report.counts(rows) + ">"
    undefined = report.reproduction_table({"groundtruth/mass/SubATTM": (float("nan"), float("nan"))})
    assert (
        "| relevance mass within 3 steps of events, SubATTM: the network's map | — | undefined"
        in report.to_markdown(undefined)
    )


def test_measure_groundtruth_fills_every_row_beyond_the_paper():
    values = report.measure_groundtruth(3, seed=0)  # 9 trajectories, one Grad-CAM pass
    assert set(values) == {r.key for r in report.groundtruth_rows()}
    for key, (value, stderr) in values.items():
        assert np.isnan(value) or 0.0 <= value <= 1.0, key  # AUROC, hit rate and mass are fractions
        assert np.isnan(stderr) or stderr >= 0.0, key
    rows = report.reproduction_table(values)
    assert report.counts(rows).endswith("34 beyond the paper (18 measured)")
    with pytest.raises(ValueError, match="n_per_class must be an integer >= 2"):
        report.measure_groundtruth(1)


def test_class_gaps_are_ours_minus_the_paper_with_both_standard_errors():
    rows = report.reproduction_table(
        {"per_class/varying/BM": (85.0, 1.6), "per_class/fixed/SubATTM": (86.0, 1.5), "accuracy/varying": (90.0, 0.5)}
    )
    gaps = report.class_gaps(rows)
    assert [(g["protocol"], g["class"]) for g in gaps] == [("varying", "BM"), ("fixed", "SubATTM")]
    bm = gaps[0]
    paper_se = 100 * np.sqrt(0.875 * 0.125 / 10_000)  # the paper's 87.50% on 10,000 test trajectories of BM
    assert bm["paper"] == 87.5 and bm["gap"] == pytest.approx(-2.5)
    assert bm["paper_stderr"] == pytest.approx(paper_se) and bm["ours_stderr"] == 1.6
    assert bm["stderr"] == pytest.approx(np.sqrt(1.6**2 + paper_se**2))
    assert bm["z"] == pytest.approx(-2.5 / np.sqrt(1.6**2 + paper_se**2))
    assert gaps[1]["paper"] == 85.03 and gaps[1]["gap"] == pytest.approx(86.0 - 85.03)
    with pytest.raises(TypeError, match="rows must be a list of report.Row"):
        report.class_gaps({"per_class/varying/BM": 85.0})


def _run(folder, accs, *, init=None, val_per_class=100):
    folder.mkdir()
    history = [
        {"epoch": k + 1, "val_acc": a, "samples": 800, "lr": 1e-3 * (len(accs) - 1 - k)} for k, a in enumerate(accs)
    ]
    (folder / "log.json").write_text(
        json.dumps({"config": {"init": init, "val_per_class": val_per_class}, "history": history})
    )
    return str(folder / "best.pt")


def test_training_summary_reads_the_curve_and_the_runs_before(tmp_path):
    first = _run(tmp_path / "a", [0.5, 0.6, 0.7])
    accs = [0.80, 0.82, 0.84, 0.85, 0.86, 0.87, 0.875, 0.88]
    summary = report.training_summary(_run(tmp_path / "b", accs, init=first))
    assert summary["epochs"] == 8 and summary["warm_start_epochs"] == 3
    assert summary["samples"] == 11 * 800 and summary["paper_max_samples"] == 100 * 400_000
    assert summary["val_first"] == pytest.approx(80.0) and summary["val_best"] == pytest.approx(88.0)
    assert summary["tail_epochs"] == 2 and summary["tail_change"] == pytest.approx(88.0 - 87.0)  # last quarter
    assert summary["val_stderr"] == pytest.approx(100 * np.sqrt(0.88 * 0.12 / 800))  # 8 classes x 100
    assert summary["lr_last"] == 0.0
    assert report.training_summary(tmp_path / "nowhere" / "best.pt") is None
    shipped = report.training_summary("lite")
    assert shipped["epochs"] >= 1 and 0 < shipped["val_last"] <= 100
