"""The controls of the sanity checks: the network with its weights re-initialised, and one fitted to random labels.

:func:`layer_groups` names the layers re-initialised together (:data:`STEPS`,
from the logits down); :func:`randomisations` yields the cascading or the
independent copies, re-initialised as Quantus' ``MPRT`` does (each module
with ``reset_parameters`` after torch's generator is seeded; a BatchNorm
becomes the identity); :func:`randomized_weights` is the last step of the
cascade; :func:`random_label_model` trains the data randomisation's network.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator

import numpy as np
import torch
from torch import nn

from .._checks import check_int

#: The cascade's steps, from the logits down: each names the layers it re-initialises.
STEPS = ("fc", "layer4", "layer3", "layer2", "layer1", "stem")


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
