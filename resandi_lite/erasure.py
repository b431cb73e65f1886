"""The erasure experiment: delete the parts Grad-CAM ranks highest and watch the accuracy fall.

The upsampled layer4 map is constant on 32 segments of about 31 steps.  For
every trajectory and every percentile band of its own map (0-10, 10-20, ...,
90-100), the segments whose value lies strictly inside the band are set to 0
in both coordinates of the network's input, and the network classifies what
is left.  The baseline erases the same number of segments chosen at random.
If Grad-CAM points at what the network uses, erasing the top band hurts most.
"""

from __future__ import annotations

import numpy as np
import torch

from .evaluate import predict
from .gradcam import grad_cam


def segment_of_position(n_segments: int, length: int) -> np.ndarray:
    """Segment shown at each input position by nearest-neighbour upsampling: ``floor(t * S / L)``.

    Returns
    -------
    ndarray of shape (length,), int64
    """
    return (np.arange(length) * n_segments) // length


def band_masks(maps: np.ndarray, bands: int = 10, length: int = 1000, *, inclusive: bool = False) -> np.ndarray:
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

    Returns
    -------
    masks : ndarray of shape (bands, n, S), bool
    """
    maps = np.asarray(maps, dtype=np.float64)
    if maps.ndim != 2:
        raise ValueError(f"maps must have shape (n, segments), got {maps.shape}")
    up = maps[:, segment_of_position(maps.shape[1], length)]
    edges = np.percentile(up, np.linspace(0, 100, bands + 1), axis=1)  # (bands + 1, n)
    lo, hi = edges[:-1, :, None], edges[1:, :, None]
    v = maps[None]
    return (v >= lo) & (v <= hi) if inclusive else (v > lo) & (v < hi)


def random_masks(counts: np.ndarray, n_segments: int, rng=None) -> np.ndarray:
    """Random segment masks with given numbers of segments per row.

    Parameters
    ----------
    counts : ndarray of shape (..., n), int
    n_segments : int
    rng : numpy.random.Generator, int or None

    Returns
    -------
    masks : ndarray of shape (..., n, n_segments), bool
    """
    rng = np.random.default_rng(rng)
    counts = np.asarray(counts)
    rank = rng.random(counts.shape + (n_segments,)).argsort(axis=-1).argsort(axis=-1)
    return rank < counts[..., None]


def erase(X: np.ndarray, segment_masks: np.ndarray) -> np.ndarray:
    """Set the input to 0 (both coordinates) on the masked segments.

    Parameters
    ----------
    X : ndarray of shape (n, 2, L), float32
    segment_masks : ndarray of shape (n, S), bool

    Returns
    -------
    ndarray of shape (n, 2, L), float32 (a copy)
    """
    X = np.asarray(X)
    masks = np.asarray(segment_masks, dtype=bool)
    if masks.ndim != 2 or masks.shape[0] != X.shape[0]:
        raise ValueError(f"segment_masks must have shape (n, segments) with n = {X.shape[0]}, got {masks.shape}")
    keep = ~masks[:, segment_of_position(masks.shape[1], X.shape[-1])]
    return X * keep[:, None, :]


def erasure_experiment(model, X, y, *, maps=None, layer: str = "layer4", bands: int = 10, rng=None,
                       inclusive: bool = False, batch_size: int = 512) -> dict:
    """Accuracy after erasing each percentile band of Grad-CAM, and after erasing at random.

    Parameters
    ----------
    model : torch.nn.Module
    X : ndarray of shape (n, 2, 1000), float32
    y : ndarray of shape (n,), int
        True labels; the maps explain the true class, as in the paper.
    maps : ndarray of shape (n, S), optional
        Precomputed maps at the layer's resolution (default: computed here).
    layer : str
    bands : int
    rng : numpy.random.Generator, int or None
        Source of the random baseline.
    inclusive : bool
        See :func:`band_masks`.
    batch_size : int

    Returns
    -------
    dict
        ``bands`` list of (lo, hi) percent, ``accuracy`` (bands,) after
        erasing each band, ``random_accuracy`` (bands,), ``segments_erased``
        (bands,) mean number of segments erased, ``clean_accuracy`` float.
    """
    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y)
    if X.ndim != 3 or y.shape != (X.shape[0],):
        raise ValueError(f"X must be (n, 2, L) and y (n,), got {X.shape} and {y.shape}")
    if maps is None:
        maps = grad_cam(model, torch.from_numpy(X), torch.from_numpy(y.astype(np.int64)), layer=layer,
                        upsample=None, batch_size=batch_size).numpy()
    maps = np.asarray(maps)
    if maps.ndim != 2 or maps.shape[0] != X.shape[0]:
        raise ValueError(f"maps must have shape (n, segments) with n = {X.shape[0]}, got {maps.shape}")
    rng = np.random.default_rng(rng)
    masks = band_masks(maps, bands, X.shape[-1], inclusive=inclusive)
    counts = masks.sum(axis=2)  # (bands, n)
    random = random_masks(counts, maps.shape[1], rng)

    def accuracy(inputs):
        return float(np.mean(predict(model, inputs, batch_size=batch_size).argmax(1) == y))

    edges = np.linspace(0, 100, bands + 1)
    return {
        "bands": [(float(a), float(b)) for a, b in zip(edges[:-1], edges[1:])],
        "accuracy": np.array([accuracy(erase(X, m)) for m in masks]),
        "random_accuracy": np.array([accuracy(erase(X, m)) for m in random]),
        "segments_erased": counts.mean(axis=1),
        "clean_accuracy": accuracy(X),
    }


#: The paper's erasure curve (%), bands 0-10 ... 90-100, and its random baseline range.
PAPER_ERASURE = np.array([44.7, 42.7, 40.2, 36.3, 31.5, 29.0, 27.8, 26.4, 25.6, 23.8])
PAPER_RANDOM_RANGE = (24.7, 27.9)
