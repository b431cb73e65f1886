"""Course support for the chapter notebooks, kept apart from the core library.

* :mod:`~resandi_lite.course.profiles` -- run profiles and the device
  (``rl.course.profile``, ``rl.course.pick``, ``rl.course.device``);
* :mod:`~resandi_lite.course.explore` -- the interactive explorers of chapters 1-2;
* :mod:`~resandi_lite.course.exercises` -- the exercises' automatic checks;
* :mod:`~resandi_lite.course.student` -- the generated student edition;
* :mod:`~resandi_lite.course.roles` -- MyST roles as plain Markdown, for Jupyter and Colab;
* :mod:`~resandi_lite.course.listing` -- :func:`show_source`, the code listings of the chapters.

None of it is part of the core's top-level API (``resandi_lite.__all__``)."""

from __future__ import annotations

import importlib

from .profiles import ENV, PROFILES, device, pick, profile

_SUBMODULES = ("exercises", "explore", "student", "listing", "colab", "roles", "profiles")
_NAMES = {"show_source": "listing"}

__all__ = ["ENV", "PROFILES", "device", "pick", "profile", *_NAMES, *_SUBMODULES]


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _NAMES:
        return getattr(importlib.import_module(f".{_NAMES[name]}", __name__), name)
    raise AttributeError(f"module 'resandi_lite.course' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
