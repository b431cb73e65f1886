"""Datasets of preprocessed trajectories: in memory, on disk, or streamed.

* :func:`make_dataset` simulates a class-balanced set and preprocesses it;
  the result, a :class:`TrajectoryDataset`, is a torch map-style dataset and
  saves to / loads from a single ``.npz`` file.
* :class:`SimulatedTrajectories` is an endless (or per-epoch sized) torch
  ``IterableDataset`` that simulates fresh trajectories on the fly, seeded per
  epoch and per worker, so a training run can see unlimited data.
* :func:`write_split` writes the paper-scale files (400k / 80k / 80k) one file
  at a time, with bounded memory, and resumes where it stopped.

Seeds: a dataset's trajectories of class ``c`` come from the streams
``SeedSequence(seed, spawn_key=(c, ...))`` (numpy Generators on the SFC64 bit
generator), so asking for fewer classes gives the same trajectories for the
classes kept.
"""

from .sets import (
    BYTES_PER_TRAJECTORY,
    FORMAT_VERSION,
    PAPER_SPLIT,
    SimulatedTrajectories,
    TrajectoryDataset,
    load_dataset,
    make_dataset,
    remove_stale_parts,
    simulate_chunk,
    write_split,
)

__all__ = [
    "BYTES_PER_TRAJECTORY",
    "FORMAT_VERSION",
    "PAPER_SPLIT",
    "SimulatedTrajectories",
    "TrajectoryDataset",
    "load_dataset",
    "make_dataset",
    "remove_stale_parts",
    "simulate_chunk",
    "write_split",
]
