"""The erasure experiment: delete the parts Grad-CAM ranks highest and watch the accuracy fall.

The upsampled layer4 map is constant on 32 segments of about 31 steps.  For
every trajectory and every percentile band of its own map (0-10, 10-20, ...,
90-100), the segments whose value lies strictly inside the band are set to 0
in both coordinates of the network's input, and the network classifies what
is left.  The baseline erases the same number of segments chosen at random.
If Grad-CAM points at what the network uses, erasing the top band hurts most.

Two options go beyond the paper, both off by default:

- ``fill="interpolate"`` replaces an erased stretch by the straight line
  between its kept neighbours instead of 0.  Setting positions of a
  MinMax-scaled trajectory to 0 creates two jumps and a rest, which a network
  may read as evidence of its own (CTRW and ATTM trajectories have rests and
  jumps); a straight line removes the information without adding a step.
- ``within="observed"`` computes the percentile bands, and draws the random
  baseline, among the segments that lie entirely inside the observed
  trajectory, so neither can pick the zero padding in front of a short one.
"""

from __future__ import annotations

import numpy as np
import torch

from ._checks import (check_bool, check_int, check_labels, check_lengths, check_maps, check_mask,
                      check_network_input, check_rng)
from .attribution import attribute
from .evaluate import predict_logits as predict
from .gradcam import grad_cam
from .paper import ERASURE as PAPER_ERASURE, ERASURE_RANDOM_RANGE as PAPER_RANDOM_RANGE


def segment_of_position(n_segments: int, length: int) -> np.ndarray:
    """Segment shown at each input position by nearest-neighbour upsampling: ``floor(t * S / L)``.

    Returns
    -------
    ndarray of shape (length,), int64
    """
    n_segments, length = check_int(n_segments, "n_segments", minimum=1), check_int(length, "length", minimum=1)
    return (np.arange(length) * n_segments) // length


FILLS = ("zero", "interpolate")
WITHIN = ("input", "observed")


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


def band_masks(maps: np.ndarray, bands: int = 10, length: int = 1000, *, inclusive: bool = False,
               allowed: np.ndarray | None = None) -> np.ndarray:
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
            f"counts must be integers in 0..n_segments={n_segments}, got dtype {counts.dtype}")
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


def erase(X: np.ndarray, segment_masks: np.ndarray, *, fill: str = "zero") -> np.ndarray:
    """Erase the masked segments of the input (both coordinates).

    Parameters
    ----------
    X : ndarray of shape (n, 2, L), float32
    segment_masks : ndarray of shape (n, S), bool
    fill : "zero" or "interpolate"
        ``"zero"`` (the paper): set the erased positions to 0.
        ``"interpolate"``: the straight line between the nearest kept
        positions on either side (the nearest kept value at the ends; 0 if
        nothing is kept), as :func:`numpy.interp` would draw it.

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
    keep = ~masks[:, segment_of_position(masks.shape[1], X.shape[-1])]
    if fill == "zero":
        return X * keep[:, None, :]
    return _interpolate(X, keep)


def _interpolate(X: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Linear interpolation over the positions where ``keep`` (n, L) is False, vectorised over rows."""
    n, L = keep.shape
    t = np.arange(L)
    before = np.maximum.accumulate(np.where(keep, t, -1), axis=1)  # last kept position <= t, or -1
    after = np.minimum.accumulate(np.where(keep, t, L)[:, ::-1], axis=1)[:, ::-1]  # first kept >= t, or L
    left = np.where(before >= 0, before, after)
    right = np.where(after < L, after, left)
    nothing = ~keep.any(axis=1)
    left, right = np.where(nothing[:, None], 0, left), np.where(nothing[:, None], 0, right)
    span = right - left
    w = np.divide(t - left, span, out=np.zeros((n, L)), where=span > 0)
    a = np.take_along_axis(X, left[:, None, :], axis=2)
    b = np.take_along_axis(X, right[:, None, :], axis=2)
    out = (a + w[:, None, :] * (b - a)).astype(X.dtype)
    out[nothing] = 0
    return out


