"""Classroom assignments with nbgrader: the graded course built from the chapters, and a whole cycle graded.

The fast tests read the generated source course and nbgrader's release of
every chapter (no kernel): the cells' nbgrader metadata and points, the
checks that fail by raising, and that nothing of a solution or a hidden test
reaches the release. One kernel test shows that a warning written to stderr
by a check zeroes a test cell in nbgrader unless the check runs inside
``stderr_to_stdout``.

The end-to-end test (about 5 minutes on a loaded 2-core machine; most of it
is nine runs of two chapters in the ``ci`` profile) takes chapters 1 and 3,
the two cheapest to run that between them have every kind of check (numbers,
arrays, a multiple choice with a hidden test), and runs, in a course
directory: ``generate_assignment``; ``validate`` on the source (passes);
``validate --invert`` on the release (every check fails); three planted
students (right answers, one of them written so that its check warns on
stderr, and one chapter saved in the shape of a Colab download; wrong
answers, one of the wrong kind and a wrong letter that passes the visible form
check; an answer that raises and one that loops until the cell's timeout, set
to 60 s); ``autograde``; ``generate_feedback``;
``export``. The CSV must hold exactly the expected scores. The kernels import
this checkout's ``resandi_lite`` through PYTHONPATH (in CI the package is
also installed editable).
"""

from __future__ import annotations

import csv
import inspect
import json
import os
import re
import subprocess
import sys
import textwrap
import time
import types
import zipfile
from pathlib import Path

import nbformat
import pytest

import resandi_lite as rl
from resandi_lite.course import classroom, colab, student
from resandi_lite.course.cells import SOLUTIONS_HEADING, is_exercise_cell, parse_exercise
from resandi_lite.course.roles import plain_notebook

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = classroom.chapters(ROOT)
BY_STEM = {p.stem[:3].rstrip("_"): p for p in CHAPTERS}  # "01", ..., "09b", ...
VERSION = colab.read_version((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
REPOSITORY = colab.read_repository((ROOT / "_config.yml").read_text(encoding="utf-8"))


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def _exercises(path):
    return [parse_exercise(_source(c)) for c in json.loads(path.read_text())["cells"] if is_exercise_cell(c)]


# --- how each exercise is graded ------------------------------------------------------------------------------


def test_scoring_of_every_check():
    rows = classroom.points_table(CHAPTERS)
    assert len(rows) == sum(len(_exercises(p)) for p in CHAPTERS) >= 60
    kinds = {row[2]: row[3] for row in rows}
    checks = rl.course.exercises.checks()
    assert {name for name, kind in kinds.items() if kind == "choice"} == {
        name for name in kinds if "as_choice(answer" in inspect.getsource(checks[name])
    }
    assert kinds["check_sbm_attm_statistic"] == "choice" and kinds["check_padding_side"] == "choice"
    assert (
        kinds["check_fixed_length_gain"] == kinds["check_short_confusion"] == kinds["check_top_score_class"] == "class"
    )
    assert kinds["check_block1_groups"] == kinds["check_sign_agreements"] == "count"
    assert kinds["check_exponent_scatter"] == kinds["check_adam_step"] == "computed"
    for _, _, _, kind, points, hidden in rows:
        assert points == classroom.POINTS[kind] and hidden == (kind != "computed")
    assert classroom.POINTS["choice"] < classroom.POINTS["computed"], "a guessable letter is worth less"
    with pytest.raises(ValueError, match="check_name"):
        classroom.scoring("check_nothing")


def test_form_checks_of_hidden_tests_refuse_the_placeholder_and_accept_an_answer_of_the_right_kind():
    forms = {classroom.scoring(name).form for name in rl.course.exercises.checks()} - {None}
    assert len(forms) >= 3
    for form in forms:
        for placeholder in (..., None, 3.5j):
            with pytest.raises((TypeError, ValueError)):
                eval(form, {"rl": rl, "answer": placeholder})
    assert rl.course.exercises.answers.as_class_names(["SubFBM", "BM"]) == ("SubFBM", "BM")
    with pytest.raises(ValueError, match="class names"):
        rl.course.exercises.answers.as_class_names("Brownian")


# --- the source course ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_source_notebook_of_every_chapter(path):
    chapter = json.loads(path.read_text())
    source = classroom.source_notebook(chapter)
    assert chapter == json.loads(path.read_text()), "the chapter is not modified"
    exercises = _exercises(path)
    n_other = sum(not is_exercise_cell(c) for c in chapter["cells"])
    assert len(source["cells"]) == n_other + 3 * len(exercises)
    ids = [_meta(c)["grade_id"] for c in source["cells"]]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"[A-Za-z0-9_-]+", i) for i in ids)
    others = [c for c in source["cells"] if not _meta(c)["grade_id"].startswith("ex")]
    for before, after in zip([c for c in chapter["cells"] if not is_exercise_cell(c)], others):
        assert _meta(after) == {
            "grade": False,
            "grade_id": _meta(after)["grade_id"],
            "locked": True,
            "schema_version": 3,
            "solution": False,
            "task": False,
        }, "the chapter is read-only"
        if SOLUTIONS_HEADING not in _source(before):
            assert _source(after) == _source(before) and after.get("outputs") == before.get("outputs")
        else:
            assert classroom.STUDENT_HEADING in _source(after) and SOLUTIONS_HEADING not in _source(after)
    by_id = {_meta(c)["grade_id"]: c for c in source["cells"]}
    for exercise in exercises:
        k, grading = exercise.number, classroom.scoring(exercise.check_name)
        statement, answer, check = (by_id[f"ex{k}-{part}"] for part in ("statement", "answer", "check"))
        assert _meta(statement)["locked"] and statement["cell_type"] == "markdown"
        assert f"**Exercise {k}** ({grading.points} point" in _source(statement)
        assert _meta(answer) == {
            "grade": False,
            "grade_id": f"ex{k}-answer",
            "locked": False,
            "schema_version": 3,
            "solution": True,
            "task": False,
        }
        lines = _source(answer).split("\n")
        assert lines[1] == "### BEGIN SOLUTION" and lines[-1] == "### END SOLUTION"
        assert lines[2:-1] == exercise.solution
        assert _meta(check) == {
            "grade": True,
            "grade_id": f"ex{k}-check",
            "locked": True,
            "points": grading.points,
            "schema_version": 3,
            "solution": False,
            "task": False,
        }
        code = _source(check)
        compile(code, "check", "exec")
        assert f"assert rl.course.exercises.{exercise.check_name}(answer" in code, "a test cell fails by raising"
        assert "with rl.course.exercises.stderr_to_stdout():" in code
        assert ("### BEGIN HIDDEN TESTS" in code) == grading.hidden
        assert answer["outputs"] == check["outputs"] == [], "no output of a solution in the source"
    nbformat.validate(nbformat.reads(json.dumps(source), as_version=4))


