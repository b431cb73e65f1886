"""Trained networks that ship with the package, and loading any saved network safely.

The shipped weights (float16, a few MB) lie in ``resandi_lite/pretrained/``
beside a model card (``<name>.json`` and ``<name>.md``): the command that
trained them, the data, the epochs, the wall time, the hardware and the test
accuracy.  Nothing is downloaded.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

import numpy as np
import torch

from .model import PRESETS, ResAnDi, build_model

HERE = Path(__file__).resolve().parent / "pretrained"
#: Shipped networks: name -> protocol they were trained for.
PRETRAINED = {
    "lite": "varying length (T uniform in [10, 1000])",
    "lite-T1000": "fixed length T = 1000 (the layer-wise analysis)",
}


def available() -> dict[str, str]:
    """Names of the shipped networks whose files are present, with their protocol."""
    return {name: what for name, what in PRETRAINED.items() if (HERE / f"{name}.pt").is_file()}


def model_card(name: str) -> dict:
    """The model card of a shipped network (command, data, epochs, time, hardware, test accuracy)."""
    _check_name(name)
    return json.loads((HERE / f"{name}.json").read_text())


def _check_name(name: str) -> None:
    if name not in PRETRAINED:
        raise ValueError(f"unknown pretrained network {name!r}; expected one of {', '.join(PRETRAINED)}")
    if not (HERE / f"{name}.pt").is_file():
        raise FileNotFoundError(f"the pretrained network {name!r} is not in this installation ({HERE}); "
                                f"reinstall resandi-lite")


def checkpoint_path(source) -> Path:
    """The file behind a shipped name (``"lite"``, ``"lite-T1000"``) or a path given as is."""
    if isinstance(source, str) and source in PRETRAINED:
        _check_name(source)
        return HERE / f"{source}.pt"
    return Path(source)


def load_model(source, *, device="cpu", preset: str | None = None) -> ResAnDi:
    """Load a network from a shipped name, a ``best.pt``, or a training ``checkpoint.pt``.

    Parameters
    ----------
    source : str or path-like
        A name from :data:`PRETRAINED` or a file written by
        :func:`resandi_lite.train.fit` or :func:`export_pretrained`.
    device : str or torch.device
    preset : str, optional
        If given, the file must hold a network of this preset.

    Returns
    -------
    ResAnDi
        In eval mode, float32, on ``device``; input ``(B, 2, 1000)``, output
        logits ``(B, 8)``.

    Raises
    ------
    ValueError
        For a truncated or foreign file, a preset other than ``preset``, or
        weights that do not fit the network.
    """
    from .train import load_checkpoint

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


def load_pretrained(name: str = "lite", *, device="cpu") -> ResAnDi:
    """A shipped trained network, in eval mode, without any download.

    Parameters
    ----------
    name : {"lite", "lite-T1000"}
        ``"lite"``: trained on varying lengths (the paper's main protocol);
        ``"lite-T1000"``: trained on T = 1000 (used by the layer-wise chapter).

    Returns
    -------
    ResAnDi
        Input: the output of :func:`resandi_lite.preprocess`, ``(B, 2, 1000)``
        float32; output: logits ``(B, 8)`` in ``CLASSES`` order.
    """
    _check_name(name)
    return load_model(name, device=device)


def _command(config: dict, out: str) -> str:
    flags = [f"--preset {config['preset']}", f"--length {config['length']}", f"--out {out}"]
    for key in ("train_per_class", "val_per_class", "lr", "batch_size", "step_size", "gamma", "patience",
                "min_delta", "max_epochs", "weight_decay", "seed", "num_workers", "checkpoint_every", "bn_batches"):
        flags.append(f"--{key.replace('_', '-')} {config[key]}")
    if config.get("fresh_data"):
        flags.append("--fresh-data")
    if config.get("init"):
        flags.append(f"--init {config['init']}")
    noise = config.get("noise", 0.0)
    if noise not in (0, 0.0, [0.0]):
        flags.append(f"--noise {noise if not isinstance(noise, list) else ','.join(map(str, noise))}")
    return "python -m resandi_lite train " + " ".join(flags)


def export_pretrained(run_dir, name: str, *, test_per_class: int = 1000, test_seed: int = 20261122,
                      threads: int | None = None) -> dict:
    """Ship a run's best network: float16 weights and a model card in ``resandi_lite/pretrained``.

    The card's test accuracy is measured here, on a fresh seeded test set of
    ``test_per_class`` trajectories per class with the run's protocol.
    """
    from . import make_dataset
    from .evaluate import evaluate
    from .train import BEST, LOG, load_checkpoint

    if name not in PRETRAINED:
        raise ValueError(f"name must be one of {', '.join(PRETRAINED)}, got {name!r}")
    run_dir = Path(run_dir)
    best = load_checkpoint(run_dir / BEST)
    log = json.loads((run_dir / LOG).read_text())
    config = best["config"]
    HERE.mkdir(exist_ok=True)
    half = {k: v.half() if v.is_floating_point() else v for k, v in best["model"].items()}
    torch.save({"format": "resandi-lite-model-1", "config": config, "model": half}, HERE / f"{name}.pt")
    model = load_model(HERE / f"{name}.pt")
    test = make_dataset(test_per_class, config["length"], config["noise"], seed=test_seed)
    result = evaluate(model, test)
    history = log["history"]
    card = {
        "name": name,
        "protocol": PRETRAINED[name],
        "command": _command(config, str(run_dir)),
        "config": config,
        "epochs_trained": len(history),
        "best_epoch": log.get("best_epoch"),
        "samples_seen": int(sum(h["samples"] for h in history)),
        "wall_time_hours": round(sum(h["seconds"] for h in history) / 3600, 2),
        "hardware": {"machine": platform.machine(), "processor": platform.processor() or "unknown",
                     "cpus": torch.get_num_threads() if threads is None else threads, "gpu": None,
                     "torch": torch.__version__},
        "validation_at_best": next((h for h in history if h["epoch"] == log.get("best_epoch")), None),
        "test": {"per_class": test_per_class, "seed": test_seed, "accuracy": result["accuracy"],
                 "per_class_accuracy": dict(zip(__import__("resandi_lite").CLASSES,
                                                np.round(result["per_class"], 4).tolist()))},
        "parameters": int(sum(v.numel() for v in half.values() if v.is_floating_point())),
        "history": history,
    }
    (HERE / f"{name}.json").write_text(json.dumps(card, indent=1))
    (HERE / f"{name}.md").write_text(_card_markdown(card))
    return card


def _card_markdown(card: dict) -> str:
    rows = "\n".join(f"| {c} | {100 * a:.2f} |" for c, a in card["test"]["per_class_accuracy"].items())
    return f"""# Model card: `{card['name']}`

- Protocol: {card['protocol']}
- Network: ResAnDi preset `{card['config']['preset']}` ({card['parameters']:,} parameters), weights stored as float16
- Trained with: `{card['command']}`
- Data: trajectories simulated by resandi-lite, {'fresh every epoch' if card['config']['fresh_data'] else 'one fixed set'}, {card['config']['train_per_class']:,} per class and epoch; validation {card['config']['val_per_class']:,} per class
- Epochs: {card['epochs_trained']} (best: {card['best_epoch']}), {card['samples_seen']:,} training samples seen
- Wall time: {card['wall_time_hours']} h on {card['hardware']['machine']} CPU ({card['hardware']['cpus']} threads, torch {card['hardware']['torch']}), no GPU
- Test: {card['test']['per_class']:,} fresh trajectories per class, seed {card['test']['seed']}: **{100 * card['test']['accuracy']:.2f}%**

| class | test accuracy (%) |
|---|---|
{rows}
"""
