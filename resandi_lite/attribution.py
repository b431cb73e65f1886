"""Attribution methods: one interface for Grad-CAM and its alternatives.

An **attribution** is any callable ::

    method(model, X, target) -> scores

- ``model``: a :class:`torch.nn.Module` returning logits of shape (n, K);
- ``X``: ndarray or Tensor of shape (n, 2, 1000), float32 (preprocessed input);
- ``target``: ndarray or Tensor of shape (n,), int, the class explained for
  each trajectory (the experiments pass the true labels, as the paper does);
- ``scores``: ndarray or Tensor of shape (n, positions), float: one relevance
  value per position of the method's own resolution (32 for Grad-CAM at
  layer4, 1000 for the input-level methods).  A map with fewer positions than
  the input covers it by nearest neighbour, as the paper upsamples Grad-CAM:
  input point ``t`` of ``L`` reads position ``floor(t * positions / L)``.

Erasure (:func:`resandi_lite.erasure.erasure_experiment`), augmentation
(:func:`resandi_lite.augment.augmentation_experiment`), the layer-wise
analysis (:func:`resandi_lite.layerwise.window_maps`), the report and the
ground-truth scores (:mod:`resandi_lite.groundtruth`) take it as
``attribution=``: a callable, or the name of one in :data:`METHODS`.  Their
default, ``None``, is the paper's signed Grad-CAM at layer4, computed exactly
as before this interface existed.

To add a method, write a function with the signature above (extra options
keyword-only with defaults) and add one line to :data:`METHODS`; nothing else
changes.  Every method in :data:`METHODS` is checked against captum in
``tests/test_attribution.py``.

Methods here (the first three reduce the two coordinates of the input to one
value per time point):

- ``saliency``: ``sum_c |d y / d x_c(t)|``, the absolute gradient;
- ``integrated_gradients``: ``sum_c (x_c(t) - 0) * integral_0^1 d y / d x_c(t)
  (a x) da`` from the zero input (what erasure writes), by Gauss-Legendre
  quadrature as captum does; the values sum to ``y(x) - y(0)``;
- ``occlusion``: ``y(x) - y(x with a window set to 0)``, averaged over the
  windows that cover ``t`` (captum's ``Occlusion``);
- Grad-CAM (:mod:`resandi_lite.gradcam`), signed or with a ReLU, at any stage.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from ._checks import check_int, check_labels, check_maps, check_network_input
from .gradcam import grad_cam
from .model import model_device

Attribution = Callable  # (model, X (n, 2, L), target (n,)) -> (n, positions)


def _prepare(model: nn.Module, X, target) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs as a finite float Tensor (n, channels, L) and targets as int64 (n,) >= 0, with clear errors."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    x = check_network_input(X, "X", channels=getattr(model, "in_channels", None))
    x = x.to(next((p.dtype for p in model.parameters() if p.is_floating_point()), torch.float32))
    t = target.detach().cpu().numpy() if isinstance(target, torch.Tensor) else target
    t = np.full(len(x), t) if np.ndim(t) == 0 and not isinstance(t, (str, bytes)) else t
    return x, torch.from_numpy(check_labels(t, "target", n=len(x)))


def _check_target_range(target: torch.Tensor, logits: torch.Tensor) -> None:
    if len(target) and int(target.max()) >= logits.shape[1]:
        raise ValueError(
            f"target must hold class labels in 0..{logits.shape[1] - 1} (the model's logits), got {int(target.max())}"
        )


def _input_gradients(model: nn.Module, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Gradient of each row's target logit with respect to its input: (B, 2, L), on the model's device."""
    x = x.to(model_device(model)).detach().requires_grad_(True)
    with torch.enable_grad():
        logits = model(x)
        _check_target_range(target, logits)
        score = logits.gather(1, target.to(logits.device)[:, None]).sum()
        (grad,) = torch.autograd.grad(score, x)
    return grad


def _in_eval(method):
    """Run ``method`` with the model in eval mode and give it its previous mode back."""

    @functools.wraps(method)
    def wrapper(model, X, target, **options):
        x, t = _prepare(model, X, target)
        was_training = model.training
        try:
            model.eval()
            return method(model, x, t, **options)
        finally:
            model.train(was_training)

    return wrapper


