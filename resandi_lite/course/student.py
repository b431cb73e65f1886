"""The student edition of the chapter notebooks: nbgrader's release of the chapters, for self-study.

The chapters in ``notebooks/`` are the instructor edition. The student
edition is made by the same mechanism as a classroom assignment
(:mod:`resandi_lite.course.classroom`): the chapters become an nbgrader
source course and ``nbgrader generate_assignment`` writes its release. Every
exercise then has a read-only statement and hint, an answer cell holding::

    answer = ...  # your code here
    raise NotImplementedError("write your answer in this cell (...), then delete this line")

and its read-only check, which raises if the answer is not right yet and
prints a hint. Unlike a graded assignment, every check is visible (no hidden
tests): a self-study student can check a multiple choice too. The chapter's
outputs are kept, the heading ``### Solutions`` becomes ``### Your answers``. The Markdown's MyST
roles (``{cite}``, ``{doc}``), which Jupyter would show raw, become plain
Markdown (:func:`resandi_lite.course.roles.plain_notebook`, applied to the source course).

From the command line (``scripts/student-edition`` runs the same; nbgrader must be
installed: ``pip install resandi-lite[classroom]``)::

    python -m resandi_lite.course student          # every chapter -> student/ and student/resandi-lite-student.zip
    python -m resandi_lite.course student --out DIR notebooks/01_random_walks.ipynb

The parser of the exercise cells moved to :mod:`resandi_lite.course.cells`;
its names are still importable from here.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import zipfile
from pathlib import Path

from . import classroom
from .cells import CHECK_PREFIX, SOLUTIONS_HEADING, Exercise, is_exercise_cell, parse_exercise

__all__ = [
    "CHECK_PREFIX",
    "SOLUTIONS_HEADING",
    "ZIP_NAME",
    "Exercise",
    "is_exercise_cell",
    "parse_exercise",
    "write_edition",
    "main",
]

ZIP_NAME = "resandi-lite-student.zip"
_ASSIGNMENT = "student"


def write_edition(paths, out, *, zip_name: str | None = ZIP_NAME) -> list[Path]:
    """Write the student edition of each notebook in ``paths`` to the directory ``out`` (and a zip of them).

    The edition is nbgrader's release of a course made of these chapters (all checks visible), built in a
    temporary directory. Returns the written notebooks' paths (the zip, if any, is ``out / zip_name``).

    Raises
    ------
    RuntimeError
        If nbgrader is not installed or fails.
    """
    paths = [Path(p) for p in paths]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="resandi-student-") as course:
        classroom.write_course(paths, course, assignment=_ASSIGNMENT, hidden=False)
        classroom.nbgrader(course, "generate_assignment", _ASSIGNMENT, "--force")
        release = Path(course) / "release" / _ASSIGNMENT
        written = [Path(shutil.copyfile(release / path.name, out / path.name)) for path in paths]
    if zip_name:
        with zipfile.ZipFile(out / zip_name, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for target in written:
                archive.write(target, f"{Path(zip_name).stem}/{target.name}")
    return written


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m resandi_lite.course student",
        description="Write the student edition of the chapter notebooks (made by nbgrader).",
    )
    parser.add_argument(
        "notebooks",
        nargs="*",
        type=Path,
        help="chapter notebooks (default: every notebooks/NN_*.ipynb of the repository)",
    )
    parser.add_argument("--out", type=Path, default=Path("student"), help="output directory (default: student/)")
    parser.add_argument("--no-zip", action="store_true", help=f"do not write {ZIP_NAME}")
    args = parser.parse_args(argv)
    paths = args.notebooks or classroom.chapters()
    if not paths:
        parser.error("no notebooks given and none found in notebooks/")
    written = write_edition(paths, args.out, zip_name=None if args.no_zip else ZIP_NAME)
    print(
        f"{len(written)} student notebooks in {args.out}"
        + ("" if args.no_zip else f", zipped in {args.out / ZIP_NAME}")
    )


if __name__ == "__main__":
    main()
