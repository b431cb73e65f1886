"""Mean squared displacements and the anomalous exponent.

* the **ensemble-averaged MSD** ``<r^2(t)>`` averages ``|x(t) - x(0)|^2`` over
  many trajectories;
* the **time-averaged MSD** of one trajectory averages ``|x(t + lag) - x(t)|^2``
  over its start times ``t``;
* the **exponent** alpha is the slope of log MSD against log time;
* the **ergodicity-breaking parameter** ``EB = <delta^2>^2 / <delta>^2 - 1``
  of the time-averaged MSDs ``delta`` vanishes for ergodic processes (BM,
  FBM) and stays finite for a CTRW (weak ergodicity breaking);
  :func:`ctrw_ergodicity_breaking` is its long-time limit for a CTRW;
* :func:`expected_tamsd` is the mean time-averaged MSD of a process with
  independent increments (BM, SBM) from its ensemble MSD.
"""

from __future__ import annotations

import numpy as np


def _positions(X) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 2:
        X = X[None]
    if X.ndim != 3 or X.shape[1] not in (1, 2, 3):
        raise ValueError(f"trajectories must have shape (n, d, T) or (d, T) with d in 1..3, got {np.shape(X)}")
    return X


def ensemble_msd(X, times=None) -> tuple[np.ndarray, np.ndarray]:
    """Ensemble-averaged MSD ``<|x(t) - x(0)|^2>`` (summed over the coordinates).

    Parameters
    ----------
    X : ndarray of shape (n, d, T)
        Positions of n trajectories of equal length.
    times : ndarray of int, optional
        Times t (1 .. T-1) to evaluate; default all.

    Returns
    -------
    times : ndarray of shape (k,), int
    msd : ndarray of shape (k,), float64
    """
    X = _positions(X)
    T = X.shape[-1]
    times = np.arange(1, T) if times is None else np.asarray(times, dtype=np.int64)
    if times.size == 0 or times.min() < 1 or times.max() >= T:
        raise ValueError(f"times must lie in 1..{T - 1}")
    d = X[:, :, times] - X[:, :, :1]
    return times, (d**2).sum(axis=1).mean(axis=0)


def time_averaged_msd(X, lags=None) -> tuple[np.ndarray, np.ndarray]:
    """Time-averaged MSD of each trajectory, ``mean_t |x(t + lag) - x(t)|^2``.

    Parameters
    ----------
    X : ndarray of shape (n, d, T) or (d, T)
    lags : ndarray of int, optional
        Lags (1 .. T-1); default ``unique(geomspace(1, T // 10, 20))``.

    Returns
    -------
    lags : ndarray of shape (k,), int
    tamsd : ndarray of shape (n, k), float64
    """
    X = _positions(X)
    T = X.shape[-1]
    if lags is None:
        lags = np.unique(np.geomspace(1, max(1, T // 10), 20).astype(np.int64))
    lags = np.asarray(lags, dtype=np.int64)
    if lags.size == 0 or lags.min() < 1 or lags.max() >= T:
        raise ValueError(f"lags must lie in 1..{T - 1}")
    out = np.empty((X.shape[0], lags.size))
    for k, lag in enumerate(lags):  # one vectorised pass per lag
        out[:, k] = ((X[:, :, lag:] - X[:, :, :-lag]) ** 2).sum(axis=1).mean(axis=1)
    return lags, out


def fit_exponent(times, msd) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares fit of ``log msd = log K + alpha log t``.

    Parameters
    ----------
    times : ndarray of shape (k,)
    msd : ndarray of shape (k,) or (n, k)

    Returns
    -------
    alpha, K : float or ndarray of shape (n,)
        NaN where an MSD value is not positive.
    """
    t = np.log(np.asarray(times, dtype=np.float64))
    m = np.asarray(msd, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        logm = np.log(m)
    A = np.stack([t, np.ones_like(t)], axis=1)
    logm = np.atleast_2d(logm)
    bad = ~np.all(np.isfinite(logm), axis=1)
    # one non-finite value would spoil LAPACK's solution for every row: solve with zeros there, mask after
    coef = np.linalg.lstsq(A, np.where(np.isfinite(logm), logm, 0.0).T, rcond=None)[0]  # (2, n)
    alpha, logk = coef[0], coef[1]
    alpha, K = np.where(bad, np.nan, alpha), np.where(bad, np.nan, np.exp(logk))
    return (alpha[0], K[0]) if m.ndim == 1 else (alpha, K)


def ergodicity_breaking(tamsd: np.ndarray) -> np.ndarray:
    """``EB(lag) = <delta^2>^2 / <delta>^2 - 1`` over trajectories, for each lag of ``tamsd`` (n, k)."""
    d = np.asarray(tamsd, dtype=np.float64)
    return (d**2).mean(axis=0) / d.mean(axis=0) ** 2 - 1


def ctrw_ergodicity_breaking(alpha) -> np.ndarray:
    """Long-time limit of EB for a subdiffusive CTRW, ``2 Gamma(1+alpha)^2 / Gamma(1+2 alpha) - 1``.

    The number of jumps ``N(T)`` of a CTRW with waiting-time tail ``t^(-alpha)``
    follows a Mittag-Leffler law whose relative variance is this value; for
    ``lag << T`` the time-averaged MSD is proportional to ``N(T)``.

    Parameters
    ----------
    alpha : float or array-like, in (0, 1]

    Returns
    -------
    float64 or ndarray of float64, same shape as ``alpha`` (0 at ``alpha = 1``)
    """
    from scipy.special import gammaln

    a = np.asarray(alpha, dtype=np.float64)
    if np.any(~(a > 0)) or np.any(a > 1):
        raise ValueError(f"alpha must lie in (0, 1], got {alpha!r}")
    return np.exp(np.log(2.0) + 2 * gammaln(1 + a) - gammaln(1 + 2 * a)) - 1


def expected_tamsd(msd, lags) -> np.ndarray:
    """Mean time-averaged MSD ``<delta^2(lag)>`` of a process with independent, zero-mean increments.

    With independent increments ``<|x(t + lag) - x(t)|^2> = m(t + lag) - m(t)``
    for the ensemble MSD ``m``, so the time average over ``t = 0 .. T-1-lag`` is
    the mean of these differences (exact for BM and SBM).

    Parameters
    ----------
    msd : array-like of shape (T,)
        Ensemble MSD ``m(t)`` at ``t = 0, 1, ..., T-1`` (``m(0) = 0``).
    lags : array-like of int, in 1 .. T-1

    Returns
    -------
    ndarray of shape (k,), float64
    """
    m = np.asarray(msd, dtype=np.float64)
    lags = np.asarray(lags, dtype=np.int64)
    if m.ndim != 1 or m.size < 2:
        raise ValueError(f"msd must be one-dimensional with at least 2 values, got shape {m.shape}")
    if lags.size == 0 or lags.min() < 1 or lags.max() >= m.size:
        raise ValueError(f"lags must lie in 1..{m.size - 1}, got {lags.tolist()}")
    return np.array([np.mean(m[lag:] - m[:-lag]) for lag in lags])
