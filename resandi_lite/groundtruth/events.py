"""Where the mechanism acts, and where a map's values land on the input points.

The events of simulated trajectories placed on the network's input positions
(:func:`events_to_input`, :func:`event_set`, :func:`near_events`), the
observed positions (:func:`observed_positions`), and the upsampling of a map
to the input by receptive-field centres (:func:`receptive_field_centres`,
:func:`map_centres`, :func:`upsample`, :func:`alignment`).
"""

from __future__ import annotations

import numpy as np
from torch import nn

from .._checks import check_int, check_lengths, check_mask, check_rng
from ..preprocess import INPUT_LENGTH, preprocess
from ..simulate import CLASSES, simulate

#: The classes whose mechanism has discrete events.
EVENT_CLASSES = ("SubATTM", "SubCTRW", "SupLW")


def events_to_input(events, input_length: int = INPUT_LENGTH) -> np.ndarray:
    """Place event marks of (n, T) trajectories on the network's input positions, after the left padding.

    The preprocessing puts a trajectory of ``T`` points in the last ``T`` of
    the ``input_length`` positions (zeros in front), so mark ``t`` lands on
    position ``input_length - T + t``.

    Parameters
    ----------
    events : ndarray of shape (n, T), bool, or list of n arrays of shape (T_i,)
        As returned by ``simulate(..., events=True)``.
    input_length : int

    Returns
    -------
    ndarray of shape (n, input_length), bool

    Examples
    --------
    >>> events_to_input([np.array([False, True, False])], 5).astype(int).tolist()
    [[0, 0, 0, 1, 0]]
    """
    input_length = check_int(input_length, "input_length", minimum=1)
    rows = [check_mask(e, f"events[{i}]", ndim=1) for i, e in enumerate(events)]
    out = np.zeros((len(rows), input_length), dtype=bool)
    for i, e in enumerate(rows):
        if e.ndim != 1 or not 1 <= e.size <= input_length:
            raise ValueError(f"events[{i}] must be 1-D with 1..{input_length} marks, got shape {e.shape}")
        out[i, input_length - e.size :] = e
    return out


def observed_positions(lengths, input_length: int = INPUT_LENGTH) -> np.ndarray:
    """Which input positions hold the trajectory (not the padding): (n, input_length), bool."""
    input_length = check_int(input_length, "input_length", minimum=1)
    lengths = check_lengths(lengths, "lengths", maximum=input_length)
    return np.arange(input_length)[None, :] >= (input_length - lengths)[:, None]


def event_set(n_per_class: int, *, classes=EVENT_CLASSES, length="varying", rng=None) -> dict:
    """Trajectories of the classes with events, preprocessed as for the network, with their marks.

    Returns
    -------
    dict
        ``X`` (n, 2, 1000) float32, ``y`` (n,) int64, ``alpha`` (n,),
        ``lengths`` (n,) int64, ``events`` (n, 1000) bool (on the input
        positions) and ``positions`` (n, 2, 1000) float64, the raw positions
        left-padded with zeros (for plots).
    """
    rng = check_rng(rng)
    check_int(n_per_class, "n_per_class", minimum=1)
    parts = [simulate(name, n_per_class, length=length, rng=rng, events=True) for name in classes]
    trajectories = [x for X, _, _ in parts for x in X]
    marks = [e for _, _, E in parts for e in E]
    lengths = np.array([x.shape[-1] for x in trajectories], dtype=np.int64)
    raw = np.zeros((len(trajectories), 2, INPUT_LENGTH))
    for i, x in enumerate(trajectories):
        raw[i, :, INPUT_LENGTH - x.shape[-1] :] = x
    return {
        "X": preprocess(trajectories),
        "y": np.repeat([CLASSES.index(c) for c in classes], n_per_class),
        "alpha": np.concatenate([a for _, a, _ in parts]),
        "lengths": lengths,
        "events": events_to_input(marks),
        "positions": raw,
    }


def near_events(events, k: int) -> np.ndarray:
    """Positions within ``k`` steps of a mark (the marks themselves for k = 0): same shape, bool."""
    events = check_mask(events, "events", ndim=2)
    k = check_int(k, "k", minimum=0, maximum=max(events.shape[1], 1))
    out = events.copy()
    for d in range(1, int(k) + 1):
        out[:, d:] |= events[:, :-d]
        out[:, :-d] |= events[:, d:]
    return out


