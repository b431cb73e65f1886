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


def _fill_autocovariance(hurst: np.ndarray, out: np.ndarray, scale: float = 1.0) -> None:
    """Write ``scale`` times :func:`fgn_autocovariance` into ``out`` of shape (n, lags), with few temporaries."""
    lags = out.shape[1]
    log_k = np.empty(lags + 1)
    log_k[0] = -np.inf  # log 0: k**2H = exp(2H log k) = 0 at k = 0
    np.log(np.arange(1, lags + 1, dtype=np.float64), out=log_k[1:])
    power = np.multiply(2.0 * hurst[:, None], log_k)  # (n, lags + 1)
    np.exp(power, out=power)  # k**2H
    # 0.5 * ((p[k+1] - 2 p[k]) + p[k-1]) on the flattened rows: contiguous operands, measured twice as fast
    # as on 2-D views; the values across row ends are not used.
    p = power.ravel()
    second = np.empty_like(power)
    inner = second.ravel()[1:-1]
    np.multiply(p[1:-1], 2.0, out=inner)
    np.subtract(p[2:], inner, out=inner)
    inner += p[:-2]
    inner *= 0.5 * scale
    out[:, 1:] = second[:, 1:-1]
    out[:, 0] = scale


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
    a circulant one of size ``2M >= 2(T-1)``, ``M`` a fast FFT size, whose
    eigenvalues come from one real FFT.  Each coordinate is then one inverse
    real FFT of Gaussian Fourier coefficients with those variances, taken in
    single precision (relative rounding about 1e-7, below the precision of the
    network's float32 input; measured 1.6x faster than double precision).
    ``MSD(t) = t**alpha`` exactly.

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


def _increments(alpha: np.ndarray, length: int, rng: np.random.Generator, *, events: bool = False):
    """Steps of :func:`fbm` without argument checks: shape (n, 2, length - 1), float32.

    FBM has no discrete events: with ``events=True`` the marks (n, length - 1) are all False.

    With ``lambda_k`` (k = 0 .. 2M-1) the circulant's eigenvalues, the steps
    ``x_j = irfft(Y)_j = (1/2M) sum_k Y_k exp(i pi j k / M)`` have the fGn
    covariance when ``Y_k`` (k = 1 .. M-1) has independent real and imaginary
    parts of variance ``M lambda_k`` and the real ``Y_0``, ``Y_M`` have variance
    ``2M lambda_k`` (the inverse transform ignores their imaginary parts).
    """
    n, m = alpha.size, length - 1
    size = _fft_size(max(m, 2))  # embed in a circulant of size 2 * size >= 2m
    row = np.empty((n, 2 * size))  # first row of the circulant, times size: gamma(0 .. size), gamma(size-1 .. 1)
    _fill_autocovariance(alpha / 2.0, row[:, : size + 1], scale=float(size))
    row[:, size + 1 :] = row[:, size - 1 : 0 : -1]
    variance = np.fft.rfft(row, axis=1).real  # size * eigenvalues 0 .. size; the rest mirror them
    std = np.empty((n, 1, size + 1), np.float32)  # shared by both coordinates
    # The embedding of fGn is non-negative definite: clip round-off, then the square root in single precision.
    np.maximum(variance, 0.0, out=std[:, 0], casting="same_kind")
    np.sqrt(std, out=std)
    std[:, :, [0, size]] *= np.float32(np.sqrt(2.0))
    coefficients = np.empty((n, 2, size + 1), np.complex64)  # x and y
    normal_pairs(rng, None, coefficients.real, coefficients.imag, std=std)
    steps = np.fft.irfft(coefficients, 2 * size, axis=-1)[..., :m]
    return (steps, np.zeros((n, m), dtype=bool)) if events else steps
