"""ResAnDi: a ResNet18 for 1-D trajectories (Bae, Baek & Jeong).

Laid out like torchvision's ``models/resnet.py``: a residual block as a small
class, the network as a stem, four stages and a head, widths, kernel sizes and
depths as arguments, one initialisation loop.  The paper's reference code uses
``Conv2d`` with ``(1, k)`` kernels on input ``(B, 2, 1, 1000)``; ``Conv1d`` on
``(B, 2, 1000)`` is the same computation.

Shapes through the paper's network (batch B)::

    input   (B,   2, 1000)
    stem    (B,  64,  500) conv k=35 stride 2 -> (B, 64, 250) max-pool
    layer1  (B,  64,  250)
    layer2  (B, 128,  125)
    layer3  (B, 256,   63)
    layer4  (B, 512,   32)  <- Grad-CAM
    head    (B,   8)        global average pool, linear (N_CLASSES outputs)
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from .simulate.classes import N_CLASSES

STAGES = ("layer1", "layer2", "layer3", "layer4")


class BasicBlock(nn.Module):
    """Two convolutions with a shortcut: ``relu(bn2(conv2(relu(bn1(conv1 x)))) + shortcut(x))``.

    Input ``(B, in_channels, L)``, output ``(B, channels, ceil(L / stride))``.
    The shortcut is the identity, or a 1x1 convolution with batch norm where
    the stride or the width changes.
    """

    def __init__(self, in_channels: int, channels: int, stride: int = 1, kernel_size: int = 15):
        super().__init__()
        padding = kernel_size // 2
        self.conv1 = nn.Conv1d(in_channels, channels, kernel_size, stride, padding, bias=False)
        self.bn1 = nn.BatchNorm1d(channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv1d(channels, channels, kernel_size, 1, padding, bias=False)
        self.bn2 = nn.BatchNorm1d(channels)
        self.downsample = None
        if stride != 1 or in_channels != channels:
            self.downsample = nn.Sequential(
                nn.Conv1d(in_channels, channels, 1, stride, bias=False), nn.BatchNorm1d(channels)
            )

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResAnDi(nn.Module):
    """The ResAnDi classifier: stem, four residual stages, average pool, linear.

    Parameters
    ----------
    widths : sequence of 4 int
        Channels of the four stages (paper: 64, 128, 256, 512).
    depths : sequence of 4 int
        Blocks per stage (paper: 2, 2, 2, 2, i.e. ResNet18).
    kernel_size : int
        Kernel of the blocks' convolutions (paper: 15).
    stem_kernel : int
        Kernel of the stem convolution (paper: 35).
    in_channels : int
        Input channels (2: x and y).
    num_classes : int
        Output logits (default :data:`resandi_lite.simulate.N_CLASSES`, the
        classes of the registry).

    Input ``(B, 2, 1000)`` float32 from :func:`resandi_lite.preprocess`;
    output logits ``(B, N_CLASSES)`` in :data:`resandi_lite.CLASSES` order.
    """

    def __init__(
        self,
        widths: Sequence[int] = (64, 128, 256, 512),
        depths: Sequence[int] = (2, 2, 2, 2),
        *,
        kernel_size: int = 15,
        stem_kernel: int = 35,
        in_channels: int = 2,
        num_classes: int = N_CLASSES,
    ):
        super().__init__()
        if len(widths) != 4 or len(depths) != 4:
            raise ValueError(f"widths and depths need 4 entries (one per stage), got {list(widths)} and {list(depths)}")
        for name, value in (("kernel_size", kernel_size), ("stem_kernel", stem_kernel)):
            if value < 1 or value % 2 == 0:
                raise ValueError(f"{name} must be a positive odd integer (keeps lengths aligned), got {value}")
        self.config = {
            "widths": list(widths),
            "depths": list(depths),
            "kernel_size": kernel_size,
            "stem_kernel": stem_kernel,
            "in_channels": in_channels,
            "num_classes": num_classes,
        }
        self.in_channels = in_channels
        self.conv1 = nn.Conv1d(in_channels, widths[0], stem_kernel, 2, stem_kernel // 2, bias=False)
        self.bn1 = nn.BatchNorm1d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool1d(kernel_size=3, stride=2, padding=1)
        channels = widths[0]
        for i, (width, depth) in enumerate(zip(widths, depths)):
            blocks = []
            for j in range(depth):
                stride = 2 if i > 0 and j == 0 else 1
                blocks.append(BasicBlock(channels, width, stride, kernel_size))
                channels = width
            setattr(self, STAGES[i], nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool1d(1)
        self.fc = nn.Linear(channels, num_classes)

        for m in self.modules():
            if isinstance(m, nn.Conv1d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm1d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def stem(self, x: Tensor) -> Tensor:
        """``(B, 2, L)`` -> ``(B, widths[0], L / 4)``: strided convolution and max-pool."""
        return self.maxpool(self.relu(self.bn1(self.conv1(x))))

    def forward(self, x: Tensor) -> Tensor:
        _check_input(x, self.in_channels, self.conv1.weight)
        x = self.stem(x)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))

    def stages(self, x: Tensor, upto: str = "layer4") -> dict[str, Tensor]:
        """Activations of the stages up to ``upto``, without the head.

        Returns
        -------
        dict
            ``{"stem": (B, C0, L0), "layer1": (B, C1, L1), ...}`` for the
            stages up to and including ``upto``; tensors keep their graph, so
            gradients can flow back from them.
        """
        _check_input(x, self.in_channels, self.conv1.weight)
        if upto not in STAGES:
            raise ValueError(f"upto must be one of {', '.join(STAGES)}, got {upto!r}")
        out = {"stem": self.stem(x)}
        h = out["stem"]
        for name in STAGES[: STAGES.index(upto) + 1]:
            h = getattr(self, name)(h)
            out[name] = h
        return out


def _check_input(x, channels: int, weight: Tensor) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(
            f"input must be a torch.Tensor of shape (B, {channels}, L), got {type(x).__name__}; use torch.from_numpy(X)"
        )
    if x.ndim != 3 or x.shape[1] != channels:
        hint = " (add a batch dimension: x[None])" if x.ndim == 2 else ""
        raise ValueError(f"input must have shape (B, {channels}, L), got {tuple(x.shape)}{hint}")
    if not x.is_floating_point():
        raise TypeError(f"input must be a floating-point tensor (float32 from preprocess), got {x.dtype}")
    _check_values(x, weight)


def _check_values(x: Tensor, weight: Tensor) -> None:
    """Input length >= 1, the weights' dtype (outside autocast), finite values (skipped on CUDA: no sync per batch)."""
    if x.shape[2] < 1:
        raise ValueError(f"input must have at least one time point, got shape {tuple(x.shape)}")
    if x.dtype != weight.dtype and not torch.is_autocast_enabled(x.device.type):
        raise TypeError(f"input must have the network's dtype {weight.dtype}, got {x.dtype}; use x.to({weight.dtype})")
    if not x.is_cuda and not bool(torch.isfinite(x).all()):
        raise ValueError(f"input must be finite, got {int((~torch.isfinite(x)).sum())} NaN or infinite values")


