"""The student edition: nbgrader's release of the chapters, which runs up to its first exercise.

The exercise cells of every chapter follow the form the generator reads. A
student notebook (the release) is executed in the ci profile: it runs the
whole chapter, stops at exercise 1 with NotImplementedError, and then the
instructor's answers and the graded checks (hidden tests included), run in
the same kernel, all pass without writing to stderr, which nbgrader would
score 0 (so every chapter grades full marks in the ci profile). The release's
structure and that it leaks no solution are tested in ``tests/test_classroom.py``.
"""

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from resandi_lite.course import classroom, student
from resandi_lite.course.cells import is_exercise_cell, parse_exercise

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))  # 01_... to 12_..., with 09b_...
EXAMPLE = """# Exercise 3: Fit the exponent.
# Hint: use msd.fit_exponent.
# (a comment of the solution)
slope = 2.0
answer = slope / 2
rl.course.exercises.check_something(answer,
                             ds)"""


def test_the_chapter_glob_finds_every_chapter_including_9b():
    stems = [p.stem for p in NOTEBOOKS]
    assert {"01_random_walks", "09_erasure", "09b_ground_truth", "12_reproduction"} <= set(stems)
    assert stems.index("09_erasure") + 1 == stems.index("09b_ground_truth")  # in reading order
    assert classroom.chapters() == NOTEBOOKS


def test_an_exercise_cell_splits_into_statement_hint_solution_and_check():
    exercise = parse_exercise(EXAMPLE)
    assert (exercise.number, exercise.statement, exercise.hint) == (3, "Fit the exponent.", "use msd.fit_exponent.")
    assert exercise.solution == ["# (a comment of the solution)", "slope = 2.0", "answer = slope / 2"]
    assert exercise.check == ["rl.course.exercises.check_something(answer,", "                             ds)"]
    assert exercise.check_name == "check_something"
    assert student.parse_exercise is parse_exercise, "the old import place still works"


@pytest.mark.parametrize(
    "broken, message",
    [
        (EXAMPLE.replace("# Hint: use", "# use"), "second line"),
        (EXAMPLE.replace("# Exercise 3:", "# Exercise three:"), "starts with"),
        (EXAMPLE.replace("rl.course.exercises.check_something(answer,", "print(answer,"), "last statement"),
        (EXAMPLE.replace("check_something(answer,", "check_something(slope,"), "first argument"),
        ("# Exercise 1: x\n# Hint: y\nrl.course.exercises.check_x(answer)", "no solution lines"),
    ],
)
def test_broken_exercise_cells_are_refused(broken, message):
    with pytest.raises(ValueError, match=message):
        parse_exercise(broken)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_chapter_has_exercises_in_the_form(path):
    cells = json.loads(path.read_text())["cells"]
    exercises = [parse_exercise("".join(c["source"])) for c in cells if is_exercise_cell(c)]
    assert len(exercises) >= 3 and [e.number for e in exercises] == list(range(1, len(exercises) + 1))


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    """The student edition of every chapter (one nbgrader run)."""
    out = tmp_path_factory.mktemp("student")
    student.write_edition(NOTEBOOKS, out, zip_name=None)
    return out


def test_student_edition_shows_no_raw_myst_role(edition):
    from resandi_lite.course.roles import raw_roles

    for path in NOTEBOOKS:
        assert raw_roles(json.loads((edition / path.name).read_text())) == [], (
            f"{path.name}: Jupyter would show these raw"
        )


def _solution(cell):
    return "\n".join(
        line for line in cell.source.split("\n") if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line
    )


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_notebook_stops_at_first_exercise_then_solutions_pass(path, edition, monkeypatch):
    monkeypatch.setenv("RESANDI_PROFILE", "ci")
    release = nbformat.read(edition / path.name, as_version=4)
    graded = nbformat.reads(json.dumps(classroom.source_notebook(json.loads(path.read_text()))), as_version=4)
    first = next(k for k, cell in enumerate(release.cells) if cell.metadata.get("nbgrader", {}).get("solution"))
    code = [[c.source for c in nb.cells[:first] if c.cell_type == "code"] for nb in (release, graded)]
    assert code[0] == code[1], "the same chapter code before the exercises"
    client = NotebookClient(
        release, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "notebooks")}}
    )
    with client.setup_kernel():
        for index in range(first):
            client.execute_cell(release.cells[index], index)
        with pytest.raises(CellExecutionError) as stopped:
            client.execute_cell(release.cells[first], first)
        assert stopped.value.ename == "NotImplementedError" and "write your answer" in stopped.value.evalue
        for index in range(first, len(graded.cells)):  # the instructor's answers and the graded checks, same kernel
            cell = graded.cells[index]
            if cell.cell_type != "code":
                continue
            if cell.metadata.nbgrader.get("solution"):
                cell.source = _solution(cell)
            client.execute_cell(cell, index)
            if cell.metadata.nbgrader.get("grade"):
                text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
                assert "Correct: " in text and "Not yet" not in text, f"{path.name}, cell {index}: {text[:300]}"
                assert not [o for o in cell.outputs if o.get("name") == "stderr"], f"{path.name}, cell {index}"
