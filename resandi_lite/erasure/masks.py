"""Which segments to erase and what to put in their place.

The segments a map's percentile bands select (:func:`band_masks`), the
segments of the observed trajectory and of the padding
(:func:`observed_segments`, :func:`padding_segments`), the random controls:
scattered (:func:`random_masks`) or contiguity-matched (:func:`matched_masks`,
with the runs of :func:`run_lengths`), and the fills that replace an erased
stretch (:func:`erase`, :data:`FILLS`).
"""

from __future__ import annotations

import numpy as np

from .._checks import (
    check_bool,
    check_int,
    check_lengths,
    check_maps,
    check_mask,
    check_network_input,
    check_rng,
)
from ..preprocess import minmax_scale


def segment_of_position(n_segments: int, length: int) -> np.ndarray:
    """Segment shown at each input position by nearest-neighbour upsampling: ``floor(t * S / L)``.

    Returns
    -------
    ndarray of shape (length,), int64
    """
    n_segments, length = check_int(n_segments, "n_segments", minimum=1), check_int(length, "length", minimum=1)
    return (np.arange(length) * n_segments) // length


#: What replaces an erased stretch (see :func:`erase`): the paper's zeros first.
FILLS = ("zero", "interpolate", "noisy", "resample", "cut")
#: Where bands and random controls are drawn: the whole input (the paper) or the observed trajectory only.
WITHIN = ("input", "observed")
#: The random controls of a band: as many scattered segments (the paper), or runs of the band's lengths.
CONTROLS = ("scattered", "matched")
#: Orders of an erasure curve: most relevant first, least relevant first, random.
ORDERS = ("morf", "lerf", "random")


def observed_segments(lengths, n_segments: int = 32, length: int = 1000) -> np.ndarray:
    """Segments lying entirely inside the observed part of left-padded trajectories.

    A trajectory of ``T`` points occupies the last ``T`` of ``length`` input
    positions; a segment counts as observed if all its positions do.

    Parameters
    ----------
    lengths : array-like of shape (n,), int
        Trajectory lengths ``T`` (1 .. ``length``).
    n_segments : int
        Segments of the map (32 at layer4).
    length : int
        Input length (1000).

    Returns
    -------
    ndarray of shape (n, n_segments), bool

    Examples
    --------
    >>> observed_segments([1000, 500, 31, 10]).sum(axis=1).tolist()
    [32, 16, 1, 0]
    """
    length = check_int(length, "length", minimum=1)
    n_segments = check_int(n_segments, "n_segments", minimum=1, maximum=length)
    lengths = check_lengths(lengths, "lengths", maximum=length)
    first = np.searchsorted(segment_of_position(n_segments, length), np.arange(n_segments))  # first position of each
    return first[None, :] >= (length - lengths)[:, None]


def padding_segments(lengths, n_segments: int = 32, length: int = 1000) -> np.ndarray:
    """Segments lying entirely in the padding in front of left-padded trajectories.

    The complement of :func:`observed_segments` minus the one segment, if
    any, that holds both padding and the trajectory's first points.

    Returns
    -------
    ndarray of shape (n, n_segments), bool

    Examples
    --------
    >>> padding_segments([1000, 500, 10]).sum(axis=1).tolist()
    [0, 16, 31]
    """
    observed = observed_segments(lengths, n_segments, length)  # checks the arguments
    lengths = check_lengths(lengths, "lengths", maximum=length)
    last = np.searchsorted(segment_of_position(n_segments, length), np.arange(n_segments), side="right") - 1
    padded = last[None, :] < (length - lengths)[:, None]
    return padded & ~observed


