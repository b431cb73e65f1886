"""The classes of the ResAnDi paper: one registry holds each class's name, mechanism, simulator and exponents.

:data:`REGISTRY` is the single place that defines a class.  :data:`CLASSES`,
:data:`N_CLASSES`, :data:`ALPHA_RANGE` and :data:`SIMULATORS` are read from it,
and so is every other part of the package (the network's output size, the
training stream, the layer-wise analysis).  To add a class, write its
simulator module (a public ``name(alpha, length, *, rng=None)`` returning
``(n, 2, length)`` positions, and ``_increments(alpha, length, rng)`` returning
their ``(n, 2, length - 1)`` steps) and append one :class:`ClassSpec` line to
:data:`REGISTRY`; labels are registry positions, so append, never insert.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable

import numpy as np

from .._checks import check_int
from ..preprocess import increment_std
from .attm import attm
from .ctrw import ctrw
from .fbm import fbm
from .lw import lw
from .sbm import sbm


@dataclasses.dataclass(frozen=True)
class ClassSpec:
    """One class of trajectories.

    Attributes
    ----------
    name : str
        The class name (``"SubFBM"``); its position in :data:`REGISTRY` is its label.
    mechanism : str
        The diffusion model behind it (``"FBM"``).
    simulator : callable
        ``simulator(alpha, length, *, rng=None) -> (n, 2, length)`` positions; its
        module also defines ``_increments(alpha, length, rng)`` (the steps).
    alpha_range : (float, float)
        ``alpha ~ U(low, high)``; ``low == high`` for a fixed exponent.
    signature : str
        What marks the mechanism in a trajectory (see :mod:`resandi_lite.signatures`).
    """

    name: str
    mechanism: str
    simulator: Callable
    alpha_range: tuple[float, float]
    signature: str

    @property
    def increments(self) -> Callable:
        """The simulator's ``_increments(alpha, length, rng)``: steps of shape ``(n, 2, length - 1)``."""
        return vars(sys.modules[self.simulator.__module__])["_increments"]


#: The classes in the paper's label order (label = index).
REGISTRY: tuple[ClassSpec, ...] = (
    ClassSpec("SubATTM", "ATTM", attm, (0.1, 0.9), "diffusivity jumping between random levels (diffusivity change)"),
    ClassSpec("SubCTRW", "CTRW", ctrw, (0.1, 0.9), "rests of heavy-tailed duration (zero steps, kurtosis)"),
    ClassSpec("SubFBM", "FBM", fbm, (0.1, 0.9), "anti-correlated steps (lag-1 autocorrelation 2**(alpha-1) - 1 < 0)"),
    ClassSpec("SubSBM", "SBM", sbm, (0.1, 0.9), "diffusivity decaying as t**(alpha-1) (diffusivity change < 0)"),
    ClassSpec("SupFBM", "FBM", fbm, (1.1, 1.9), "positively correlated steps (lag-1 autocorrelation > 0)"),
    ClassSpec("SupLW", "LW", lw, (1.1, 1.9), "ballistic flights, runs of identical steps (straightness)"),
    ClassSpec("SupSBM", "SBM", sbm, (1.1, 1.9), "diffusivity growing as t**(alpha-1) (diffusivity change > 0)"),
    ClassSpec("BM", "BM", sbm, (1.0, 1.0), "independent Gaussian steps of constant variance"),
)

#: The class names, in the paper's label order (label = index).
CLASSES: tuple[str, ...] = tuple(spec.name for spec in REGISTRY)
#: Number of classes (the network's output size).
N_CLASSES: int = len(REGISTRY)
#: Range of the anomalous exponent of each class; alpha ~ U(low, high).
ALPHA_RANGE: dict[str, tuple[float, float]] = {spec.name: spec.alpha_range for spec in REGISTRY}
#: The simulator behind each class: ``simulator(alpha, length, rng=rng) -> (n, 2, T)``.
SIMULATORS: dict[str, Callable] = {spec.name: spec.simulator for spec in REGISTRY}

_INCREMENTS = {spec.name: spec.increments for spec in REGISTRY}


MIN_LENGTH = 10
MAX_LENGTH = 1000


def class_label(name) -> int:
    """Label (0 to N_CLASSES - 1) of a class given by name or label.

    >>> class_label("SubFBM")
    2
    """
    if isinstance(name, (int, np.integer)) and not isinstance(name, bool):
        if 0 <= int(name) < len(CLASSES):
            return int(name)
        raise ValueError(f"class label must be in 0..{len(CLASSES) - 1}, got {int(name)}")
    if isinstance(name, str):
        if name in CLASSES:
            return CLASSES.index(name)
        lower = {c.lower(): i for i, c in enumerate(CLASSES)}
        if name.lower() in lower:
            return lower[name.lower()]
        raise ValueError(f"unknown class {name!r}; expected one of {', '.join(CLASSES)}")
    raise TypeError(f"class must be a name from CLASSES or an integer label, got {type(name).__name__}")


