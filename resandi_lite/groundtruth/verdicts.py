"""Ground truth for explanations: score attribution maps against where the simulated mechanism acts.

The simulators know their events (:func:`resandi_lite.simulate.simulate` with
``events=True``): a CTRW moves only at its jumps, a Levy walk changes velocity
only when a new flight starts, an ATTM trajectory changes diffusivity at
known times.  This module places those marks on the network's 1000 input
points and asks of any map (:mod:`resandi_lite.attribution`) how well it
finds them, per trajectory, with three scores:

- **AUROC**: the probability that the map is higher at a random marked point
  than at a random unmarked one (0.5: no preference; ties count half);
- **pointing game**: is the map's maximum within ``k`` steps of an event (a
  map whose maximum is a plateau, as Grad-CAM's 31-step segments are, scores
  the fraction of the plateau that is);
- **relevance mass**: the fraction of the map's positive relevance within
  ``k`` steps of an event.

Only the observed points count, never the zero padding in front of a short
trajectory.  Each score is compared with the same score of random maps at the
map's resolution (i.i.d. uniform values), paired over trajectories, with
bootstrap intervals (:func:`summarise`).

Maps coarser than the input (Grad-CAM at a stage: 250, 125, 63 or 32
positions) are put on the input points by their receptive-field centres
(:func:`receptive_field_centres`): each input point reads the map position
whose centre is nearest.  The paper stretches them by nearest neighbour
instead, which puts a layer4 value up to 16 steps away from its centre, more
than the tolerance ``k = 3`` of the pointing game; ``centres=None`` (or
``upsampling="nearest"``) keeps the paper's way for comparison.

:func:`groundtruth_verdicts` is the powered measurement behind chapters 9b
and 12: every claim about the maps and the events, with Bonferroni-adjusted
paired bootstrap intervals and a verdict (:mod:`resandi_lite.verdict`).
The sanity checks of Adebayo et al. (2018) are in :mod:`resandi_lite.sanity`.
"""

from __future__ import annotations

import numpy as np
from torch import nn

from .._checks import (
    check_float,
    check_int,
    check_labels,
    check_lengths,
    check_maps,
    check_mask,
    check_memory,
    check_rng,
)
from ..preprocess import INPUT_LENGTH, preprocess
from ..simulate import CLASSES, simulate

#: The classes whose mechanism has discrete events.
EVENT_CLASSES = ("SubATTM", "SubCTRW", "SupLW")
SCORES = ("auroc", "pointing", "mass")


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


def _auroc_row(values: np.ndarray, positive: np.ndarray) -> float:
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    ranks = (np.cumsum(counts) - (counts - 1) / 2.0)[inverse]  # average ranks, 1-based
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def trajectory_scores(maps, events, lengths, *, k: int = 3, centres=None) -> dict:
    """The three scores of each trajectory's map.

    Parameters
    ----------
    maps : ndarray of shape (n, P)
        Maps at any resolution, upsampled to the input by :func:`upsample`.
    events : ndarray of shape (n, 1000), bool
        Marks on the input positions (:func:`events_to_input`).
    lengths : ndarray of shape (n,), int
        Trajectory lengths: only the last ``lengths[i]`` positions count.
    k : int
        Tolerance of the pointing game and the relevance mass, in steps.
    centres : ndarray of shape (P,), optional
        Receptive-field centres of the map's positions (:func:`map_centres`):
        each input point reads the position whose centre is nearest.
        ``None``: nearest-neighbour stretching, as the paper upsamples.

    Returns
    -------
    dict of str to ndarray of shape (n,), float64
        ``auroc``, ``pointing``, ``mass`` (NaN where undefined: no marked or no
        unmarked point, or no positive relevance).
    """
    events = check_mask(events, "events", ndim=2)
    maps = check_maps(maps, "maps", n=len(events))
    lengths = check_lengths(lengths, "lengths", maximum=events.shape[1], n=len(events))
    k = check_int(k, "k", minimum=0)
    up = upsample(maps, events.shape[1], centres=centres)
    if up.shape != events.shape:
        raise ValueError(f"maps must have one row per row of events ({len(events)}), got {np.shape(maps)}")
    observed = observed_positions(lengths, events.shape[1])
    near = near_events(events, k)
    n = len(up)
    out = {name: np.full(n, np.nan) for name in SCORES}
    for i in range(n):
        v, o = up[i, observed[i]], observed[i]
        out["auroc"][i] = _auroc_row(v, events[i, o])
        if events[i, o].any():
            top = v == v.max()
            out["pointing"][i] = near[i, o][top].mean()
            positive = np.clip(v, 0, None)
            if positive.sum() > 0:
                out["mass"][i] = positive[near[i, o]].sum() / positive.sum()
    return out


