"""Command line of the course tools: ``python -m resandi_lite.course <command> ...``.

Commands
--------
classroom  write the nbgrader source course of the chapters (:mod:`resandi_lite.course.classroom`)
student    write the student edition of the chapters, made by nbgrader (:mod:`resandi_lite.course.student`)
"""

from __future__ import annotations

import sys

COMMANDS = {"classroom": "classroom", "student": "student"}


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] not in COMMANDS:
        print(__doc__.strip(), file=sys.stderr if argv and argv[0] not in ("-h", "--help") else sys.stdout)
        raise SystemExit(0 if argv and argv[0] in ("-h", "--help") else 2)
    import importlib

    importlib.import_module(f".{COMMANDS[argv[0]]}", __package__).main(argv[1:])


if __name__ == "__main__":
    main()