def draw_lengths(n: int, length, *, rng=None) -> np.ndarray:
    """Trajectory lengths for ``length="varying"`` (uniform in [10, 1000]) or an int.

    ``rng``: a numpy Generator, a seed or None (keyword-only).

    Returns
    -------
    lengths : ndarray of shape (n,), int64
    """
    rng = np.random.default_rng(rng)
    if isinstance(length, str):
        if length != "varying":
            raise ValueError(f"length must be 'varying' or an integer in [{MIN_LENGTH}, {MAX_LENGTH}], got {length!r}")
        return rng.integers(MIN_LENGTH, MAX_LENGTH, size=n, endpoint=True).astype(np.int64)
    length = check_int(length, "length", minimum=MIN_LENGTH, maximum=MAX_LENGTH)
    return np.full(n, length, dtype=np.int64)


def draw_alpha(name, n: int, *, rng=None) -> np.ndarray:
    """Exponents of ``n`` trajectories of a class: uniform on its :data:`ALPHA_RANGE` (1 for BM).

    ``rng``: a numpy Generator, a seed or None (keyword-only).

    Returns
    -------
    alpha : ndarray of shape (n,), float64
    """
    rng = np.random.default_rng(rng)
    low, high = ALPHA_RANGE[CLASSES[class_label(name)]]
    return rng.uniform(low, high, n) if high > low else np.full(n, low)


