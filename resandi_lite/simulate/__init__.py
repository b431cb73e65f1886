"""Simulators of the five diffusion models behind the eight classes.

Each model is a function ``model(alpha, length, *, rng=None)`` that returns a
batch of 2-D trajectories as an array of shape ``(n, 2, length)``, one per
exponent in ``alpha``.  :func:`simulate` draws the exponents and lengths of a
class the way the paper does.
"""

from .attm import attm
from .classes import ALPHA_RANGE, CLASSES, MODELS, class_label, simulate
from .ctrw import ctrw
from .fbm import fbm
from .lw import lw
from .sbm import bm, sbm

__all__ = ["ALPHA_RANGE", "CLASSES", "MODELS", "attm", "bm", "class_label", "ctrw", "fbm", "lw", "sbm", "simulate"]
