"""The student edition: generated from the chapters, no solution left, runs up to its first exercise.

A student notebook is executed in the ci profile: it runs the whole chapter,
stops at exercise 1 with NotImplementedError carrying the hint, and then the
instructor's solution cells, run in the same kernel, all print "Correct" (so
the instructor edition passes every check in the ci profile as well).
"""

import json
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from resandi_lite.course.roles import plain_notebook, raw_roles
from resandi_lite.course.student import (PLACEHOLDER, SOLUTIONS_HEADING, STUDENT_HEADING, ZIP_NAME, is_exercise_cell, main,
                                  parse_exercise, student_notebook, write_edition)

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


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _notebook(*sources):
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "## Exercises\n\n1. Do it.\n\n### Solutions"}]
    cells += [{"cell_type": "code", "metadata": {"tags": ["hide-cell"]}, "source": s, "execution_count": 3,
               "outputs": [{"output_type": "stream", "name": "stdout", "text": "Correct: yes\n"}]} for s in sources]
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_student_cell_keeps_statement_hint_and_check_only():
    student = student_notebook(_notebook(EXAMPLE))
    cell = student["cells"][1]
    assert _source(cell) == "\n".join([
        "# Exercise 3: Fit the exponent.", "# Hint: use msd.fit_exponent.", PLACEHOLDER,
        'raise NotImplementedError("Exercise 3: use msd.fit_exponent.")  # delete this line when `answer` is ready',
        "rl.course.exercises.check_something(answer,", "                             ds)"])
    assert "tags" not in cell["metadata"] and cell["outputs"] == [] and cell["execution_count"] is None
    assert STUDENT_HEADING in _source(student["cells"][0]) and SOLUTIONS_HEADING not in _source(student["cells"][0])


@pytest.mark.parametrize("broken, message", [
    (EXAMPLE.replace("# Hint: use", "# use"), "second line"),
    (EXAMPLE.replace("# Exercise 3:", "# Exercise three:"), "starts with"),
    (EXAMPLE.replace("rl.course.exercises.check_something(answer,", "print(answer,"), "last statement"),
    (EXAMPLE.replace("check_something(answer,", "check_something(slope,"), "first argument"),
    ("# Exercise 1: x\n# Hint: y\nrl.course.exercises.check_x(answer)", "no solution lines"),
])
def test_broken_exercise_cells_are_refused(broken, message):
    with pytest.raises(ValueError, match=message):
        parse_exercise(broken)


def test_a_chapter_without_solutions_heading_is_refused():
    notebook = _notebook(EXAMPLE)
    notebook["cells"][0]["source"] = "## Exercises"
    with pytest.raises(ValueError, match="Solutions"):
        student_notebook(notebook)
    with pytest.raises(TypeError, match="notebook"):
        student_notebook([])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_generated_notebook_has_no_solution_left(path):
    instructor = json.loads(path.read_text())
    student = student_notebook(instructor)
    assert instructor == json.loads(path.read_text()), "the instructor edition is not modified"
    assert len(student["cells"]) == len(instructor["cells"])
    assert raw_roles(student) == [], "Jupyter would show these MyST roles raw"
    plain = plain_notebook(instructor)  # the instructor's cells, MyST roles in plain Markdown
    exercises = 0
    for before, plain_cell, after in zip(instructor["cells"], plain["cells"], student["cells"]):
        if not is_exercise_cell(before):
            if SOLUTIONS_HEADING not in _source(before):
                assert plain_cell == after, "only the roles, the solutions heading and the exercise cells change"
            continue
        exercises += 1
        exercise = parse_exercise(_source(before))
        lines = _source(after).split("\n")
        assert lines[:3] == [f"# Exercise {exercise.number}: {exercise.statement}", f"# Hint: {exercise.hint}",
                             PLACEHOLDER]
        assert lines[3].startswith(f'raise NotImplementedError("Exercise {exercise.number}: ')
        assert lines[4:] == exercise.check, "then the check call, and nothing else"
        assert "hide-cell" not in after["metadata"].get("tags", []) and after["outputs"] == []
    assert exercises >= 3


def test_write_edition_and_command_line(tmp_path, capsys):
    written = write_edition(NOTEBOOKS[:2], tmp_path / "a")
    assert [p.name for p in written] == [p.name for p in NOTEBOOKS[:2]]
    with zipfile.ZipFile(tmp_path / "a" / ZIP_NAME) as archive:
        assert sorted(archive.namelist()) == sorted(f"resandi-lite-student/{p.name}" for p in NOTEBOOKS[:2])
    nbformat.validate(nbformat.read(written[0], as_version=4))
    main(["--out", str(tmp_path / "b"), "--no-zip"])
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == [p.name for p in NOTEBOOKS]
    assert f"{len(NOTEBOOKS)} student notebooks" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_notebook_stops_at_first_exercise_then_solutions_pass(path, monkeypatch):
    monkeypatch.setenv("RESANDI_PROFILE", "ci")
    instructor = nbformat.read(path, as_version=4)
    student = nbformat.reads(json.dumps(student_notebook(json.loads(path.read_text()))), as_version=4)
    first = next(k for k, cell in enumerate(student.cells) if is_exercise_cell(cell))
    client = NotebookClient(student, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT / "notebooks")}})
    with client.setup_kernel():
        for index in range(first):
            client.execute_cell(student.cells[index], index)
        with pytest.raises(CellExecutionError) as stopped:
            client.execute_cell(student.cells[first], first)
        assert stopped.value.ename == "NotImplementedError" and stopped.value.evalue.startswith("Exercise 1: ")
        for index in range(first, len(instructor.cells)):  # the instructor's solutions, same kernel
            cell = instructor.cells[index]
            client.execute_cell(cell, index)
            text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            assert "Correct: " in text and "Not yet" not in text, f"{path.name}, cell {index}: {text[:300]}"