def random_maps(n: int, positions: int, rng=None) -> np.ndarray:
    """Maps of i.i.d. uniform values, the baseline of a method at ``positions`` positions: (n, positions)."""
    n, positions = check_int(n, "n", minimum=0), check_int(positions, "positions", minimum=1)
    check_memory(8 * n * positions, f"random_maps: {n:,} maps of {positions:,} positions")
    return check_rng(rng).random((n, positions))


def bootstrap(values, *, n_boot: int = 1000, level: float = 0.95, rng=None) -> tuple[float, float, float]:
    """Mean of the finite values and its percentile bootstrap interval: ``(mean, low, high)``.

    Examples
    --------
    >>> bootstrap([1.0, 1.0, np.nan])
    (1.0, 1.0, 1.0)
    """
    v = np.asarray(values)
    if v.dtype.kind not in "iuf" or v.ndim != 1:
        raise (TypeError if v.dtype.kind not in "iuf" else ValueError)(
            f"values must be a 1-D array of numbers (NaN for undefined), got dtype {v.dtype}, shape {v.shape}"
        )
    n_boot = check_int(n_boot, "n_boot", minimum=1)
    level = check_float(level, "level", minimum=0, maximum=1, open_low=True)
    rng = check_rng(rng)
    v = v.astype(np.float64)
    v = v[np.isfinite(v)]
    check_memory(8 * n_boot * v.size, f"bootstrap: {n_boot:,} resamples of {v.size:,} values")
    if v.size == 0:
        return (float("nan"),) * 3
    means = v[rng.integers(0, v.size, (n_boot, v.size))].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(v.mean()), float(lo), float(hi)


def summarise(
    maps, events, lengths, y, *, k: int = 3, rng=None, n_boot: int = 1000, classes=None, centres=None
) -> list[dict]:
    """Scores of the maps per class, each against random maps of the same resolution, with bootstrap intervals.

    ``centres``: as in :func:`trajectory_scores`, for the maps and the random maps alike.

    Returns
    -------
    list of dict
        One row per class present in ``y`` and score: ``class``, ``score``,
        ``n`` (trajectories where it is defined), ``mean``, ``low``, ``high``
        (95% interval), ``random``, ``random_low``, ``random_high``, and the
        paired ``difference`` (map minus random) with ``difference_low`` and
        ``difference_high``.
    """
    rng = check_rng(rng)
    classes = CLASSES if classes is None else classes
    maps = check_maps(maps, "maps")
    y = check_labels(y, "y", n=len(maps), n_classes=len(classes))
    ours = trajectory_scores(maps, events, lengths, k=k, centres=centres)
    random = trajectory_scores(random_maps(len(maps), maps.shape[1], rng), events, lengths, k=k, centres=centres)
    rows = []
    for label in np.unique(y):
        members = y == label
        for score in SCORES:
            a, b = ours[score][members], random[score][members]
            row = {"class": classes[label], "score": score, "n": int(np.isfinite(a).sum())}
            row.update(zip(("mean", "low", "high"), bootstrap(a, n_boot=n_boot, rng=rng)))
            row.update(zip(("random", "random_low", "random_high"), bootstrap(b, n_boot=n_boot, rng=rng)))
            row.update(
                zip(("difference", "difference_low", "difference_high"), bootstrap(a - b, n_boot=n_boot, rng=rng))
            )
            rows.append(row)
    return rows


def compare_methods(
    models: dict, data: dict, methods, *, k: int = 3, rng=None, n_boot: int = 1000, upsampling: str = "centres"
) -> list[dict]:
    """:func:`summarise` for every network and attribution method on one event set.

    Parameters
    ----------
    models : dict of str to torch.nn.Module
        Networks by label (e.g. ``"trained"``, ``"random weights"``).
    data : dict
        From :func:`event_set`.
    methods : sequence of str or callable
        Names of :data:`resandi_lite.attribution.METHODS` or callables.
    upsampling : {"centres", "nearest"}
        ``"centres"``: each input point reads the map position whose
        receptive-field centre is nearest (:func:`map_centres`);
        ``"nearest"``: the paper's nearest-neighbour stretching.

    Returns
    -------
    list of dict
        The rows of :func:`summarise`, each with ``network`` and ``method`` added.
    """
    from ..attribution import attribute

    _check_upsampling(upsampling)
    rng = check_rng(rng)
    if not isinstance(models, dict) or not all(isinstance(m, nn.Module) for m in models.values()):
        raise TypeError(f"models must be a dict of name to torch.nn.Module, got {type(models).__name__}")
    if not isinstance(data, dict) or {"X", "y", "events", "lengths"} - set(data):
        raise TypeError("data must be the dict returned by event_set (X, y, events, lengths)")
    rows = []
    for network, model in models.items():
        for method in methods:
            maps = attribute(model, data["X"], data["y"], method)
            centres = _centres(model, maps.shape[1], upsampling)
            for row in summarise(
                maps, data["events"], data["lengths"], data["y"], k=k, rng=rng, n_boot=n_boot, centres=centres
            ):
                rows.append({"network": network, "method": getattr(method, "__name__", method), **row})
    return rows


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


