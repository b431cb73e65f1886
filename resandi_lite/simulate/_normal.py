"""Gaussian pairs by the Box-Muller transform: the simulators' source of normal numbers.

Every Gaussian model here needs its normals in pairs that share a variance:
the x and y steps of a trajectory at one time (SBM, BM, ATTM, CTRW), or the
real and imaginary parts of one Fourier coefficient (FBM).  The Box-Muller
transform makes exactly such a pair from two uniforms,

    r = sqrt(-2 v ln U1),  theta = 2 pi U2,  (x, y) = (r cos theta, r sin theta),

x and y independent N(0, v).  Vectorised with numpy (SIMD logarithm and
trigonometry) it costs well under half of ``Generator.standard_normal``
followed by a scaling, with the variance applied inside the transform at no
extra pass.  The two uniforms of a pair come from one 64-bit draw of the
``numpy.random.Generator``, split into two 32-bit integers k and taken at
the middle of their cells, ``U = (k + 1/2) / 2**32``: drawing 64 bits costs a
third of drawing two doubles.  Hence ``U1 >= 2**-33`` and the radius, and
so each normal, stays below 6.76 standard deviations; a pair's radius lies
beyond that with probability ``2**-33 = 1.2e-10``, which no statistic of a
trajectory can see.  Logarithm and angle are evaluated in single precision,
so each normal carries a relative rounding error below 1e-6.
"""

from __future__ import annotations

import numpy as np

_TWO_PI = 2.0 * np.pi


def normal_pairs(
    rng: np.random.Generator, variance, out_x: np.ndarray, out_y: np.ndarray, *, std: np.ndarray | None = None
) -> None:
    """Fill ``out_x`` and ``out_y`` with independent ``N(0, variance)`` numbers.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the uniforms (two per pair).
    variance : float or ndarray broadcastable to ``out_x.shape``, float64, or None
        Variance of each pair (>= 0); x and y at one index share it.
    out_x, out_y : ndarray, float64 or float32
        Arrays (or views, e.g. ``z.real`` and ``z.imag``) of the same shape, overwritten.
    std : ndarray broadcastable to ``out_x.shape``, float32, optional
        Standard deviations instead of variances (``variance`` must be None):
        the whole transform then runs in single precision, which suits
        standard deviations within float32's normal range (above 1.2e-38).
        Every simulator passes these: square roots taken once per distinct
        value (an FBM Fourier coefficient, an ATTM segment, an SBM time), and
        single-precision arithmetic at half the memory traffic.

    Examples
    --------
    >>> x, y = np.empty(4), np.empty(4)
    >>> normal_pairs(np.random.default_rng(0), np.array([1.0, 4.0, 0.0, 9.0]), x, y)
    >>> bool(x[2] == 0.0 and y[2] == 0.0)
    True
    """
    shape = out_x.shape
    # 64 random bits per pair, as two 32-bit integers: one for the radius, one for the angle.
    bits = rng.integers(0, 1 << 64, size=out_x.size, dtype=np.uint64).view(np.uint32).reshape((2,) + shape)
    log_u = np.multiply(bits[0], np.float32(2.0**-32), dtype=np.float32)
    log_u += np.float32(2.0**-33)  # the midpoint of the integer's cell: in (0, 1)
    np.log(log_u, out=log_u)
    log_u *= np.float32(-2.0)
    if std is not None:
        if variance is not None:
            raise TypeError("pass either variance or std, not both")
        radius = np.sqrt(log_u)
        radius *= std
    elif np.ndim(variance) == 0:  # one variance for all (e.g. Brownian motion): the radius in single precision
        radius = np.sqrt(log_u)
        radius *= np.float32(np.sqrt(variance))
    else:
        radius = np.multiply(log_u, variance, dtype=np.float64)  # -2 v ln U1 in double precision (v may be tiny)
        np.sqrt(radius, out=radius)
    theta = np.multiply(bits[1], np.float32(_TWO_PI * 2.0**-32), out=log_u, dtype=np.float32)
    trig = np.cos(theta, out=np.empty(shape, np.float32))
    np.multiply(trig, radius, out=out_x, casting="same_kind")
    np.sin(theta, out=trig)
    np.multiply(trig, radius, out=out_y, casting="same_kind")