def test_source_notebook_refuses_what_it_cannot_read():
    with pytest.raises(TypeError, match="notebook"):
        classroom.source_notebook([])
    chapter = json.loads(CHAPTERS[0].read_text())
    for cell in chapter["cells"]:
        if cell["cell_type"] == "markdown":
            cell["source"] = _source(cell).replace(SOLUTIONS_HEADING, "### Answers")
    with pytest.raises(ValueError, match="Solutions"):
        classroom.source_notebook(chapter)
    with pytest.raises(ValueError, match="NN_title"):
        classroom.assignment_name("random_walks.ipynb")
    assert classroom.assignment_name(BY_STEM["09b"]) == "ch09b"


def test_command_line_writes_the_course_and_its_config(tmp_path, capsys):
    classroom.main(["--out", str(tmp_path), str(BY_STEM["01"]), str(BY_STEM["03"])])
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.ipynb")) == [
        "source/ch01/01_random_walks.ipynb",
        "source/ch03/03_trajectories_to_tensors.ipynb",
    ]
    assert "source/ch01: 01_random_walks.ipynb (10 points)" in capsys.readouterr().out.replace(str(tmp_path) + "/", "")
    config = (tmp_path / "nbgrader_config.py").read_text()
    assert 'os.environ.setdefault("RESANDI_PROFILE", "ci")' in config, "grading uses the ci profile's sizes"
    (tmp_path / "nbgrader_config.py").write_text(config + "# mine\n")
    classroom.main(["--out", str(tmp_path), "--assignment", "hw1", str(BY_STEM["01"])])
    assert (tmp_path / "source/hw1/01_random_walks.ipynb").exists()
    assert (tmp_path / "nbgrader_config.py").read_text().endswith("# mine\n"), "an edited config is kept"
    with pytest.raises(SystemExit):
        classroom.main(["--out", str(tmp_path), "--assignment", "home work", str(BY_STEM["01"])])
    out = subprocess.run(
        [sys.executable, "-m", "resandi_lite.course", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert out.returncode == 0 and "classroom" in out.stdout and "student" in out.stdout


# --- the release of every chapter (nbgrader generate_assignment, no kernel) -------------------------------------


@pytest.fixture(scope="module")
def every_release(tmp_path_factory):
    """Every chapter in one assignment of a graded course (hidden tests), and nbgrader's release of it."""
    course = tmp_path_factory.mktemp("every")
    classroom.write_course(CHAPTERS, course, assignment="all")
    classroom.nbgrader(course, "generate_assignment", "all")
    return course


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_release_holds_no_solution_and_no_hidden_test(every_release, path):
    # the source course holds the chapter with its MyST roles rewritten to plain Markdown (issue 26)
    chapter = plain_notebook(json.loads(path.read_text()), source=f"notebooks/{path.name}")
    release = json.loads((every_release / "release" / "all" / path.name).read_text())
    text = json.dumps(release)
    for word in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "Correct: "):
        assert word not in text, word
    cells = {_meta(c)["grade_id"]: c for c in release["cells"]}
    stub_lines = set(classroom.CODE_STUB.split("\n"))
    for exercise in _exercises(path):
        k, grading = exercise.number, classroom.scoring(exercise.check_name)
        answer = _source(cells[f"ex{k}-answer"])
        assert answer.split("\n")[1:] == classroom.CODE_STUB.split("\n"), "the answer cell holds the stub only"
        for line in exercise.solution:
            if line.strip() and line.strip() not in stub_lines:
                assert all(
                    line.strip() not in _source(c).split("\n")
                    for c in (cells[f"ex{k}-answer"], cells[f"ex{k}-check"], cells[f"ex{k}-statement"])
                ), line
        check = _source(cells[f"ex{k}-check"])
        assert (exercise.check_name in check) != grading.hidden, "a hidden check is not named in the release"
        if grading.hidden:
            assert grading.form in check
        assert cells[f"ex{k}-check"]["metadata"]["editable"] is False
    # the chapter's own cells are kept with their outputs (the book's figures), cell 0 included
    kept = [c for c in release["cells"] if _meta(c)["grade_id"].startswith("chapter-")]
    assert [
        _source(c) for c in kept if SOLUTIONS_HEADING not in _source(c) and classroom.STUDENT_HEADING not in _source(c)
    ] == [_source(c) for c in chapter["cells"] if not is_exercise_cell(c) and SOLUTIONS_HEADING not in _source(c)]
    outputs = [c.get("outputs") for c in chapter["cells"] if not is_exercise_cell(c) and c["cell_type"] == "code"]
    assert [c.get("outputs") for c in kept if c["cell_type"] == "code"] == outputs


def _run_colab_cell(source):
    """Execute a cell 0 as on Colab (a stub google.colab) with pip replaced by a recorder; the pip calls."""
    calls = []

    def fake_run(command, **kwargs):
        calls.append(command[command.index("install") + 2 :])
        return types.SimpleNamespace(returncode=0)

    saved_module, saved_run = sys.modules.get("google.colab"), subprocess.run
    sys.modules["google.colab"], subprocess.run = types.ModuleType("google.colab"), fake_run
    try:
        exec(compile(source, "cell0", "exec"), {})
    finally:
        subprocess.run = saved_run
        if saved_module is None:
            sys.modules.pop("google.colab")
        else:
            sys.modules["google.colab"] = saved_module
    return calls


@pytest.mark.parametrize("path", [BY_STEM["01"], BY_STEM["02"], BY_STEM["08"]], ids=lambda p: p.stem)
def test_release_starts_with_the_colab_cell(every_release, path):
    release = json.loads((every_release / "release" / "all" / path.name).read_text())
    expected = colab.notebook_cell(json.loads(path.read_text()), VERSION, REPOSITORY)
    assert _source(release["cells"][0]) == _source(expected)
    assert release["cells"][0]["metadata"]["tags"] == ["remove-cell"]
    calls = _run_colab_cell(_source(release["cells"][0]))
    assert calls[0] == [f"resandi-lite=={VERSION}"], "on Colab the first cell installs the library"


def test_student_edition_is_the_release_with_every_check_visible(tmp_path, capsys):
    student.main(["--out", str(tmp_path), str(BY_STEM["01"]), str(BY_STEM["03"])])
    assert "2 student notebooks" in capsys.readouterr().out
    written = [tmp_path / BY_STEM["01"].name, tmp_path / BY_STEM["03"].name]
    assert sorted(tmp_path.iterdir()) == sorted([*written, tmp_path / student.ZIP_NAME])
    with zipfile.ZipFile(tmp_path / student.ZIP_NAME) as archive:
        assert sorted(archive.namelist()) == sorted(f"resandi-lite-student/{p.name}" for p in written)
    notebook = nbformat.read(written[1], as_version=4)
    nbformat.validate(notebook)
    text = json.dumps(notebook)
    assert "check_padding_side(answer)" in text, "self-study: the multiple choice is checked in the notebook"
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text and 'answer = \\"b\\"' not in text
    assert classroom.HIDDEN_NOTE not in text and classroom.STUDENT_NOTE in text


# --- warnings on stderr ------------------------------------------------------------------------------------------


def test_stderr_to_stdout_moves_prints_and_descriptor_2(capfd):
    """(pytest records warnings itself; the kernel test below covers them.)"""
    from resandi_lite.course.exercises import stderr_to_stdout

    with stderr_to_stdout():
        print("a print to stderr", file=sys.stderr)
        os.write(2, b"bytes on descriptor 2\n")
    print("after", file=sys.stderr)
    out, err = capfd.readouterr()
    assert "a print to stderr" in out and "bytes on descriptor 2" in out
    assert err == "after\n", "stderr is back after the block"


def test_a_warning_zeroes_a_test_cell_unless_the_check_runs_inside_stderr_to_stdout():
    """nbgrader's rule, in a real kernel: any stderr output in a graded cell scores 0."""
    from nbclient import NotebookClient
    from nbgrader.utils import determine_grade

    noisy = textwrap.dedent("""\
        import itertools, os, sys, warnings
        calls = itertools.count()
        def check(answer):  # a new message each call: a warning from one place shows only once otherwise
            warnings.warn(f"numpy-like warning from inside a check ({next(calls)})", RuntimeWarning)
            print("a progress bar on stderr", file=sys.stderr)
            os.write(2, b"C code writing to descriptor 2\\n")
            return answer == 1
        from resandi_lite.course.exercises import stderr_to_stdout""")
    graded = {
        "nbgrader": {
            "grade": True,
            "grade_id": "t",
            "locked": True,
            "points": 2,
            "solution": False,
            "schema_version": 3,
            "task": False,
        }
    }
    cells = [
        nbformat.v4.new_code_cell(noisy),
        nbformat.v4.new_code_cell("assert check(1)", metadata=graded),
        nbformat.v4.new_code_cell("with stderr_to_stdout():\n    assert check(1)", metadata=graded),
        nbformat.v4.new_code_cell("with stderr_to_stdout():\n    assert check(0)", metadata=graded),
    ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True).execute(
        env=dict(os.environ, PYTHONPATH=str(ROOT))
    )
    assert [determine_grade(c)[0] for c in notebook.cells[1:]] == [0, 2, 0]
    assert any(o.get("name") == "stderr" for o in notebook.cells[1].outputs), "the bare check wrote to stderr"
    shown = "".join(o.get("text", "") for o in notebook.cells[2].outputs)
    assert "numpy-like warning" in shown and "progress bar" in shown, "the warning is still shown, on stdout"


# --- a whole assignment cycle, graded (ci profile) ---------------------------------------------------------------

TIMEOUT = 60  # seconds a cell may run when grading; the slowest cell of chapters 1 and 3 (ci) takes 5-7 s alone
GRADED = {"ch01": BY_STEM["01"], "ch03": BY_STEM["03"]}
NOISY = textwrap.dedent("""\
    import os, sys, warnings

    class Noisy(float):  # a right answer whose reading by the check warns on stderr (as numpy or torch may)
        def __float__(self):
            warnings.warn("planted warning while the check reads the answer", UserWarning)
            print("planted line on stderr", file=sys.stderr)
            os.write(2, b"planted bytes on descriptor 2\\n")
            return float.__float__(self)

    answer = Noisy(answer)""")
WRONG = {
    "ch01": {
        1: "answer = 10.0",
        2: "answer = (0.3, 0.3)",
        3: "answer = 0.0",
        4: "answer = (0.5, 0.5)",
        5: 'answer = "0.1, 0.2"',
    },  # the last one of the wrong kind (TypeError)
    "ch03": {
        2: "answer = (0.5, 0.5)",
        3: "answer = np.zeros((10, 2))",
        4: "answer = (1.0, 1.0)",
        5: "answer = np.full((8, 3), 33)",
        6: 'answer = "a"',
    },  # 1 is right; "a" passes the form check only
}
BROKEN = {"ch01": {1: "answer = 1 / 0", 2: "while True:\n    pass"}}  # raises; loops until the timeout
EXPECTED = {  # (assignment, student) -> (score, max score)
    ("ch01", "correct"): (10, 10),
    ("ch01", "wrong"): (0, 10),
    ("ch01", "broken"): (6, 10),
    ("ch03", "correct"): (11, 11),
    ("ch03", "wrong"): (2, 11),
    ("ch03", "broken"): (0, 11),  # broken: no ch03
}


def _solution(cell) -> str:
    return "\n".join(line for line in _source(cell).split("\n") if "SOLUTION" not in line)


def _submission(release: dict, source: dict, answers: dict) -> dict:
    """The release with each answer cell filled: ``answers[k]`` if given, else the source's solution."""
    solutions = {_meta(c)["grade_id"]: _solution(c) for c in source["cells"] if _meta(c).get("solution")}
    submission = json.loads(json.dumps(release))
    for cell in submission["cells"]:
        if _meta(cell).get("solution"):
            k = int(_meta(cell)["grade_id"][2:].split("-")[0])
            header = _source(cell).split("\n")[0]
            cell["source"] = f"{header}\n{answers[k]}" if k in answers else solutions[_meta(cell)["grade_id"]]
    return submission


def _as_colab_saves(notebook: dict) -> dict:
    """The notebook in the shape of a Colab download: nbformat 4.0, cell ids in the metadata, a colab block."""
    notebook = json.loads(json.dumps(notebook))
    notebook["nbformat_minor"] = 0
    notebook["metadata"]["colab"] = {"provenance": []}
    for k, cell in enumerate(notebook["cells"]):
        cell.pop("id", None)
        cell["metadata"]["id"] = f"colab{k:04d}"
    return notebook


def _timed(log, label, course, *args, check=True):
    start = time.perf_counter()
    result = classroom.nbgrader(course, *args, check=check)
    log[label] = round(time.perf_counter() - start, 1)
    return result


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    log = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
        patch.setenv("RESANDI_PROFILE", "ci")
        for name, path in GRADED.items():
            classroom.write_course([path], course)
            _timed(log, f"generate_assignment {name}", course, "generate_assignment", name)
        sources = [f"source/{n}/{p.name}" for n, p in GRADED.items()]
        releases = [f"release/{n}/{p.name}" for n, p in GRADED.items()]
        validate = _timed(log, "validate source (2 chapters)", course, "validate", *sources)
        invert = _timed(log, "validate --invert release (2 chapters)", course, "validate", "--invert", *releases)
        source = {name: json.loads((course / "source" / name / path.name).read_text()) for name, path in GRADED.items()}
        right_3 = next(_solution(c) for c in source["ch01"]["cells"] if _meta(c).get("grade_id") == "ex3-answer")
        # the right answers, that of exercise 3 of chapter 1 made noisy
        plans = {
            "correct": {"ch01": {3: right_3.split("\n", 1)[1] + "\n" + NOISY}, "ch03": {}},
            "wrong": WRONG,
            "broken": BROKEN,
        }
        for who, plan in plans.items():
            for name, answers in plan.items():
                path = GRADED[name]
                release = json.loads((course / "release" / name / path.name).read_text())
                target = course / "submitted" / who / name / path.name
                target.parent.mkdir(parents=True)
                submission = _submission(release, source[name], answers)
                if (who, name) == ("correct", "ch03"):
                    submission = _as_colab_saves(submission)
                target.write_text(json.dumps(submission, indent=1))
        for name in GRADED:
            _timed(
                log,
                f"autograde {name} ({len([p for p in plans.values() if name in p])} submissions)",
                course,
                "autograde",
                name,
                f"--Execute.timeout={TIMEOUT}",
            )
            _timed(log, f"generate_feedback {name}", course, "generate_feedback", name)
        _timed(log, "export", course, "export")
    print("\nnbgrader steps (s):", json.dumps(log, indent=1))
    return types.SimpleNamespace(course=course, log=log, validate=validate, invert=invert)


@pytest.mark.slow
def test_validate_passes_on_the_source_and_fails_on_the_unanswered_release(graded):
    text = graded.validate.stdout + graded.validate.stderr
    assert text.count("Success! Your notebook passes all the tests.") == 2, text[-3000:]
    text = graded.invert.stdout + graded.invert.stderr
    assert text.count("Success! The notebook does not pass any tests.") == 2, text[-3000:]
    assert "NOTEBOOK PASSED ON" not in text


@pytest.mark.slow
def test_the_gradebook_holds_exactly_the_expected_scores(graded):
    with open(graded.course / "grades.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    print("\n" + (graded.course / "grades.csv").read_text())
    found = {(r["assignment"], r["student_id"]): (float(r["score"]), float(r["max_score"])) for r in rows}
    assert found == {key: (float(a), float(b)) for key, (a, b) in EXPECTED.items()}


@pytest.mark.slow
def test_autograded_notebooks_show_why(graded):
    def cells(who, name):
        path = graded.course / "autograded" / who / name / GRADED[name].name
        return {_meta(c).get("grade_id"): c for c in nbformat.read(path, as_version=4).cells}

    right = cells("correct", "ch01")["ex3-check"]
    assert not [o for o in right.outputs if o.output_type == "error" or o.get("name") == "stderr"]
    assert "planted warning" in "".join(o.get("text", "") for o in right.outputs), "the warning shows, on stdout"
    broken = cells("broken", "ch01")
    assert [o.ename for o in broken["ex1-answer"].outputs if o.output_type == "error"] == ["ZeroDivisionError"]
    assert "CellTimeoutError" in [o.ename for o in broken["ex2-answer"].outputs if o.output_type == "error"]
    wrong = cells("wrong", "ch03")["ex6-check"]
    assert [o.ename for o in wrong.outputs if o.output_type == "error"] == ["AssertionError"], (
        "the hidden test graded the letter that passed the form check"
    )


@pytest.mark.slow
def test_feedback_is_written_per_student_and_chapter(graded):
    for (name, who), (score, total) in EXPECTED.items():
        path = graded.course / "feedback" / who / name / GRADED[name].with_suffix(".html").name
        if who == "broken" and name == "ch03":
            assert not path.exists(), "no submission, no feedback"
            continue
        html = path.read_text(encoding="utf-8")
        assert re.search(r"Score: ([0-9.]+ / [0-9.]+)", html)[1] == f"{score:.1f} / {total:.1f}", path
        assert "Exercise 1" in html


def test_the_instructor_page_shows_the_points_the_course_gives():
    page = (ROOT / "book" / "instructors.md").read_text(encoding="utf-8")
    assert classroom.points_markdown(CHAPTERS) in page, "update book/instructors.md: classroom.points_markdown()"
    assert "## Handing out the student edition" not in page
    for command in (
        "nbgrader generate_assignment",
        "nbgrader validate",
        "nbgrader validate --invert",
        "nbgrader autograde",
        "nbgrader generate_feedback",
        "nbgrader export",
    ):
        assert command in page


def test_the_instructor_page_gives_the_measured_grading_time_of_every_chapter():
    """The grading section's table (benchmarks/grading.py) has a row per chapter at full marks, no placeholder."""
    page = (ROOT / "book" / "instructors.md").read_text(encoding="utf-8")
    section = page.split("### Grading uses the `ci` sizes", 1)[1].split("\n### ", 1)[0]
    assert not re.search(r"\{[a-z_]+\}", section), "fill the measured times in (python benchmarks/grading.py)"
    rows = re.findall(r"^\| (\w+) \| [0-9.]+ \| [0-9.]+ \| ([0-9]+) / ([0-9]+) \|$", section, re.M)
    totals = {}
    for chapter, _, _, _, points, _ in classroom.points_table(CHAPTERS):
        totals[chapter.lstrip("0")] = totals.get(chapter.lstrip("0"), 0) + points
    assert {chapter: (int(score), int(total)) for chapter, score, total in rows} == {
        chapter: (total, total) for chapter, total in totals.items()
    }, "one row per chapter, graded full marks: python benchmarks/grading.py"
