"""Per-trajectory statistics that tell the diffusion mechanisms apart.

Each mechanism leaves its own mark on the increments of a trajectory:

* **FBM**: correlated increments (:func:`lag1_autocorrelation`, expected
  ``2**(alpha - 1) - 1``);
* **CTRW**: rests of heavy-tailed duration (:func:`rest_fraction`,
  :func:`rest_durations`) and hence heavy-tailed increments
  (:func:`excess_kurtosis`);
* **LW**: ballistic flights, runs of identical steps (:func:`flight_durations`,
  :func:`straightness`);
* **SBM and ATTM**: a diffusivity that changes in time
  (:func:`diffusivity_change`, :func:`local_diffusivity`);
* all: the time-averaged MSD exponent (:func:`msd_exponent`, via
  :mod:`resandi_lite.msd`) and the short-lag MSD growth (:func:`msd_ratio`).

Localisation noise changes these values: :func:`noisy_lag1_correlation` gives
the lag-1 correlation that noise on the positions adds to the increments.

Every function takes a batch of trajectories in one of three forms:

* raw positions, an array of shape ``(n, 2, T)`` (all points valid);
* the preprocessed network input, an array of shape ``(n, 2, 1000)``,
  together with ``lengths`` of shape ``(n,)``: trajectory ``i`` occupies the
  last ``lengths[i]`` points (left padding is ignored);
* a list of ``n`` arrays of shape ``(2, T_i)`` (varying lengths, as returned by
  :func:`resandi_lite.simulate` with ``length="varying"``).

Everything is vectorised over trajectories; a value that is undefined (a
trajectory that never moves) comes out as NaN or +-inf, never as an error.
"""

from __future__ import annotations

import numpy as np

from . import msd as _msd

#: Names of the columns of :func:`statistics`, in order.
STATISTICS = ("lag-1 autocorrelation", "zero steps", "kurtosis", "diffusivity change", "MSD ratio", "straightness")


