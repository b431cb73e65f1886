"""The student edition of the chapter notebooks, generated from the instructor edition.

The chapters in ``notebooks/`` are the instructor edition: each exercise's
solution is a hidden code cell (see :mod:`resandi_lite.course.exercises` for the form).
:func:`student_notebook` turns one chapter into its student edition: every
exercise cell keeps its ``# Exercise k:`` and ``# Hint:`` lines and its check
call, and its solution lines become::

    answer = ...  # your code here
    raise NotImplementedError("Exercise k: <hint>")  # delete this line when `answer` is ready

The cell is shown (tag ``hide-cell`` removed) with its outputs cleared, and the
heading ``### Solutions`` becomes ``### Your answers``. The Markdown's MyST
roles (``{cite}``, ``{doc}``), which Jupyter would show raw, become plain
Markdown (:func:`resandi_lite.course.roles.plain_notebook`). Nothing else changes.

From the command line (``scripts/student-edition`` runs the same)::

    python -m resandi_lite.course.student          # every chapter -> student/ and student/resandi-lite-student.zip
    python -m resandi_lite.course.student --out DIR notebooks/01_random_walks.ipynb

Notebooks are read and written as plain JSON (nbformat 4), so this module
needs nothing beyond the standard library.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .roles import plain_notebook

SOLUTIONS_HEADING = "### Solutions"
STUDENT_HEADING = "### Your answers"
STUDENT_NOTE = ("Each cell below is an exercise. Replace `answer = ...` by your code, delete the "
                "`raise NotImplementedError` line and run the cell: the check on its last line says "
                "whether your answer is right and, if not, gives a hint.")
PLACEHOLDER = "answer = ...  # your code here"
ZIP_NAME = "resandi-lite-student.zip"

CHECK_PREFIX = "rl.course.exercises.check_"
_OLD_CHECK_PREFIX = "rl.exercises.check_"  # before the course subpackage; still accepted for one release
_EXERCISE = re.compile(r"^# Exercise (\d+): (\S.*)$")
_HINT = re.compile(r"^# Hint: (\S.*)$")


@dataclass(frozen=True)
class Exercise:
    """One exercise cell, split into its parts (line numbers count from 0).

    Attributes
    ----------
    number : int
        ``k`` of ``# Exercise k:``.
    statement, hint : str
        The text after ``# Exercise k:`` and after ``# Hint:``.
    solution : list of str
        The solution lines (between the hint and the check call).
    check : list of str
        The check call's lines, the last statement of the cell.
    check_name : str
        The called function's name, ``check_...``.
    """

    number: int
    statement: str
    hint: str
    solution: list
    check: list
    check_name: str


def _source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def is_exercise_cell(cell: dict) -> bool:
    """Whether a notebook cell (a dict of nbformat 4) is an exercise cell: code starting ``# Exercise``."""
    return cell.get("cell_type") == "code" and _source(cell).startswith("# Exercise")


def parse_exercise(source: str) -> Exercise:
    """Split an exercise cell's source into statement, hint, solution lines and check call.

    Raises
    ------
    ValueError
        If the cell does not follow the form: ``# Exercise k: ...``, ``# Hint: ...``,
        solution lines, then ``rl.course.exercises.check_<name>(answer, ...)`` as the last statement.

    Examples
    --------
    >>> parse_exercise("# Exercise 2: Fit.\\n# Hint: Slope.\\nanswer = 1.0\\nrl.course.exercises.check_x(answer)").check_name
    'check_x'
    """
    lines = source.rstrip("\n").split("\n")
    head = _EXERCISE.match(lines[0])
    if head is None:
        raise ValueError(f"an exercise cell starts with '# Exercise k: <statement>', got {lines[0]!r}")
    hint = _HINT.match(lines[1]) if len(lines) > 1 else None
    if hint is None:
        raise ValueError(f"Exercise {head[1]}: the second line must be '# Hint: <hint>', "
                         f"got {lines[1] if len(lines) > 1 else ''!r}")
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise ValueError(f"Exercise {head[1]}: the cell is not valid Python ({error})") from None
    last = tree.body[-1] if tree.body else None
    call = last.value if isinstance(last, ast.Expr) else None
    if not (isinstance(call, ast.Call) and ast.unparse(call.func).startswith((CHECK_PREFIX, _OLD_CHECK_PREFIX))):
        raise ValueError(f"Exercise {head[1]}: the last statement must call {CHECK_PREFIX}<name>(answer, ...)")
    if not (call.args and isinstance(call.args[0], ast.Name) and call.args[0].id == "answer"):
        raise ValueError(f"Exercise {head[1]}: the check's first argument must be `answer`")
    solution = lines[2:last.lineno - 1]
    if not any(line.strip() and not line.lstrip().startswith("#") for line in solution):
        raise ValueError(f"Exercise {head[1]}: no solution lines between the hint and the check")
    return Exercise(number=int(head[1]), statement=head[2], hint=hint[1], solution=solution,
                    check=lines[last.lineno - 1:], check_name=call.func.attr)


