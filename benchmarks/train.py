"""Training and inference speed of the lite and paper networks on this machine, in one run.

    python benchmarks/train.py [--batches 5] [--threads N]

Prints samples per second for a training step (forward, backward, Adam; batch
64 as in the paper) and for inference (batch 256, eval mode), the time one
epoch of the paper's 400k training set would take at that rate, and the ratio
lite / paper measured in the same run.
"""

from __future__ import annotations

import argparse
import torch

from resandi_lite.model import build_model, count_parameters
from resandi_lite.train import pick_device, throughput


def measure(preset: str, batches: int, device) -> tuple[int, float, float]:
    torch.manual_seed(0)
    model = build_model(preset)
    train, infer = throughput(model, batches=batches, device=device)
    return count_parameters(model), train, infer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=5, help="timed training batches per network")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    print(f"device {device}, {torch.get_num_threads()} CPU threads, torch {torch.__version__}")
    print(f"{'preset':<7} {'parameters':>11} {'train samples/s':>16} {'infer samples/s':>16} {'400k epoch':>11}")
    results = {}
    for preset in ("lite", "paper"):
        params, train, infer = measure(preset, args.batches, device)
        results[preset] = (train, infer)
        print(f"{preset:<7} {params:>11,} {train:>16.1f} {infer:>16.1f} {400_000 / train / 3600:>9.1f} h")
    (lt, li), (pt, pi) = results["lite"], results["paper"]
    print(f"ratio lite / paper: training {lt / pt:.1f}x, inference {li / pi:.1f}x")


if __name__ == "__main__":
    main()