def band_masks(
    maps: np.ndarray, bands: int = 10, length: int = 1000, *, inclusive: bool = False, allowed: np.ndarray | None = None
) -> np.ndarray:
    """Which segments of each map lie inside each percentile band of that map.

    Parameters
    ----------
    maps : ndarray of shape (n, S)
        Grad-CAM maps at the layer's resolution.
    bands : int
        Number of equal percentile bands (10: 0-10, ..., 90-100).
    length : int
        Input length the maps are upsampled to; the percentiles are those of
        the upsampled map (each segment weighted by the steps it covers).
    inclusive : bool
        ``False`` (the paper): strictly inside, ``lo < value < hi``;
        ``True``: ``lo <= value <= hi``.
    allowed : ndarray of shape (n, S), bool, optional
        Only these segments count: the percentiles are those of the allowed
        part of each map, and no other segment is selected (e.g.
        :func:`observed_segments`).  Rows without allowed segments select none.

    Returns
    -------
    masks : ndarray of shape (bands, n, S), bool
    """
    maps = check_maps(maps, "maps")
    bands = check_int(bands, "bands", minimum=1)
    length = check_int(length, "length", minimum=maps.shape[1])
    check_bool(inclusive, "inclusive")
    allowed = None if allowed is None else check_mask(allowed, "allowed")
    seg = segment_of_position(maps.shape[1], length)
    up = maps[:, seg]
    q = np.linspace(0, 100, bands + 1)
    if allowed is None:
        edges = np.percentile(up, q, axis=1)  # (bands + 1, n)
    else:
        allowed = np.asarray(allowed, dtype=bool)
        if allowed.shape != maps.shape:
            raise ValueError(f"allowed must have the shape of maps {maps.shape}, got {allowed.shape}")
        edges = np.full((bands + 1, len(maps)), np.nan)
        rows = allowed.any(axis=1)
        edges[:, rows] = np.nanpercentile(np.where(allowed[:, seg], up, np.nan)[rows], q, axis=1)
    lo, hi = edges[:-1, :, None], edges[1:, :, None]
    v = maps[None]
    masks = (v >= lo) & (v <= hi) if inclusive else (v > lo) & (v < hi)
    return masks if allowed is None else masks & allowed[None]


def random_masks(counts: np.ndarray, n_segments: int, rng=None, *, allowed: np.ndarray | None = None) -> np.ndarray:
    """Random segment masks with given numbers of segments per row.

    Parameters
    ----------
    counts : ndarray of shape (..., n), int
    n_segments : int
    rng : numpy.random.Generator, int or None
    allowed : ndarray of shape (n, n_segments), bool, optional
        Draw only among these segments (uniformly); ``counts`` must not exceed
        the number of allowed segments of its row.

    Returns
    -------
    masks : ndarray of shape (..., n, n_segments), bool
    """
    rng = check_rng(rng)
    n_segments = check_int(n_segments, "n_segments", minimum=1)
    counts = np.asarray(counts) if np.size(counts) else np.asarray(counts, dtype=np.int64)
    if counts.dtype.kind not in "iu" or (counts.size and (counts.min() < 0 or counts.max() > n_segments)):
        raise (TypeError if counts.dtype.kind not in "iu" else ValueError)(
            f"counts must be integers in 0..n_segments={n_segments}, got dtype {counts.dtype}"
        )
    allowed = None if allowed is None else check_mask(allowed, "allowed")
    keys = rng.random(counts.shape + (n_segments,))
    if allowed is not None:
        allowed = np.asarray(allowed, dtype=bool)
        if allowed.shape != counts.shape[-1:] + (n_segments,):
            raise ValueError(f"allowed must have shape {counts.shape[-1:] + (n_segments,)}, got {allowed.shape}")
        if np.any(counts > allowed.sum(axis=1)):
            raise ValueError("counts must not exceed the number of allowed segments of each row")
        keys = np.where(allowed, keys, 2.0)  # disallowed segments rank last
    rank = keys.argsort(axis=-1).argsort(axis=-1)
    return rank < counts[..., None]


def run_lengths(masks) -> np.ndarray:
    """How many runs of adjacent selected segments of each length each mask has.

    Parameters
    ----------
    masks : ndarray of shape (..., S), bool

    Returns
    -------
    counts : ndarray of shape (..., S + 1), int64
        ``counts[..., k]`` is the number of maximal runs of ``k`` adjacent
        ``True`` segments (``counts[..., 0]`` is always 0).

    Examples
    --------
    >>> run_lengths(np.array([1, 1, 0, 1, 0, 0, 1, 1, 1, 0], bool)).tolist()
    [0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    """
    masks = np.asarray(masks, dtype=bool)
    if masks.ndim < 1:
        raise ValueError("masks must have shape (..., segments), got a scalar")
    flat = masks.reshape(-1, masks.shape[-1])
    rows, _, lengths = _runs(flat)
    counts = np.zeros((len(flat), masks.shape[-1] + 1), np.int64)
    np.add.at(counts, (rows, lengths), 1)
    return counts.reshape(masks.shape[:-1] + (masks.shape[-1] + 1,))


