"""MSD tools: exact on hand-made paths, the right exponents and ergodicity on simulated ones."""

import numpy as np
import pytest

from resandi_lite.msd import (
    ctrw_ergodicity_breaking,
    ensemble_msd,
    ergodicity_breaking,
    expected_tamsd,
    fit_exponent,
    time_averaged_msd,
)
from resandi_lite.simulate import bm, ctrw, fbm, sbm


def test_ballistic_path_by_hand():
    t = np.arange(50.0)
    X = np.stack([3 * t, 4 * t])[None]  # speed 5: |x(t) - x(0)|^2 = 25 t^2
    times, msd = ensemble_msd(X)
    assert np.allclose(msd, 25 * times**2)
    lags, ta = time_averaged_msd(X, [1, 2, 10])
    assert np.allclose(ta, 25 * np.array([1, 4, 100]))
    alpha, K = fit_exponent(times, msd)
    assert alpha == pytest.approx(2) and K == pytest.approx(25)


@pytest.mark.parametrize("model, alpha", [(fbm, 0.4), (fbm, 1.6), (sbm, 0.5), (sbm, 1.5)])
def test_ensemble_exponent(model, alpha):
    """The fitted exponent equals the fit of the exact MSD: t^alpha (FBM), (t+1)^alpha - 1 (SBM, AnDi's law)."""
    X = model(np.full(2000, alpha), 500, rng=1)
    times, msd = ensemble_msd(X, np.unique(np.geomspace(10, 499, 15).astype(int)))
    exact = times**alpha if model is fbm else (times + 1.0) ** alpha - 1
    assert fit_exponent(times, msd)[0] == pytest.approx(fit_exponent(times, exact)[0], abs=0.03)


def test_weak_ergodicity_breaking():
    """BM is ergodic (EB -> 0 as 1/T); a CTRW is not (EB stays of order 1)."""
    _, ta_bm = time_averaged_msd(bm(500, 1000, rng=2), [10])
    _, ta_ctrw = time_averaged_msd(ctrw(np.full(500, 0.5), 1000, rng=2), [10])
    assert ergodicity_breaking(ta_bm)[0] < 0.05
    assert ergodicity_breaking(ta_ctrw)[0] > 0.3
    alphas, _ = fit_exponent(*time_averaged_msd(ctrw(np.full(200, 0.5), 1000, rng=3), [1, 2, 5, 10, 20, 50]))
    assert np.nanmedian(alphas) == pytest.approx(1, abs=0.2)  # time averages of a CTRW look normal


def test_errors():
    with pytest.raises(ValueError, match="shape"):
        ensemble_msd(np.zeros(10))
    with pytest.raises(ValueError, match=r"lags must lie in 1..9"):
        time_averaged_msd(np.zeros((1, 2, 10)), [10])
    assert np.isnan(fit_exponent([1, 2], [0.0, 1.0])[0])
    alpha, _ = fit_exponent([1, 2, 4], np.array([[0.0, 1, 2], [1, 2, 4]]))  # one bad row spoils nothing else
    assert np.isnan(alpha[0]) and alpha[1] == pytest.approx(1)


def test_ctrw_ergodicity_breaking_limits_and_measured_value():
    """0 at alpha = 1, 1 as alpha -> 0 (Gamma(1 + 2a) -> 1); pi/2 - 1 at 1/2; the simulator approaches it."""
    assert ctrw_ergodicity_breaking(1.0) == pytest.approx(0.0, abs=1e-12)
    assert ctrw_ergodicity_breaking(0.5) == pytest.approx(np.pi / 2 - 1)
    assert ctrw_ergodicity_breaking(1e-6) == pytest.approx(1.0, abs=1e-4)
    assert np.all(np.diff(ctrw_ergodicity_breaking([0.2, 0.4, 0.6, 0.8])) < 0)
    _, ta = time_averaged_msd(ctrw(np.full(2000, 0.5), 3000, rng=4), [1])
    assert ergodicity_breaking(ta)[0] == pytest.approx(ctrw_ergodicity_breaking(0.5), abs=0.1)
    with pytest.raises(ValueError, match=r"alpha must lie in \(0, 1\]"):
        ctrw_ergodicity_breaking(1.5)


def test_expected_tamsd_by_hand_and_on_sbm():
    assert np.allclose(expected_tamsd(3.0 * np.arange(10), [1, 4]), [3.0, 12.0])  # BM: lag times the diffusivity
    assert expected_tamsd([0.0, 1.0, 4.0], [1])[0] == pytest.approx(2.0)  # (1 - 0 + 4 - 1) / 2
    T, a = 400, 0.5
    exact = 2 * ((np.arange(T) + 1.0) ** a - 1)  # SBM's ensemble MSD, both coordinates
    _, ta = time_averaged_msd(sbm(np.full(2000, a), T, rng=5), [1, 10])
    assert ta.mean(0) == pytest.approx(expected_tamsd(exact, [1, 10]), rel=0.03)
    assert ta.mean(0)[1] < 0.5 * exact[10]  # far below the ensemble MSD at the same lag: not ergodic
    with pytest.raises(ValueError, match="lags must lie in 1..2"):
        expected_tamsd([0.0, 1.0, 4.0], [3])
