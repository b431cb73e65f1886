"""The erasure experiment: delete the parts Grad-CAM ranks highest and watch the accuracy fall.

The upsampled layer4 map is constant on 32 segments of about 31 steps.  For
every trajectory and every percentile band of its own map (0-10, 10-20, ...,
90-100), the segments whose value lies strictly inside the band are set to 0
in both coordinates of the network's input, and the network classifies what
is left.  The baseline erases the same number of segments chosen at random.
If Grad-CAM points at what the network uses, erasing the top band hurts most.

An erasure measures two things at once: what is removed, and what is put in
its place.  The library keeps the paper's definition as its default and adds
the controls that separate the two (all off by default):

- ``within="observed"`` computes the percentile bands, and draws the random
  controls, among the segments that lie entirely inside the observed
  trajectory, so that none can pick the zero padding in front of a short one.
- ``matched=True`` adds a *contiguity-matched* random control
  (:func:`matched_masks`): random runs of adjacent segments with exactly the
  run lengths of the band's own mask, per trajectory.  The layer4 map is
  smooth, so a band's segments are adjacent while the paper's random segments
  are scattered; a long gap is a different perturbation from many short ones,
  and only the matched control compares the band with random erasure of the
  *same shape*.
- ``fill`` (:data:`FILLS`) chooses what replaces an erased stretch: ``"zero"``
  (the paper: a rest between two jumps, which looks like a CTRW or ATTM
  trajectory), ``"interpolate"`` (a straight run of equal steps, which looks
  ballistic, like a Lévy flight), ``"noisy"`` (ROAD's noisy linear imputation,
  Rong et al. 2022, made for random walks: the straight line plus a Gaussian
  bridge with the trajectory's own step variance), ``"resample"`` (the same
  with the trajectory's own steps drawn at random) and ``"cut"`` (the erased
  steps are deleted and the trajectory closes up, shorter).  The last three
  keep the local statistics of the steps, so that a fall of the accuracy
  measures the removed information rather than an artefact of the fill.

Remove-and-retrain (ROAR, Hooker et al. 2019) removes the other confound, that
an erased input is out of the training distribution whatever the fill, by
retraining on erased data; it is not implemented here.

Most-relevant-first and least-relevant-first curves (:func:`erasure_curve`)
erase a growing fraction of the segments in the map's order, and
:func:`erasure_verdicts` measures every claim of the paper about erasure with
paired bootstrap intervals (:mod:`resandi_lite.verdict`).
"""

from __future__ import annotations

import numpy as np
import torch

from .._checks import (
    check_bool,
    check_int,
    check_labels,
    check_lengths,
    check_maps,
    check_mask,
    check_network_input,
    check_rng,
)
from ..attribution import attribute
from ..evaluate import predict_logits as predict
from ..gradcam import grad_cam
from ..paper import ERASURE as PAPER_ERASURE
from ..paper import ERASURE_RANDOM_MEAN as PAPER_RANDOM_MEAN
from ..paper import ERASURE_RANDOM_RANGE as PAPER_RANDOM_RANGE  # noqa: F401  (re-exported for the chapters)
from ..preprocess import minmax_scale
from ..simulate.classes import CLASSES
from ..verdict import family_level, paired_bootstrap, verdict_row


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


