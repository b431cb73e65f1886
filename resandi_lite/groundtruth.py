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
bootstrap intervals (:func:`summarise`).  :func:`randomized_weights` and
:func:`random_label_model` build the two networks of the sanity checks of
Adebayo et al. (2018), whose maps should score worse.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from ._checks import (check_float, check_int, check_labels, check_lengths, check_maps, check_mask, check_memory,
                      check_rng)
from .preprocess import INPUT_LENGTH, preprocess
from .simulate import CLASSES, simulate

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
        out[i, input_length - e.size:] = e
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
        raw[i, :, INPUT_LENGTH - x.shape[-1]:] = x
    return {"X": preprocess(trajectories), "y": np.repeat([CLASSES.index(c) for c in classes], n_per_class),
            "alpha": np.concatenate([a for _, a, _ in parts]), "lengths": lengths,
            "events": events_to_input(marks), "positions": raw}


def near_events(events, k: int) -> np.ndarray:
    """Positions within ``k`` steps of a mark (the marks themselves for k = 0): same shape, bool."""
    events = check_mask(events, "events", ndim=2)
    k = check_int(k, "k", minimum=0, maximum=max(events.shape[1], 1))
    out = events.copy()
    for d in range(1, int(k) + 1):
        out[:, d:] |= events[:, :-d]
        out[:, :-d] |= events[:, d:]
    return out