@_in_eval
def saliency(model: nn.Module, X, target, *, batch_size: int = 256) -> torch.Tensor:
    """Absolute input gradient of the target logit, summed over the two coordinates.

    Returns
    -------
    scores : Tensor of shape (n, L), float32, on the CPU (>= 0)
    """
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    out = [
        _input_gradients(model, X[i : i + batch_size], target[i : i + batch_size]).abs().sum(1).float().cpu()
        for i in range(0, len(X), batch_size)
    ]
    return torch.cat(out) if out else torch.zeros(0, X.shape[-1])


@_in_eval
def integrated_gradients(model: nn.Module, X, target, *, steps: int = 32, batch_size: int = 64) -> torch.Tensor:
    """Integrated gradients from the zero input, summed over the two coordinates.

    ``(x - 0) * sum_j w_j grad(a_j x)`` with the ``steps`` Gauss-Legendre
    nodes ``a_j`` and weights ``w_j`` on [0, 1] (captum's default rule).

    Returns
    -------
    scores : Tensor of shape (n, L), float32, on the CPU; each row sums to
        about ``logit(x) - logit(0)`` (completeness)
    """
    steps = check_int(steps, "steps", minimum=1, maximum=1000)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    nodes, weights = np.polynomial.legendre.leggauss(steps)
    alphas, weights = 0.5 * (1 + nodes), 0.5 * weights
    out = []
    for i in range(0, len(X), batch_size):
        x, t = X[i : i + batch_size], target[i : i + batch_size]
        total = torch.zeros(x.shape, dtype=torch.float64)
        for a, w in zip(alphas, weights):
            total += w * _input_gradients(model, float(a) * x, t).double().cpu()
        out.append((total * x.double()).sum(1).float())
    return torch.cat(out) if out else torch.zeros(0, X.shape[-1])


