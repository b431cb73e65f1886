"""Running the erasure: accuracy per percentile band against random controls, curves, paired comparisons.

:func:`erasure_experiment` erases each band of a map and as many random
segments, :func:`erasure_curve` a growing fraction of the segments most
relevant first or least relevant first, and :func:`compare_with_random`
compares each band with its random control, paired over the trajectories.
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
    check_network_input,
    check_rng,
)
from ..attribution import attribute
from ..evaluate import predict_logits as predict
from ..gradcam import grad_cam
from ..verdict import family_level, paired_bootstrap
from .masks import CONTROLS, FILLS, ORDERS, WITHIN, band_masks, erase, matched_masks, observed_segments, random_masks


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
