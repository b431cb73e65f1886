"""Training: the paper's recipe by default, resumable, on any device, optionally distributed.

The paper trains with Adam (learning rate 1e-4), batches of 64, cross-entropy,
a learning rate halved every 10 epochs, and early stopping on the validation
loss (patience 10, minimum improvement 0.001), keeping the best model, for at
most 100 epochs.  :class:`TrainConfig` holds exactly that; any field can be
overridden.

Every piece of randomness is derived from ``(seed, epoch)``: the initial
weights, the order of a fixed training set, the fresh trajectories of a
streamed one.  A checkpoint holds the model, optimizer, scheduler, gradient
scaler and early-stopping state, and is written at the end of every epoch (and
every ``checkpoint_every`` batches), so a run killed at any point and resumed
with ``resume=True`` ends with the same weights as an uninterrupted run.

Launched with ``torchrun --nproc-per-node N``, the same entry point trains with
``DistributedDataParallel`` (NCCL on GPUs, gloo on CPUs); rank 0 writes the
files.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, IterableDataset

from .data import SimulatedTrajectories, TrajectoryDataset, make_dataset
from .model import PRESETS, build_model

CHECKPOINT = "checkpoint.pt"
BEST = "best.pt"
LOG = "log.json"


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
        The optimisation recipe (Adam; StepLR; early stopping on the
        validation loss).
    weight_decay : float
        Adam's L2 penalty (paper: 0).
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
        scaler on CUDA, bfloat16 on a CPU with native bfloat16 instructions
        (``avx512_bf16`` or ``amx_bf16``), float32 otherwise.  See
        :func:`resolve_precision`.
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
    train_per_class: int = 50_000
    val_per_class: int = 10_000
    fresh_data: bool = False
    lr: float = 1e-4
    batch_size: int = 64
    step_size: int = 10
    gamma: float = 0.5
    patience: int = 10
    min_delta: float = 1e-3
    max_epochs: int = 100
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

    @classmethod
    def recipe(cls, name: str = "paper", **overrides) -> "TrainConfig":
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
            raise ValueError(f"num_workers must be 0 or 1 (one simulating worker keeps runs reproducible), "
                             f"got {self.num_workers}")
        for name in ("lr", "gamma"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {self.precision!r}")
        if self.schedule not in ("step", "cosine"):
            raise ValueError(f"schedule must be 'step' or 'cosine', got {self.schedule!r}")
        if not 0 <= self.warmup_epochs < self.max_epochs:
            raise ValueError(f"warmup_epochs must be in [0, max_epochs={self.max_epochs}), got {self.warmup_epochs!r}")
        if not 0 <= self.label_smoothing < 1:
            raise ValueError(f"label_smoothing must be in [0, 1), got {self.label_smoothing!r}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


PRECISIONS = ("auto", "fp32", "bf16", "fp16")

#: Named recipes.  ``"paper"``: the paper's (Adam 1e-4, batch 64, StepLR(10,
#: 0.5), early stopping), made for a GPU.  ``"cpu"``: more accuracy per
#: CPU-hour, measured on the lite network (chapter 6): fresh data every epoch,
#: batches of 256, a peak learning rate of 2e-3 after one epoch of warm-up and a
#: cosine decay to zero, label smoothing 0.1, exact BatchNorm statistics before
#: each validation, no early stopping.
RECIPES = {
    "paper": {},
    "cpu": dict(preset="lite", fresh_data=True, train_per_class=10_000, val_per_class=2_000, batch_size=256,
                lr=2e-3, schedule="cosine", warmup_epochs=1.0, label_smoothing=0.1, max_epochs=30,
                patience=1_000, bn_batches=50, checkpoint_every=100),
}


def cpu_has_native_bf16() -> bool:
    """Whether this CPU has bfloat16 instructions (``avx512_bf16`` or ``amx_bf16``; Linux only)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def resolve_precision(precision: str, device: torch.device) -> str:
    """The arithmetic ``precision`` means on ``device``: ``"fp32"``, ``"bf16"`` or ``"fp16"``.

    ``"auto"`` is float16 on CUDA (with a gradient scaler), bfloat16 on a CPU
    with native bfloat16 instructions, and float32 everywhere else (MPS, older
    CPUs).
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


def pick_device(device: str = "auto") -> torch.device:
    """``"auto"``: CUDA if available, then Apple's MPS, then the CPU."""
    if device != "auto":
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def _seed_for(seed: int, *key: int) -> int:
    return int(np.random.SeedSequence(seed, spawn_key=key).generate_state(1, np.uint32)[0])


