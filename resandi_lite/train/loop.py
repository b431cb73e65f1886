"""The training loop: :class:`TrainingRun` (network, optimizer, schedule, data and :class:`TrainState`) and its
steps, :func:`fit`, and the run folder (its checks and lock, replacing a run, resuming one from its checkpoint)."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import shutil
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from torch.utils.data import IterableDataset
from tqdm.auto import tqdm

from .. import _files
from ..checkpoint import (
    BEST,
    CHECKPOINT,
    CHECKPOINT_FORMAT,
    LOG,
    MODEL_FORMAT,
    PRETRAINED,
    atomic_save,
    checkpoint_path,
    load_checkpoint,
    load_model,
    log,
    remove_stale_parts,
)
from ..data import TrajectoryDataset
from ..evaluate import SYMMETRIES, predict_logits, symmetrize_each
from ..model import build_model
from .config import TrainConfig, autocast, make_optimizer, make_scheduler, pick_device
from .distributed import _Distributed
from .precision import PrecisionChoice, choose_precision, describe_machine, recorded_precision, resumable_precision
from .streams import _bn_inputs, _make_loader, _seed_for, _training_data, recompute_batchnorm


def evaluate_loss(
    model: nn.Module, X: np.ndarray, y: np.ndarray, device: torch.device, batch_size: int = 512
) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` on ``(X, y)`` in eval mode (logits from :func:`~resandi_lite.evaluate.predict_logits`)."""
    logits = torch.from_numpy(predict_logits(model, X, batch_size=batch_size, device=device))
    labels = torch.from_numpy(np.asarray(y, dtype=np.int64))
    loss = nn.functional.cross_entropy(logits.double(), labels).item()
    return loss, (logits.argmax(1) == labels).double().mean().item()


def _rng_state() -> dict:
    return {"torch": torch.get_rng_state()}


