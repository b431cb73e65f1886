"""The arithmetic a run trains in: ``precision="auto"`` measured on the machine at hand, cached per CPU model, and
kept by a run (and by a group of runs) once chosen.

Why measure: on a CPU with bfloat16 instructions, bf16 usually trains the lite
network 2-4 times faster than fp32 (2.2x on two idle threads of the project's
AMD EPYC, 3.7x on Intel CPUs with AMX), but one run under heavy load measured
it slower.  So on such a CPU ``"auto"`` runs a short probe (about a second of
lite training steps in each arithmetic, :func:`probe_rates`) and takes bf16
only if it is at least :data:`MARGIN` times faster; the answer is cached in
``precision.json`` in the user's cache folder (:func:`cache_file`), keyed by
the CPU model, the torch version and the number of threads, so the probe runs
once per machine.  Delete the file (or its entry) to measure again.  CUDA
stays float16 with a gradient scaler, CPUs without bfloat16 instructions and
Apple's MPS stay float32, without probing.

Why keep: a run's arithmetic must not change half-way, nor between the
networks of one experiment compared with each other.  A resumed run keeps the
precision recorded in its checkpoint (:func:`recorded_precision`), and a
group of runs takes the one its runs already trained with
(:func:`shared_precision`).
"""

from __future__ import annotations

import collections
import dataclasses
import json
import logging
import os
import platform
import time
from pathlib import Path

import torch

from .. import _files
from ..model import build_model
from . import config as _config

log = logging.getLogger("resandi_lite")

#: Environment variable naming the folder of the cache (default ``$XDG_CACHE_HOME/resandi-lite``, else
#: ``~/.cache/resandi-lite``).
CACHE_ENV = "RESANDI_CACHE"
#: Environment variable: ``0`` (or ``off``) skips the probe, and ``"auto"`` follows the CPU's flags alone, as
#: :func:`~resandi_lite.train.resolve_precision` does (the test suite sets it: tests must not depend on timing).
PROBE_ENV = "RESANDI_PRECISION_PROBE"
#: bf16 is taken only if the probe measures it at least this many times faster than fp32 (the exact arithmetic).
MARGIN = 1.1
#: The CPU flags of native bfloat16 instructions.
BF16_FLAGS = ("avx512_bf16", "amx_bf16")
#: The arithmetics a run trains in (``"auto"`` resolved).
RESOLVED = ("fp32", "bf16", "fp16")


@dataclasses.dataclass(frozen=True)
class PrecisionChoice:
    """An arithmetic and why it was chosen.

    Attributes
    ----------
    precision : {"fp32", "bf16", "fp16"}
    reason : str
        ``"requested"`` (not ``"auto"``), ``"device"`` (CUDA, MPS), ``"flags"``
        (no bfloat16 instructions, or the probe turned off), ``"measured"``
        (the probe just ran), ``"cached"`` (an earlier probe on this CPU
        model), ``"checkpoint"`` (recorded by the run being resumed) or
        ``"shared"`` (used by the runs of the same group already trained).
    detail : str
        The numbers behind it, in words.
    """

    precision: str
    reason: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.precision} ({self.reason}{': ' + self.detail if self.detail else ''})"


