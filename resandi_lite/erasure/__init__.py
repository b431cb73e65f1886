"""The erasure experiment (moved from ``erasure.py`` as it is; the split into modules by concern follows)."""

from .masks import *  # noqa: F403