def erasure_experiment(model, X, y, *, maps=None, layer: str = "layer4", bands: int = 10, rng=None,
                       inclusive: bool = False, fill: str = "zero", within: str = "input", lengths=None,
                       which=None, batch_size: int = 512, attribution=None) -> dict:
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
        Source of the random baseline.
    inclusive : bool
        See :func:`band_masks`.
    fill : "zero" or "interpolate"
        ``"zero"`` as in the paper; see :func:`erase`.
    within : "input" or "observed"
        ``"input"`` (the paper): bands and random baseline over all segments;
        ``"observed"``: over the segments entirely inside the observed
        trajectory only (needs ``lengths``; see :func:`observed_segments`).
    lengths : ndarray of shape (n,), int, optional
        Trajectory lengths, for ``within="observed"``.
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

    Returns
    -------
    dict
        ``bands`` list of (lo, hi) percent (the selected bands), ``accuracy`` (bands,) after
        erasing each band, ``random_accuracy`` (bands,), ``segments_erased``
        (bands,) mean number of segments erased, ``clean_accuracy`` float;
        per trajectory ``predictions`` and ``random_predictions`` (bands, n)
        int64 and ``clean_predictions`` (n,), for splits by class or length.
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
    if maps is None and attribution is not None:
        maps = attribute(model, X, y.astype(np.int64), attribution)
    elif maps is None:
        maps = grad_cam(model, torch.from_numpy(X), torch.from_numpy(y.astype(np.int64)), layer=layer,
                        upsample=None, batch_size=batch_size).numpy()
    maps = np.asarray(maps)
    if maps.ndim != 2 or maps.shape[0] != X.shape[0]:
        raise ValueError(f"maps must have shape (n, segments) with n = {X.shape[0]}, got {maps.shape}")
    if fill not in FILLS:
        raise ValueError(f"fill must be one of {', '.join(map(repr, FILLS))}, got {fill!r}")
    if within not in WITHIN:
        raise ValueError(f"within must be one of {', '.join(map(repr, WITHIN))}, got {within!r}")
    allowed = None
    if within == "observed":
        if lengths is None:
            raise ValueError("within='observed' needs the trajectory lengths: pass lengths=dataset.lengths")
        allowed = observed_segments(np.asarray(lengths).reshape(-1), maps.shape[1], X.shape[-1])
        if len(allowed) != len(X):
            raise ValueError(f"lengths must have one entry per trajectory ({len(X)}), got {len(allowed)}")
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

    def classify(inputs):
        return predict(model, inputs, batch_size=batch_size).argmax(1)

    predictions = np.stack([classify(erase(X, m, fill=fill)) for m in masks])
    random_predictions = np.stack([classify(erase(X, m, fill=fill)) for m in random])
    clean = classify(X)
    edges = np.linspace(0, 100, bands + 1)
    return {
        "bands": [(float(edges[b]), float(edges[b + 1])) for b in selected],
        "accuracy": (predictions == y).mean(axis=1),
        "random_accuracy": (random_predictions == y).mean(axis=1),
        "segments_erased": counts.mean(axis=1),
        "clean_accuracy": float(np.mean(clean == y)),
        "predictions": predictions,
        "random_predictions": random_predictions,
        "clean_predictions": clean,
    }


def compare_with_random(result: dict, y) -> dict:
    """Each band against its own random baseline, paired over the trajectories.

    Band and baseline erase the same number of segments of the same
    trajectories, so their difference is measured on pairs: for trajectory
    ``i``, ``d_i = [random correct] - [band correct]`` in {-1, 0, 1}.  The mean
    of ``d`` is the accuracy the band costs beyond random erasure, and its
    standard error ``std(d) / sqrt(n)`` is much smaller than that of either
    accuracy alone, because most trajectories fare the same under both (a
    McNemar-type comparison).

    Parameters
    ----------
    result : dict
        The output of :func:`erasure_experiment`.
    y : ndarray of shape (n,), int
        The true labels it was run with.

    Returns
    -------
    dict of ndarray of shape (bands,), float64, in percentage points
        ``difference`` (random accuracy minus band accuracy: positive when
        the band hurts more than random), ``stderr``, ``z``
        (``difference / stderr``; 0 where both are 0), and the accuracies
        ``band`` and ``random``; plus ``n`` (int), the number of trajectories.

    Examples
    --------
    >>> result = {"predictions": np.array([[0, 0, 1, 1]]), "random_predictions": np.array([[0, 1, 1, 1]])}
    >>> c = compare_with_random(result, np.array([0, 1, 0, 1]))
    >>> c["band"].tolist(), c["random"].tolist(), c["difference"].tolist()
    ([50.0], [75.0], [25.0])
    """
    try:
        band = np.asarray(result["predictions"])
        random = np.asarray(result["random_predictions"])
    except (KeyError, TypeError) as error:
        raise TypeError("result must be the dict returned by erasure_experiment") from error
    if band.ndim == 2:
        y = check_labels(y, "y", n=band.shape[1])
    y = np.asarray(y)
    if band.ndim != 2 or random.shape != band.shape or y.shape != band.shape[1:]:
        raise ValueError(f"y must have one label per trajectory of the result ({band.shape[-1]}), got shape {y.shape}")
    d = (random == y).astype(np.float64) - (band == y)
    n = y.size
    difference = 100 * d.mean(axis=1)
    stderr = 100 * d.std(axis=1, ddof=1) / np.sqrt(n) if n > 1 else np.full(len(d), np.nan)
    z = np.divide(difference, stderr, out=np.zeros_like(difference), where=stderr > 0)
    return {"difference": difference, "stderr": stderr, "z": z,
            "band": 100 * (band == y).mean(axis=1), "random": 100 * (random == y).mean(axis=1), "n": n}


