"""What defines a run: :class:`TrainConfig` and the named :data:`RECIPES`, the optimizer and the learning-rate
schedule, and the arithmetic and device the run uses (with :func:`throughput`, which measures a network's speed in
both).  What ``precision="auto"`` resolves to in training, measured and cached, is :mod:`.precision`'s."""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path

import torch
from torch import nn

from .. import paper
from .._checks import check_float, check_int
from ..model import PRESETS
from ..simulate.classes import N_CLASSES


@dataclasses.dataclass
class TrainConfig:
    """Everything that defines a training run (defaults: the paper's recipe).

    Attributes
    ----------
    preset : str
        Network preset, see :data:`resandi_lite.model.PRESETS`.
    length : "varying" or int
        Trajectory-length protocol of the data.
    noise : float or list of float
        Localisation-noise std of the training and validation data.
    train_per_class, val_per_class : int
        Trajectories per class in an epoch and in the validation set (paper:
        50,000 and 10,000).
    fresh_data : bool
        ``True``: new simulated trajectories every epoch (unlimited data);
        ``False``: one fixed training set, reshuffled every epoch (the paper).
    lr, batch_size, step_size, gamma, patience, min_delta, max_epochs
        The optimisation recipe (the paper's: Adam; StepLR; early stopping on
        the validation loss).  A finished run with the step schedule can be
        extended by resuming it with a larger ``max_epochs``; one with the
        cosine schedule cannot, since its decay depends on ``max_epochs``
        (see :func:`fit`).
    weight_decay : float
        Weight decay (paper: 0): an L2 penalty added to the gradient for
        ``"adam"`` and ``"sgd"``, decoupled from it for ``"adamw"``.
    optimizer : {"adam", "adamw", "sgd"}
        ``"adam"``: Adam (the paper).  ``"adamw"``: AdamW (decoupled weight
        decay).  ``"sgd"``: SGD with Nesterov momentum 0.9 (learning rates
        about 30-100 times Adam's).
    ema : float
        Decay of an exponential moving average of the weights (and BatchNorm
        statistics), updated after every batch
        (:class:`torch.optim.swa_utils.AveragedModel`); 0 (default, the
        paper): no average.  With ``ema`` in (0, 1) the *averaged* network is
        the one validated, kept as ``best.pt`` and returned by :func:`fit`;
        the checkpoint holds both.  The average spans about ``1 / (1 - ema)``
        batches.
    symmetries : bool
        Train each sample under one of the eight exact symmetries of the
        input (:data:`resandi_lite.evaluate.SYMMETRIES`: reflections and
        swaps of x and y), drawn at random per sample and batch from the
        seed, so that the network learns the isotropy of diffusion in the
        plane instead of having it imposed at test time (paper: no).
    seed : int
        Seed of the weights, the data and their order.
    device : str
        ``"auto"`` (cuda, then mps, then cpu) or a torch device string.
    amp : bool
        Kept for checkpoints written before ``precision`` existed; ``False``
        forces ``precision="fp32"``.
    precision : {"auto", "fp32", "bf16", "fp16"}
        Arithmetic of the forward and backward passes (weights, optimizer and
        validation stay in float32).  ``"auto"``: float16 with a gradient
        scaler on CUDA; on a CPU with native bfloat16 instructions
        (``avx512_bf16`` or ``amx_bf16``) whichever of bfloat16 and float32
        a one-second probe measures faster, cached per CPU model
        (:func:`~resandi_lite.train.choose_precision`); float32 otherwise.
        A resumed run keeps the arithmetic recorded in its checkpoint.
    schedule : {"step", "cosine"}
        ``"step"``: the learning rate is multiplied by ``gamma`` every
        ``step_size`` epochs (the paper).  ``"cosine"``: a linear warm-up over
        ``warmup_epochs``, then a cosine decay to zero at ``max_epochs``,
        updated after every batch.
    warmup_epochs : float
        Length of the linear warm-up of the cosine schedule, in epochs.
    label_smoothing : float
        Label smoothing of the training loss (paper: 0); validation uses the
        plain cross-entropy.
    num_workers : int
        DataLoader worker processes simulating fresh data (0 or 1: one worker
        overlaps simulation with training and yields the same data).
    checkpoint_every : int
        Also checkpoint every this many batches within an epoch (0: only at
        epoch ends).
    bn_batches : int
        Before each validation, recompute the BatchNorm running statistics as
        exact averages over this many fresh training batches ("precise BN";
        0: keep the running averages, as the paper does).  With a high
        learning rate the running averages lag behind the weights and the
        validation accuracy collapses (measured: 42% instead of 75% after one
        epoch of the lite network at lr 1e-3).
    init : str
        Start from these weights instead of a random initialisation: a
        shipped name (``"lite"``) or a ``best.pt``/``checkpoint.pt`` path of
        the same preset ("" : random, the paper).  Used to fine-tune, e.g. in
        the CPU-scale augmentation experiment.
    """

    preset: str = "paper"
    length: object = "varying"
    noise: object = 0.0
    train_per_class: int = paper.RECIPE["train_per_class"]
    val_per_class: int = paper.RECIPE["val_per_class"]
    fresh_data: bool = False
    lr: float = paper.RECIPE["lr"]
    batch_size: int = paper.RECIPE["batch_size"]
    step_size: int = paper.RECIPE["step_size"]
    gamma: float = paper.RECIPE["gamma"]
    patience: int = paper.RECIPE["patience"]
    min_delta: float = paper.RECIPE["min_delta"]
    max_epochs: int = paper.RECIPE["max_epochs"]
    weight_decay: float = 0.0
    seed: int = 0
    device: str = "auto"
    amp: bool = True
    num_workers: int = 0
    checkpoint_every: int = 0
    bn_batches: int = 0
    init: str = ""
    precision: str = "auto"
    schedule: str = "step"
    warmup_epochs: float = 0.0
    label_smoothing: float = 0.0
    optimizer: str = "adam"
    ema: float = 0.0
    symmetries: bool = False

    @classmethod
    def recipe(cls, name: str = "paper", **overrides) -> TrainConfig:
        """A named recipe (see :data:`RECIPES`) with any field overridden.

        Examples
        --------
        >>> TrainConfig.recipe("cpu", length=1000).schedule
        'cosine'
        """
        if name not in RECIPES:
            raise ValueError(f"recipe must be one of {', '.join(RECIPES)}, got {name!r}")
        return cls(**{**RECIPES[name], **overrides})

    def __post_init__(self):
        if self.preset not in PRESETS:
            raise ValueError(f"preset must be one of {', '.join(PRESETS)}, got {self.preset!r}")
        for name in ("train_per_class", "val_per_class", "batch_size", "step_size", "max_epochs"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.num_workers not in (0, 1):
            raise ValueError(
                f"num_workers must be 0 or 1 (one simulating worker keeps runs reproducible), got {self.num_workers}"
            )
        for name in ("lr", "gamma"):  # finite: lr=inf trains to NaN weights
            check_float(getattr(self, name), name, minimum=0, open_low=True)
        for name in ("patience", "checkpoint_every", "bn_batches"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
        for name in ("min_delta", "weight_decay", "warmup_epochs", "label_smoothing"):
            check_float(getattr(self, name), name, minimum=0)
        check_int(self.seed, "seed", minimum=0, maximum=2**63 - 1)
        _parse_device(self.device)
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {self.precision!r}")
        if self.schedule not in ("step", "cosine"):
            raise ValueError(f"schedule must be 'step' or 'cosine', got {self.schedule!r}")
        if not 0 <= self.warmup_epochs < self.max_epochs:
            raise ValueError(f"warmup_epochs must be in [0, max_epochs={self.max_epochs}), got {self.warmup_epochs!r}")
        if not 0 <= self.label_smoothing < 1:
            raise ValueError(f"label_smoothing must be in [0, 1), got {self.label_smoothing!r}")
        if not isinstance(self.optimizer, str) or self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}")
        check_float(self.ema, "ema", minimum=0)
        if not self.ema < 1:
            raise ValueError(f"ema must be in [0, 1) (0: no average of the weights), got {self.ema!r}")
        if not isinstance(self.symmetries, bool):
            raise TypeError(f"symmetries must be True or False, got {self.symmetries!r}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def saved_dict(cls, saved: dict) -> dict:
        """A config dict written by an older version (a checkpoint's, a log's), with every field added since at
        its default, so that it compares with :meth:`to_dict` field by field.

        >>> TrainConfig.saved_dict({"lr": 0.5})["ema"], TrainConfig.saved_dict({"lr": 0.5})["lr"]
        (0.0, 0.5)
        """
        return {**cls().to_dict(), **saved}


PRECISIONS = ("auto", "fp32", "bf16", "fp16")
#: The optimizers of :attr:`TrainConfig.optimizer`.
OPTIMIZERS = ("adam", "adamw", "sgd")

#: The ``"fast"`` recipe: the CPU recipe's ingredients (fresh data, warm-up and cosine decay, label smoothing,
#: exact BatchNorm statistics) pushed towards time to accuracy.  Its ingredients were chosen by reasoning from
#: the CPU recipe; ``benchmarks/speedrun.py`` measures the whole (chapter 6) and each ingredient (``--ablate``).
#:
#: - one worker process simulates the next batches while the main process trains (``num_workers=1``);
#: - batches of 512 at a peak learning rate of 3e-3 (the CPU recipe: 256 at 2e-3; Adam's rate grows about as
#:   the square root of the batch), after a warm-up of a quarter epoch (50k samples);
#: - AdamW with a small decoupled weight decay (1e-2), and an average of the weights with decay 0.998 (about
#:   500 batches, 256k samples, the last few minutes), validated and kept instead of the raw weights;
#: - label smoothing 0.1 and exact BatchNorm statistics (20 batches) before each validation, as the CPU recipe;
#: - 12 epochs of 200k fresh trajectories (2.4 M samples), a small validation set (4,000): on two cores of the
#:   project's AMD EPYC machine (bfloat16, no AMX) the recipe runs at about 740 samples/s, simulation and
#:   validation included, so the schedule ends inside an hour; a schedule longer than the budget would be
#:   cut before its learning rate has decayed.
#:
#: Measured alone so far (two seeds each way): the weight average costs the first quarter hour (about 16
#: points of test accuracy at 4 minutes, since it still carries the first weights) and changes nothing at the
#: end, where the cosine has nearly stopped the weights.  Batches of 256 at 2e-3 instead train a fifth slower
#: (615 and 580 samples/s) and end no measurably better (89.28% and 88.62% against 88.34% and 89.31%).  Nesterov
#: SGD at 0.2 (weight decay 5e-4) instead of AdamW learns no more per trajectory and ends at 87.78% and 88.66%.
FAST = dict(
    preset="lite",
    fresh_data=True,
    num_workers=1,
    train_per_class=25_000,
    val_per_class=500,
    batch_size=512,
    lr=3e-3,
    optimizer="adamw",
    weight_decay=1e-2,
    ema=0.998,
    schedule="cosine",
    warmup_epochs=0.25,
    label_smoothing=0.1,
    max_epochs=12,
    patience=1_000,
    bn_batches=20,
    checkpoint_every=100,
)

#: Named recipes.  ``"paper"``: the paper's (Adam 1e-4, batch 64, StepLR(10,
#: 0.5), early stopping), made for a GPU.  ``"cpu"``: more accuracy per
#: CPU-hour, measured on the lite network (chapter 6): fresh data every epoch,
#: batches of 256, a peak learning rate of 2e-3 after one epoch of warm-up and a
#: cosine decay to zero, label smoothing 0.1, exact BatchNorm statistics before
#: each validation, no early stopping.  ``"fast"``: time to accuracy on a CPU
#: (issue 29: the paper's 90.36% from scratch within an hour on two cores);
#: its values are provisional until ``benchmarks/speedrun.py`` has measured
#: them (see :data:`FAST`).
RECIPES = {
    "paper": {},
    "cpu": dict(
        preset="lite",
        fresh_data=True,
        train_per_class=10_000,
        val_per_class=2_000,
        batch_size=256,
        lr=2e-3,
        schedule="cosine",
        warmup_epochs=1.0,
        label_smoothing=0.1,
        max_epochs=30,
        patience=1_000,
        bn_batches=50,
        checkpoint_every=100,
    ),
    "fast": FAST,
}


def cpu_has_native_bf16() -> bool:
    """Whether this CPU has bfloat16 instructions (``avx512_bf16`` or ``amx_bf16``; Linux only)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def resolve_precision(precision: str, device: torch.device) -> str:
    """The arithmetic ``precision`` means on ``device`` by the device and the CPU's flags alone, without measuring.

    ``"auto"`` is float16 on CUDA (with a gradient scaler), bfloat16 on a CPU
    with native bfloat16 instructions, and float32 everywhere else (MPS, older
    CPUs).  Training refines the CPU case by measuring which is faster
    (:func:`~resandi_lite.train.choose_precision`).
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if precision != "auto":
        return precision
    if device.type == "cuda":
        return "fp16"
    if device.type == "cpu" and cpu_has_native_bf16():
        return "bf16"
    return "fp32"


def autocast(precision: str, device: torch.device):
    """The autocast context of a resolved ``precision`` on ``device`` (a no-op for fp32)."""
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
    return torch.autocast(device.type, dtype=dtype or torch.float32, enabled=dtype is not None)


def _parse_device(device) -> torch.device | None:
    """The torch device a string names (None for ``"auto"``), without checking that it is present."""
    if device == "auto":
        return None
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError):
        parsed = None
    if parsed is None or parsed.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps', got {device!r}")
    return parsed


def _mps_available() -> bool:
    return getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()


def check_device(device: str = "auto") -> torch.device:
    """The device ``device`` names, after checking that this machine has it.

    Raises
    ------
    ValueError
        For a name torch does not know or does not train on (``"tpu"``), or a
        device absent here (``"cuda"`` without CUDA, ``"cuda:3"`` on a machine
        with fewer GPUs, ``"mps"`` off Apple silicon).

    Examples
    --------
    >>> check_device("cpu")
    device(type='cpu')
    >>> check_device("tpu")
    Traceback (most recent call last):
    ValueError: device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps', got 'tpu'
    """
    parsed = _parse_device(device)
    if parsed is None:
        return pick_device("auto")
    if parsed.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} is not available: torch finds no CUDA GPU here; use 'auto' or 'cpu'")
    if parsed.type == "cuda" and parsed.index is not None and parsed.index >= torch.cuda.device_count():
        raise ValueError(f"device {device!r} is not available: this machine has {torch.cuda.device_count()} GPU(s)")
    if parsed.type == "mps" and not _mps_available():
        raise ValueError(
            f"device {device!r} is not available: torch finds no Apple MPS device here; use 'auto' or 'cpu'"
        )
    return parsed


