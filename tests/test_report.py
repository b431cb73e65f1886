"""The reproduction report: the paper's numbers, ours lined up beside them, and the rows beyond the paper."""

import json

import numpy as np
import pytest

from resandi_lite import report


def test_paper_rows_hold_every_section_and_unique_keys():
    rows = report.paper_rows()
    keys = [r.key for r in rows]
    assert len(keys) == len(set(keys)) == 54
    assert {r.section for r in rows} == set(report.SECTIONS) - set(report.BEYOND_SECTIONS)
    assert all(r.paper is not None and not r.beyond_paper for r in rows)
    by_key = {r.key: r.paper for r in rows}
    assert by_key["accuracy/varying"] == 90.36 and by_key["accuracy/fixed"] == 94.89
    assert by_key["per_class/varying/SubATTM"] == 75.52 and by_key["per_class/fixed/BM"] == 90.27
    assert by_key["erasure/0"] == 44.7 and by_key["erasure/9"] == 23.8
    assert by_key["erasure/random"] == 27.2  # the paper's mean over bands, not the middle of its range 24.7-27.9
    assert by_key["erasure/top-random"] == pytest.approx(23.8 - 27.2)
    assert by_key["gain/0.5"] == pytest.approx(49.43 - 45.61)  # the paper's +3.8 points at sigma = 0.5
    assert by_key["pearson/SubCTRW/AC"] == -0.375 and by_key["probe/layer3"] == 93.24


def test_table_fills_values_and_stderr_and_refuses_unknown_keys():
    rows = report.reproduction_table({"accuracy/varying": (85.0, 0.4), "pearson/SubFBM/AC": 0.1})
    by_key = {r.key: r for r in rows}
    assert by_key["accuracy/varying"].ours == 85.0 and by_key["accuracy/varying"].stderr == 0.4
    assert by_key["accuracy/varying"].difference == pytest.approx(85.0 - 90.36)
    assert by_key["pearson/SubFBM/AC"].same_sign is False and by_key["accuracy/varying"].same_sign is None
    assert by_key["accuracy/fixed"].ours is None
    text = report.to_markdown(rows)
    assert "| accuracy, varying length | 90.4% | 85.0 ± 0.4% | -5.4 |" in text
    assert "(sign differs)" in text and "not measured" in text
    with pytest.raises(ValueError, match="not rows of the report"):
        report.reproduction_table({"accuracy/typo": 1.0})
    with pytest.raises(TypeError, match="measured must be a dict"):
        report.reproduction_table([("accuracy/varying", 85.0)])


def test_augmentation_results_are_read_with_standard_errors(tmp_path):
    results = {
        "sigmas": [0.0, 0.5],
        "targeted": {"mean": [0.8, 0.5], "stderr": [0.03, 0.04]},
        "random": {"mean": [0.8, 0.45], "stderr": [0.0, 0.03]},
    }
    (tmp_path / "results.json").write_text(json.dumps(results))
    values = report.augmentation_from_results(tmp_path / "results.json")
    assert values["gain/0.5"] == pytest.approx((5.0, 5.0))  # 50 - 45 points, hypot(4, 3) = 5
    assert values["targeted/0.0"] == pytest.approx((80.0, 3.0))
    assert set(values) <= {r.key for r in report.paper_rows()}


def test_measured_accuracies_carry_binomial_standard_errors():
    values = report.measure_classification(3, seed=1)
    assert set(values) == {r.key for r in report.paper_rows() if r.section == "classification"}
    for key, (value, stderr) in values.items():
        n = 24 if key.startswith("accuracy/") else 3  # 3 per class, 8 classes
        p = value / 100
        assert 0 <= p <= 1 and stderr == pytest.approx(100 * np.sqrt(p * (1 - p) / n))


def test_cpu_scale_augmentation_fills_the_augmentation_rows():
    values = report.measure_augmentation(2, seeds=(0,), test_per_class=2, sigmas=(0.0, 0.3, 0.5))
    assert set(values) == {"gain/0.0", "gain/0.3", "gain/0.5", "targeted/0.0", "targeted/0.5"}  # the paper's rows only
    for key, (value, stderr) in values.items():
        assert stderr is None  # one seed: no standard error (not a zero one)
        # 2 test trajectories per class, 16 in all: accuracies (and their differences) are multiples of 100/16
        assert value * 16 / 100 == pytest.approx(round(value * 16 / 100), abs=1e-9), (key, value)
        if key.startswith("targeted/"):
            assert 0 <= value <= 100 and 0 <= value - values["gain/" + key.split("/")[1]][0] <= 100