def plot_scores(rows: list[dict], score: str = "auroc", ax=None, *, network: str | None = None):
    """Each method's mean score per class with its 95% interval, beside the random maps' (grey)."""
    import matplotlib.pyplot as plt

    rows = [r for r in rows if r["score"] == score and (network is None or r.get("network") == network)]
    methods = list(dict.fromkeys(r["method"] for r in rows))
    classes = list(dict.fromkeys(r["class"] for r in rows))
    ax = ax or plt.subplots(figsize=(8, 3.2))[1]
    width = 0.8 / max(1, len(classes))
    for j, c in enumerate(classes):
        chosen = {r["method"]: r for r in rows if r["class"] == c}
        x = np.arange(len(methods)) + (j - (len(classes) - 1) / 2) * width
        mean = np.array([chosen[m]["mean"] for m in methods])
        err = np.array([[chosen[m]["mean"] - chosen[m]["low"], chosen[m]["high"] - chosen[m]["mean"]] for m in methods])
        ax.errorbar(x, mean, yerr=err.T, fmt="o", capsize=3, label=c)
        ax.errorbar(x, [chosen[m]["random"] for m in methods], fmt="_", color="grey", markersize=12)
    ax.set_xticks(np.arange(len(methods)), methods, rotation=30, ha="right")
    label = {
        "auroc": "AUROC (0.5: chance)",
        "pointing": "pointing game (hit rate)",
        "mass": "relevance mass near events",
    }[score]
    ax.set_ylabel(label)
    ax.legend(title="class (grey: random maps)", fontsize=8)
    return ax


def plot_events(positions, events, cam, ax=None, *, title: str | None = None):
    """A trajectory's x coordinate against time, its events (ticks) and a map (shaded), observed part only.

    Parameters
    ----------
    positions : ndarray of shape (2, T)
    events : ndarray of shape (T,), bool
    cam : ndarray of shape (T,)
        The map on the trajectory's points (e.g. upsampled to 1000 and cut to the last T).
    """
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(8, 2.6))[1]
    t = np.arange(len(events))
    ax.plot(t, positions[0], color="black", lw=0.8, label="x(t)")
    ax.set_xlabel("time step t")
    ax.set_ylabel("x (simulation units)")
    for tick in np.flatnonzero(events):
        ax.axvline(tick, color="tab:red", lw=0.4, alpha=0.5)
    twin = ax.twinx()
    twin.fill_between(t, cam, step="mid", color="tab:blue", alpha=0.25)
    twin.set_ylabel("map value", color="tab:blue")
    if title:
        ax.set_title(title)
    return ax


def report_values(
    n_per_class: int, seed: int = 0, *, network="lite", attribution=None, k: int = 3, result: dict | None = None
) -> dict:
    """Rows beyond the paper for the reproduction report: how well the maps find the events, per class.

    Keys ``groundtruth/<score>/<class>`` (score: ``auroc``, ``pointing``,
    ``mass``; class: :data:`EVENT_CLASSES`) and ``groundtruth/<score>-random/<class>``
    for random maps of the same resolution; values ``(mean, standard error)``,
    the standard error read off the 95% bootstrap interval (its width / 3.92).
    The paper has no such numbers: these rows are ours only.

    ``result``: a :func:`groundtruth_verdicts` result (e.g. the committed
    powered one, :func:`powered`); the rows are then read from it, with no new
    measurement, so that the report and chapter 9b show one measurement.
    """
    if result is not None:
        method = attribution or "gradcam-layer4"
        rows = [r for r in result["table"] if r["method"] == ("gradcam-layer4" if method == "gradcam" else method)]
        if not rows:
            raise ValueError(
                f"result holds no table rows for attribution {method!r}; it has "
                f"{sorted({r['method'] for r in result['table']})}"
            )
    else:
        model = _network(network)
        data = event_set(n_per_class, rng=seed + 7)
        from ..attribution import attribute

        maps = attribute(model, data["X"], data["y"], attribution)
        rows = summarise(
            maps,
            data["events"],
            data["lengths"],
            data["y"],
            k=k,
            rng=seed,
            centres=_centres(model, maps.shape[1], "centres"),
        )
    out = {}
    for r in rows:
        out[f"groundtruth/{r['score']}/{r['class']}"] = (r["mean"], (r["high"] - r["low"]) / 3.92)
        out[f"groundtruth/{r['score']}-random/{r['class']}"] = (
            r["random"],
            (r["random_high"] - r["random_low"]) / 3.92,
        )
    return out


