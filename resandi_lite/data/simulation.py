"""Simulated trajectories, preprocessed: a set made once, or a stream of fresh ones.

:func:`make_dataset` simulates a class-balanced :class:`~.sets.TrajectoryDataset`
chunk by chunk (:func:`simulate_chunk`, in worker processes if asked);
:class:`SimulatedTrajectories` simulates fresh trajectories on the fly, every
epoch and every DataLoader worker its own.  Every chunk, epoch and worker has
its own random stream, spawned from the seed with the keys below (the split
files' seeds too, :mod:`.split`).
"""

from __future__ import annotations

from collections import deque

import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from .._checks import check_int, check_jobs, check_memory, check_noise, check_seed
from ..preprocess import INPUT_LENGTH, preprocess_increments
from ..simulate.classes import CLASSES, class_label, draw_alpha, draw_lengths, simulate_increments
from .sets import BYTES_PER_TRAJECTORY, TrajectoryDataset

_SHUFFLE_KEY = 1000  # spawn keys: 0-7 classes, 1000 shuffling, 2000 streaming, 3000 split files
_STREAM_KEY = 2000
_SPLIT_KEY = 3000


def _generator(seed) -> np.random.Generator:
    """A Generator on SFC64, a fast bit generator (20% faster normals than PCG64 here), from a seed sequence."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.Generator(
        np.random.SFC64(seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed))
    )


def _class_rng(entropy: int, key) -> np.random.Generator:
    return _generator(np.random.SeedSequence(entropy, spawn_key=tuple(key)))


def _check_classes(classes) -> list[int]:
    if isinstance(classes, (str, int, np.integer)):
        classes = [classes]
    try:
        classes = list(classes)
    except TypeError:
        raise TypeError(f"classes must be a sequence of class names or labels, got {type(classes).__name__}") from None
    labels = [class_label(c) for c in classes]
    if not labels:
        raise ValueError("classes must name at least one class")
    if len(set(labels)) != len(labels):
        raise ValueError(f"classes must not repeat a class, got {list(classes)}")
    return labels


def _simulate_class(label: int, n: int, length, levels: np.ndarray, rng: np.random.Generator):
    """Exponents, lengths and noise levels of ``n`` trajectories of one class."""
    lengths = draw_lengths(n, length, rng=rng)
    alpha = draw_alpha(label, n, rng=rng)
    noise = levels[rng.integers(levels.size, size=n)] if levels.size > 1 else np.full(n, levels[0])
    return alpha, lengths, noise


def simulate_chunk(label: int, alpha: np.ndarray, lengths: np.ndarray, noise: np.ndarray, seed):
    """Simulate and preprocess trajectories of one class: the unit of work of :func:`make_dataset`.

    Parameters
    ----------
    label : int
    alpha, lengths, noise : ndarray of shape (m,)
        Exponent, number of points and noise std of each trajectory
        (``noise`` was called ``sigma``).
    seed : int, numpy.random.SeedSequence or Generator

    Returns
    -------
    X : ndarray of shape (m, 2, 1000), float32
    minmax : ndarray of shape (m, 2, 2), float64
    """
    rng = _generator(seed)
    steps, std = simulate_increments(label, alpha, lengths, rng=rng, width=INPUT_LENGTH - 1)
    return preprocess_increments(steps, lengths, noise, rng=rng, std=std, return_minmax=True)


def _run_chunk(task):
    return simulate_chunk(*task)


def _in_order(pool, tasks, depth: int):
    """``pool.map(_run_chunk, tasks)`` with at most ``depth`` chunks in flight.

    ``Executor.map`` submits every task at once, so finished chunks pile up in
    the main process whenever the workers are faster than it; here memory stays
    at the output array plus ``depth`` chunks.
    """
    pending = deque()
    for task in tasks:
        pending.append(pool.submit(_run_chunk, task))
        if len(pending) >= depth:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def make_dataset(
    n_per_class: int,
    length="varying",
    noise=0.0,
    seed=None,
    classes=CLASSES,
    *,
    n_jobs: int = 1,
    chunk: int = 2048,
    progress: bool = False,
) -> TrajectoryDataset:
    """Simulate and preprocess a class-balanced set of trajectories.

    Parameters
    ----------
    n_per_class : int
        Trajectories per class.
    length : "varying" or int
        ``"varying"``: T uniform in [10, 1000] per trajectory (the paper's main
        protocol); an int in [10, 1000]: every trajectory has that length.
    noise : float or list of float
        Localisation-noise std (relative to the step std).  A list: each
        trajectory draws one of its values uniformly.
    seed : int or None
        Seed of everything; ``None`` draws fresh entropy, stored in ``params``.
    classes : sequence of str or int
        Classes to include (default all eight, labels stay the paper's).
    n_jobs : int
        Worker processes (``-1``: one per CPU; ``1`` runs in this process,
        without a pool).  The result does not depend on it: every chunk has
        its own seed.
    chunk : int
        Trajectories simulated per vectorised call (bounds the memory).  The
        chunks have their own random streams, so the data depend on it: it is
        recorded in ``params``.
    progress : bool
        Show a progress bar.

    Returns
    -------
    TrajectoryDataset
        Shuffled; ``X`` float32 (n, 2, 1000), ``y`` int64 (n,), ...

    Examples
    --------
    >>> ds = make_dataset(5, length=100, seed=0)
    >>> ds.X.shape, ds.X.dtype, np.bincount(ds.y).tolist()
    ((40, 2, 1000), dtype('float32'), [5, 5, 5, 5, 5, 5, 5, 5])
    """
    n = check_int(n_per_class, "n_per_class", minimum=1)
    chunk = check_int(chunk, "chunk", minimum=1)
    n_jobs = check_jobs(n_jobs)
    labels = _check_classes(classes)
    check_memory(
        n * len(labels) * BYTES_PER_TRAJECTORY,
        f"make_dataset: {n * len(labels):,} trajectories (n_per_class={n:,} x {len(labels)} classes)",
    )
    levels = check_noise(noise)
    draw_lengths(1, length, rng=np.random.default_rng(0))  # validate length early
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress must be True or False, got {progress!r}")
    entropy = np.random.SeedSequence(check_seed(seed)).entropy
    total = n * len(labels)
    destination = _class_rng(entropy, (_SHUFFLE_KEY,)).permutation(total)
    y = np.empty(total, dtype=np.int64)
    alpha = np.empty(total)
    lengths = np.empty(total, dtype=np.int64)
    noise_std = np.empty(total)
    tasks, places = [], []
    for k, label in enumerate(labels):
        a, t, s = _simulate_class(label, n, length, levels, _class_rng(entropy, (label,)))
        dest = destination[k * n : (k + 1) * n]
        y[dest], alpha[dest], lengths[dest], noise_std[dest] = label, a, t, s
        order = np.argsort(t, kind="stable")  # similar lengths together: less padding work
        for j, start in enumerate(range(0, n, chunk)):
            idx = order[start : start + chunk]
            tasks.append((label, a[idx], t[idx], s[idx], np.random.SeedSequence(entropy, spawn_key=(label, j))))
            places.append(dest[idx])
    X = np.empty((total, 2, INPUT_LENGTH), dtype=np.float32)
    minmax = np.empty((total, 2, 2))
    from tqdm.auto import tqdm

    with tqdm(total=total, desc="simulating", unit="traj", disable=not progress) as bar:
        if n_jobs == 1:
            results = map(_run_chunk, tasks)
        else:
            from concurrent.futures import ProcessPoolExecutor

            pool = ProcessPoolExecutor(n_jobs)
            results = _in_order(pool, tasks, 2 * n_jobs)
        try:
            for place, (block, scale) in zip(places, results):
                X[place], minmax[place] = block, scale
                bar.update(len(place))
        finally:
            if n_jobs > 1:
                pool.shutdown(cancel_futures=True)
    params = {
        "n_per_class": n,
        "length": length,
        "noise": levels.tolist(),
        "seed": int(entropy),
        "classes": [CLASSES[c] for c in labels],
        "chunk": chunk,
    }
    return TrajectoryDataset(X, y, alpha, lengths, noise_std, params, minmax)


class SimulatedTrajectories(IterableDataset):
    """Fresh simulated trajectories on the fly, for training on unlimited data.

    Each iteration (epoch) yields class-balanced, shuffled ``(x, y)`` pairs,
    ``x`` a float32 tensor of shape (2, 1000).  The stream of epoch ``e`` in
    worker ``w`` comes from ``SeedSequence(seed, spawn_key=(2000, e, w))``:
    reproducible, different in every epoch and every DataLoader worker.  Call
    :meth:`set_epoch` before each epoch (the main process cannot see the
    workers' copies).

    Parameters
    ----------
    n_per_class : int or None
        Trajectories per class and epoch, shared among the workers; ``None``
        for an endless stream.
    length, noise, classes
        As in :func:`make_dataset`.
    seed : int or None
    block : int
        Trajectories per class simulated at once (then shuffled together).

    Examples
    --------
    >>> stream = SimulatedTrajectories(n_per_class=4, length=50, seed=0)
    >>> x, y = next(iter(stream))
    >>> tuple(x.shape), x.dtype, len(list(stream))
    ((2, 1000), torch.float32, 32)
    """

    def __init__(self, n_per_class=None, length="varying", noise=0.0, seed=None, classes=CLASSES, *, block: int = 64):
        super().__init__()
        self.n_per_class = None if n_per_class is None else check_int(n_per_class, "n_per_class", minimum=1)
        self.length = length
        draw_lengths(1, length, rng=np.random.default_rng(0))
        self.levels = check_noise(noise)
        self.labels = _check_classes(classes)
        self.entropy = np.random.SeedSequence(check_seed(seed)).entropy
        self.block = check_int(block, "block", minimum=1)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Select the epoch whose trajectories the next iteration yields."""
        self.epoch = check_int(epoch, "epoch", minimum=0)

    def __len__(self) -> int:
        if self.n_per_class is None:
            raise TypeError("an endless SimulatedTrajectories stream has no length; give n_per_class")
        return self.n_per_class * len(self.labels)

    def __iter__(self):
        info = get_worker_info()
        worker, workers = (0, 1) if info is None else (info.id, info.num_workers)
        rng = _class_rng(self.entropy, (_STREAM_KEY, self.epoch, worker))
        if self.n_per_class is None:
            remaining = None
        else:
            remaining = self.n_per_class // workers + (worker < self.n_per_class % workers)
        while remaining is None or remaining > 0:
            per_class = self.block if remaining is None else min(self.block, remaining)
            xs, ys = [], []
            for label in self.labels:
                a, t, s = _simulate_class(label, per_class, self.length, self.levels, rng)
                xs.append(simulate_chunk(label, a, t, s, rng)[0])
                ys.append(np.full(per_class, label))
            X, y = np.concatenate(xs), np.concatenate(ys)
            for i in rng.permutation(y.size):
                yield torch.from_numpy(X[i]), int(y[i])
            if remaining is not None:
                remaining -= per_class
