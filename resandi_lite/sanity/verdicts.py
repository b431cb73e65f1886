"""Sanity checks for attribution maps, as Adebayo et al. (2018) published them.

A map that explains what a network learned must change when what it learned
is destroyed.  Two ways to destroy it:

- **model parameter randomisation**: re-initialise the weights, either
  *cascading* from the logits down (``fc``, then ``layer4``, ``layer3``,
  ``layer2``, ``layer1``, the stem, each step keeping the layers above it
  random) or *independently* (one layer at a time, the others trained);
- **data randomisation**: train the same architecture on labels permuted at
  random until it fits them (it can only memorise).

The trained network's map and the control's are compared trajectory by
trajectory with three similarities (:func:`similarities`): Spearman's rank
correlation of the signed maps, the same of their absolute values (Adebayo et
al. report both), and the structural similarity (SSIM, Wang et al. 2004) of
the maps scaled to a largest absolute value of 1, in one dimension.  High
similarity means the map survives the randomisation: it reflects the input
and the architecture more than the learned weights.  Each mean similarity
carries a bootstrap interval over trajectories
(:func:`resandi_lite.verdict.paired_bootstrap`).

A secondary reading uses the simulators' ground truth
(:mod:`resandi_lite.groundtruth`): how far each map's AUROC at the events
stands from chance, for the trained network and for the controls, paired on
the same trajectories.

The randomisation follows Quantus' ``MPRT`` (the test oracle in
``tests/test_sanity.py``): every module with ``reset_parameters`` (Conv1d,
BatchNorm1d, Linear) is re-initialised by PyTorch's default rule after the
random generator is seeded with ``seed``; a BatchNorm is reset to the
identity (mean 0, variance 1, scale 1, shift 0).  :func:`sanity_verdicts` is
the powered measurement behind chapter 9b.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator

import numpy as np
import torch
from torch import nn

from .._checks import check_int
from ..groundtruth import (
    EVENT_CLASSES,
    EVENT_WORDS,
    claim_row,
    event_set,
    map_centres,
    trajectory_scores,
)
from ..groundtruth.verdicts import _network, _network_name
from ..preprocess import INPUT_LENGTH
from ..simulate import CLASSES

__all__ = [
    "SIMILARITIES",
    "STEPS",
    "layer_groups",
    "observed_map_positions",
    "plot_similarity",
    "powered",
    "random_label_model",
    "randomisations",
    "randomized_weights",
    "sanity_verdicts",
    "similarities",
    "ssim_1d",
]

#: The cascade's steps, from the logits down: each names the layers it re-initialises.
STEPS = ("fc", "layer4", "layer3", "layer2", "layer1", "stem")
#: The similarities of a trained and a randomised map.
SIMILARITIES = ("spearman", "spearman_abs", "ssim")
#: The methods the powered sanity checks test (the paper's map and two input-level methods).
SANITY_METHODS = ("gradcam-layer4", "saliency", "integrated-gradients")
#: Similarity of interest for the claims "the map survives randomisation" (beyond the paper).
MINIMAL_SIMILARITY = 0.2


#: Sizes of :func:`sanity_verdicts` at each size of the powered run (:func:`resandi_lite.powered.run_verdicts`).
#: ``powered``: about 11 minutes of one core for the maps of 13 networks (measured: 1.44 s of CPU per trajectory)
#: and about 5 for the random-label network (800 trajectories fitted in about 1,500 steps).
VERDICT_SIZES = {
    "ci": {"n_per_class": 3, "label_n_per_class": 1, "label_max_steps": 5},
    "book": {"n_per_class": 10, "label_n_per_class": 10, "label_max_steps": 1000},
    "powered": {"n_per_class": 150, "label_n_per_class": 100, "label_max_steps": 3000},
}


def layer_groups(model: nn.Module, granularity: str = "stages") -> list[tuple[str, list[str]]]:
    """The layers randomised together, from the logits down: ``[(step name, [module names]), ...]``.

    Parameters
    ----------
    model : ResAnDi
    granularity : {"stages", "modules"}
        ``"stages"``: :data:`STEPS` (``fc``, each stage, the stem's
        convolution and BatchNorm); ``"modules"``: every module with
        ``reset_parameters`` on its own, as Quantus' ``MPRT`` does.

    Returns
    -------
    list of (str, list of str)
        Within a step the modules are listed from the output down.

    Examples
    --------
    >>> from resandi_lite.model import build_model
    >>> [name for name, _ in layer_groups(build_model("lite"))]
    ['fc', 'layer4', 'layer3', 'layer2', 'layer1', 'stem']
    >>> layer_groups(build_model("lite"), "modules")[:2]
    [('fc', ['fc']), ('layer4.1.bn2', ['layer4.1.bn2'])]
    """
    if granularity not in ("stages", "modules"):
        raise ValueError(f"granularity must be 'stages' or 'modules', got {granularity!r}")
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    names = [name for name, m in model.named_modules() if hasattr(m, "reset_parameters")][::-1]
    if granularity == "modules":
        return [(name, [name]) for name in names]
    groups = []
    for step in STEPS:
        prefix = ("conv1", "bn1") if step == "stem" else (step,)
        members = [n for n in names if n in prefix or any(n.startswith(p + ".") for p in prefix)]
        if not members:
            raise TypeError(
                f"model has no layer {step!r}; the stage steps need a ResAnDi network "
                f"(use granularity='modules' for another one)"
            )
        groups.append((step, members))
    missing = set(names) - {n for _, members in groups for n in members}
    if missing:
        raise TypeError(f"model has layers outside the steps {STEPS}: {sorted(missing)}; use granularity='modules'")
    return groups


def _reset(model: nn.Module, names, seed: int) -> None:
    """Re-initialise the named modules in place, each after seeding torch's generator with ``seed`` (as Quantus)."""
    modules = dict(model.named_modules())
    with torch.random.fork_rng(devices=[]):
        for name in names:
            torch.manual_seed(seed)
            modules[name].reset_parameters()


