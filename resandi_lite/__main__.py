"""Command line: ``python -m resandi_lite <command> ...``.

Commands
--------
simulate  simulate and preprocess a class-balanced set into one ``.npz`` file
split     write the paper-scale train/val/test files (resumable)
train     train a network (the paper's recipe by default; resumable; torchrun for several GPUs)
evaluate  accuracy, per-class accuracy and confusion matrix of a network on fresh data
reproduce train the paper's networks, run chapters 6-12 on them, write the reproduction report (resumable)
verdicts  Part III's verdicts: each part's powered measurement, one JSON per part and verdicts.json (resumable)
"""

from __future__ import annotations

import argparse
import math
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
    if any(v < 0 for v in values):  # NaN and infinity are refused by the library, naming noise
        raise argparse.ArgumentTypeError(f"noise levels must be >= 0, got {text!r}")
    return values[0] if len(values) == 1 else values


def _finite(text: str) -> float:
    """A finite number (``inf`` and ``nan`` train to NaN weights)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def _out(text: str) -> str:
    """An output path: not empty (which would mean the current folder), no NUL character."""
    if not text.strip() or "\0" in text:
        raise argparse.ArgumentTypeError(f"must name an output file or folder, got {text!r}")
    return text


def _threads(text: str) -> int:
    from ._checks import cpu_count

    value = _positive(text)
    if value > cpu_count():
        raise argparse.ArgumentTypeError(f"must be at most {cpu_count()} (the CPUs here), got {text}")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {value}")
    if value >= 2**63:
        raise argparse.ArgumentTypeError(f"must be an integer below 2**63, got {value}")
    return value


def _jobs(text: str) -> int:
    from ._checks import cpu_count

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer or -1 (one per CPU), got {text!r}") from None
    if value < 1 and value != -1:
        raise argparse.ArgumentTypeError(f"must be a positive integer or -1 (one per CPU), got {value}")
    if value > cpu_count():
        raise argparse.ArgumentTypeError(
            f"must be at most {cpu_count()} (the CPUs here; -1 uses them all), got {value}"
        )
    return value


def _files(text: str) -> dict:
    """``train=5,val=1,test=1`` as a dict; plain names, positive counts, no name twice."""
    files = {}
    for part in text.split(","):
        name, sign, count = (p.strip() for p in part.partition("="))
        if not sign:
            raise argparse.ArgumentTypeError(f"expected NAME=COUNT items separated by commas, got {part!r}")
        from .data.split import _STEM

        if not _STEM.fullmatch(name):
            raise argparse.ArgumentTypeError(
                f"split names must be plain file-name stems (letters, digits, _ and -; "
                f"no '/', '..' or empty name), got {name!r}"
            )
        if name in files:
            raise argparse.ArgumentTypeError(f"split {name!r} is given twice")
        files[name] = _positive(count)
    return files


class _UsageError(Exception):
    """A command-line mistake found by argparse: reported in one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise _UsageError(f"{self.prog}: {message}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m resandi_lite", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    def data_options(p, n_default=None):
        p.add_argument(
            "--n-per-class",
            type=_positive,
            required=n_default is None,
            default=n_default,
            help="trajectories per class" + ("" if n_default is None else " and file"),
        )
        p.add_argument("--length", type=_length, default="varying", help="'varying' (T uniform in [10, 1000]) or T")
        p.add_argument(
            "--noise",
            type=_noise,
            default=0.0,
            help="localisation-noise std relative to the step std; a comma-separated list is drawn per trajectory",
        )
        p.add_argument(
            "--seed",
            type=_seed,
            default=None,
            help="seed (simulate: default fresh entropy, stored in the file; split: default 0)",
        )
        p.add_argument("--jobs", type=_jobs, default=1, help="worker processes (-1: one per CPU)")

    sim = commands.add_parser("simulate", help="simulate a dataset into one .npz file")
    data_options(sim)
    sim.add_argument("--classes", default=None, help="comma-separated class names (default: all eight)")
    sim.add_argument("--out", type=_out, required=True, help="output .npz file")

    split = commands.add_parser("split", help="write the paper's train/val/test files (resumable)")
    data_options(split, n_default=10_000)
    split.add_argument(
        "--files", type=_files, default="train=5,val=1,test=1", help="files per split, e.g. train=5,val=1,test=1"
    )
    split.add_argument("--out", type=_out, required=True, help="output folder")
    split.add_argument(
        "--overwrite",
        action="store_true",
        help="make again the files in --out that were made with other parameters (else: refuse)",
    )
    _train_parser(commands)

    ev = commands.add_parser("evaluate", help="evaluate a network on a fresh seeded test set")
    ev.add_argument("--checkpoint", required=True, help="a shipped name (lite, lite-T1000) or a .pt file")
    ev.add_argument("--n-per-class", type=_positive, default=1000)
    ev.add_argument("--seed", type=_seed, default=0)
    ev.add_argument("--length", type=_length, default=None, help="default: the protocol the network was trained on")
    ev.add_argument("--noise", type=_noise, default=None, help="default: the noise it was trained with")
    ev.add_argument("--json", action="store_true", help="print the results as JSON")
    _reproduce_parser(commands)
    _augment_parser(commands)
    _verdicts_parser(commands)
    return parser


def _train_parser(commands) -> None:
    train = commands.add_parser("train", help="train a network (the paper's recipe unless overridden)")
    from .train import OPTIMIZERS, PRECISIONS, RECIPES, TrainConfig

    train.add_argument(
        "--recipe",
        choices=list(RECIPES),
        default="paper",
        help="named recipe whose values the other options override (default: paper; fast: time to accuracy on "
        "a CPU, see benchmarks/speedrun.py)",
    )
    train.add_argument("--out", type=_out, required=True, help="run folder (checkpoint.pt, best.pt, log.json)")
    train.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --out (a larger --max-epochs extends a finished step-schedule run)",
    )
    train.add_argument("--overwrite", action="store_true", help="replace the run in --out (refused otherwise)")
    # the options below default to the recipe's values (None: not given)
    train.add_argument("--preset", default=None, help="network preset: lite or paper")
    train.add_argument("--length", type=_length, default=None, help="'varying' or T (e.g. 1000)")
    train.add_argument("--noise", type=_noise, default=None)
    for name, kind in (
        ("train_per_class", int),
        ("val_per_class", int),
        ("lr", _finite),
        ("batch_size", int),
        ("step_size", int),
        ("gamma", _finite),
        ("patience", int),
        ("min_delta", _finite),
        ("max_epochs", int),
        ("weight_decay", _finite),
        ("seed", _seed),
        ("num_workers", int),
        ("checkpoint_every", int),
        ("bn_batches", int),
        ("warmup_epochs", _finite),
        ("label_smoothing", _finite),
        ("ema", _finite),
    ):
        train.add_argument(
            "--" + name.replace("_", "-"), type=kind, default=None, help=f"paper recipe: {getattr(TrainConfig(), name)}"
        )
    train.add_argument("--schedule", choices=["step", "cosine"], default=None)
    train.add_argument("--optimizer", choices=list(OPTIMIZERS), default=None, help="paper recipe: adam")
    train.add_argument(
        "--precision",
        choices=list(PRECISIONS),
        default=None,
        help="auto: fp16 on CUDA; on a CPU with bfloat16 instructions bf16 or fp32, whichever a one-second probe "
        "measures faster (cached per CPU model); else fp32. A resumed run keeps its recorded precision",
    )
    train.add_argument("--fresh-data", action="store_true", default=None, help="simulate new trajectories every epoch")
    train.add_argument(
        "--symmetries",
        action="store_true",
        default=None,
        help="train each sample under a random one of the eight reflections and swaps of x and y",
    )
    train.add_argument("--device", default=None, help="auto (cuda, mps, cpu) or a torch device")
    train.add_argument("--threads", type=_threads, default=None, help="torch CPU threads")
    train.add_argument("--init", default=None, help="start from these weights (a shipped name or a .pt file)")