def _prepare(X, lengths=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions (n, 2, T) float64, lengths (n,) int64, and the mask (n, 1, T-1) of valid increments."""
    if isinstance(X, (list, tuple)):
        if lengths is not None:
            raise ValueError("lengths must be None when X is a list of trajectories (their lengths are known)")
        lengths = np.array([np.shape(x)[-1] for x in X], dtype=np.int64)
        T = int(lengths.max()) if len(X) else 2
        P = np.zeros((len(X), 2, T))
        for i, x in enumerate(X):
            x = np.asarray(x, dtype=np.float64)
            if x.ndim != 2 or x.shape[0] != 2:
                raise ValueError(f"each trajectory must have shape (2, T), got {x.shape} at index {i}")
            P[i, :, T - x.shape[1] :] = x
    else:
        P = np.asarray(X, dtype=np.float64)
        if P.ndim == 2:
            P = P[None]
        if P.ndim != 3 or P.shape[1] != 2:
            raise ValueError(f"X must have shape (n, 2, T), (2, T) or be a list of (2, T_i) arrays, got {P.shape}")
        T = P.shape[-1]
        if lengths is None:
            lengths = np.full(len(P), T, dtype=np.int64)
        else:
            lengths = np.asarray(lengths, dtype=np.int64).reshape(-1)
            if lengths.shape != (len(P),) or lengths.min(initial=T) < 2 or lengths.max(initial=2) > T:
                raise ValueError(
                    f"lengths must have shape ({len(P)},) with values in 2..{T}, "
                    f"got shape {lengths.shape} and range {lengths.min(initial=0)}..{lengths.max(initial=0)}"
                )
    T = P.shape[-1]
    mask = np.arange(T - 1)[None, None, :] >= (T - lengths)[:, None, None]  # increment j joins points j, j+1
    return P, lengths, mask


def _centred_increments(X, lengths):
    P, lengths, mask = _prepare(X, lengths)
    d = np.diff(P, axis=-1) * mask
    k = (lengths - 1)[:, None].astype(np.float64)  # increments per trajectory, (n, 1)
    c = (d - (d.sum(axis=-1) / k)[..., None]) * mask
    var = (c**2).sum(axis=-1) / k  # (n, 2)
    return d, c, var, k, mask


def lag1_autocorrelation(X, lengths=None) -> np.ndarray:
    """Correlation of consecutive increments, averaged over x and y.

    For FBM it is ``2**(alpha - 1) - 1``: negative for subdiffusion, 0 for
    Brownian motion, positive for superdiffusion (up to a bias of order
    ``T**(alpha - 2)`` from subtracting the sample mean).

    Parameters
    ----------
    X : ndarray of shape (n, 2, T), or list of n arrays of shape (2, T_i)
    lengths : ndarray of shape (n,), int, optional
        Valid points at the end of each row of ``X`` (preprocessed input).

    Returns
    -------
    ndarray of shape (n,), float64

    Examples
    --------
    >>> X = np.cumsum([[[1.0, -1.0] * 50] * 2], axis=-1)  # steps +1, -1, +1, ...
    >>> round(float(lag1_autocorrelation(X)[0]), 2)
    -1.0
    """
    _, c, var, k, _ = _centred_increments(X, lengths)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.mean((c[..., 1:] * c[..., :-1]).sum(axis=-1) / (k - 1) / var, axis=1)


def noisy_lag1_correlation(noise, rho=0.0):
    """Lag-1 correlation of the increments after localisation noise is added to the positions.

    With positions ``x_t + eta_t``, ``eta_t`` independent ``N(0, noise**2)``,
    each noisy increment is ``dx_t + eta_{t+1} - eta_t``: consecutive
    increments share one noise value with opposite signs.  For increments of
    unit variance and lag-1 correlation ``rho`` (0 for Brownian motion,
    ``2**(alpha - 1) - 1`` for FBM) the covariance of consecutive noisy
    increments is ``rho - noise**2`` and their variance ``1 + 2 * noise**2``::

        rho_noisy = (rho - noise**2) / (1 + 2 * noise**2)

    For Brownian motion ``-noise**2 / (1 + 2 * noise**2)``: negative, like
    subdiffusive FBM, and tending to -1/2 for large noise.

    Parameters
    ----------
    noise : float or array-like
        Noise std in units of the step std (the paper's sigma, ``>= 0``).
    rho : float or array-like
        Lag-1 correlation of the noise-free increments, in [-1, 1].

    Returns
    -------
    float or ndarray of float64, the shape of ``noise`` and ``rho`` broadcast

    Examples
    --------
    >>> round(float(noisy_lag1_correlation(0.3)), 4)  # Brownian motion, sigma = 0.3
    -0.0763
    >>> float(noisy_lag1_correlation(0.0, rho=0.41))
    0.41
    """
    noise, rho = np.asarray(noise, dtype=np.float64), np.asarray(rho, dtype=np.float64)
    if not np.all(np.isfinite(noise)) or np.any(noise < 0):
        raise ValueError(f"noise must be a finite std >= 0 (in units of the step std), got {noise}")
    if not np.all(np.abs(rho) <= 1):
        raise ValueError(f"rho must be a correlation in [-1, 1], got {rho}")
    out = (rho - noise**2) / (1 + 2 * noise**2)
    return float(out) if out.ndim == 0 else out


def rest_fraction(X, lengths=None) -> np.ndarray:
    """Fraction of increments that are exactly zero (x and y counted separately).

    Only a CTRW rests (and ATTM, rarely, when its diffusivity is tiny); every
    other model moves at every step.

    Returns
    -------
    ndarray of shape (n,), float64, in [0, 1]
    """
    P, lengths, mask = _prepare(X, lengths)
    zero = (np.diff(P, axis=-1) == 0) & mask
    return zero.sum(axis=(1, 2)) / (2.0 * (lengths - 1))


def excess_kurtosis(X, lengths=None) -> np.ndarray:
    """Excess kurtosis of the increments, ``<c^4> / <c^2>^2 - 3``, averaged over x and y.

    0 for Gaussian increments (BM, FBM, SBM); large when a few big jumps
    dominate (CTRW: rests and jumps; ATTM: changing diffusivity).

    Returns
    -------
    ndarray of shape (n,), float64
    """
    _, c, var, k, _ = _centred_increments(X, lengths)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.mean((c**4).sum(axis=-1) / k / var**2, axis=1) - 3


def diffusivity_change(X, lengths=None) -> np.ndarray:
    """Log ratio of the mean squared increment in the second half to that in the first half.

    With ``k`` increments the first half is the first ``k // 2``.  For SBM,
    whose increment variance is ``(t + 1)**alpha - t**alpha``, it is close to
    ``log(2**alpha - 1)``: negative when the motion slows down (alpha < 1),
    positive when it speeds up.  For stationary increments (BM, FBM) it is
    about 0.

    Returns
    -------
    ndarray of shape (n,), float64 (+-inf if one half never moves)
    """
    P, lengths, mask = _prepare(X, lengths)
    T = P.shape[-1]
    d2 = (np.diff(P, axis=-1) ** 2 * mask).sum(axis=1)  # (n, T-1)
    start = T - lengths  # first valid increment
    half = (lengths - 1) // 2
    second = np.arange(T - 1)[None, :] >= (start + half)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        late = (d2 * second).sum(axis=1) / (lengths - 1 - half)
        early = (d2 * ~second).sum(axis=1) / half
        return np.log(late / early)


def msd_ratio(X, lengths=None) -> np.ndarray:
    """Log of the time-averaged MSD at lag ``max(1, (T - 1) // 10)`` over that at lag 1.

    A one-lag version of the MSD exponent, cheap and defined down to T = 10.

    Returns
    -------
    ndarray of shape (n,), float64
    """
    P, lengths, mask = _prepare(X, lengths)
    T = P.shape[-1]
    lag = np.maximum(1, (lengths - 1) // 10)
    out = np.empty(len(P))
    d2 = (np.diff(P, axis=-1) ** 2 * mask).sum(axis=(1, 2)) / (lengths - 1)
    for value in np.unique(lag):  # one vectorised pass per distinct lag
        rows = np.flatnonzero(lag == value)
        valid = np.arange(T - value)[None, None, :] >= (T - lengths[rows])[:, None, None]
        far = ((P[rows, :, value:] - P[rows, :, :-value]) ** 2 * valid).sum(axis=(1, 2)) / (lengths[rows] - value)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[rows] = np.log(far / d2[rows])
    return out


def straightness(X, lengths=None) -> np.ndarray:
    """End-to-end distance over path length, in [0, 1].

    Close to 1 for a Levy walk caught in one long flight, of order
    ``1 / sqrt(T)`` for Brownian motion.

    Returns
    -------
    ndarray of shape (n,), float64
    """
    P, lengths, mask = _prepare(X, lengths)
    T = P.shape[-1]
    path = (np.hypot(*np.diff(P, axis=-1).transpose(1, 0, 2)) * mask[:, 0]).sum(axis=1)
    first = P[np.arange(len(P)), :, T - lengths]  # (n, 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.hypot(*(P[:, :, -1] - first).T) / path


def msd_exponent(X, lengths=None, *, max_lag_fraction: float = 0.1, n_lags: int = 12) -> np.ndarray:
    """Exponent of each trajectory's time-averaged MSD, fitted on lags 1 .. ``max_lag_fraction * (T - 1)``.

    The lags are ``unique(geomspace(1, L, n_lags))`` with
    ``L = max(2, int(max_lag_fraction * (T - 1)))``; for trajectories of equal
    length this is :func:`resandi_lite.msd.time_averaged_msd` followed by
    :func:`resandi_lite.msd.fit_exponent`, with ``lengths`` the same on each
    trajectory's valid part.

    Parameters
    ----------
    X : ndarray of shape (n, 2, T), or list of n arrays of shape (2, T_i)
    lengths : ndarray of shape (n,), int, optional
    max_lag_fraction : float
        Longest lag as a fraction of the number of increments.
    n_lags : int
        Lags spaced geometrically from 1 to the longest lag.

    Returns
    -------
    ndarray of shape (n,), float64
        NaN for a trajectory that does not move at some lag.
    """
    if not 0 < max_lag_fraction < 1:
        raise ValueError(f"max_lag_fraction must be in (0, 1), got {max_lag_fraction}")
    P, lengths, _ = _prepare(X, lengths)
    T = P.shape[-1]
    longest = np.maximum(2, (max_lag_fraction * (lengths - 1)).astype(np.int64))
    out = np.empty(len(P))
    for value in np.unique(longest):  # trajectories sharing their longest lag share their lags
        rows = np.flatnonzero(longest == value)
        lags = np.unique(np.geomspace(1, value, n_lags).astype(np.int64))
        if np.all(lengths[rows] == T):
            lags, tamsd = _msd.time_averaged_msd(P[rows], lags)
        else:
            tamsd = np.empty((rows.size, lags.size))
            for k, lag in enumerate(lags):
                valid = np.arange(T - lag)[None, None, :] >= (T - lengths[rows])[:, None, None]
                tamsd[:, k] = ((P[rows, :, lag:] - P[rows, :, :-lag]) ** 2 * valid).sum(axis=(1, 2)) / (
                    lengths[rows] - lag
                )
        out[rows] = _msd.fit_exponent(lags, tamsd)[0]
    return out


def local_diffusivity(X, window: int = 20) -> np.ndarray:
    """Moving average of the squared increment per coordinate, ``mean |dx|^2 / 2`` over ``window`` steps.

    For Brownian motion with unit step variance it fluctuates around 1; for
    ATTM it jumps between levels, for SBM it drifts as ``t**(alpha - 1)``.

    Parameters
    ----------
    X : ndarray of shape (n, 2, T)
    window : int
        Steps per average, 1 <= window <= T - 1.

    Returns
    -------
    ndarray of shape (n, T - window), float64
        Value ``j`` averages increments ``j .. j + window - 1``.
    """
    P, _, _ = _prepare(X)
    T = P.shape[-1]
    if not 1 <= window <= T - 1:
        raise ValueError(f"window must be in 1..{T - 1} for trajectories of {T} points, got {window}")
    d2 = (np.diff(P, axis=-1) ** 2).sum(axis=1) / 2
    s = np.concatenate([np.zeros((len(P), 1)), np.cumsum(d2, axis=1)], axis=1)
    return (s[:, window:] - s[:, :-window]) / window


def _runs(flag: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lengths of the runs of True in each row of ``flag`` (n, m), and the row of each run."""
    padded = np.pad(flag.astype(np.int8), ((0, 0), (1, 1)))
    edges = np.diff(padded, axis=1)
    row, begin = np.nonzero(edges == 1)
    _, end = np.nonzero(edges == -1)  # same row-major order as the beginnings
    return (end - begin).astype(np.int64), row.astype(np.int64)


def rest_durations(X, lengths=None) -> tuple[np.ndarray, np.ndarray]:
    """Durations (in steps) of the rests: runs of consecutive increments zero in both x and y.

    For a CTRW with exponent alpha the rests are the waiting times seen on the
    integer time grid; their survival function falls as ``t**(-alpha)``.

    Returns
    -------
    durations : ndarray of shape (m,), int64
        One entry per rest, in order of trajectory then time.
    owner : ndarray of shape (m,), int64
        Index of the trajectory of each rest.

    Examples
    --------
    >>> x = np.array([[0, 0, 0, 1, 2, 2, 3.0], [0, 0, 0, 1, 1, 1, 2.0]])
    >>> rest_durations(x)[0].tolist()
    [2, 1]
    """
    P, _, mask = _prepare(X, lengths)
    still = np.all(np.diff(P, axis=-1) == 0, axis=1) & mask[:, 0]
    return _runs(still)


def flight_durations(X, lengths=None, *, rtol: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
    """Durations (in steps) of the flights: runs of identical, non-zero increment vectors.

    A Levy walk moves at constant velocity for ``int(tau)`` steps with
    ``P(tau > t) = t**(-(3 - alpha))``; a run of k equal steps is a flight of
    k steps.  A step of any other model is a flight of length 1.  Runs that
    touch either end of a trajectory are cut short by the observation window.

    Parameters
    ----------
    X : ndarray of shape (n, 2, T), or list of n arrays of shape (2, T_i)
    lengths : ndarray of shape (n,), int, optional
    rtol : float
        Two steps are equal when they differ by less than ``rtol`` times the
        step's length.

    Returns
    -------
    durations : ndarray of shape (m,), int64
    owner : ndarray of shape (m,), int64

    Examples
    --------
    >>> x = np.cumsum([[1, 1, 1, 2, 5, 5.0], [0, 0, 0, 0, 1, 1.0]], axis=1)
    >>> flight_durations(x)[0].tolist()
    [2, 1, 2]
    """
    P, _, mask = _prepare(X, lengths)
    d = np.diff(P, axis=-1)
    size = np.hypot(d[:, 0], d[:, 1])
    same = (np.hypot(*(d[:, :, 1:] - d[:, :, :-1]).transpose(1, 0, 2)) <= rtol * size[:, 1:]) & (size[:, 1:] > 0)
    moving = (size > 0) & mask[:, 0]
    # a flight starts at every moving step that does not continue the previous one
    start = moving.copy()
    start[:, 1:] &= ~(same & moving[:, :-1])
    label = np.cumsum(start, axis=1) * moving  # flight id within each row (0: not moving)
    row, col = np.nonzero(moving)
    key = row * (P.shape[-1] + 1) + label[row, col]
    _, first, counts = np.unique(key, return_index=True, return_counts=True)
    return counts.astype(np.int64), row[first].astype(np.int64)


def statistics(X, lengths=None) -> np.ndarray:
    """Six scale-free statistics of each trajectory's valid part (the columns of :data:`STATISTICS`).

    Lag-1 autocorrelation, fraction of zero steps, excess kurtosis,
    diffusivity change, MSD ratio and straightness: the functions of this
    module, one column each.  Scale-free, so they can compare raw
    trajectories with the preprocessed network input.

    Parameters
    ----------
    X : ndarray of shape (n, 2, 1000), e.g. float32 network input, or (n, 2, T), or a list
    lengths : ndarray of shape (n,), int, optional
        Valid points of each row (default: all).

    Returns
    -------
    ndarray of shape (n, 6), float64

    Examples
    --------
    >>> import resandi_lite as rl
    >>> ds = rl.make_dataset(2, length="varying", seed=0)
    >>> statistics(ds.X, ds.lengths).shape
    (16, 6)
    """
    if isinstance(X, (list, tuple)):
        X, lengths, _ = _prepare(X)
    functions = (lag1_autocorrelation, rest_fraction, excess_kurtosis, diffusivity_change, msd_ratio, straightness)
    return np.stack([f(X, lengths) for f in functions], axis=1)


def flight_fraction(X, lengths=None, *, rtol: float = 1e-3) -> np.ndarray:
    """Fraction of the moving steps that repeat the step before them (x and y within ``rtol``).

    A Levy walk repeats its step throughout each flight; for the other models
    two consecutive steps (continuous random vectors) are almost never equal.
    The default tolerance survives the float32 rounding of the preprocessed
    input; that rounding can also make two tiny steps of another model equal,
    so expect small non-zero values (a few per mille) outside Levy walks.

    Returns
    -------
    ndarray of shape (n,), float64, in [0, 1] (NaN for a trajectory that never moves)
    """
    P, _, _ = _prepare(X, lengths)
    durations, owner = flight_durations(X, lengths, rtol=rtol)
    repeated = np.bincount(owner, weights=durations - 1, minlength=len(P))
    moving = np.bincount(owner, weights=durations, minlength=len(P))
    with np.errstate(divide="ignore", invalid="ignore"):
        return repeated / moving


def survival_exponent(durations, t_min: float, t_max: float, *, n_points: int = 10) -> float:
    """Exponent ``g`` of a power-law tail ``P(D >= t) ~ t^(-g)``, fitted on ``t_min .. t_max``.

    Least squares of log P(D >= t) against log t on ``n_points`` log-spaced
    integer times (for the rests of a CTRW ``g = alpha``, for the flights of a
    Levy walk ``g = 3 - alpha``).

    Parameters
    ----------
    durations : array-like of shape (m,), int or float
        For example the first output of :func:`rest_durations` or :func:`flight_durations`.
    t_min, t_max : float
        Fit range, ``1 <= t_min < t_max``; keep ``t_max`` well below the trajectory length,
        which cuts the tail off.

    Returns
    -------
    float
    """
    from .msd import fit_exponent

    d = np.asarray(durations, dtype=np.float64).ravel()
    if not 1 <= t_min < t_max:
        raise ValueError(f"t_min and t_max must satisfy 1 <= t_min < t_max, got {t_min!r} and {t_max!r}")
    t = np.unique(np.geomspace(t_min, t_max, n_points).astype(np.int64))
    survival = np.array([np.mean(d >= k) for k in t]) if d.size else np.zeros(t.size)
    if t.size < 2 or np.any(survival == 0):
        raise ValueError(
            f"durations must reach beyond t_max = {t_max} to fit a tail (longest: {d.max() if d.size else None})"
        )
    return float(-fit_exponent(t, survival)[0])
