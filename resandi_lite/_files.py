"""Files written safely: temporary names that say who writes them, atomic replacement, sha256, folder locks.

* **Atomic.**  Every file the package writes goes first to a temporary file
  in the same folder, named ``<name>.<pid>.<token>.part`` (the writing
  process's id and a random token), is flushed to disk, and is then renamed
  over ``<name>``: a reader sees the old file or the new one, never half of
  one.
* **Clean-up.**  :func:`remove_stale_parts` deletes only such temporary files
  whose ``<name>`` the caller writes itself and whose process is gone; a
  user's ``notes.part``, or the temporary file of a process still running,
  is never touched.
* **Verified.**  :func:`sha256_file` digests a file's bytes (the split
  manifest records one per file); :func:`content_sha256` digests the tensors
  and values of a checkpoint, so a checkpoint carries its own digest.
* **Locked.**  :func:`exclusive` takes a lock per output folder (or file)
  with :mod:`filelock`; a second process refuses at once with
  :class:`FolderInUseError`, whose one-line message names the holder (PID,
  host, command).  The lock is the operating system's (``flock``): it ends
  with the process, even one killed with ``kill -9``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shlex
import socket
import sys
import tempfile
import time
from pathlib import Path

#: ``<name>.<pid>.<token>.part``: a temporary file of this package.
PART = re.compile(r"(?P<target>.+)\.(?P<pid>\d+)\.(?P<token>[A-Za-z0-9_]+)\.part")
#: Seconds after which a temporary file of an older version (no process id in its name) counts as abandoned.
LEGACY_AFTER = 600
#: The lock file of an output folder, and the file naming its holder.
LOCK = ".resandi-lock"
HOLDER = ".resandi-lock.json"


@contextlib.contextmanager
def atomic_writer(path, mode: str = "wb"):
    """A file object writing ``<path>.<pid>.<token>.part``, renamed to ``path`` if the block ends normally.

    On an exception the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f"{path.name}.{os.getpid()}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, mode) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path, text: str) -> Path:
    """Write a text file atomically; returns ``path``."""
    with atomic_writer(path, "w") as fh:
        fh.write(text)
    return Path(path)


def write_json(path, obj, *, indent: int = 1) -> Path:
    """Write ``obj`` as JSON, atomically."""
    return write_text(path, json.dumps(obj, indent=indent))