def _network(network, default: str = "lite") -> nn.Module:
    """``None``: the shipped ``default``; a name or a path: loaded; a module: used as it is (in eval mode)."""
    if isinstance(network, nn.Module):
        return network.eval()
    from ..pretrained import load_model

    return load_model(default if network is None else network)


#: Trajectories per class of :func:`groundtruth_verdicts` at each size of the powered run
#: (:func:`resandi_lite.verdict.run_verdicts`).  ``powered``: every 95% AUROC interval within about +-0.02 (the
#: largest per-trajectory spread seen, 0.34, over sqrt(1500)), about 12 minutes of one core (measured: 0.165 s of
#: CPU per trajectory for the eight methods).
VERDICT_SIZES = {"ci": 3, "book": 40, "powered": 1500}
#: The attribution methods the ground-truth verdicts score (every stage of Grad-CAM and the input-level methods).
VERDICT_METHODS = (
    "gradcam-layer1",
    "gradcam-layer2",
    "gradcam-layer3",
    "gradcam-layer4",
    "gradcam-relu",
    "saliency",
    "integrated-gradients",
    "occlusion",
)
#: What the events of each class are, for the claims' wording.
EVENT_WORDS = {"SubATTM": "changes of diffusivity", "SubCTRW": "jumps", "SupLW": "flight starts"}
#: The effect of interest of the claims beyond the paper: AUROC 0.55 (0.05 above chance), and a pointing game or a
#: relevance mass 0.05 above random maps'.  The paper makes no ground-truth claim.
MINIMAL_EFFECT = 0.05
_REFERENCE = (
    "beyond the paper (it makes no ground-truth claim): the course's claim, judged against a minimal effect "
    "of interest of {what}"
)