def erasure_experiment(
    model,
    X,
    y,
    *,
    maps=None,
    layer: str = "layer4",
    bands: int = 10,
    rng=None,
    inclusive: bool = False,
    fill: str = "zero",
    within: str = "input",
    lengths=None,
    which=None,
    batch_size: int = 512,
    attribution=None,
    matched: bool = False,
    clean_predictions=None,
) -> dict:
    """Accuracy after erasing each percentile band of an attribution map (Grad-CAM), and after erasing at random.

    Parameters
    ----------
    model : torch.nn.Module
    X : ndarray of shape (n, 2, 1000), float32
    y : ndarray of shape (n,), int
        True labels; the maps explain the true class, as in the paper.
    maps : ndarray of shape (n, S), optional
        Precomputed maps at the layer's resolution (default: computed here).
    layer : str
        Stage of the default Grad-CAM (ignored when ``attribution`` is given).
    bands : int
    rng : numpy.random.Generator, int or None
        Source of the random controls (and of the noise of the fills that
        draw some).
    inclusive : bool
        See :func:`band_masks`.
    fill : str, one of :data:`FILLS`
        ``"zero"`` as in the paper; see :func:`erase`.
    within : "input" or "observed"
        ``"input"`` (the paper): bands and random controls over all segments;
        ``"observed"``: over the segments entirely inside the observed
        trajectory only (needs ``lengths``; see :func:`observed_segments`).
    lengths : ndarray of shape (n,), int, optional
        Trajectory lengths, for ``within="observed"`` and for the fills
        ``"noisy"``, ``"resample"`` and ``"cut"`` (default for those: all
        positions observed, right for trajectories of ``L`` points).
    which : sequence of int, optional
        Run only these bands (indices 0 .. bands-1, e.g. ``[-1]`` for the top
        band, which costs two passes over the set instead of twenty); the
        per-band results then have one entry per selected band, in this order.
    batch_size : int
    attribution : str, callable or None
        The method that makes the maps when ``maps`` is not given: a name of
        :data:`resandi_lite.attribution.METHODS` or any callable
        ``(model, X, target) -> (n, S)`` (:mod:`resandi_lite.attribution`);
        its ``S`` positions are the segments erased.  ``None`` (default):
        signed Grad-CAM at ``layer``, as in the paper.
    matched : bool
        Also run the contiguity-matched control (:func:`matched_masks`):
        random runs with the band's run lengths, one more pass per band.  The
        scattered control is drawn first, so it is the same with or without.
    clean_predictions : ndarray of shape (n,), int, optional
        The network's predictions on ``X`` if already known (saves a pass).

    Returns
    -------
    dict
        ``bands`` list of (lo, hi) percent (the selected bands), ``accuracy`` (bands,) after
        erasing each band, ``random_accuracy`` (bands,) after erasing as many
        scattered random segments, ``segments_erased`` (bands,) mean number
        of segments erased, ``clean_accuracy`` float; per trajectory
        ``predictions`` and ``random_predictions`` (bands, n) int64 and
        ``clean_predictions`` (n,), for paired comparisons and splits by
        class or length; with ``matched=True`` also ``matched_accuracy`` and
        ``matched_predictions``; ``fill`` and ``within`` as given.
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    X = check_network_input(X, "X", channels=getattr(model, "in_channels", None)).numpy().astype(np.float32)
    y = check_labels(y, "y", n=len(X), n_classes=predict(model, X[:1]).shape[1] if len(X) else None)
    bands, batch_size = check_int(bands, "bands", minimum=1), check_int(batch_size, "batch_size", minimum=1)
    rng = check_rng(rng)
    check_bool(inclusive, "inclusive")
    maps = None if maps is None else check_maps(maps, "maps", n=len(X))
    lengths = None if lengths is None else check_lengths(lengths, "lengths", maximum=X.shape[-1], n=len(X))
    if fill not in FILLS:
        raise ValueError(f"fill must be one of {', '.join(map(repr, FILLS))}, got {fill!r}")
    if within not in WITHIN:
        raise ValueError(f"within must be one of {', '.join(map(repr, WITHIN))}, got {within!r}")
    if not isinstance(matched, (bool, np.bool_)):
        raise TypeError(f"matched must be True or False, got {matched!r}")
    maps = _maps(model, X, y, maps, layer, attribution, batch_size)
    allowed = _allowed(within, lengths, maps.shape[1], X)
    selected = np.arange(bands)
    if which is not None:
        if isinstance(which, (str, bytes)) or not all(isinstance(b, (int, np.integer)) for b in np.ravel(which)):
            raise TypeError(f"which must be a sequence of band indices (int), got {which!r:.60}")
        selected = np.ravel(np.asarray(which, dtype=np.int64))
        if selected.size == 0 or np.any(selected < -bands) or np.any(selected >= bands):
            raise ValueError(f"which must hold band indices in {-bands}..{bands - 1}, got {selected.tolist()}")
        selected = selected % bands
    masks = band_masks(maps, bands, X.shape[-1], inclusive=inclusive, allowed=allowed)[selected]
    counts = masks.sum(axis=2)  # (bands, n)
    random = random_masks(counts, maps.shape[1], rng, allowed=allowed)
    classify = _classifier(model, X, fill, lengths, rng, batch_size)
    predictions = np.stack([classify(m) for m in masks])
    random_predictions = np.stack([classify(m) for m in random])
    clean = _clean(model, X, clean_predictions, batch_size)
    edges = np.linspace(0, 100, bands + 1)
    out = {
        "bands": [(float(edges[b]), float(edges[b + 1])) for b in selected],
        "accuracy": (predictions == y).mean(axis=1),
        "random_accuracy": (random_predictions == y).mean(axis=1),
        "segments_erased": counts.mean(axis=1),
        "clean_accuracy": float(np.mean(clean == y)),
        "predictions": predictions,
        "random_predictions": random_predictions,
        "clean_predictions": clean,
        "fill": fill,
        "within": within,
    }
    if matched:
        runs = matched_masks(masks, rng, allowed=allowed)
        out["matched_predictions"] = np.stack([classify(m) for m in runs])
        out["matched_accuracy"] = (out["matched_predictions"] == y).mean(axis=1)
    return out


def _maps(model, X, y, maps, layer, attribution, batch_size) -> np.ndarray:
    if maps is None and attribution is not None:
        maps = attribute(model, X, y.astype(np.int64), attribution)
    elif maps is None:
        maps = grad_cam(
            model,
            torch.from_numpy(X),
            torch.from_numpy(y.astype(np.int64)),
            layer=layer,
            upsample=None,
            batch_size=batch_size,
        ).numpy()
    maps = np.asarray(maps)
    if maps.ndim != 2 or maps.shape[0] != X.shape[0]:
        raise ValueError(f"maps must have shape (n, segments) with n = {X.shape[0]}, got {maps.shape}")
    return maps


def _allowed(within, lengths, n_segments, X):
    if within not in WITHIN:
        raise ValueError(f"within must be one of {', '.join(map(repr, WITHIN))}, got {within!r}")
    if within == "input":
        return None
    if lengths is None:
        raise ValueError("within='observed' needs the trajectory lengths: pass lengths=dataset.lengths")
    allowed = observed_segments(np.asarray(lengths).reshape(-1), n_segments, X.shape[-1])
    if len(allowed) != len(X):
        raise ValueError(f"lengths must have one entry per trajectory ({len(X)}), got {len(allowed)}")
    return allowed


def _classifier(model, X, fill, lengths, rng, batch_size):
    def classify(mask):
        erased = erase(X, mask, fill=fill, lengths=lengths, rng=rng)
        return predict(model, erased, batch_size=batch_size).argmax(1)

    return classify


def _clean(model, X, clean_predictions, batch_size) -> np.ndarray:
    if clean_predictions is None:
        return predict(model, X, batch_size=batch_size).argmax(1)
    clean = np.asarray(clean_predictions)
    if clean.shape != (len(X),):
        raise ValueError(f"clean_predictions must have shape ({len(X)},), got {clean.shape}")
    return clean


def erasure_curve(
    model,
    X,
    y,
    *,
    maps=None,
    fractions=(0.1, 0.25, 0.5),
    orders=ORDERS,
    fill: str = "zero",
    within: str = "input",
    lengths=None,
    rng=None,
    layer: str = "layer4",
    batch_size: int = 512,
    clean_predictions=None,
) -> dict:
    """Accuracy against the fraction of segments erased, most relevant first (MoRF) or least relevant first (LeRF).

    For each fraction ``f`` and each trajectory with ``m`` segments to choose
    from (all, or the observed ones), the ``round(f * m)`` segments first in
    the order are erased: largest map value first (``"morf"``), smallest first
    (``"lerf"``), or a random order (``"random"``, the same count scattered).
    If the map ranks what the network uses, the MoRF curve falls faster than
    the LeRF one; their difference at the same fraction is paired, on the
    same trajectories and the same number of segments.

    Parameters
    ----------
    model, X, y, maps, layer, batch_size, clean_predictions
        As in :func:`erasure_experiment`.
    fractions : sequence of float in (0, 1]
    orders : sequence of str, from :data:`ORDERS`
    fill, within, lengths, rng
        As in :func:`erasure_experiment`.

    Returns
    -------
    dict
        ``fractions`` list, ``orders`` list, ``predictions`` {order: ndarray of
        shape (F, n), int64}, ``accuracy`` {order: ndarray of shape (F,)},
        ``segments_erased`` ndarray of shape (F,) (mean per trajectory),
        ``clean_predictions`` (n,), ``clean_accuracy`` float, ``fill``, ``within``.
    """
    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y)
    if X.ndim != 3 or y.shape != (X.shape[0],):
        raise ValueError(f"X must be (n, 2, L) and y (n,), got {X.shape} and {y.shape}")
    if fill not in FILLS:
        raise ValueError(f"fill must be one of {', '.join(map(repr, FILLS))}, got {fill!r}")
    try:
        fractions = [float(f) for f in fractions]
    except (TypeError, ValueError):
        raise TypeError(f"fractions must be a sequence of numbers in (0, 1], got {fractions!r:.60}") from None
    if not fractions or not all(0 < f <= 1 for f in fractions):
        raise ValueError(f"fractions must be a non-empty sequence of numbers in (0, 1], got {fractions}")
    orders = [orders] if isinstance(orders, str) else list(orders)
    if not orders or any(o not in ORDERS for o in orders):
        raise ValueError(f"orders must be a non-empty sequence of {', '.join(map(repr, ORDERS))}, got {orders}")
    maps = _maps(model, X, y, maps, layer, None, batch_size)
    allowed = _allowed(within, lengths, maps.shape[1], X)
    if allowed is None:
        allowed = np.ones(maps.shape, bool)
    rng = np.random.default_rng(rng)
    classify = _classifier(model, X, fill, lengths, rng, batch_size)
    size = allowed.sum(axis=1)
    counts = np.stack([np.rint(f * size) for f in fractions]).astype(np.int64)  # (F, n)
    predictions = {}
    for order in orders:
        key = {"morf": -maps, "lerf": maps}.get(order)
        key = rng.random(maps.shape) if key is None else np.asarray(key, dtype=np.float64)
        rank = np.where(allowed, key, np.inf).argsort(axis=1, kind="stable").argsort(axis=1)
        predictions[order] = np.stack([classify(rank < c[:, None]) for c in counts])
    clean = _clean(model, X, clean_predictions, batch_size)
    return {
        "fractions": fractions,
        "orders": orders,
        "predictions": predictions,
        "accuracy": {o: (p == y).mean(axis=1) for o, p in predictions.items()},
        "segments_erased": counts.mean(axis=1),
        "clean_predictions": clean,
        "clean_accuracy": float(np.mean(clean == y)),
        "fill": fill,
        "within": within,
    }


def compare_with_random(
    result: dict, y, *, control: str = "scattered", level: float | None = None, n_boot: int = 2000, rng=0
) -> dict:
    """Each band against its own random control, paired over the trajectories, with family-wise intervals.

    Band and control erase the same number of segments of the same
    trajectories, so their difference is measured on pairs: for trajectory
    ``i``, ``d_i = [control correct] - [band correct]`` in {-1, 0, 1}.  The
    mean of ``d`` is the accuracy the band costs beyond random erasure, and its
    standard error ``std(d) / sqrt(n)`` is much smaller than that of either
    accuracy alone, because most trajectories fare the same under both (a
    McNemar-type comparison).  The interval is a paired bootstrap over the
    trajectories (:func:`resandi_lite.verdict.paired_bootstrap`); the bands of
    one run are read together, so by the course's rule each interval is at
    the Bonferroni level :func:`resandi_lite.verdict.family_level` of their
    number (99.5% for ten bands).

    Parameters
    ----------
    result : dict
        The output of :func:`erasure_experiment`.
    y : ndarray of shape (n,), int
        The true labels it was run with.
    control : "scattered" or "matched"
        The paper's scattered random segments, or the contiguity-matched runs
        (needs ``matched=True`` in the experiment).
    level : float in (0, 1), optional
        Level of each interval; default ``family_level(bands)``.
    n_boot : int
        Bootstrap resamples.
    rng : numpy.random.Generator, int or None
        Source of the resamples.

    Returns
    -------
    dict of ndarray of shape (bands,), float64, in percentage points
        ``difference`` (control accuracy minus band accuracy: positive when
        the band hurts more than random), ``stderr``, ``z``
        (``difference / stderr``; 0 where both are 0), ``low`` and ``high``
        (the interval), and the accuracies ``band`` and ``random`` (of the
        control); plus ``n`` (int), the number of trajectories, ``level``
        (float) and ``control``.

    Examples
    --------
    >>> result = {"predictions": np.array([[0, 0, 1, 1]]), "random_predictions": np.array([[0, 1, 1, 1]])}
    >>> c = compare_with_random(result, np.array([0, 1, 0, 1]))
    >>> c["band"].tolist(), c["random"].tolist(), c["difference"].tolist(), c["level"]
    ([50.0], [75.0], [25.0], 0.95)
    """
    if control not in CONTROLS:
        raise ValueError(f"control must be one of {', '.join(map(repr, CONTROLS))}, got {control!r}")
    key = "random_predictions" if control == "scattered" else "matched_predictions"
    try:
        band = np.asarray(result["predictions"])
        random = result[key] if control == "scattered" or key in result else None
    except (KeyError, TypeError) as error:
        raise TypeError("result must be the dict returned by erasure_experiment") from error
    if random is None:
        raise ValueError("control='matched' needs a result of erasure_experiment(..., matched=True)")
    random = np.asarray(random)
    if band.ndim == 2:
        y = check_labels(y, "y", n=band.shape[1])
    y = np.asarray(y)
    if band.ndim != 2 or random.shape != band.shape or y.shape != band.shape[1:]:
        raise ValueError(f"y must have one label per trajectory of the result ({band.shape[-1]}), got shape {y.shape}")
    level = family_level(len(band)) if level is None else level
    d = (random == y).astype(np.float64) - (band == y)
    n = y.size
    difference = 100 * d.mean(axis=1)
    stderr = 100 * d.std(axis=1, ddof=1) / np.sqrt(n) if n > 1 else np.full(len(d), np.nan)
    z = np.divide(difference, stderr, out=np.zeros_like(difference), where=stderr > 0)
    rng = np.random.default_rng(rng)
    low, high = np.full(len(d), np.nan), np.full(len(d), np.nan)
    for b in range(len(d) if n > 1 else 0):
        boot = paired_bootstrap(100 * d[b], level=level, n_boot=n_boot, rng=rng)
        low[b], high[b] = boot["low"], boot["high"]
    return {
        "difference": difference,
        "stderr": stderr,
        "z": z,
        "low": low,
        "high": high,
        "band": 100 * (band == y).mean(axis=1),
        "random": 100 * (random == y).mean(axis=1),
        "n": n,
        "level": float(level),
        "control": control,
    }


# --- the paper's claims about erasure, measured with paired intervals ------------------------------------------

#: Trajectories per class of the powered measurement (:func:`erasure_verdicts`, both networks), chosen to
#: take about half an hour of one CPU core with the default options (see the function's docstring).
POWERED_N_PER_CLASS = 700

#: The paper's claims, as differences in accuracy points (positive: the paper's direction): erasing the
#: top band costs more than random erasure (its mean random baseline minus its top band), the bottom band
#: costs less (negative), the curve falls from the bottom band to the top one, and (implied by that fall,
#: the paper has no such curve) erasing the most relevant tenth costs more than erasing the least relevant.
PAPER_CLAIMS = {
    "top": round(float(PAPER_RANDOM_MEAN - PAPER_ERASURE[-1]), 2),
    "bottom": round(float(PAPER_RANDOM_MEAN - PAPER_ERASURE[0]), 2),
    "direction": round(float(PAPER_ERASURE[0] - PAPER_ERASURE[-1]), 2),
    "lerf-morf": round(float(PAPER_ERASURE[0] - PAPER_ERASURE[-1]), 2),
}

_CLAIM_TEXT = {
    "top": "erasing the top band (90-100) costs more than erasing as many random segments ({control})",
    "bottom": "erasing the bottom band (0-10) costs less than erasing as many random segments ({control})",
    "direction": "accuracy after erasing the bottom band minus after erasing the top band",
    "lerf-morf": "least-relevant-first minus most-relevant-first accuracy, {fraction:.0%} of the segments erased",
    "band": "band {lo:.0f}-{hi:.0f}: random ({control}) minus band accuracy",
}

_DEFAULTS = {
    "fills": FILLS,
    "bands": "ends",
    "bands_1000": "all",
    "fractions": (0.1, 0.25, 0.5),
    "orders": ORDERS,
    "network_1000": "lite-T1000",
    "n_per_class_1000": None,
    "fills_1000": ("zero", "interpolate", "noisy", "resample"),
    "n_boot": 2000,
    "level": 0.95,
    "batch_size": 512,
}


def erasure_verdicts(n_per_class: int, *, seed: int = 0, network=None, progress: bool = False, **options) -> dict:
    """Every claim of the paper about erasure, measured on fresh test sets with paired intervals and a verdict.

    On a varying-length test set (``network``, default the shipped ``lite``):

    - the paper's definition (zeros, bands and the scattered control over the
      whole input);
    - for each fill, bands and both random controls (scattered and
      contiguity-matched) inside the observed trajectory only, and the
      most-relevant-first and least-relevant-first curves;

    and on a test set of trajectories of 1000 points for ``network_1000``
    (default the shipped ``lite-T1000``), each of ``fills_1000`` with both
    controls (no padding there, so the whole input is observed).

    Each claim is one paired difference of accuracies (points) on the same
    trajectories, with a paired bootstrap interval over trajectories
    (:func:`resandi_lite.verdict.paired_bootstrap`) and a verdict
    (:func:`resandi_lite.verdict.verdict_row`): the paper's headline claims
    (``claim_id`` ``top``, ``bottom``, ``direction``, ``lerf-morf``; sizes in
    :data:`PAPER_CLAIMS`), one family per network, and the ten bands of each
    setting (``claim_id`` ``band``; the paper's size: its mean random baseline
    minus its band), one family of ten per setting and control.  The course's
    rule for families: every interval is a Bonferroni interval at
    ``family_level(m, level)`` for its family of ``m`` rows (``family``,
    ``m`` and ``level`` are in each row).

    Run time, with the default options (five fills on the varying-length
    set, four with all ten bands on T = 1000, three fractions): about 0.30 s
    of one CPU core per test trajectory of each network, plus a few seconds
    (measured as process time at 20 and 60 per class: 53 s and 150 s), so
    :data:`POWERED_N_PER_CLASS` = 700 takes about 28 minutes of one core.
    Set ``torch.set_num_threads(1)`` to keep it to one core.

    Parameters
    ----------
    n_per_class : int
        Test trajectories per class (8 classes) of the varying-length set.
    seed : int
        Seeds the test sets (``9000 + seed`` and ``9500 + seed``) and the
        random controls and fills.
    network : str, path or torch.nn.Module, optional
        The varying-length network (default ``"lite"``).
    progress : bool
        Show a progress bar over the steps.
    **options
        ``fills`` (default all of :data:`FILLS`), ``bands`` (``"all"`` or
        ``"ends"``: only 0-10 and 90-100, a fifth of the cost), ``fractions``
        of the curves ``(0.1, 0.25, 0.5)``, ``orders`` (:data:`ORDERS`),
        ``network_1000`` (``"lite-T1000"``; ``None`` skips T = 1000),
        ``n_per_class_1000`` (default ``n_per_class``), ``fills_1000`` (all
        but ``"cut"``, whose shorter trajectory a T = 1000 network never saw),
        ``n_boot`` (2000), ``level`` (0.95, family-wise), ``batch_size`` (512).

    Returns
    -------
    dict (JSON-ready)
        ``rows`` (list of :func:`resandi_lite.verdict.verdict_row` dicts with
        ``claim_id``, ``network``, ``fill``, ``within``, ``control``,
        ``family``, ``m``, ``level``, ``unit``), ``sizes``, ``seconds``,
        ``settings`` (per setting: accuracies per band, ``accuracy``, and per
        control, ``scattered_accuracy``, ``matched_accuracy``, as fractions;
        segments erased), ``curves`` (per fill: accuracy per order and
        fraction, and the paired LeRF - MoRF difference in points with
        intervals, and ``confusion``: true class x predicted class counts
        after erasing the largest fraction, per order), ``confusion`` (per
        setting: counts after erasing the top band and its controls),
        ``clean_accuracy``, ``families`` ({name: m}), ``options``.
    """
    import time

    from tqdm.auto import tqdm

    from .._checks import check_int
    from ..data import make_dataset
    from ..pretrained import load_model

    started, cpu = time.perf_counter(), time.process_time()
    n_per_class = check_int(n_per_class, "n_per_class", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    opt, fills, fills_1000, which, n_1000 = _verdict_options(n_per_class, options)
    n_boot, level, batch = opt["n_boot"], opt["level"], opt["batch_size"]
    streams = iter(np.random.SeedSequence(seed).spawn(64))
    networks = [("lite" if network is None else network, "varying", n_per_class, 9000 + seed)]
    if opt["network_1000"] is not None:
        networks.append((opt["network_1000"], 1000, n_1000, 9500 + seed))
    steps = sum(1 + (1 + len(fills) if length == "varying" else len(fills_1000)) for _, length, _, _ in networks)
    bar = tqdm(total=steps, desc="erasure verdicts", disable=not progress)

    measured = []  # (network label, setting dict, experiment result, y)
    curves, clean_accuracy, names = {}, {}, {}
    for net, length, n, data_seed in networks:
        model = net if isinstance(net, torch.nn.Module) else load_model(net)
        label = "varying" if length == "varying" else "T1000"
        names[label] = net if isinstance(net, str) else type(net).__name__
        test = make_dataset(n, length=length, seed=data_seed)
        X, y = test.X, test.y
        maps = grad_cam(
            model, torch.from_numpy(X), torch.from_numpy(y.astype(np.int64)), upsample=None, batch_size=batch
        ).numpy()
        clean = predict(model, X, batch_size=batch).argmax(1)
        clean_accuracy[label] = float(np.mean(clean == y))
        bar.update()
        common = {"maps": maps, "batch_size": batch, "clean_predictions": clean, "lengths": test.lengths}
        if length == "varying":  # the paper's definition: all bands
            settings = [("zero", "input", False, None)] + [(f, "observed", True, which["bands"]) for f in fills]
        else:
            settings = [(f, "input", True, which["bands_1000"]) for f in fills_1000]
        for fill, within, matched, bands in settings:
            result = erasure_experiment(
                model,
                X,
                y,
                fill=fill,
                within=within,
                matched=matched,
                which=bands,
                rng=np.random.default_rng(next(streams)),
                **common,
            )
            measured.append((label, {"fill": fill, "within": within}, result, y))
            bar.update()
            if length == "varying" and within == "observed":
                curve = erasure_curve(
                    model,
                    X,
                    y,
                    maps=maps,
                    fractions=opt["fractions"],
                    orders=opt["orders"],
                    fill=fill,
                    within=within,
                    lengths=test.lengths,
                    batch_size=batch,
                    rng=np.random.default_rng(next(streams)),
                    clean_predictions=clean,
                )
                curves[fill] = (curve, y)
    bar.close()
    rows, families, details = _verdict_rows(
        measured, curves, n_boot=n_boot, level=level, rng=np.random.default_rng(next(streams)), names=names
    )
    return {
        "rows": rows,
        "families": families,
        **details,
        "clean_accuracy": clean_accuracy,
        "sizes": {
            "n_per_class": n_per_class,
            "n": 8 * n_per_class,
            "n_per_class_1000": n_1000 if len(networks) > 1 else 0,
            "n_1000": 8 * n_1000 if len(networks) > 1 else 0,
            "n_boot": n_boot,
        },
        "networks": names,
        "seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(time.process_time() - cpu, 1),
        "options": {k: (list(v) if isinstance(v, tuple) else v) for k, v in opt.items()} | {"seed": seed},
    }


def _verdict_options(n_per_class: int, options: dict) -> tuple:
    """The checked options of :func:`erasure_verdicts`: ``(opt, fills, fills_1000, which, n_per_class_1000)``."""
    from .._checks import check_int

    unknown = sorted(set(options) - set(_DEFAULTS))
    if unknown:
        raise TypeError(f"erasure_verdicts got unknown options {unknown}; known: {sorted(_DEFAULTS)}")
    opt = {**_DEFAULTS, **options}
    fills, fills_1000 = tuple(opt["fills"]), tuple(opt["fills_1000"])
    for name, chosen in (("fills", fills), ("fills_1000", fills_1000)):
        if any(f not in FILLS for f in chosen):
            raise ValueError(f"{name} must hold fills from {FILLS}, got {chosen}")
    for name in ("bands", "bands_1000"):
        if opt[name] not in ("all", "ends"):
            raise ValueError(f"{name} must be 'all' or 'ends', got {opt[name]!r}")
    which = {key: None if opt[key] == "all" else [0, 9] for key in ("bands", "bands_1000")}
    n_1000 = check_int(opt["n_per_class_1000"] or n_per_class, "n_per_class_1000", minimum=1)
    return opt, fills, fills_1000, which, n_1000


def _confusion(y, predicted) -> list:
    k = len(CLASSES)
    return np.bincount(k * np.asarray(y) + np.asarray(predicted), minlength=k * k).reshape(k, k).tolist()


def _curve_details(curves, pending: list, *, n_boot, level, rng) -> dict:
    """MoRF/LeRF curves per fill, with paired LeRF - MoRF intervals; appends the lerf-morf claim to ``pending``."""
    curve_details = {}
    for fill, (curve, y) in curves.items():
        ok = {o: p == y for o, p in curve["predictions"].items()}
        detail = {
            "fractions": curve["fractions"],
            "segments_erased": np.asarray(curve["segments_erased"]).tolist(),
            "accuracy": {o: a.tolist() for o, a in curve["accuracy"].items()},
            "clean_accuracy": curve["clean_accuracy"],
            "within": curve["within"],
        }
        if "morf" in ok and "lerf" in ok:
            pending.append(
                (
                    "varying",
                    "lerf-morf",
                    ok["lerf"][0],
                    ok["morf"][0],
                    PAPER_CLAIMS["lerf-morf"],
                    {
                        "network": "varying",
                        "fill": fill,
                        "within": curve["within"],
                        "control": None,
                        "fraction": curve["fractions"][0],
                    },
                )
            )
            f_level = family_level(len(curve["fractions"]), level)
            boots = [
                paired_bootstrap(100.0 * ok["lerf"][i], 100.0 * ok["morf"][i], level=f_level, n_boot=n_boot, rng=rng)
                for i in range(len(curve["fractions"]))
            ]
            detail["lerf_minus_morf"] = {
                "estimate": [b["estimate"] for b in boots],
                "low": [b["low"] for b in boots],
                "high": [b["high"] for b in boots],
                "level": f_level,
            }
        detail["confusion"] = {o: _confusion(y, p[-1]) for o, p in curve["predictions"].items()}  # largest fraction
        curve_details[fill] = detail
    return curve_details


def _rows(pending: list, families: dict, names: dict, *, n_boot, level, rng) -> list:
    """One verdict row per pending claim, its interval at its family's Bonferroni level."""
    rows = []
    for family, claim_id, a, b, paper, extra in pending:
        m = families[family]
        f_level = family_level(m, level)
        boot = paired_bootstrap(100.0 * a, 100.0 * b, level=f_level, n_boot=n_boot, rng=rng)
        text = _CLAIM_TEXT[claim_id].format(
            control=extra.get("control"),
            fraction=extra.get("fraction", 0),
            lo=extra.get("band", [0, 0])[0],
            hi=extra.get("band", [0, 0])[1],
        )
        where = f"{names.get(extra['network'], extra['network'])}, fill {extra['fill']}, within {extra['within']}"
        rows.append(
            verdict_row(
                f"{text} [{where}]",
                boot["estimate"],
                boot["low"],
                boot["high"],
                boot["n"],
                paper,
                claim_id=claim_id,
                **extra,
                family=family,
                m=m,
                level=f_level,
                unit="points",
                stderr=boot["stderr"],
            )
        )
    return rows


