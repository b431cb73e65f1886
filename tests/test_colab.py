"""Readers outside the built book: the Colab install cell, one version, MyST-free notebooks, and every chapter
run from the built wheel in an empty folder with the Colab cell active.

The last test is the slow one (a few minutes): it builds the wheel, installs it
into a fresh virtual environment holding only what Colab ships besides
(numpy, torch, matplotlib, scikit-learn, scipy, pandas, ipywidgets) plus
papermill, copies the chapters into an empty temporary folder and runs each in
the ``ci`` profile with a stub ``google.colab`` module imported first, so that
cell 0 runs its pip installs. pip is pointed at a folder holding the fresh
wheel and the chapters' references through its own environment variables
(``PIP_FIND_LINKS``, ``PIP_NO_INDEX``): the cell is unchanged, only the place
pip looks differs from Colab's.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

from resandi_lite.course import colab

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*.ipynb"))
VERSION = colab.read_version((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
REPOSITORY = colab.read_repository((ROOT / "_config.yml").read_text(encoding="utf-8"))


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_cell_0_is_the_generated_install_cell(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    expected = colab.notebook_cell(notebook, VERSION, REPOSITORY)
    assert _source(notebook["cells"][0]) == _source(expected), f"{path.name}: run scripts/colab-cell"
    assert notebook["cells"][0]["metadata"].get("tags") == ["remove-cell"], "hidden in the book"
    code = "\n".join(_source(c) for c in notebook["cells"] if c["cell_type"] == "code")
    if "captum" in code:
        assert "captum==" in _source(notebook["cells"][0])
    if "reference import" in code:
        assert '"--no-deps", "andi-datasets==' in _source(notebook["cells"][0])


def test_the_version_is_written_once():
    import resandi_lite

    assert resandi_lite.__version__ == VERSION, "reinstall (pip install -e .) after changing pyproject's version"
    init = (ROOT / "resandi_lite" / "__init__.py").read_text(encoding="utf-8")
    assert VERSION not in init
    for path in NOTEBOOKS:  # only the generated cell 0 names it
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        assert not [k for k, c in enumerate(cells[1:], 1) if f"=={VERSION}" in _source(c)], path.name
    script = (
        "import importlib.metadata as m\n"
        "def missing(name): raise m.PackageNotFoundError(name)\n"
        "m.version = missing\nimport resandi_lite\nprint(resandi_lite.__version__)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.strip() == "0+unknown", "a never-installed source tree still imports"


def _run_cell(source, *, colab_present, results):
    """Execute an install cell with subprocess.run replaced by a recorder returning ``results`` in turn."""
    calls = []

    def fake_run(command, **kwargs):
        calls.append(command[command.index("install") + 2 :])  # after "install", "-q"
        return types.SimpleNamespace(returncode=results[len(calls) - 1])

    saved = sys.modules.get("google.colab")
    real_run = subprocess.run
    subprocess.run = fake_run
    try:
        if colab_present:
            sys.modules["google.colab"] = types.ModuleType("google.colab")
        else:
            sys.modules.pop("google.colab", None)
        exec(compile(source, "cell0", "exec"), {})
    finally:
        subprocess.run = real_run
        if saved is None:
            sys.modules.pop("google.colab", None)
        else:
            sys.modules["google.colab"] = saved
    return calls


def test_install_cell_installs_the_release_else_the_tagged_source_and_the_references(capsys):
    cell = colab.install_cell("9.8.7", "https://example.org/o/r", ["andi-datasets", "captum"])
    assert _run_cell(cell, colab_present=False, results=[]) == [], "outside Colab the cell does nothing"
    calls = _run_cell(cell, colab_present=True, results=[0, 0, 0])
    assert calls == [
        ["resandi-lite==9.8.7"],
        ["--no-deps", "andi-datasets==2.1.13", "stochastic==0.6.0"],
        ["captum==0.9.0"],
    ]
    calls = _run_cell(cell, colab_present=True, results=[1, 0, 1, 0])  # not released; andi fails
    assert calls[:2] == [["resandi-lite==9.8.7"], ["resandi-lite @ git+https://example.org/o/r@v9.8.7"]]
    assert "andi-datasets could not be installed" in capsys.readouterr().out
    with pytest.raises(RuntimeError, match="could not install resandi-lite 9.8.7"):
        _run_cell(cell, colab_present=True, results=[1, 1])
    with pytest.raises(ValueError, match="needs must be among"):
        colab.install_cell("1", "x", ["tensorflow"])


def test_version_and_repository_readers_refuse_what_they_cannot_read():
    assert colab.read_repository(f"repository:\n  path_to_book: ''\n  url: {REPOSITORY}/\n") == REPOSITORY
    with pytest.raises(ValueError, match="version"):
        colab.read_version('[tool.x]\nversion = "1"\n')
    with pytest.raises(ValueError, match="repository"):
        colab.read_repository("title: x\n")


def test_binder_pins_the_colab_references_and_takes_torch_from_the_cpu_index():
    post_build = (ROOT / "postBuild").read_text(encoding="utf-8")
    assert " ".join(colab.REFERENCES["andi-datasets"][1]) in post_build
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in (ROOT / "environment.yml").read_text()


MYST_ONLY = re.compile(r"^\s*(:::|```\{)|\{(?!cite)[a-z]+(:[a-z]+)?\}`", re.M)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_markdown_reads_the_same_in_jupyter(path):
    """No MyST directive or role shows raw in Jupyter or Colab; {cite} stays (it feeds the bibliography)."""
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "markdown":
            found = MYST_ONLY.search(_source(cell))
            assert found is None, f"{path.name}: MyST-only markup {found[0]!r}; write plain Markdown (a > quote)"


def test_jupyter_edition_shows_no_raw_role(tmp_path):
    """A chapter of the Jupyter edition, opened in Jupyter or Colab, shows no raw {cite} or {doc} role and no relative
    link to a book page (the student edition has its own test, tests/test_student_edition.py)."""
    from resandi_lite.course import roles

    cited = 0
    for path in NOTEBOOKS:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cited += len(roles.raw_roles(notebook))
        edition = roles.plain_notebook(notebook, source=f"notebooks/{path.name}")
        markdown = "\n".join(_source(c) for c in edition["cells"] if c["cell_type"] == "markdown")
        assert roles.raw_roles(edition) == [] and "{cite" not in markdown and "{doc}" not in markdown, path.name
        assert "](../" not in markdown, f"{path.name}: a relative link to a book page, broken on Colab"
    assert cited >= 20, "the chapters cite (the book keeps its roles), so the rewriting is exercised"
    written = roles.write_edition(NOTEBOOKS[:2], tmp_path)
    assert [p.name for p in written] == [p.name for p in NOTEBOOKS[:2]]
    assert roles.raw_roles(json.loads(written[1].read_text(encoding="utf-8"))) == []


def test_the_launch_buttons_open_the_jupyter_edition_branch():
    """The book's Colab and Binder buttons open notebooks/NN_x.ipynb on the branch write_branch makes, not main."""
    from jupyter_book.config import get_final_config

    from resandi_lite.course import roles

    config, _ = get_final_config(
        user_yaml=ROOT / "_config.yml", sourcedir=ROOT, cli_config={"latex_individualpages": False}
    )
    theme = config["html_theme_options"]
    assert theme["repository_branch"] == roles.EDITION_BRANCH
    assert theme["launch_buttons"]["colab_url"] and theme["repository_url"] == REPOSITORY
    assert config["bibtex_reference_style"] == "author_year" and config["html_static_path"] == ["book/_static"]


