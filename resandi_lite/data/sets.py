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

import fnmatch
import json
import os
import re
import warnings
from collections import deque
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset, IterableDataset, get_worker_info

from .. import _files
from .._checks import check_int, check_jobs, check_memory, check_noise, check_seed
from ..preprocess import INPUT_LENGTH, MIN_LENGTH, preprocess_increments
from ..simulate.classes import ALPHA_RANGE, CLASSES, class_label, draw_alpha, draw_lengths, simulate_increments

FORMAT_VERSION = 1
_ARRAYS = ("X", "y", "alpha", "lengths", "noise")
_OPTIONAL = ("minmax",)
_SHUFFLE_KEY = 1000  # spawn keys: 0-7 classes, 1000 shuffling, 2000 streaming, 3000 split files
_STREAM_KEY = 2000
_SPLIT_KEY = 3000
_DEFAULT_CHUNK = 2048  # also the chunk of files written before the chunk was recorded
#: Bytes of memory per trajectory of a dataset: X (2 x 1000 float32), minmax, labels, exponents, lengths, noise.
BYTES_PER_TRAJECTORY = 2 * INPUT_LENGTH * 4 + 2 * 2 * 8 + 6 * 8


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
        if params is not None and not isinstance(params, dict):
            raise TypeError(f"params must be a dict or None, got {type(params).__name__}")
        arrays = _check_arrays(X, y, alpha, lengths, noise, minmax)
        self.X, self.y, self.alpha, self.lengths, self.noise, self.minmax = arrays
        self.params = dict(params or {})

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i):
        return torch.from_numpy(np.asarray(self.X[i])), int(self.y[i])

    def __repr__(self) -> str:
        counts = np.bincount(self.y, minlength=len(CLASSES))
        if len(self) == 0:
            return f"TrajectoryDataset(n=0, per class={counts.tolist()})"
        return (
            f"TrajectoryDataset(n={len(self)}, per class={counts.tolist()}, "
            f"lengths {self.lengths.min()}-{self.lengths.max()}, noise {sorted(set(self.noise.tolist()))})"
        )

    def subset(self, index) -> TrajectoryDataset:
        """The trajectories at ``index`` (integer positions or a boolean mask), as a new set.

        The arrays are copied, so the new set does not share memory with this
        one; ``params`` is kept and records the selection's size under
        ``"subset_of"`` (the size of the set it was taken from).

        >>> import resandi_lite as rl
        >>> data = rl.make_dataset(3, length=20, seed=0)
        >>> data.subset(data.y == 2)
        TrajectoryDataset(n=3, per class=[0, 0, 3, 0, 0, 0, 0, 0], lengths 20-20, noise [0.0])

        Raises
        ------
        TypeError
            If ``index`` is not integer or boolean.
        ValueError
            If a boolean mask does not have one entry per trajectory, or a
            position is out of range.
        """
        index = np.asarray(index)
        if index.dtype == bool:
            if index.shape != (len(self),):
                raise ValueError(f"index: a boolean mask needs shape ({len(self)},), got {index.shape}")
            index = np.flatnonzero(index)
        elif index.size == 0:
            index = index.astype(np.int64)
        elif not np.issubdtype(index.dtype, np.integer):
            raise TypeError(f"index must hold integers or booleans, got dtype {index.dtype}")
        if index.ndim != 1:
            raise ValueError(f"index must be one-dimensional, got shape {index.shape}")
        if index.size and (index.min() < -len(self) or index.max() >= len(self)):
            raise ValueError(
                f"index: positions must lie in [{-len(self)}, {len(self)}), got {index.min()}..{index.max()}"
            )
        return TrajectoryDataset(
            self.X[index],
            self.y[index],
            self.alpha[index],
            self.lengths[index],
            self.noise[index],
            {**self.params, "subset_of": len(self)},
            None if self.minmax is None else self.minmax[index],
        )

    def save(self, path) -> Path:
        """Write the set to one ``.npz`` file, atomically, with the sha256 of its arrays.

        The file is written under a temporary name in the same folder
        (``NAME.npz.PID.XXXXXXXX.part``) and renamed at the end, so an
        interrupted save never leaves a file that loads.  Partial files that a
        killed save left in the folder are removed first, with a warning (only
        dataset files of processes that no longer run).  The digest of the
        arrays is stored with the parameters and checked by
        :func:`load_dataset`.  Returns the path written (``.npz`` is appended
        to a name without it).

        Raises
        ------
        ValueError
            If ``path`` is an existing folder, or its parent is a file.
        OSError
            If the folder cannot be created or written.
        """
        path = _target(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        removed = remove_stale_parts(path.parent)
        if removed:
            warnings.warn(
                f"removed {len(removed)} partial file(s) left in {path.parent} by an interrupted write: "
                f"{', '.join(p.name for p in removed)}",
                stacklevel=2,
            )
        arrays = {k: np.asarray(getattr(self, k)) for k in _ARRAYS + _OPTIONAL if getattr(self, k) is not None}
        params = {
            **{k: v for k, v in self.params.items() if k != "sha256"},
            "format": FORMAT_VERSION,
            "sha256": _files.content_sha256(arrays),
        }
        with _files.atomic_writer(path) as fh:
            np.savez(fh, **arrays, params=np.array(json.dumps(params)))
        return path


def _target(path) -> Path:
    """The ``.npz`` file a save to ``path`` writes, checked not to be a folder or below a file."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or path-like, got {type(path).__name__}")
    given = Path(path)
    path = given if given.suffix == ".npz" else given.with_name(given.name + ".npz")
    for target in {given, path}:
        if target.is_dir():
            raise ValueError(f"{target} is an existing folder; expected the name of a .npz file to write")
    parent = next((p for p in path.parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise ValueError(f"cannot write {path}: {parent} is a file, not a folder")
    return path


def remove_stale_parts(folder) -> list[Path]:
    """Remove the partial dataset files (``NAME.npz.PID.XXXXXXXX.part``, also of ``manifest.json``) of killed writes.

    A partial file is stale when the process that wrote it (its id is part of
    the name) no longer runs; a file from an older version, without a process
    id, when it is more than 10 minutes old.  Any other ``*.part`` file is
    left alone.  Returns the files removed.
    """
    return _files.remove_stale_parts(
        folder,
        lambda target: target.endswith(".npz") or target == "manifest.json",
        legacy=lambda name: fnmatch.fnmatch(name, "*.npz.*.part"),
    )


def _array(value, name: str, kinds: str, ndim: int, n: int | None) -> np.ndarray:
    """``value`` as an ndarray of one of the dtype ``kinds`` ("f", "iu"), ``ndim`` dimensions and ``n`` rows."""
    if not isinstance(value, np.ndarray):
        try:
            value = np.asarray(value)
        except Exception:
            raise TypeError(f"{name} must be an array, got {type(value).__name__}") from None
    what = {"f": "a floating-point", "iu": "an integer"}[kinds]
    if value.dtype.kind not in kinds:
        raise TypeError(f"{name} must be {what} array, got dtype {value.dtype}")
    if value.ndim != ndim or (n is not None and len(value) != n):
        expected = "(n, 2, 1000)" if name == "X" else "(n, 2, 2)" if name == "minmax" else "(n,)"
        got = f"{len(value)} entries but X has {n} trajectories" if value.ndim == ndim else f"shape {value.shape}"
        raise ValueError(f"{name} must have shape {expected}, got {got}")
    return value


def _check_arrays(X, y, alpha, lengths, noise, minmax):
    """Check the arrays of a :class:`TrajectoryDataset`; return them as ndarrays."""
    X = _array(X, "X", "f", 3, None)
    n = len(X)
    if X.shape[1:] != (2, INPUT_LENGTH):
        raise ValueError(f"X must have shape (n, 2, {INPUT_LENGTH}), got {X.shape}")
    y, lengths = _array(y, "y", "iu", 1, n), _array(lengths, "lengths", "iu", 1, n)
    alpha, noise = _array(alpha, "alpha", "f", 1, n), _array(noise, "noise", "f", 1, n)
    if n and (y.min() < 0 or y.max() >= len(CLASSES)):
        raise ValueError(f"y must hold class labels in 0..{len(CLASSES) - 1}, got {y.min()}..{y.max()}")
    if n and (lengths.min() < MIN_LENGTH or lengths.max() > INPUT_LENGTH):
        raise ValueError(f"lengths must lie in [{MIN_LENGTH}, {INPUT_LENGTH}], got {lengths.min()}..{lengths.max()}")
    if not np.all(np.isfinite(noise) & (noise >= 0)):
        raise ValueError(f"noise must hold finite values >= 0, got {noise[~(np.isfinite(noise) & (noise >= 0))][:3]}")
    bounds = np.array([ALPHA_RANGE[c] for c in CLASSES])[y] if n else np.zeros((0, 2))
    bad = ~(np.isfinite(alpha) & (alpha >= bounds[:, 0] - 1e-9) & (alpha <= bounds[:, 1] + 1e-9))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"alpha[{i}] = {alpha[i]} lies outside {CLASSES[y[i]]}'s range {ALPHA_RANGE[CLASSES[y[i]]]}")
    if minmax is not None:
        minmax = _array(minmax, "minmax", "f", 3, n)
        if minmax.shape[1:] != (2, 2) or not np.all(np.isfinite(minmax)):
            raise ValueError(f"minmax must be a finite array of shape (n, 2, 2), got shape {minmax.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"X must be finite, got {int(np.sum(~np.isfinite(X)))} NaN or infinite values")
    return X, y, alpha, lengths, noise, minmax


def load_dataset(path) -> TrajectoryDataset:
    """Load a set written by :meth:`TrajectoryDataset.save`.

    Parameters
    ----------
    path : str or path-like

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        If the file is not a resandi-lite dataset, is truncated, or its arrays
        have inconsistent shapes, labels outside the classes, non-finite
        values, or exponents, lengths or noise levels out of range.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or path-like, got {type(path).__name__}")
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a folder; expected a dataset file (.npz)")
    if not path.exists():
        raise FileNotFoundError(f"no dataset file at {path}")
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in (*_ARRAYS, "params") if k not in f.files]
            if not missing:
                arrays = {k: f[k] for k in _ARRAYS + _OPTIONAL if k in f.files}
                params = json.loads(str(f["params"]))
    except Exception as err:  # zipfile.BadZipFile, EOFError, pickle refusal, bad JSON, ...
        raise ValueError(
            f"{path} is not a readable dataset file ({type(err).__name__}: {err}); it may be truncated: make it again"
        ) from None
    if missing:
        raise ValueError(f"{path} is not a resandi-lite dataset: missing {', '.join(missing)}")
    X = arrays["X"]
    if X.ndim != 3 or X.shape[1:] != (2, INPUT_LENGTH) or X.dtype != np.float32:
        raise ValueError(f"{path}: X must be float32 of shape (n, 2, {INPUT_LENGTH}), got {X.dtype} {X.shape}")
    if not isinstance(params, dict):
        raise ValueError(f"{path}: params must be a JSON object, got {type(params).__name__}")
    recorded = params.pop("sha256", None)  # absent from files of older versions: their zip CRCs were checked
    if recorded is not None and recorded != _files.content_sha256(arrays):
        raise ValueError(
            f"{path} is damaged: its arrays differ from the sha256 recorded when it was written; make it again"
        )
    _check_listed(path)
    try:
        return TrajectoryDataset(**arrays, params=params)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{path}: {err}") from None


