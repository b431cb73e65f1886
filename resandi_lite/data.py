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

from __future__ import annotations

import json
import os
import tempfile
from collections import deque
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset, IterableDataset, get_worker_info

from ._checks import check_int, check_sigma
from .preprocess import INPUT_LENGTH, preprocess_increments
from .simulate.classes import CLASSES, class_label, draw_alpha, draw_lengths, simulate_increments

FORMAT_VERSION = 1
_ARRAYS = ("X", "y", "alpha", "lengths", "noise")
_OPTIONAL = ("minmax",)
_SHUFFLE_KEY = 1000  # spawn keys: 0-7 classes, 1000 shuffling, 2000 streaming, 3000 split files
_STREAM_KEY = 2000
_SPLIT_KEY = 3000


class TrajectoryDataset(Dataset):
    """A set of preprocessed trajectories with their labels and parameters.

    Attributes
    ----------
    X : ndarray of shape (n, 2, 1000), float32
        Network input (see :func:`resandi_lite.preprocess`).
    y : ndarray of shape (n,), int64
        Class labels, indices into :data:`resandi_lite.CLASSES`.
    alpha : ndarray of shape (n,), float64
        Anomalous exponent of each trajectory.
    lengths : ndarray of shape (n,), int64
        Number of points before padding.
    noise : ndarray of shape (n,), float64
        Localisation-noise std added to each trajectory.
    params : dict
        The arguments that generated the set (``seed`` is the full entropy,
        so a set made with ``seed=None`` can still be made again).
    minmax : ndarray of shape (n, 2, 2), float64, or None
        Minimum and range of each coordinate before MinMax scaling (in units
        of the step std): ``positions = X * minmax[..., 1:] + minmax[..., :1]``.
        Used to rotate trajectories or add noise after the fact.

    Indexing returns ``(x, y)`` with ``x`` a float32 tensor of shape (2, 1000),
    ready for a ``torch.utils.data.DataLoader``.
    """

    def __init__(self, X, y, alpha, lengths, noise, params=None, minmax=None):
        self.X, self.y, self.alpha, self.lengths, self.noise = X, y, alpha, lengths, noise
        self.params = dict(params or {})
        self.minmax = minmax
        n = len(X)
        for name in _ARRAYS[1:] + (() if minmax is None else _OPTIONAL):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} has {len(getattr(self, name))} entries but X has {n} trajectories")

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i):
        return torch.from_numpy(np.asarray(self.X[i])), int(self.y[i])

    def __repr__(self) -> str:
        counts = np.bincount(self.y, minlength=len(CLASSES))
        return (f"TrajectoryDataset(n={len(self)}, per class={counts.tolist()}, "
                f"lengths {self.lengths.min()}-{self.lengths.max()}, noise {sorted(set(self.noise.tolist()))})")

    def save(self, path) -> Path:
        """Write the set to one ``.npz`` file, atomically.

        The file is written under a temporary name in the same folder and
        renamed at the end, so an interrupted save never leaves a file that
        loads.  Returns the path written.
        """
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_name(path.name + ".npz")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".part", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                arrays = {k: np.asarray(getattr(self, k)) for k in _ARRAYS + _OPTIONAL if getattr(self, k) is not None}
                np.savez(fh, **arrays,
                         params=np.array(json.dumps({**self.params, "format": FORMAT_VERSION})))
                fh.flush()
                os.fsync(fh.fileno())
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the usual permissions
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path


