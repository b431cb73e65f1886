"""The chapters' code listings: rl.course.show_source, and every listing every chapter shows."""

import ast
import json
from pathlib import Path

import pytest

import resandi_lite as rl
from resandi_lite.course.listing import Listing, resolve, source

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*.ipynb"))


def _listings(path):
    """Every ``rl.course.show_source(...)`` call in the code cells of a notebook, as (obj, start, stop)."""
    found = []
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] != "code" or "show_source" not in text:
            continue
        lines = [line for line in text.splitlines() if not line.lstrip().startswith(("%", "!"))]
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("show_source"):
                assert ast.unparse(node.func) == "rl.course.show_source", (
                    f"{path.name}: call it as rl.course.show_source"
                )
                args = [eval(ast.unparse(a), {"rl": rl}) for a in node.args]
                kwargs = {k.arg: eval(ast.unparse(k.value), {"rl": rl}) for k in node.keywords}
                found.append((path.name, args, kwargs))
    return found


def test_every_listing_of_every_chapter_exists_and_its_markers_are_found():
    listings = [item for path in NOTEBOOKS for item in _listings(path)]
    chapters = {name for name, *_ in listings}
    assert {
        "03_trajectories_to_tensors.ipynb",
        "04_classical_baseline.ipynb",
        "05_network.ipynb",
        "06_training.ipynb",
        "08_gradcam.ipynb",
    } <= chapters, f"the chapters that discuss library code show it; found {sorted(chapters)}"
    for name, args, kwargs in listings:
        text = source(*args, **kwargs)  # raises if the object or a marker is gone
        assert text.strip() and not text.startswith((" ", "\t")), f"{name}: {args} {kwargs}"
        if kwargs.get("start"):
            assert kwargs["start"] in text.splitlines()[0], name
        if kwargs.get("stop"):
            assert kwargs["stop"] in text.splitlines()[-1], name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_chapter_uses_literalinclude(path):
    assert "{literalinclude}" not in path.read_text(encoding="utf-8"), (
        f"{path.name}: a MyST literalinclude shows as raw text in Jupyter and Colab; use rl.course.show_source"
    )


def test_source_cuts_at_the_markers_and_dedents():
    text = source(rl.model.ResAnDi.forward, start="x = self.stem(x)", stop="self.layer4")
    assert text.splitlines() == ["x = self.stem(x)", "x = self.layer4(self.layer3(self.layer2(self.layer1(x))))"]
    assert source("resandi_lite.model.ResAnDi.forward") == source(rl.model.ResAnDi.forward)
    assert resolve("resandi_lite.preprocess.minmax_scale").__name__ == "minmax_scale"  # rl.preprocess is a function


def test_source_names_what_is_missing():
    with pytest.raises(
        ValueError, match="start marker 'no such line' not found in the source of resandi_lite.model.BasicBlock"
    ):
        source(rl.model.BasicBlock, start="no such line")
    with pytest.raises(ValueError, match="stop marker 'zzz' not found"):
        source(rl.model.BasicBlock, stop="zzz")
    with pytest.raises(TypeError, match="start must be a non-empty string"):
        source(rl.model.BasicBlock, start=3)
    with pytest.raises(TypeError, match="with source code"):
        source(len)
    with pytest.raises(ImportError, match="has no NoSuchBlock"):
        source("resandi_lite.model.NoSuchBlock")


def test_plain_in_a_terminal_and_a_python_block_in_jupyter(capsys):
    rl.course.show_source(rl.model.BasicBlock)
    printed = capsys.readouterr().out
    assert printed.startswith("# resandi_lite.model.BasicBlock\nclass BasicBlock") and "```" not in printed
    markdown = Listing(source(rl.model.BasicBlock), "resandi_lite.model.BasicBlock")._repr_markdown_()
    assert markdown.startswith("```python\n# resandi_lite.model.BasicBlock\nclass BasicBlock") and markdown.endswith(
        "```\n"
    )