def _git(root, *args):
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout.strip()


def test_the_edition_branch_holds_the_chapters_without_raw_roles_and_leaves_the_checkout_alone(tmp_path, monkeypatch):
    from resandi_lite.course import roles

    for name, value in (("NAME", "test"), ("EMAIL", "test@example.org")):
        monkeypatch.setenv(f"GIT_AUTHOR_{name}", value)
        monkeypatch.setenv(f"GIT_COMMITTER_{name}", value)
    repo = tmp_path / "repo"
    chapters = [p for p in NOTEBOOKS if p.name.startswith(("01_", "08_"))]
    for path in [ROOT / "_config.yml", ROOT / "book" / "references.bib", ROOT / "book" / "running.md", *chapters]:
        target = repo / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "source")
    first = roles.write_branch(root=repo)
    assert (
        first and _git(repo, "symbolic-ref", "HEAD") == "refs/heads/main" and _git(repo, "status", "--porcelain") == ""
    )
    for path in chapters:
        name = f"notebooks/{path.name}"
        source, edition = (json.loads(_git(repo, "show", f"{ref}:{name}")) for ref in ("main", roles.EDITION_BRANCH))
        assert roles.raw_roles(source) and roles.raw_roles(edition) == [], name
        assert [c.get("outputs") for c in edition["cells"]] == [c.get("outputs") for c in source["cells"]]
    assert _git(repo, "diff", "--name-only", "main", roles.EDITION_BRANCH) == "\n".join(
        f"notebooks/{p.name}" for p in chapters
    ), "only the chapters differ"
    assert roles.write_branch(root=repo) is None, "an unchanged edition makes no commit"
    (repo / "notebooks" / chapters[0].name).write_text(
        chapters[0].read_text(encoding="utf-8").replace("# 1.", "# 1 (changed)."), encoding="utf-8"
    )
    _git(repo, "commit", "-q", "-am", "a change")
    second = roles.write_branch(root=repo)
    assert _git(repo, "rev-parse", f"{second}^") == first, "the new edition's parent is the previous one (fast-forward)"
    _git(repo, "checkout", "-q", roles.EDITION_BRANCH)
    with pytest.raises(ValueError, match="checked out"):
        roles.write_branch(root=repo)


