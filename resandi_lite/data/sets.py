"""A set of preprocessed trajectories, in memory and in one ``.npz`` file.

:class:`TrajectoryDataset` holds the network's input with the labels and
parameters of every trajectory, its arrays checked; its
:meth:`~TrajectoryDataset.save` writes one ``.npz`` file atomically, with the
sha256 of its arrays, which :func:`load_dataset` checks (and the sha256 a
split's ``manifest.json`` records beside it).  :func:`remove_stale_parts`
removes the partial files of killed writes.
"""

from __future__ import annotations

import fnmatch
import json
import os
import warnings
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from .. import _files
from .._checks import check_int
from ..preprocess import INPUT_LENGTH, MIN_LENGTH
from ..simulate.classes import ALPHA_RANGE, CLASSES

FORMAT_VERSION = 1
_ARRAYS = ("X", "y", "alpha", "lengths", "noise")
_OPTIONAL = ("minmax",)
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

    def first(self, per_class: int) -> TrajectoryDataset:
        """The first ``per_class`` trajectories of each class, as a new set (see :func:`first_per_class`).

        Nested by construction: ``data.first(500)`` holds every trajectory of
        ``data.first(250)``, which is what a learning curve needs.

        >>> import resandi_lite as rl
        >>> rl.make_dataset(4, length=20, seed=0).first(2)
        TrajectoryDataset(n=16, per class=[2, 2, 2, 2, 2, 2, 2, 2], lengths 20-20, noise [0.0])
        """
        return self.subset(first_per_class(self.y, per_class))

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


def first_per_class(labels, per_class: int) -> np.ndarray:
    """Positions of the first ``per_class`` entries of each class in ``labels``, class after class.

    Parameters
    ----------
    labels : array of int
        Class labels in ``0..len(CLASSES) - 1``, one per trajectory.
    per_class : int
        How many of each class to keep (at least 1).

    Returns
    -------
    ndarray of int64
        The positions of class 0's first ``per_class`` entries (in the order
        they appear), then class 1's, and so on.

    Raises
    ------
    ValueError
        If some class has fewer than ``per_class`` entries, or a label is out of range.

    Examples
    --------
    >>> first_per_class([1, 0, 1, 0, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7], 1).tolist()
    [1, 0, 4, 6, 8, 10, 12, 14]
    """
    per_class = check_int(per_class, "per_class", minimum=1)
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"labels must be a one-dimensional array of integer class labels, got {labels.dtype} "
            f"of shape {labels.shape}"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= len(CLASSES)):
        raise ValueError(f"labels must lie in 0..{len(CLASSES) - 1}, got {labels.min()}..{labels.max()}")
    counts = np.bincount(labels, minlength=len(CLASSES))
    short = [f"{CLASSES[c]} ({counts[c]})" for c in range(len(CLASSES)) if counts[c] < per_class]
    if short:
        raise ValueError(f"per_class={per_class}: fewer trajectories than that of {', '.join(short)}")
    return np.concatenate([np.flatnonzero(labels == c)[:per_class] for c in range(len(CLASSES))])


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