def _verdict_rows(measured, curves, *, n_boot, level, rng, names) -> tuple[list, dict, dict]:
    """Paired differences -> verdict rows, with Bonferroni intervals per family (see :func:`erasure_verdicts`)."""
    pending = []  # (family, claim_id, a_correct, b_correct, paper, extra)
    settings, confusion = {}, {}
    for label, setting, result, y in measured:
        fill, within = setting["fill"], setting["within"]
        name = f"{label}, {fill}, {within}"
        bands = [tuple(b) for b in result["bands"]]
        band_ok = result["predictions"] == y
        controls = {"scattered": result["random_predictions"] == y}
        if "matched_predictions" in result:
            controls["matched"] = result["matched_predictions"] == y
        settings[name] = {
            "network": label,
            "fill": fill,
            "within": within,
            "bands": [list(b) for b in bands],
            "accuracy": band_ok.mean(1).tolist(),
            **{f"{c}_accuracy": ok.mean(1).tolist() for c, ok in controls.items()},
            "segments_erased": np.asarray(result["segments_erased"]).tolist(),
        }
        top, bottom = bands.index((90.0, 100.0)), bands.index((0.0, 10.0))
        extra = {"network": label, "fill": fill, "within": within}
        confusion[name] = {
            "top band": _confusion(y, result["predictions"][top]),
            **{c: _confusion(y, result[f"{'random' if c == 'scattered' else c}_predictions"][top]) for c in controls},
        }
        for control, ok in controls.items():
            e = {**extra, "control": control}
            pending.append((label, "top", ok[top], band_ok[top], PAPER_CLAIMS["top"], e))
            pending.append((label, "bottom", ok[bottom], band_ok[bottom], PAPER_CLAIMS["bottom"], e))
            for b, (lo, hi) in enumerate(bands if len(bands) == 10 else []):  # a family of ten bands
                paper = float(PAPER_RANDOM_MEAN - PAPER_ERASURE[int(lo) // 10])
                pending.append((f"bands: {name}, {control}", "band", ok[b], band_ok[b], paper, {**e, "band": [lo, hi]}))
        pending.append(
            (label, "direction", band_ok[bottom], band_ok[top], PAPER_CLAIMS["direction"], {**extra, "control": None})
        )
    curve_details = _curve_details(curves, pending, n_boot=n_boot, level=level, rng=rng)
    families = {}
    for family, *_ in pending:
        families[family] = families.get(family, 0) + 1
    rows = _rows(pending, families, names, n_boot=n_boot, level=level, rng=rng)
    return rows, families, {"settings": settings, "curves": curve_details, "confusion": confusion}


def verdict_table(rows, *, family: str | None = None, claim_id: str | None = None) -> str:
    """The verdict rows as aligned text, one line per claim: estimate, interval (points), verdict, n_needed.

    Columns: fill, where the bands were drawn (``input`` or ``observed``),
    the random control, the claim (and band), the estimate and its interval,
    the paper's effect, the verdict, and the interval's level with the test
    size (and, for an open claim, the size that would settle it).

    Parameters
    ----------
    rows : list of dict
        ``rows`` of :func:`erasure_verdicts` (or of the committed JSON).
    family, claim_id : str, optional
        Keep only the rows of this family or claim.

    Returns
    -------
    str

    Examples
    --------
    >>> from resandi_lite.verdict import verdict_row
    >>> row = verdict_row("top band", 1.2, 0.4, 2.0, 4000, 3.4, family="varying", claim_id="top", fill="zero",
    ...                   within="input", control="scattered", level=0.995)
    >>> print(verdict_table([row]))
    zero        input    scattered  top        +1.2 [+0.4, +2.0]  paper +3.4  agrees     (99.5%, n = 4000)
    """
    lines = []
    for row in rows:
        if (family is not None and row.get("family") != family) or (claim_id and row.get("claim_id") != claim_id):
            continue
        band = "" if "band" not in row else f" {row['band'][0]:.0f}-{row['band'][1]:.0f}"
        what = f"{row.get('claim_id', '')}{band}"
        needed = f", n_needed {row['n_needed']:,}" if "n_needed" in row else ""
        lines.append(
            f"{row.get('fill', '')!s:<11} {row.get('within', '')!s:<8} "
            f"{row.get('control') or '-'!s:<10} {what:<10} "
            f"{row['estimate']:+.1f} [{row['low']:+.1f}, {row['high']:+.1f}]  paper {row['paper']:+.1f}  "
            f"{row['verdict']:<10} ({100 * row.get('level', 0.95):.1f}%, n = {row['n']}{needed})"
        )
    return "\n".join(lines)


def powered_verdicts(path=None) -> dict | None:
    """The committed powered erasure verdicts, or ``None`` if they are not there yet.

    Reads the JSON at ``path`` (default :data:`resandi_lite.verdict.POWERED`,
    when defined) and returns its erasure part: the dict
    :func:`erasure_verdicts` returned.
    """
    import json
    from pathlib import Path

    from .. import verdict

    path = getattr(verdict, "POWERED", None) if path is None else path
    if path is None or not Path(path).is_file():
        return None
    data = json.loads(Path(path).read_text())
    for container in (data, data.get("parts", {}), data.get("results", {})):
        if isinstance(container, dict):
            for key in ("erasure", "erasure_verdicts"):
                if isinstance(container.get(key), dict) and "rows" in container[key]:
                    return container[key]
    return None