def pick_device(device: str = "auto") -> torch.device:
    """``"auto"``: CUDA if available, then Apple's MPS, then the CPU; any other name is checked by :func:`check_device`."""
    if device != "auto":
        return check_device(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def make_optimizer(parameters, config: TrainConfig) -> torch.optim.Optimizer:
    """The optimizer of ``config`` (:data:`OPTIMIZERS`) over ``parameters``, at its learning rate and weight decay.

    Examples
    --------
    >>> make_optimizer([torch.zeros(1, requires_grad=True)], TrainConfig(optimizer="sgd", lr=0.1)).defaults["nesterov"]
    True
    """
    if config.optimizer == "adamw":
        return torch.optim.AdamW(parameters, lr=config.lr, weight_decay=config.weight_decay)
    if config.optimizer == "sgd":
        return torch.optim.SGD(parameters, lr=config.lr, momentum=0.9, nesterov=True, weight_decay=config.weight_decay)
    return torch.optim.Adam(parameters, lr=config.lr, weight_decay=config.weight_decay)


def make_scheduler(optimizer, config: TrainConfig, batches_per_epoch: int):
    """The learning-rate schedule of ``config``: StepLR stepped per epoch, or warm-up + cosine stepped per batch."""
    if config.schedule == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, config.step_size, config.gamma)
    warmup = config.warmup_epochs * batches_per_epoch
    total = config.max_epochs * batches_per_epoch

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * min(1.0, (step - warmup) / max(1.0, total - warmup))))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def throughput(
    model: nn.Module,
    *,
    batches: int = 5,
    train_batch: int = 64,
    infer_batch: int = 256,
    device=None,
    precision: str = "fp32",
) -> tuple[float, float]:
    """Samples per second of a training step (forward, backward, Adam) and of inference, on random input.

    The model's weights are changed by the training steps: pass a fresh model.
    ``precision`` ("fp32", "bf16", "fp16" or "auto") is the arithmetic of both
    passes, as in :func:`fit`.

    Returns
    -------
    train_rate, infer_rate : float
    """
    device = device or pick_device("auto")
    precision = resolve_precision(precision, device)
    model = model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    x = torch.rand(train_batch, 2, 1000, device=device)
    y = torch.randint(0, N_CLASSES, (train_batch,), device=device)
    xi = torch.rand(infer_batch, 2, 1000, device=device)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    def train_step():
        optimizer.zero_grad()
        with autocast(precision, device):
            loss = nn.functional.cross_entropy(model(x).float(), y)
        loss.backward()
        optimizer.step()

    def rate(step, batch, repeats):
        step()  # warm up
        sync()
        start = time.perf_counter()
        for _ in range(repeats):
            step()
        sync()
        return batch * repeats / (time.perf_counter() - start)

    model.train()
    train_rate = rate(train_step, train_batch, batches)
    model.eval()
    with torch.no_grad(), autocast(precision, device):
        infer_rate = rate(lambda: model(xi), infer_batch, max(2, batches // 2))
    return train_rate, infer_rate
