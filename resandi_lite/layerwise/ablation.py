"""Feature ablation: swap the window where a statistic peaks for a distant one and measure the accuracy lost.

The targeted swap beside a random swap and controls that keep the statistic (:func:`swap_windows`,
:func:`feature_ablation`, :func:`ablation_by_feature`, :data:`CONTROLS`); the paired differences of
the arms and their table (:func:`paired_difference`, :func:`ablation_differences`,
:func:`ablation_table`), and the accuracy lost per class (:func:`plot_ablation_by_class`).
"""

from __future__ import annotations

import numpy as np
from torch import nn

from ..evaluate import predict_logits as predict
from ..paper import N_WINDOWS, STRIDE, WINDOW
from ..preprocess import minmax_scale
from ..simulate.classes import N_CLASSES
from .statistics import COMPOSITES


def swap_windows(X, source, destination, *, exchange: bool = False) -> np.ndarray:
    """Replace the increments of window ``destination[i]`` by those of window ``source[i]`` and rescale.

    Parameters
    ----------
    X : ndarray of shape (n, 2, 1000)
    source, destination : ndarray of shape (n,), int in 0..31
    exchange : bool
        Also put the increments of ``destination[i]`` in ``source[i]``: the two
        windows trade places, so the trajectory keeps every increment (and any
        statistic of their distribution) and only their order changes.  The
        windows must not overlap (9 or more positions apart).

    Returns
    -------
    ndarray of shape (n, 2, 1000), float32, MinMax-scaled per coordinate
    """
    X = np.asarray(X, dtype=np.float64)
    source, destination = np.asarray(source), np.asarray(destination)
    if exchange and np.any(np.abs(source - destination) < -(-WINDOW // STRIDE)):
        raise ValueError(
            f"exchange needs windows at least {-(-WINDOW // STRIDE)} positions apart (no overlap), "
            f"got distances down to {np.abs(source - destination).min()}"
        )
    d = np.diff(X, axis=-1)
    rows = np.arange(len(X))[:, None]
    offsets = np.arange(WINDOW - 1)[None, :]
    src = STRIDE * source[:, None] + offsets
    dst = STRIDE * destination[:, None] + offsets
    moved, replaced = d[rows, :, src], d[rows, :, dst]  # copies, (n, 224, 2)
    d[rows, :, dst] = moved
    if exchange:
        d[rows, :, src] = replaced
    P = np.concatenate([X[:, :, :1], X[:, :, :1] + np.cumsum(d, axis=-1)], axis=-1)
    return minmax_scale(P)


def _targeted_swap(feature: np.ndarray, min_distance: int) -> tuple[np.ndarray, np.ndarray]:
    """Peak window of |feature| and the distant window where |feature| is weakest: ((n,), (n,))."""
    f = np.nan_to_num(np.abs(np.asarray(feature, np.float64)), nan=0.0)
    idx = np.arange(N_WINDOWS)
    peak = f.argmax(axis=1)
    far = np.abs(idx[None, :] - peak[:, None]) >= min_distance
    return peak, np.where(far, f, np.inf).argmin(axis=1)


def _matched_swap(feature: np.ndarray, min_distance: int) -> tuple[np.ndarray, np.ndarray]:
    """Peak window of |feature| and the distant window whose |feature| is closest to the peak's: ((n,), (n,)).

    The control of the targeted swap: the same window is replaced, but by one
    that carries nearly as much of the statistic (the largest |feature| among
    the distant windows), so the statistic's values over the trajectory hardly change.
    """
    f = np.nan_to_num(np.abs(np.asarray(feature, np.float64)), nan=0.0)
    idx = np.arange(N_WINDOWS)
    peak = f.argmax(axis=1)
    far = np.abs(idx[None, :] - peak[:, None]) >= min_distance
    return peak, np.where(far, f, -np.inf).argmax(axis=1)


def _random_swap(n: int, rng: np.random.Generator, min_distance: int) -> tuple[np.ndarray, np.ndarray]:
    """A random window and a uniformly drawn distant one: (destination (n,), source (n,))."""
    idx = np.arange(N_WINDOWS)
    dst = rng.integers(0, N_WINDOWS, n)
    options = np.abs(idx[None, :] - dst[:, None]) >= min_distance
    return dst, np.where(options, rng.random(options.shape), -1.0).argmax(axis=1)


def _check_ablation(X, y, min_distance):
    X, y = np.asarray(X, np.float32), np.asarray(y)
    if X.ndim != 3 or X.shape[1:] != (2, 1000) or y.shape != (len(X),):
        raise ValueError(f"X must have shape (n, 2, 1000) and y (n,), got {X.shape} and {y.shape}")
    if not 1 <= min_distance <= N_WINDOWS // 2:
        raise ValueError(f"min_distance must be in 1..{N_WINDOWS // 2}, got {min_distance}")
    return X, y


def feature_ablation(
    model: nn.Module, X, y, feature: np.ndarray, *, rng=None, min_distance: int = 9, batch_size: int = 512
) -> dict:
    """Swap out the window where ``feature`` peaks for the most different distant window; compare with random swaps.

    Parameters
    ----------
    X : ndarray of shape (n, 2, 1000)
    y : ndarray of shape (n,), int
    feature : ndarray of shape (n, 32)
        A window statistic or composite (e.g. ``composites(...)["AC"]``).
    rng : numpy.random.Generator, int or None
        Draws the random swaps.
    min_distance : int
        Windows at least this many positions apart do not overlap (225 / 25 = 9).

    Returns
    -------
    dict
        ``clean``, ``targeted`` and ``random`` accuracy; ``peak`` (n,) and
        ``replacement`` (n,) window indices of the targeted swap.
    """
    X, y = _check_ablation(X, y, min_distance)
    rng = np.random.default_rng(rng)
    peak, replacement = _targeted_swap(feature, min_distance)
    rand_dst, rand_src = _random_swap(len(X), rng, min_distance)

    def accuracy(inputs):
        return float(np.mean(predict(model, inputs, batch_size=batch_size).argmax(1) == y))

    return {
        "clean": accuracy(X),
        "targeted": accuracy(swap_windows(X, replacement, peak)),
        "random": accuracy(swap_windows(X, rand_src, rand_dst)),
        "peak": peak,
        "replacement": replacement,
    }


#: The controls of a targeted swap (:func:`ablation_by_feature`).
CONTROLS = ("matched", "exchange")


def ablation_by_feature(
    model: nn.Module,
    X,
    y,
    features: dict,
    *,
    rng=None,
    min_distance: int = 9,
    n_classes: int = N_CLASSES,
    controls=(),
    batch_size: int = 512,
) -> dict:
    """:func:`feature_ablation` for several features at once, sharing the clean and the random run.

    Parameters
    ----------
    features : dict of str to ndarray of shape (n, 32)
        E.g. the output of :func:`composites`.
    n_classes : int
        Number of labels, for the per-class accuracies.
    controls : sequence of str
        Controls of each targeted swap, among :data:`CONTROLS`, each under the key ``"<name> <control>"``:
        ``"matched"`` replaces the same peak window by the distant window
        whose |feature| is closest to the peak's, so the edit (and the seams it
        leaves) is the targeted one's but the window's statistic is nearly
        kept; ``"exchange"`` makes the targeted swap's two windows trade
        places, so the trajectory keeps all its increments, its peak included,
        and the statistic's values over the trajectory, only moved.

    Returns
    -------
    dict of str to dict
        For ``"clean"``, ``"random"``, each feature name (and ``"<name>
        <control>"``): ``accuracy`` (float), ``per_class`` (n_classes,) float64
        accuracy (NaN for a class absent from ``y``) and ``correct`` (n,) bool.
        The swaps of a feature also hold ``peak`` and ``source`` (n,) int, the
        windows replaced and copied, and ``change`` (float): the mean over
        trajectories of the change of the sum of |feature| over the 32
        windows, reckoned from the windows moved (NaN read as 0; the windows
        overlapping a seam aside): |f| at the source minus at the peak for
        the targeted and matched swaps, 0 for an exchange.
        The random swap is the same draw for every feature, and equal to
        :func:`feature_ablation`'s with the same ``rng``.
    """
    X, y = _check_ablation(X, y, min_distance)
    controls = (controls,) if isinstance(controls, str) else tuple(controls)
    if not set(controls) <= set(CONTROLS):
        raise ValueError(f"controls must be among {CONTROLS}, got {controls!r}")
    rng = np.random.default_rng(rng)
    for name, f in features.items():
        if np.shape(f) != (len(X), N_WINDOWS):
            raise ValueError(f"feature {name!r} must have shape ({len(X)}, {N_WINDOWS}), got {np.shape(f)}")
    rand_dst, rand_src = _random_swap(len(X), rng, min_distance)

    def scores(inputs):
        right = predict(model, inputs, batch_size=batch_size).argmax(1) == y
        with np.errstate(invalid="ignore", divide="ignore"):
            per_class = np.bincount(y, right, n_classes) / np.bincount(y, minlength=n_classes)
        return {"accuracy": float(right.mean()), "per_class": per_class, "correct": right}

    def swap(f, choose, exchange=False):
        peak, source = choose(f, min_distance)
        a = np.nan_to_num(np.abs(np.asarray(f, np.float64)), nan=0.0)
        rows = np.arange(len(X))
        change = 0.0 if exchange else float(np.mean(a[rows, source] - a[rows, peak]))
        return {
            **scores(swap_windows(X, source, peak, exchange=exchange)),
            "peak": peak,
            "source": source,
            "change": change,
        }

    out = {"clean": scores(X), "random": scores(swap_windows(X, rand_src, rand_dst))}
    for name, f in features.items():
        out[name] = swap(f, _targeted_swap)
        if "matched" in controls:
            out[f"{name} matched"] = swap(f, _matched_swap)
        if "exchange" in controls:
            out[f"{name} exchange"] = swap(f, _targeted_swap, exchange=True)
    return out


def paired_difference(correct_a, correct_b) -> tuple[float, float]:
    """Difference of two accuracies measured on the same trajectories, in points, with its paired standard error.

    Parameters
    ----------
    correct_a, correct_b : ndarray of shape (n,), bool
        Whether each trajectory is classified correctly under two conditions.

    Returns
    -------
    (difference, stderr) : tuple of float
        ``100 * mean(a - b)`` and ``100 * std(a - b, ddof=1) / sqrt(n)``.

    Examples
    --------
    >>> [round(v, 2) for v in paired_difference([True, True, False, True], [True, False, False, False])]
    [50.0, 28.87]
    """
    a, b = np.asarray(correct_a), np.asarray(correct_b)
    if a.ndim != 1 or a.shape != b.shape or len(a) < 2:
        raise ValueError(f"correct_a and correct_b must be (n,) arrays of the same n >= 2, got {a.shape} and {b.shape}")
    d = a.astype(np.float64) - b.astype(np.float64)
    return 100 * float(d.mean()), 100 * float(d.std(ddof=1) / np.sqrt(len(d)))


def ablation_differences(ablation: dict, names=COMPOSITES) -> dict:
    """Paired accuracy differences (points, with standard errors) between the arms of :func:`ablation_by_feature`.

    Returns
    -------
    dict of str to dict of str to (float, float)
        For each name: ``"targeted - random"`` and, for each control present,
        ``"<control> - random"`` and ``"targeted - <control>"``, each
        :func:`paired_difference` (negative: the first arm loses more).
    """
    out = {}
    for name in names:
        random, targeted = ablation["random"]["correct"], ablation[name]["correct"]
        out[name] = {"targeted - random": paired_difference(targeted, random)}
        for control in CONTROLS:
            if f"{name} {control}" in ablation:
                other = ablation[f"{name} {control}"]["correct"]
                out[name][f"{control} - random"] = paired_difference(other, random)
                out[name][f"targeted - {control}"] = paired_difference(targeted, other)
    return out


def ablation_table(ablation: dict, names=COMPOSITES) -> dict:
    """The arms of :func:`ablation_by_feature` as a small table for display.

    Returns
    -------
    dict of str to dict
        ``"clean, random (%)"``: the two accuracies; for each name: the
        accuracy of the targeted swap and of each control present (%, in the
        order of the key ``"targeted, <controls> (%)"``), the paired differences of
        :func:`ablation_differences` as ``"d ± se"`` (points), and
        ``"statistic removed"``: ``-change`` of the same arms.
    """

    def percent(key):
        return round(100 * ablation[key]["accuracy"], 1)

    table = {"clean, random (%)": (percent("clean"), percent("random"))}
    for name, diffs in ablation_differences(ablation, names).items():
        controls = [c for c in CONTROLS if f"{name} {c}" in ablation]
        arms = [name] + [f"{name} {c}" for c in controls]
        table[name] = {
            f"{', '.join(['targeted', *controls])} (%)": tuple(percent(a) for a in arms),
            **{k: f"{d:+.1f} ± {se:.1f}" for k, (d, se) in diffs.items()},
            "statistic removed": tuple(round(-ablation[a]["change"], 3) + 0.0 for a in arms),
        }
    return table


def plot_ablation_by_class(ablation: dict, axes=None, *, names=COMPOSITES, classes=None):
    """Accuracy lost per class by each swap of :func:`ablation_by_feature`: targeted swaps, then each control.

    Parameters
    ----------
    ablation : dict
        The output of :func:`ablation_by_feature`; each control present gets a panel of its own.
    axes : sequence of matplotlib Axes, optional
        One per panel.

    Returns
    -------
    sequence of matplotlib Axes
        Bars: accuracy lost against the clean inputs (percentage points) per
        true class; the random swap (grey) in every panel.
    """
    import matplotlib.pyplot as plt

    from ..simulate.classes import CLASSES

    classes = CLASSES if classes is None else classes
    rows = [("targeted", list(names))]
    rows += [
        (f"{c} control", [f"{n} {c}" for n in names]) for c in CONTROLS if all(f"{n} {c}" in ablation for n in names)
    ]
    if axes is None:
        _, axes = plt.subplots(
            len(rows),
            1,
            figsize=(11, 3.2 * len(rows)),
            sharex=True,
            sharey=True,
            constrained_layout=True,
            squeeze=False,
        )
        axes = axes[:, 0]
    width = 0.8 / (len(names) + 1)
    for ax, (title, keys) in zip(axes, rows):
        for j, key in enumerate(["random", *keys]):
            drop = 100 * (ablation["clean"]["per_class"] - ablation[key]["per_class"])
            ax.bar(
                np.arange(len(classes)) + (j - len(names) / 2) * width,
                drop,
                width,
                label=f"{key} swap",
                color="gray" if key == "random" else f"C{j}",
            )
        ax.axhline(0, color="k", lw=0.5)
        ax.set_ylabel("accuracy lost\n(percentage points)")
        ax.set_title(f"{title} swaps", fontsize=10)
        ax.legend(fontsize=8, ncol=len(names) + 1)
    axes[-1].set_xticks(range(len(classes)), classes)
    axes[-1].set_xlabel("true class")
    return axes
