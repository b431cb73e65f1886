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
    gamma = np.empty((hurst.size, lags))
    _fill_autocovariance(hurst, gamma)
    return gamma


def _fill_autocovariance(hurst: np.ndarray, out: np.ndarray) -> None:
    """Write :func:`fgn_autocovariance` into ``out`` of shape (n, lags), with few temporaries."""
    lags = out.shape[1]
    log_k = np.empty(lags + 1)
    log_k[0] = -np.inf  # log 0: k**2H = exp(2H log k) = 0 at k = 0
    np.log(np.arange(1, lags + 1, dtype=np.float64), out=log_k[1:])
    power = np.multiply(2.0 * hurst[:, None], log_k)  # (n, lags + 1)
    np.exp(power, out=power)  # k**2H
    inner = out[:, 1:]
    np.multiply(power[:, 1:-1], 2.0, out=inner)  # 0.5 * ((p[k+1] - 2 p[k]) + p[k-1]), evaluated in place
    np.subtract(power[:, 2:], inner, out=inner)
    inner += power[:, :-2]
    inner *= 0.5
    out[:, 0] = 1.0


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
    row = np.empty((n, 2 * size))  # first row of the circulant: gamma(0 .. size), gamma(size-1 .. 1)
    _fill_autocovariance(alpha / 2.0, row[:, :size + 1])
    row[:, size + 1:] = row[:, size - 1:0:-1]
    half = np.fft.rfft(row, axis=1).real  # eigenvalues 0 .. size; the rest mirror them
    np.maximum(half, 0.0, out=half)  # the embedding of fGn is non-negative definite: clip round-off
    half /= 2 * size
    std = np.empty((n, 2 * size), np.float32)
    np.sqrt(half, out=std[:, :size + 1], casting="same_kind")  # std of each Fourier coefficient's real and imaginary part
    std[:, size + 1:] = std[:, size - 1:0:-1]
    z = np.empty((n, 2 * size), np.complex128)  # (numpy's complex64 transform measured 3.6x slower here)
    normal_pairs(rng, None, z.real, z.imag, std=std)
    w = np.fft.fft(z, axis=1)[:, :m]
    steps = np.empty((n, 2, m))
    steps[:, 0], steps[:, 1] = w.real, w.imag  # real part -> x, imaginary -> y
    return steps
