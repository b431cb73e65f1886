"""Argument checks shared by the public functions.

Every check raises a ``ValueError`` or ``TypeError`` that names the argument,
states what was expected and shows what was received, so that a user never
meets a deep stack trace from numpy or torch instead.
"""

from __future__ import annotations

import numbers

import numpy as np


def check_alpha(alpha, low: float, high: float, *, name: str = "alpha", what: str = "") -> np.ndarray:
    """Return ``alpha`` as a 1-D float64 array after checking its range.

    Parameters
    ----------
    alpha : array-like of shape (n,) or scalar
        Anomalous exponents, one per trajectory.
    low, high : float
        Closed interval the exponents must lie in.
    name : str
        Argument name used in error messages.
    what : str
        Model name used in error messages.
    """
    try:
        arr = np.asarray(alpha, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or a 1-D array of numbers, got {type(alpha).__name__}") from None
    arr = np.atleast_1d(arr)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a scalar or a 1-D array (one exponent per trajectory), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must hold at least one exponent, got an empty array")
    bad = ~np.isfinite(arr) | (arr < low) | (arr > high)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        model = f" for {what}" if what else ""
        raise ValueError(f"{name} must lie in [{low}, {high}]{model}, got {float(arr[i])} at index {i}")
    return arr


def check_int(value, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as an ``int`` after checking its type and bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_sigma(noise, name: str = "noise") -> np.ndarray:
    """Return localisation-noise levels as a 1-D float64 array of finite values >= 0."""
    if isinstance(noise, (str, bytes)):
        raise TypeError(f"{name} must be a float or a list of floats, got the string {noise!r}")
    try:
        arr = np.atleast_1d(np.asarray(noise, dtype=np.float64))
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a float or a list of floats, got {noise!r}") from None
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a float or a non-empty 1-D list of floats, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must hold finite values >= 0 (the noise std in units of the step std), got {noise!r}")
    return arr