def _main_path(model: nn.Module, layer: str) -> list[nn.Module]:
    """The convolutions and pools an input point passes through up to the output of ``layer`` (main path)."""
    from ..model import STAGES

    names = ("stem", *STAGES)
    if not isinstance(layer, str) or layer not in names:
        raise ValueError(f"layer must be one of {', '.join(names)}, got {layer!r}")
    for attr in ("conv1", "maxpool", *STAGES):
        if not hasattr(model, attr):
            raise TypeError(
                f"model must be a ResAnDi network (with conv1, maxpool and {', '.join(STAGES)}), "
                f"got {type(model).__name__} without {attr!r}"
            )
    path = [model.conv1, model.maxpool]
    for name in STAGES[: names.index(layer)]:
        for block in getattr(model, name):
            path += [block.conv1, block.conv2]
    return path


def _geometry(module: nn.Module) -> tuple[int, int, int, int]:
    """``(kernel, stride, padding, dilation)`` of a Conv1d or a pool, as plain ints."""

    def one(v):
        return int(v[0]) if isinstance(v, (tuple, list)) else int(v)

    return (one(module.kernel_size), one(module.stride), one(module.padding), one(getattr(module, "dilation", 1)))


def receptive_field_centres(model: nn.Module, layer: str = "layer4", length: int = INPUT_LENGTH) -> np.ndarray:
    """The input position at the centre of the receptive field of each position of a stage's output.

    Computed exactly from the kernels, strides, paddings and dilations of the
    main path (stem convolution, max-pool, then both convolutions of every
    block; the shortcuts are centred on the same points).  Position ``j`` of a
    layer with kernel ``k``, stride ``s``, padding ``p`` and dilation ``d``
    reads the inputs ``j s - p + d i`` for ``i = 0 .. k - 1``, centred on
    ``j s - p + d (k - 1) / 2``; composing the layers gives an affine map
    ``centre(j) = offset + jump * j``.  For the ResAnDi stages this is
    ``4 j`` (layer1), ``8 j``, ``16 j`` and ``32 j`` (layer4): the first
    position of layer4 is centred on input point 0, not on the 16th point
    that nearest-neighbour stretching (``t * 32 // 1000``) gives it.

    Parameters
    ----------
    model : ResAnDi
    layer : {"stem", "layer1", "layer2", "layer3", "layer4"}
    length : int
        Input length.

    Returns
    -------
    centres : ndarray of shape (positions,), float64
        One input position per output position of ``layer`` (``positions`` is
        the stage's output length for this input length).

    Examples
    --------
    >>> from resandi_lite.model import build_model
    >>> receptive_field_centres(build_model("lite"), "layer4")[:4].tolist()
    [0.0, 32.0, 64.0, 96.0]
    """
    length = check_int(length, "length", minimum=1)
    offset, jump, size = 0.0, 1.0, length
    for module in _main_path(model, layer):
        k, s, p, d = _geometry(module)
        offset += jump * (-p + d * (k - 1) / 2)
        jump *= s
        size = (size + 2 * p - d * (k - 1) - 1) // s + 1
        if size < 1:
            raise ValueError(f"length {length} is too short for {layer}: no output position is left")
    return offset + jump * np.arange(size, dtype=np.float64)


def map_centres(model: nn.Module, positions: int, length: int = INPUT_LENGTH) -> np.ndarray:
    """Receptive-field centres of a map with ``positions`` values: the stage that has that many, or the input.

    A map at the input's resolution (``positions == length``) is its own
    centres ``0 .. length - 1``; otherwise the stage (stem, layer1 ..
    layer4) whose output has ``positions`` values at this input length.

    Returns
    -------
    centres : ndarray of shape (positions,), float64

    Examples
    --------
    >>> from resandi_lite.model import build_model
    >>> float(map_centres(build_model("lite"), 63)[-1])
    992.0
    """
    from ..model import STAGES

    positions = check_int(positions, "positions", minimum=1)
    if positions == length:
        return np.arange(length, dtype=np.float64)
    sizes = {}
    for layer in ("stem", *STAGES):
        centres = receptive_field_centres(model, layer, length)
        sizes[layer] = len(centres)
        if len(centres) == positions:
            return centres
    raise ValueError(
        f"positions must be the input length ({length}) or the output length of a stage "
        f"({', '.join(f'{k}: {v}' for k, v in sizes.items())}), got {positions}"
    )