def simulate_increments(
    name,
    alpha: np.ndarray,
    lengths: np.ndarray,
    *,
    rng: np.random.Generator,
    width: int | None = None,
    block: int = 1 << 15,
    dtype=np.float32,
    events: bool = False,
) -> tuple[np.ndarray, ...]:
    """Simulate one class and return its steps, right-aligned and zero-padded.

    Trajectories are simulated in groups of similar length (sorted), each group
    at its longest length and then cut: every model here is causal, so the
    first T positions of a longer trajectory have exactly the law of a
    trajectory of length T.  A trajectory with a coordinate that does not
    fluctuate within its length (a CTRW that waits through all of it, a Levy
    walk that is one straight flight) cannot be normalised and is redrawn with
    the same exponent and length, as in the paper.

    A group holds about ``block`` steps per coordinate, so that its arrays stay
    in the processor's cache: the standard deviations are taken there (in
    float64), and the (large) output array is written once, row by row.  It is
    single precision by default: half the memory traffic, and a relative
    rounding of 6e-8 per step, below the precision of the network's float32
    input (:func:`simulate` asks for float64).

    Parameters
    ----------
    name : str or int
        Class name or label.
    alpha : ndarray of shape (n,), float64
    lengths : ndarray of shape (n,), int64
        Number of positions of each trajectory (>= 2).
    rng : numpy.random.Generator
    width : int, optional
        Number of step slots, at least ``max(lengths) - 1`` (default).
    block : int
        Steps per coordinate simulated per vectorised call (at least 8 rows).
    dtype : numpy dtype
        Of ``steps``: float32 (default) or float64.
    events : bool
        Also return the mechanism's event marks (drawing nothing more: the steps are the same).

    Returns
    -------
    steps : ndarray of shape (n, 2, width), ``dtype``
        Row i holds its ``lengths[i] - 1`` steps in the last slots and zeros before.
    std : ndarray of shape (n, 2), float64
        Standard deviation of each row's steps (all > 0).
    marks : ndarray of shape (n, width), bool
        Only with ``events=True``: the steps in which an event happens, aligned with ``steps``.
    """
    model = _INCREMENTS[CLASSES[class_label(name)]]
    n_steps = lengths - 1
    width = int(n_steps.max()) if width is None else width
    order = np.argsort(n_steps, kind="stable")
    in_order = bool(np.all(n_steps[:-1] <= n_steps[1:]))  # already sorted (as make_dataset passes them)
    sorted_steps = n_steps[order]
    # Filled in sorted order with plain slices; every slot is written once (steps or zero padding).
    out = np.empty((alpha.size, 2, width), dtype=dtype)
    std = np.empty((alpha.size, 2))
    marks = np.zeros((alpha.size, width), dtype=bool) if events else None
    start = 0
    while start < order.size:
        # As many rows as fit in the block at the group's longest length (one shrink suffices: rows are sorted).
        stop = min(order.size, start + max(8, block // int(sorted_steps[start])))
        stop = min(stop, start + max(8, block // int(sorted_steps[stop - 1])))
        counts = sorted_steps[start:stop]
        steps = model(alpha[order[start:stop]], int(counts[-1]) + 1, rng, events=events)  # (g, 2, counts[-1])
        steps, group_marks = steps if events else (steps, None)
        if counts[0] < counts[-1]:  # zero each row's steps past its own length (only the last columns differ)
            tail = np.arange(int(counts[0]), steps.shape[-1])
            steps[:, :, tail[0] :] *= (tail < counts[:, None])[:, None, :]
        std[start:stop] = increment_std(steps, counts)
        # Right-align each row's valid steps: zeros in front of the group's shortest row, then one block
        # copy per run of equal lengths (about 8 rows in the paper's mix), measured faster than a copy per
        # row, a boolean-mask scatter or take_along_axis.
        out[start:stop, :, : width - int(counts[0])] = 0
        bounds = [0, *(np.flatnonzero(counts[1:] != counts[:-1]) + 1).tolist(), counts.size]
        for a, b in zip(bounds[:-1], bounds[1:]):
            c = int(counts[a])
            out[start + a : start + b, :, width - c :] = steps[a:b, :, :c]
            if events:  # a row's marks past its own length are dropped with its steps
                marks[start + a : start + b, width - c :] = group_marks[a:b, :c]
        start = stop
    if not in_order:  # back to the caller's order
        unsorted = np.empty_like(out)
        unsorted[order], std[order] = out, std.copy()
        out = unsorted
        if events:
            marks[order] = marks.copy()
    flat = np.flatnonzero((std == 0).any(axis=1))
    if flat.size:
        redrawn = simulate_increments(
            name, alpha[flat], lengths[flat], rng=rng, width=width, block=block, dtype=dtype, events=events
        )
        out[flat], std[flat] = redrawn[:2]
        if events:
            marks[flat] = redrawn[2]
    return (out, std, marks) if events else (out, std)


def simulate(name, n: int, *, length=1000, rng=None, events: bool = False):
    """Simulate ``n`` raw 2-D trajectories of one class.

    Parameters
    ----------
    name : str or int
        One of :data:`CLASSES` (or its label).
    n : int
        Number of trajectories.
    length : int or "varying"
        Number of positions T in [10, 1000], or ``"varying"`` for T uniform in
        [10, 1000] per trajectory.
    rng : numpy.random.Generator, int or None
    events : bool
        Also return where the mechanism's events happen (the trajectories are
        bit-identical either way: the marks draw no random numbers).

    Returns
    -------
    trajectories : ndarray of shape (n, 2, T), float64, or list of n arrays of shape (2, T_i)
        Positions starting at the origin: an array for a fixed length, a list
        for varying lengths.
    alpha : ndarray of shape (n,), float64
        The exponent of each trajectory, drawn uniformly from :data:`ALPHA_RANGE`.
    events : ndarray of shape (n, T), bool, or list of n arrays of shape (T_i,)
        Only with ``events=True``.  ``events[i, t]`` (t >= 1) is True when the
        mechanism's event happens in the step from position t - 1 to t: a jump
        (CTRW), the start of a new flight (Levy walk), a change of diffusivity
        (ATTM).  FBM, SBM and BM have no discrete events: all False.  Never
        True at t = 0.  :func:`resandi_lite.groundtruth.events_to_input` places
        the marks on the network's 1000 input positions.

    Examples
    --------
    >>> X, alpha = simulate("SubFBM", 4, length=200, rng=0)
    >>> X.shape, bool(((alpha > 0.1) & (alpha < 0.9)).all())
    ((4, 2, 200), True)
    """
    name = CLASSES[class_label(name)]
    n = check_int(n, "n", minimum=1)
    rng = np.random.default_rng(rng)
    lengths = draw_lengths(n, length, rng=rng)
    alpha = draw_alpha(name, n, rng=rng)
    steps, _, *marks = simulate_increments(name, alpha, lengths, rng=rng, dtype=np.float64, events=events)
    positions = np.zeros(steps.shape[:-1] + (steps.shape[-1] + 1,))
    np.cumsum(steps, axis=-1, out=positions[..., 1:])
    marks = [np.pad(m, ((0, 0), (1, 0))) for m in marks]  # position t marks the step t - 1 -> t
    if isinstance(length, str):  # drop the left padding of each row
        width = positions.shape[-1]
        return (
            [positions[i, :, width - lengths[i] :] for i in range(n)],
            alpha,
            *([m[i, width - lengths[i] :] for i in range(n)] for m in marks),
        )
    return (positions, alpha, *marks)
