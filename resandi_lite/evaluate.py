"""Evaluation: accuracy, per-class accuracy, confusion matrices, accuracy by length, exponent and noise.

The paper's own figures are here as data (:data:`PAPER_CONFUSION`, ...), so a
chapter can put its results and the paper's side by side.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .model import model_device
from .simulate.classes import CLASSES

#: Accuracy of the paper's varying-length model on its 80k test set (%).
PAPER_ACCURACY_VARYING = 90.36
#: Accuracy of the paper's fixed-length (T = 1000) model (%).
PAPER_ACCURACY_FIXED = 94.89
#: Diagonal of the fixed-length model's confusion matrix (%), in CLASSES order.
PAPER_DIAGONAL_FIXED = np.array([85.03, 97.83, 96.64, 96.03, 98.42, 99.94, 94.93, 90.27])
#: Row-normalised confusion matrix of the paper's varying-length model (%): rows truth, columns prediction.
PAPER_CONFUSION = np.array([
    [75.52, 5.15, 0.84, 3.88, 0.37, 0.03, 1.75, 12.46],
    [6.35, 92.95, 0.04, 0.42, 0.04, 0.0, 0.14, 0.06],
    [0.09, 0.03, 96.21, 0.32, 0.02, 0.0, 0.63, 2.70],
    [0.49, 0.08, 0.99, 90.93, 0.44, 0.08, 0.29, 6.70],
    [0.06, 0.03, 0.06, 0.31, 90.10, 1.43, 1.16, 6.85],
    [0.01, 0.02, 0.02, 0.02, 2.45, 96.94, 0.22, 0.32],
    [0.17, 0.07, 0.66, 0.08, 0.46, 0.12, 92.70, 5.74],
    [0.57, 0.04, 3.96, 2.02, 1.07, 0.14, 4.70, 87.50],
])


@torch.no_grad()
def predict(model: nn.Module, X, *, batch_size: int = 512, device=None) -> np.ndarray:
    """Logits of ``model`` for preprocessed input, in eval mode, batch by batch.

    Parameters
    ----------
    model : torch.nn.Module
    X : ndarray or Tensor of shape (n, 2, 1000), float32
    batch_size : int
    device : torch device, optional
        Default: the device of the model's parameters.

    Returns
    -------
    logits : ndarray of shape (n, 8), float32
    """
    X = torch.as_tensor(np.asarray(X) if not isinstance(X, torch.Tensor) else X)
    if X.ndim != 3 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2, L), got {tuple(X.shape)}")
    if not X.is_floating_point():
        raise TypeError(f"X must be floating point (float32 from preprocess), got {X.dtype}")
    device = device or model_device(model)
    was_training = model.training
    model.eval()
    try:
        out = [model(X[i:i + batch_size].to(device, torch.float32)).float().cpu() for i in range(0, len(X), batch_size)]
    finally:
        model.train(was_training)
    return torch.cat(out).numpy() if out else np.zeros((0, len(CLASSES)), np.float32)


def confusion_matrix(y_true, y_pred, n_classes: int = len(CLASSES), *, normalize: bool = True) -> np.ndarray:
    """Confusion matrix, rows = truth, columns = prediction.

    Returns
    -------
    ndarray of shape (n_classes, n_classes)
        Counts (int64), or with ``normalize=True`` row fractions (float64;
        a class with no samples gives a row of NaN).
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
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
    values, correct, bins = np.asarray(values, float), np.asarray(correct, bool), np.asarray(bins, float)
    index = np.clip(np.searchsorted(bins, values, side="right") - 1, 0, len(bins) - 2)
    inside = (values >= bins[0]) & (values <= bins[-1])
    count = np.bincount(index[inside], minlength=len(bins) - 1)
    hits = np.bincount(index[inside], weights=correct[inside], minlength=len(bins) - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = hits / count
        stderr = np.sqrt(acc * (1 - acc) / count)
    return {"edges": bins, "centers": (bins[:-1] + bins[1:]) / 2, "accuracy": acc, "stderr": stderr, "count": count}


def evaluate(model: nn.Module, dataset, *, batch_size: int = 512, length_bins=None, alpha_bins=None) -> dict:
    """Every figure of merit of ``model`` on a :class:`~resandi_lite.TrajectoryDataset`.

    Returns
    -------
    dict
        ``accuracy`` (float), ``per_class`` (8,), ``confusion`` (8, 8) row
        fractions, ``counts`` (8, 8), ``by_length``, ``by_alpha`` and
        ``by_noise`` (see :func:`accuracy_by`), ``predictions`` (n,) and ``n``.
    """
    logits = predict(model, dataset.X, batch_size=batch_size)
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