def upsample(maps, length: int = INPUT_LENGTH, *, centres=None) -> np.ndarray:
    """Maps of P positions on the ``length`` input points: each point reads the position whose centre is nearest.

    Parameters
    ----------
    maps : ndarray of shape (n, P)
    length : int
    centres : ndarray of shape (P,), optional
        The input position each map value belongs to
        (:func:`receptive_field_centres`, :func:`map_centres`); sorted.
        ``None``: nearest-neighbour stretching, point ``t`` reads position
        ``floor(t * P / length)``, the paper's upsampling (its position ``j``
        covers ``[j L / P, (j + 1) L / P)``, up to ``L / (2 P)`` steps from
        the receptive-field centre, 16 at layer4).  Ties between two centres
        go to the earlier position.

    Returns
    -------
    ndarray of shape (n, length), float64

    Examples
    --------
    >>> upsample(np.array([[1.0, 2.0]]), 6, centres=np.array([0.0, 4.0])).tolist()
    [[1.0, 1.0, 1.0, 2.0, 2.0, 2.0]]
    >>> upsample(np.array([[1.0, 2.0]]), 6).tolist()
    [[1.0, 1.0, 1.0, 2.0, 2.0, 2.0]]
    """
    maps = np.asarray(maps, dtype=np.float64)
    if maps.ndim != 2 or maps.shape[1] < 1:
        raise ValueError(f"maps must have shape (n, positions), got {maps.shape}")
    if centres is None:
        return maps[:, (np.arange(length) * maps.shape[1]) // length]
    centres = np.asarray(centres, dtype=np.float64)
    if centres.shape != (maps.shape[1],) or np.any(np.diff(centres) <= 0):
        raise ValueError(
            f"centres must be increasing, one per map position ({maps.shape[1]}), got shape {centres.shape}"
        )
    midpoints = (centres[1:] + centres[:-1]) / 2
    return maps[:, np.searchsorted(midpoints, np.arange(length), side="left")]


def _check_upsampling(upsampling) -> None:
    if upsampling not in ("centres", "nearest"):
        raise ValueError(
            f"upsampling must be 'centres' (receptive-field centres) or 'nearest' (the paper's "
            f"stretching), got {upsampling!r}"
        )


def _centres(model: nn.Module, positions: int, upsampling: str):
    """The centres a map of ``positions`` values is upsampled with, or None for nearest-neighbour stretching."""
    if upsampling == "nearest" or positions == INPUT_LENGTH:
        return None
    return map_centres(model, positions)


def alignment(model: nn.Module, length: int = INPUT_LENGTH) -> list[dict]:
    """How far each upsampling puts an input point from the receptive-field centre of the map value it reads.

    Returns
    -------
    list of dict
        One row per stage: ``layer``, ``positions``, ``spacing`` (steps
        between centres), ``nearest`` (largest distance, nearest-neighbour
        stretching), ``centres`` (largest distance, upsampling by centres:
        half the spacing, except at the right end) and ``plateau_offset``:
        the largest distance between a position's centre and the middle of
        the stretch of input points that read it, for the stretching and for
        the centres.
    """
    from ..model import STAGES

    out = []
    t = np.arange(length)
    for layer in STAGES:
        c = receptive_field_centres(model, layer, length)
        eye = np.eye(len(c))
        row = {"layer": layer, "positions": len(c), "spacing": float(c[1] - c[0]) if len(c) > 1 else float(length)}
        for name, centres in (("nearest", None), ("centres", c)):
            reads = upsample(eye, length, centres=centres).argmax(0)  # the position each input point reads
            row[name] = float(np.max(np.abs(t - c[reads])))
            middles = np.array([t[reads == j].mean() for j in range(len(c))])
            row[f"plateau_offset_{name}"] = float(np.max(np.abs(middles[1:-1] - c[1:-1])))
        out.append(row)
    return out