def groundtruth_verdicts(
    n_per_class: int,
    *,
    seed: int = 0,
    network=None,
    progress: bool = False,
    methods=VERDICT_METHODS,
    k: int = 3,
    n_boot: int = 2000,
    level: float = 0.95,
    upsampling: str = "centres",
) -> dict:
    """The powered ground-truth measurement: does each map find the events, per class, with a verdict per claim.

    One event set of ``n_per_class`` trajectories per class with events
    (:data:`EVENT_CLASSES`, varying lengths) is scored with every method
    (:func:`trajectory_scores`, maps on the input by receptive-field centres).
    Two families of claims, each read with Bonferroni-adjusted intervals
    (:func:`resandi_lite.verdict.family_level`, the course's one rule):

    - ``auroc``: for every method and class, "the map is higher at the events
      than elsewhere": the mean AUROC minus 0.5, paired bootstrap over
      trajectories; ``differs`` means the map is *lower* at the events;
    - ``layer4 vs random``: for the paper's map (signed Grad-CAM at layer4),
      its pointing game and relevance mass minus those of random maps of the
      same resolution on the same trajectories.

    The paper makes no claim here, so every row is beyond the paper and is
    judged against a minimal effect of interest of 0.05 (:data:`MINIMAL_EFFECT`;
    AUROC 0.55), stated in its ``reference``.

    Parameters
    ----------
    n_per_class : int
        Trajectories per class with events (3 classes).
    seed : int
        Seeds the event set and the bootstrap.
    network : None, str, path or torch.nn.Module
        ``None``: the shipped varying-length network ``lite``.
    progress : bool
        Print one line per method.
    methods : sequence of str
        Names of :data:`resandi_lite.attribution.METHODS`.
    k : int
        Tolerance of the pointing game and the relevance mass, in steps.
    n_boot : int
        Bootstrap resamples per row.
    level : float
        Coverage of each family as a whole.
    upsampling : {"centres", "nearest"}

    Returns
    -------
    dict (JSON-ready)
        ``rows`` (:func:`resandi_lite.verdict.verdict_row` rows, with
        ``family``, ``level``, ``method``, ``class``, ``score`` and
        ``reference``), ``table`` (per method, class and score: ``mean``,
        ``low``, ``high`` (95%), ``random`` (random maps) and more, the rows
        :func:`plot_scores` draws), ``sizes``, ``seconds``, ``network``,
        ``k``, ``upsampling``, ``level`` and ``alignment`` (per stage: the
        largest distance between an input point's map position's
        receptive-field centre and the point, for both upsamplings).
    """
    import time

    from ..attribution import attribute
    from ..verdict import family_level

    n_per_class = check_int(n_per_class, "n_per_class", minimum=2)
    k = check_int(k, "k", minimum=0)
    _check_upsampling(upsampling)
    methods = list(methods)
    start = time.perf_counter()
    model = _network(network)
    rng = np.random.default_rng(seed)
    data = event_set(n_per_class, rng=rng)
    y = data["y"]
    scores, random_scores, table = {}, {}, []
    for method in methods:
        tic = time.perf_counter()
        maps = attribute(model, data["X"], y, method)
        centres = _centres(model, maps.shape[1], upsampling)
        scores[method] = trajectory_scores(maps, data["events"], data["lengths"], k=k, centres=centres)
        random = random_maps(len(maps), maps.shape[1], rng)
        random_scores[method] = trajectory_scores(random, data["events"], data["lengths"], k=k, centres=centres)
        for row in _table(scores[method], random_scores[method], y, rng=rng, n_boot=n_boot):
            table.append({"network": "trained", "method": method, **row})
        if progress:
            print(f"groundtruth: {method} on {len(y)} trajectories in {time.perf_counter() - tic:.1f} s", flush=True)

    rows, skipped = [], []
    auroc_level = family_level(len(methods) * len(EVENT_CLASSES), level)
    for method in methods:
        for c in EVENT_CLASSES:
            a = scores[method]["auroc"][y == CLASSES.index(c)]
            claim_row(
                rows,
                skipped,
                f"{method} is higher at {c} {EVENT_WORDS[c]} than elsewhere (AUROC - 0.5)",
                a,
                np.full_like(a, 0.5),
                paper=MINIMAL_EFFECT,
                level=auroc_level,
                n_boot=n_boot,
                rng=rng,
                family="auroc",
                method=method,
                score="auroc - 0.5",
                reference=_REFERENCE.format(what="AUROC 0.55"),
                **{"class": c},
            )
    paper_method = "gradcam-layer4"
    if paper_method in methods:
        vs_level = family_level(2 * len(EVENT_CLASSES), level)
        for score, words in (("pointing", "pointing game (k = {k})"), ("mass", "relevance mass within {k} steps")):
            for c in EVENT_CLASSES:
                members = y == CLASSES.index(c)
                claim_row(
                    rows,
                    skipped,
                    f"layer4 Grad-CAM's {words.format(k=k)} at {c} {EVENT_WORDS[c]} beats random maps' (difference)",
                    scores[paper_method][score][members],
                    random_scores[paper_method][score][members],
                    paper=MINIMAL_EFFECT,
                    level=vs_level,
                    n_boot=n_boot,
                    rng=rng,
                    family="layer4 vs random",
                    method=paper_method,
                    score=f"{score} - random",
                    reference=_REFERENCE.format(what=f"0.05 in {words.split(' (')[0].split(' within')[0]}"),
                    **{"class": c},
                )
    return {
        "rows": rows,
        "skipped": skipped,
        "table": table,
        "alignment": alignment(model),
        "sizes": {
            "n_per_class": n_per_class,
            "trajectories": len(y),
            "classes": list(EVENT_CLASSES),
            "methods": methods,
            "n_boot": n_boot,
        },
        "seconds": float(time.perf_counter() - start),
        "network": _network_name(network),
        "k": k,
        "upsampling": upsampling,
        "level": level,
    }


