"""The chapter notebooks: in the table of contents, parameterised, clean, and shaped like a chapter.

Running them is nbval's job (every notebook is collected by the test command
with ``--nbval-lax`` in the ``ci`` profile); this file checks their form.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _cells(path):
    return json.loads(path.read_text())["cells"]


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def test_toc_and_notebooks_agree(toc_pages):
    listed = {f for f in toc_pages if f.startswith("notebooks/")}
    present = {f"notebooks/{p.stem}" for p in NOTEBOOKS}
    assert listed == present, f"in _toc.yml only: {listed - present}; in notebooks/ only: {present - listed}"
    assert {"notebooks/01_random_walks", "notebooks/06_training"} <= present  # the glob found the chapters


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_form(path):
    cells = _cells(path)
    first = cells[0]
    assert "remove-cell" in first["metadata"].get("tags", []) and "google.colab" in _source(first), (
        "the first cell installs the package on Colab only, hidden in the book"
    )
    assert "pip" in _source(first) and "resandi-lite==" in _source(first), (
        "a released version, pinned (tests/test_colab.py)"
    )
    parameters = [c for c in cells if "parameters" in c["metadata"].get("tags", [])]
    assert len(parameters) == 1, "exactly one papermill parameters cell"
    assert re.search(r"^profile = None", _source(parameters[0]), re.M), "the parameters cell sets profile = None"
    code = "\n".join(_source(c) for c in cells if c["cell_type"] == "code")
    assert "rl.course.profile(profile)" in code, "sizes come from the profile"
    markdown = "\n".join(_source(c) for c in cells if c["cell_type"] == "markdown")
    assert _source(cells[1]).startswith("# "), "the second cell holds the title"
    assert "After this chapter you can" in markdown
    for heading in ("## Summary", "## Exercises", "### Solutions"):
        assert heading in markdown, f"missing {heading!r}"
    solutions = [c for c in cells if "hide-cell" in c["metadata"].get("tags", [])]
    assert solutions, "solutions are code cells hidden in the book (tag hide-cell)"
    assert "papermill" in markdown, "the chapter says how to run it at paper scale"
    assert "NBVAL_CHECK_OUTPUT" in code, "at least one cell's output is checked by nbval"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_is_clean(path):
    text = path.read_text()
    for local in ("/work/", "/root/", "/home/", "/tmp/", "C:\\\\"):
        assert local not in text, f"absolute local path {local!r} in {path.name}"
    for cell in _cells(path):
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", f"an error output is committed in {path.name}"
            if output["output_type"] == "stream":
                assert output["name"] != "stderr" or "Warning" not in "".join(output["text"]), (
                    f"a warning is committed in {path.name}: {''.join(output['text'])[:200]}"
                )