def load(path) -> TrajectoryDataset:
    """Load a set written by :meth:`TrajectoryDataset.save`.

    Parameters
    ----------
    path : str or path-like

    Raises
    ------
    ValueError
        If the file is not a resandi-lite dataset, is truncated, or its arrays
        have inconsistent shapes.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no dataset file at {path}")
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in (*_ARRAYS, "params") if k not in f.files]
            if not missing:
                arrays = {k: f[k] for k in _ARRAYS + _OPTIONAL if k in f.files}
                params = json.loads(str(f["params"]))
    except Exception as err:  # zipfile.BadZipFile, EOFError, pickle refusal, bad JSON, ...
        raise ValueError(f"{path} is not a readable dataset file ({type(err).__name__}: {err}); "
                         f"it may be truncated: make it again") from None
    if missing:
        raise ValueError(f"{path} is not a resandi-lite dataset: missing {', '.join(missing)}")
    X = arrays["X"]
    if X.ndim != 3 or X.shape[1:] != (2, INPUT_LENGTH) or X.dtype != np.float32:
        raise ValueError(f"{path}: X must be float32 of shape (n, 2, {INPUT_LENGTH}), got {X.dtype} {X.shape}")
    return TrajectoryDataset(**arrays, params=params)


def _generator(seed) -> np.random.Generator:
    """A Generator on SFC64, a fast bit generator (20% faster normals than PCG64 here), from a seed sequence."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.Generator(np.random.SFC64(seed if isinstance(seed, np.random.SeedSequence)
                                               else np.random.SeedSequence(seed)))


def _class_rng(entropy: int, key) -> np.random.Generator:
    return _generator(np.random.SeedSequence(entropy, spawn_key=tuple(key)))


def _check_classes(classes) -> list[int]:
    if isinstance(classes, str):
        classes = [classes]
    labels = [class_label(c) for c in classes]
    if not labels:
        raise ValueError("classes must name at least one class")
    if len(set(labels)) != len(labels):
        raise ValueError(f"classes must not repeat a class, got {list(classes)}")
    return labels


def _simulate_class(label: int, n: int, length, sigmas: np.ndarray, rng: np.random.Generator):
    """Exponents, lengths and noise levels of ``n`` trajectories of one class."""
    lengths = draw_lengths(n, length, rng)
    alpha = draw_alpha(label, n, rng)
    sigma = sigmas[rng.integers(sigmas.size, size=n)] if sigmas.size > 1 else np.full(n, sigmas[0])
    return alpha, lengths, sigma


def simulate_chunk(label: int, alpha: np.ndarray, lengths: np.ndarray, sigma: np.ndarray, seed):
    """Simulate and preprocess trajectories of one class: the unit of work of :func:`make_dataset`.

    Parameters
    ----------
    label : int
    alpha, lengths, sigma : ndarray of shape (m,)
        Exponent, number of points and noise std of each trajectory.
    seed : int, numpy.random.SeedSequence or Generator

    Returns
    -------
    X : ndarray of shape (m, 2, 1000), float32
    minmax : ndarray of shape (m, 2, 2), float64
    """
    rng = _generator(seed)
    steps, std = simulate_increments(label, alpha, lengths, rng, width=INPUT_LENGTH - 1)
    return preprocess_increments(steps, lengths, sigma, rng, std, return_minmax=True)


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


def make_dataset(n_per_class: int, length="varying", noise=0.0, seed=None, classes=CLASSES, *,
                 n_jobs: int = 1, chunk: int = 2048, progress: bool = False) -> TrajectoryDataset:
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
        Worker processes (``-1``: one per CPU).  The result does not depend
        on it: every chunk has its own seed.
    chunk : int
        Trajectories simulated per vectorised call (bounds the memory).
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
    n_jobs = os.cpu_count() or 1 if n_jobs == -1 else check_int(n_jobs, "n_jobs", minimum=1)
    labels = _check_classes(classes)
    sigmas = check_sigma(noise)
    draw_lengths(1, length, np.random.default_rng(0))  # validate length early
    entropy = np.random.SeedSequence(seed).entropy
    total = n * len(labels)
    destination = _class_rng(entropy, (_SHUFFLE_KEY,)).permutation(total)
    y = np.empty(total, dtype=np.int64)
    alpha = np.empty(total)
    lengths = np.empty(total, dtype=np.int64)
    sigma = np.empty(total)
    tasks, places = [], []
    for k, label in enumerate(labels):
        a, t, s = _simulate_class(label, n, length, sigmas, _class_rng(entropy, (label,)))
        dest = destination[k * n:(k + 1) * n]
        y[dest], alpha[dest], lengths[dest], sigma[dest] = label, a, t, s
        order = np.argsort(t, kind="stable")  # similar lengths together: less padding work
        for j, start in enumerate(range(0, n, chunk)):
            idx = order[start:start + chunk]
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
    params = {"n_per_class": n, "length": length, "noise": sigmas.tolist(), "seed": int(entropy),
              "classes": [CLASSES[c] for c in labels]}
    return TrajectoryDataset(X, y, alpha, lengths, sigma, params, minmax)


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

    def __init__(self, n_per_class=None, length="varying", noise=0.0, seed=None, classes=CLASSES, *,
                 block: int = 64):
        super().__init__()
        self.n_per_class = None if n_per_class is None else check_int(n_per_class, "n_per_class", minimum=1)
        self.length = length
        draw_lengths(1, length, np.random.default_rng(0))
        self.sigmas = check_sigma(noise)
        self.labels = _check_classes(classes)
        self.entropy = np.random.SeedSequence(seed).entropy
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
                a, t, s = _simulate_class(label, per_class, self.length, self.sigmas, rng)
                xs.append(simulate_chunk(label, a, t, s, rng)[0])
                ys.append(np.full(per_class, label))
            X, y = np.concatenate(xs), np.concatenate(ys)
            for i in rng.permutation(y.size):
                yield torch.from_numpy(X[i]), int(y[i])
            if remaining is not None:
                remaining -= per_class


