"""Grad-CAM for 1-D signals: which parts of a trajectory drive the network's decision.

For a stage with activations ``A`` of shape ``(C, L)`` and the score ``y_c``
(logit) of the target class, Grad-CAM weighs each channel by its average
gradient and sums::

    w_k = mean_t  d y_c / d A_k(t)            (one weight per channel)
    map(t) = sum_k w_k A_k(t)                 (one value per position)

The paper keeps the map **signed**: negative values mark parts that speak
against the class.  This is also captum's ``LayerGradCam`` default; the
textbook Grad-CAM applies a ReLU (``relu=True``).  Maps at ``layer4`` have 32
positions; upsampled by nearest neighbour to the 1000 input points, each
covers about 31 time steps.

The API follows captum: an object built once around a model and a layer,
``attribute(inputs, target)`` returning a tensor of documented shape.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._checks import check_int, check_network_input
from .model import model_device

UPSAMPLING = (None, "nearest", "linear")


class GradCAM:
    """Grad-CAM of one layer of a network.

    Parameters
    ----------
    model : torch.nn.Module
        A classifier with logits ``(B, K)``; for :class:`~resandi_lite.model.ResAnDi`
        the layer is a stage name.
    layer : str
        Name of the submodule whose output is explained (``"layer1"`` ..
        ``"layer4"``, or any name of ``model.named_modules()``).

    Examples
    --------
    >>> import torch
    >>> from resandi_lite.model import build_model
    >>> cam = GradCAM(build_model("lite"), "layer4")
    >>> cam.attribute(torch.rand(3, 2, 1000), target=[0, 5, 7]).shape
    torch.Size([3, 32])
    """

    def __init__(self, model: nn.Module, layer: str = "layer4"):
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        modules = dict(model.named_modules())
        if not isinstance(layer, str) or layer not in modules or layer == "":
            stages = [n for n in ("layer1", "layer2", "layer3", "layer4") if n in modules]
            raise ValueError(
                f"layer must name a submodule of the model, e.g. {', '.join(stages) or 'layer4'}; got {layer!r}"
            )
        self.model, self.layer, self.module = model, layer, modules[layer]

    def attribute(
        self, inputs: Tensor, target=None, *, relu: bool = False, upsample: str | None = None, batch_size: int = 256
    ) -> Tensor:
        """Grad-CAM maps of ``inputs`` for ``target``.

        Parameters
        ----------
        inputs : Tensor of shape (B, 2, L), float
            Preprocessed trajectories (L = 1000 for the network of the paper).
        target : None, int, or sequence / Tensor of shape (B,)
            Class whose logit is explained: ``None`` for the predicted class,
            one label for all, or one label per input.
        relu : bool
            Keep only the positive part (textbook Grad-CAM); default signed.
        upsample : None, "nearest" or "linear"
            ``None``: the map at the layer's resolution ``(B, L_layer)``;
            otherwise interpolated to the input length ``(B, L)``.
        batch_size : int
            Inputs processed per backward pass.

        Returns
        -------
        maps : Tensor of shape (B, L_layer) or (B, L), float32, on the CPU, detached

        Notes
        -----
        The model runs in eval mode during the call and gets its previous
        mode back; no parameter gets a gradient, no ``requires_grad`` flag is
        changed, and the hook is removed even if an error is raised.
        """
        inputs = check_network_input(inputs, "inputs", channels=getattr(self.model, "in_channels", None))
        if len(inputs) == 0:
            raise ValueError("inputs must hold at least one trajectory, got an empty batch")
        if not isinstance(upsample, (str, type(None))) or upsample not in UPSAMPLING:
            raise ValueError(f"upsample must be None, 'nearest' or 'linear', got {upsample!r}")
        if not isinstance(relu, bool):
            raise TypeError(f"relu must be True or False, got {relu!r}")
        batch_size = check_int(batch_size, "batch_size", minimum=1)
        targets = self._targets(target, len(inputs))
        maps = [
            self._batch(inputs[i : i + batch_size], targets[i : i + batch_size], relu)
            for i in range(0, len(inputs), batch_size)
        ]
        cam = torch.cat(maps)
        if upsample is not None:
            cam = upsample_maps(cam, inputs.shape[-1], upsample)
        return cam

    def _targets(self, target, n: int):
        if target is None:
            return None if n == 0 else [None] * n
        try:
            t = torch.as_tensor(target) if isinstance(target, Tensor) else torch.from_numpy(np.asarray(target))
        except (TypeError, ValueError, RuntimeError):
            raise TypeError(f"target must be None, an integer class label or one per input, got {target!r}") from None
        if t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
            raise TypeError(f"target must be integer class labels, got {t.dtype}")
        t = t.expand(n) if t.ndim == 0 else t
        if t.shape != (n,):
            raise ValueError(f"target must be one label or one label per input ({n}), got shape {tuple(t.shape)}")
        return t.long()

    def _batch(self, x: Tensor, target, relu: bool) -> Tensor:
        captured = {}

        def hook(module, args, output):
            # The graph starts here: layers before this one run without autograd bookkeeping.
            torch.set_grad_enabled(True)
            leaf = output.detach().requires_grad_(True)  # explain this tensor, whatever the params' flags
            captured["A"] = leaf
            return leaf

        device = model_device(self.model)
        dtype = next((p.dtype for p in self.model.parameters() if p.is_floating_point()), torch.float32)
        was_training = self.model.training
        handle = self.module.register_forward_hook(hook)
        try:
            self.model.eval()
            with torch.no_grad():  # the hook switches gradients on at the explained layer
                logits = self.model(x.to(device, dtype))
                if logits.ndim != 2:
                    raise ValueError(f"the model must return logits of shape (B, K), got {tuple(logits.shape)}")
                if "A" not in captured:
                    raise ValueError(f"layer {self.layer!r} was not used in the forward pass")
                k = logits.shape[1]
                if target is None or target[0] is None:
                    labels = logits.argmax(1)
                else:
                    labels = target.to(logits.device)
                    if labels.min() < 0 or labels.max() >= k:
                        raise ValueError(
                            f"target labels must be in 0..{k - 1}, got {labels.min().item()}..{labels.max().item()}"
                        )
                score = logits.gather(1, labels[:, None]).sum()
                (grad,) = torch.autograd.grad(score, captured["A"])
        finally:
            handle.remove()
            self.model.train(was_training)
        A = captured["A"].detach()
        if A.ndim != 3:
            raise ValueError(f"layer {self.layer!r} must output (B, C, L), got {tuple(A.shape)}")
        cam = (grad.mean(dim=2, keepdim=True) * A).sum(dim=1)
        return (F.relu(cam) if relu else cam).float().cpu()


def upsample_maps(maps: Tensor, input_length: int, mode: str = "nearest") -> Tensor:
    """Stretch maps ``(B, L_layer)`` to ``(B, input_length)`` by nearest-neighbour or linear interpolation.

    ``input_length`` is the network's input length, 1000.
    """
    if not isinstance(maps, Tensor) or maps.ndim != 2 or not maps.is_floating_point() or maps.shape[1] < 1:
        got = f"{maps.dtype} tensor of shape {tuple(maps.shape)}" if isinstance(maps, Tensor) else type(maps).__name__
        raise ValueError(f"maps must be a float tensor of shape (B, L_layer) with L_layer >= 1, got {got}")
    if not bool(torch.isfinite(maps).all()):
        raise ValueError(f"maps must be finite, got {int((~torch.isfinite(maps)).sum())} NaN or infinite values")
    input_length = check_int(input_length, "input_length", minimum=1)
    if not isinstance(mode, str) or mode not in ("nearest", "linear"):
        raise ValueError(f"mode must be 'nearest' or 'linear', got {mode!r}")
    kwargs = {"align_corners": False} if mode == "linear" else {}
    return F.interpolate(maps[:, None], size=input_length, mode=mode, **kwargs)[:, 0]


def grad_cam(
    model: nn.Module,
    x,
    target=None,
    layer: str = "layer4",
    relu: bool = False,
    upsample: str | None = "nearest",
    batch_size: int = 256,
) -> Tensor:
    """Grad-CAM maps in one call (see :class:`GradCAM`).

    Parameters
    ----------
    model : torch.nn.Module
    x : Tensor or ndarray of shape (B, 2, L), float
    target : None, int or sequence of shape (B,)
        ``None``: the predicted class.
    layer : str
        ``"layer1"`` .. ``"layer4"`` (default, as in the paper).
    relu : bool
        ReLU on the map (default: signed, as in the paper).
    upsample : "nearest" (default, as in the paper), "linear" or None
    batch_size : int

    Returns
    -------
    maps : Tensor of shape (B, L) (or (B, L_layer) with ``upsample=None``), float32
    """
    return GradCAM(model, layer).attribute(x, target, relu=relu, upsample=upsample, batch_size=batch_size)


def gradcam_score(model: nn.Module, x, target=None, layer: str = "layer4", batch_size: int = 256) -> Tensor:
    """The trajectory-level Grad-CAM score of the paper: mean of the upsampled signed map, padding included.

    Returns
    -------
    scores : Tensor of shape (B,), float32
    """
    return grad_cam(model, x, target, layer, upsample="nearest", batch_size=batch_size).mean(dim=1)