class _Distributed:
    """Rank and world size under torchrun (1 process otherwise)."""

    def __init__(self, device: torch.device):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        self.enabled = self.world > 1
        if self.enabled and not torch.distributed.is_initialized():
            torch.distributed.init_process_group("nccl" if device.type == "cuda" else "gloo")

    @property
    def main(self) -> bool:
        return self.rank == 0

    def sync_buffers(self, model: nn.Module) -> None:
        """Average the BatchNorm running statistics over the processes (DDP keeps them per rank)."""
        if self.enabled:
            for buffer in model.buffers():
                if buffer.is_floating_point():
                    torch.distributed.all_reduce(buffer)
                    buffer /= self.world

    def mean(self, values: list[float]) -> list[float]:
        """Average numbers over the processes."""
        if not self.enabled:
            return values
        t = torch.tensor(values, dtype=torch.float64)
        torch.distributed.all_reduce(t)
        return (t / self.world).tolist()


class _Shuffled(IterableDataset):
    """A fixed dataset in an order drawn from (seed, epoch), this rank's share, from batch ``skip`` on."""

    def __init__(self, data: Dataset, seed: int, rank: int, world: int):
        self.data, self.seed, self.rank, self.world = data, seed, rank, world
        self.epoch, self.skip = 0, 0

    def set_epoch(self, epoch: int, skip: int = 0) -> None:
        self.epoch, self.skip = epoch, skip

    def __len__(self) -> int:
        return len(self.data) // self.world

    def __iter__(self):
        g = torch.Generator().manual_seed(_seed_for(self.seed, 1, self.epoch))
        order = torch.randperm(len(self.data), generator=g)[self.rank::self.world][: len(self)]
        for i in order[self.skip:].tolist():
            yield self.data[i]


class _Stream(IterableDataset):
    """Fresh trajectories for (seed, epoch), this rank's share, from sample ``skip`` on."""

    def __init__(self, config: TrainConfig, rank: int, world: int):
        self.config, self.rank, self.world = config, rank, world
        self.epoch, self.skip = 0, 0

    def set_epoch(self, epoch: int, skip: int = 0) -> None:
        self.epoch, self.skip = epoch, skip

    def __len__(self) -> int:
        return self.config.train_per_class * 8 // self.world

    def __iter__(self):
        c = self.config
        stream = SimulatedTrajectories(c.train_per_class // self.world, c.length, c.noise,
                                       seed=_seed_for(c.seed, 2, self.rank))
        stream.set_epoch(self.epoch)
        for i, item in enumerate(stream):
            if i >= self.skip:
                yield item


def _make_loader(dataset, config: TrainConfig, skip_samples: int) -> DataLoader:
    dataset.skip = skip_samples
    workers = config.num_workers if isinstance(dataset, _Stream) else 0
    return DataLoader(dataset, batch_size=config.batch_size, num_workers=workers)


def validation_set(config: TrainConfig) -> TrajectoryDataset:
    """The fixed validation set of a run (its own seed stream)."""
    return make_dataset(config.val_per_class, config.length, config.noise, seed=_seed_for(config.seed, 3))