def _check_listed(path: Path) -> None:
    """Raise if ``manifest.json`` beside ``path`` records another sha256 for it (a file of a split)."""
    manifest = _read_manifest(path.parent)
    recorded = ((manifest.get("files") or {}).get(path.name) or {}).get("sha256")
    if isinstance(recorded, str) and recorded != _files.sha256_file(path):
        raise ValueError(
            f"{path} is damaged: its sha256 differs from the one {path.parent / 'manifest.json'} "
            f"records; make it again (write_split, or split, into the same folder remakes it)"
        )


def _read_manifest(folder: Path) -> dict:
    """``manifest.json`` of a split folder as a dict (empty if missing or unreadable)."""
    try:
        manifest = json.loads((Path(folder) / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) and isinstance(manifest.get("files", {}), dict) else {}


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


#: The paper's split: files of 10,000 trajectories per class.
PAPER_SPLIT = {"train": 5, "val": 1, "test": 1}
_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_RECORDED = ("n_per_class", "length", "noise", "seed", "classes", "chunk")  # the parameters a file's data depend on


def write_split(
    out_dir,
    n_per_class: int = 10_000,
    files=None,
    length="varying",
    noise=0.0,
    seed=0,
    *,
    n_jobs: int = 1,
    chunk: int = _DEFAULT_CHUNK,
    overwrite: bool = False,
    progress: bool = True,
) -> list[Path]:
    """Write a train/validation/test split to disk, one ``.npz`` file at a time.

    With the defaults this is the paper's data: 5 training files (400k
    trajectories), 1 validation and 1 test file (80k each), each file holding
    ``n_per_class`` trajectories of each of the eight classes.  Only one file
    is in memory at a time (about 0.7 GB for 80k trajectories).  Every file
    records the parameters of its data (``n_per_class``, ``length``,
    ``noise``, its own ``seed`` derived from ``seed``, ``chunk``), so a rerun
    into the same folder keeps the files that are complete and match, remakes
    the missing or truncated ones (an interrupted run resumes where it
    stopped), and refuses, before writing anything, if a file there was made
    with other parameters, unless ``overwrite=True``, which remakes it.

    ``manifest.json`` records the sha256 of every file written; a rerun
    checks each kept file against it and remakes a damaged one, saying so,
    and :func:`load_dataset` refuses a file whose digest differs.  One process
    at a time writes into a folder: a second one is refused at once
    (:class:`resandi_lite._files.FolderInUseError`, naming the holder).
    ``overwrite=True`` leaves exactly the new layout: split files of the old
    one that the new one lacks are removed once the new files are written.

    Parameters
    ----------
    out_dir : str or path-like
        Folder (created if needed).
    n_per_class : int
        Trajectories per class in each file.
    files : dict of str to int, optional
        Number of files per split; default ``{"train": 5, "val": 1, "test": 1}``.
        Names are plain file-name stems (letters, digits, ``_`` and ``-``),
        counts positive integers.
    length, noise, chunk
        As in :func:`make_dataset`.
    seed : int
    n_jobs : int
        Worker processes per file, as in :func:`make_dataset`.
    overwrite : bool
        Remake files made with other parameters, and remove split files that
        this split does not have, instead of refusing.
    progress : bool

    Returns
    -------
    paths : list of Path
        Files named ``{split}_{i}.npz``, plus ``manifest.json`` describing them.

    Raises
    ------
    ValueError
        On a bad argument, if ``out_dir`` is a file, if the files would not
        fit in the memory available, or if a file in it holds other data (or
        is not part of this split) and ``overwrite`` is false.
    FolderInUseError
        If another process writes into ``out_dir``.
    """
    plan, params = _plan_split(out_dir, n_per_class, files, length, noise, seed, n_jobs, chunk)
    if not isinstance(overwrite, bool):
        raise TypeError(f"overwrite must be True or False, got {overwrite!r}")
    with _files.exclusive(out_dir, what="output folder"):  # one writer per folder
        return _write_split(Path(out_dir), plan, params, seed, n_jobs, overwrite, progress)


def _write_split(out_dir: Path, plan, params: dict, seed, n_jobs: int, overwrite: bool, progress: bool):
    """:func:`write_split` once the folder is locked: check what is there, write what is missing, record digests."""
    old = _read_manifest(out_dir)
    recorded = {name: entry.get("sha256") for name, entry in old.get("files", {}).items() if isinstance(entry, dict)}
    state = {
        path: _file_state(path, {**params, "seed": file_seed}, recorded.get(path.name)) for path, _, file_seed in plan
    }
    mismatched = [(path, why) for path, (kind, why) in state.items() if kind == "other"]
    approved = {name for name in old.get("remove", []) if isinstance(name, str)}  # by an interrupted overwrite
    extra = [path for path in _extra_files(out_dir, plan, old) if path.name not in approved]
    if (mismatched or extra) and not overwrite:
        listing = "; ".join(
            [f"{p.name}: {why}" for p, why in mismatched[:3]] + [f"{p.name}: not in this split" for p in extra[:3]]
        )
        raise ValueError(
            f"{out_dir} holds {len(mismatched) + len(extra)} file(s) made with other data parameters "
            f"({listing}); use another folder, or overwrite=True (--overwrite) to make them again"
        )
    remove_stale_parts(out_dir)
    manifest = {
        **params,
        "seed": int(np.random.SeedSequence(seed).entropy),
        "files": {
            p.name: {"split": split, "seed": file_seed, "sha256": state[p][1] if state[p][0] == "ok" else None}
            for p, split, file_seed in plan
        },
        "remove": sorted(approved | {p.name for p in extra}),
    }
    _files.write_json(out_dir / "manifest.json", manifest, indent=2)
    for path, _, file_seed in plan:
        kind, why = state[path]
        if kind == "ok":
            _say(progress, f"{path} is complete (sha256 verified), kept")
            continue
        _say(
            progress,
            {
                "missing": f"writing {path}",
                "damaged": f"{path} is damaged ({why}): making it again",
                "other": f"making again {path} ({why})",
            }[kind],
        )
        make_dataset(
            params["n_per_class"],
            params["length"],
            params["noise"],
            file_seed,
            n_jobs=n_jobs,
            chunk=params["chunk"],
            progress=progress,
        ).save(path)
        manifest["files"][path.name]["sha256"] = _files.sha256_file(path)
        _files.write_json(out_dir / "manifest.json", manifest, indent=2)
    for name in manifest.pop("remove"):  # the old layout's extra files go once the new one is complete
        if _SPLIT_FILE.fullmatch(name):
            (out_dir / name).unlink(missing_ok=True)
            _say(progress, f"removed {out_dir / name} (not part of this split)")
    _files.write_json(out_dir / "manifest.json", manifest, indent=2)
    return [path for path, _, _ in plan]


def _say(progress: bool, text: str) -> None:
    if progress:
        print(text, flush=True)


_SPLIT_FILE = re.compile(r"(?P<split>[A-Za-z0-9][A-Za-z0-9_-]*)_(?P<index>\d+)\.npz")


def _extra_files(out_dir: Path, plan, old: dict) -> list[Path]:
    """Split files in ``out_dir`` that the plan does not have: listed by the old manifest, or of a planned split."""
    planned = {path.name for path, _, _ in plan}
    splits = {split for _, split, _ in plan} | {
        e.get("split") for e in old.get("files", {}).values() if isinstance(e, dict)
    }
    names = set(old.get("files", {})) | {
        p.name for p in out_dir.glob("*.npz") if (m := _SPLIT_FILE.fullmatch(p.name)) and m["split"] in splits
    }
    return sorted(
        out_dir / name for name in names - planned if _SPLIT_FILE.fullmatch(name) and (out_dir / name).is_file()
    )


def _plan_split(out_dir, n_per_class, files, length, noise, seed, n_jobs, chunk):
    """Check the arguments of :func:`write_split`; return ``[(path, split, seed)]`` and the data parameters."""
    if not isinstance(out_dir, (str, os.PathLike)):
        raise TypeError(f"out_dir must be a str or path-like, got {type(out_dir).__name__}")
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"out_dir {out_dir} is an existing file; expected a folder")
    n_per_class = check_int(n_per_class, "n_per_class", minimum=1)
    files = PAPER_SPLIT if files is None else files
    if not isinstance(files, dict) or not files:
        raise TypeError(f"files must be a non-empty dict of split name to number of files, got {files!r}")
    for name, count in files.items():
        if not isinstance(name, str) or not _STEM.fullmatch(name):
            raise ValueError(
                f"files: split names must be plain file-name stems (letters, digits, _ and -, "
                f"no '/', '..' or empty name), got {name!r}"
            )
        check_int(count, f"files[{name!r}]", minimum=1)
    draw_lengths(1, length, rng=np.random.default_rng(0))
    params = {
        "n_per_class": n_per_class,
        "length": length,
        "noise": check_noise(noise).tolist(),
        "classes": list(CLASSES),
        "chunk": check_int(chunk, "chunk", minimum=1),
    }
    check_jobs(n_jobs)
    check_memory(
        n_per_class * len(CLASSES) * BYTES_PER_TRAJECTORY,
        f"write_split: files of {n_per_class * len(CLASSES):,} trajectories (n_per_class={n_per_class:,})",
    )
    entropy = np.random.SeedSequence(check_seed(seed)).entropy
    plan = [out_dir / f"{split}_{j}.npz" for split, count in files.items() for j in range(count)]
    splits = [split for split, count in files.items() for _ in range(count)]
    seeds = [
        int(np.random.SeedSequence(entropy, spawn_key=(_SPLIT_KEY, i)).generate_state(1, np.uint64)[0])
        for i in range(len(plan))
    ]
    return list(zip(plan, splits, seeds)), params


