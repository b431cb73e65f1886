"""The paper's preprocessing: raw trajectories to the network's input.

Four steps, per trajectory and per coordinate:

1. normalise: divide the increments by their standard deviation and sum them
   up again, starting at 0 (the trajectory is now in units of its own step);
2. add localisation noise: i.i.d. ``N(0, noise**2)`` on every position, so
   ``noise`` is relative to the step size and the signal-to-noise ratio is
   ``1 / noise``;
3. left-pad with zeros to 1000 points;
4. MinMax-scale each coordinate to [0, 1] over all 1000 points, padding
   included.

Internally a batch is held as its *increments*, right-aligned in an array of
shape ``(n, 2, 999)`` with zeros in front: summing them up gives the left-padded
trajectory directly, and the zeros do not change the sums used for the
standard deviation.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_noise, check_rng

#: Number of time points of the network's input.
INPUT_LENGTH = 1000
#: Shortest trajectory the paper uses.
MIN_LENGTH = 10

_CHUNK = 64  # rows preprocessed at a time: 1 MB of float64 positions
_MAX_STEP = 1e150  # larger steps overflow the sum of squares of the standard deviation
_FLAT = 1e-10  # a coordinate whose step variance is below this fraction of its mean square step is flat


def increment_std(steps: np.ndarray, n_steps: np.ndarray) -> np.ndarray:
    """Standard deviation of each coordinate's increments, zero-padded rows allowed.

    Parameters
    ----------
    steps : ndarray of shape (n, 2, W), float32 or float64
        Increments; each row holds ``n_steps[i]`` values and zeros elsewhere.
    n_steps : ndarray of shape (n,), int
        Number of increments of each row (>= 1).

    Returns
    -------
    std : ndarray of shape (n, 2), float64
        Population standard deviation (``ddof=0``).  Exactly 0 for a flat
        coordinate: one that does not move, or moves by the same step every
        time (its variance is below ``1e-10`` of its mean square step).
    """
    steps, n_steps = _check_steps(steps, n_steps, "n_steps", minimum=1)
    count = n_steps[:, None].astype(np.float64)
    if hasattr(np, "vecdot"):  # numpy >= 2: a dot product per row, measured 2x faster than sum and einsum
        total, sumsq = np.empty((2,) + steps.shape[:-1])
        ones = np.ones(steps.shape[-1])
        # Double precision as is; single precision converted to double a block of rows at a time.
        rows = steps.shape[0] if steps.dtype == np.float64 else (1 << 16) // max(1, steps.shape[1] * steps.shape[2])
        rows = max(1, rows)
        for a in range(0, steps.shape[0], rows):
            part = steps[a : a + rows].astype(np.float64, copy=False)
            np.vecdot(part, ones, out=total[a : a + part.shape[0]])
            np.vecdot(part, part, out=sumsq[a : a + part.shape[0]])
        mean, meansq = total / count, sumsq / count
    else:
        mean = steps.sum(axis=-1, dtype=np.float64) / count
        meansq = np.einsum("ijk,ijk->ij", steps, steps, dtype=np.float64) / count
    var = meansq - mean**2
    return np.where(var > _FLAT * meansq, np.sqrt(np.clip(var, 0.0, None)), 0.0)


def _check_steps(steps, counts, name: str, *, minimum: int):
    """Check a batch of right-aligned increments ``(n, 2, W)`` and its counts ``(n,)`` (``minimum..W``)."""
    if not isinstance(steps, np.ndarray) or steps.dtype not in (np.float32, np.float64):
        kind = f"dtype {steps.dtype}" if isinstance(steps, np.ndarray) else type(steps).__name__
        raise TypeError(f"steps must be a float32 or float64 ndarray of shape (n, 2, W), got {kind}")
    if steps.ndim != 3 or steps.shape[1] != 2:
        raise ValueError(f"steps must have shape (n, 2, W), got {steps.shape}")
    counts = np.asarray(counts)
    if counts.dtype.kind not in "iu":
        raise TypeError(f"{name} must be integers, got dtype {counts.dtype}")
    if counts.shape != steps.shape[:1]:
        raise ValueError(f"{name} must have shape ({steps.shape[0]},), one per row of steps, got {counts.shape}")
    width = steps.shape[2] + (name == "lengths")
    if counts.size and (counts.min() < minimum or counts.max() > width):
        raise ValueError(f"{name} must lie in [{minimum}, {width}], got {counts.min()}..{counts.max()}")
    return steps, counts


def preprocess_increments(
    steps: np.ndarray,
    lengths: np.ndarray,
    noise: np.ndarray | float = 0.0,
    *,
    rng=None,
    std: np.ndarray | None = None,
    return_minmax: bool = False,
):
    """Preprocess a batch given as right-aligned increments (the fast path).

    Parameters
    ----------
    steps : ndarray of shape (n, 2, 999), float32 or float64
        Increments, right-aligned, zeros in front (summed in float64).
    lengths : ndarray of shape (n,), int
        Number of positions of each trajectory, in [2, 1000].
    noise : float or ndarray of shape (n,)
        Localisation-noise std of each trajectory, in units of the step std.
    rng : numpy.random.Generator, int or None
        Source of the noise (keyword-only).
    std : ndarray of shape (n, 2), optional
        The increments' standard deviations, if already known.
    return_minmax : bool
        Also return the MinMax scaling, to undo it later (rotations, noise).

    Returns
    -------
    X : ndarray of shape (n, 2, 1000), float32
        Values in [0, 1].
    minmax : ndarray of shape (n, 2, 2), float64
        Only with ``return_minmax``: ``[..., 0]`` the minimum and ``[..., 1]``
        the range of each coordinate in units of the step std, so that
        ``positions = X * minmax[..., 1:] + minmax[..., :1]``.

    Raises
    ------
    ValueError
        If a coordinate of a trajectory is flat (its increments have zero std),
        or if the increments are not finite.
    """
    steps, lengths = _check_steps(steps, lengths, "lengths", minimum=2)
    if steps.shape[2] != INPUT_LENGTH - 1:
        raise ValueError(f"steps must have shape (n, 2, {INPUT_LENGTH - 1}), got {steps.shape}")
    n = steps.shape[0]
    if std is None:
        if not np.all(np.isfinite(steps)):
            raise ValueError("steps must be finite, got NaN or infinite increments")
        std = increment_std(steps, lengths - 1)
    elif not (isinstance(std, np.ndarray) and std.shape == (n, 2) and np.all(np.isfinite(std))):
        raise ValueError(f"std must be a finite ndarray of shape ({n}, 2), got {getattr(std, 'shape', std)!r}")
    flat = np.flatnonzero((std == 0).any(axis=1))
    if flat.size:
        i = int(flat[0])
        axis = "xy"[int(np.argmax(std[i] == 0))]
        raise ValueError(
            f"trajectory {i}: the {axis} coordinate has increments with zero standard deviation "
            f"(it does not move, or moves by the same step every time), so it cannot be normalised; "
            f"remove it before calling preprocess ({flat.size} such trajectories in total)"
        )
    # Step 1 divides each coordinate by its step std; MinMax (step 4) undoes any such scale, so the
    # positions stay in raw units (one pass less) and the noise is scaled up by the std instead.
    # Rows go in chunks whose float64 positions stay in the processor's cache.
    levels = check_noise(noise)
    if levels.size not in (1, n):
        raise ValueError(f"noise must be one float or one value per trajectory ({n}), got {levels.size} values")
    sigma = np.broadcast_to(levels, (n,))
    noisy = bool(np.any(sigma > 0))
    if noisy:
        rng = check_rng(rng)
    X = np.empty((n, 2, INPUT_LENGTH), np.float32)
    minmax = np.empty((n, 2, 2))
    buffer = np.empty((min(n, _CHUNK), 2, INPUT_LENGTH))
    for start in range(0, n, _CHUNK):
        rows = slice(start, min(n, start + _CHUNK))
        positions = buffer[: rows.stop - start]
        positions[:, :, 0] = 0.0
        np.cumsum(steps[rows], axis=-1, dtype=np.float64, out=positions[:, :, 1:])
        if noisy:  # drawn chunk by chunk: the same numbers as one (n, 2, 1000) draw
            inside = np.arange(INPUT_LENGTH)[None, :] >= (INPUT_LENGTH - lengths[rows])[:, None]  # (m, 1000)
            draw = rng.standard_normal(positions.shape)
            draw *= (sigma[rows, None] * std[rows])[:, :, None] * inside[:, None, :]
            positions += draw
        minmax_scale(positions, out=X[rows], minmax=minmax[rows])
    if not return_minmax:
        return X
    minmax /= std[:, :, None]  # in units of the step std
    return X, minmax


def minmax_scale(
    positions: np.ndarray,
    return_minmax: bool = False,
    *,
    out: np.ndarray | None = None,
    minmax: np.ndarray | None = None,
):
    """Scale each coordinate of each trajectory to [0, 1] over all its points (step 4).

    Parameters
    ----------
    positions : ndarray of shape (n, 2, L), float64
        Overwritten.
    return_minmax : bool
        Also return ``minmax`` (n, 2, 2): minimum and range of each coordinate.
    out : ndarray of shape (n, 2, L), float32, optional
        Where to write ``X``.
    minmax : ndarray of shape (n, 2, 2), float64, optional
        Where to write the minimum and range (then also returned).

    Returns
    -------
    X : ndarray of shape (n, 2, L), float32
        A constant coordinate gives zeros.
    """
    if not isinstance(positions, np.ndarray) or positions.dtype.kind != "f":
        kind = f"dtype {positions.dtype}" if isinstance(positions, np.ndarray) else type(positions).__name__
        raise TypeError(f"positions must be a float ndarray of shape (n, 2, L) (it is overwritten), got {kind}")
    if positions.ndim != 3 or positions.shape[-1] == 0:
        raise ValueError(f"positions must have shape (n, channels, L) with L >= 1, got {positions.shape}")
    if out is None and minmax is None and not np.all(np.isfinite(positions)):
        raise ValueError("positions must be finite, got NaN or infinite values")
    low = positions.min(axis=-1, keepdims=True)
    span = positions.max(axis=-1, keepdims=True) - low
    positions -= low
    # A constant coordinate (possible after editing a trajectory, never from preprocess) scales to 0, not NaN.
    scale = np.divide(1.0, span, out=np.zeros_like(span), where=span > 0)
    X = np.multiply(
        positions, scale, out=np.empty(positions.shape, np.float32) if out is None else out, casting="same_kind"
    )
    if minmax is not None:
        minmax[..., :1], minmax[..., 1:] = low, span
        return X, minmax
    return (X, np.concatenate([low, span], axis=-1)) if return_minmax else X


def _as_positions(row, i: int) -> np.ndarray:
    """One trajectory as float64 positions; booleans, complex numbers and strings are refused."""
    try:
        x = np.asarray(row)
    except (TypeError, ValueError):  # ragged nested lists
        raise TypeError(f"trajectory {i}: expected an array of numbers, got {type(row).__name__}") from None
    if x.dtype.kind not in "iuf":
        raise TypeError(f"trajectory {i}: positions must be real numbers (int or float), got dtype {x.dtype}")
    return x.astype(np.float64, copy=False)


def _as_increments(trajectories) -> tuple[np.ndarray, np.ndarray]:
    """Check raw trajectories and convert them to right-aligned increments."""
    if (
        isinstance(trajectories, np.ndarray)
        or hasattr(trajectories, "__array__")
        and not isinstance(trajectories, (list, tuple))
    ):
        arr = np.asarray(trajectories)
        if arr.ndim != 3:
            hint = " (for one trajectory of shape (2, T) pass x[None])" if arr.ndim == 2 else ""
            raise ValueError(
                f"trajectories must be a list of (2, T) arrays or one (n, 2, T) array, "
                f"got an array of shape {arr.shape}{hint}"
            )
        rows = list(arr)
    elif isinstance(trajectories, (list, tuple)):
        rows = trajectories
    else:
        raise TypeError(
            f"trajectories must be a list of (2, T) arrays or an (n, 2, T) array, got {type(trajectories).__name__}"
        )
    if len(rows) == 0:
        raise ValueError("trajectories is empty: expected at least one trajectory")
    n = len(rows)
    steps = np.zeros((n, 2, INPUT_LENGTH - 1))
    lengths = np.empty(n, dtype=np.int64)
    for i, row in enumerate(rows):
        x = _as_positions(row, i)
        if x.ndim != 2 or x.shape[0] != 2:
            hint = "; transpose it (x.T)" if x.ndim == 2 and x.shape[1] == 2 else ""
            raise ValueError(f"trajectory {i}: expected shape (2, T) with x and y as rows, got {x.shape}{hint}")
        t = x.shape[1]
        if t < MIN_LENGTH or t > INPUT_LENGTH:
            way = "split it or keep its last 1000 points" if t > INPUT_LENGTH else "drop it"
            raise ValueError(f"trajectory {i}: length must be in [{MIN_LENGTH}, {INPUT_LENGTH}] points, got {t}; {way}")
        if not np.all(np.isfinite(x)):
            raise ValueError(f"trajectory {i}: contains NaN or infinite positions; remove or interpolate them")
        with np.errstate(over="ignore", invalid="ignore"):
            steps[i, :, INPUT_LENGTH - t :] = np.diff(x, axis=1)
        if not np.all(np.isfinite(steps[i])) or np.abs(steps[i]).max() > _MAX_STEP:
            raise ValueError(
                f"trajectory {i}: steps too large to normalise (above {_MAX_STEP:.0e}); rescale the positions"
            )
        lengths[i] = t
    return steps, lengths


def preprocess(trajectories, noise=0.0, *, rng=None) -> np.ndarray:
    """Turn raw 2-D trajectories into the network's input, as in the paper.

    Parameters
    ----------
    trajectories : list of ndarray of shape (2, T_i), or ndarray of shape (n, 2, T)
        Positions, x and y as rows, ``10 <= T_i <= 1000``.  Any units: the
        first step removes them.
    noise : float or array-like of shape (n,)
        Localisation-noise std added after normalisation, in units of the step
        std (``0`` for none); one value for all or one per trajectory.  (In
        :func:`resandi_lite.make_dataset` a list is instead a set of levels
        each trajectory draws from.)
    rng : numpy.random.Generator, int or None
        Source of the noise (keyword-only).

    Returns
    -------
    X : ndarray of shape (n, 2, 1000), float32
        Each coordinate MinMax-scaled to [0, 1]; a trajectory of T points fills
        the last T slots, the first ``1000 - T`` hold the scaled zero padding.

    Raises
    ------
    ValueError
        Naming the trajectory's index: wrong shape, length outside [10, 1000],
        NaN or inf, or a coordinate that does not fluctuate.

    Examples
    --------
    >>> import numpy as np
    >>> walk = np.random.default_rng(0).standard_normal((2, 300)).cumsum(axis=1)
    >>> X = preprocess([walk])
    >>> X.shape, X.dtype, float(X.min()), float(X.max())
    ((1, 2, 1000), dtype('float32'), 0.0, 1.0)
    """
    steps, lengths = _as_increments(trajectories)
    levels = check_noise(noise)
    if levels.size not in (1, lengths.size):
        raise ValueError(
            f"noise must be one float or one value per trajectory ({lengths.size}), got {levels.size} values"
        )
    return preprocess_increments(steps, lengths, levels if levels.size > 1 else float(levels[0]), rng=rng)
