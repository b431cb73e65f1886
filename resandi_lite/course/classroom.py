"""Classroom assignments: the chapters as an nbgrader course (hand out, collect, grade).

:func:`write_course` turns chapter notebooks into an `nbgrader
<https://nbgrader.readthedocs.io>`_ *source* course. In each chapter every
exercise cell (see :mod:`resandi_lite.course.exercises` for their form)
becomes three cells:

* its statement and hint, a read-only Markdown cell;
* the answer, a solution cell whose solution lines sit between
  ``### BEGIN SOLUTION`` and ``### END SOLUTION``;
* its check, a read-only autograder test cell worth :attr:`Scoring.points`,
  which fails by raising: ``assert rl.course.exercises.check_x(answer, ...)``
  inside :func:`~resandi_lite.course.exercises.stderr_to_stdout`, so that a
  warning written to stderr (which nbgrader scores as a failure) cannot cost a
  right answer its points.

Every other cell of the chapter (text, code, the Colab cell 0) is read-only
(nbgrader *locked*): autograding puts back the chapter's code if a student
changed it, so the checks always see the chapter's own context. The heading
``### Solutions`` becomes ``### Your answers`` with a note for the student.

Answers that can be found by trying a handful of values (a letter of a
multiple choice, a class name, a small count) get a *hidden* test: the
release checks only the answer's form, and the check itself runs when the
instructor grades (:func:`scoring`). Multiple choice is worth less.

``nbgrader generate_assignment`` then makes the release (the student
edition): solutions replaced by ``answer = ...`` and a ``raise
NotImplementedError``, hidden tests removed, outputs of the chapter kept.

From the command line (``scripts/classroom`` runs the same)::

    python -m resandi_lite.course classroom --out course          # every chapter, one assignment each (ch01 ...)
    python -m resandi_lite.course classroom --out course --assignment hw1 notebooks/01_random_walks.ipynb notebooks/02_mechanisms.ipynb

The course's ``nbgrader_config.py`` makes grading use the ``ci`` profile's
sizes (seconds per chapter) unless ``RESANDI_PROFILE`` says otherwise; see
``book/instructors.md`` for the whole cycle. nbgrader is needed only to make
the release and to grade (``pip install resandi-lite[classroom]``), not to
write the source.
"""

from __future__ import annotations

import argparse
import ast
import copy
import inspect
import json
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from .cells import SOLUTIONS_HEADING, Exercise, is_exercise_cell, parse_exercise
from .roles import plain_notebook

STUDENT_HEADING = "### Your answers"
STUDENT_NOTE = (
    "Each exercise below has three cells: its statement and hint, **your answer** and its **check**. "
    "In the answer cell replace `answer = ...` by your code, delete the `raise NotImplementedError` line "
    "and run the cell, then run the check: it raises an error if the answer is not right yet, and prints a hint. "
    "The other cells are read-only."
)
GRADED_NOTE = (
    "Write your code with the chapter's names (`T`, `n`, `seed`, `ds`, ...), not with the numbers they hold "
    "in your run: a graded notebook is run again, with smaller sizes (the `ci` profile)."
)
HIDDEN_NOTE = (
    "Some checks (a letter, a class name, a small count) look only at the form of your answer here; "
    "they are graded after you hand the notebook in."
)
CODE_STUB = (
    "answer = ...  # your code here\n"
    'raise NotImplementedError("write your answer in this cell (the exercise and its hint are above), '
    'then delete this line")'
)
CONFIG_NAME = "nbgrader_config.py"
SCHEMA_VERSION = 3
POINTS = {"computed": 2, "class": 2, "count": 2, "choice": 1}
# Counts a student could find by trying a few values (checks reading an integer with as_integer):
SMALL_COUNTS = {
    "check_block1_groups": "a number of groups between 1 and 8",
    "check_sign_agreements": "a count among the paper's few Pearson correlations",
}
_FORMS = {
    "class": "rl.course.exercises.answers.as_class_names(answer)",
    "count": "rl.course.exercises.answers.as_integer(answer)",
}


@dataclass(frozen=True)
class Scoring:
    """How one exercise is graded.

    Attributes
    ----------
    kind : str
        ``"computed"`` (a number, an array, a set, a command: the check recomputes it),
        ``"choice"`` (a letter of a multiple choice), ``"class"`` (one class name or a few),
        ``"count"`` (a small integer found by trying a few values, :data:`SMALL_COUNTS`).
    points : int
        :data:`POINTS` of the kind.
    hidden : bool
        Whether the check runs only at grading (a hidden test), the release checking the answer's form only.
    form : str or None
        For a hidden test, the visible line that checks the answer's form.
    """

    kind: str
    points: int
    hidden: bool
    form: str | None = None


