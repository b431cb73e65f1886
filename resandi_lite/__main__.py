"""Command line: ``python -m resandi_lite <command> ...``.

Commands
--------
simulate  simulate and preprocess a class-balanced set into one ``.npz`` file
split     write the paper-scale train/val/test files (resumable)
"""

from __future__ import annotations

import argparse
import sys


def _length(text: str):
    if text == "varying":
        return text
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be 'varying' or an integer in [10, 1000], got {text!r}") from None
    if not 10 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"must be 'varying' or an integer in [10, 1000], got {value}")
    return value


def _noise(text: str):
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number or comma-separated numbers, got {text!r}") from None
    if any(v < 0 for v in values):
        raise argparse.ArgumentTypeError(f"noise levels must be >= 0, got {text!r}")
    return values[0] if len(values) == 1 else values


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m resandi_lite", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    def data_options(p, n_default=None):
        p.add_argument("--n-per-class", type=_positive, required=n_default is None, default=n_default,
                       help="trajectories per class" + ("" if n_default is None else " and file"))
        p.add_argument("--length", type=_length, default="varying", help="'varying' (T uniform in [10, 1000]) or T")
        p.add_argument("--noise", type=_noise, default=0.0,
                       help="localisation-noise std relative to the step std; a comma-separated list is drawn per trajectory")
        p.add_argument("--seed", type=int, default=None, help="seed (default: fresh entropy, stored in the file)")
        p.add_argument("--jobs", type=int, default=1, help="worker processes (-1: one per CPU)")

    sim = commands.add_parser("simulate", help="simulate a dataset into one .npz file")
    data_options(sim)
    sim.add_argument("--classes", default=None, help="comma-separated class names (default: all eight)")
    sim.add_argument("--out", required=True, help="output .npz file")

    split = commands.add_parser("split", help="write the paper's train/val/test files (resumable)")
    data_options(split, n_default=10_000)
    split.add_argument("--files", default="train=5,val=1,test=1", help="files per split, e.g. train=5,val=1,test=1")
    split.add_argument("--out", required=True, help="output folder")
    return parser


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    from . import make_dataset, write_split
    from .simulate import CLASSES

    try:
        if args.command == "simulate":
            classes = CLASSES if args.classes is None else [c.strip() for c in args.classes.split(",")]
            ds = make_dataset(args.n_per_class, args.length, args.noise, args.seed, classes,
                              n_jobs=args.jobs, progress=True)
            path = ds.save(args.out)
            print(f"wrote {path}: {ds!r}, seed {ds.params['seed']}")
        elif args.command == "split":
            files = {}
            for part in args.files.split(","):
                name, _, count = part.partition("=")
                files[name.strip()] = int(count)
            write_split(args.out, args.n_per_class, files, args.length, args.noise,
                        0 if args.seed is None else args.seed, n_jobs=args.jobs)
    except (ValueError, TypeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
