"""Evaluation: accuracy, per-class accuracy, confusion matrices, accuracy by length, exponent and noise.

The paper's own figures are here as data (:data:`PAPER_CONFUSION`, ...), so a
chapter can put its results and the paper's side by side.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ._checks import check_int, check_network_input, deprecated_alias
from .model import model_device
from .simulate.classes import CLASSES
from .paper import ACCURACY_FIXED as PAPER_ACCURACY_FIXED, ACCURACY_VARYING as PAPER_ACCURACY_VARYING
from .paper import CONFUSION as PAPER_CONFUSION, DIAGONAL_FIXED as PAPER_DIAGONAL_FIXED



@torch.no_grad()
def predict_logits(model: nn.Module, X, *, batch_size: int = 512, device=None) -> np.ndarray:
    """Logits of ``model`` for preprocessed input, in eval mode, batch by batch (formerly ``predict``).

    Parameters
    ----------
    model : torch.nn.Module
    X : ndarray or Tensor of shape (n, 2, 1000), float
        Converted to float32.
    batch_size : int
    device : torch device, optional
        Default: the device of the model's parameters.

    Returns
    -------
    logits : ndarray of shape (n, 8), float32
        ``predict_logits(model, X).argmax(1)`` are the predicted labels.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    X = check_network_input(X, "X")
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    device = device or model_device(model)
    was_training = model.training
    model.eval()
    try:
        out = [model(X[i:i + batch_size].to(device, torch.float32)).float().cpu() for i in range(0, len(X), batch_size)]
    finally:
        model.train(was_training)
    return torch.cat(out).numpy() if out else np.zeros((0, len(CLASSES)), np.float32)


predict = deprecated_alias(predict_logits, "predict")


def confusion_matrix(y_true, y_pred, n_classes: int = len(CLASSES), *, normalize: bool = True) -> np.ndarray:
    """Confusion matrix, rows = truth, columns = prediction.

    Returns
    -------
    ndarray of shape (n_classes, n_classes)
        Counts (int64), or with ``normalize=True`` row fractions (float64;
        a class with no samples gives a row of NaN).
    """
    n_classes = check_int(n_classes, "n_classes", minimum=1)
    y_true, y_pred = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, got {y_true.shape} and {y_pred.shape}")
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.size and (y.min() < 0 or y.max() >= n_classes):
            raise ValueError(f"{name} must hold labels in 0..{n_classes - 1}, got {y.min()}..{y.max()}")
    counts = np.bincount(y_true * n_classes + y_pred, minlength=n_classes**2).reshape(n_classes, n_classes)
    if not normalize:
        return counts
    with np.errstate(invalid="ignore"):
        return counts / counts.sum(axis=1, keepdims=True)


def _labels(y, name: str) -> np.ndarray:
    """Class labels as a 1-D int64 array (integer-valued floats are accepted)."""
    try:
        y = np.asarray(y)
    except Exception:
        raise TypeError(f"{name} must be a 1-D array of integer class labels, got {type(y).__name__}") from None
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of class labels, got shape {y.shape}")
    if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
        y = y.astype(np.int64)
    if y.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer class labels, got dtype {y.dtype}")
    return y.astype(np.int64, copy=False)