def test_table_renders_as_html_with_every_row_and_as_markdown():
    rows = report.reproduction_table({"accuracy/varying": (85.0, 0.4), "pearson/SubFBM/AC": 0.1})
    shown = report.table(rows)
    page = shown._repr_html_()
    assert page.count("<table") == len(report.SECTIONS) and page.count("<tbody>") == len(report.SECTIONS)
    assert page.count("<tr>") == len(rows) + len(report.SECTIONS)  # one header row per section
    assert '<td style="text-align:right">85.0 ± 0.4%</td>' in page and "sign differs" in page
    assert "|" not in page and "spec" not in page
    assert shown._repr_markdown_() == report.to_markdown(rows)
    assert all("spec" not in title for title in report.SECTIONS.values())


def test_rows_name_their_network_and_the_report_files_say_which_networks(tmp_path):
    networks = {"varying": "lite", "fixed": "lite-T1000"}
    rows = report.reproduction_table(
        {"accuracy/varying": (85.0, 0.4), "accuracy/fixed": 93.0, "pearson/SubFBM/AC": 0.1, "erasure/9": 20.0},
        networks=networks,
    )
    by_key = {r.key: r for r in rows}
    assert by_key["accuracy/varying"].network == "lite" and by_key["erasure/9"].network == "lite"
    assert by_key["accuracy/fixed"].network == by_key["pearson/SubFBM/AC"].network == "lite-T1000"
    assert by_key["accuracy/varying"].network is not None and by_key["erasure/0"].network is None  # not measured
    written = report.write_report(rows, tmp_path, networks)
    saved = json.loads((tmp_path / "report.json").read_text())
    assert saved == json.loads(json.dumps(written))
    assert saved["checkpoints"]["fixed"].endswith("lite-T1000.pt") and saved["networks"]["varying"]["preset"] == "lite"
    assert {"quantity", "paper", "ours", "network"} <= set(saved["rows"][0])
    text = (tmp_path / "report.md").read_text()
    assert "preset `lite`" in text and "| accuracy, varying length | 90.4% | 85.0 ± 0.4% | -5.4 |" in text
    with pytest.raises(ValueError, match="networks must map"):
        report.measure_classification(2, networks={"T1000": "lite"})


def test_augmentation_results_per_seed_are_paired_by_seed(tmp_path):
    """from_scratch's results: the gain's standard error is that of the per-seed differences; one seed: none."""
    results = {
        "sigmas": [0.0, 0.5],
        "targeted": {"seeds": [0, 1, 2], "accuracy": [[0.80, 0.50], [0.82, 0.53], [0.78, 0.47]]},
        "random": {"seeds": [0, 1, 2, 3], "accuracy": [[0.80, 0.49], [0.82, 0.51], [0.78, 0.45], [0.9, 0.9]]},
    }
    values = report.augmentation_from_results(results)
    d = np.array([1.0, 2.0, 2.0])  # points, seeds 0-2 (seed 3 has no targeted run)
    assert values["gain/0.5"] == pytest.approx((d.mean(), d.std(ddof=1) / np.sqrt(3)))
    assert values["gain/0.0"] == pytest.approx((0.0, 0.0))  # the arms agree seed by seed: no spread
    assert values["targeted/0.5"] == pytest.approx((50.0, np.std([50, 53, 47], ddof=1) / np.sqrt(3)))
    one = {
        "sigmas": [0.5],
        "targeted": {"seeds": [0], "accuracy": [[0.5]]},
        "random": {"seeds": [0], "accuracy": [[0.45]]},
    }
    assert report.augmentation_from_results(one) == {
        "gain/0.5": (pytest.approx(5.0), None),
        "targeted/0.5": (pytest.approx(50.0), None),
    }
    rows = report.reproduction_table(report.augmentation_from_results(one))
    assert next(r for r in rows if r.key == "gain/0.5").stderr is None


def test_augmentation_results_of_a_running_experiment_may_lack_an_arm():
    """A from-scratch experiment still running: an arm with no finished seed is absent, its rows stay empty."""
    only_targeted = {"sigmas": [0.0, 0.5], "base": [0.8, 0.4], "targeted": {"seeds": [0], "accuracy": [[0.8, 0.5]]}}
    assert report.augmentation_from_results(only_targeted) == {
        "targeted/0.0": (pytest.approx(80.0), None),
        "targeted/0.5": (pytest.approx(50.0), None),
    }
    assert report.augmentation_from_results({"sigmas": [0.5], "base": None}) == {}
