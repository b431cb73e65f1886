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

The package, one module per concern: :mod:`.loop` (:class:`TrainingRun` and :func:`fit`, the run folder, its
lock, resuming from a checkpoint), :mod:`.config` (:class:`TrainConfig`, the named recipes, the optimizer and the
learning-rate schedule, the arithmetic and the device, and :func:`throughput`), :mod:`.precision` (what
``precision="auto"`` resolves to: measured on the machine, cached per CPU model, kept by a resumed run and by a
group of runs), :mod:`.streams` (the training data,
reshuffled or fresh, the validation set and the BatchNorm recomputation) and :mod:`.distributed` (rank, world
size and averages under torchrun).  Every public name is re-exported here: ``rl.train.<name>``.
"""

from ..checkpoint import BEST, CHECKPOINT, LOG, load_checkpoint
from .config import (
    OPTIMIZERS,
    PRECISIONS,
    RECIPES,
    TrainConfig,
    autocast,
    check_device,
    cpu_has_native_bf16,
    make_optimizer,
    make_scheduler,
    pick_device,
    resolve_precision,
    throughput,
)
from .loop import RESUME_KEYS, DivergedError, TrainingRun, TrainState, evaluate_loss, fit
from .precision import (
    PrecisionChoice,
    bf16_flags,
    cache_file,
    choose_precision,
    cpu_model,
    describe_machine,
    measured_precision,
    probe_rates,
    recorded_precision,
    shared_precision,
)
from .streams import recompute_batchnorm, validation_set

__all__ = [
    "BEST",
    "CHECKPOINT",
    "LOG",
    "OPTIMIZERS",
    "PRECISIONS",
    "RECIPES",
    "RESUME_KEYS",
    "DivergedError",
    "PrecisionChoice",
    "TrainConfig",
    "TrainState",
    "TrainingRun",
    "autocast",
    "bf16_flags",
    "cache_file",
    "check_device",
    "choose_precision",
    "cpu_has_native_bf16",
    "cpu_model",
    "describe_machine",
    "evaluate_loss",
    "fit",
    "load_checkpoint",
    "make_optimizer",
    "make_scheduler",
    "measured_precision",
    "pick_device",
    "probe_rates",
    "recompute_batchnorm",
    "recorded_precision",
    "resolve_precision",
    "shared_precision",
    "throughput",
    "validation_set",
]
