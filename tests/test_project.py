"""The project's own files agree with each other.

* environment.yml (Binder) lists the same requirements as pyproject.toml;
* README.md opens with the two commands, and CI runs the test command;
* every page of the book's table of contents exists.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def _normalise(requirement: str) -> tuple[str, str, str, str]:
    """(name, extras, specifier, marker) of a requirement, comparable across files."""
    req = Requirement(requirement)
    name = req.name.lower().replace("_", "-").replace(".", "-")
    extras = ",".join(sorted(e.lower() for e in req.extras))
    return name, extras, str(req.specifier), str(req.marker or "")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_environment_yml_matches_pyproject():
    project = _pyproject()["project"]
    extras = project.get("optional-dependencies", {})
    expected = {_normalise(r) for r in [*project["dependencies"], *extras.get("book", []), *extras.get("dev", [])]}

    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip_lists = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip_lists) == 1, "environment.yml must have exactly one `pip:` list"
    listed = {_normalise(r) for r in pip_lists[0] if not r.startswith("-")}  # pip options (the CPU index of torch)

    missing = sorted(expected - listed)
    extra = sorted(listed - expected)
    assert not missing and not extra, (
        "environment.yml's pip list differs from pyproject.toml's dependencies + [book] + [dev]:\n"
        f"  in pyproject.toml only: {missing}\n  in environment.yml only: {extra}"
    )


def _fenced_blocks(markdown: str) -> list[str]:
    """Contents of the fenced code blocks (``` or ~~~), in order, stripped."""
    blocks = []
    for match in re.finditer(r"^(```|~~~)[^\n]*\n(.*?)^\1[ \t]*$", markdown, re.M | re.S):
        blocks.append(match.group(2).strip())
    return blocks


def test_readme_opens_with_the_two_commands():
    blocks = _fenced_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(blocks) >= 2, "README.md must have at least two fenced code blocks"
    assert blocks[0] == "scripts/build-book", (
        f"README.md's first code block must be exactly `scripts/build-book`, not {blocks[0]!r}"
    )
    assert blocks[1] == "scripts/test", (
        f"README.md's second code block must be exactly `scripts/test`, not {blocks[1]!r}"
    )


@pytest.mark.parametrize("script", ["scripts/build-book", "scripts/test", "scripts/setup-env", ".ci/run"])
def test_scripts_exist_and_are_executable(script):
    path = ROOT / script
    assert path.is_file(), f"{script} is missing"
    assert path.stat().st_mode & 0o111, f"{script} is not executable"


def test_ci_runs_the_test_command():
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    commands = [line.split("#", 1)[0].strip() for line in lines]
    assert any(re.match(r"^(\S+=\S*\s+)*(bash\s+)?(\./)?scripts/test(\s|$)", c) for c in commands), (
        ".ci/run must run scripts/test (the command README.md gives for the tests)"
    )


def _toc_files(node) -> list[str]:
    """Every `root:` and `file:` entry of a _toc.yml, however deeply nested."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("root", "file") and isinstance(value, str):
                found.append(value)
            else:
                found.extend(_toc_files(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_toc_files(item))
    return found


def test_every_toc_entry_exists():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    entries = _toc_files(toc)
    assert entries, "_toc.yml lists no files"
    suffixes = ("", ".md", ".ipynb", ".rst")
    missing = [entry for entry in entries if not any((ROOT / (entry + suffix)).is_file() for suffix in suffixes)]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"