#: Architectures by name.  ``paper``: the network of the paper (18.5M parameters).
#: ``lite``: the same design at a quarter of the width (1.16M parameters), for CPUs.
PRESETS = {
    "paper": {"widths": (64, 128, 256, 512), "depths": (2, 2, 2, 2), "kernel_size": 15, "stem_kernel": 35},
    "lite": {"widths": (16, 32, 64, 128), "depths": (2, 2, 2, 2), "kernel_size": 15, "stem_kernel": 35},
}


def build_model(preset: str = "paper", **overrides) -> ResAnDi:
    """Build an untrained network by preset name, with any argument overridden.

    >>> sum(p.numel() for p in build_model("paper").parameters())
    18499336
    >>> sum(p.numel() for p in build_model("lite").parameters())
    1159624
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; expected one of {', '.join(PRESETS)}")
    return ResAnDi(**{**PRESETS[preset], **overrides})


def receptive_fields(model: ResAnDi) -> dict[str, tuple[int, int]]:
    """Receptive field and stride (in input time steps) of the output of each stage.

    Follows the main path (the shortcuts see less).  Returns
    ``{"stem": (field, stride), "layer1": ..., ..., "layer4": ...}``.

    >>> receptive_fields(build_model("paper"))["layer4"]
    (3007, 32)
    """
    field, jump = 1, 1

    def grow(kernel, stride):
        nonlocal field, jump
        field += (kernel - 1) * jump
        jump *= stride

    grow(model.conv1.kernel_size[0], model.conv1.stride[0])
    grow(model.maxpool.kernel_size, model.maxpool.stride)
    out = {"stem": (field, jump)}
    for name in STAGES:
        for block in getattr(model, name):
            grow(block.conv1.kernel_size[0], block.conv1.stride[0])
            grow(block.conv2.kernel_size[0], block.conv2.stride[0])
        out[name] = (field, jump)
    return out


def describe(model: ResAnDi, length: int = 1000) -> list[dict]:
    """One row per stage: output shape, parameters, multiply-accumulates and receptive field.

    Parameters
    ----------
    model : ResAnDi
    length : int
        Input length.

    Returns
    -------
    list of dict
        Keys ``stage``, ``output`` (channels, length), ``parameters``, ``macs``
        (multiply-accumulates of the convolutions and the linear layer for one
        trajectory), ``receptive_field`` and ``stride`` (time steps).
    """
    rows, macs = [], {}

    def count(module, args, output):
        if isinstance(module, nn.Conv1d):
            macs[module] = (
                output.shape[1] * output.shape[2] * module.in_channels * module.kernel_size[0] // module.groups
            )
        elif isinstance(module, nn.Linear):
            macs[module] = module.in_features * module.out_features

    handles = [m.register_forward_hook(count) for m in model.modules() if isinstance(m, (nn.Conv1d, nn.Linear))]
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            acts = model.stages(torch.zeros(1, model.in_channels, length))
            model(torch.zeros(1, model.in_channels, length))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    fields = receptive_fields(model)
    parts = {"stem": [model.conv1, model.bn1], **{s: [getattr(model, s)] for s in STAGES}, "head": [model.fc]}
    for stage, modules in parts.items():
        inner = [m for top in modules for m in top.modules()]
        rows.append(
            {
                "stage": stage,
                "output": tuple(acts[stage].shape[1:]) if stage in acts else (model.fc.out_features,),
                "parameters": sum(p.numel() for top in modules for p in top.parameters()),
                "macs": sum(macs.get(m, 0) for m in inner),
                "receptive_field": fields.get(stage, (None, None))[0],
                "stride": fields.get(stage, (None, None))[1],
            }
        )
    return rows


def model_device(model: nn.Module) -> torch.device:
    """Device of a model's first parameter (the CPU for a model without parameters)."""
    try:
        return next(model.parameters()).device
    except StopIteration:
        return torch.device("cpu")


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
