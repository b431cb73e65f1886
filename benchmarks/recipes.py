"""A/B of training recipes and precisions on the lite network, on the same data.

    python benchmarks/recipes.py [--per-class 2500] [--epochs 4] [--out resandi_lite/pretrained/recipes-ab.json]

Every arm starts from the same random weights (seed 0), sees the same fresh
trajectories in every epoch and is validated on the same set; only the recipe
or the arithmetic differs:

- ``cpu-bf16``: the CPU recipe (``TrainConfig.recipe("cpu")``) in bfloat16;
- ``cpu-fp32``: the same in float32 (does bf16 cost accuracy?);
- ``paper-bf16``: the paper's recipe (Adam 1e-4, batch 64, StepLR) in bfloat16
  (does the CPU recipe learn more from the same samples?).

The budget of each arm is the number of samples seen (the same for all); the
speed of each arithmetic is measured separately by ``benchmarks/train.py``.
The learning curves are written as JSON (chapter 6 plots them).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch

from resandi_lite.train import TrainConfig, fit

ARMS = {
    "cpu-bf16": dict(recipe="cpu", precision="bf16"),
    "cpu-fp32": dict(recipe="cpu", precision="fp32"),
    "paper-bf16": dict(recipe="paper", precision="bf16", preset="lite", fresh_data=True),
}


def run_arm(name: str, per_class: int, epochs: int, val_per_class: int) -> dict:
    spec = dict(ARMS[name])
    recipe = spec.pop("recipe")
    config = TrainConfig.recipe(
        recipe,
        **spec,
        train_per_class=per_class,
        val_per_class=val_per_class,
        max_epochs=epochs,
        patience=epochs + 1,
        seed=0,
        checkpoint_every=0,
    )
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        _, history = fit(config, out, progress=False)
        seconds = time.perf_counter() - start
    return {"config": config.to_dict(), "history": history, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=2500, help="fresh trajectories per class and epoch")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--val-per-class", type=int, default=500)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--arms", default=",".join(ARMS))
    parser.add_argument("--out", default="resandi_lite/pretrained/recipes-ab.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    results = json.loads(out.read_text()) if out.exists() else {}
    for name in args.arms.split(","):
        if name in results:
            print(f"{name}: kept from {out}")
            continue
        results[name] = run_arm(name, args.per_class, args.epochs, args.val_per_class)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=1))  # after every arm: an interrupted A/B resumes
        accs = ", ".join(f"{100 * e['val_acc']:.2f}" for e in results[name]["history"])
        print(f"{name}: validation accuracy by epoch {accs} ({results[name]['seconds']:.0f} s)", flush=True)
    print(f"{'arm':<11} {'final val acc':>14} {'wall s':>8}")
    for name, r in results.items():
        print(f"{name:<11} {100 * r['history'][-1]['val_acc']:>13.2f}% {r['seconds']:>8.0f}")


if __name__ == "__main__":
    main()