def _upsample(maps, length: int) -> np.ndarray:
    maps = np.asarray(maps, dtype=np.float64)
    if maps.ndim != 2:
        raise ValueError(f"maps must have shape (n, positions), got {maps.shape}")
    return maps[:, (np.arange(length) * maps.shape[1]) // length]


def _auroc_row(values: np.ndarray, positive: np.ndarray) -> float:
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    ranks = (np.cumsum(counts) - (counts - 1) / 2.0)[inverse]  # average ranks, 1-based
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def trajectory_scores(maps, events, lengths, *, k: int = 3) -> dict:
    """The three scores of each trajectory's map.

    Parameters
    ----------
    maps : ndarray of shape (n, P)
        Maps at any resolution; upsampled to the input by nearest neighbour.
    events : ndarray of shape (n, 1000), bool
        Marks on the input positions (:func:`events_to_input`).
    lengths : ndarray of shape (n,), int
        Trajectory lengths: only the last ``lengths[i]`` positions count.
    k : int
        Tolerance of the pointing game and the relevance mass, in steps.

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
    up = _upsample(maps, events.shape[1])
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
            f"values must be a 1-D array of numbers (NaN for undefined), got dtype {v.dtype}, shape {v.shape}")
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


def summarise(maps, events, lengths, y, *, k: int = 3, rng=None, n_boot: int = 1000, classes=None) -> list[dict]:
    """Scores of the maps per class, each against random maps of the same resolution, with bootstrap intervals.

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
    ours = trajectory_scores(maps, events, lengths, k=k)
    random = trajectory_scores(random_maps(len(maps), maps.shape[1], rng), events, lengths, k=k)
    rows = []
    for label in np.unique(y):
        members = y == label
        for score in SCORES:
            a, b = ours[score][members], random[score][members]
            row = {"class": classes[label], "score": score, "n": int(np.isfinite(a).sum())}
            row.update(zip(("mean", "low", "high"), bootstrap(a, n_boot=n_boot, rng=rng)))
            row.update(zip(("random", "random_low", "random_high"), bootstrap(b, n_boot=n_boot, rng=rng)))
            row.update(zip(("difference", "difference_low", "difference_high"),
                           bootstrap(a - b, n_boot=n_boot, rng=rng)))
            rows.append(row)
    return rows


def randomized_weights(model: nn.Module, *, seed: int = 0) -> nn.Module:
    """A copy of the network with every layer re-initialised (and BatchNorm statistics reset), in eval mode.

    The first sanity check of Adebayo et al. (2018): maps that do not change
    when the learned weights are thrown away cannot explain what was learned.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    seed = check_int(seed, "seed", minimum=0)
    clone = copy.deepcopy(model)
    torch.manual_seed(seed)
    for module in clone.modules():
        if hasattr(module, "reset_parameters"):
            module.reset_parameters()
        if hasattr(module, "reset_running_stats"):
            module.reset_running_stats()
    return clone.eval()


def random_label_model(*, n_per_class: int = 200, batches: int = 150, batch_size: int = 32, lr: float = 1e-3,
                       preset: str = "lite", seed: int = 0) -> nn.Module:
    """A network trained from scratch on labels shuffled at random (the second sanity check), in eval mode.

    Kept cheap on purpose: ``batches`` Adam steps on ``8 * n_per_class``
    varying-length trajectories whose labels are permuted, so the labels hold
    no information about the trajectories.  Maps of such a network should not
    find the mechanism better than chance.
    """
    from .data import make_dataset
    from .model import build_model

    rng = np.random.default_rng(seed)
    data = make_dataset(n_per_class, "varying", seed=seed)
    X, y = torch.from_numpy(data.X), torch.from_numpy(rng.permutation(data.y).astype(np.int64))
    torch.manual_seed(seed)
    model = build_model(preset)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for _ in range(batches):
        index = torch.from_numpy(rng.integers(0, len(X), batch_size))
        loss = nn.functional.cross_entropy(model(X[index]), y[index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval()


def compare_methods(models: dict, data: dict, methods, *, k: int = 3, rng=None, n_boot: int = 1000) -> list[dict]:
    """:func:`summarise` for every network and attribution method on one event set.

    Parameters
    ----------
    models : dict of str to torch.nn.Module
        Networks by label (e.g. ``"trained"``, ``"random weights"``).
    data : dict
        From :func:`event_set`.
    methods : sequence of str or callable
        Names of :data:`resandi_lite.attribution.METHODS` or callables.

    Returns
    -------
    list of dict
        The rows of :func:`summarise`, each with ``network`` and ``method`` added.
    """
    from .attribution import attribute

    rng = check_rng(rng)
    if not isinstance(models, dict) or not all(isinstance(m, nn.Module) for m in models.values()):
        raise TypeError(f"models must be a dict of name to torch.nn.Module, got {type(models).__name__}")
    if not isinstance(data, dict) or {"X", "y", "events", "lengths"} - set(data):
        raise TypeError("data must be the dict returned by event_set (X, y, events, lengths)")
    rows = []
    for network, model in models.items():
        for method in methods:
            maps = attribute(model, data["X"], data["y"], method)
            for row in summarise(maps, data["events"], data["lengths"], data["y"], k=k, rng=rng, n_boot=n_boot):
                rows.append({"network": network, "method": getattr(method, "__name__", method), **row})
    return rows


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
    label = {"auroc": "AUROC (0.5: chance)", "pointing": "pointing game (hit rate)",
             "mass": "relevance mass near events"}[score]
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


def report_values(n_per_class: int, seed: int = 0, *, network="lite", attribution=None, k: int = 3) -> dict:
    """Rows beyond the paper for the reproduction report: how well the maps find the events, per class.

    Keys ``groundtruth/<score>/<class>`` (score: ``auroc``, ``pointing``,
    ``mass``; class: :data:`EVENT_CLASSES`) and ``groundtruth/<score>-random/<class>``
    for random maps of the same resolution; values ``(mean, standard error)``,
    the standard error read off the 95% bootstrap interval (its width / 3.92).
    The paper has no such numbers: these rows are ours only.
    """
    from .attribution import attribute
    from .pretrained import load_model

    model = load_model(network)
    data = event_set(n_per_class, rng=seed + 7)
    maps = attribute(model, data["X"], data["y"], attribution)
    out = {}
    for r in summarise(maps, data["events"], data["lengths"], data["y"], k=k, rng=seed):
        out[f"groundtruth/{r['score']}/{r['class']}"] = (r["mean"], (r["high"] - r["low"]) / 3.92)
        out[f"groundtruth/{r['score']}-random/{r['class']}"] = (r["random"], (r["random_high"] - r["random_low"]) / 3.92)
    return out
