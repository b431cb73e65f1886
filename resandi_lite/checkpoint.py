"""The files a network lives in: their format, atomic saving, safe loading, and the shipped names.

Two kinds of file, both plain ``dict`` objects saved with :func:`torch.save`
and read back with ``weights_only=True`` (no pickled code can run):

* a **training checkpoint** (``checkpoint.pt``, format :data:`CHECKPOINT_FORMAT`):
  ``model``, ``optimizer``, ``scheduler``, ``scaler``, ``state`` (the
  training state, see :class:`resandi_lite.train.TrainState`), ``rng``,
  ``config`` (the :class:`resandi_lite.train.TrainConfig` as a dict) and
  ``precision``;
* a **model file** (``best.pt`` of a run, or a shipped network, format
  :data:`MODEL_FORMAT`): ``model``, ``config`` and, for ``best.pt``, the
  validation ``metrics`` of its epoch.

Every file is written to ``NAME.part`` first and then renamed, so a process
killed during a save leaves the previous file intact; a leftover ``.part`` is
removed (and the removal logged) by :func:`remove_stale_parts` at the next run
that writes into the folder.

This module imports only :mod:`resandi_lite.model`, so that both
:mod:`resandi_lite.train` and :mod:`resandi_lite.pretrained` can use it
without importing each other.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import torch

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
    """Save ``obj`` with :func:`torch.save` to ``path.part``, then rename it to ``path``.

    A reader never sees a half-written ``path``: it holds either the previous
    file or the new one.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    torch.save(obj, tmp)
    os.replace(tmp, path)
    return path


def remove_stale_parts(folder) -> list[Path]:
    """Delete the ``*.part`` files that interrupted saves left in ``folder``, logging each one.

    Call it once before a process starts writing into ``folder`` (not while
    another process writes there).

    Returns
    -------
    list of Path
        The files removed.
    """
    removed = []
    for part in sorted(Path(folder).glob("*.part")):
        size = part.stat().st_size
        part.unlink(missing_ok=True)
        log.warning("removed %s (%.1f MB), left by an interrupted save", part, size / 1e6)
        removed.append(part)
    return removed


def load_checkpoint(path, device="cpu") -> dict:
    """Load a training checkpoint or a model file safely (``weights_only=True``).

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
        If the file is truncated, not a torch file, or not a resandi-lite checkpoint.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointNotFoundError(f"no checkpoint at {path}")
    try:
        ckpt = torch.load(path, map_location=device, weights_only=True)
    except Exception as err:
        raise ValueError(f"{path} is not a readable checkpoint ({type(err).__name__}: {str(err)[:200]}); "
                         f"it may be truncated or not a torch file") from None
    if not isinstance(ckpt, dict) or not str(ckpt.get("format", "")).startswith("resandi-lite-"):
        raise ValueError(f"{path} is a torch file but not a resandi-lite checkpoint (no 'format' entry)")
    return ckpt


def check_name(name: str) -> None:
    """Raise unless ``name`` is a shipped network whose file is present."""
    if name not in PRETRAINED:
        raise ValueError(f"unknown pretrained network {name!r}; expected one of {', '.join(PRETRAINED)}")
    if not (HERE / f"{name}.pt").is_file():
        raise CheckpointNotFoundError(f"the pretrained network {name!r} is not in this installation ({HERE}); "
                                      f"reinstall resandi-lite")


def checkpoint_path(source) -> Path:
    """The file behind a shipped name (``"lite"``, ``"lite-T1000"``) or a path given as is."""
    if isinstance(source, str) and source in PRETRAINED:
        check_name(source)
        return HERE / f"{source}.pt"
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
