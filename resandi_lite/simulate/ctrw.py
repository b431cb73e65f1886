"""Continuous-time random walk (CTRW) with power-law waiting times."""

from __future__ import annotations

import numpy as np

from .._checks import check_alpha, check_int
from ._normal import normal_pairs
from ._renewal import draw_until, interval_starts
from .sbm import _positions


def ctrw(alpha, length: int, *, rng=None) -> np.ndarray:
    """Continuous-time random walk read off on the integer time grid.

    The walker waits a time ``tau = (1 - U)**(-1/alpha) >= 1`` (Pareto, infinite
    mean for ``alpha < 1``), then makes a unit Gaussian jump in x and in y.  The
    position at integer time t is the sum of the jumps made up to t.  Long
    rests are the signature: many increments are exactly zero.

    All jumps that fall into the same unit time bin add up to one Gaussian of
    variance equal to their count, so each increment is drawn as
    ``sqrt(count) * N(0, 1)``: the same law as summing the jumps one by one.

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
    >>> x = ctrw([0.5], 1000, rng=1)
    >>> x.shape, bool((x[0, 0] == 0).any())
    ((1, 2, 1000), True)
    """
    alpha = check_alpha(alpha, 0.05, 1.0, what="CTRW")
    length = check_int(length, "length", minimum=2)
    return _positions(_increments(alpha, length, np.random.default_rng(rng)))


def _increments(alpha: np.ndarray, length: int, rng: np.random.Generator, *, events: bool = False):
    """Steps of :func:`ctrw` without argument checks: shape (n, 2, length - 1), float64.

    With ``events=True``, also the marks of shape (n, length - 1), bool: step
    ``s`` (from position s to s + 1) is marked when it holds at least one jump,
    the only steps that are not exactly zero.
    """
    n = alpha.size

    def waits(rows, k):
        log_survival = np.log1p(-rng.random((rows.size, k)))  # log(1 - U)
        return (np.exp(-log_survival / alpha[rows, None]),)

    (durations,) = draw_until(waits, n, length)
    # Jumps by unit time bin, read off the sorted epochs (no (n, T) count array): bin b of row i holds the
    # jumps with floor(t_j) == b; no epoch can fall in [0, 1), so bin b >= 1 is step b - 1.
    epochs = np.cumsum(durations, axis=1)
    row, col = np.nonzero(epochs < length)
    flat = row * length + np.floor(epochs[row, col]).astype(np.int64)  # sorted: row by row, in time
    first = np.flatnonzero(np.diff(flat, prepend=-1))  # first jump of each occupied bin
    count = np.diff(first, append=flat.size)  # jumps in it
    jumps = np.empty((2, first.size))
    normal_pairs(rng, None, jumps[0], jumps[1], std=np.sqrt(count, dtype=np.float32))  # sum of count unit jumps
    occupied = flat[first]
    steps = np.zeros((n, 2, length - 1))
    x = occupied // length * (2 * (length - 1)) + occupied % length - 1  # flat index of the x step
    steps.ravel()[x] = jumps[0]
    steps.ravel()[x + (length - 1)] = jumps[1]
    return (steps, interval_starts(durations, 1, length)) if events else steps  # bin b >= 1 is step b - 1
