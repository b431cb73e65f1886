"""Deprecated: moved to :mod:`resandi_lite.course.explore` (this name is kept for one release)."""

import sys

from .course._moved import moved

sys.modules[__name__] = moved(__name__)
