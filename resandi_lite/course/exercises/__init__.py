"""Automatic checks for the chapters' exercises, and the convention the chapters follow.

Each chapter ends with numbered exercises. Each exercise has one *check*, a
function ``check_<what it checks>(answer, <context>)`` that computes the right
answer on its own (from the context the chapter passes in, e.g. the dataset or
the model, or from first principles), compares it with the student's
``answer`` within a tolerance justified in its docstring, prints one line and
returns ``True`` or ``False``::

    Correct: <what the right answer means>
    Not yet: <a hint, never the answer itself>

An answer of the wrong kind (a string where a number is expected, an array of
the wrong shape, a letter outside the choices, the placeholder ``...``) raises
``TypeError`` or ``ValueError`` saying what was expected and what was received.

Layout (why a package, not one file: a dozen chapters' checks would make one
module too long to read and one file that every chapter author edits)
-------------------------------------------------------------------------
* ``resandi_lite/course/exercises/__init__.py`` -- this convention and the lookup:
  ``rl.course.exercises.check_<name>`` finds the check in whichever chapter module
  defines it, so notebooks never import chapter modules directly;
* ``resandi_lite/course/exercises/answers.py`` -- shared helpers: ``verdict``
  (print and return), ``as_number``, ``as_numbers``, ``as_choice``,
  ``as_integer``; use them so that every check reacts to bad input alike;
* ``resandi_lite/course/exercises/chNN.py`` -- the checks of chapter NN (``ch01.py``
  ... ``ch12.py``), one function per exercise, in exercise order. Check names
  are unique across chapters (a test asserts it).

The chapter notebook (instructor edition, the only one in git)
-------------------------------------------------------------
* ``## Exercises`` is a numbered list. Every item says what ``answer`` must
  hold, ending with e.g. "**Answer:** a float, the median exponent." or
  "**Answer:** a letter." Discussion questions become checkable: a multiple
  choice among lettered options (a), (b), ... written in the item, or a number.
* ``### Solutions`` is followed by one code cell per exercise, tagged
  ``hide-cell``, in order, and nothing else but these cells::

      # Exercise k: <the statement in one line>
      # Hint: <one line shown to students; also printed when they ask for it>
      <solution lines, any code and comments, that end with `answer` set>
      rl.course.exercises.check_<name>(answer, <context>)

  - line 1 starts ``# Exercise k:`` and line 2 ``# Hint:``, one line each;
  - the last statement is the check call (it may span lines); its arguments
    other than ``answer`` are literals or names defined in the chapter *before*
    ``### Solutions`` (e.g. ``ds``, ``model``, ``seed``), never names made in
    the solution lines: the student edition deletes those lines;
  - no other cell calls a check, and every check an exercise cell calls exists;
  - the committed outputs (book profile) print ``Correct:`` in every exercise
    cell, and so must a run in the ci profile: tolerances follow from the
    sample sizes the context carries, not from the book profile's sizes.

Classroom assignments and the student edition (generated, never edited by hand)
-------------------------------------------------------------------------------
``scripts/classroom [--out DIR]`` (``python -m resandi_lite.course classroom``)
writes the chapters as an nbgrader source course (:mod:`resandi_lite.course.classroom`):
each exercise cell becomes a read-only statement and hint, an answer cell with
the solution lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, and
a read-only autograder test cell worth stated points that fails by raising::

      with rl.course.exercises.stderr_to_stdout():  # a warning must not cost the points
          assert rl.course.exercises.check_<name>(answer, <context>), "..."

nbgrader scores a test cell 0 if it writes to stderr, hence
:func:`stderr_to_stdout`. A check whose answer can be found by trying a few
values (a letter, a class name, a small count) runs as a hidden test; the
release checks only the answer's form. ``nbgrader generate_assignment`` makes
the release, where each answer cell holds::

      answer = ...  # your code here
      raise NotImplementedError("write your answer in this cell (...), then delete this line")

``scripts/student-edition [--out DIR]`` (``python -m resandi_lite.course student``)
writes the same release, every check visible, to ``student/`` (gitignored) and
zips it: the student edition for self-study. A student notebook therefore runs
to its first exercise and stops there.

Tests (``tests/test_exercises.py``, ``tests/test_student_edition.py``, ``tests/test_classroom.py``)
-----------------------------------------------------------------------------------------------
Every check accepts the right answer and rejects a wrong one with a hint and
a wrong kind of answer with TypeError/ValueError (each chapter adds its cases:
a function ``_chNN`` listed in ``CHAPTERS`` in ``tests/test_exercises.py``);
every exercise cell of every chapter follows the form above; the release
contains no solution line and no hidden test; a student notebook runs in the
ci profile up to its first exercise and stops with ``NotImplementedError``,
after which the instructor's answer and check cells, run in the same kernel,
all pass without writing to stderr; a whole assignment cycle on two chapters
grades planted submissions to the expected gradebook.
"""

from __future__ import annotations

import importlib
import pkgutil

from .answers import stderr_to_stdout

__all__ = ["checks", "stderr_to_stdout"]


def _chapter_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("ch"))


def checks() -> dict:
    """Every check of every chapter: ``{name: function}``, in chapter order.

    >>> all(name.startswith("check_") for name in checks())
    True
    """
    found = {}
    for chapter in _chapter_modules():
        module = importlib.import_module(f".{chapter}", __name__)
        for name in dir(module):
            if name.startswith("check_") and callable(getattr(module, name)):
                if name in found:
                    raise RuntimeError(f"{name} is defined in two chapter modules ({chapter} and another)")
                found[name] = getattr(module, name)
    return found


def __getattr__(name):
    if name.startswith("check_"):
        for chapter in _chapter_modules():
            module = importlib.import_module(f".{chapter}", __name__)
            if hasattr(module, name):
                return getattr(module, name)
    raise AttributeError(
        f"module 'resandi_lite.course.exercises' has no attribute {name!r}"
        + ("; the checks are listed by rl.course.exercises.checks()" if name.startswith("check_") else "")
    )


def __dir__():
    return sorted(
        set(globals())
        | {
            name
            for m in _chapter_modules()
            for name in dir(importlib.import_module(f".{m}", __name__))
            if name.startswith("check_")
        }
    )
