"""Autograding time per submission, chapter by chapter: wall-clock and CPU seconds of `nbgrader autograde`.

    python benchmarks/grading.py [--profile ci] [notebooks/01_random_walks.ipynb ...]

For each chapter: a classroom course of that chapter alone
(:mod:`resandi_lite.course.classroom`), its release, and one submission holding
the instructor's answers; then ``nbgrader autograde`` is timed. The submission
must grade full marks (checked), so the run also proves that every chapter
grades correctly in the profile. CPU seconds (user + system, of nbgrader and its
kernel) say what the grading costs whatever else runs on the machine; the wall
time is what one waited here. Both include one start of nbgrader (a few
seconds), which a whole class pays once. Run it from the repository root with
the package importable by the kernel (installed, or PYTHONPATH=$PWD).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import tempfile
import time
from pathlib import Path

from resandi_lite.course import classroom


def _submission(source: dict, release: dict) -> dict:
    """The release with every answer cell holding the source's solution."""
    solutions = {
        c["metadata"]["nbgrader"]["grade_id"]: "\n".join(
            line for line in "".join(c["source"]).split("\n") if "SOLUTION" not in line
        )
        for c in source["cells"]
        if c["metadata"].get("nbgrader", {}).get("solution")
    }
    for cell in release["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in solutions:
            cell["source"] = solutions[grade_id]
    return release


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def grade_one(path: Path, course: Path) -> dict:
    """Time autograding one correct submission of the chapter ``path`` in a fresh course directory."""
    name = classroom.assignment_name(path)
    classroom.write_course([path], course)
    classroom.nbgrader(course, "generate_assignment", name)
    source = json.loads((course / "source" / name / path.name).read_text())
    release = json.loads((course / "release" / name / path.name).read_text())
    target = course / "submitted" / "s1" / name / path.name
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(_submission(source, release)))
    cpu, start = _children_cpu(), time.perf_counter()
    classroom.nbgrader(course, "autograde", name)
    wall, cpu = time.perf_counter() - start, _children_cpu() - cpu
    classroom.nbgrader(course, "export", "--to", "grades.csv")
    with open(course / "grades.csv", newline="") as handle:
        row = next(csv.DictReader(handle))
    return {
        "chapter": name,
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "score": float(row["score"]),
        "max_score": float(row["max_score"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every chapter")
    parser.add_argument("--profile", default="ci", help="RESANDI_PROFILE of the graded runs (default: ci)")
    args = parser.parse_args()
    os.environ["RESANDI_PROFILE"] = args.profile
    rows = []
    for path in args.notebooks or classroom.chapters():
        with tempfile.TemporaryDirectory(prefix="grading-") as course:
            row = grade_one(Path(path), Path(course))
        rows.append(row)
        print(json.dumps(row), flush=True)
        if row["score"] != row["max_score"]:
            raise SystemExit(f"{row['chapter']}: the instructor's answers graded {row['score']} of {row['max_score']}")
    print(
        f"total for one submission of every chapter: {sum(r['wall_s'] for r in rows):.0f} s wall, "
        f"{sum(r['cpu_s'] for r in rows):.0f} s CPU"
    )


if __name__ == "__main__":
    main()