def _runs(flat: np.ndarray):
    """Row, first segment and length of every maximal run of True in a (N, S) mask, in row-major order."""
    edges = np.diff(np.pad(flat.astype(np.int8), ((0, 0), (1, 1))), axis=1)
    rows, starts = np.nonzero(edges == 1)
    _, ends = np.nonzero(edges == -1)
    return rows, starts, ends - starts


def _region(allowed: np.ndarray, name: str = "allowed") -> tuple[np.ndarray, np.ndarray]:
    """First index and size of the one run of allowed segments of each row (checked)."""
    rows, starts, lengths = _runs(allowed)
    if np.any(np.bincount(rows, minlength=len(allowed)) > 1):
        raise ValueError(
            f"{name} must be one run of adjacent segments per row (as observed_segments gives), got a row with a gap"
        )
    first, size = np.zeros(len(allowed), np.int64), np.zeros(len(allowed), np.int64)
    first[rows], size[rows] = starts, lengths
    return first, size


def matched_masks(masks, rng=None, *, allowed: np.ndarray | None = None) -> np.ndarray:
    """Random masks with the same runs of adjacent segments as ``masks``, placed at random (contiguity-matched).

    Each row gets exactly the run lengths of the corresponding row of
    ``masks`` (:func:`run_lengths` is equal row by row, hence also the number
    of segments), placed uniformly at random among all the ways to put them,
    in any order, inside the row's allowed segments without touching one
    another (touching runs would merge into a longer one).

    Parameters
    ----------
    masks : ndarray of shape (..., n, S), bool
        Band masks, e.g. from :func:`band_masks`.
    rng : numpy.random.Generator, int or None
    allowed : ndarray of shape (n, S), bool, optional
        Place runs only here; each row must be one run of adjacent segments
        (the observed part of a left-padded trajectory,
        :func:`observed_segments`) holding that row of ``masks``.  Default:
        all segments.

    Returns
    -------
    ndarray of shape (..., n, S), bool

    Examples
    --------
    >>> band = np.zeros((1, 32), bool)
    >>> band[0, [3, 4, 5, 20]] = True  # a run of 3 and a run of 1
    >>> m = matched_masks(band, rng=0)
    >>> run_lengths(m)[0, :4].tolist(), int(m.sum())
    ([0, 1, 0, 1], 4)
    """
    rng = np.random.default_rng(rng)
    masks = np.asarray(masks, dtype=bool)
    if masks.ndim < 2:
        raise ValueError(f"masks must have shape (..., n, segments), got {masks.shape}")
    shape, S = masks.shape, masks.shape[-1]
    flat = masks.reshape(-1, S)
    if allowed is None:
        allowed = np.ones(shape[-2:], bool)
    allowed = np.asarray(allowed, dtype=bool)
    if allowed.shape != shape[-2:]:
        raise ValueError(f"allowed must have shape {shape[-2:]} (n, segments), got {allowed.shape}")
    region = np.broadcast_to(allowed, shape).reshape(-1, S)
    first, size = _region(allowed)
    first, size = np.broadcast_to(first, shape[:-1]).ravel(), np.broadcast_to(size, shape[:-1]).ravel()
    if np.any(flat & ~region):
        raise ValueError("masks must lie inside the allowed segments (compute the bands with the same allowed)")
    rows, _, lengths = _runs(flat)
    k = np.bincount(rows, minlength=len(flat))
    free = size - np.bincount(rows, weights=lengths, minlength=len(flat)).astype(np.int64) - np.maximum(k - 1, 0)
    lengths = lengths[np.lexsort((rng.random(len(rows)), rows))]  # runs in random order within each row
    offset = np.concatenate([[0], np.cumsum(k)[:-1]])
    j = np.arange(len(rows)) - offset[rows]  # index of the run within its row
    # the k runs take k of the free + k places of a row (a run with the gap after it, or one free segment)
    keys = rng.random((len(flat), S + 1))
    keys[np.arange(S + 1)[None, :] >= (free + k)[:, None]] = np.inf
    chosen = np.argsort(keys, axis=1)[:, : max(int(k.max(initial=0)), 1)]
    chosen = np.sort(np.where(np.arange(chosen.shape[1])[None, :] < k[:, None], chosen, S + 1), axis=1)
    before = np.cumsum(lengths + 1) - (lengths + 1)  # segments taken by earlier runs and their gaps, all rows
    start = first[rows] + chosen[rows, j] - j + before - before[offset[rows]]
    delta = np.zeros((len(flat), S + 1), np.int64)
    np.add.at(delta, (rows, start), 1)
    np.add.at(delta, (rows, start + lengths), -1)
    return (np.cumsum(delta, axis=1)[:, :S] > 0).reshape(shape)