def scoring(check_name: str) -> Scoring:
    """How the exercise checked by ``check_name`` is graded, read from the check's source.

    >>> scoring("check_sbm_attm_statistic")
    Scoring(kind='choice', points=1, hidden=True, form='rl.course.exercises.answers.as_choice(answer, "abcd")')
    >>> scoring("check_exponent_scatter").points
    2
    """
    from . import exercises

    checks = exercises.checks()
    if check_name not in checks:
        raise ValueError(f"check_name must name a check of rl.course.exercises, got {check_name!r}")
    source = inspect.getsource(checks[check_name])
    choice = re.search(r'as_choice\(answer, "([a-z]+)"\)', source)
    if choice:
        form = f'rl.course.exercises.answers.as_choice(answer, "{choice[1]}")'
        return Scoring("choice", POINTS["choice"], True, form)
    if "_class_name(" in source or "answer not in CLASSES" in source:
        return Scoring("class", POINTS["class"], True, _FORMS["class"])
    if check_name in SMALL_COUNTS:
        return Scoring("count", POINTS["count"], True, _FORMS["count"])
    return Scoring("computed", POINTS["computed"], False)


def _nbgrader(grade_id: str, *, grade=False, solution=False, locked=False, points=None) -> dict:
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": SCHEMA_VERSION,
        "solution": solution,
        "task": False,
    }
    if grade:
        meta["points"] = points
    return meta


def _markdown_text(text: str) -> str:
    """Plain text (a statement or hint written as a code comment) that Markdown shows as written."""
    return re.sub(r"([\\`*_\[\]<>$|])", r"\\\1", text)


def _points(n: int) -> str:
    return f"{n} point{'s' if n != 1 else ''}"


def _call_text(lines) -> str:
    """The check call of an exercise's last lines, without a comment that may follow it."""
    text = "\n".join(lines).strip()
    return ast.get_source_segment(text, ast.parse(text).body[0].value)


def exercise_cells(exercise: Exercise, grading: Scoring, *, hidden: bool = True) -> list[dict]:
    """The three cells of one exercise: statement and hint (locked), answer (solution), check (test, points).

    With ``hidden=False`` every check is visible, whatever ``grading.hidden`` says (a self-study edition).
    """
    k = exercise.number
    if not hidden and grading.hidden:
        grading = Scoring(grading.kind, grading.points, False)
    what = {"choice": ", multiple choice", "class": "", "count": "", "computed": ""}[grading.kind]
    graded_later = (
        " Its check here looks at the form of the answer only; it is graded after you hand it in."
        if grading.hidden
        else ""
    )
    statement = (
        f"**Exercise {k}** ({_points(grading.points)}{what}). {_markdown_text(exercise.statement)}"
        f"{graded_later}\n\n*Hint:* {_markdown_text(exercise.hint)}"
    )
    answer = "\n".join(
        [
            f"# Exercise {k}: your answer; end with `answer` set (the hint is above).",
            "### BEGIN SOLUTION",
            *exercise.solution,
            "### END SOLUTION",
        ]
    )
    call = textwrap.indent(_call_text(exercise.check), "    ").lstrip()
    check = f'    assert {call}, "Exercise {k}: not right yet (the check printed a hint)"'
    if grading.hidden:
        lines = [
            f"# Check of exercise {k} ({_points(grading.points)}): here the form of the answer only; "
            "whether it is right is graded after you hand it in.",
            "with rl.course.exercises.stderr_to_stdout():  # a warning must not cost the points",
            f"    {grading.form}",
            "### BEGIN HIDDEN TESTS",
            check,
            "### END HIDDEN TESTS",
        ]
    else:
        lines = [
            f"# Check of exercise {k} ({_points(grading.points)}): raises if the answer is not right yet.",
            "with rl.course.exercises.stderr_to_stdout():  # a warning must not cost the points",
            check,
        ]
    ids = [f"ex{k}-statement", f"ex{k}-answer", f"ex{k}-check"]
    return [
        {
            "cell_type": "markdown",
            "id": ids[0],
            "metadata": {"nbgrader": _nbgrader(ids[0], locked=True)},
            "source": statement,
        },
        {
            "cell_type": "code",
            "id": ids[1],
            "execution_count": None,
            "metadata": {"nbgrader": _nbgrader(ids[1], solution=True)},
            "outputs": [],
            "source": answer,
        },
        {
            "cell_type": "code",
            "id": ids[2],
            "execution_count": None,
            "metadata": {"nbgrader": _nbgrader(ids[2], grade=True, locked=True, points=grading.points)},
            "outputs": [],
            "source": "\n".join(lines),
        },
    ]


