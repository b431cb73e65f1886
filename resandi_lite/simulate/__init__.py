"""Simulators of the five diffusion models behind the classes, and the class registry.

Each simulator is a function ``simulator(alpha, length, *, rng=None)`` that
returns a batch of 2-D trajectories as an array of shape ``(n, 2, length)``,
one per exponent in ``alpha``.  :data:`REGISTRY` defines the classes (name,
mechanism, simulator, exponent range); :func:`simulate` draws the exponents and
lengths of a class the way the paper does.
"""

from .attm import attm
from .classes import ALPHA_RANGE, CLASSES, N_CLASSES, REGISTRY, SIMULATORS, ClassSpec, class_label, simulate
from .ctrw import ctrw
from .fbm import fbm
from .lw import lw
from .sbm import bm, sbm

__all__ = [
    "ALPHA_RANGE",
    "CLASSES",
    "N_CLASSES",
    "REGISTRY",
    "SIMULATORS",
    "ClassSpec",
    "attm",
    "bm",
    "class_label",
    "ctrw",
    "fbm",
    "lw",
    "sbm",
    "simulate",
]
