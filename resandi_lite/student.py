"""Deprecated: moved to :mod:`resandi_lite.course.student` (this name is kept for one release)."""

import sys

from .course._moved import moved

_module = moved(__spec__.name if __spec__ is not None else __name__)
if __name__ == "__main__":  # python -m resandi_lite.student
    _module.main()
else:
    sys.modules[__name__] = _module
