"""The files a network lives in: their format, atomic saving, safe loading, and the shipped names.

Two kinds of file, both plain ``dict`` objects saved with :func:`torch.save`
and read back with ``weights_only=True`` (no pickled code can run):

* a **training checkpoint** (``checkpoint.pt``, format :data:`CHECKPOINT_FORMAT`):
  ``model``, ``optimizer``, ``scheduler``, ``scaler``, ``state`` (the
  training state, see :class:`resandi_lite.train.TrainState`), ``rng``,
  ``config`` (the :class:`resandi_lite.train.TrainConfig` as a dict),
  ``precision`` (the arithmetic the run trains in, which resuming keeps)
  and, for a run with ``ema``, ``ema`` (the moving average of the weights);
* a **model file** (``best.pt`` of a run, or a shipped network, format
  :data:`MODEL_FORMAT`): ``model``, ``config`` and, for ``best.pt``, the
  validation ``metrics`` of its epoch.

Every file is written to ``NAME.<pid>.<token>.part`` first and then renamed,
so a process killed during a save leaves the previous file intact; a leftover
temporary file is removed (and the removal logged) by
:func:`remove_stale_parts` at the next run that writes into the folder, once
the process that wrote it is gone.  Every file records ``sha256``, the digest
of its own contents (:func:`resandi_lite._files.content_sha256`), checked by
:func:`load_checkpoint`: a changed byte in a weight is found and named.  Files
written before the digest existed load without that check (logged once);
non-finite weights are refused in any file.

This module imports only :mod:`resandi_lite.model`, so that both
:mod:`resandi_lite.train` and :mod:`resandi_lite.pretrained` can use it
without importing each other.
"""

from __future__ import annotations

import logging
import os
import pickle
from pathlib import Path

import torch

from . import _files
from ._checks import check_device
from .model import PRESETS, ResAnDi, build_model

#: File names inside a run folder.
CHECKPOINT = "checkpoint.pt"
BEST = "best.pt"
LOG = "log.json"
#: The ``format`` entries of a training checkpoint and of a model file.
CHECKPOINT_FORMAT = "resandi-lite-checkpoint-1"
MODEL_FORMAT = "resandi-lite-model-1"

#: Folder of the shipped networks (``<name>.pt``, ``<name>.json``, ``<name>.md``).
HERE = Path(__file__).resolve().parent / "pretrained"
#: Shipped networks: name -> protocol they were trained for.
PRETRAINED = {
    "lite": "varying length (T uniform in [10, 1000])",
    "lite-T1000": "fixed length T = 1000 (the layer-wise analysis)",
}

log = logging.getLogger("resandi_lite")


class CheckpointNotFoundError(FileNotFoundError, ValueError):
    """No file at the given path: a :class:`FileNotFoundError` that is also a :class:`ValueError`.

    The command line answers ``ValueError`` with a one-line error (exit code
    2); code that catches ``FileNotFoundError`` keeps working.
    """


def atomic_save(obj, path) -> Path:
    """Save the dict ``obj`` with its digest (``sha256``) to ``path.<pid>.<token>.part``, then rename it to ``path``.

    A reader never sees a half-written ``path``: it holds either the previous
    file or the new one.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    if isinstance(obj, dict):
        obj = {**{k: v for k, v in obj.items() if k != "sha256"}, "sha256": _digest(obj)}
    with _files.atomic_writer(path) as fh:
        torch.save(obj, fh)
    return path


def _digest(ckpt: dict) -> str:
    return _files.content_sha256({k: v for k, v in ckpt.items() if k != "sha256"})


#: Files a run folder holds; their temporary files are the ones :func:`remove_stale_parts` may remove.
RUN_FILES = (CHECKPOINT, BEST, LOG)


def remove_stale_parts(folder) -> list[Path]:
    """Delete the temporary files that killed saves of a run left in ``folder``, logging each one.

    Only files this package names (``checkpoint.pt.<pid>.<token>.part``, the
    same for ``best.pt`` and ``log.json``) whose process is gone are removed,
    and temporary files of older versions (``checkpoint.pt.part``,
    ``best.pt.part``) once 10 minutes old: never a user's ``*.part`` file,
    never one that a running process is writing.

    Returns
    -------
    list of Path
        The files removed.
    """
    removed = _files.remove_stale_parts(
        folder, lambda target: target in RUN_FILES, legacy=lambda name: name in {f"{n}.part" for n in RUN_FILES}
    )
    for part in removed:
        log.warning("removed %s, left by an interrupted save", part)
    return removed


class ChecksumError(ValueError):
    """A file's contents differ from the sha256 recorded when it was written: it is damaged."""


_UNVERIFIED: set = set()  # files without a digest already reported in this process


def _torch_load(path: Path, device):
    """``torch.load(weights_only=True)`` with one-line errors: a pickle with code, a truncated or foreign file."""
    try:
        return torch.load(path, map_location=device, weights_only=True)
    except pickle.UnpicklingError as err:
        if "GLOBAL" in str(err) or _is_raw_pickle(path):
            raise ValueError(f"refused: the file {path} contains code (a pickle), not loaded") from None
        raise ValueError(f"{path} is not a readable checkpoint (it may be truncated or not a torch file)") from None
    except Exception as err:
        why = str(err).strip().splitlines()[0][:120] if str(err).strip() else type(err).__name__
        raise ValueError(
            f"{path} is not a readable checkpoint ({type(err).__name__}: {why}); it may be truncated "
            f"or not a torch file"
        ) from None


def _is_raw_pickle(path: Path) -> bool:
    """Whether the file is a bare pickle (protocol 2 or later) rather than a torch zip archive."""
    with open(path, "rb") as fh:
        return fh.read(1) == b"\x80"