@dataclasses.dataclass
class TrainState:
    """Where a run stands; saved in ``checkpoint.pt`` as a dict with these keys.

    Attributes
    ----------
    epoch : int
        Finished epochs.
    batch : int
        Batches finished in the current epoch.
    best_loss : float
        Lowest validation loss so far (``inf`` before the first validation).
    best_epoch : int
        Epoch (1-based) of ``best_loss`` (-1: none yet).
    bad_epochs : int
        Epochs since the validation loss last improved by ``min_delta``.
    history : list of dict
        One entry per finished epoch (losses, accuracies, learning rate, time).
    done : bool
        Stopped early (``bad_epochs`` reached ``patience``).
    running : list
        Loss sum, correct predictions and samples of the current epoch so far.
    seconds : float
        Time spent in the current epoch so far.
    """

    epoch: int = 0
    batch: int = 0
    best_loss: float = math.inf
    best_epoch: int = -1
    bad_epochs: int = 0
    history: list = dataclasses.field(default_factory=list)
    done: bool = False
    running: list = dataclasses.field(default_factory=lambda: [0.0, 0, 0])
    seconds: float = 0.0

    @classmethod
    def from_dict(cls, state: dict) -> TrainState:
        """The state saved in a checkpoint (keys missing from older files take their defaults)."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in state.items() if k in known})

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _check_resumable(path: Path, saved_config: dict, config: TrainConfig, recorded: str) -> None:
    """Raise unless ``config`` continues the run saved with ``saved_config`` (a larger max_epochs may extend it).

    The run keeps the arithmetic ``recorded`` in its checkpoint: ``config`` may
    ask for ``"auto"`` or for that one, whatever the saved config says.
    """
    saved = TrainConfig.saved_dict(saved_config)  # fields added after the checkpoint was written: their defaults
    changed = {k: (saved.get(k), v) for k, v in config.to_dict().items() if saved.get(k) != v}
    if not resumable_precision(config, recorded):
        raise ValueError(
            f"cannot resume {path} in precision {config.precision if config.amp else 'fp32'!r}: it trained in "
            f"{recorded!r} (recorded in its checkpoint), which a run keeps to its end; resume with precision "
            f"'auto' or {recorded!r}"
        )
    for key in ("precision", "amp"):
        changed.pop(key, None)
    if set(changed) == {"max_epochs"} and config.schedule == "cosine":
        raise ValueError(
            f"cannot resume {path} with max_epochs {config.max_epochs} instead of {saved['max_epochs']}: "
            f"the cosine schedule decays the learning rate to 0 at max_epochs, so a run planned for another "
            f"length differs from its first batch on; start a new run from its weights "
            f"(init={str(path.parent / BEST)!r})"
        )
    if changed and set(changed) != {"max_epochs"}:
        raise ValueError(f"cannot resume {path}: its config differs in {changed} (saved, requested)")


class DivergedError(FloatingPointError):
    """The training loss, the weights or the validation loss became NaN or infinite; nothing bad was saved."""


#: What a training checkpoint must hold to be resumed.
RESUME_KEYS = ("model", "optimizer", "scheduler", "scaler", "state", "rng", "config")


def _check_options(config: TrainConfig, out_dir: Path, resume: bool, overwrite: bool) -> None:
    """The checks of :func:`fit` that need nothing of ``out_dir``: done before the folder is created or locked."""
    if resume and overwrite:
        raise ValueError(
            "resume and overwrite exclude each other: resume continues the run in out_dir, overwrite replaces it"
        )
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"out_dir {out_dir} is an existing file; expected a run folder")
    if config.init and not checkpoint_path(config.init).is_file():
        raise ValueError(
            f"init must be a shipped name ({', '.join(PRETRAINED)}) or an existing file, "
            f"got {config.init!r} (no such file)"
        )


def _check_state(state, path: Path) -> None:
    """Raise unless the training state read from ``path`` has values a run can continue from."""
    if not isinstance(state, dict):
        raise ValueError(f"{path}: the 'state' read from the checkpoint is not a dict; the file is damaged")
    rules = {
        "epoch": (int, 0),
        "batch": (int, 0),
        "bad_epochs": (int, 0),
        "best_epoch": (int, -1),
        "seconds": ((int, float), 0),
        "best_loss": ((int, float), None),
        "done": (bool, None),
        "history": (list, None),
        "running": (list, None),
    }
    for key, (kind, low) in rules.items():
        value = state.get(key, getattr(TrainState(), key))
        bad = (
            not isinstance(value, kind)
            or (kind is int and isinstance(value, bool))
            or (low is not None and not value >= low)
            or (key == "best_loss" and math.isnan(value))
            or (key == "running" and len(value) != 3)
        )
        if bad:
            expected = f"{'an integer' if kind is int else 'a number'}{f' >= {low}' if low is not None else ''}"
            raise ValueError(
                f"{path}: the value state[{key!r}] = {value!r:.60} read from the checkpoint is out of "
                f"range (expected {expected if key not in ('done', 'history', 'running') else kind}); "
                f"the file is damaged or was not written by fit()"
            )


def _resumable(path: Path, config: TrainConfig, device: torch.device) -> dict:
    """The checkpoint at ``path``, after checking that it is complete and continues ``config`` (on ``device``)."""
    ckpt = load_checkpoint(path, "cpu")
    missing = [key for key in RESUME_KEYS if key not in ckpt]
    if missing:
        raise ValueError(
            f"{path} cannot be resumed: it lacks {', '.join(map(repr, missing))} (a model file, or a "
            f"checkpoint that is incomplete); start a new run from its weights with init= (--init)"
        )
    if not isinstance(ckpt["config"], dict) or not isinstance(ckpt["rng"], dict) or "torch" not in ckpt["rng"]:
        raise ValueError(f"{path} cannot be resumed: its 'config' or 'rng' read from the checkpoint is malformed")
    _check_state(ckpt["state"], path)
    _check_resumable(path, ckpt["config"], config, recorded_precision(ckpt, device).precision)
    if config.ema and "ema" not in ckpt:
        raise ValueError(f"{path} cannot be resumed: its config has ema={config.ema} but it holds no 'ema' weights")
    return ckpt


def _move_aside(out_dir: Path, existing: list[str]) -> Path:
    """Move the files of the run being replaced into ``out_dir/replaced.<time>.<pid>``; returns that folder."""
    aside = out_dir / f"replaced.{time.strftime('%Y%m%d-%H%M%S')}.{os.getpid()}"
    aside.mkdir()
    for name in existing:
        os.replace(out_dir / name, aside / name)
    log.warning(
        "overwrite: moved %s of the previous run to %s; deleted once the new run has written its first checkpoint",
        ", ".join(existing),
        aside,
    )
    return aside


def _open_run_folder(out_dir: Path, config: TrainConfig, resume: bool, overwrite: bool, main: bool, device):
    """``(checkpoint to resume or None, init weights or None, files of the run to replace)``.

    Refuses to overwrite a run by mistake.  Every input (the checkpoint, the
    ``init`` weights) is loaded into memory here, before anything is moved;
    :meth:`TrainingRun.start` moves the replaced run aside (not deleting it)
    once the new run's data exist, and :meth:`TrainingRun.save` removes it
    once the new run has saved its first checkpoint.
    """
    _check_options(config, out_dir, resume, overwrite)
    ckpt_path = out_dir / CHECKPOINT
    existing = [name for name in (CHECKPOINT, BEST, LOG) if (out_dir / name).exists()]
    if existing and not (resume or overwrite):
        raise ValueError(
            f"{out_dir} already holds a run ({', '.join(existing)}); continue it with resume=True "
            f"(--resume) or replace it with overwrite=True (--overwrite)"
        )
    for old in sorted(out_dir.glob("replaced.*")) if main else ():
        log.warning(
            "%s holds a run that an interrupted overwrite replaced: move its files back to resume it, "
            "or delete the folder",
            old,
        )
    if resume and ckpt_path.exists():
        return _resumable(ckpt_path, config, device), None, None
    init = load_model(config.init, preset=config.preset).state_dict() if config.init else None
    if main:
        out_dir.mkdir(parents=True, exist_ok=True)
    return None, init, existing if overwrite and main else []


def _averaged(model: nn.Module, config: TrainConfig, ckpt: dict | None, path: Path) -> AveragedModel | None:
    """The moving average of ``model``'s weights and buffers (``config.ema``), restored from ``ckpt`` if resumed."""
    if not config.ema:
        return None
    ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(config.ema), use_buffers=True)
    if ckpt is not None:
        _restore(path, "moving average of the weights", lambda: ema.load_state_dict(ckpt["ema"]))
    return ema


