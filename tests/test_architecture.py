"""The package's shape: no import cycle (counting imports inside functions), no long function in the core,
and one class registry that everything else reads."""

import ast
import textwrap
from pathlib import Path

import numpy as np
import pytest

import resandi_lite

PACKAGE = Path(resandi_lite.__file__).resolve().parent
MAX_LINES = 60  # lines of code (lines where a statement starts; not the docstring) of one function of the core


def _module_name(path: Path, root: Path, package: str) -> str:
    parts = [package, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Every module of the package -> the package modules it imports anywhere (top level or inside functions).

    ``from . import name`` points at the submodule ``name`` if there is one,
    else at the package itself; ``__import__("...")`` with a constant name
    counts too.  Imports by computed names (``importlib.import_module(f"...")``,
    the package's lazy attributes) are not seen.
    """
    modules = {_module_name(p, root, package): p for p in root.rglob("*.py")}
    graph = {name: set() for name in modules}
    for name, path in modules.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]  # the package of the module
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = here.split(".")
                base = base[: len(base) - node.level + 1] if node.level else []
                stem = ".".join(base + ([node.module] if node.module else []))
                targets = [
                    f"{stem}.{alias.name}" if f"{stem}.{alias.name}" in modules else stem for alias in node.names
                ]
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "__import__"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                targets = [node.args[0].value]
            for target in targets:
                while target and target not in modules and "." in target:  # a name imported from a module
                    target = target.rpartition(".")[0]
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as ``[a, b, ..., a]``, or ``[]``."""
    colour, stack = {}, []

    def visit(node):
        colour[node] = "grey"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if colour.get(nxt) == "grey":
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in colour and (cycle := visit(nxt)):
                return cycle
        colour[node] = "black"
        stack.pop()
        return []

    for start in sorted(graph):
        if start not in colour and (cycle := visit(start)):
            return cycle
    return []


def long_functions(root: Path, limit: int = MAX_LINES, skip: tuple[str, ...] = ("course",)) -> list[str]:
    """``"path:function (n lines)"`` for every function with more than ``limit`` lines of code."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if set(path.relative_to(root).parts) & set(skip):
            continue
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            skipped = set()
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                skipped = set(range(first.lineno, first.end_lineno + 1))
            # lines on which a statement starts: the formatter's one-argument-per-line layout is one line of code
            code = {n.lineno for n in ast.walk(node) if isinstance(n, ast.stmt)} - skipped
            if len(code) > limit:
                found.append(f"{path.relative_to(root)}:{node.name} ({len(code)} lines)")
    return found


def test_no_import_cycle_in_the_package():
    graph = import_graph(PACKAGE, "resandi_lite")
    assert {"resandi_lite.train", "resandi_lite.checkpoint", "resandi_lite.pretrained"} <= set(graph)
    assert "resandi_lite.checkpoint" in graph["resandi_lite.train"] & graph["resandi_lite.pretrained"]
    assert find_cycle(graph) == [], " -> ".join(find_cycle(graph))


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))


def test_a_planted_cycle_inside_functions_is_found(tmp_path):
    _write(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "def f():\n    from .b import g\n    return g\n",
            "b.py": "from .sub.c import h\n\ndef g():\n    return h\n",
            "sub/__init__.py": "",
            "sub/c.py": "def h():\n    from .. import a\n    return a\n",
            "d.py": "import pkg.a\n",
        },
    )
    graph = import_graph(tmp_path, "pkg")
    assert graph["pkg.a"] == {"pkg.b"} and graph["pkg.b"] == {"pkg.sub.c"} and graph["pkg.sub.c"] == {"pkg.a"}
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.sub.c", "pkg.a"]
    (tmp_path / "sub" / "c.py").write_text("def h():\n    return 1\n")
    assert find_cycle(import_graph(tmp_path, "pkg")) == []


def test_no_long_function_in_the_core():
    assert long_functions(PACKAGE) == []


def test_long_functions_counts_code_not_docstrings_or_comments(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES - 1))
    _write(
        tmp_path,
        {
            "ok.py": f'def f():\n    """Doc\n\n    more doc\n    """\n    # comment\n\n{body}\n',
            "long.py": f"def g():\n{body}\n    y = 1\n    z = 2\n",
            "course/skipped.py": f"def h():\n{body}\n    y = 1\n    z = 2\n",
        },
    )
    assert long_functions(tmp_path) == [f"long.py:g ({MAX_LINES + 2} lines)"]  # the def line is code too


def test_every_table_of_classes_follows_the_registry():
    from resandi_lite.model import build_model
    from resandi_lite.simulate import ALPHA_RANGE, CLASSES, N_CLASSES, REGISTRY, SIMULATORS
    from resandi_lite.simulate.classes import _INCREMENTS

    assert CLASSES == tuple(spec.name for spec in REGISTRY) and N_CLASSES == len(REGISTRY)
    assert list(ALPHA_RANGE) == list(SIMULATORS) == list(_INCREMENTS) == list(CLASSES)
    for spec in REGISTRY:
        assert ALPHA_RANGE[spec.name] == spec.alpha_range and SIMULATORS[spec.name] is spec.simulator
        assert _INCREMENTS[spec.name].__module__ == spec.simulator.__module__
    assert build_model("lite").fc.out_features == N_CLASSES


def test_no_literal_class_count_in_the_core():
    """The number of classes is read from the registry: no ``8`` used as a class count in the code."""
    pattern = ("randint(0, 8", "* 8 //", "// 8)", "num_classes: int = 8", "n_classes: int = 8", "range(8)")
    hits = [
        f"{p.relative_to(PACKAGE)}: {line.strip()}"
        for p in PACKAGE.rglob("*.py")
        if "course" not in p.parts
        for line in p.read_text().splitlines()
        if any(s in line for s in pattern)
    ]
    assert hits == []


def test_one_name_per_concept_the_old_names_are_gone():
    """0.1.0 was never released: no alias, no old keyword, no moved module is kept."""
    import importlib

    import resandi_lite as rl
    from resandi_lite.simulate.classes import draw_lengths

    module = importlib.import_module("resandi_lite.simulate")  # resandi_lite.simulate is also the function
    assert not hasattr(module, "MODELS") and not hasattr(rl, "load") and not hasattr(rl, "predict")
    for old in ("exercises", "explore", "student"):
        assert not hasattr(rl, old)
    with pytest.raises(TypeError, match="positional argument"):
        draw_lengths(5, "varying", np.random.default_rng(1))