#: The paper's split: files of 10,000 trajectories per class.
PAPER_SPLIT = {"train": 5, "val": 1, "test": 1}


def write_split(out_dir, n_per_class: int = 10_000, files=None, length="varying", noise=0.0, seed=0, *,
                n_jobs: int = 1, progress: bool = True) -> list[Path]:
    """Write a train/validation/test split to disk, one ``.npz`` file at a time.

    With the defaults this is the paper's data: 5 training files (400k
    trajectories), 1 validation and 1 test file (80k each), each file holding
    ``n_per_class`` trajectories of each of the eight classes.  Only one file
    is in memory at a time (about 0.7 GB for 80k trajectories).  Files already
    complete are kept, so an interrupted run resumes where it stopped; every
    file has its own seed derived from ``seed``, so the result does not depend
    on interruptions.

    Parameters
    ----------
    out_dir : str or path-like
    n_per_class : int
        Trajectories per class in each file.
    files : dict of str to int, optional
        Number of files per split; default ``{"train": 5, "val": 1, "test": 1}``.
    length, noise
        As in :func:`make_dataset`.
    seed : int
    n_jobs : int
        Worker processes per file, as in :func:`make_dataset`.
    progress : bool

    Returns
    -------
    paths : list of Path
        Files named ``{split}_{i}.npz``, plus ``manifest.json`` describing them.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = dict(PAPER_SPLIT if files is None else files)
    entropy = np.random.SeedSequence(seed).entropy
    paths, manifest = [], {"n_per_class": n_per_class, "length": length, "noise": check_sigma(noise).tolist(),
                           "seed": int(entropy), "files": {}}
    index = 0
    for split, count in files.items():
        check_int(count, f"files[{split!r}]", minimum=0)
        for j in range(count):
            path = out_dir / f"{split}_{j}.npz"
            file_seed = int(np.random.SeedSequence(entropy, spawn_key=(_SPLIT_KEY, index)).generate_state(1, np.uint64)[0])
            index += 1
            if not _complete(path, file_seed):
                if progress:
                    print(f"writing {path}")
                make_dataset(n_per_class, length, noise, file_seed, n_jobs=n_jobs, progress=progress).save(path)
            elif progress:
                print(f"{path} is complete, kept")
            manifest["files"][path.name] = {"split": split, "seed": file_seed}
            paths.append(path)
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return paths


def _complete(path: Path, seed: int) -> bool:
    """Whether ``path`` is a readable dataset file made with ``seed``."""
    if not path.exists():
        return False
    try:
        with np.load(path, allow_pickle=False) as f:
            return json.loads(str(f["params"])).get("seed") == seed and all(k in f.files for k in _ARRAYS)
    except Exception:
        return False
