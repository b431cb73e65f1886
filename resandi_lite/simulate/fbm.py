"""Fractional Brownian motion (FBM), exact, by circulant embedding."""

from __future__ import annotations

import numpy as np

from .._checks import check_alpha, check_int
from ._normal import normal_pairs
from .sbm import _positions


def fgn_autocovariance(hurst: np.ndarray, lags: int) -> np.ndarray:
    """Autocovariance of unit-variance fractional Gaussian noise.

    ``gamma(k) = (|k+1|**2H - 2|k|**2H + |k-1|**2H) / 2``.

    Parameters
    ----------
    hurst : ndarray of shape (n,), float64
        Hurst exponents H in (0, 1).
    lags : int
        Number of lags k = 0 .. lags-1.

    Returns
    -------
    gamma : ndarray of shape (n, lags), float64
    """
    k = np.arange(lags + 1, dtype=np.float64)
    with np.errstate(divide="ignore"):
        power = np.exp((2.0 * hurst[:, None]) * np.log(k))  # k**2H for k = 0 .. lags, (n, lags+1)
    gamma = np.empty((hurst.size, lags))
    gamma[:, 0] = 1.0
    gamma[:, 1:] = 0.5 * (power[:, 2:] - 2.0 * power[:, 1:-1] + power[:, :-2])
    return gamma


def _fft_size(m: int) -> int:
    """Smallest 5-smooth integer (2^a 3^b 5^c) >= m: fast FFT sizes with little padding."""
    best = 1 << max(0, (m - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            p = p35
            while p < m:
                p *= 2
            best = min(best, p)
            p35 *= 3
        p5 *= 5
    return best


def fbm(alpha, length: int, *, rng=None) -> np.ndarray:
    """Fractional Brownian motion with Hurst exponent ``H = alpha / 2``.

    The increments (fractional Gaussian noise) are correlated: negatively for
    subdiffusion (``alpha < 1``), positively for superdiffusion.  They are drawn
    exactly with the Davies-Harte method: the covariance matrix is embedded in
    a circulant one of size ``2M >= 2(T-1)``, ``M`` a fast FFT size, whose eigenvalues come from one FFT.
    One complex FFT per trajectory gives both coordinates (real and imaginary
    parts are independent samples).  ``MSD(t) = t**alpha`` exactly.

    Parameters
    ----------
    alpha : array-like of shape (n,), float
        Anomalous exponents in [0.05, 1.95].
    length : int
        Number of positions T >= 2.
    rng : numpy.random.Generator, int or None

    Returns
    -------
    positions : ndarray of shape (n, 2, T), float64

    Examples
    --------
    >>> fbm([0.3, 1.7], 50, rng=0).shape
    (2, 2, 50)
    """
    alpha = check_alpha(alpha, 0.05, 1.95, what="FBM")
    length = check_int(length, "length", minimum=2)
    return _positions(_increments(alpha, length, np.random.default_rng(rng)))


def _increments(alpha: np.ndarray, length: int, rng: np.random.Generator) -> np.ndarray:
    """Steps of :func:`fbm` without argument checks: shape (n, 2, length - 1), float64."""
    n, m = alpha.size, length - 1
    size = _fft_size(max(m, 2))  # embed in a circulant of size 2 * size >= 2m
    gamma = fgn_autocovariance(alpha / 2.0, size + 1)  # (n, size + 1)
    row = np.empty((n, 2 * size))  # first row of the circulant: gamma(0 .. size), gamma(size-1 .. 1)
    row[:, :size + 1] = gamma
    row[:, size + 1:] = gamma[:, size - 1:0:-1]
    half = np.fft.rfft(row, axis=1).real  # eigenvalues 0 .. size; the rest mirror them
    np.clip(half, 0.0, None, out=half)  # the embedding of fGn is non-negative definite: clip round-off
    half /= 2 * size
    np.sqrt(half, out=half)  # standard deviation of each Fourier coefficient's real and imaginary part
    std = np.empty((n, 2 * size), np.float32)
    std[:, :size + 1] = half
    std[:, size + 1:] = half[:, size - 1:0:-1]
    z = np.empty((n, 2 * size), np.complex128)  # (numpy's complex64 transform measured 3.6x slower here)
    normal_pairs(rng, None, z.real, z.imag, std=std)
    w = np.fft.fft(z, axis=1)[:, :m]
    steps = np.empty((n, 2, m))
    steps[:, 0], steps[:, 1] = w.real, w.imag  # real part -> x, imaginary -> y
    return steps