@dataclasses.dataclass
class TrainingRun:
    """A run being trained: the network, its optimizer, its data, its state, and the steps of :func:`fit`.

    Built by :meth:`start`; :func:`fit` calls :meth:`train_epoch`,
    :meth:`validate` and :meth:`end_epoch` until :attr:`finished`.
    """

    config: TrainConfig
    out_dir: Path
    device: torch.device
    dist: _Distributed
    model: nn.Module
    net: nn.Module  # the model, wrapped in DistributedDataParallel under torchrun
    optimizer: torch.optim.Optimizer
    scheduler: object
    scaler: torch.amp.GradScaler
    precision: str
    train: IterableDataset
    val: TrajectoryDataset
    state: TrainState
    progress: bool = True
    batches_this_call: int = 0
    replaced: Path | None = None  # where the run being overwritten waits until this one has saved
    saved_at: tuple | None = None  # (epoch, batch) of the last checkpoint written
    ema: AveragedModel | None = None  # the moving average of the weights (config.ema > 0)
    precision_choice: PrecisionChoice | None = None  # the arithmetic and why

    @classmethod
    def start(
        cls,
        config: TrainConfig,
        out_dir,
        *,
        resume: bool = False,
        overwrite: bool = False,
        train_data=None,
        val_data=None,
        progress: bool = True,
    ) -> TrainingRun:
        """Set up a new run in ``out_dir``, or the one saved there (``resume=True``)."""
        out_dir = Path(out_dir)
        device = pick_device(config.device)
        dist = _Distributed(device)
        if dist.enabled and device.type == "cuda":
            device = torch.device("cuda", dist.local_rank)
            torch.cuda.set_device(device)
        ckpt, init, to_replace = _open_run_folder(out_dir, config, resume, overwrite, dist.main, device)
        if dist.main:
            remove_stale_parts(out_dir)
        choice = dist.from_main(
            recorded_precision(ckpt, device)
            if ckpt is not None
            else choose_precision(config.precision, device, amp=config.amp)
        )
        torch.manual_seed(_seed_for(config.seed, 0))
        model = build_model(config.preset).to(device)
        optimizer = make_optimizer(model.parameters(), config)
        scaler = torch.amp.GradScaler(device.type, enabled=choice.precision == "fp16")
        if ckpt is not None:
            _restore(
                out_dir / CHECKPOINT,
                "model, optimizer, gradient scaler or random state",
                lambda: (
                    model.load_state_dict(ckpt["model"]),
                    optimizer.load_state_dict(ckpt["optimizer"]),
                    scaler.load_state_dict(ckpt["scaler"]),
                    torch.set_rng_state(ckpt["rng"]["torch"]),
                ),
            )
        else:
            if resume and dist.main and progress:
                print(f"no checkpoint in {out_dir}; starting a new run")
            if init is not None:
                model.load_state_dict(init)
        ema = _averaged(model, config, ckpt, out_dir / CHECKPOINT)
        net = model
        if dist.enabled:
            net = nn.parallel.DistributedDataParallel(
                model, device_ids=[device.index] if device.type == "cuda" else None
            )
        train, val = _training_data(config, dist, train_data, val_data)
        scheduler = make_scheduler(optimizer, config, math.ceil(len(train) / config.batch_size))
        if ckpt is not None:
            # building the scheduler set the optimizer's learning rate to its initial value: restore the saved one
            _restore(out_dir / CHECKPOINT, "scheduler", lambda: scheduler.load_state_dict(ckpt["scheduler"]))
            for group, lr in zip(optimizer.param_groups, scheduler.get_last_lr()):
                group["lr"] = lr
        state = TrainState() if ckpt is None else TrainState.from_dict(ckpt["state"])
        replaced = _move_aside(out_dir, to_replace) if to_replace else None  # nothing of it may mix with the new run
        run = cls(
            config,
            out_dir,
            device,
            dist,
            model,
            net,
            optimizer,
            scheduler,
            scaler,
            choice.precision,
            train,
            val,
            state,
            progress,
            replaced=replaced,
            saved_at=None if ckpt is None else (state.epoch, state.batch),
            ema=ema,
            precision_choice=choice,
        )
        run.say(f"{describe_machine(device)}; precision {choice}")
        return run

    @property
    def evaluated(self) -> nn.Module:
        """The network that is validated, kept as ``best.pt`` and returned: the average of the weights if ``ema``."""
        return self.model if self.ema is None else self.ema.module

    @property
    def finished(self) -> bool:
        """Stopped early, or trained for ``max_epochs``."""
        return self.state.done or self.state.epoch >= self.config.max_epochs

    def say(self, text: str) -> None:
        if self.progress and self.dist.main:
            print(text, flush=True)

    def save(self) -> None:
        """Write ``checkpoint.pt`` (rank 0): everything needed to continue from this exact batch.

        Non-finite weights are never written (:class:`DivergedError`).  The
        first save of a run that replaces another removes the replaced run.
        """
        networks = (self.model,) if self.ema is None else (self.model, self.ema)
        if not all(bool(torch.isfinite(p).all()) for net in networks for p in net.parameters()):
            raise self.diverged("the weights are not all finite")
        if self.dist.main:
            atomic_save(
                {
                    "model": self.model.state_dict(),
                    "optimizer": self.optimizer.state_dict(),
                    "scheduler": self.scheduler.state_dict(),
                    "scaler": self.scaler.state_dict(),
                    "state": self.state.to_dict(),
                    "rng": _rng_state(),
                    "config": self.config.to_dict(),
                    "precision": self.precision,
                    "format": CHECKPOINT_FORMAT,
                    **({} if self.ema is None else {"ema": self.ema.state_dict()}),
                },
                self.out_dir / CHECKPOINT,
            )
            if self.replaced is not None:  # the new run is under way: the old one may go
                shutil.rmtree(self.replaced, ignore_errors=True)
                log.warning("overwrite: removed %s, the previous run", self.replaced)
                self.replaced = None
        self.saved_at = (self.state.epoch, self.state.batch)

    def diverged(self, what: str) -> DivergedError:
        """The error that stops a run whose loss or weights became NaN or infinite."""
        s, c = self.state, self.config
        kept = (
            f"the last checkpoint, {self.out_dir / CHECKPOINT} (epoch {self.saved_at[0]}, batch "
            f"{self.saved_at[1]}), is kept"
            if self.saved_at
            else "no checkpoint of this run was written"
        )
        return DivergedError(
            f"training diverged in epoch {s.epoch + 1}, batch {s.batch + 1} (lr {c.lr}): {what}; "
            f"stopped, nothing non-finite saved; {kept}. Lower the learning rate, or start again "
            f"from good weights (init=, --init)"
        )

    def train_step(self, xb: torch.Tensor, yb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One optimisation step on a batch ``(B, 2, 1000)``, ``(B,)``; returns the loss and the logits."""
        with autocast(self.precision, self.device):
            logits = self.net(xb)
            loss = nn.functional.cross_entropy(logits.float(), yb, label_smoothing=self.config.label_smoothing)
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        if self.ema is not None:
            self.ema.update_parameters(self.model)
        if self.config.schedule == "cosine":  # stepped per batch; the step schedule per epoch
            self.scheduler.step()
        return loss, logits

    def train_epoch(self, max_batches: int | None = None, *, after_batch=None) -> bool:
        """Train on the rest of the current epoch; ``False`` if stopped after ``max_batches`` in this call.

        ``after_batch(run) -> bool``, if given, is called after every batch
        (and any checkpoint); ``True`` stops the epoch there (returning
        ``False``, as ``max_batches`` does).  The time it takes (a measurement
        between batches, say) is not counted in the epoch's ``seconds``.
        """
        c, s = self.config, self.state
        self.train.set_epoch(s.epoch)
        loader = _make_loader(self.train, c, s.batch * c.batch_size)
        self.net.train()
        started = time.perf_counter() - s.seconds
        bar = tqdm(
            total=math.ceil(len(self.train) / c.batch_size),
            initial=s.batch,
            unit="batch",
            leave=False,
            desc=f"epoch {s.epoch + 1}/{c.max_epochs}",
            disable=not (self.progress and self.dist.main),
        )
        with bar:
            for xb, yb in loader:
                xb, yb = xb.to(self.device, non_blocking=True), yb.to(self.device, non_blocking=True)
                if c.symmetries:  # drawn from (seed, epoch, batch, rank): the same after a resume
                    g = torch.Generator().manual_seed(_seed_for(c.seed, 6, s.epoch, s.batch, self.dist.rank))
                    xb = symmetrize_each(xb, torch.randint(len(SYMMETRIES), (len(xb),), generator=g))
                loss, logits = self.train_step(xb, yb)
                value = loss.item()
                if not math.isfinite(value):  # stop before anything non-finite is saved
                    raise self.diverged(f"the training loss is {value}")
                s.running[0] += value * len(yb)
                s.running[1] += (logits.argmax(1) == yb).sum().item()
                s.running[2] += len(yb)
                s.batch += 1
                self.batches_this_call += 1
                bar.update(1)
                bar.set_postfix(loss=f"{s.running[0] / s.running[2]:.3f}", acc=f"{s.running[1] / s.running[2]:.3f}")
                s.seconds = time.perf_counter() - started
                if c.checkpoint_every and s.batch % c.checkpoint_every == 0:
                    self.save()
                if max_batches is not None and self.batches_this_call >= max_batches:
                    return False
                if after_batch is not None:
                    paused = time.perf_counter()
                    stop = after_batch(self)
                    started += time.perf_counter() - paused
                    if stop:
                        return False
        s.seconds = time.perf_counter() - started
        return True

    def validate(self) -> dict:
        """Training and validation loss and accuracy of the epoch just trained (BatchNorm statistics first)."""
        c, s = self.config, self.state
        started = time.perf_counter() - s.seconds
        if c.bn_batches:
            recompute_batchnorm(self.evaluated, _bn_inputs(c, self.train, s.epoch, self.dist.rank))
        self.dist.sync_buffers(self.evaluated)
        seen = max(s.running[2], 1)
        train_loss, train_acc = self.dist.mean([s.running[0] / seen, s.running[1] / seen])
        val_loss, val_acc = evaluate_loss(self.evaluated, self.val.X, self.val.y, self.device)
        s.seconds = time.perf_counter() - started
        return {"train_loss": train_loss, "train_acc": train_acc, "val_loss": val_loss, "val_acc": val_acc}

    def end_epoch(self, metrics: dict) -> dict:
        """Step the schedule, keep the best weights, decide early stopping, write the files; returns the log entry."""
        c, s = self.config, self.state
        if not all(math.isfinite(v) for v in metrics.values()):
            raise self.diverged(f"the validation metrics are not all finite ({metrics})")
        lr = self.optimizer.param_groups[0]["lr"]
        if c.schedule == "step":
            self.scheduler.step()
        entry = {
            "epoch": s.epoch + 1,
            **metrics,
            "lr": lr,
            "seconds": s.seconds,
            "samples": s.running[2] * self.dist.world,
            "precision": self.precision,
        }
        s.history.append(entry)
        if metrics["val_loss"] < s.best_loss - c.min_delta:
            s.best_loss, s.best_epoch, s.bad_epochs = metrics["val_loss"], s.epoch + 1, 0
            if self.dist.main:
                atomic_save(
                    {
                        "model": self.evaluated.state_dict(),
                        "config": c.to_dict(),
                        "metrics": entry,
                        "format": MODEL_FORMAT,
                    },
                    self.out_dir / BEST,
                )
        else:
            s.bad_epochs += 1
            s.done = s.bad_epochs >= c.patience
        s.epoch, s.batch, s.running, s.seconds = s.epoch + 1, 0, [0.0, 0, 0], 0.0
        self.save()
        if self.dist.main:
            _files.write_json(
                self.out_dir / LOG, {"config": c.to_dict(), "history": s.history, "best_epoch": s.best_epoch}
            )
        self.say(
            f"epoch {entry['epoch']}: train loss {entry['train_loss']:.4f} acc {entry['train_acc']:.4f} | "
            f"val loss {entry['val_loss']:.4f} acc {entry['val_acc']:.4f} | lr {lr:.2e} | "
            f"{entry['seconds']:.0f} s"
        )
        return entry

    def status(self) -> str:
        """One line on a finished run: why it ended and its best epoch."""
        s = self.state
        why = (
            f"stopped early after epoch {s.epoch} ({s.bad_epochs} epochs without an improvement of "
            f"{self.config.min_delta} in the validation loss, patience {self.config.patience})"
            if s.done
            else f"trained for {s.epoch} of max_epochs {self.config.max_epochs} epochs"
        )
        return f"the run in {self.out_dir} is finished: {why}; best epoch {s.best_epoch}; nothing to do"


def fit(
    config: TrainConfig,
    out_dir,
    *,
    resume: bool = False,
    overwrite: bool = False,
    train_data: TrajectoryDataset | None = None,
    val_data: TrajectoryDataset | None = None,
    progress: bool = True,
    max_batches: int | None = None,
):
    """Train a network with ``config`` and write its files into ``out_dir``.

    Parameters
    ----------
    config : TrainConfig
    out_dir : str or path-like
        Receives ``checkpoint.pt`` (everything needed to resume), ``best.pt``
        (the weights with the lowest validation loss, with their config and
        metrics) and ``log.json`` (the learning curves).
    resume : bool
        Continue from ``out_dir/checkpoint.pt``.  Its config must match
        ``config``, except that a larger ``max_epochs`` extends a run with the
        step schedule (bit for bit as if it had been planned that long); the
        cosine schedule's decay depends on ``max_epochs``, so a cosine run
        cannot be extended (fine-tune it with ``init`` instead).
    overwrite : bool
        Replace a run already in ``out_dir``.  Without ``resume`` or
        ``overwrite``, a folder that holds a run is refused.
    train_data, val_data : TrajectoryDataset, optional
        Fixed sets to use instead of simulating them from the config.
    progress : bool
        Show a progress bar per epoch and a line per finished epoch.
    max_batches : int, optional
        Train at most this many batches in this call, then write the
        checkpoint and return (time-boxed training; resume to continue).

    Returns
    -------
    model : ResAnDi
        The network as trained so far (last epoch, not the best one: load
        ``best.pt`` with :func:`resandi_lite.load_model` for that); with
        ``config.ema``, the moving average of its weights.
    history : list of dict
        One entry per finished epoch: losses, accuracies, learning rate, time.
    """
    max_batches = _check_max_batches(max_batches)
    out_dir = _run_folder(out_dir)
    _check_options(config, out_dir, resume, overwrite)
    with _lock(out_dir):  # one process per run folder
        run = TrainingRun.start(
            config,
            out_dir,
            resume=resume,
            overwrite=overwrite,
            train_data=train_data,
            val_data=val_data,
            progress=progress,
        )
        if run.finished:
            run.say(run.status())
        while not run.finished:
            if not run.train_epoch(max_batches):  # time box reached: checkpoint and return
                run.save()
                break
            run.end_epoch(run.validate())
    return run.evaluated, run.state.history


def _run_folder(out_dir) -> Path:
    if not isinstance(out_dir, (str, os.PathLike)):
        raise TypeError(f"out_dir must be a str or path-like, got {type(out_dir).__name__}")
    if not str(out_dir).strip():
        raise ValueError(f"out_dir must name a run folder, got {str(out_dir)!r}")
    return Path(out_dir)


def _lock(out_dir: Path):
    """The lock of the run folder, taken by the process that writes its files (rank 0 under torchrun)."""
    if int(os.environ.get("RANK", "0")) != 0:
        return contextlib.nullcontext()
    return _files.exclusive(out_dir, what="run folder")


def _restore(path: Path, part: str, action) -> None:
    """Run ``action`` (loading saved state into the run); a mismatch is one error naming the checkpoint."""
    try:
        action()
    except (KeyError, IndexError, TypeError, ValueError, RuntimeError) as err:
        raise ValueError(
            f"{path} cannot be resumed: the {part} read from the checkpoint does not fit this run "
            f"({type(err).__name__}: {str(err).splitlines()[0][:120] if str(err) else ''})"
        ) from None


def _check_max_batches(max_batches):
    if max_batches is not None and (
        not isinstance(max_batches, int) or isinstance(max_batches, bool) or max_batches < 1
    ):
        raise ValueError(f"max_batches must be a positive integer or None, got {max_batches!r}")
    return max_batches