def accuracy_by(values, correct, bins) -> dict:
    """Accuracy within bins of a per-trajectory quantity (length, exponent, noise).

    Parameters
    ----------
    values : ndarray of shape (n,)
    correct : ndarray of shape (n,), bool
    bins : ndarray of shape (k + 1,)
        Bin edges; the last bin includes its right edge.

    Returns
    -------
    dict
        ``edges`` (k+1,), ``centers`` (k,), ``accuracy`` (k,), ``stderr`` (k,)
        (binomial standard error), ``count`` (k,).
    """
    values, correct, bins = _binned(values, correct, bins)
    index = np.clip(np.searchsorted(bins, values, side="right") - 1, 0, len(bins) - 2)
    inside = (values >= bins[0]) & (values <= bins[-1])
    count = np.bincount(index[inside], minlength=len(bins) - 1)
    hits = np.bincount(index[inside], weights=correct[inside], minlength=len(bins) - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = hits / count
        stderr = np.sqrt(acc * (1 - acc) / count)
    return {"edges": bins, "centers": (bins[:-1] + bins[1:]) / 2, "accuracy": acc, "stderr": stderr, "count": count}


def _binned(values, correct, bins):
    """Check the arguments of :func:`accuracy_by`."""
    from ._checks import check_finite_array

    values, bins = check_finite_array(values, "values", ndim=1), check_finite_array(bins, "bins", ndim=1)
    correct = np.asarray(correct)
    if correct.dtype != bool and not (correct.dtype.kind in "iu" and np.isin(correct, (0, 1)).all()):
        raise TypeError(f"correct must be booleans (or 0/1), got dtype {correct.dtype}")
    if correct.shape != values.shape:
        raise ValueError(f"correct must have the shape of values {values.shape}, got {correct.shape}")
    if bins.size < 2 or np.any(np.diff(bins) <= 0):
        raise ValueError(f"bins must be at least 2 increasing edges, got {bins.tolist()}")
    return values, correct.astype(bool), bins


def per_class_by_level(values, y_true, y_pred, n_classes: int = len(CLASSES)) -> dict:
    """Per-class accuracy at each distinct value of a per-trajectory quantity, such as the noise level.

    Made for a test set whose trajectories each draw one of a few levels
    (``make_dataset(..., noise=[0.0, 0.1, 0.5])``): one accuracy per level and
    per true class, so that one can see which class loses its accuracy first.

    Parameters
    ----------
    values : array-like of shape (n,), float
        The quantity, taking a few distinct values (e.g. ``dataset.noise``).
    y_true, y_pred : array-like of shape (n,), int
        True and predicted class labels in ``0..n_classes - 1``.
    n_classes : int

    Returns
    -------
    dict
        ``levels`` (k,) float64: the distinct values, sorted;
        ``accuracy`` (k, n_classes) float64: the fraction of the trajectories
        of each true class at each level that are predicted correctly (NaN
        where a class has none at that level); ``stderr`` (k, n_classes)
        float64: its binomial standard error, ``sqrt(p (1 - p) / count)``;
        ``count`` (k, n_classes) int64: trajectories per level and class.

    Raises
    ------
    ValueError
        If the arrays differ in shape, ``values`` is not finite or is empty,
        or a label lies outside ``0..n_classes - 1``.
    TypeError
        If the labels are not integers or ``values`` not numbers.

    Examples
    --------
    >>> r = per_class_by_level([0.0, 0.0, 0.5, 0.5], [0, 1, 0, 1], [0, 1, 1, 1], n_classes=2)
    >>> r["levels"].tolist(), r["accuracy"].tolist()
    ([0.0, 0.5], [[1.0, 1.0], [0.0, 1.0]])
    """
    from ._checks import check_finite_array

    n_classes = check_int(n_classes, "n_classes", minimum=1)
    confusion_matrix(y_true, y_pred, n_classes, normalize=False)  # raises on labels of other shapes or out of range
    y_true, y_pred = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    values = check_finite_array(values, "values", ndim=1)
    if values.shape != y_true.shape:
        raise ValueError(f"values must have the shape of y_true {y_true.shape}, got {values.shape}")
    if values.size == 0:
        raise ValueError("values is empty: no trajectories to count")
    levels, level = np.unique(values, return_inverse=True)
    cell = level.ravel() * n_classes + y_true
    size = levels.size * n_classes
    count = np.bincount(cell, minlength=size).reshape(levels.size, n_classes)
    hits = np.bincount(cell, weights=(y_pred == y_true), minlength=size).reshape(levels.size, n_classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = hits / count
        stderr = np.sqrt(accuracy * (1 - accuracy) / count)
    return {"levels": levels, "accuracy": accuracy, "stderr": stderr, "count": count.astype(np.int64)}


def evaluate(model: nn.Module, dataset, *, batch_size: int = 512, length_bins=None, alpha_bins=None) -> dict:
    """Every figure of merit of ``model`` on a :class:`~resandi_lite.TrajectoryDataset`.

    Returns
    -------
    dict
        ``accuracy`` (float), ``per_class`` (8,), ``confusion`` (8, 8) row
        fractions, ``counts`` (8, 8), ``by_length``, ``by_alpha`` and
        ``by_noise`` (see :func:`accuracy_by`), ``predictions`` (n,) and ``n``.
    """
    if not all(hasattr(dataset, k) for k in ("X", "y", "lengths", "alpha", "noise")):
        raise TypeError(f"dataset must be a TrajectoryDataset (with X, y, lengths, alpha, noise), "
                        f"got {type(dataset).__name__}")
    if len(dataset.y) == 0:
        raise ValueError("dataset is empty: nothing to evaluate")
    logits = predict_logits(model, dataset.X, batch_size=batch_size)
    pred = logits.argmax(axis=1)
    correct = pred == dataset.y
    counts = confusion_matrix(dataset.y, pred, normalize=False)
    with np.errstate(invalid="ignore"):
        per_class = np.diag(counts) / counts.sum(axis=1)
    length_bins = np.linspace(10, 1000, 12) if length_bins is None else length_bins
    alpha_bins = np.linspace(0.1, 1.9, 19) if alpha_bins is None else alpha_bins
    sigmas = np.unique(dataset.noise)
    noise_edges = np.concatenate([sigmas - 1e-9, [sigmas[-1] + 1e-9]]) if sigmas.size > 1 else np.array(
        [sigmas[0] - 1e-9, sigmas[0] + 1e-9])
    return {
        "n": int(len(pred)),
        "accuracy": float(correct.mean()),
        "per_class": per_class,
        "confusion": counts / np.maximum(counts.sum(axis=1, keepdims=True), 1),
        "counts": counts,
        "by_length": accuracy_by(dataset.lengths, correct, length_bins),
        "by_alpha": accuracy_by(dataset.alpha, correct, alpha_bins),
        "by_noise": {**accuracy_by(dataset.noise, correct, noise_edges), "centers": sigmas},
        "predictions": pred,
    }