def test_roles_become_plain_markdown_links():
    from resandi_lite.course import roles

    bib = roles.read_bibliography((ROOT / "book" / "references.bib").read_text(encoding="utf-8"))
    assert bib["munoz2021"].names == "Muñoz-Gil et al." and bib["munoz2021"].year == "2021"
    assert bib["scher1975"] == roles.Reference("Scher and Montroll", "1975", "https://doi.org/10.1103/PhysRevB.12.2455")
    text = (
        "A walk {cite}`scher1975`, two {cite:p}`scher1975,bae2026`, as {cite:t}`metzler2014` say; "
        "see {doc}`running` and {doc}`the symbols <notation>`, [this](../book/notation.md#symbols), "
        "but not `{cite}` in [code](../book/x.md) ```\n[c](../book/y.md)\n```."
    )
    plain = roles.plain_markdown(text, bibliography=bib, repository="https://github.com/o/r", source="book/intro.md")
    assert plain == (
        "A walk ([Scher and Montroll 1975](https://doi.org/10.1103/PhysRevB.12.2455)), two "
        "([Scher and Montroll 1975](https://doi.org/10.1103/PhysRevB.12.2455); "
        f"[Bae et al. 2026]({bib['bae2026'].url})), as [Metzler et al. (2014)]({bib['metzler2014'].url}) say; "
        "see [Running the course](https://github.com/o/r/blob/main/book/running.md) and "
        "[the symbols](https://github.com/o/r/blob/main/book/notation.md), "
        "[this](https://github.com/o/r/blob/main/book/notation.md#symbols), "
        "but not `{cite}` in [code](https://github.com/o/r/blob/main/book/x.md) ```\n[c](../book/y.md)\n```."
    )
    with pytest.raises(ValueError, match="no entry 'nobody1999'"):
        roles.plain_markdown("{cite}`nobody1999`", bibliography=bib, repository="r")


# --- every chapter from the wheel, in an empty folder, with the Colab cell active (slow) -------------------------

COLAB_SHIPS = [
    "numpy>=2",
    "torch==2.13.0",
    "matplotlib",
    "scikit-learn",
    "scipy",
    "pandas",
    "ipywidgets",
    "tqdm",
    "plotly",
    "papermill",
    "ipykernel",
]  # Colab's own packages (its torch is a CUDA build), plus papermill
KERNEL = "resandi-colab-test"