def _cpuinfo() -> str:
    try:
        return Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux, else :func:`platform.processor`)."""
    for line in _cpuinfo().splitlines():
        if line.startswith("model name") and ":" in line:
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine() or "unknown CPU"


def bf16_flags() -> list[str]:
    """The bfloat16 instruction flags of this CPU (of :data:`BF16_FLAGS`; Linux only, else empty)."""
    for line in _cpuinfo().splitlines():
        if line.startswith("flags") and ":" in line:
            flags = set(line.split(":", 1)[1].split())
            return [flag for flag in BF16_FLAGS if flag in flags]
    return []


def describe_machine(device: torch.device | None = None) -> str:
    """One line on what a run's speed depends on: the CPU model and its bfloat16 flags, threads, torch, the GPU.

    Examples
    --------
    >>> "torch threads" in describe_machine()
    True
    """
    flags = ", ".join(bf16_flags()) or "none"
    text = f"CPU {cpu_model()} (bfloat16 instructions: {flags}), {torch.get_num_threads()} torch threads"
    if device is not None and device.type == "cuda":
        text = f"GPU {torch.cuda.get_device_name(device)}, " + text
    return f"{text}, torch {torch.__version__}"


def machine_key() -> str:
    """The key of this machine in the cache: CPU model, torch version and thread count."""
    return f"{cpu_model()} | torch {torch.__version__} | {torch.get_num_threads()} threads"


def cache_file() -> Path:
    """Where the measured precisions are cached: ``$RESANDI_CACHE/precision.json``.

    Without :data:`CACHE_ENV`, the folder is ``$XDG_CACHE_HOME/resandi-lite``
    (``~/.cache/resandi-lite`` without ``XDG_CACHE_HOME``).
    """
    root = os.environ.get(CACHE_ENV)
    if not root:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "resandi-lite"
    return Path(root) / "precision.json"


def probe_rates(device: torch.device, *, seconds: float = 1.0, batch: int = 32, batches: int = 2) -> dict:
    """Training samples per second of the lite network in fp32 and in bf16, measured now (about a second).

    The two arithmetics are timed in turn with
    :func:`~resandi_lite.train.throughput` (``batches`` timed steps of
    ``batch`` random trajectories after one warm-up step), twice if the first
    round took less than ``seconds``, keeping the best rate of each, so that a
    burst of load on the machine penalises both alike.  The global random
    state is left as it was.

    Returns
    -------
    dict
        ``{"fp32": rate, "bf16": rate}``, samples per second.
    """
    rates = {"fp32": 0.0, "bf16": 0.0}
    start = time.perf_counter()
    with torch.random.fork_rng(devices=[]):
        for _ in range(2):
            for precision in rates:
                torch.manual_seed(0)
                model = build_model("lite")
                rate, _ = _config.throughput(
                    model, batches=batches, train_batch=batch, infer_batch=1, device=device, precision=precision
                )
                rates[precision] = max(rates[precision], rate)
            if time.perf_counter() - start > seconds:  # a loaded machine: one round is all the probe may cost
                break
    return rates


def _read_cache(path: Path) -> dict:
    """The cache's entries; a missing file is empty, a damaged one is ignored (and rewritten by the next probe)."""
    try:
        entries = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, UnicodeDecodeError) as err:
        log.warning("ignored the precision cache %s (%s); it is rewritten after the next probe", path, err)
        return {}
    if not isinstance(entries, dict):
        log.warning("ignored the precision cache %s (no JSON object); it is rewritten after the next probe", path)
        return {}
    return entries


def _valid_entry(entry) -> bool:
    return (
        isinstance(entry, dict)
        and entry.get("precision") in ("fp32", "bf16")
        and isinstance(entry.get("rates"), dict)
        and all(isinstance(entry["rates"].get(p), (int, float)) for p in ("fp32", "bf16"))
    )


def _rates_text(rates: dict) -> str:
    return f"bf16 {rates['bf16']:,.0f} samples/s against fp32 {rates['fp32']:,.0f}"


def measured_precision(device: torch.device, *, probe=None, cache=None) -> PrecisionChoice:
    """bf16 or fp32 on this CPU, whichever trains faster: from the cache, else measured now and cached.

    Parameters
    ----------
    device : torch.device
        A CPU.
    probe : callable, optional
        ``probe(device) -> {"fp32": rate, "bf16": rate}`` (default
        :func:`probe_rates`, looked up when called, so tests can replace it).
    cache : path-like, optional
        The cache file (default :func:`cache_file`).  Written atomically; a
        file that cannot be read is ignored and replaced, one that cannot be
        written only means the probe runs again next time.

    Returns
    -------
    PrecisionChoice
        Reason ``"cached"`` or ``"measured"``.
    """
    path = cache_file() if cache is None else Path(cache)
    key = machine_key()
    entries = _read_cache(path)
    entry = entries.get(key)
    if _valid_entry(entry):
        when = entry.get("measured", "earlier")
        return PrecisionChoice(entry["precision"], "cached", f"{_rates_text(entry['rates'])}, measured {when}; {path}")
    rates = (probe or probe_rates)(device)
    rates = {p: float(rates[p]) for p in ("fp32", "bf16")}
    precision = "bf16" if rates["bf16"] >= MARGIN * rates["fp32"] else "fp32"
    entries[key] = {"precision": precision, "rates": rates, "measured": time.strftime("%Y-%m-%d %H:%M:%S")}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _files.write_json(path, entries)
    except OSError as err:
        log.warning("could not write the precision cache %s (%s); the probe runs again next time", path, err)
    return PrecisionChoice(precision, "measured", f"{_rates_text(rates)}; bf16 needs {MARGIN}x")


