"""The paper-scale split on disk, one file at a time.

:func:`write_split` writes a train/validation/test split (the paper's:
:data:`PAPER_SPLIT`) with bounded memory, records the sha256 of every file
in ``manifest.json``, and on a rerun keeps the files that are complete and
match, remakes the missing or damaged ones and refuses (or, asked to,
replaces) files made with other parameters.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np

from .. import _files
from .._checks import check_int, check_jobs, check_memory, check_noise, check_seed
from ..simulate.classes import CLASSES, draw_lengths
from .sets import _ARRAYS, BYTES_PER_TRAJECTORY, _read_manifest, remove_stale_parts
from .simulation import _SPLIT_KEY, make_dataset

_DEFAULT_CHUNK = 2048  # also the chunk of files written before the chunk was recorded

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
