"""Chapter 11's exercise checks: the right answer passes, a wrong one gets a hint, a wrong kind raises."""

import numpy as np
import pytest
from scipy.integrate import quad

from resandi_lite import layerwise as lw
from resandi_lite import make_dataset
from resandi_lite.course import exercises
from resandi_lite.course.exercises import ch11


@pytest.fixture(scope="module")
def ds():
    return make_dataset(4, length=1000, seed=31)


def test_theory_of_the_subfbm_mean():
    value, _ = quad(lambda a: 2 ** (a - 1) - 1, 0.1, 0.9)
    assert ch11.SUBFBM_MEAN_RHO == pytest.approx(value / 0.8, abs=1e-12)


def test_subfbm_autocorrelation(ds, capsys):
    measured = np.nanmean(lw.window_statistics(ds.X)["f1"][ds.y == 2])
    assert exercises.check_subfbm_autocorrelation((measured, -0.284), ds)
    assert capsys.readouterr().out.startswith("Correct:")
    assert not exercises.check_subfbm_autocorrelation((measured, -0.5), ds)
    assert not exercises.check_subfbm_autocorrelation((measured + 0.01, -0.284), ds)
    assert capsys.readouterr().out.count("Not yet:") == 2
    with pytest.raises(TypeError):
        exercises.check_subfbm_autocorrelation(..., ds)
    with pytest.raises(ValueError, match="no SubFBM"):
        exercises.check_subfbm_autocorrelation((0.0, 0.0), make_dataset(1, length=1000, seed=1, classes=["BM"]))


def test_suplw_spearman(ds, capsys):
    rng = np.random.default_rng(0)
    maps = rng.standard_normal((len(ds.y), 32))
    right = lw.map_correlations(maps, lw.composites(lw.window_statistics(ds.X)), ds.y, method="spearman")
    assert exercises.check_suplw_spearman(right[("SupLW", "CS")], maps, ds)
    assert not exercises.check_suplw_spearman(
        lw.map_correlations(maps, lw.composites(lw.window_statistics(ds.X)), ds.y)[("SupLW", "CS")], maps, ds
    )  # Pearson is not it
    assert "Not yet:" in capsys.readouterr().out
    with pytest.raises(ValueError, match="correlation in"):
        exercises.check_suplw_spearman(1.5, maps, ds)


def test_block1_groups(capsys):
    c = np.eye(8) * 0.85
    c[0, 1] = 0.15  # linked at 0.1 but not at 0.2
    c[4, 5] = 0.25
    probes = {"layer1": {"confusion": c}}
    assert exercises.check_block1_groups(6, probes)
    assert not exercises.check_block1_groups(7, probes)
    assert "Not yet:" in capsys.readouterr().out
    with pytest.raises(ValueError, match="number of groups"):
        exercises.check_block1_groups(0, probes)
    with pytest.raises(ValueError):
        exercises.check_block1_groups(2.5, probes)


def test_most_harmful_composite(capsys):
    ablation = {name: {"accuracy": a} for name, a in zip(lw.COMPOSITES, (0.85, 0.86, 0.84, 0.77))}
    assert exercises.check_most_harmful_composite("d", ablation)
    assert exercises.check_most_harmful_composite("(D)", ablation)
    assert not exercises.check_most_harmful_composite("a", ablation)
    ablation["AC"]["accuracy"] = 0.77  # a tie: both letters are right
    assert exercises.check_most_harmful_composite("a", ablation)
    with pytest.raises(ValueError, match="one letter"):
        exercises.check_most_harmful_composite("e", ablation)


def test_ctrw_autocorrelation(capsys):
    assert exercises.check_ctrw_autocorrelation("b")
    assert not any(exercises.check_ctrw_autocorrelation(x) for x in "acd")
    with pytest.raises(TypeError):
        exercises.check_ctrw_autocorrelation(2)


def test_within_subfbm_autocorrelation(ds, capsys):
    from resandi_lite.layerwise import within_trajectory

    rng = np.random.default_rng(1)
    maps = rng.standard_normal((len(ds.y), 32))
    rows = ds.y == 2
    f1 = lw.window_statistics(ds.X)["f1"]
    maps[rows] += 3 * np.nanmean(f1[rows], axis=1, keepdims=True)  # a pooled correlation from the levels alone
    a, b = within_trajectory(maps[rows], f1[rows])
    right = lw.correlation(a, b)
    assert exercises.check_within_subfbm_autocorrelation(right, maps, ds)
    assert "within trajectories" in capsys.readouterr().out
    pooled = lw.map_correlations(maps, {"AC": f1}, ds.y)[("SubFBM", "AC")]
    assert abs(pooled - right) > 0.05 and not exercises.check_within_subfbm_autocorrelation(pooled, maps, ds)
    assert "Not yet:" in capsys.readouterr().out
    with pytest.raises(ValueError, match="correlation in"):
        exercises.check_within_subfbm_autocorrelation(-1.5, maps, ds)
