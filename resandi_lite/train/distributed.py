"""Training under torchrun: rank and world size, and the averages over the processes that
DistributedDataParallel does not take (BatchNorm running statistics, metrics)."""

from __future__ import annotations

import os

import torch
from torch import nn


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

    def from_main(self, obj):
        """``obj`` as rank 0 has it (a choice every process must share, such as the arithmetic)."""
        if not self.enabled:
            return obj
        objects = [obj]
        torch.distributed.broadcast_object_list(objects, src=0)
        return objects[0]
