"""Scaled Brownian motion (SBM) and Brownian motion (BM)."""

from __future__ import annotations

import numpy as np

from .._checks import check_alpha, check_int
from ._normal import normal_pairs


def sbm(alpha, length: int, *, rng=None) -> np.ndarray:
    """Scaled Brownian motion: Gaussian steps whose variance grows as a power of time.

    The diffusivity changes deterministically, ``D(t) ~ t**(alpha - 1)``: it falls
    for ``alpha < 1`` and rises for ``alpha > 1``.  The law is the AnDi
    challenge's: increments ``dx_k ~ N(0, (k+1)**alpha - k**alpha)`` for
    ``k = 0 .. T-1`` with the first one dropped, so that the trajectory starts
    at 0 and ``MSD(t) = (t + 1)**alpha - 1``, i.e. ``~ t**alpha`` at long times.
    x and y are independent.

    Parameters
    ----------
    alpha : array-like of shape (n,), float
        Anomalous exponents in [0.05, 2].
    length : int
        Number of positions T >= 2.
    rng : numpy.random.Generator, int or None
        Source of randomness.

    Returns
    -------
    positions : ndarray of shape (n, 2, T), float64

    Examples
    --------
    >>> sbm([0.5, 1.5], 100, rng=0).shape
    (2, 2, 100)
    """
    alpha = check_alpha(alpha, 0.05, 2.0, what="SBM")
    length = check_int(length, "length", minimum=2)
    return _positions(_increments(alpha, length, np.random.default_rng(rng)))


def _increments(alpha: np.ndarray, length: int, rng: np.random.Generator, *, events: bool = False):
    """Steps of :func:`sbm` without argument checks: shape (n, 2, length - 1), float64.

    SBM has no discrete events: with ``events=True`` the marks (n, length - 1) are all False.
    """
    if np.all(alpha == 1.0):  # Brownian motion: unit variance (the formula below gives 1 up to rounding)
        variance = 1.0
    else:
        log_t = np.log(np.arange(1, length + 1, dtype=np.float64))  # log 1 .. log T
        power = np.exp(alpha[:, None] * log_t)  # t**alpha, (n, T)
        variance = power[:, 1:] - power[:, :-1]  # (t+1)**alpha - t**alpha, t = 1 .. T-1
    steps = np.empty((alpha.size, 2, length - 1))
    if np.ndim(variance):  # standard deviations in single precision (variances here are above 1e-5)
        normal_pairs(rng, None, steps[:, 0], steps[:, 1], std=np.sqrt(variance, dtype=np.float32))
    else:
        normal_pairs(rng, variance, steps[:, 0], steps[:, 1])
    return (steps, np.zeros((alpha.size, length - 1), dtype=bool)) if events else steps


def bm(n: int, length: int, *, rng=None) -> np.ndarray:
    """Brownian motion with unit step variance (``alpha = 1``).

    Parameters
    ----------
    n : int
        Number of trajectories.
    length : int
        Number of positions T >= 2.
    rng : numpy.random.Generator, int or None

    Returns
    -------
    positions : ndarray of shape (n, 2, T), float64
    """
    n = check_int(n, "n", minimum=1)
    return sbm(np.ones(n), length, rng=rng)


def _positions(steps: np.ndarray) -> np.ndarray:
    """Cumulative sum of steps (n, 2, T-1), float32 or float64, into float64 positions (n, 2, T) starting at 0."""
    out = np.zeros(steps.shape[:-1] + (steps.shape[-1] + 1,))
    np.cumsum(steps, axis=-1, dtype=np.float64, out=out[..., 1:])
    return out