def _source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def source_notebook(notebook: dict, *, hidden: bool = True) -> dict:
    """The nbgrader source version of one chapter (a notebook as a dict of nbformat 4); the input is not changed.

    ``hidden=False`` makes every check visible (no hidden tests), for a self-study student edition.

    Raises
    ------
    TypeError
        If ``notebook`` is not a notebook dict.
    ValueError
        If the notebook has no ``### Solutions`` heading or an exercise cell breaks the form.
    """
    if not isinstance(notebook, dict) or "cells" not in notebook:
        raise TypeError(f"notebook must be a notebook dict (nbformat 4, with 'cells'), got {type(notebook).__name__}")
    source = copy.deepcopy(notebook)
    cells, headings = [], 0
    for index, cell in enumerate(source["cells"]):
        if is_exercise_cell(cell):
            exercise = parse_exercise(_source(cell))
            cells += exercise_cells(exercise, scoring(exercise.check_name), hidden=hidden)
            continue
        if cell["cell_type"] == "markdown" and SOLUTIONS_HEADING in _source(cell):
            note = "\n\n".join([STUDENT_NOTE, GRADED_NOTE] + ([HIDDEN_NOTE] if hidden else []))
            cell["source"] = _source(cell).replace(SOLUTIONS_HEADING, f"{STUDENT_HEADING}\n\n{note}", 1)
            headings += 1
        cell.setdefault("metadata", {})["nbgrader"] = _nbgrader(f"chapter-{index:02d}", locked=True)
        cells.append(cell)
    if headings != 1:
        raise ValueError(f"a chapter has exactly one {SOLUTIONS_HEADING!r} heading, found {headings}")
    source["cells"] = cells
    return source


def assignment_name(path) -> str:
    """The default assignment of a chapter: ``ch`` and its number (``notebooks/09b_ground_truth.ipynb`` -> ``ch09b``).

    >>> assignment_name("notebooks/01_random_walks.ipynb")
    'ch01'
    """
    match = re.match(r"(\d+[a-z]?)_", Path(path).name)
    if match is None:
        raise ValueError(f"path must be a chapter notebook named NN_title.ipynb, got {str(path)!r}")
    return f"ch{match[1]}"


def config_text() -> str:
    """The ``nbgrader_config.py`` of a course written by :func:`write_course`."""
    return textwrap.dedent(f"""\
        # nbgrader configuration of a resandi-lite classroom course (written by
        # `python -m resandi_lite.course classroom`; edit freely, it is not overwritten).
        # Run every nbgrader command from this directory.
        import os

        from nbgrader.preprocessors import (CheckCellMetadata, ClearHiddenTests, ClearMarkScheme, ClearSolutions,
                                            ComputeChecksums, IncludeHeaderFooter, InstantiateTests, LockCells,
                                            SaveCells)

        c = get_config()  # noqa: F821 (given by nbgrader)
        c.CourseDirectory.course_id = "resandi-lite"

        # Grade with the ci profile's sizes (seconds per chapter) unless RESANDI_PROFILE is set: the kernels that
        # autograde and validate run inherit this variable. RESANDI_PROFILE=book grades at the book's sizes
        # (minutes per chapter).
        os.environ.setdefault("RESANDI_PROFILE", "ci")

        # The student edition keeps the chapter's outputs (figures, tables), as the book shows them: the
        # default preprocessors without ClearOutput. The answer and check cells have no outputs in the source.
        c.GenerateAssignment.preprocessors = [
            IncludeHeaderFooter, InstantiateTests, LockCells, ClearSolutions, CheckCellMetadata, ComputeChecksums,
            SaveCells, ClearHiddenTests, ClearMarkScheme, ComputeChecksums, CheckCellMetadata]

        # What replaces each solution in the student edition.
        c.ClearSolutions.code_stub = {{"python": {CODE_STUB!r}}}

        # Seconds one cell may run when grading before it is interrupted (an endless loop in an answer costs this
        # much); the slowest cell of a chapter in the ci profile takes a few seconds.
        c.Execute.timeout = 120
        # Seconds to wait for a cell's last outputs after it finished (nbgrader fails the notebook after 4 by
        # default, which a busy machine can exceed).
        c.Execute.iopub_timeout = 60
        """)


def write_course(paths, out, *, assignment: str | None = None, hidden: bool = True) -> dict:
    """Write the nbgrader source course of the chapter notebooks ``paths`` into the directory ``out``.

    Each chapter becomes ``out/source/<assignment>/<chapter>.ipynb``: one assignment per chapter named by
    :func:`assignment_name`, or all of them in the one ``assignment`` given. ``out/nbgrader_config.py``
    is written if it does not exist yet. ``hidden=False`` makes every check visible (:func:`source_notebook`).
    Returns ``{assignment: [written notebooks]}``.
    """
    paths = [Path(p) for p in paths]
    if not paths:
        raise ValueError("paths must name at least one chapter notebook")
    if assignment is not None and not re.fullmatch(r"[A-Za-z0-9_-]+", assignment):
        raise ValueError(f"assignment must be a name of letters, digits, - and _, got {assignment!r}")
    out = Path(out)
    written: dict = {}
    for path in paths:
        name = assignment or assignment_name(path)
        notebook = source_notebook(
            plain_notebook(json.loads(path.read_text(encoding="utf-8")), source=f"notebooks/{path.name}"), hidden=hidden
        )
        target = out / "source" / name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.setdefault(name, []).append(target)
    config = out / CONFIG_NAME
    if not config.exists():
        config.write_text(config_text(), encoding="utf-8")
    return written


