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

The package, one module per concern: :mod:`.sets` (the
:class:`TrajectoryDataset` type, its ``.npz`` file, :func:`load_dataset` and
:func:`first_per_class`),
:mod:`.simulation` (:func:`make_dataset` and its simulation chunks, the
stream :class:`SimulatedTrajectories`, the random streams of both) and
:mod:`.split` (:func:`write_split`, its plan, its checks of a folder and its
``manifest.json``).  Every public name is re-exported here:
``rl.data.<name>``.
"""

from .sets import (
    BYTES_PER_TRAJECTORY,
    FORMAT_VERSION,
    TrajectoryDataset,
    first_per_class,
    load_dataset,
    remove_stale_parts,
)
from .simulation import SimulatedTrajectories, make_dataset, simulate_chunk
from .split import PAPER_SPLIT, write_split

__all__ = [
    "BYTES_PER_TRAJECTORY",
    "FORMAT_VERSION",
    "PAPER_SPLIT",
    "SimulatedTrajectories",
    "TrajectoryDataset",
    "first_per_class",
    "load_dataset",
    "make_dataset",
    "remove_stale_parts",
    "simulate_chunk",
    "write_split",
]
