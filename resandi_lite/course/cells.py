"""The exercise cells of the chapters: their form, and a parser that splits one into its parts.

The form is set out in :mod:`resandi_lite.course.exercises`: under the heading
``### Solutions`` each exercise is one code cell ::

    # Exercise k: <the statement in one line>
    # Hint: <one line>
    <solution lines>
    rl.course.exercises.check_<name>(answer, <context>)

:func:`parse_exercise` splits such a cell; :mod:`resandi_lite.course.classroom`
builds the graded course and the student edition from the parts. Notebooks are
plain dicts of nbformat 4, so this module needs nothing beyond the standard library.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

SOLUTIONS_HEADING = "### Solutions"
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
        raise ValueError(
            f"Exercise {head[1]}: the second line must be '# Hint: <hint>', got {lines[1] if len(lines) > 1 else ''!r}"
        )
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
    solution = lines[2 : last.lineno - 1]
    if not any(line.strip() and not line.lstrip().startswith("#") for line in solution):
        raise ValueError(f"Exercise {head[1]}: no solution lines between the hint and the check")
    return Exercise(
        number=int(head[1]),
        statement=head[2],
        hint=hint[1],
        solution=solution,
        check=lines[last.lineno - 1 :],
        check_name=call.func.attr,
    )