def nbgrader(course, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``nbgrader <args>`` in the course directory ``course`` with this Python; output captured as text.

    Raises
    ------
    RuntimeError
        If ``check`` and nbgrader exits with an error (its log's end is in the message).
    """
    # nbgrader runs `alembic` (its database migrations) from PATH: put this Python's scripts first
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=course, capture_output=True, text=True, env=env
    )
    if check and result.returncode != 0:
        log = (result.stdout + result.stderr)[-3000:]
        if "No module named nbgrader" in log:
            raise RuntimeError("nbgrader is not installed: pip install 'resandi-lite[classroom]'")
        raise RuntimeError(f"nbgrader {' '.join(args)} failed in {course}:\n{log}")
    return result


def points_table(paths) -> list[tuple]:
    """``(chapter, exercise, check name, kind, points, hidden)`` for every exercise of the chapters ``paths``."""
    rows = []
    for path in map(Path, paths):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if is_exercise_cell(cell):
                exercise = parse_exercise(_source(cell))
                grading = scoring(exercise.check_name)
                rows.append(
                    (
                        assignment_name(path)[2:],
                        exercise.number,
                        exercise.check_name,
                        grading.kind,
                        grading.points,
                        grading.hidden,
                    )
                )
    return rows


def points_markdown(paths) -> str:
    """The Markdown table of the exercises' points of the chapters ``paths`` (as ``book/instructors.md`` shows it)."""
    rows = points_table(paths)
    width = max(row[1] for row in rows)
    lines = [
        "| chapter | total | " + " | ".join(f"ex. {k}" for k in range(1, width + 1)) + " |",
        "|---" * (width + 2) + "|",
    ]
    for chapter in dict.fromkeys(row[0] for row in rows):
        mine = [row for row in rows if row[0] == chapter]
        cells = [f"{row[4]}" + ("" if row[3] == "computed" else f" ({row[3]}, hidden)") for row in mine]
        cells += [""] * (width - len(cells))
        lines.append(f"| {chapter.lstrip('0')} | {sum(row[4] for row in mine)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def chapters(root=None) -> list[Path]:
    """Every chapter notebook of the repository, in reading order (``notebooks/NN_*.ipynb``, 09b after 09)."""
    root = Path(__file__).resolve().parents[2] if root is None else Path(root)
    return sorted((root / "notebooks").glob("[0-9][0-9]*_*.ipynb"))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m resandi_lite.course classroom",
        description="Write the nbgrader source course of the chapters (solutions, autograded checks with points, "
        "read-only text); then run nbgrader's commands in it (book/instructors.md).",
    )
    parser.add_argument(
        "notebooks",
        nargs="*",
        type=Path,
        help="chapter notebooks (default: every notebooks/NN_*.ipynb of the repository)",
    )
    parser.add_argument("--out", type=Path, default=Path("classroom"), help="course directory (default: classroom/)")
    parser.add_argument(
        "--assignment",
        help="put every chapter given into this one assignment (default: one assignment per chapter, ch01, ch02, ...)",
    )
    parser.add_argument(
        "--release",
        action="store_true",
        help="also run `nbgrader generate_assignment` for each assignment (the student edition)",
    )
    args = parser.parse_args(argv)
    paths = args.notebooks or chapters()
    if not paths:
        parser.error("no notebooks given and none found in notebooks/")
    try:
        written = write_course(paths, args.out, assignment=args.assignment)
    except ValueError as error:
        parser.error(str(error))
    total = {name: 0 for name in written}
    for path in paths:
        name = args.assignment or assignment_name(path)
        total[name] += sum(row[4] for row in points_table([path]))
    for name, notebooks in written.items():
        print(f"{args.out / 'source' / name}: {', '.join(p.name for p in notebooks)} ({total[name]} points)")
        if args.release:
            nbgrader(args.out, "generate_assignment", name, "--force")
            print(f"  student edition in {args.out / 'release' / name}")
    print(
        f"next, in {args.out}: nbgrader generate_assignment <name>, collect submissions into "
        "submitted/<student>/<name>/, nbgrader autograde <name>, nbgrader generate_feedback <name>, "
        "nbgrader export (book/instructors.md)"
    )


if __name__ == "__main__":
    main()