def erase(X: np.ndarray, segment_masks: np.ndarray, *, fill: str = "zero", lengths=None, rng=None) -> np.ndarray:
    """Erase the masked segments of the input (both coordinates).

    Parameters
    ----------
    X : ndarray of shape (n, 2, L), float32
        Network input (MinMax-scaled, left-padded).
    segment_masks : ndarray of shape (n, S), bool
    fill : str, one of :data:`FILLS`
        ``"zero"`` (the paper): set the erased positions to 0.
        ``"interpolate"``: the straight line between the nearest kept
        positions on either side (the nearest kept value at the ends; 0 if
        nothing is kept), as :func:`numpy.interp` would draw it.
        ``"noisy"``: ROAD's noisy linear imputation (Rong et al. 2022) made
        for a random walk: the straight line plus a Gaussian bridge (a random
        walk pinned to the kept neighbours) whose steps have the variance of
        the trajectory's own kept steps, per coordinate; at an end, a free
        random walk from the nearest kept position.  The steps of the filled
        stretch then have the trajectory's step variance.
        ``"resample"``: the same bridge built from the trajectory's own kept
        steps (both coordinates of a step together), drawn with replacement:
        it keeps their distribution (heavy tails, the ratio of x and y), not
        their order.
        ``"cut"``: erasing steps rather than positions: the steps into the
        erased positions are deleted and the trajectory is rebuilt from the
        remaining ones, in order, shorter, then left-padded and MinMax-scaled
        again as :func:`resandi_lite.preprocess` does (no rest, no line, no
        jump; it is the length that changes).
    lengths : array-like of shape (n,), int, optional
        Trajectory lengths (the observed part is the last ``T`` positions).
        The last three fills use it: noise is added, and steps are taken
        or deleted, only inside the observed trajectory.  Default: all
        positions observed (``T = L``).
    rng : numpy.random.Generator, int or None
        Source of the noise of ``"noisy"`` and ``"resample"``.

    Returns
    -------
    ndarray of shape (n, 2, L), float32 (a copy)

    Examples
    --------
    >>> X = np.arange(8, dtype=np.float32).reshape(1, 1, 8) ** 2
    >>> mask = np.array([[False, True, False, False]])  # segment 1 = positions 2, 3
    >>> erase(X, mask)[0, 0].tolist(), erase(X, mask, fill="interpolate")[0, 0].tolist()
    ([0.0, 1.0, 0.0, 0.0, 16.0, 25.0, 36.0, 49.0], [0.0, 1.0, 6.0, 11.0, 16.0, 25.0, 36.0, 49.0])
    """
    X = check_network_input(X, "X", channels=None).numpy()
    masks = check_mask(segment_masks, "segment_masks")
    if masks.ndim != 2 or masks.shape[0] != X.shape[0]:
        raise ValueError(f"segment_masks must have shape (n, segments) with n = {X.shape[0]}, got {masks.shape}")
    if fill not in FILLS:
        raise ValueError(f"fill must be one of {', '.join(map(repr, FILLS))}, got {fill!r}")
    n, L = X.shape[0], X.shape[-1]
    keep = ~masks[:, segment_of_position(masks.shape[1], L)]
    if fill == "zero":
        return X * keep[:, None, :]
    if fill == "interpolate":
        return _interpolate(X, keep)
    if lengths is None:
        lengths = np.full(n, L)
    lengths = np.asarray(lengths).reshape(-1)
    if lengths.shape != (n,) or np.any(lengths < 1) or np.any(lengths > L):
        raise ValueError(f"lengths must hold one trajectory length in 1..{L} per row of X ({n}), got {lengths!r:.80}")
    t = np.arange(L)
    moves = t[None, :] > (L - lengths)[:, None]  # positions reached by a step of the trajectory (not the first)
    steps = np.diff(X, axis=2, prepend=X[:, :, :1]).astype(np.float64)  # step into t
    if fill == "cut":
        return _cut(steps, moves & keep)
    rng = np.random.default_rng(rng)
    known = moves & keep & np.roll(keep, 1, axis=1)  # steps between two kept positions: the trajectory's own
    count = known.sum(axis=1)
    rows, cols = np.nonzero(moves & ~(keep & np.roll(keep, 1, axis=1)))  # steps a filled stretch takes
    if fill == "noisy":
        k = np.maximum(count, 1)[:, None]
        mean = np.einsum("ncl,nl->nc", steps, known) / k
        var = np.einsum("ncl,nl->nc", steps**2, known) / k - mean**2
        sd = np.sqrt(np.maximum(var * k / np.maximum(k - 1, 1), 0) * (count > 1)[:, None])  # unbiased
        values = rng.standard_normal((len(rows), X.shape[1])) * sd[rows]
    else:  # resample: the j-th known step of the row, j uniform
        filled = np.cumsum(known, axis=1) + (L + 1) * np.arange(n)[:, None]  # increasing over the whole array
        j = (rng.random(len(rows)) * np.maximum(count[rows], 1)).astype(np.int64)
        pick = np.searchsorted(filled.ravel(), j + 1 + (L + 1) * rows) - L * rows  # position of that step
        values = steps[rows, :, np.minimum(pick, L - 1)] * (count[rows] > 0)[:, None]
    return _interpolate(X, keep, (rows * L + cols, values))


