"""The powered run of Part III's verdicts: every experiment's claims measured at powered sizes, one JSON.

:func:`run_verdicts` (``python -m resandi_lite verdicts``) calls each part's
``<part>_verdicts`` function (:data:`PARTS`), writes each part's JSON as it
finishes and then one ``verdicts.json`` with every row;
:data:`resandi_lite.verdict.POWERED` is the committed copy the chapters read
with :func:`resandi_lite.verdict.load_verdicts` and show with
:func:`resandi_lite.verdict.verdict_table`.

The run calls the experiments (:mod:`resandi_lite.erasure`,
:mod:`resandi_lite.sanity`, :mod:`resandi_lite.groundtruth`,
:mod:`resandi_lite.layerwise`), so it sits above them in the layers; it finds
each part by its ``module:function`` name when run, so that a missing part is
reported and left out.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import numpy as np

from ._checks import check_int
from .verdict import POWERED, VERDICTS

__all__ = ["PARTS", "SIZES", "cpu_model", "part_size", "run_verdicts"]

#: The parts of Part III and the function each exposes, ``module:function``, looked up by name when run,
#: so that each part can be merged (or be missing) on its own.  Each is called as
#: ``function(n_per_class, seed=..., progress=..., **options)`` and returns a JSON-ready dict with ``rows``.
PARTS = {
    "erasure": "resandi_lite.erasure:erasure_verdicts",
    "sanity": "resandi_lite.sanity:sanity_verdicts",
    "groundtruth": "resandi_lite.groundtruth:groundtruth_verdicts",
    "layerwise": "resandi_lite.layerwise:layerwise_verdicts",
}

#: Trajectories per class (and options) of each part at each size.  A part's module may set its own as
#: ``VERDICT_SIZES = {"ci": ..., "book": ..., "powered": ...}``, each an int or a dict with ``n_per_class``.
#: ``powered`` is sized for at most about 30-40 minutes of one core per part.  The layer-wise part, measured:
#: 141 s of CPU for 2,000 trajectories per class with 20,000 replicates per claim, linear in the size, so about
#: 12 minutes for its 10,000 (the paper's test set per class).  The other parts' sizes are set by their modules.
SIZES = {
    "ci": {"erasure": 3, "sanity": 3, "groundtruth": 3, "layerwise": {"n_per_class": 3, "n_boot": 200}},
    "book": {"erasure": 150, "sanity": 10, "groundtruth": 40, "layerwise": {"n_per_class": 200, "n_boot": 4000}},
    "powered": {
        "erasure": 700,
        "sanity": 150,
        "groundtruth": 1500,
        "layerwise": {"n_per_class": 10_000, "n_boot": 20_000},
    },
}


def _jsonable(value):
    """``value`` with numpy scalars and arrays as Python numbers and lists, NaN and infinities as None."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON-ready: {type(value).__name__} {value!r}")


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(data, indent=1, allow_nan=False))
    tmp.replace(path)


def part_size(part: str, sizes: str) -> tuple[int, dict]:
    """``(n_per_class, options)`` of ``part`` at ``sizes``: the module's ``VERDICT_SIZES`` if it has one, else :data:`SIZES`."""
    if part not in PARTS:
        raise ValueError(f"part must be one of {', '.join(PARTS)}, got {part!r}")
    if sizes not in SIZES:
        raise ValueError(f"sizes must be one of {', '.join(SIZES)}, got {sizes!r}")
    spec = SIZES[sizes][part]
    try:
        own = getattr(importlib.import_module(PARTS[part].split(":")[0]), "VERDICT_SIZES", None)
    except ImportError:
        own = None
    if isinstance(own, dict) and sizes in own:
        spec = own[sizes]
    spec = dict(spec) if isinstance(spec, dict) else {"n_per_class": spec}
    return int(spec.pop("n_per_class")), spec


def _part_function(part: str):
    """The part's ``<part>_verdicts`` function, or None if its module or function does not exist (yet)."""
    module, name = PARTS[part].split(":")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def _check_part_result(part: str, result) -> None:
    if not isinstance(result, dict) or not isinstance(result.get("rows"), list):
        raise ValueError(f"{PARTS[part]} must return a dict with a list of rows, got {type(result).__name__}")
    for row in result["rows"]:
        missing = [k for k in ("claim", "verdict", "low", "high") if not isinstance(row, dict) or k not in row]
        if missing or row["verdict"] not in VERDICTS:
            raise ValueError(
                f"{PARTS[part]}: every row must hold claim, verdict (one of {VERDICTS}), low and high; got {row!r}"
            )
        if row["verdict"] == "open" and "n_needed" not in row:
            raise ValueError(f"{PARTS[part]}: an open row must say n_needed, got {row!r}")


def cpu_model() -> str:
    """The processor's model name (from /proc/cpuinfo on Linux, else :func:`platform.processor`)."""
    import platform

    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _check_run(out, sizes, parts, resume, seed) -> tuple[Path, list, int]:
    """The checked arguments of :func:`run_verdicts`; the output folder is created."""
    out = Path(out)
    parts = list(PARTS) if parts is None else list(parts)
    unknown = [p for p in parts if p not in PARTS]
    if unknown or not parts:
        raise ValueError(f"parts must be a non-empty subset of {', '.join(PARTS)}, got {', '.join(map(str, parts))}")
    if sizes not in SIZES:
        raise ValueError(f"sizes must be one of {', '.join(SIZES)}, got {sizes!r}")
    seed = check_int(seed, "seed", minimum=0)
    if out.exists() and not out.is_dir():
        raise ValueError(f"out {out} is a file, not a folder")
    written = sorted(out.glob("*.json")) if out.is_dir() else []
    if written and not resume:
        raise ValueError(
            f"out {out} already holds results ({written[0].name}); add --resume to keep the finished "
            f"parts, or use another folder"
        )
    out.mkdir(parents=True, exist_ok=True)
    return out, parts, seed


