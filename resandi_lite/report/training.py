"""What the learning curve of a network shows at the end of its training, from its model card or run log."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..simulate.classes import CLASSES


def _earlier_runs(init) -> dict:
    """Epochs and samples of the runs a run was warm-started from, followed back through their logs."""
    epochs = samples = 0
    seen = set()
    while init and init not in seen and Path(init).with_name("log.json").is_file():
        seen.add(init)
        run = json.loads(Path(init).with_name("log.json").read_text())
        epochs += len(run["history"])
        samples += int(sum(h["samples"] for h in run["history"]))
        init = run["config"].get("init")
    return {"epochs": epochs, "samples": samples}


def training_summary(network) -> dict | None:
    """What the learning curve of a network shows at the end of its training, from its model card or run log.

    Parameters
    ----------
    network : str or path-like
        A shipped name (its model card, :func:`resandi_lite.pretrained.model_card`)
        or a ``.pt`` file whose folder holds the run's ``log.json``.

    Returns
    -------
    dict or None
        ``None`` if neither a card nor a log is found.  Otherwise:
        ``epochs`` (of the last run), ``warm_start_epochs`` (of the runs
        before it, 0 if none), ``samples`` (training trajectories seen, all
        runs), ``paper_max_samples`` (the paper's budget at most: 100 epochs
        of 400,000), ``val_first``, ``val_best``, ``val_last`` (validation
        accuracy, %, at the first, best and last epoch of the last run, as
        its log records them),
        ``tail_epochs`` (the last quarter of its epochs, at least 1),
        ``tail_change`` (points gained over them), ``val_stderr`` (binomial
        standard error of one validation accuracy, points) and ``lr_last``.
    """
    from ..paper import RECIPE
    from ..pretrained import available, model_card

    if isinstance(network, str) and network in available():
        card = model_card(network)
        history, warm, val_size = card["history"], card.get("warm_start") or {}, 8 * card["config"]["val_per_class"]
    else:
        log = Path(network).with_name("log.json")
        if not log.is_file():
            return None
        run = json.loads(log.read_text())
        history, warm = run["history"], _earlier_runs(run["config"].get("init"))
        val_size = 8 * run["config"]["val_per_class"]
    if not history:
        return None
    acc = 100 * np.array([h["val_acc"] for h in history], dtype=float)
    tail = max(1, len(acc) // 4)
    last = acc[-1] / 100
    return {
        "epochs": len(acc),
        "warm_start_epochs": int(warm.get("epochs", 0)),
        "samples": int(sum(h["samples"] for h in history)) + int(warm.get("samples", 0)),
        "paper_max_samples": RECIPE["max_epochs"] * RECIPE["train_per_class"] * len(CLASSES),
        "val_first": float(acc[0]),
        "val_best": float(acc.max()),
        "val_last": float(acc[-1]),
        "tail_epochs": tail,
        "tail_change": float(acc[-1] - acc[-1 - tail]) if len(acc) > tail else float("nan"),
        "val_stderr": 100 * float(np.sqrt(last * (1 - last) / val_size)),
        "lr_last": float(history[-1]["lr"]),
    }