def _interpolate(X: np.ndarray, keep: np.ndarray, noise=None) -> np.ndarray:
    """Linear interpolation over the positions where ``keep`` (n, L) is False, vectorised over rows.

    With ``noise = (index, steps)``, the steps (k, C) of a random walk at the
    flat positions ``index`` (sorted, ``row * L + t``; no step elsewhere):
    each erased stretch also gets the walk's displacement from its left kept
    neighbour minus the straight line to its displacement at the right one (a
    bridge), or the free walk from the one kept neighbour at an end.  Only
    erased positions are computed.
    """
    n, L = keep.shape
    out = np.array(X, copy=True)
    erased = np.flatnonzero(~keep)
    kept = np.flatnonzero(keep)
    if erased.size and kept.size:  # (nothing kept in any row: every row is zeroed below)
        rows, cols = np.divmod(erased, L)
        i = np.searchsorted(kept, erased)  # the first kept position after each erased one (any row)
        after = np.where(i < len(kept), kept[np.minimum(i, len(kept) - 1)], n * L)
        before = np.where(i > 0, kept[np.maximum(i - 1, 0)], -1)
        after = np.where(after // L == rows, after, -1)  # only within the same row
        before = np.where((before >= 0) & (before // L == rows), before, -1)
        left = np.where(before >= 0, before, after)
        right = np.where(after >= 0, after, left)
        nothing = left < 0  # the row keeps nothing: zeroed below
        left, right = np.where(nothing, erased, left), np.where(nothing, erased, right)
        span = right - left
        w = np.divide(erased - left, span, out=np.zeros(len(erased)), where=span > 0)[:, None]
        a, b = X[rows, :, left % L], X[rows, :, right % L]  # (k, C)
        value = a + w * (b - a)
        if noise is not None:
            index, steps = noise
            walk = np.vstack([np.zeros((1, steps.shape[1])), np.cumsum(steps, axis=0)])

            def at(q):  # the walk up to flat position q
                return walk[np.searchsorted(index, q, side="right")]

            at_left, at_right = at(left), at(right)
            value = value + (at(erased) - at_left) - w * (at_right - at_left)
        out[rows, :, cols] = value
    out[~keep.any(axis=1)] = 0
    return out


def _cut(steps: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """Rebuild each trajectory from its kept steps (n, C, L) only, right-aligned, start 0, then MinMax-scale."""
    order = np.argsort(kept, axis=1, kind="stable")  # deleted and padding first, kept steps last, in order
    packed = np.take_along_axis(steps * kept[:, None, :], order[:, None, :], axis=2)
    return minmax_scale(np.cumsum(packed, axis=2))
