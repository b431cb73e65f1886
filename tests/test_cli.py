"""Command line: every mistake in simulate, split and evaluate is one ``error:`` line and exit code 2, no traceback."""

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

import resandi_lite.data.simulation
from resandi_lite import load_dataset
from resandi_lite.__main__ import main

SMALL = ["--n-per-class", "1", "--length", "20"]


def run(capsys, *argv):
    """``main(argv)``: its return code and the lines it wrote to stderr."""
    code = main(list(argv))
    err = capsys.readouterr().err
    return code, [line for line in err.splitlines() if line.strip() and "simulating" not in line]


def refused(capsys, *argv, match: str):
    code, lines = run(capsys, *argv)
    assert code == 2, lines
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert "Traceback" not in lines[0] and match in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def no_simulation(monkeypatch):
    """Fail the test if a command simulates anything (a check must come first)."""

    def boom(*args, **kwargs):
        raise AssertionError("simulated before checking the arguments")

    monkeypatch.setattr(resandi_lite.data.simulation, "simulate_chunk", boom)


def test_evaluate_missing_checkpoint(capsys):
    refused(capsys, "evaluate", "--checkpoint", "/nonexistent/model.pt", match="no checkpoint file at /nonexistent")


def test_evaluate_bad_numbers(capsys, tmp_path):
    refused(capsys, "evaluate", "--checkpoint", "lite", "--seed", "-1", match="--seed: must be an integer >= 0")
    refused(capsys, "evaluate", "--checkpoint", "lite", "--n-per-class", "0", match="must be a positive integer")
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a torch file")
    refused(capsys, "evaluate", "--checkpoint", str(junk), match="not a readable checkpoint")


def test_simulate_out_is_a_folder(capsys, tmp_path, no_simulation):
    refused(capsys, "simulate", *SMALL, "--out", str(tmp_path), match="is an existing folder")
    (tmp_path / "data").mkdir()
    refused(capsys, "simulate", *SMALL, "--out", str(tmp_path / "data"), match="is an existing folder")


def test_simulate_out_below_a_file(capsys, tmp_path, no_simulation):
    (tmp_path / "file").write_text("x")
    refused(capsys, "simulate", *SMALL, "--out", str(tmp_path / "file" / "set.npz"), match="is a file, not a folder")


def test_simulate_out_not_writable_as_user(capsys, tmp_path, no_simulation, monkeypatch):
    """A folder without write permission (root may write anywhere, so the refusal of the OS is simulated)."""
    import tempfile

    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    real = tempfile.TemporaryFile

    def refuse(*args, dir=None, **kwargs):
        if dir is not None and Path(dir) == locked:
            raise PermissionError(13, "Permission denied", str(locked))
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    refused(capsys, "simulate", *SMALL, "--out", str(locked / "set.npz"), match="cannot write in")


def test_simulate_out_not_writable(capsys, no_simulation):
    """/proc refuses new files even to root: found before simulating."""
    if not os.path.isdir("/proc/self"):
        pytest.skip("no /proc")
    refused(capsys, "simulate", *SMALL, "--out", "/proc/resandi-test.npz", match="cannot write in /proc")


@pytest.mark.parametrize(
    "argv, match",
    [
        (["--jobs", "0"], "--jobs: must be a positive integer or -1"),
        (["--seed", "-3"], "--seed: must be an integer >= 0"),
        (["--seed", "x"], "--seed: must be an integer >= 0"),
        (["--noise", "nan"], "noise must hold finite values"),
        (["--noise", "-1"], "noise levels must be >= 0"),
        (["--classes", "BM,,SupLW"], "unknown class ''"),
        (["--classes", "BM,BM"], "must not repeat"),
        (["--length", "5"], "must be 'varying' or an integer in [10, 1000], got 5"),
    ],
)
def test_simulate_bad_options(capsys, tmp_path, no_simulation, argv, match):
    refused(capsys, "simulate", *SMALL, *argv, "--out", str(tmp_path / "set.npz"), match=match)
    assert list(tmp_path.iterdir()) == []


def test_usage_errors_are_one_line(capsys):
    refused(capsys, "bogus", match="invalid choice: 'bogus'")
    refused(capsys, "simulate", "--n-per-class", "1", match="the following arguments are required: --out")
    refused(capsys, "split", "--out", "x", "--unknown", match="unrecognized arguments: --unknown")


@pytest.mark.parametrize(
    "files, match",
    [
        ("../evil=1", "plain file-name stems"),
        ("a/b=1", "plain file-name stems"),
        ("=1", "got ''"),
        ("..=1", "plain file-name stems"),
        ("train=1,train=2", "split 'train' is given twice"),
        ("train=0", "must be a positive integer, got 0"),
        ("train=-1", "must be a positive integer, got -1"),
        ("train=x", "must be a positive integer, got 'x'"),
        ("train", "NAME=COUNT"),
    ],
)
def test_split_files_are_checked(capsys, tmp_path, no_simulation, files, match):
    out = tmp_path / "data"
    refused(capsys, "split", *SMALL, "--files", files, "--out", str(out), match=match)
    assert list(tmp_path.iterdir()) == []  # nothing written, not even outside --out