def randomisations(
    model: nn.Module, *, order: str = "cascading", granularity: str = "stages", seed: int = 0
) -> Iterator[tuple[str, nn.Module]]:
    """Copies of the network with layers re-initialised, one per step: ``(step name, network in eval mode)``.

    Parameters
    ----------
    model : torch.nn.Module
        The trained network (left unchanged).
    order : {"cascading", "independent"}
        ``"cascading"``: step ``i`` has the layers of steps ``0 .. i``
        random, from the logits down (Adebayo et al.'s cascading
        randomisation, Quantus' ``layer_order="top_down"``);
        ``"independent"``: step ``i`` has only its own layers random.
    granularity : {"stages", "modules"}
        See :func:`layer_groups`.
    seed : int
        Seeds torch's generator before each module is re-initialised
        (Quantus' ``MPRT(seed=s)`` seeds with ``s + 1``).

    Yields
    ------
    (str, torch.nn.Module)
        A fresh copy at every step.
    """
    if order not in ("cascading", "independent"):
        raise ValueError(f"order must be 'cascading' or 'independent', got {order!r}")
    seed = check_int(seed, "seed", minimum=0)
    groups = layer_groups(model, granularity)
    current = copy.deepcopy(model).eval()
    for step, names in groups:
        if order == "independent":
            current = copy.deepcopy(model).eval()
        _reset(current, names, seed)
        yield step, copy.deepcopy(current).eval()


def randomized_weights(model: nn.Module, *, seed: int = 0) -> nn.Module:
    """A copy of the network with every layer re-initialised (the last step of the cascade), in eval mode.

    >>> from resandi_lite.model import build_model
    >>> net = build_model("lite").eval()
    >>> bool((randomized_weights(net).fc.weight != net.fc.weight).any())
    True
    """
    *_, (_, last) = randomisations(model, order="cascading", seed=seed)
    return last


