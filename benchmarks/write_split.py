"""Peak memory and speed of writing the paper-scale split (400k / 80k / 80k trajectories).

    python benchmarks/write_split.py OUT_DIR [--n-per-class 10000] [--jobs 1]

Prints the wall time, trajectories per second, the size on disk and the peak
resident memory of this process and of its worker processes (target: < 2 GB).
The reference, measured in the same run, is the memory one file's arrays take.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from resandi_lite import write_split


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--n-per-class", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    start = time.perf_counter()
    paths = write_split(args.out, args.n_per_class, n_jobs=args.jobs)
    wall = time.perf_counter() - start
    n = args.n_per_class * 8 * len(paths)
    size = sum(p.stat().st_size for p in paths)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    one_file = args.n_per_class * 8 * 2 * 1000 * 4 / 2**30
    print(
        f"{len(paths)} files, {n} trajectories, {size / 2**30:.2f} GiB on disk, {wall:.0f} s, {n / wall:.0f} trajectories/s"
    )
    print(
        f"peak memory: {own:.2f} GiB (main process), {workers:.2f} GiB (largest worker); "
        f"one file's X array: {one_file:.2f} GiB; ratio peak / file = {own / one_file:.2f}; target < 2 GiB"
    )


if __name__ == "__main__":
    main()