def choose_precision(precision: str, device: torch.device, *, amp: bool = True, probe=None, cache=None):
    """The arithmetic a new run trains in, and why (what ``precision="auto"`` means in :func:`fit`).

    Parameters
    ----------
    precision : {"auto", "fp32", "bf16", "fp16"}
    device : torch.device
    amp : bool
        ``False`` (a field of old configs) forces fp32.
    probe, cache
        See :func:`measured_precision`.

    Returns
    -------
    PrecisionChoice
        ``"auto"`` is fp16 on CUDA, fp32 on MPS and on CPUs without bfloat16
        instructions, and on a CPU with them whichever of bf16 and fp32
        :func:`measured_precision` finds faster (the flags alone when
        :data:`PROBE_ENV` is ``0``).

    Examples
    --------
    >>> choose_precision("fp32", torch.device("cpu"))
    PrecisionChoice(precision='fp32', reason='requested', detail='')
    """
    if precision not in _config.PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(_config.PRECISIONS)}, got {precision!r}")
    if not amp:
        return PrecisionChoice("fp32", "requested", "amp=False")
    if precision != "auto":
        return PrecisionChoice(precision, "requested")
    if device.type == "cuda":
        return PrecisionChoice("fp16", "device", "float16 with a gradient scaler on CUDA")
    if device.type != "cpu":
        return PrecisionChoice("fp32", "device", f"no mixed precision on {device.type}")
    if not _config.cpu_has_native_bf16():
        return PrecisionChoice("fp32", "flags", "this CPU has no bfloat16 instructions")
    if os.environ.get(PROBE_ENV, "").strip().lower() in ("0", "off", "no", "false"):
        return PrecisionChoice("bf16", "flags", f"bfloat16 instructions; the probe is off ({PROBE_ENV})")
    return measured_precision(device, probe=probe, cache=cache)


def recorded_precision(ckpt: dict, device: torch.device) -> PrecisionChoice:
    """The arithmetic a checkpoint's run trained in, which its resumption keeps.

    Read from the checkpoint's ``precision``, else from the last entry of its
    history; a checkpoint written before either existed trained in fp16 on
    CUDA (``amp``) and fp32 elsewhere, which is what it continues with.
    """
    precision = ckpt.get("precision")
    if precision not in RESOLVED:
        state = ckpt.get("state") if isinstance(ckpt.get("state"), dict) else {}
        history = state.get("history") or [{}]
        precision = history[-1].get("precision") if isinstance(history[-1], dict) else None
    if precision in RESOLVED:
        return PrecisionChoice(precision, "checkpoint", "recorded by the run being resumed")
    config = ckpt.get("config") if isinstance(ckpt.get("config"), dict) else {}
    precision = "fp16" if device.type == "cuda" and config.get("amp", True) else "fp32"
    return PrecisionChoice(precision, "checkpoint", "none recorded: what fit() used before precision existed")


def resumable_precision(config, recorded: str) -> bool:
    """Whether ``config`` may resume a run recorded in ``recorded``: it asks for ``"auto"`` or for that one."""
    requested = config.precision if config.amp else "fp32"
    return requested in ("auto", recorded)


def _logged_precision(folder: Path) -> str | None:
    """The precision a run folder's ``log.json`` records for its last finished epoch, if any."""
    try:
        history = json.loads((Path(folder) / "log.json").read_text())["history"]
        precision = history[-1]["precision"]
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None
    return precision if precision in RESOLVED else None


def shared_precision(folders, precision: str, device: torch.device, *, amp: bool = True, probe=None, cache=None):
    """The arithmetic of a group of runs compared with each other: the one its runs already trained with.

    Parameters
    ----------
    folders : iterable of path-like
        Run folders of the group; each one that has finished an epoch
        records its precision in ``log.json``.
    precision, device, amp, probe, cache
        As for :func:`choose_precision`, which decides when no run has
        recorded one yet, or when ``precision`` is not ``"auto"``.

    Returns
    -------
    PrecisionChoice
        Reason ``"shared"`` when read from the runs (the most common one, with
        a warning if they disagree).
    """
    if precision != "auto" or not amp:
        return choose_precision(precision, device, amp=amp)
    found = collections.Counter(p for p in map(_logged_precision, folders) if p is not None)
    if not found:
        return choose_precision(precision, device, amp=amp, probe=probe, cache=cache)
    (chosen, count), *others = found.most_common()
    if others:
        log.warning("the runs of this group trained in different precisions (%s); the others use %s", found, chosen)
    return PrecisionChoice(chosen, "shared", f"used by {count} run(s) of this group already trained")