def _file_state(path: Path, expected: dict, sha256: str | None) -> tuple[str, str]:
    """What ``path`` is: ``("ok", its sha256)`` if complete with the ``expected`` parameters (and the digest the
    manifest records, if any); ``("missing", ...)`` if absent or unreadable; ``("damaged", why)`` if its bytes
    differ from the recorded digest; ``("other", which parameter differs)``."""
    if not path.exists():
        return "missing", ""
    digest = _files.sha256_file(path)
    if sha256 is not None and digest != sha256:
        return "damaged", "its sha256 differs from the one manifest.json records"
    try:
        with np.load(path, allow_pickle=False) as f:
            recorded = json.loads(str(f["params"]))
            rows = f["y"].shape[0] if all(k in f.files for k in _ARRAYS) else -1
            if sha256 is None:  # a file of an older manifest: read every array, so that zip's CRCs are checked
                [f[k] for k in f.files]
    except Exception as err:
        return ("damaged", f"unreadable: {type(err).__name__}") if sha256 is None else ("missing", "")
    if not isinstance(recorded, dict):
        return "missing", ""
    recorded.setdefault("chunk", _DEFAULT_CHUNK)  # files written before the chunk was recorded
    for key in _RECORDED:
        if recorded.get(key) != expected[key]:
            return "other", f"{key}={recorded.get(key)!r}, asked {expected[key]!r}"
    if rows != expected["n_per_class"] * len(expected["classes"]):
        return "missing", ""
    return "ok", digest