def evaluate_loss(model: nn.Module, X: np.ndarray, y: np.ndarray, device: torch.device,
                  batch_size: int = 512) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` on ``(X, y)`` in eval mode (logits from :func:`predict`)."""
    from .evaluate import predict

    logits = torch.from_numpy(predict(model, X, batch_size=batch_size, device=device))
    labels = torch.from_numpy(np.asarray(y, dtype=np.int64))
    loss = nn.functional.cross_entropy(logits.double(), labels).item()
    return loss, (logits.argmax(1) == labels).double().mean().item()


@torch.no_grad()
def recompute_batchnorm(model: nn.Module, batches) -> None:
    """Reset every BatchNorm layer's running statistics to the exact average over ``batches``.

    ``batches`` yields input tensors ``(B, 2, 1000)``; weights are not changed.
    """
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average
    was_training = model.training
    model.train()
    device = next(model.parameters()).device
    for xb in batches:
        model(xb.to(device))
    for m, momentum in zip(norms, momenta):
        m.momentum = momentum
    model.train(was_training)


def _bn_inputs(config: TrainConfig, train, epoch: int, rank: int):
    """The inputs used to recompute BatchNorm statistics after ``epoch``: drawn from (seed, epoch, rank)."""
    n = config.bn_batches * config.batch_size
    if isinstance(train, _Stream):
        stream = SimulatedTrajectories(max(1, n // 8), config.length, config.noise, seed=_seed_for(config.seed, 5, rank))
        stream.set_epoch(epoch)
        xs = torch.stack([x for x, _ in stream])
    else:
        g = torch.Generator().manual_seed(_seed_for(config.seed, 5, epoch, rank))
        index = torch.randperm(len(train.data), generator=g)[:n].tolist()
        xs = torch.stack([train.data[i][0] for i in index])
    return xs.split(config.batch_size)


def _atomic_save(obj, path: Path) -> None:
    tmp = path.with_name(path.name + ".part")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def _rng_state() -> dict:
    return {"torch": torch.get_rng_state()}


def fit(config: TrainConfig, out_dir, *, resume: bool = False, train_data: TrajectoryDataset | None = None,
        val_data: TrajectoryDataset | None = None, progress: bool = True, stop_after_batches: int | None = None):
    """Train a network with ``config`` and write its files into ``out_dir``.

    Parameters
    ----------
    config : TrainConfig
    out_dir : str or path-like
        Receives ``checkpoint.pt`` (everything needed to resume), ``best.pt``
        (the weights with the lowest validation loss, with their config and
        metrics) and ``log.json`` (the learning curves).
    resume : bool
        Continue from ``out_dir/checkpoint.pt`` (its config must match).
    train_data, val_data : TrajectoryDataset, optional
        Fixed sets to use instead of simulating them from the config.
    progress : bool
        Show a progress bar per epoch.
    stop_after_batches : int, optional
        Stop (as if killed) after this many batches in this call; for tests.

    Returns
    -------
    model : ResAnDi
        The network as trained so far (last epoch, not the best one: load
        ``best.pt`` with :func:`resandi_lite.load_model` for that).
    history : list of dict
        One entry per finished epoch: losses, accuracies, learning rate, time.
    """
    from tqdm.auto import tqdm

    out_dir = Path(out_dir)
    device = pick_device(config.device)
    dist = _Distributed(device)
    if dist.enabled and device.type == "cuda":
        device = torch.device("cuda", dist.local_rank)
        torch.cuda.set_device(device)
    if dist.main:
        out_dir.mkdir(parents=True, exist_ok=True)

    torch.manual_seed(_seed_for(config.seed, 0))
    model = build_model(config.preset).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    precision = resolve_precision(config.precision if config.amp else "fp32", device)
    scaler = torch.amp.GradScaler(device.type, enabled=precision == "fp16")
    state = {"epoch": 0, "batch": 0, "best_loss": math.inf, "best_epoch": -1, "bad_epochs": 0,
             "history": [], "done": False}

    ckpt_path = out_dir / CHECKPOINT
    if resume and ckpt_path.exists():
        ckpt = load_checkpoint(ckpt_path, device)
        # fields added to TrainConfig after a checkpoint was written take their defaults
        saved = {**dataclasses.asdict(TrainConfig()), **ckpt["config"]}
        if saved != config.to_dict():
            changed = {k: (saved.get(k), v) for k, v in config.to_dict().items() if saved.get(k) != v}
            raise ValueError(f"cannot resume {ckpt_path}: its config differs in {changed} (saved, requested)")
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        scaler.load_state_dict(ckpt["scaler"])
        state = ckpt["state"]
        torch.set_rng_state(ckpt["rng"]["torch"])
    else:
        if resume and dist.main and progress:
            print(f"no checkpoint in {out_dir}; starting a new run")
        if config.init:
            from .pretrained import load_model

            start = load_model(config.init, preset=config.preset)
            model.load_state_dict(start.state_dict())

    net = model
    if dist.enabled:
        net = nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)

    if config.fresh_data:
        train = _Stream(config, dist.rank, dist.world)
    else:
        data = train_data if train_data is not None else make_dataset(
            config.train_per_class, config.length, config.noise, seed=_seed_for(config.seed, 4))
        train = _Shuffled(data, config.seed, dist.rank, dist.world)
    val = val_data if val_data is not None else validation_set(config)
    batches_per_epoch = math.ceil(len(train) / config.batch_size)
    scheduler = make_scheduler(optimizer, config, batches_per_epoch)
    if resume and ckpt_path.exists():
        # building the scheduler set the optimizer's learning rate to its initial value: restore the saved one
        scheduler.load_state_dict(ckpt["scheduler"])
        for group, lr in zip(optimizer.param_groups, scheduler.get_last_lr()):
            group["lr"] = lr
    per_batch = config.schedule == "cosine"
    loss_fn = nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)
    batches_this_call = 0

    def save() -> None:
        if dist.main:
            _atomic_save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                          "scheduler": scheduler.state_dict(), "scaler": scaler.state_dict(),
                          "state": state, "rng": _rng_state(), "config": config.to_dict(),
                          "precision": precision, "format": "resandi-lite-checkpoint-1"}, ckpt_path)

    while not state["done"] and state["epoch"] < config.max_epochs:
        epoch = state["epoch"]
        train.set_epoch(epoch)
        loader = _make_loader(train, config, state["batch"] * config.batch_size)
        total = math.ceil(len(train) / config.batch_size)
        net.train()
        running = state.get("running", [0.0, 0, 0])  # loss sum, correct, samples of this epoch so far
        start = time.perf_counter() - state.get("seconds", 0.0)
        bar = tqdm(total=total, initial=state["batch"], desc=f"epoch {epoch + 1}/{config.max_epochs}",
                   unit="batch", disable=not (progress and dist.main), leave=False)
        for xb, yb in loader:
            xb, yb = xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)
            with autocast(precision, device):
                logits = net(xb)
                loss = loss_fn(logits.float(), yb)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            if per_batch:
                scheduler.step()
            running[0] += loss.item() * len(yb)
            running[1] += (logits.argmax(1) == yb).sum().item()
            running[2] += len(yb)
            state["batch"] += 1
            batches_this_call += 1
            bar.update(1)
            bar.set_postfix(loss=f"{running[0] / running[2]:.3f}", acc=f"{running[1] / running[2]:.3f}")
            if config.checkpoint_every and state["batch"] % config.checkpoint_every == 0:
                state["running"], state["seconds"] = running, time.perf_counter() - start
                save()
            if stop_after_batches is not None and batches_this_call >= stop_after_batches:
                bar.close()
                return model, state["history"]
        bar.close()
        if config.bn_batches:
            recompute_batchnorm(model, _bn_inputs(config, train, epoch, dist.rank))
        dist.sync_buffers(model)
        train_loss, train_acc = dist.mean([running[0] / max(running[2], 1), running[1] / max(running[2], 1)])
        val_loss, val_acc = evaluate_loss(model, val.X, val.y, device)
        lr = optimizer.param_groups[0]["lr"]
        if not per_batch:
            scheduler.step()
        entry = {"epoch": epoch + 1, "train_loss": train_loss, "train_acc": train_acc, "val_loss": val_loss,
                 "val_acc": val_acc, "lr": lr, "seconds": time.perf_counter() - start,
                 "samples": running[2] * dist.world, "precision": precision}
        state["history"].append(entry)
        if val_loss < state["best_loss"] - config.min_delta:
            state.update(best_loss=val_loss, best_epoch=epoch + 1, bad_epochs=0)
            if dist.main:
                _atomic_save({"model": model.state_dict(), "config": config.to_dict(), "metrics": entry,
                              "format": "resandi-lite-model-1"}, out_dir / BEST)
        else:
            state["bad_epochs"] += 1
            state["done"] = state["bad_epochs"] >= config.patience
        state.update(epoch=epoch + 1, batch=0, running=[0.0, 0, 0], seconds=0.0)
        save()
        if dist.main:
            (out_dir / LOG).write_text(json.dumps({"config": config.to_dict(), "history": state["history"],
                                                   "best_epoch": state["best_epoch"]}, indent=1))
            if progress:
                print(f"epoch {epoch + 1}: train loss {train_loss:.4f} acc {train_acc:.4f} | "
                      f"val loss {val_loss:.4f} acc {val_acc:.4f} | lr {lr:.2e} | {entry['seconds']:.0f} s", flush=True)
    return model, state["history"]


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


def throughput(model: nn.Module, *, batches: int = 5, train_batch: int = 64, infer_batch: int = 256,
               device=None, precision: str = "fp32") -> tuple[float, float]:
    """Samples per second of a training step (forward, backward, Adam) and of inference, on random input.

    The model's weights are changed by the training steps: pass a fresh model.
    ``precision`` ("fp32", "bf16", "fp16" or "auto") is the arithmetic of both
    passes, as in :func:`fit`.

    Returns
    -------
    train_rate, infer_rate : float
    """
    import time

    device = device or pick_device("auto")
    precision = resolve_precision(precision, device)
    model = model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    x = torch.rand(train_batch, 2, 1000, device=device)
    y = torch.randint(0, 8, (train_batch,), device=device)
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


def load_checkpoint(path, device="cpu") -> dict:
    """Load a training checkpoint or a best-model file safely (``weights_only=True``).

    Raises
    ------
    ValueError
        If the file is missing, truncated or not a resandi-lite checkpoint.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        ckpt = torch.load(path, map_location=device, weights_only=True)
    except Exception as err:
        raise ValueError(f"{path} is not a readable checkpoint ({type(err).__name__}: {str(err)[:200]}); "
                         f"it may be truncated or not a torch file") from None
    if not isinstance(ckpt, dict) or not str(ckpt.get("format", "")).startswith("resandi-lite-"):
        raise ValueError(f"{path} is a torch file but not a resandi-lite checkpoint (no 'format' entry)")
    return ckpt