def claim_row(
    rows: list,
    skipped: list,
    claim: str,
    a,
    b,
    *,
    paper: float,
    level: float,
    n_boot: int,
    rng,
    statistic=None,
    **extra,
) -> None:
    """Append the verdict row of one claim: a paired bootstrap of ``(a, b)`` over the trajectories where both are defined.

    With fewer than 2 such trajectories (a short set: e.g. ATTM trajectories
    without a change of diffusivity have no AUROC) the claim cannot be judged;
    it goes to ``skipped`` as ``{"claim", "n", "reason"}`` instead.

    Parameters
    ----------
    rows, skipped : list
        Appended to.
    claim : str
    a, b : ndarray of shape (n,)
        One value per trajectory under each condition (NaN: undefined).
    paper, level, n_boot, rng, statistic
        As :func:`resandi_lite.verdict.verdict_row` and :func:`resandi_lite.verdict.paired_bootstrap`.
    **extra
        Added to the row (``family``, ``method``, ...).
    """
    from ..verdict import paired_bootstrap, verdict_row

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    keep = np.isfinite(a) & np.isfinite(b)
    if keep.sum() < 2:
        skipped.append(
            {
                "claim": claim,
                "n": int(keep.sum()),
                "reason": "fewer than 2 trajectories with a defined value; use a larger n_per_class",
                **extra,
            }
        )
        return
    r = paired_bootstrap(a[keep], b[keep], statistic=statistic, level=level, n_boot=n_boot, rng=rng)
    rows.append(
        verdict_row(claim, r["estimate"], r["low"], r["high"], r["n"], paper, level=level, stderr=r["stderr"], **extra)
    )


def _network_name(network) -> str:
    if network is None:
        return "lite"
    return type(network).__name__ if isinstance(network, nn.Module) else str(network)


def _table(ours: dict, random: dict, y, *, rng, n_boot: int) -> list[dict]:
    """Per class and score: mean and 95% interval of the map's score and the random maps', and their difference."""
    rows = []
    for label in np.unique(y):
        members = y == label
        for score in SCORES:
            a, b = ours[score][members], random[score][members]
            row = {"class": CLASSES[label], "score": score, "n": int(np.isfinite(a).sum())}
            row.update(zip(("mean", "low", "high"), bootstrap(a, n_boot=n_boot, rng=rng)))
            row.update(zip(("random", "random_low", "random_high"), bootstrap(b, n_boot=n_boot, rng=rng)))
            row.update(
                zip(("difference", "difference_low", "difference_high"), bootstrap(a - b, n_boot=n_boot, rng=rng))
            )
            rows.append(row)
    return rows


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


def verdict_lines(rows: list[dict], *keys: str, family: str | None = None) -> list[str]:
    """Verdict rows as short lines: the ``keys`` (e.g. ``"method", "class"``), estimate, interval, verdict.

    ``n_needed`` is added for an open verdict; ``family`` keeps only that family's rows.

    Examples
    --------
    >>> from resandi_lite.verdict import verdict_row
    >>> verdict_lines([verdict_row("x", 0.2, 0.1, 0.3, 100, 0.05, method="saliency")], "method")
    ['saliency: +0.200 [+0.100, +0.300] agrees']
    """
    out = []
    for r in rows:
        if family is not None and r.get("family") != family:
            continue
        label = ", ".join(str(r.get(k, "")) for k in keys) or r["claim"]
        line = f"{label}: {r['estimate']:+.3f} [{r['low']:+.3f}, {r['high']:+.3f}] {r['verdict']}"
        out.append(line + (f" (n_needed {r['n_needed']})" if r["verdict"] == "open" else ""))
    return out


def powered(path=None) -> dict | None:
    """The committed powered ground-truth result (:func:`groundtruth_verdicts`), or ``None`` when there is none yet.

    Read from ``path``, or from :data:`resandi_lite.verdict.POWERED` (the
    JSON of every part's powered measurement) when it exists: its
    ``groundtruth`` part with its rows.
    """
    return _powered_part("groundtruth", path)


def _powered_part(part: str, path=None) -> dict | None:
    """One part of the powered verdicts JSON: ``parts[part]`` with the rows whose ``part`` is ``part``.

    Also accepts a file holding one part's result (a dict with ``rows``).
    Values the JSON could not hold (NaN) come back as ``None``.
    """
    import json
    from pathlib import Path

    from .. import verdict

    path = path if path is not None else getattr(verdict, "POWERED", None)
    if path is None or not Path(path).is_file():
        return None
    data = json.loads(Path(path).read_text())
    if not isinstance(data, dict):
        raise TypeError(f"{path} holds no verdicts (a JSON object with rows), got {type(data).__name__}")
    if isinstance(data.get("parts"), dict):
        if part not in data["parts"]:
            return None
        return {**data["parts"][part], "rows": [r for r in data.get("rows", []) if r.get("part") == part]}
    return data if isinstance(data.get("rows"), list) and data.get("part", part) == part else None
