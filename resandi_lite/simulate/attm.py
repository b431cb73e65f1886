"""Annealed transient time motion (ATTM), regime 1."""

from __future__ import annotations

import numpy as np

from .._checks import check_alpha, check_int
from ._normal import normal_pairs
from ._renewal import draw_until, interval_starts, per_step
from .sbm import _positions


def attm_parameters(alpha: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draw ATTM's (sigma, gamma) for each exponent, regime 1.

    The AnDi rule draws ``sigma = 3 U(0.01, 1.1)``, sets ``gamma = sigma / alpha``
    and redraws until ``sigma <= gamma <= sigma + 1``.  The first inequality holds
    for ``alpha <= 1``; the second is ``sigma <= alpha / (1 - alpha)``.  Rejection
    from a uniform leaves a uniform, so sigma is drawn directly from
    ``U(0.03, min(3.3, alpha / (1 - alpha)))``: the same law without the loop
    (which needs 40 rounds on average at ``alpha = 0.1``).

    Returns
    -------
    sigma, gamma : ndarray of shape (n,), float64
    """
    with np.errstate(divide="ignore"):
        high = np.minimum(3.3, alpha / (1.0 - alpha))  # alpha = 1: inf -> 3.3
    sigma = rng.uniform(0.03, high)
    return sigma, sigma / alpha


def attm(alpha, length: int, *, rng=None) -> np.ndarray:
    """Annealed transient time motion: Brownian motion whose diffusivity jumps.

    Time is cut into segments.  In each one a diffusivity
    ``D = (1 - U(0.1, 0.99))**(1/sigma)`` is drawn, the segment lasts
    ``int(min(D**(-gamma), T))`` steps (slow segments last long), and the
    walker makes Gaussian steps of variance ``2 D``.  Regime 1 of the AnDi
    challenge, where the MSD grows as ``t**alpha`` with ``alpha = sigma/gamma``.

    Parameters
    ----------
    alpha : array-like of shape (n,), float
        Anomalous exponents in [0.05, 1].
    length : int
        Number of positions T >= 2.
    rng : numpy.random.Generator, int or None

    Returns
    -------
    positions : ndarray of shape (n, 2, T), float64

    Examples
    --------
    >>> attm([0.2, 0.8], 300, rng=0).shape
    (2, 2, 300)
    """
    alpha = check_alpha(alpha, 0.05, 1.0, what="ATTM")
    length = check_int(length, "length", minimum=2)
    return _positions(_increments(alpha, length, np.random.default_rng(rng)))


def _increments(alpha: np.ndarray, length: int, rng: np.random.Generator, *, events: bool = False):
    """Steps of :func:`attm` without argument checks: shape (n, 2, length - 1), float64.

    With ``events=True``, also the marks of shape (n, length - 1), bool: step
    ``s`` (drawn at time s) is marked when a new segment, with a new
    diffusivity, begins at time s.  The step std is constant between marks.
    """
    n = alpha.size
    sigma, gamma = attm_parameters(alpha, rng)

    def segments(rows, k):
        log_d = np.log1p(-rng.uniform(0.1, 0.99, (rows.size, k))) / sigma[rows, None]  # log D
        with np.errstate(over="ignore"):
            tau = np.minimum(np.exp(-gamma[rows, None] * log_d), length)  # D**(-gamma)
        return np.floor(tau), np.exp(log_d)

    durations, diffusivity = draw_until(segments, n, length)
    # Step variance 2 D; its square root in single precision (D >= 0.01**(1 / 0.03) = 1e-67: std >= 4e-34).
    std = np.sqrt(2.0 * diffusivity).astype(np.float32)  # (the root first: 2 D itself may underflow float32)
    std = per_step(std[:, None, :], durations, 0, length - 1)[:, 0]  # steps 1 .. T-1
    steps = np.empty((n, 2, length - 1))
    normal_pairs(rng, None, steps[:, 0], steps[:, 1], std=std)
    return (steps, interval_starts(durations, 0, length - 1)) if events else steps
