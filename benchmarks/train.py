"""Training and inference speed of the lite and paper networks, float32 against bfloat16, in one run.

    python benchmarks/train.py [--batches 5] [--threads N] [--extras]

For each network and arithmetic it prints samples per second of a training
step (forward, backward, Adam) and of inference (batch 256, eval mode), the
bf16/fp32 ratio measured in the same run, and the time one epoch of the
paper's 400k training set would take.  The lite network is timed at the CPU
recipe's batch of 256, the paper network at the paper's batch of 64.

``--extras`` also measures, for the lite network in bf16:

- the thread count (1 thread against all threads);
- the simulation alone: varying-length trajectories per second in one process;
- ``torch.compile`` against eager mode;
- overlapping data generation with compute: a training loop over
  :class:`resandi_lite.SimulatedTrajectories` with the simulation in the
  main process (``num_workers=0``) against one worker process.
"""

from __future__ import annotations

import argparse
import time

import torch
from torch import nn

from resandi_lite.data import SimulatedTrajectories
from resandi_lite.model import build_model, count_parameters
from resandi_lite.train import autocast, cpu_has_native_bf16, pick_device, resolve_precision, throughput

BATCH = {"lite": 256, "paper": 64}


def measure(preset: str, precision: str, batches: int, device, *, compile: bool = False) -> tuple[float, float]:
    torch.manual_seed(0)
    model = build_model(preset)
    if compile:
        model = torch.compile(model)
    return throughput(model, batches=batches, train_batch=BATCH[preset], device=device, precision=precision)


def loop_with_data(workers: int, batches: int, device) -> float:
    """Samples/s of lite bf16 training steps fed by fresh simulated data through a DataLoader."""
    torch.manual_seed(0)
    model = build_model("lite").to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    stream = SimulatedTrajectories(BATCH["lite"] * batches // 8 + BATCH["lite"], "varying", 0.0, seed=0)
    loader = torch.utils.data.DataLoader(stream, batch_size=BATCH["lite"], num_workers=workers)
    precision = resolve_precision("bf16", device)
    start, seen = None, 0
    for i, (xb, yb) in enumerate(loader):
        if i == 1:  # the first batch warms up (and starts the worker)
            start, seen = time.perf_counter(), 0
        with autocast(precision, device):
            loss = nn.functional.cross_entropy(model(xb.to(device)).float(), yb.to(device))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        seen += len(yb)
        if i == batches:
            break
    return seen / (time.perf_counter() - start)


def simulation_rate(n: int) -> float:
    """Varying-length trajectories per second that :class:`SimulatedTrajectories` makes in this process."""
    stream = iter(SimulatedTrajectories(n // 8 + 1, "varying", 0.0, seed=1))
    next(stream)  # the first draws set up the simulators
    start = time.perf_counter()
    for _ in range(n):
        next(stream)
    return n / (time.perf_counter() - start)


def extras(batches: int, device) -> None:
    threads = torch.get_num_threads()
    base = measure("lite", "bf16", batches, device)[0]
    torch.set_num_threads(1)
    one = measure("lite", "bf16", batches, device)[0]
    torch.set_num_threads(threads)
    print(
        f"\nlite bf16 training: {one:,.0f} samples/s on 1 thread, {base:,.0f} on {threads} (scaling {base / one:.2f}x)"
    )
    try:
        start = time.perf_counter()
        compiled = measure("lite", "bf16", batches, device, compile=True)[0]
        print(
            f"torch.compile: {compiled:,.0f} samples/s against {base:,.0f} eager ({compiled / base:.2f}x; "
            f"compiling and the first steps took {time.perf_counter() - start:.0f} s in all)"
        )
    except Exception as err:  # a missing compiler is a result too
        print(f"torch.compile: failed here ({type(err).__name__}: {str(err)[:120]})")
    simulated = simulation_rate(BATCH["lite"] * batches)
    print(
        f"simulation alone: {simulated:,.0f} varying-length trajectories/s in one process "
        f"(keeping up with {threads}-thread training at {base:,.0f} samples/s takes {base / simulated:.2f} cores)"
    )
    inline = loop_with_data(0, batches * 4, device)
    worker = loop_with_data(1, batches * 4, device)
    print(
        f"training on fresh simulated data: {inline:,.0f} samples/s with simulation in the main process, "
        f"{worker:,.0f} with one worker process ({worker / inline:.2f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=5, help="timed training batches per measurement")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--extras", action="store_true", help="also threads, torch.compile and a data worker")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    print(
        f"device {device}, {torch.get_num_threads()} CPU threads, torch {torch.__version__}, "
        f"native bfloat16: {cpu_has_native_bf16()}"
    )
    print(
        f"{'preset':<7} {'params':>10} {'batch':>6} {'precision':>9} {'train/s':>9} {'infer/s':>9} {'400k epoch':>11}"
    )
    rates = {}
    for preset in ("lite", "paper"):
        params = count_parameters(build_model(preset))
        for precision in ("fp32", "bf16"):
            train, infer = rates[preset, precision] = measure(preset, precision, args.batches, device)
            print(
                f"{preset:<7} {params:>10,} {BATCH[preset]:>6} {precision:>9} {train:>9,.0f} {infer:>9,.0f} "
                f"{400_000 / train / 3600:>9.2f} h",
                flush=True,
            )
    for preset in ("lite", "paper"):
        (ft, fi), (bt, bi) = rates[preset, "fp32"], rates[preset, "bf16"]
        print(f"{preset}: bf16 / fp32 = {bt / ft:.2f}x training, {bi / fi:.2f}x inference")
    print(f"lite / paper in bf16: {rates['lite', 'bf16'][0] / rates['paper', 'bf16'][0]:.1f}x training")
    if args.extras:
        extras(args.batches, device)


if __name__ == "__main__":
    main()