def test_split_out_is_a_file(capsys, tmp_path, no_simulation):
    (tmp_path / "file").write_text("x")
    refused(capsys, "split", *SMALL, "--files", "train=1", "--out", str(tmp_path / "file"), match="existing file")


def test_split_refuses_other_parameters_then_overwrites(capsys, tmp_path):
    out = str(tmp_path)
    assert main(["split", *SMALL, "--files", "train=1", "--seed", "1", "--out", out]) == 0
    capsys.readouterr()
    first = load_dataset(tmp_path / "train_0.npz")
    for argv, what in (
        (["--n-per-class", "2", "--length", "20"], "n_per_class=1, asked 2"),
        (["--n-per-class", "1", "--length", "30"], "length=20, asked 30"),
        ([*SMALL, "--noise", "0.5"], "noise=[0.0], asked [0.5]"),
        ([*SMALL, "--seed", "2"], "seed="),
    ):
        refused(capsys, "split", *argv, "--files", "train=1", "--out", out, match=what)
    assert np.array_equal(load_dataset(tmp_path / "train_0.npz").X, first.X)  # nothing touched
    assert (
        main(
            [
                "split",
                "--n-per-class",
                "2",
                "--length",
                "20",
                "--files",
                "train=1",
                "--seed",
                "1",
                "--out",
                out,
                "--overwrite",
            ]
        )
        == 0
    )
    again = load_dataset(tmp_path / "train_0.npz")
    assert len(again) == 16 and again.params["n_per_class"] == 2
    assert json.loads((tmp_path / "manifest.json").read_text())["n_per_class"] == 2


def test_simulate_writes_and_says_replaced(capsys, tmp_path):
    out = tmp_path / "sub" / "set.npz"
    assert main(["simulate", *SMALL, "--seed", "4", "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith("wrote ")
    assert main(["simulate", *SMALL, "--seed", "4", "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith("replaced ")
    assert load_dataset(out).params["seed"] == 4


def test_verdicts_command_runs_the_parts_and_resumes(capsys, tmp_path, monkeypatch):
    from resandi_lite import powered, verdict

    calls = []

    def fake(n_per_class, *, seed=0, progress=False, **options):
        calls.append(n_per_class)
        return {"rows": [verdict.verdict_row("claim", 0.1, -0.1, 0.3, n_per_class, 0.2)], "seconds": 0.0}

    monkeypatch.setattr(powered, "_part_function", lambda part: fake if part == "layerwise" else None)
    out = tmp_path / "part3"
    code = main(["verdicts", "--sizes", "ci", "--out", str(out), "--parts", "layerwise,sanity"])
    assert code == 0 and calls == [powered.part_size("layerwise", "ci")[0]]
    printed = capsys.readouterr().out
    assert "sanity: part not available" in printed and "wrote" in printed and "not available: sanity" in printed
    stored = json.loads((out / "verdicts.json").read_text())
    assert stored["rows"][0]["verdict"] == "open" and stored["rows"][0]["n_needed"] > 0
    assert stored["command"].startswith(f"python -m resandi_lite verdicts --sizes ci --out {out}")
    refused(capsys, "verdicts", "--sizes", "ci", "--out", str(out), "--parts", "layerwise", match="--resume")
    assert main(["verdicts", "--sizes", "ci", "--out", str(out), "--parts", "layerwise", "--resume"]) == 0
    assert len(calls) == 1  # finished: not recomputed
    refused(
        capsys, "verdicts", "--sizes", "ci", "--out", str(tmp_path / "x"), "--parts", "nothing", match="parts must be"
    )
    refused(capsys, "verdicts", "--sizes", "huge", "--out", str(out), match="invalid choice")


def _documented_commands() -> list[tuple[str, str]]:
    """Every ``python -m resandi_lite ...`` line in a fenced code block of the README, the book's pages and the
    chapters' Markdown."""
    root = Path(__file__).resolve().parents[1]
    texts = {p.name: p.read_text(encoding="utf-8") for p in [root / "README.md", *sorted((root / "book").glob("*.md"))]}
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        texts[path.name] = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    commands = []
    for name, text in texts.items():
        for block in re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.DOTALL):  # what readers copy
            for line in block.replace("\\\n", " ").splitlines():
                start = line.find("python -m resandi_lite ")
                if start >= 0:
                    commands.append((name, line[start:].split("#")[0].strip()))
    return commands


def test_every_documented_command_parses():
    """The commands the README, the book and the chapters tell readers to type are ones the CLI accepts
    (parsed, not run; ``k`` stands for a student's seed)."""
    from resandi_lite.__main__ import _parser, _UsageError

    commands = _documented_commands()
    assert any("train --recipe fast" in c for _, c in commands)  # chapter 6 and the instructors' lab
    for name, command in commands:
        words = [("3" if w == "k" else w.replace("-k", "-3")) for w in command.split()[3:]]
        try:
            _parser().parse_args(words)
        except (SystemExit, _UsageError) as err:
            pytest.fail(f"{name}: the CLI refuses {command!r}: {err}")
