"""Trajectories per second: resandi-lite's vectorised simulators against andi-datasets.

Both sides produce the paper's eight-class, varying-length mix (T uniform in
[10, 1000]) in the same run.  The reference is the paper's per-trajectory
pipeline: one andi-datasets call per trajectory.  Printed per class: rates for
simulation alone and for simulation plus the paper's preprocessing (the
network's input), each with the ratio ours / andi, all in one process; and the
full pipeline of ``make_dataset`` with ``--jobs`` worker processes.  Both
sides are warmed up first (andi-datasets' first call imports its models, which
would otherwise be charged to the first class).  ``--clock cpu`` measures the
process's CPU time instead of the wall clock: on a machine busy with other work
it counts only the time this process ran (both sides are single-threaded; the
``--jobs`` column, whose work runs in other processes, is then left out).  Each
class alternates the two sides ``--repeat`` times on the same trajectories and
keeps each side's fastest run, which filters out interference from other load.

On a shared virtual machine the speed of the host drifts by tens of percent
over minutes, and not equally for both sides (andi-datasets' pure-Python
Levy walks gain more in a fast phase than our numpy code): ``--rounds``
repeats the whole table and prints the median and range of the overall ratio.

Our side is timed as ``make_dataset`` runs it: a class's trajectories sorted
by length and simulated in chunks of ``--chunk`` (2048, make_dataset's
default; 0 for one call with all of them, which also pays for faulting in one
fresh 64 MB array per class).

    python benchmarks/simulate.py [--n-ours 8000] [--n-andi 300] [--jobs 2] [--repeat 3] [--rounds 1] [--chunk 2048] [--seed 0] [--clock wall|cpu]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from resandi_lite import CLASSES, make_dataset
from resandi_lite.preprocess import INPUT_LENGTH, preprocess_increments
from resandi_lite.reference import andi_simulate, preprocess_one
from resandi_lite.simulate.classes import ALPHA_RANGE, draw_lengths, simulate_increments

clock = time.perf_counter


def ours(name: str, n: int, seed: int, chunk: int = 2048) -> tuple[float, float]:
    """Seconds to simulate (and to simulate and preprocess) ``n`` trajectories, as make_dataset does.

    ``make_dataset`` sorts a class's trajectories by length and simulates them in
    chunks of ``chunk`` (its default, 2048); so does this, timing only the
    library calls (``chunk=0``: one call for all ``n``).
    """
    rng = np.random.Generator(np.random.SFC64(seed))  # as make_dataset does
    lengths = draw_lengths(n, "varying", rng=rng)
    alpha = rng.uniform(*ALPHA_RANGE[name], n)
    order = np.argsort(lengths, kind="stable")
    simulated = total = 0.0
    for begin in range(0, n, chunk or n):
        rows = order[begin : begin + (chunk or n)]
        start = clock()
        steps, std = simulate_increments(name, alpha[rows], lengths[rows], rng=rng, width=INPUT_LENGTH - 1)
        middle = clock()
        preprocess_increments(steps, lengths[rows], 0.0, rng, std)
        end = clock()
        simulated, total = simulated + middle - start, total + end - start
    return simulated, total


def ours_jobs(name: str, n: int, seed: int, jobs: int) -> float:
    start = time.perf_counter()
    make_dataset(n, "varying", seed=seed, classes=[name], n_jobs=jobs, chunk=1024)
    return time.perf_counter() - start


def andi(name: str, n: int, seed: int) -> tuple[float, float]:
    start = clock()
    trajectories, _ = andi_simulate(name, n, length="varying", seed=seed)
    middle = clock()
    for x in trajectories:
        preprocess_one(x)
    end = clock()
    return middle - start, end - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-ours", type=int, default=8000, help="trajectories per class, ours")
    parser.add_argument("--n-andi", type=int, default=300, help="trajectories per class, andi-datasets")
    parser.add_argument("--jobs", type=int, default=2, help="processes for make_dataset (0: skip; wall clock only)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="alternate ours and andi this often per class (same trajectories), keep each side's fastest",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="repeat the whole table this often and summarise the overall ratios (median, range)",
    )
    parser.add_argument(
        "--chunk",
        type=int,
        default=2048,
        help="trajectories per library call, sorted by length as in make_dataset (0: all in one call)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="wall clock, or this process's CPU time (for a busy machine)",
    )
    args = parser.parse_args()
    global clock
    clock = time.perf_counter if args.clock == "wall" else time.process_time
    jobs = args.jobs if args.clock == "wall" else 0  # worker processes' CPU time is not this process's
    for name in CLASSES:  # warm up both sides: imports, FFT plans, andi's model objects
        ours(name, 100, args.seed + 1)
        andi(name, 2, args.seed + 1)
    overall = [table(args, jobs) for _ in range(max(1, args.rounds))]
    if len(overall) > 1:
        print(
            f"overall simulation ratio over {len(overall)} rounds: median {np.median(overall):.1f}, "
            f"range {min(overall):.1f}-{max(overall):.1f} ({', '.join(f'{r:.1f}' for r in overall)})"
        )


def table(args, jobs: int) -> float:
    """Measure and print one table; return the overall simulation-only ratio."""
    header = (
        f"{'class':<8} {'ours sim/s':>11} {'andi sim/s':>11} {'ratio':>7} {'ours +prep/s':>13} "
        f"{'andi +prep/s':>13} {'ratio':>7}" + (f" {f'{jobs} jobs/s':>10} {'ratio':>7}" if jobs else "")
    )
    print(header)
    print("-" * len(header))
    totals = np.zeros(5)

    def row(label, o_sim, a_sim, o_all, a_all, o_jobs):
        print(
            f"{label:<8} {1 / o_sim:11.0f} {1 / a_sim:11.0f} {a_sim / o_sim:7.1f} {1 / o_all:13.0f} "
            f"{1 / a_all:13.0f} {a_all / o_all:7.1f}" + (f" {1 / o_jobs:10.0f} {a_all / o_jobs:7.1f}" if jobs else ""),
            flush=True,
        )

    for name in CLASSES:
        runs = np.array(
            [
                ours(name, args.n_ours, args.seed, args.chunk) + andi(name, args.n_andi, args.seed)
                for _ in range(max(1, args.repeat))
            ]
        )  # (repeat, 4): ours sim, ours all, andi sim, andi all
        o_sim, o_all, a_sim, a_all = runs.min(axis=0)
        o_jobs = ours_jobs(name, args.n_ours, args.seed, jobs) if jobs else np.nan
        times = np.array(
            [o_sim / args.n_ours, a_sim / args.n_andi, o_all / args.n_ours, a_all / args.n_andi, o_jobs / args.n_ours]
        )  # seconds per trajectory
        totals += times
        row(name, *times)
    print("-" * len(header))
    row("overall", *(totals / 8))  # the eight-class mix in equal numbers
    print(
        f"ratio = andi-datasets time / ours (how many times faster; {args.clock} clock, fastest of {args.repeat} "
        f"alternating runs of {args.n_ours} ours and {args.n_andi} andi trajectories per class); "
        f"target >= 30 overall, >= 1 per class"
    )

    return float(totals[1] / totals[0])


if __name__ == "__main__":
    main()
