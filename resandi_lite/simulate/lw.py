"""Levy walk (LW): ballistic flights of power-law duration."""

from __future__ import annotations

import numpy as np

from .._checks import check_alpha, check_int
from ._renewal import draw_until, interval_starts, per_step
from .sbm import _positions


def lw(alpha, length: int, *, rng=None) -> np.ndarray:
    """Two-dimensional Levy walk.

    The walker flies at constant velocity in a uniformly random direction for
    ``int(tau)`` time steps, ``tau = (1 - U)**(-1/(3 - alpha))``, then picks a
    new direction.  The speed ``v = 10 U`` is drawn once per trajectory.  The
    two coordinates share the flight times and the direction.  Long straight
    flights are the signature.  (The AnDi code also flips the sign of each
    flight at random; with a uniform angle this changes nothing, so it is
    folded into the angle.)

    Parameters
    ----------
    alpha : array-like of shape (n,), float
        Anomalous exponents in [1, 2).
    length : int
        Number of positions T >= 2.
    rng : numpy.random.Generator, int or None

    Returns
    -------
    positions : ndarray of shape (n, 2, T), float64

    Examples
    --------
    >>> lw([1.5], 10, rng=0).shape
    (1, 2, 10)
    """
    alpha = check_alpha(alpha, 1.0, 1.99, what="LW")
    length = check_int(length, "length", minimum=2)
    return _positions(_increments(alpha, length, np.random.default_rng(rng)))


def _increments(alpha: np.ndarray, length: int, rng: np.random.Generator, *, events: bool = False):
    """Steps of :func:`lw` without argument checks: shape (n, 2, length - 1), float32.

    With ``events=True``, also the marks of shape (n, length - 1), bool: step
    ``s`` (the velocity at time s + 1) is marked when it is the first step of
    a new flight; the first step, whose flight began at or before the start,
    never is.  The velocity is constant between marks.
    """
    n = alpha.size
    speed = 10.0 * rng.random(n)

    def flights(rows, k):
        log_survival = np.log1p(-rng.random((rows.size, k)))  # log(1 - U)
        tau = np.minimum(np.exp(log_survival / (alpha[rows, None] - 3.0)), length + 1)
        # Directions in single precision (resolution 2*pi / 2**24): ten times faster cosines.
        return np.floor(tau), rng.random((rows.size, k), dtype=np.float32) * np.float32(2 * np.pi)

    # Flights needed to cover the length: about length / E[floor(tau)] = length / zeta(3 - alpha), zeta(b) ~ 1/(b-1) + 0.58,
    # most for the smallest alpha; drawing that many for every row at once beats a second, doubled block.
    first = length / (1.0 / (2.0 - alpha.min()) + 0.58)
    durations, angle = draw_until(flights, n, length, first=int(1.2 * first) + 4)
    velocity = np.empty((n, 2, angle.shape[1]), np.float32)  # per flight, single precision: half the bytes to repeat
    speed = speed.astype(np.float32)[:, None]
    np.multiply(np.cos(angle), speed, out=velocity[:, 0])
    np.multiply(np.sin(angle), speed, out=velocity[:, 1])
    steps = per_step(velocity, durations, 1, length)  # steps 1 .. T-1
    if not events:
        return steps
    marks = interval_starts(durations, 1, length)
    marks[:, 0] = False  # a flight beginning at time 1 is the first one observed: no change of velocity
    return steps, marks