def _reproduce_parser(commands) -> None:
    rep = commands.add_parser("reproduce", help="the whole paper: train both networks, run chapters 6-12, report")
    rep.add_argument(
        "--out", type=_out, required=True, help="output folder (runs, executed notebooks, report.md, report.json)"
    )
    rep.add_argument(
        "--tiny", action="store_true", help="every size shrunk: minutes on a CPU, still the paper's network"
    )
    rep.add_argument("--nproc-per-node", type=_positive, default=1, help="training processes (GPUs) under torchrun")
    rep.add_argument("--resume", action="store_true", help="continue the run in --out, skipping finished steps")


def _reproduce(args) -> int:
    from .reproduce import ReproduceError, reproduce

    try:
        report = reproduce(args.out, tiny=args.tiny, nproc_per_node=args.nproc_per_node, resume=args.resume)
    except ReproduceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(
        f"wrote {args.out}/report.md and report.json ({sum(r['ours'] is not None for r in report['rows'])} "
        f"measured rows, networks {', '.join(report['checkpoints'].values())})"
    )
    return 0


def _seeds(text: str) -> list[int]:
    """``0-4`` or ``0,2,5`` as a list of seeds."""
    seeds = []
    for part in text.split(","):
        low, dash, high = part.strip().partition("-")
        low = _seed(low)
        seeds.extend(range(low, _seed(high) + 1) if dash else [low])
    if not seeds or len(set(seeds)) != len(seeds):
        raise argparse.ArgumentTypeError(f"must be seeds like 0-4 or 0,2,5, each once, got {text!r}")
    return seeds