def read_json(path, *, remedy: str) -> dict | None:
    """The JSON object in the file ``path``, or None if there is no such file.

    Raises
    ------
    ValueError
        If the file is not valid JSON or holds no object; the message names
        the file and ends with ``remedy`` (what makes the file again).
    """
    path = Path(path)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError):
        raise ValueError(f"{path} is not valid JSON: {remedy}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} holds no JSON object: {remedy}")
    return data


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (one we may not signal counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def remove_stale_parts(folder, owns, *, legacy=None) -> list[Path]:
    """Delete the temporary files of killed writes in ``folder``: only this package's, only of dead processes.

    Parameters
    ----------
    folder : path-like
    owns : callable
        ``owns(name) -> bool``: whether the caller writes files called ``name``
        (the part of ``<name>.<pid>.<token>.part`` before the process id).
    legacy : callable, optional
        ``legacy(filename) -> bool``: temporary files of older versions, without
        a process id; removed only when more than :data:`LEGACY_AFTER` seconds old.

    Returns
    -------
    list of Path
        The files removed, sorted.
    """
    removed = []
    for part in Path(folder).glob("*.part"):
        match = PART.fullmatch(part.name)
        try:
            if match and owns(match["target"]):
                if process_alive(int(match["pid"])):
                    continue
            elif not (legacy and legacy(part.name) and time.time() - part.stat().st_mtime > LEGACY_AFTER):
                continue
            part.unlink()
        except FileNotFoundError:  # removed meanwhile by another process
            continue
        removed.append(part)
    return sorted(removed)


def sha256_file(path) -> str:
    """The sha256 of a file's bytes, as 64 hex digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def content_sha256(obj) -> str:
    """The sha256 of nested dicts, lists, tensors, arrays and scalars, independent of how they were pickled.

    Dict keys are taken in sorted order; a tensor or array contributes its
    dtype, shape and bytes.  Used for the digest a checkpoint records of itself.
    """
    digest = hashlib.sha256()
    _feed(digest, obj)
    return digest.hexdigest()


def _feed(digest, obj) -> None:
    import numpy as np

    if isinstance(obj, dict):
        digest.update(b"{")
        for key in sorted(obj, key=repr):
            digest.update(repr(key).encode() + b":")
            _feed(digest, obj[key])
        digest.update(b"}")
    elif isinstance(obj, (list, tuple)):
        digest.update(b"[")
        for item in obj:
            _feed(digest, item)
        digest.update(b"]")
    elif type(obj).__module__.startswith("torch") and hasattr(obj, "untyped_storage"):
        flat = obj.detach().cpu().contiguous().reshape(-1)
        digest.update(f"tensor {obj.dtype} {tuple(obj.shape)}:".encode())
        if flat.numel():
            digest.update(flat.view(__import__("torch").uint8).numpy())  # the bytes themselves, not a copy
    elif isinstance(obj, np.ndarray):
        digest.update(f"array {obj.dtype.str} {obj.shape}:".encode())
        if obj.size:
            digest.update(np.ascontiguousarray(obj).reshape(-1).view(np.uint8))
    else:
        digest.update(f"{type(obj).__name__} {obj!r};".encode())


class FolderInUseError(RuntimeError):
    """Another process holds the lock of an output folder; the message names it (PID, host, command)."""


def command_line() -> str:
    """This process's command line as one would type it (``python -m resandi_lite ...`` for the CLI)."""
    argv = list(sys.argv) or ["python"]
    if argv[0].endswith(os.path.join("resandi_lite", "__main__.py")):
        argv[:1] = ["python", "-m", "resandi_lite"]
    return shlex.join(argv)


def _holder_text(holder: Path) -> str:
    try:
        info = json.loads(holder.read_text())
        stale = info["host"] == socket.gethostname() and not process_alive(int(info["pid"]))  # a killed holder's
        if not stale:
            return f"PID {info['pid']} on host {info['host']}, since {info['started']}: {info['command']}"
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return "a process that has not yet written its name"


@contextlib.contextmanager
def exclusive(target, *, what: str = "output folder"):
    """Hold the lock of an output folder (or, for a file, of that file) for the duration of the block.

    Parameters
    ----------
    target : path-like
        A folder (created if needed; the lock is ``target/.resandi-lock``) or,
        with ``what`` ending in "file", a file (the lock is
        ``.<name>.resandi-lock`` beside it).
    what : str
        Used in the message: "output folder", "run folder", "output file", ...

    Raises
    ------
    FolderInUseError
        At once, if another process holds the lock.
    """
    from filelock import FileLock, Timeout

    target = Path(target)
    if what.endswith("file"):
        target.parent.mkdir(parents=True, exist_ok=True)
        lock_file = target.with_name(f".{target.name}{LOCK}")
        holder = target.with_name(f".{target.name}{HOLDER}")
    else:
        target.mkdir(parents=True, exist_ok=True)
        lock_file, holder = target / LOCK, target / HOLDER
    lock = FileLock(str(lock_file), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise FolderInUseError(
            f"refused: the {what} {target} is in use by {_holder_text(holder)}; wait until it "
            f"ends, or stop it (its lock ends with the process)"
        ) from None
    try:
        write_json(
            holder,
            {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "command": command_line(),
                "started": time.strftime("%Y-%m-%d %H:%M:%S"),
            },
        )
        yield
    finally:
        holder.unlink(missing_ok=True)
        if what.endswith("file"):  # beside a user's file, leave nothing (two writers of one file only race to
            lock_file.unlink(missing_ok=True)  # replace it atomically: harmless); a folder keeps its lock file
        lock.release()
