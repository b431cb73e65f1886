"""The data of a run: a fixed training set reshuffled every epoch or fresh trajectories streamed, this rank's
share from any batch on; the validation set; the batches that recompute the BatchNorm statistics.  Every seed
is drawn from ``(seed, epoch)``."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, IterableDataset

from ..data import SimulatedTrajectories, TrajectoryDataset, make_dataset
from ..simulate.classes import N_CLASSES
from .config import TrainConfig
from .distributed import _Distributed


def _seed_for(seed: int, *key: int) -> int:
    return int(np.random.SeedSequence(seed, spawn_key=key).generate_state(1, np.uint32)[0])


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
        order = torch.randperm(len(self.data), generator=g)[self.rank :: self.world][: len(self)]
        for i in order[self.skip :].tolist():
            yield self.data[i]


class _Stream(IterableDataset):
    """Fresh trajectories for (seed, epoch), this rank's share, from sample ``skip`` on."""

    def __init__(self, config: TrainConfig, rank: int, world: int):
        self.config, self.rank, self.world = config, rank, world
        self.epoch, self.skip = 0, 0

    def set_epoch(self, epoch: int, skip: int = 0) -> None:
        self.epoch, self.skip = epoch, skip

    def __len__(self) -> int:
        return self.config.train_per_class * N_CLASSES // self.world

    def __iter__(self):
        c = self.config
        stream = SimulatedTrajectories(
            c.train_per_class // self.world, c.length, c.noise, seed=_seed_for(c.seed, 2, self.rank)
        )
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
        stream = SimulatedTrajectories(
            max(1, n // N_CLASSES), config.length, config.noise, seed=_seed_for(config.seed, 5, rank)
        )
        stream.set_epoch(epoch)
        xs = torch.stack([x for x, _ in stream])
    else:
        g = torch.Generator().manual_seed(_seed_for(config.seed, 5, epoch, rank))
        index = torch.randperm(len(train.data), generator=g)[:n].tolist()
        xs = torch.stack([train.data[i][0] for i in index])
    return xs.split(config.batch_size)


def _training_data(config: TrainConfig, dist: _Distributed, train_data, val_data):
    """This rank's training stream (fresh or a fixed set reshuffled per epoch) and the validation set."""
    if config.fresh_data:
        train = _Stream(config, dist.rank, dist.world)
    else:
        data = (
            train_data
            if train_data is not None
            else make_dataset(config.train_per_class, config.length, config.noise, seed=_seed_for(config.seed, 4))
        )
        train = _Shuffled(data, config.seed, dist.rank, dist.world)
    return train, (val_data if val_data is not None else validation_set(config))