def _run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, (
        f"{' '.join(map(str, command))} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result


@pytest.fixture(scope="module")
def colab_reader(tmp_path_factory):
    """A fresh venv with the built wheel and Colab's packages, a wheelhouse for the cell's pip, and a stub google.colab."""
    import shutil

    base = tmp_path_factory.mktemp("colab")
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "resandi_lite", source / "resandi_lite", ignore=shutil.ignore_patterns("__pycache__"))
    wheelhouse = base / "wheelhouse"
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", wheelhouse, source])
    wheel = next(wheelhouse.glob("resandi_lite-*.whl"))
    assert f"-{VERSION}-" in wheel.name
    references = [a for _, args in colab.REFERENCES.values() for a in args if a != "--no-deps"]
    _run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", wheelhouse, *references])
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", venv])
    python = venv / "bin" / "python"
    _run([python, "-m", "pip", "install", "-q", *COLAB_SHIPS])
    _run([python, "-m", "pip", "install", "-q", "--no-deps", wheel])  # its dependencies are Colab's own
    _run([python, "-m", "ipykernel", "install", "--sys-prefix", "--name", KERNEL])
    stub = base / "stub"
    (stub / "google" / "colab").mkdir(parents=True)  # a namespace package "google", as on Colab
    (stub / "google" / "colab" / "__init__.py").write_text('"""Stub: the notebook believes it runs on Colab."""\n')
    (stub / "sitecustomize.py").write_text("import google.colab  # noqa: F401\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "RESANDI", "PIP_"))}
    env.update(
        PYTHONPATH=str(stub),
        PIP_FIND_LINKS=str(wheelhouse),
        PIP_NO_INDEX="1",
        RESANDI_PROFILE="ci",
        MPLBACKEND="agg",
        PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
    )
    return {"base": base, "python": python, "env": env}


def _run_chapters(reader, names, folder, env):
    """Run the chapters ``names`` (copied into the empty ``folder``) two at a time; {name: error or None}."""
    import shutil
    from concurrent.futures import ThreadPoolExecutor

    folder.mkdir()
    for name in names:
        shutil.copy(ROOT / "notebooks" / name, folder / name)

    def run(name):
        command = [
            reader["python"],
            "-m",
            "papermill",
            name,
            f"out-{name}",
            "-p",
            "profile",
            "ci",
            "-k",
            KERNEL,
            "--no-progress-bar",
            "--execution-timeout",
            "600",
        ]
        result = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
        return name, None if result.returncode == 0 else result.stderr[-2500:]

    with ThreadPoolExecutor(2) as pool:
        return dict(pool.map(run, names))


def test_every_chapter_runs_from_the_wheel_in_an_empty_folder_with_the_colab_cell(colab_reader):
    names = [p.name for p in NOTEBOOKS]
    folder = colab_reader["base"] / "reader"
    failed = {
        name: error for name, error in _run_chapters(colab_reader, names, folder, colab_reader["env"]).items() if error
    }
    assert not failed, "chapters failed:\n" + "\n\n".join(f"{name}:\n{error}" for name, error in failed.items())
    installed = _run(
        [colab_reader["python"], "-c", "import andi_datasets, captum, resandi_lite; print(resandi_lite.__file__)"],
        env=colab_reader["env"],
        cwd=folder,
    ).stdout
    assert "site-packages" in installed, "the chapters used the installed wheel"
    for name in names:
        cells = json.loads((folder / f"out-{name}").read_text(encoding="utf-8"))["cells"]
        assert not [o for o in cells[0].get("outputs", []) if o.get("name") == "stderr" or o["output_type"] == "error"]
        text = json.dumps([c.get("outputs", []) for c in cells])
        assert "could not be installed" not in text and "skipping the comparison" not in text, name


def test_a_chapter_whose_reference_is_missing_runs_to_the_end_and_says_what_it_skipped(colab_reader):
    blocker = colab_reader["base"] / "blocker"
    for module in ("andi_datasets", "captum"):
        (blocker / module).mkdir(parents=True)
        (blocker / module / "__init__.py").write_text(f'raise ImportError("{module} made to fail by the test")\n')
    env = dict(colab_reader["env"], PYTHONPATH=f"{blocker}{os.pathsep}{colab_reader['env']['PYTHONPATH']}")
    names = [p.name for p in NOTEBOOKS if p.name.startswith(("02_", "08_"))]
    folder = colab_reader["base"] / "without-references"
    failed = {name: error for name, error in _run_chapters(colab_reader, names, folder, env).items() if error}
    assert not failed, f"chapters failed without their optional reference: {failed}"
    for name in names:
        outputs = [
            o.get("text", "")
            for c in json.loads((folder / f"out-{name}").read_text())["cells"]
            for o in c.get("outputs", [])
            if o.get("name") == "stdout"
        ]
        skipped = [line for text in outputs for line in "".join(text).splitlines() if "skipping the comparison" in line]
        assert len(skipped) == 1, f"{name}: one line says what was skipped, got {skipped}"