def random_label_model(
    *,
    n_per_class: int = 100,
    max_steps: int = 3000,
    batch_size: int = 64,
    lr: float = 2e-3,
    target_accuracy: float = 0.95,
    check_every: int = 100,
    preset: str = "lite",
    seed: int = 0,
    autocast: bool = True,
    progress: bool = False,
) -> tuple[nn.Module, dict]:
    """A network trained from scratch on labels permuted at random, until it fits them (the data randomisation).

    ``8 * n_per_class`` varying-length trajectories
    (:func:`resandi_lite.make_dataset`) get their labels permuted, so the
    labels hold no information about the trajectories; Adam trains the
    network on them in mini-batches (bfloat16 autocast on the CPU) until its
    accuracy on this fixed set, in eval mode, exceeds ``target_accuracy``
    (checked every ``check_every`` steps), or ``max_steps`` is reached.
    Adebayo et al. train until the network fits its random labels; the report
    says how far ours got.

    Returns
    -------
    model : torch.nn.Module
        In eval mode, float32.
    report : dict
        ``steps``, ``train_accuracy`` (float32, eval mode, on the fixed set),
        ``reached`` (bool), ``target_accuracy``, ``n_train``, ``curve``
        (``[[step, accuracy], ...]`` at each check), ``seconds``.
    """
    from ..data import make_dataset
    from ..model import build_model

    n_per_class = check_int(n_per_class, "n_per_class", minimum=1)
    max_steps = check_int(max_steps, "max_steps", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    check_every = check_int(check_every, "check_every", minimum=1)
    if not 0 < target_accuracy <= 1:
        raise ValueError(f"target_accuracy must be in (0, 1], got {target_accuracy!r}")
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    data = make_dataset(n_per_class, "varying", seed=seed)
    X, y = torch.from_numpy(data.X), torch.from_numpy(rng.permutation(data.y).astype(np.int64))
    torch.manual_seed(seed)
    model = build_model(preset)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)

    def accuracy(half: bool) -> float:
        model.eval()
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=half):
            hits = sum(int((model(X[i : i + 512]).argmax(1) == y[i : i + 512]).sum()) for i in range(0, len(X), 512))
        return hits / len(X)

    curve, step = [], 0
    while step < max_steps:
        model.train()
        index = torch.from_numpy(rng.integers(0, len(X), batch_size))
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            loss = nn.functional.cross_entropy(model(X[index]), y[index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        step += 1
        if step % check_every == 0 or step == max_steps:
            curve.append([step, accuracy(autocast)])
            if progress:
                print(f"random labels: step {step}, train accuracy {curve[-1][1]:.3f}", flush=True)
            if curve[-1][1] > target_accuracy:
                break
    final = accuracy(False)
    return model.eval(), {
        "steps": step,
        "train_accuracy": final,
        "reached": bool(final > target_accuracy),
        "target_accuracy": float(target_accuracy),
        "n_train": len(X),
        "curve": curve,
        "seconds": float(time.perf_counter() - start),
    }


def _ranks(v: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return rankdata(v)


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    denominator = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denominator) if denominator > 0 else float("nan")


def ssim_1d(a, b, *, win_size: int = 7, data_range: float | None = None, k1: float = 0.01, k2: float = 0.03) -> float:
    """Structural similarity of two 1-D signals (Wang et al. 2004), as scikit-image computes it for images.

    Local means, variances (sample, ``n - 1``) and covariance over sliding
    windows of ``win_size`` points; the mean SSIM over the windows that lie
    fully inside the signal.

    Parameters
    ----------
    a, b : array-like of shape (P,)
    win_size : int
        Odd window length, at most ``P``.
    data_range : float, optional
        Default: ``max(a, b) - min(a, b)`` over both signals (as Quantus).

    Examples
    --------
    >>> ssim_1d(np.arange(10.0), np.arange(10.0))
    1.0
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim != 1 or a.shape != b.shape:
        raise ValueError(f"a and b must be 1-D of the same length, got shapes {a.shape} and {b.shape}")
    win_size = check_int(win_size, "win_size", minimum=2)
    if win_size % 2 == 0 or win_size > len(a):
        raise ValueError(f"win_size must be odd and at most the signal's length {len(a)}, got {win_size}")
    if data_range is None:
        data_range = float(max(a.max(), b.max()) - min(a.min(), b.min()))
    if data_range <= 0:
        return 1.0 if np.array_equal(a, b) else float("nan")
    wa = np.lib.stride_tricks.sliding_window_view(a, win_size)
    wb = np.lib.stride_tricks.sliding_window_view(b, win_size)
    ma, mb = wa.mean(1), wb.mean(1)
    norm = win_size / (win_size - 1)
    va = norm * ((wa * wa).mean(1) - ma * ma)
    vb = norm * ((wb * wb).mean(1) - mb * mb)
    cov = norm * ((wa * wb).mean(1) - ma * mb)
    c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
    s = (2 * ma * mb + c1) * (2 * cov + c2) / ((ma * ma + mb * mb + c1) * (va + vb + c2))
    return float(s.mean())


def similarities(a, b, observed=None, *, min_positions: int = 3) -> dict:
    """Similarity of two sets of maps, trajectory by trajectory, on the observed positions.

    Parameters
    ----------
    a, b : ndarray of shape (n, P)
        Maps of the same trajectories (e.g. trained and randomised network).
    observed : ndarray of shape (n, P), bool, optional
        Which positions count (:func:`observed_map_positions`); default all.
    min_positions : int
        Fewer observed positions give NaN.

    Returns
    -------
    dict of str to ndarray of shape (n,), float64
        ``spearman`` (rank correlation of the signed maps), ``spearman_abs``
        (of their absolute values) and ``ssim`` (:func:`ssim_1d` of the maps
        each divided by its largest absolute value, windows of
        ``min(7, P_observed)`` points, made odd); NaN where undefined (a
        constant map, too few positions).

    Examples
    --------
    >>> s = similarities(np.array([[1.0, 2.0, 3.0, 4.0]]), np.array([[4.0, 3.0, 2.0, 1.0]]))
    >>> float(s["spearman"][0]), float(s["spearman_abs"][0])
    (-1.0, -1.0)
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f"a and b must be maps of the same shape (n, positions), got {a.shape} and {b.shape}")
    observed = np.ones(a.shape, dtype=bool) if observed is None else np.asarray(observed, dtype=bool)
    if observed.shape != a.shape:
        raise ValueError(f"observed must have the maps' shape {a.shape}, got {observed.shape}")
    out = {name: np.full(len(a), np.nan) for name in SIMILARITIES}
    for i in range(len(a)):
        u, v = a[i, observed[i]], b[i, observed[i]]
        if len(u) < max(min_positions, 2):
            continue
        out["spearman"][i] = _pearson(_ranks(u), _ranks(v))
        out["spearman_abs"][i] = _pearson(_ranks(np.abs(u)), _ranks(np.abs(v)))
        su, sv = np.abs(u).max(), np.abs(v).max()
        if su > 0 and sv > 0:
            win = min(7, len(u) - (len(u) % 2 == 0))
            out["ssim"][i] = ssim_1d(u / su, v / sv, win_size=win)
    return out


def observed_map_positions(model: nn.Module, positions: int, lengths) -> np.ndarray:
    """Which positions of a map of ``positions`` values lie on the observed trajectory: (n, positions), bool.

    A position counts when its receptive-field centre
    (:func:`resandi_lite.groundtruth.map_centres`) falls on one of the last
    ``lengths[i]`` input points (the trajectory, not the padding).
    """
    centres = map_centres(model, positions)
    lengths = np.asarray(lengths).reshape(-1)
    return centres[None, :] >= (INPUT_LENGTH - lengths)[:, None]


def _interval(values, *, level: float, n_boot: int, rng) -> dict:
    from ..verdict import paired_bootstrap

    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if len(v) < 2:  # too few trajectories with a defined value (a map needs 3 observed positions)
        return {"estimate": float("nan"), "low": float("nan"), "high": float("nan"), "n": len(v)}
    return paired_bootstrap(v, level=level, n_boot=n_boot, rng=rng)


def sanity_verdicts(
    n_per_class: int,
    *,
    seed: int = 0,
    network=None,
    progress: bool = False,
    methods=SANITY_METHODS,
    granularity: str = "stages",
    label_n_per_class: int = 100,
    label_max_steps: int = 3000,
    n_boot: int = 2000,
    level: float = 0.95,
) -> dict:
    """The powered sanity checks: cascading and independent randomisation, random labels, with verdicts.

    On one event set (:func:`resandi_lite.groundtruth.event_set`, ``n_per_class``
    trajectories of each class with events, varying lengths) the maps of
    every method are computed with the trained network, with each step of
    the cascading and of the independent randomisation
    (:func:`randomisations`), and with a network fitted to random labels
    (:func:`random_label_model`).  Each control's maps are compared with the
    trained maps by :func:`similarities` on the observed positions.

    Families of claims (each read with Bonferroni-adjusted intervals,
    :func:`resandi_lite.verdict.family_level`), all beyond the paper:

    - ``cascading``: per method and similarity, "the map survives
      randomising every layer": the mean similarity after the full cascade;
    - ``independent``: per method and step, the same for one layer
      randomised alone (Spearman of the signed maps);
    - ``random labels``: per method and similarity, the map of the
      random-label network against the trained one;
    - ``secondary |AUROC - 0.5|``: per method, class and control (full
      cascade, random labels), "the trained map stands further from chance at
      the events than the control's": ``|mean AUROC - 0.5|`` trained minus
      control, paired bootstrap over the same trajectories.

    The similarity claims are judged against a similarity of interest of
    0.2 (:data:`MINIMAL_SIMILARITY`); ``agrees`` then means "the map keeps
    part of its structure": it fails the check to that degree.  The
    secondary claims use 0.05 (AUROC).

    Parameters
    ----------
    n_per_class : int
        Trajectories per class with events (3 classes).
    seed : int
    network : None, str, path or torch.nn.Module
        ``None``: the shipped varying-length network ``lite``.
    progress : bool
    methods : sequence of str
        Names of :data:`resandi_lite.attribution.METHODS`.
    granularity : {"stages", "modules"}
        The randomisation steps (:func:`layer_groups`).
    label_n_per_class, label_max_steps : int
        Size of the random-label network's training set (per class, 8
        classes) and its step cap (:func:`random_label_model`).
    n_boot : int
    level : float
        Coverage of each family as a whole.

    Returns
    -------
    dict (JSON-ready)
        ``rows`` (verdict rows with ``family``, ``level``, ``method``,
        ``control``, ``similarity`` or ``class``, ``reference``),
        ``cascading`` and ``independent`` (per step, method and similarity:
        ``mean``, 95% ``low``/``high``, ``n``), ``random_labels`` (the same
        per method and similarity, and ``training``: the fit's report),
        ``auroc`` (per network, method and class: mean AUROC and 95%
        interval), ``sizes``, ``seconds``, ``network``.
    """
    n_per_class = check_int(n_per_class, "n_per_class", minimum=2)
    by_name = {getattr(m, "__name__", m): m for m in methods}
    methods = list(by_name)
    start = time.perf_counter()
    model = _network(network)
    rng = np.random.default_rng(seed)
    data = event_set(n_per_class, rng=rng)
    run = _Run(model, data, by_name, progress=progress, n_boot=n_boot, rng=rng)
    curves = {}
    for order in ("cascading", "independent"):
        curves[order] = [
            row
            for step, net in randomisations(model, order=order, granularity=granularity, seed=seed)
            for row in run.step(order, step, net, last=step == layer_groups(model, granularity)[-1][0])
        ]
    label_net, training = random_label_model(
        n_per_class=label_n_per_class, max_steps=label_max_steps, seed=seed + 1, progress=progress
    )
    run.step("random labels", "random labels", label_net)
    rows = run.similarity_rows(level) + run.secondary_rows(level)
    return {
        "rows": rows,
        "skipped": run.skipped,
        "cascading": curves["cascading"],
        "independent": curves["independent"],
        "random_labels": {"similarity": run.curves["random labels"], "training": training},
        "auroc": run.auroc_table(),
        "sizes": {
            "n_per_class": n_per_class,
            "trajectories": len(data["y"]),
            "classes": list(EVENT_CLASSES),
            "methods": methods,
            "steps": list(run.similarity["cascading"]),
            "granularity": granularity,
            "label_n_per_class": label_n_per_class,
            "label_max_steps": label_max_steps,
            "n_boot": n_boot,
        },
        "seconds": float(time.perf_counter() - start),
        "network": _network_name(network),
        "level": level,
    }


class _Run:
    """The state of one :func:`sanity_verdicts` run: the trained maps, each control's similarities and AUROCs."""

    def __init__(self, model, data, methods: dict, *, progress: bool, n_boot: int, rng):
        self.data, self.methods, self.progress, self.n_boot, self.rng = data, methods, progress, n_boot, rng
        self.trained = self.maps(model, "the trained network")
        self.observed = {m: observed_map_positions(model, a.shape[1], data["lengths"]) for m, a in self.trained.items()}
        self.similarity = {"cascading": {}, "independent": {}, "random labels": {}}
        self.curves, self.skipped = {}, []
        self.aurocs = {"trained": {m: _aurocs(a, model, data) for m, a in self.trained.items()}}

    def maps(self, net: nn.Module, label: str) -> dict:
        from ..attribution import attribute

        tic = time.perf_counter()
        out = {m: attribute(net, self.data["X"], self.data["y"], method) for m, method in self.methods.items()}
        if self.progress:
            print(f"sanity: maps of {label} in {time.perf_counter() - tic:.1f} s", flush=True)
        return out

    def step(self, order: str, step: str, net: nn.Module, *, last: bool = False) -> list[dict]:
        """Similarities of one control's maps to the trained ones; their means with 95% intervals per method."""
        if order == "independent" and step == STEPS[0] and STEPS[0] in self.similarity["cascading"]:
            sims = self.similarity["cascading"][step]  # randomising fc alone is the cascade's first step
        else:
            maps = self.maps(net, f"{order}, step {step}" if order != step else order)
            sims = {m: similarities(self.trained[m], maps[m], self.observed[m]) for m in self.methods}
            if (order == "cascading" and last) or order == "random labels":
                name = "random weights" if order == "cascading" else order
                self.aurocs[name] = {m: _aurocs(maps[m], net, self.data) for m in self.methods}
        self.similarity[order][step] = sims
        rows = []
        for m in self.methods:
            for s in SIMILARITIES:
                r = _interval(sims[m][s], level=0.95, n_boot=self.n_boot, rng=self.rng)
                rows.append(
                    {
                        "step": step,
                        "method": m,
                        "similarity": s,
                        "mean": r["estimate"],
                        "low": r["low"],
                        "high": r["high"],
                        "n": r["n"],
                    }
                )
        self.curves[order] = self.curves.get(order, []) + rows
        return rows

    def similarity_rows(self, level: float) -> list[dict]:
        """Verdict rows of the families ``cascading``, ``independent`` and ``random labels``."""
        from ..verdict import family_level

        cascade, independent = self.similarity["cascading"], self.similarity["independent"]
        last = list(cascade)[-1]
        families = [
            (
                "cascading",
                [
                    (m, s, cascade[last][m][s], "every layer randomised (full cascade)")
                    for m in self.methods
                    for s in SIMILARITIES
                ],
            ),
            (
                "independent",
                [
                    (m, "spearman", independent[step][m]["spearman"], f"{step} randomised alone")
                    for step in independent
                    for m in self.methods
                ],
            ),
            (
                "random labels",
                [
                    (m, s, self.similarity["random labels"]["random labels"][m][s], "a network fitted to random labels")
                    for m in self.methods
                    for s in SIMILARITIES
                ],
            ),
        ]
        reference = (
            "beyond the paper (Adebayo et al. 2018's check; the paper runs none): a similarity of interest "
            f"of {MINIMAL_SIMILARITY}; 'agrees' = the map keeps part of its structure without what was "
            "learned"
        )
        words = {"spearman": "Spearman", "spearman_abs": "Spearman of |map|", "ssim": "SSIM"}
        rows = []
        for family, claims in families:
            family_lvl = family_level(len(claims), level)
            for m, s, values, control in claims:
                claim_row(
                    rows,
                    self.skipped,
                    f"{m}'s map survives {control} (mean {words[s]} with the trained map)",
                    values,
                    np.zeros_like(values),
                    paper=MINIMAL_SIMILARITY,
                    level=family_lvl,
                    n_boot=self.n_boot,
                    rng=self.rng,
                    family=family,
                    method=m,
                    control=control,
                    similarity=s,
                    reference=reference,
                )
        return rows

    def secondary_rows(self, level: float) -> list[dict]:
        """Verdict rows of the family ``secondary |AUROC - 0.5|``: trained minus control, paired by trajectory."""
        from ..verdict import family_level

        claims = [
            (m, c, control)
            for control in ("random weights", "random labels")
            for m in self.methods
            for c in EVENT_CLASSES
        ]
        family_lvl = family_level(len(claims), level)
        rows = []
        for m, c, control in claims:
            claim_row(
                rows,
                self.skipped,
                f"{m}: the trained map stands further from chance at {c} "
                f"{EVENT_WORDS[c]} than with {control} (|AUROC - 0.5| trained minus control)",
                self.aurocs["trained"][m][c],
                self.aurocs[control][m][c],
                paper=0.05,
                level=family_lvl,
                n_boot=self.n_boot,
                rng=self.rng,
                statistic=_distance_from_chance_difference,
                family="secondary |AUROC - 0.5|",
                method=m,
                control=control,
                reference="beyond the paper: the course's secondary reading of the sanity checks, a minimal "
                "effect of interest of 0.05 in |AUROC - 0.5|",
                **{"class": c},
            )
        return rows

    def auroc_table(self) -> list[dict]:
        """Mean AUROC at the events with its 95% interval, per network, method and class."""
        out = []
        for net_name, by_method in self.aurocs.items():
            for m, by_class in by_method.items():
                for c in EVENT_CLASSES:
                    r = _interval(by_class[c], level=0.95, n_boot=self.n_boot, rng=self.rng)
                    out.append(
                        {
                            "network": net_name,
                            "method": m,
                            "class": c,
                            "mean": r["estimate"],
                            "low": r["low"],
                            "high": r["high"],
                            "n": r["n"],
                        }
                    )
        return out


def _distance_from_chance_difference(a, b) -> float:
    return float(abs(np.mean(a) - 0.5) - abs(np.mean(b) - 0.5))


def _aurocs(maps, net: nn.Module, data: dict) -> dict:
    """Per class with events: the AUROC of each trajectory's map at the events, (n_class,) float64 (NaN: undefined)."""
    from ..groundtruth.events import _centres

    scores = trajectory_scores(
        maps, data["events"], data["lengths"], centres=_centres(net, np.shape(maps)[1], "centres")
    )["auroc"]
    return {c: scores[data["y"] == CLASSES.index(c)] for c in EVENT_CLASSES}


def plot_similarity(curves: list[dict], similarity: str = "spearman", ax=None, *, title: str | None = None):
    """Mean similarity of trained and randomised maps at each step, one line per method, with 95% intervals."""
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(6, 3.2))[1]
    chosen = [r for r in curves if r["similarity"] == similarity]
    steps = list(dict.fromkeys(r["step"] for r in chosen))
    for m in dict.fromkeys(r["method"] for r in chosen):
        rows = {r["step"]: r for r in chosen if r["method"] == m}
        mean = np.array([rows[s]["mean"] for s in steps])
        err = np.array([[rows[s]["mean"] - rows[s]["low"], rows[s]["high"] - rows[s]["mean"]] for s in steps])
        ax.errorbar(np.arange(len(steps)), mean, yerr=err.T, fmt="o-", capsize=3, label=m)
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_xticks(np.arange(len(steps)), steps)
    ax.set_xlabel("randomised (cascade: this layer and all above it)")
    ax.set_ylabel(
        {"spearman": "Spearman rank correlation", "spearman_abs": "Spearman of |map|", "ssim": "SSIM"}[similarity]
        + "\nwith the trained map"
    )
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def powered(path=None) -> dict | None:
    """The committed powered sanity result (:func:`sanity_verdicts`), or ``None`` when there is none yet.

    Read from ``path``, or from :data:`resandi_lite.verdict.POWERED` when it exists (its ``sanity`` entry).
    """
    from ..groundtruth.verdicts import _powered_part

    return _powered_part("sanity", path)