def verify(ckpt: dict, path) -> None:
    """Check a loaded file: its recorded ``sha256`` (if any) and that its weights are finite.

    Raises
    ------
    ChecksumError
        If the contents differ from the recorded digest (the file is damaged).
    ValueError
        If ``model`` holds NaN or infinite values.
    """
    recorded = ckpt.get("sha256")
    if recorded is not None and recorded != _digest(ckpt):
        raise ChecksumError(
            f"{path} is damaged: its contents differ from the sha256 recorded when it was written; "
            f"restore it from a copy or train it again"
        )
    if recorded is None and str(path) not in _UNVERIFIED and HERE not in Path(path).resolve().parents:
        _UNVERIFIED.add(str(path))
        log.warning("%s records no sha256 (written by an older version): loaded without an integrity check", path)
    weights = ckpt.get("model")
    if isinstance(weights, dict):
        bad = [
            k
            for k, v in weights.items()
            if isinstance(v, torch.Tensor) and v.is_floating_point() and not bool(torch.isfinite(v).all())
        ]
        if bad:
            raise ValueError(
                f"refused: {path} holds non-finite weights (NaN or infinity in {len(bad)} tensor(s), "
                f"e.g. {bad[0]!r}); the run that wrote it diverged"
            )


def _verify_shipped(path: Path) -> None:
    """A shipped network's file against the ``file_sha256`` its model card records (its bytes, read whole).

    For shipped weights written before files recorded their own digest; a file
    elsewhere, or without a card or a recorded digest, is left to :func:`verify`.
    """
    card = path.with_suffix(".json")
    if HERE not in path.resolve().parents or not card.is_file():
        return
    expected = _files.read_json(card, remedy="reinstall resandi-lite").get("file_sha256")
    if expected is not None and _files.sha256_file(path) != expected:
        raise ChecksumError(
            f"{path} is damaged: its bytes differ from the sha256 recorded in its model card {card.name}; "
            f"reinstall resandi-lite"
        )


def load_checkpoint(path, device="cpu") -> dict:
    """Load a training checkpoint or a model file safely (``weights_only=True``) and verify it.

    Parameters
    ----------
    path : str or path-like
    device : str or torch.device
        Where the tensors are placed (``map_location``).

    Returns
    -------
    dict
        With a ``format`` entry starting with ``"resandi-lite-"``.

    Raises
    ------
    CheckpointNotFoundError
        If there is no file at ``path`` (a ``FileNotFoundError`` and a ``ValueError``).
    ValueError
        If the file is truncated, not a torch file, a pickle with code, not a
        resandi-lite checkpoint, damaged (:class:`ChecksumError`: its contents
        differ from its recorded sha256) or holds non-finite weights.
    """
    path = Path(path)
    device = check_device(device)
    if not path.is_file():
        raise CheckpointNotFoundError(f"no checkpoint at {path}")
    ckpt = _torch_load(path, device)
    if not isinstance(ckpt, dict) or not str(ckpt.get("format", "")).startswith("resandi-lite-"):
        raise ValueError(f"{path} is a torch file but not a resandi-lite checkpoint (no 'format' entry)")
    if ckpt.get("sha256") is None:
        _verify_shipped(path)
    verify(ckpt, path)
    return ckpt


def check_name(name: str) -> None:
    """Raise unless ``name`` is a shipped network whose file is present."""
    if name not in PRETRAINED:
        raise ValueError(f"unknown pretrained network {name!r}; expected one of {', '.join(PRETRAINED)}")
    if not (HERE / f"{name}.pt").is_file():
        raise CheckpointNotFoundError(
            f"the pretrained network {name!r} is not in this installation ({HERE}); reinstall resandi-lite"
        )


def checkpoint_path(source) -> Path:
    """The file behind a shipped name (``"lite"``, ``"lite-T1000"``) or a path given as is."""
    if isinstance(source, str) and source in PRETRAINED:
        check_name(source)
        return HERE / f"{source}.pt"
    if not isinstance(source, (str, os.PathLike)) or not str(source).strip():
        raise TypeError(f"source must be a shipped name ({', '.join(PRETRAINED)}) or a .pt path, got {source!r}")
    return Path(source)


def load_model(source, *, device="cpu", preset: str | None = None) -> ResAnDi:
    """Load a network from a shipped name, a ``best.pt``, or a training ``checkpoint.pt``.

    Parameters
    ----------
    source : str or path-like
        A name from :data:`PRETRAINED` or a file written by
        :func:`resandi_lite.train.fit` or :func:`resandi_lite.pretrained.export_pretrained`.
    device : str or torch.device
    preset : str, optional
        If given, the file must hold a network of this preset.

    Returns
    -------
    ResAnDi
        In eval mode, float32, on ``device``; input ``(B, 2, 1000)``, output
        logits ``(B, N_CLASSES)``.

    Raises
    ------
    ValueError
        For a missing, truncated or foreign file, a preset other than
        ``preset``, or weights that do not fit the network.
    """
    device = check_device(device)
    path = checkpoint_path(source)
    ckpt = load_checkpoint(path, "cpu")
    config, state = ckpt.get("config"), ckpt.get("model")
    if not isinstance(config, dict) or not isinstance(state, dict):
        raise ValueError(f"{path} holds no network (missing 'config' or 'model')")
    saved = config.get("preset")
    if saved not in PRESETS:
        raise ValueError(f"{path} holds a network of unknown preset {saved!r}; expected one of {', '.join(PRESETS)}")
    if preset is not None and preset != saved:
        raise ValueError(f"{path} holds a {saved!r} network, not a {preset!r} one")
    model = build_model(saved)
    try:
        model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
    except RuntimeError as err:
        raise ValueError(f"the weights in {path} do not fit a {saved!r} network: {str(err).splitlines()[0]}") from None
    return model.to(device).eval()