def _augment_parser(commands) -> None:
    aug = commands.add_parser("augment", help="the paper's augmentation experiment, every network from scratch")
    aug.add_argument("--out", type=_out, required=True, help="output folder (base/, <arm>-seed<k>/, results.json)")
    aug.add_argument("--preset", default="lite", help="network preset: lite or paper")
    aug.add_argument("--seeds", type=_seeds, default=[0, 1, 2, 3, 4], help="seeds of every arm, e.g. 0-4")
    aug.add_argument("--arms", default="targeted,random,control", help="comma-separated arms")
    aug.add_argument("--epochs", type=_positive, default=8, help="epochs of every network (CPU recipe, fixed data)")
    aug.add_argument("--train-per-class", type=_positive, default=10_000, help="original trajectories per class")
    aug.add_argument("--test-per-class", type=_positive, default=1000, help="test trajectories per class and sigma")
    aug.add_argument("--threads", type=_threads, default=None, help="torch CPU threads")
    aug.add_argument("--resume", action="store_true", help="continue the experiment in --out")
    aug.add_argument(
        "--collect", action="store_true", help="train nothing: gather the networks finished so far into results.json"
    )
    aug.add_argument(
        "--ship",
        action="store_true",
        help="also copy the results into the package (augment.FROM_SCRATCH), where the chapters read them",
    )


def _augment(args) -> None:
    import torch

    from . import augment
    from .augment import collect_results, from_scratch, ship_results
    from .train import TrainConfig

    out = __import__("pathlib").Path(args.out)
    if out.is_dir() and any(not p.name.startswith(".") for p in out.iterdir()) and not (args.resume or args.collect):
        raise ValueError(f"--out {args.out} already holds an experiment; add --resume to continue it")
    if args.threads:
        torch.set_num_threads(args.threads)
    config = TrainConfig.recipe("cpu", preset=args.preset, max_epochs=args.epochs)
    if args.collect:
        result = collect_results(out)
    else:
        result = from_scratch(
            out,
            seeds=args.seeds,
            arms=tuple(a.strip() for a in args.arms.split(",")),
            config=config,
            train_per_class=args.train_per_class,
            test_per_class=args.test_per_class,
        )
    if args.ship:
        result = ship_results(out)
        print(f"shipped {augment.FROM_SCRATCH}")
    done = ", ".join(f"{arm} {len(result[arm]['seeds'])}" for arm in ("targeted", "random", "control") if arm in result)
    print(f"wrote {out / 'results.json'}: base {100 * result['base'][0]:.2f}% clean; seeds finished: {done or 'none'}")


def _verdicts_parser(commands) -> None:
    from .powered import PARTS, SIZES

    ver = commands.add_parser("verdicts", help="Part III's verdicts: every part's measurement, one JSON (resumable)")
    ver.add_argument("--sizes", choices=list(SIZES), default="powered", help="sizes of every part (default: powered)")
    ver.add_argument("--out", required=True, help="output folder (<part>.json per finished part, verdicts.json)")
    ver.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated parts (default: {','.join(PARTS)})")
    ver.add_argument("--seed", type=_seed, default=0)
    ver.add_argument("--threads", type=_positive, default=1, help="torch and BLAS threads (default 1: one core)")
    ver.add_argument("--resume", action="store_true", help="keep the parts already finished in --out")
    ver.add_argument("--ship", action="store_true", help="also copy verdicts.json into the package (verdict.POWERED)")


def _verdicts(args) -> None:
    from .powered import run_verdicts

    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    command = (
        f"python -m resandi_lite verdicts --sizes {args.sizes} --out {args.out} --parts {','.join(parts)} "
        f"--seed {args.seed} --threads {args.threads}" + (" --ship" if args.ship else "")
    )
    result = run_verdicts(
        args.out,
        sizes=args.sizes,
        parts=parts,
        resume=args.resume,
        seed=args.seed,
        threads=args.threads,
        progress=True,
        command=command,
        ship=args.ship,
    )
    print(
        f"wrote {args.out}/verdicts.json: {len(result['rows'])} rows from {len(result['parts'])} parts in "
        f"{result['wall_seconds']['total']:.0f} s"
        + (f"; not available: {', '.join(result['unavailable'])}" if result["unavailable"] else "")
    )


