"""The old import paths of the course modules (``resandi_lite.exercises`` ...), kept for one release.

``moved(old, new)`` warns that ``old`` moved to ``new`` and returns the new
module; importing ``old.sub`` (e.g. ``resandi_lite.exercises.ch08``) gives the
very module ``new.sub``, not a second copy of it.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

MOVED = {
    "resandi_lite.exercises": "resandi_lite.course.exercises",
    "resandi_lite.explore": "resandi_lite.course.explore",
    "resandi_lite.student": "resandi_lite.course.student",
}


def warn(old: str, stacklevel: int = 3) -> None:
    """Warn (DeprecationWarning) that the module ``old`` moved to its place in :data:`MOVED`."""
    warnings.warn(f"{old} moved to {MOVED[old]}; the old name will be removed in the next release "
                  f"(use rl.{MOVED[old].split('.', 1)[1]})", DeprecationWarning, stacklevel=stacklevel)


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``<old>.<sub>`` as the already importable ``<new>.<sub>``."""

    def find_spec(self, name, path=None, target=None):
        old = next((o for o in MOVED if name.startswith(o + ".")), None)
        return None if old is None else importlib.util.spec_from_loader(name, self)

    def create_module(self, spec):
        old = next(o for o in MOVED if spec.name.startswith(o + "."))
        return importlib.import_module(MOVED[old] + spec.name[len(old):])

    def exec_module(self, module):
        pass


def moved(old: str):
    """Warn, make ``old.<sub>`` importable as ``new.<sub>``, and return the module ``new``."""
    if not any(isinstance(finder, _Alias) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Alias())
    warn(old, stacklevel=4)
    return importlib.import_module(MOVED[old])