@_in_eval
def occlusion(
    model: nn.Module, X, target, *, window: int = 50, stride: int = 25, batch_size: int = 512
) -> torch.Tensor:
    """Drop of the target logit when a window of both coordinates is set to 0, averaged per position.

    Windows of ``window`` points start every ``stride`` points (as captum's
    ``Occlusion`` with ``sliding_window_shapes=(2, window)``); a position that
    no window covers (``(L - window) % stride`` points at the end) gets 0.

    Returns
    -------
    scores : Tensor of shape (n, L), float32, on the CPU
    """
    L = X.shape[-1]
    window = check_int(window, "window", minimum=1, maximum=L)
    stride = check_int(stride, "stride", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    starts = range(0, L - window + 1, stride)
    total, count = torch.zeros(len(X), L, dtype=torch.float64), torch.zeros(L, dtype=torch.float64)
    device = model_device(model)
    with torch.no_grad():
        for i in range(0, len(X), batch_size):
            x, t = X[i : i + batch_size].to(device), target[i : i + batch_size].to(device)
            logits = model(x)
            _check_target_range(t, logits)
            clean = logits.gather(1, t[:, None])[:, 0]
            for s in starts:
                hidden = x.clone()
                hidden[:, :, s : s + window] = 0
                drop = (clean - model(hidden).gather(1, t[:, None])[:, 0]).double().cpu()
                total[i : i + batch_size, s : s + window] += drop[:, None]
    for s in starts:
        count[s : s + window] += 1
    return (total / count.clamp(min=1)).float()


def grad_cam_at(layer: str = "layer4", *, relu: bool = False) -> Callable:
    """The attribution ``(model, X, target) -> (n, positions)`` of Grad-CAM at one stage, not upsampled."""

    def method(model, X, target, *, batch_size: int = 256):
        x, t = _prepare(model, X, target)
        return grad_cam(model, x, t, layer=layer, relu=relu, upsample=None, batch_size=batch_size)

    method.__name__ = f"grad_cam_{layer}" + ("_relu" if relu else "")
    method.__doc__ = (
        f"{'ReLU' if relu else 'Signed'} Grad-CAM at {layer} for the target class, at the stage's "
        f"resolution: Tensor of shape (n, positions), float32."
    )
    return method


#: The attribution methods by name.  Add a method with one line here.
METHODS: dict[str, Callable] = {
    "gradcam": grad_cam_at("layer4"),  # the paper's: signed, layer4, 32 positions
    "gradcam-relu": grad_cam_at("layer4", relu=True),
    "gradcam-layer1": grad_cam_at("layer1"),
    "gradcam-layer2": grad_cam_at("layer2"),
    "gradcam-layer3": grad_cam_at("layer3"),
    "gradcam-layer4": grad_cam_at("layer4"),
    "saliency": saliency,
    "integrated-gradients": integrated_gradients,
    "occlusion": occlusion,
}
#: The method the experiments use when given none: the paper's signed layer4 Grad-CAM.
DEFAULT = "gradcam"


def get_attribution(name_or_callable=None) -> Callable:
    """The attribution method for a name of :data:`METHODS`, a callable (returned as is), or ``None`` (default).

    Examples
    --------
    >>> get_attribution().__name__, get_attribution("saliency").__name__
    ('grad_cam_layer4', 'saliency')
    """
    if name_or_callable is None:
        return METHODS[DEFAULT]
    if isinstance(name_or_callable, str):
        if name_or_callable not in METHODS:
            raise ValueError(
                f"attribution must be one of {', '.join(METHODS)} or a callable "
                f"(model, X, target) -> (n, positions); got {name_or_callable!r}"
            )
        return METHODS[name_or_callable]
    if callable(name_or_callable):
        return name_or_callable
    raise TypeError(
        f"attribution must be a name from METHODS or a callable (model, X, target) -> (n, positions), "
        f"got {type(name_or_callable).__name__}"
    )


def attribute(model: nn.Module, X, target, attribution=None) -> np.ndarray:
    """Maps of any attribution as a NumPy array, with their shape checked.

    Parameters
    ----------
    model : torch.nn.Module
    X : ndarray or Tensor of shape (n, 2, L), float32
    target : array-like of shape (n,), int
    attribution : str, callable or None
        See :func:`get_attribution`.

    Returns
    -------
    maps : ndarray of shape (n, positions), float64
    """
    maps = get_attribution(attribution)(model, X, target)
    maps = maps.detach().cpu().numpy() if isinstance(maps, torch.Tensor) else np.asarray(maps)
    n = len(X)
    if maps.ndim != 2 or maps.shape[0] != n or maps.shape[1] < 1:
        raise ValueError(f"the attribution must return scores of shape (n={n}, positions), got {maps.shape}")
    return check_maps(maps, "the attribution's maps")


def resample(maps, positions: int, length: int = 1000) -> np.ndarray:
    """Maps of any resolution at ``positions`` positions: nearest-neighbour up to ``length``, then block means.

    A map already at ``positions`` positions is returned unchanged; a map at
    the input's ``length`` is averaged over each of the ``positions`` segments
    ``floor(t * positions / length)``.

    Parameters
    ----------
    maps : ndarray of shape (n, P)
    positions : int
    length : int
        The input length the maps cover.

    Returns
    -------
    ndarray of shape (n, positions), float64

    Examples
    --------
    >>> resample(np.arange(8.0)[None], 4, length=8).tolist()
    [[0.5, 2.5, 4.5, 6.5]]
    >>> resample(np.array([[1.0, 3.0]]), 4, length=8).tolist()
    [[1.0, 1.0, 3.0, 3.0]]
    """
    maps = check_maps(maps, "maps")
    length = check_int(length, "length", minimum=1)
    positions = check_int(positions, "positions", minimum=1, maximum=length)
    if maps.shape[1] == positions:
        return maps
    up = maps[:, (np.arange(length) * maps.shape[1]) // length]  # (n, length), nearest neighbour
    segment = (np.arange(length) * positions) // length
    sums = np.zeros((len(maps), positions))
    np.add.at(sums.T, segment, up.T)
    return sums / np.bincount(segment, minlength=positions)