def main(argv=None) -> int:
    """Run a command; a mistake (bad option, unusable path, missing file) prints one ``error:`` line, exit code 2.

    An output folder another process is writing, a training run that
    diverged, or memory running out print one ``error:`` line too, exit code 1.
    """
    from ._files import FolderInUseError

    try:
        args = _parser().parse_args(argv)
    except _UsageError as err:
        print(f"error: {err} (see --help)", file=sys.stderr)
        return 2
    try:
        if args.command == "simulate":
            _simulate(args)
        elif args.command == "train":
            import torch

            from .train import TrainConfig, fit

            if args.threads:
                torch.set_num_threads(args.threads)
            names = [f.name for f in __import__("dataclasses").fields(TrainConfig)]
            given = {k: getattr(args, k) for k in names if getattr(args, k, None) is not None}
            fit(TrainConfig.recipe(args.recipe, **given), args.out, resume=args.resume, overwrite=args.overwrite)
        elif args.command == "evaluate":
            _evaluate(args)
        elif args.command == "reproduce":
            return _reproduce(args)
        elif args.command == "augment":
            _augment(args)
        elif args.command == "verdicts":
            _verdicts(args)
        elif args.command == "split":
            from .data import write_split

            write_split(
                args.out,
                args.n_per_class,
                args.files,
                args.length,
                args.noise,
                0 if args.seed is None else args.seed,
                n_jobs=args.jobs,
                overwrite=args.overwrite,
            )
    except (FolderInUseError, FloatingPointError, MemoryError) as err:  # not a mistake in the command: exit code 1
        print(f"error: {err or 'out of memory'}", file=sys.stderr)
        return 1
    except (ValueError, TypeError, OSError) as err:
        message = (
            str(err) if isinstance(err, (ValueError, TypeError)) else f"{err.strerror or err}: {err.filename or ''}"
        )
        print(f"error: {message}".rstrip(": "), file=sys.stderr)
        return 2
    return 0


def _simulate(args) -> None:
    """The ``simulate`` command: the output is checked (kind, writable) before anything is simulated."""
    import tempfile

    from ._files import exclusive
    from .data import make_dataset
    from .data.sets import _target
    from .simulate import CLASSES

    out = _target(args.out)
    try:  # find out now, not after simulating, whether the file can be written
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out.parent):
            pass
    except OSError as err:
        raise ValueError(f"--out {args.out}: cannot write in {out.parent} ({err.strerror or err})") from None
    classes = CLASSES if args.classes is None else [c.strip() for c in args.classes.split(",")]
    with exclusive(out, what="output file"):  # one simulate per output file
        ds = make_dataset(
            args.n_per_class, args.length, args.noise, args.seed, classes, n_jobs=args.jobs, progress=True
        )
        existed = out.exists()
        path = ds.save(out)
    print(f"{'replaced' if existed else 'wrote'} {path}: {ds!r}, seed {ds.params['seed']}")


def _evaluate(args) -> None:
    import json

    from . import make_dataset
    from .evaluate import evaluate
    from .pretrained import checkpoint_path, load_model
    from .simulate import CLASSES
    from .train import load_checkpoint

    path = checkpoint_path(args.checkpoint)
    if not path.is_file():
        raise ValueError(
            f"--checkpoint {args.checkpoint}: no checkpoint file at {path}; give a shipped name "
            f"(lite, lite-T1000) or a .pt file written by train"
        )
    model = load_model(args.checkpoint)
    length, noise = _protocol(path, load_checkpoint(path)["config"], args.length, args.noise)
    test = make_dataset(args.n_per_class, length, noise, seed=args.seed)
    result = evaluate(model, test)
    report = {
        "checkpoint": str(args.checkpoint),
        "n_per_class": args.n_per_class,
        "seed": args.seed,
        "length": length,
        "noise": noise,
        "accuracy": result["accuracy"],
        "per_class": dict(zip(CLASSES, result["per_class"].tolist())),
        "confusion": result["confusion"].tolist(),
        "classes": list(CLASSES),
    }
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print(
            f"accuracy {100 * result['accuracy']:.2f}% on {result['n']} trajectories (length {length}, noise {noise})"
        )
        for name, acc in report["per_class"].items():
            print(f"  {name:<8} {100 * acc:6.2f}%")


def _protocol(path, config: dict, length, noise):
    """The length and noise to evaluate with: the options, else the checkpoint's, checked and said to come from it."""
    from ._checks import check_noise
    from .simulate.classes import draw_lengths

    for key, given in (("length", length), ("noise", noise)):
        if given is None and key not in config:
            raise ValueError(f"--checkpoint {path}: its config records no {key!r}; pass --{key}")
    length = config["length"] if length is None else length
    noise = config["noise"] if noise is None else noise
    for key, value, check in (("length", length, lambda v: draw_lengths(1, v, rng=0)), ("noise", noise, check_noise)):
        try:
            check(value)
        except (ValueError, TypeError) as err:
            raise ValueError(
                f"the {key} {value!r} read from the checkpoint {path} is not valid ({err}); pass --{key}"
            ) from None
    return length, noise


if __name__ == "__main__":
    sys.exit(main())