def run_verdicts(
    out,
    *,
    sizes: str = "powered",
    parts=None,
    resume: bool = False,
    seed: int = 0,
    threads: int | None = 1,
    progress: bool = False,
    command: str | None = None,
    ship: bool = False,
    say=print,
) -> dict:
    """Run each part's ``<part>_verdicts`` and write its JSON as it finishes, then one ``verdicts.json``.

    Parameters
    ----------
    out : path-like
        Folder for ``<part>.json`` (one per finished part) and ``verdicts.json``.
    sizes : "ci", "book" or "powered"
        The sizes of every part (:func:`part_size`).
    parts : sequence of str, optional
        Among :data:`PARTS` (default: all).  A part whose function does not
        exist is reported as "part not available" and left out.
    resume : bool
        Keep the parts already written in ``out`` (with the same sizes and
        seed) instead of computing them again; without it, a folder holding
        results is refused.
    seed : int
    threads : int or None
        Torch and BLAS threads while a part runs (default 1: the powered sizes
        are reckoned for one core); None leaves them as they are.
    progress : bool
        Passed to each part.
    command : str, optional
        The command that regenerates the file (recorded; default: the CLI's).
    ship : bool
        Also copy ``verdicts.json`` to :data:`POWERED`, where the chapters read it.
    say : callable
        Receives one line per part.

    Returns
    -------
    dict
        What ``verdicts.json`` holds: ``rows`` (every part's rows, each with
        its ``part``), ``parts`` (each part's whole result, as its
        ``<part>.json``, rows included), ``unavailable``,
        ``sizes``, ``n_per_class`` and ``options`` per part, ``seed``,
        ``wall_seconds`` (per part and ``total``), ``cpu``, ``threads``,
        ``versions``, ``date`` and ``command``.
    """
    import datetime
    import platform
    import time

    out, parts, seed = _check_run(out, sizes, parts, resume, seed)
    command = command or (
        f"python -m resandi_lite verdicts --sizes {sizes} --out {out} --parts {','.join(parts)} "
        f"--seed {seed}" + ("" if threads is None else f" --threads {threads}")
    )
    results, unavailable, wall = {}, {}, {}
    for part in parts:
        function = _part_function(part)
        if function is None:
            unavailable[part] = f"part not available ({PARTS[part].replace(':', '.')} not found)"
            say(f"{part}: {unavailable[part]}")
            continue
        n, options = part_size(part, sizes)
        path = out / f"{part}.json"
        if path.exists():
            stored = json.loads(path.read_text())
            if (stored.get("n_per_class"), stored.get("seed"), stored.get("options")) != (n, seed, _jsonable(options)):
                raise ValueError(
                    f"{path} was made with other sizes or seed (n_per_class {stored.get('n_per_class')}, "
                    f"seed {stored.get('seed')}); remove it or use another folder"
                )
            results[part], wall[part] = stored, stored.get("wall_seconds")
            say(f"{part}: finished before ({path}), not recomputed")
            continue
        start = time.perf_counter()
        with _threads(threads):
            result = function(n, seed=seed, progress=progress, **options)
        _check_part_result(part, result)
        result = _jsonable(
            {
                **result,
                "part": part,
                "n_per_class": n,
                "seed": seed,
                "options": options,
                "wall_seconds": time.perf_counter() - start,
            }
        )
        _write_json(path, result)
        results[part], wall[part] = result, result["wall_seconds"]
        counts = {v: sum(r["verdict"] == v for r in result["rows"]) for v in VERDICTS}
        say(
            f"{part}: {len(result['rows'])} rows ({', '.join(f'{k} {v}' for k, v in counts.items() if v)}) "
            f"in {result['wall_seconds']:.0f} s -> {path}"
        )
    import torch

    from ._version import __version__

    combined = {
        "command": command,
        "sizes": sizes,
        "seed": seed,
        "n_per_class": {p: r["n_per_class"] for p, r in results.items()},
        "options": {p: r.get("options", {}) for p, r in results.items()},
        "seeds": {p: r.get("seed", seed) for p, r in results.items()},
        "wall_seconds": {**wall, "total": float(sum(v for v in wall.values() if v is not None))},
        "cpu": cpu_model(),
        "threads": threads,
        "versions": {
            "resandi_lite": __version__,
            "python": platform.python_version(),
            "numpy": np.__version__,
            "torch": torch.__version__,
        },
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "unavailable": unavailable,
        "parts": results,  # each part's whole result, its rows included (as its <part>.json)
        "rows": [{**row, "part": p} for p, r in results.items() for row in r["rows"]],
    }
    combined = _jsonable(combined)
    _write_json(out / "verdicts.json", combined)
    if ship:
        _write_json(POWERED, combined)
    return combined


class _threads:
    """Torch and BLAS threads limited to ``n`` inside the block (restored after); ``None``: unchanged."""

    def __init__(self, n):
        self.n, self.limits, self.torch = n, None, None

    def __enter__(self):
        if self.n is not None:
            import torch

            self.torch = torch.get_num_threads()
            torch.set_num_threads(int(self.n))
            try:
                from threadpoolctl import threadpool_limits

                self.limits = threadpool_limits(int(self.n))
            except ImportError:  # optional: numpy's BLAS then keeps its threads
                pass
        return self

    def __exit__(self, *exc):
        if self.torch is not None:
            import torch

            torch.set_num_threads(self.torch)
        if self.limits is not None:
            self.limits.restore_original_limits()
        return False
