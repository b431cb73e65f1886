"""Argument checks shared by the public functions.

Every check raises a ``ValueError`` or ``TypeError`` that names the argument,
states what was expected and shows what was received, so that a user never
meets a deep stack trace from numpy or torch instead.
"""

from __future__ import annotations

import numbers
import os
from pathlib import Path

import numpy as np


def check_alpha(alpha, low: float, high: float, *, name: str = "alpha", what: str = "") -> np.ndarray:
    """Return ``alpha`` as a 1-D float64 array after checking its range.

    Parameters
    ----------
    alpha : array-like of shape (n,) or scalar
        Anomalous exponents, one per trajectory.
    low, high : float
        Closed interval the exponents must lie in.
    name : str
        Argument name used in error messages.
    what : str
        Model name used in error messages.
    """
    try:
        arr = np.asarray(alpha, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or a 1-D array of numbers, got {type(alpha).__name__}") from None
    arr = np.atleast_1d(arr)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a scalar or a 1-D array (one exponent per trajectory), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must hold at least one exponent, got an empty array")
    bad = ~np.isfinite(arr) | (arr < low) | (arr > high)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        model = f" for {what}" if what else ""
        raise ValueError(f"{name} must lie in [{low}, {high}]{model}, got {float(arr[i])} at index {i}")
    return arr


def check_int(value, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as an ``int`` after checking its type and bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_noise(noise, name: str = "noise") -> np.ndarray:
    """Return localisation-noise levels as a 1-D float64 array of finite values >= 0."""
    if isinstance(noise, (str, bytes)):
        raise TypeError(f"{name} must be a float or a list of floats, got the string {noise!r}")
    try:
        arr = np.atleast_1d(np.asarray(noise, dtype=np.float64))
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a float or a list of floats, got {noise!r}") from None
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a float or a non-empty 1-D list of floats, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must hold finite values >= 0 (the noise std in units of the step std), got {noise!r}")
    return arr


def check_network_input(X, name: str, *, channels: int | None = 2):
    """Network input as a float tensor ``(n, channels, L)``, ``L >= 1``, finite.

    Anything else raises a ValueError or TypeError naming ``name``;
    ``channels=None`` accepts any number of channels.
    """
    import torch
    from torch import Tensor

    if not isinstance(X, Tensor):
        try:
            array = np.asarray(X)
        except Exception:  # ragged nested lists
            raise TypeError(
                f"{name} must be an ndarray or Tensor of shape (n, 2, 1000), got {type(X).__name__}"
            ) from None
        if array.dtype.kind not in "iuf":
            raise TypeError(f"{name} must be floating point (float32 from preprocess), got dtype {array.dtype}")
        X = torch.from_numpy(np.ascontiguousarray(array))
    if X.ndim != 3 or X.shape[1] != (channels or X.shape[1]) or X.shape[2] < 1:
        hint = f" (add a batch dimension: {name}[None])" if X.ndim == 2 else ""
        raise ValueError(
            f"{name} must have shape (n, {channels or 'channels'}, L) with L >= 1 (1000 from "
            f"preprocess), got {tuple(X.shape)}{hint}"
        )
    if not X.is_floating_point():
        raise TypeError(f"{name} must be floating point (float32 from preprocess), got {X.dtype}")
    if not bool(torch.isfinite(X).all()):
        raise ValueError(f"{name} must be finite, got {int((~torch.isfinite(X)).sum())} NaN or infinite values")
    return X


check_sigma = check_noise  # the former name, still imported by older code


def check_seed(seed, name: str = "seed"):
    """Return ``seed`` if numpy can seed a generator with it: ``None``, an integer >= 0 or a SeedSequence."""
    if seed is None or isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be None or an integer >= 0, got {seed!r} ({type(seed).__name__})")
    if seed < 0:
        raise ValueError(f"{name} must be None or an integer >= 0, got {seed}")
    return int(seed)


def check_rng(rng, name: str = "rng") -> np.random.Generator:
    """``np.random.default_rng(rng)`` with an error that names the argument."""
    if rng is None or isinstance(rng, (np.random.Generator, np.random.BitGenerator, np.random.SeedSequence)):
        return np.random.default_rng(rng)
    if isinstance(rng, bool) or not isinstance(rng, numbers.Integral) or rng < 0:
        raise (ValueError if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) else TypeError)(
            f"{name} must be None, an integer >= 0, a SeedSequence or a numpy Generator, got {rng!r}"
        )
    return np.random.default_rng(int(rng))


def check_finite_array(x, name: str, *, ndim: int | None = None) -> np.ndarray:
    """Return ``x`` as a real floating-point ndarray (ints converted) after checking ``ndim`` and finiteness."""
    try:
        arr = np.asarray(x)
    except Exception:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of numbers, got {type(x).__name__}") from None
    if arr.dtype.kind in "iu":
        arr = arr.astype(np.float64)
    if arr.dtype.kind != "f":
        raise TypeError(f"{name} must hold real numbers (float), got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {int(np.sum(~np.isfinite(arr)))} NaN or infinite values")
    return arr


def check_bool(value, name: str) -> bool:
    """Return ``value`` if it is ``True`` or ``False`` (numpy's booleans too)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")
    return bool(value)


def check_float(
    value, name: str, *, minimum: float | None = None, maximum: float | None = None, open_low: bool = False
) -> float:
    """Return ``value`` as a finite ``float`` within ``[minimum, maximum]`` (``(minimum, ...`` with ``open_low``)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    value = float(value)
    low = "" if minimum is None else f" {'>' if open_low else '>='} {minimum}"
    if not np.isfinite(value):
        raise ValueError(
            f"{name} must be{low} and finite, got {value}" if low else f"{name} must be a finite number, got {value}"
        )
    if minimum is not None and (value < minimum or (open_low and value == minimum)):
        raise ValueError(f"{name} must be{low}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_choice(value, name: str, choices):
    """Return ``value`` if it is one of ``choices``."""
    if not isinstance(value, (str, type(None), bool, numbers.Number)) or value not in tuple(choices):
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


def _as_array(x, name: str, what: str) -> np.ndarray:
    if type(x).__module__.startswith("torch"):
        x = x.detach().cpu().numpy() if hasattr(x, "detach") else x
    try:
        return np.asarray(x)
    except (TypeError, ValueError):  # ragged nested lists and the like
        raise TypeError(f"{name} must be {what}, got {type(x).__name__}") from None


def check_labels(y, name: str, *, n: int | None = None, n_classes: int | None = None) -> np.ndarray:
    """Class labels as a 1-D int64 array: integers (not floats, not booleans), ``n`` of them, in ``0..n_classes-1``."""
    arr = _as_array(y, name, "a 1-D array of integer class labels")
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer class labels, got dtype {arr.dtype}")
    if arr.ndim != 1 or (n is not None and arr.size != n):
        raise ValueError(
            f"{name} must be 1-D with one label per trajectory{f' ({n})' if n is not None else ''}, "
            f"got shape {arr.shape}"
        )
    top = "" if n_classes is None else f"..{n_classes - 1}"
    if arr.size and (arr.min() < 0 or (n_classes is not None and arr.max() >= n_classes)):
        raise ValueError(f"{name} must hold class labels in 0{top}, got {arr.min()}..{arr.max()}")
    return arr.astype(np.int64, copy=False)


def check_maps(maps, name: str = "maps", *, n: int | None = None) -> np.ndarray:
    """Attribution maps as a finite float64 array of shape ``(n, positions)``, ``positions >= 1``."""
    arr = _as_array(maps, name, "an array of shape (n, positions)")
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[1] < 1 or (n is not None and arr.shape[0] != n):
        rows = "n" if n is None else str(n)
        raise ValueError(f"{name} must have shape ({rows}, positions) with positions >= 1, got {arr.shape}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {int(np.sum(~np.isfinite(arr)))} NaN or infinite values")
    return arr


def check_mask(mask, name: str, *, ndim: int | None = None) -> np.ndarray:
    """A boolean mask (booleans, or integers 0 and 1) as a bool ndarray, of ``ndim`` dimensions if given."""
    arr = _as_array(mask, name, "a boolean array")
    if arr.dtype != bool and not (arr.dtype.kind in "iu" and np.isin(arr, (0, 1)).all()):
        raise TypeError(f"{name} must hold booleans (or 0 and 1), got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {arr.shape}")
    return arr.astype(bool)


def check_lengths(lengths, name: str = "lengths", *, maximum: int = 1000, n: int | None = None) -> np.ndarray:
    """Trajectory lengths as a 1-D int64 array of integers in ``1..maximum`` (``n`` of them if given)."""
    arr = _as_array(lengths, name, "a 1-D array of integer lengths")
    if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer lengths, got dtype {arr.dtype}")
    arr = arr.reshape(-1) if arr.ndim == 0 else arr
    if arr.ndim != 1 or (n is not None and arr.size != n):
        raise ValueError(
            f"{name} must be 1-D with one length per trajectory{f' ({n})' if n is not None else ''}, "
            f"got shape {arr.shape}"
        )
    if arr.size and (arr.min() < 1 or arr.max() > maximum):
        raise ValueError(f"{name} must be trajectory lengths in 1..{maximum}, got {arr.min()}..{arr.max()}")
    return arr.astype(np.int64, copy=False)


def check_device(device, name: str = "device"):
    """The ``torch.device`` that ``device`` names (a string or a device): cpu, cuda, cuda:N or mps."""
    import torch

    if isinstance(device, torch.device):
        return device
    try:
        parsed = torch.device(device) if isinstance(device, str) else None
    except (RuntimeError, TypeError, ValueError):
        parsed = None
    if parsed is None or parsed.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"{name} must be 'cpu', 'cuda', 'cuda:N', 'mps' or a torch.device, got {device!r}")
    return parsed


def cpu_count() -> int:
    """CPUs this process may run on (its affinity where the system tells it, else all)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def check_jobs(n_jobs, name: str = "n_jobs") -> int:
    """Worker processes: ``-1`` (one per CPU) or ``1..cpu_count()``; more are refused (they would only compete)."""
    cpus = cpu_count()
    if isinstance(n_jobs, numbers.Integral) and not isinstance(n_jobs, bool) and n_jobs == -1:
        return cpus
    try:
        return check_int(n_jobs, name, minimum=1, maximum=cpus)
    except ValueError:
        raise ValueError(
            f"{name} must be >= 1 or -1 (one per CPU), and at most {cpus} (the CPUs here), got {n_jobs}"
        ) from None


def available_memory() -> int | None:
    """Bytes of memory this process can still allocate: the system's available memory, within a cgroup's limit.

    ``None`` where it cannot be found out (then no estimate is refused).
    """
    found = []
    try:
        with open("/proc/meminfo") as fh:
            found += [int(line.split()[1]) * 1024 for line in fh if line.startswith("MemAvailable:")]
    except (OSError, ValueError, IndexError):
        try:
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            pass
    try:  # a container's limit (cgroup v2): the limit minus what is used, page cache that can be dropped excepted
        cgroup = Path("/sys/fs/cgroup")
        limit = (cgroup / "memory.max").read_text().strip()
        if limit != "max":
            stat = dict(line.split() for line in (cgroup / "memory.stat").read_text().splitlines())
            found.append(int(limit) - int((cgroup / "memory.current").read_text()) + int(stat.get("inactive_file", 0)))
    except (OSError, ValueError):
        pass
    return max(0, min(found)) if found else None


def check_memory(nbytes: float, what: str) -> None:
    """Refuse, before allocating, work estimated to need more memory than is available.

    Raises
    ------
    ValueError
        Naming ``what``, the estimate and the memory available.
    """
    free = available_memory()
    if free is not None and nbytes > free:
        raise ValueError(
            f"{what} would need about {nbytes / 1e9:.1f} GB of memory, but {free / 1e9:.1f} GB are "
            f"available here; ask for less"
        )
