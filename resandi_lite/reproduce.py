"""The paper at full scale: which networks the chapters study, and one command that reruns them all.

Chapters 7-12 study two trained networks, one per protocol of the paper: the
varying-length one (``network_varying``) and the T = 1000 one
(``network_T1000``).  Both are papermill parameters of every chapter, resolved
here by :func:`networks`:

=========  ====================================================================
profile    default networks
=========  ====================================================================
``ci``     the shipped ``lite`` and ``lite-T1000``
``book``   the shipped ``lite`` and ``lite-T1000``
``paper``  ``runs/paper-varying/best.pt`` and ``runs/paper-T1000/best.pt``,
           written by chapter 6 in the paper profile
=========  ====================================================================

``python -m resandi_lite reproduce --out DIR`` (:func:`reproduce`) trains the
paper-preset networks of both protocols into ``DIR/paper-varying`` and
``DIR/paper-T1000`` (with torchrun on several GPUs), runs chapters 6-12 in
the paper profile on them into ``DIR/notebooks/``, and writes
``DIR/report.md`` and ``DIR/report.json``.  ``--tiny`` shrinks every size (a
handful of training batches, the ci profile's test sets) so that the chain
runs on a CPU in minutes, still with the paper's network; the chapters take
the same ``tiny`` parameter.  Every finished step is recorded in
``DIR/reproduce.json``; ``--resume`` skips them.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from . import _files

#: The two protocols: the shipped network, the run folder of the paper run and the trajectory length.
#: The run profiles every chapter reads its sizes from (:mod:`resandi_lite.course.profiles`).
PROFILES = ("ci", "book", "paper")
PROTOCOLS = ("varying", "fixed")
SHIPPED = {"varying": "lite", "fixed": "lite-T1000"}
RUN_FOLDERS = {"varying": "paper-varying", "fixed": "paper-T1000"}
LENGTHS = {"varying": "varying", "fixed": 1000}
#: Chapters run by :func:`reproduce`, in order.
CHAPTERS = (
    "06_training",
    "07_evaluation",
    "08_gradcam",
    "09_erasure",
    "10_augmentation",
    "11_layerwise",
    "12_reproduction",
)
#: The commands that write the paper profile's default networks.
PRODUCE = (
    "chapter 6 in the paper profile (papermill notebooks/06_training.ipynb runs/06_training.ipynb "
    "-p profile paper, from the repository's root), or `python -m resandi_lite reproduce --out DIR`, which "
    "writes DIR/paper-varying/best.pt and DIR/paper-T1000/best.pt"
)
#: ``--tiny``: a handful of batches per protocol, still the paper's network and recipe otherwise.
TINY_TRAINING = dict(train_per_class=2, val_per_class=1, batch_size=8, max_epochs=1)
STATE = "reproduce.json"


def check_profile(value, where: str = "the argument") -> str:
    """``value`` if it is one of :data:`PROFILES`, else a ValueError naming ``where`` it came from.

    >>> check_profile("ci")
    'ci'
    """
    if value not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(PROFILES)}, got {value!r} (from {where})")
    return value


def sizes(profile: str, tiny: bool = False) -> str:
    """The profile whose sizes a chapter uses: ``"ci"`` in tiny mode, else ``profile`` itself.

    >>> sizes("paper", tiny=True), sizes("book")
    ('ci', 'book')
    """
    if not isinstance(tiny, bool):
        raise TypeError(f"tiny must be True or False, got {tiny!r}")
    return "ci" if tiny else check_profile(profile)


def networks(
    profile: str, network_varying=None, network_T1000=None, *, runs="runs", must_exist: bool = True
) -> dict[str, str]:
    """The networks a chapter studies: ``{"varying": source, "fixed": source}``.

    Parameters
    ----------
    profile : {"ci", "book", "paper"}
    network_varying, network_T1000 : str or path-like, optional
        A shipped name (``"lite"``, ``"lite-T1000"``) or a ``.pt`` file;
        ``None``: the profile's default (the shipped networks; in the paper
        profile ``runs/paper-varying/best.pt`` and ``runs/paper-T1000/best.pt``).
    runs : str or path-like
        Folder of the paper profile's runs.
    must_exist : bool
        Raise if a file is missing (chapter 6, which writes them, passes ``False``).

    Raises
    ------
    FileNotFoundError
        A network file is missing; the message names the command that writes it.
    """
    from .pretrained import PRETRAINED

    profile = check_profile(profile)
    given = {"varying": network_varying, "fixed": network_T1000}
    chosen = {}
    for protocol, source in given.items():
        if source is None:
            source = str(Path(runs) / RUN_FOLDERS[protocol] / "best.pt") if profile == "paper" else SHIPPED[protocol]
        if not isinstance(source, (str, os.PathLike)):
            raise TypeError(
                f"network_{'varying' if protocol == 'varying' else 'T1000'} must be a shipped name or "
                f"a .pt path, got {type(source).__name__} {source!r}"
            )
        source = str(source)
        if must_exist and source not in PRETRAINED and not Path(source).is_file():
            raise FileNotFoundError(
                f"no trained network at {source} (protocol {protocol!r}); write it with "
                f"{PRODUCE}, or pass a shipped name ({', '.join(PRETRAINED)}) or a .pt file"
            )
        chosen[protocol] = source
    return chosen


def _shown_path(path) -> str:
    """A shipped file as ``resandi_lite/pretrained/NAME.pt`` (no machine-specific prefix), any other as given."""
    from .checkpoint import HERE

    path = Path(path)
    try:
        return str(Path("resandi_lite") / path.resolve().relative_to(HERE.resolve().parent))
    except ValueError:
        return str(path)


def describe(source) -> dict:
    """Which network ``source`` is: preset, parameters, origin, file and a short label for plots.

    Returns
    -------
    dict
        ``source``, ``label``, ``preset``, ``parameters`` (int), ``origin``
        (the shipped model card's command, or the run's training config),
        ``path`` and ``sha256`` (first 16 hex digits) of the file.
    """
    from .checkpoint import load_checkpoint
    from .pretrained import PRETRAINED, checkpoint_path, model_card

    path = checkpoint_path(source)
    ckpt = load_checkpoint(path)
    config = ckpt.get("config", {})
    parameters = int(sum(v.numel() for v in ckpt["model"].values() if v.is_floating_point()))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    if isinstance(source, str) and source in PRETRAINED:
        origin, label = f"shipped with the package: {model_card(source)['command']}", source
    else:
        keys = ("length", "train_per_class", "max_epochs", "batch_size", "lr")
        precision = (ckpt.get("metrics") or {}).get("precision", config.get("precision"))
        origin = (
            f"trained by this project's fit(): {', '.join(f'{k}={config.get(k)}' for k in keys)}, precision={precision}"
        )
        label = f"{config.get('preset')} ({path.parent.name})"
    return {
        "source": str(source),
        "label": label,
        "preset": config.get("preset"),
        "parameters": parameters,
        "origin": origin,
        "path": _shown_path(path),
        "sha256": digest,
    }


def which(chosen: dict[str, str], *protocols: str) -> str:
    """One line per protocol saying which network a chapter measures (label, preset, parameters, origin)."""
    names = {"varying": "varying length", "fixed": "T = 1000"}
    lines = []
    for protocol in protocols or PROTOCOLS:
        d = describe(chosen[protocol])
        lines.append(
            f"{names[protocol]}: {d['label']}, preset {d['preset']}, {d['parameters']:,} parameters, "
            f"{d['path']}; {d['origin']}"
        )
    return "\n".join(lines)


def paper_config(protocol: str, *, tiny: bool = False, **overrides):
    """The paper's recipe and network for ``protocol`` (``"varying"`` or ``"fixed"``), as :func:`reproduce` trains it.

    ``tiny`` keeps the preset and the recipe and shrinks the data and epochs
    to :data:`TINY_TRAINING` (two batches of eight).
    """
    from .train import TrainConfig

    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}, got {protocol!r}")
    shrink = TINY_TRAINING if tiny else {}
    return TrainConfig.recipe("paper", **{"preset": "paper", "length": LENGTHS[protocol], **shrink, **overrides})


def finished(run_dir) -> bool:
    """Whether the training run in ``run_dir`` has ended (early stop or last epoch) and has a ``best.pt``."""
    from .checkpoint import BEST, CHECKPOINT, load_checkpoint

    run_dir = Path(run_dir)
    if not (run_dir / CHECKPOINT).is_file() or not (run_dir / BEST).is_file():
        return False
    ckpt = load_checkpoint(run_dir / CHECKPOINT)
    state, config = ckpt.get("state"), ckpt.get("config")
    if not isinstance(state, dict) or not isinstance(config, dict):
        return False  # not finished; resuming it explains what is wrong with the checkpoint
    return bool(state.get("done") or state.get("epoch", 0) >= config.get("max_epochs", float("inf")))


def train_command(config, out_dir, nproc_per_node: int = 1) -> list[str]:
    """The command line that trains ``config`` into ``out_dir`` (resumable), with torchrun for several processes."""
    from .train import TrainConfig

    default = TrainConfig().to_dict()
    flags = []
    for key, value in config.to_dict().items():
        if value == default[key] or key == "amp":
            continue
        if isinstance(value, bool):
            flags += [f"--{key.replace('_', '-')}"] if value else []
        else:
            text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
            flags += [f"--{key.replace('_', '-')}", text]
    tail = ["-m", "resandi_lite", "train", "--recipe", "paper", *flags, "--out", str(out_dir), "--resume"]
    if nproc_per_node > 1:
        return [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            f"--nproc-per-node={nproc_per_node}",
            *tail,
        ]
    return [sys.executable, *tail]


def command_text(config, out_dir, nproc_per_node: int = 1) -> str:
    """:func:`train_command` as one would type it (``torchrun ...`` or ``python -m resandi_lite train ...``)."""
    args = train_command(config, out_dir, nproc_per_node)
    head = ["torchrun"] if nproc_per_node > 1 else ["python"]
    return " ".join(head + args[4 if nproc_per_node > 1 else 1 :])


def train_paper_networks(
    chosen: dict[str, str], *, tiny: bool = False, nproc_per_node: int = 1, progress: bool = True
) -> dict[str, Path]:
    """Chapter 6 in the paper profile: train the paper's network for each protocol into its run folder.

    Each network of ``chosen`` given as a ``.pt`` path is trained (or resumed,
    or kept if finished) into that file's folder with :func:`paper_config`;
    shipped names are left alone.  Prints the equivalent command on
    ``nproc_per_node`` GPUs.

    Returns
    -------
    dict
        Protocol to the ``best.pt`` written.
    """
    from .pretrained import PRETRAINED

    written = {}
    for protocol, source in chosen.items():
        if source in PRETRAINED:
            continue
        config = paper_config(protocol, tiny=tiny)
        folder = Path(source).parent
        if progress:
            print(f"{protocol}: {command_text(config, folder, max(nproc_per_node, 4))}  # on 4 GPUs")
        written[protocol] = train(config, folder, nproc_per_node=nproc_per_node, progress=progress)
    return written


def train(config, run_dir, *, nproc_per_node: int = 1, progress: bool = True) -> Path:
    """Train ``config`` into ``run_dir`` unless that run has finished; resumes an interrupted one.

    One process calls :func:`resandi_lite.train.fit` directly; ``nproc_per_node > 1``
    launches :func:`train_command` under torchrun (NCCL on GPUs, gloo on CPUs).

    Returns
    -------
    Path
        ``run_dir/best.pt``.
    """
    from .checkpoint import BEST
    from .train import fit

    if not isinstance(nproc_per_node, int) or nproc_per_node < 1:
        raise ValueError(f"nproc_per_node must be a positive integer, got {nproc_per_node!r}")
    run_dir = Path(run_dir)
    if not finished(run_dir):
        if nproc_per_node == 1:
            fit(config, run_dir, resume=True, progress=progress)
        elif subprocess.run(train_command(config, run_dir, nproc_per_node)).returncode != 0:
            raise ReproduceError(
                f"training into {run_dir} with {nproc_per_node} processes failed (its output is "
                f"above); rerun with --resume to continue from its last checkpoint"
            )
    return run_dir / BEST


class ReproduceError(RuntimeError):
    """A step of :func:`reproduce` failed; the message is one line naming the notebook and the cell."""


def notebooks_dir() -> Path:
    """The chapters: ``notebooks/`` of the source tree this package runs from, else of the working directory."""
    for root in (Path(__file__).resolve().parents[1], Path.cwd()):
        if (root / "notebooks" / f"{CHAPTERS[0]}.ipynb").is_file():
            return root / "notebooks"
    raise FileNotFoundError(
        "the chapter notebooks were not found: run `python -m resandi_lite reproduce` "
        "from a clone of the resandi-lite repository"
    )


def run_chapter(name: str, out_dir, parameters: dict, *, source_dir=None) -> Path:
    """Execute chapter ``name`` with papermill into ``out_dir/name.ipynb``; a failure is one line.

    Raises
    ------
    ReproduceError
        Naming the notebook, the cell (index and execution count) and the error.
    """
    import papermill

    source = Path(source_dir or notebooks_dir()) / f"{name}.ipynb"
    target = Path(out_dir) / f"{name}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        papermill.execute_notebook(
            str(source),
            str(target),
            parameters=parameters,
            cwd=str(source.parent),
            progress_bar=False,
            kernel_name="python3",
        )
    except papermill.PapermillExecutionError as err:
        first = next((line for line in (err.source or "").splitlines() if line.strip()), "")
        raise ReproduceError(
            f"{source.name} failed in cell {err.cell_index} (execution count {err.exec_count}, "
            f"{first[:60]!r}): {err.ename}: {str(err.evalue).splitlines()[0] if err.evalue else ''} "
            f"(traceback in the executed notebook {target})"
        ) from None
    return target


def _load_state(out: Path, tiny: bool, resume: bool) -> dict:
    path = out / STATE
    if out.is_dir() and any(not p.name.startswith(".") for p in out.iterdir()) and not resume:
        raise ValueError(
            f"--out {out} exists and is not empty; pass --resume to continue the run in it, or choose a new folder"
        )
    if resume and path.is_file():
        try:
            state = json.loads(path.read_text())
        except (OSError, ValueError) as err:
            raise ValueError(
                f"{path} is not a readable state file ({type(err).__name__}); repair it, or remove it "
                f"to run every step again"
            ) from None
        steps = state.get("steps") if isinstance(state, dict) else None
        if not isinstance(steps, dict) or not all(isinstance(v, dict) for v in steps.values()):
            raise ValueError(
                f"{path} is malformed (expected {{'tiny': ..., 'steps': {{name: {{'done': ...}}}}}}); "
                f"repair it, or remove it to run every step again"
            )
        if state.get("tiny") != tiny:
            raise ValueError(f"{out} holds a run with tiny={state.get('tiny')}, not tiny={tiny}")
        return state
    return {"format": "resandi-lite-reproduce-1", "tiny": tiny, "steps": {}}


def _step(out: Path, state: dict, name: str, action, log) -> bool:
    """Run ``action`` unless ``name`` finished before; record it in ``out/reproduce.json``."""
    if state["steps"].get(name, {}).get("done"):
        log(f"skip {name} (finished)")
        return False
    log(f"run {name}")
    start = time.perf_counter()
    action()
    state["steps"][name] = {"done": True, "seconds": round(time.perf_counter() - start, 1)}
    _files.write_json(out / STATE, state)
    return True


def reproduce(out, *, tiny: bool = False, nproc_per_node: int = 1, resume: bool = False, log=print) -> dict:
    """Train both paper-preset networks into ``out``, run chapters 6-12 on them, write the report.

    Parameters
    ----------
    out : str or path-like
        Receives ``paper-varying/``, ``paper-T1000/`` (runs), ``augmentation/``
        (chapter 10's runs), ``notebooks/`` (executed chapters),
        ``report.md``, ``report.json`` and ``reproduce.json`` (finished steps).
    tiny : bool
        Every size shrunk (:data:`TINY_TRAINING`, the ci profile's test sets):
        minutes on a CPU.
    nproc_per_node : int
        Training processes (GPUs) under torchrun; 1: in this process.
    resume : bool
        Continue a run in ``out``, skipping finished steps; without it an
        existing non-empty ``out`` is refused.

    Returns
    -------
    dict
        The report (as ``report.json``).
    """
    out = Path(out).resolve()
    with _files.exclusive(out, what="output folder"):  # one reproduction per folder
        return _reproduce(out, _load_state(out, tiny, resume), tiny, nproc_per_node, log)


def _reproduce(out: Path, state: dict, tiny: bool, nproc_per_node: int, log) -> dict:
    """:func:`reproduce` once ``out`` is locked."""
    _files.remove_stale_parts(out, lambda name: name == STATE)
    state["checkpoints"] = {p: str(out / RUN_FOLDERS[p] / "best.pt") for p in PROTOCOLS}
    for protocol in PROTOCOLS:
        config = paper_config(protocol, tiny=tiny)
        _step(
            out,
            state,
            f"train/{protocol}",
            functools.partial(train, config, out / RUN_FOLDERS[protocol], nproc_per_node=nproc_per_node),
            log,
        )
    parameters = {
        "profile": "paper",
        "tiny": tiny,
        "network_varying": state["checkpoints"]["varying"],
        "network_T1000": state["checkpoints"]["fixed"],
    }
    extra = {
        "12_reproduction": {
            "augmentation_results": str(out / "augmentation" / "rotate" / "results.json"),
            "report_dir": str(out),
        }
    }
    for name in CHAPTERS:
        _step(
            out,
            state,
            f"chapter/{name}",
            functools.partial(run_chapter, name, out / "notebooks", {**parameters, **extra.get(name, {})}),
            log,
        )
    return json.loads((out / "report.json").read_text())


def augmentation_dir(chosen: dict[str, str], runs="runs") -> Path:
    """Where chapter 10's paper-profile runs go: ``augmentation/`` beside the varying-length run folder.

    For a shipped varying-length network: ``runs/augmentation``.
    """
    from .pretrained import PRETRAINED

    if chosen["varying"] in PRETRAINED:
        return Path(runs) / "augmentation"
    return Path(chosen["varying"]).resolve().parent.parent / "augmentation"


#: Dense float16/bfloat16 tensor-core peaks (FLOP/s, vendor data sheets: T4, A100 SXM, H100 SXM) and the assumed
#: fraction of it a training run reaches: what ResNet-50 training reaches on these GPUs (about 250, 2,500 and
#: 5,000 images/s at ~12 GFLOP each), since the paper's network is a ResNet of similar cost per sample.
GPU_PEAK = {"T4": 65e12, "A100": 312e12, "H100": 989e12}
ASSUMED_FRACTION = {"T4": 0.05, "A100": 0.10, "H100": 0.06}


def flops_per_sample(preset: str = "paper", batch_size: int = 8) -> tuple[float, float]:
    """Measured FLOPs per trajectory of one training step (forward, backward) and of one inference.

    Counted by :class:`torch.utils.flop_counter.FlopCounterMode` on random
    input of shape ``(batch_size, 2, 1000)`` (convolutions and matrix
    products; the elementwise work of BatchNorm, ReLU and Adam is not counted).
    Measured for ``"paper"``: 5.01e9 and 1.67e9.
    """
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from .model import build_model
    from .simulate.classes import N_CLASSES

    model = build_model(preset)
    x, y = torch.randn(batch_size, 2, 1000), torch.randint(0, N_CLASSES, (batch_size,))
    with FlopCounterMode(display=False) as counter:
        torch.nn.functional.cross_entropy(model(x), y).backward()
    train = counter.get_total_flops() / batch_size
    model.eval()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(x)
    return train, counter.get_total_flops() / batch_size


def estimate_hours(
    train_flops: float,
    infer_flops: float,
    gpu: str,
    *,
    epochs: int = 100,
    train_samples: int = 400_000,
    val_samples: int = 80_000,
) -> float:
    """Hours of one training run of the paper (``epochs`` epochs of ``train_samples``, validated on ``val_samples``).

    Compute divided by :data:`GPU_PEAK` times :data:`ASSUMED_FRACTION`; data
    simulation (on the CPU, overlapping) and start-up are not included.
    """
    if gpu not in GPU_PEAK:
        raise ValueError(f"gpu must be one of {', '.join(GPU_PEAK)}, got {gpu!r}")
    work = epochs * (train_samples * train_flops + val_samples * infer_flops)
    return work / (GPU_PEAK[gpu] * ASSUMED_FRACTION[gpu]) / 3600