def student_source(exercise: Exercise) -> str:
    """The student's version of an exercise cell: placeholder and ``raise`` instead of the solution."""
    message = json.dumps(f"Exercise {exercise.number}: {exercise.hint}")
    return "\n".join([f"# Exercise {exercise.number}: {exercise.statement}", f"# Hint: {exercise.hint}", PLACEHOLDER,
                      f"raise NotImplementedError({message})  # delete this line when `answer` is ready",
                      *exercise.check])


def student_notebook(notebook: dict) -> dict:
    """The student edition of one chapter (a notebook as a dict of nbformat 4); the input is not changed.

    Raises
    ------
    ValueError
        If the notebook has no ``### Solutions`` heading or an exercise cell breaks the form.
    """
    if not isinstance(notebook, dict) or "cells" not in notebook:
        raise TypeError(f"notebook must be a notebook dict (nbformat 4, with 'cells'), got {type(notebook).__name__}")
    student = copy.deepcopy(notebook)
    headings = 0
    for cell in student["cells"]:
        if cell["cell_type"] == "markdown" and SOLUTIONS_HEADING in _source(cell):
            text = _source(cell).replace(SOLUTIONS_HEADING, f"{STUDENT_HEADING}\n\n{STUDENT_NOTE}", 1)
            cell["source"] = text.splitlines(keepends=True)
            headings += 1
        elif is_exercise_cell(cell):
            cell["source"] = student_source(parse_exercise(_source(cell))).splitlines(keepends=True)
            tags = [t for t in cell.get("metadata", {}).get("tags", []) if t != "hide-cell"]
            cell.setdefault("metadata", {})["tags"] = tags
            if not tags:
                del cell["metadata"]["tags"]
            cell["outputs"], cell["execution_count"] = [], None
    if headings != 1:
        raise ValueError(f"a chapter has exactly one {SOLUTIONS_HEADING!r} heading, found {headings}")
    return plain_notebook(student)


def write_edition(paths, out, *, zip_name: str | None = ZIP_NAME) -> list[Path]:
    """Write the student edition of each notebook in ``paths`` to the directory ``out`` (and a zip of them).

    Returns the written notebooks' paths (the zip, if any, is ``out / zip_name``).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in map(Path, paths):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        target = out / path.name
        target.write_text(json.dumps(student_notebook(notebook), indent=1, ensure_ascii=False) + "\n",
                          encoding="utf-8")
        written.append(target)
    if zip_name:
        with zipfile.ZipFile(out / zip_name, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for target in written:
                archive.write(target, f"{Path(zip_name).stem}/{target.name}")
    return written


def main(argv=None) -> None:
    root = Path(__file__).resolve().parents[2]
    parser = argparse.ArgumentParser(prog="python -m resandi_lite.course.student",
                                     description="Generate the student edition of the chapter notebooks.")
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="chapter notebooks (default: every notebooks/NN_*.ipynb of the repository)")
    parser.add_argument("--out", type=Path, default=Path("student"), help="output directory (default: student/)")
    parser.add_argument("--no-zip", action="store_true", help=f"do not write {ZIP_NAME}")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((root / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
    if not paths:
        parser.error("no notebooks given and none found in notebooks/")
    written = write_edition(paths, args.out, zip_name=None if args.no_zip else ZIP_NAME)
    print(f"{len(written)} student notebooks in {args.out}" + ("" if args.no_zip else f", zipped in {args.out / ZIP_NAME}"))


if __name__ == "__main__":
    main()
