"""The paper's per-trajectory pipeline, as an independent reference.

Trajectories come from ``andi-datasets`` (``models_theory``, 2-D), the package
the paper used, one Python call per trajectory; preprocessing is written
trajectory by trajectory, as directly as the paper describes it.  Nothing here
is used by the fast path: tests compare the two, and ``benchmarks/simulate.py``
times them against each other.

``andi-datasets`` pins ``numpy<=1.26.4``; install it beside numpy 2 with::

    pip install --no-deps andi-datasets stochastic
"""

from __future__ import annotations

import numpy as np

from .preprocess import INPUT_LENGTH
from .simulate.classes import CLASSES, class_label, draw_alpha, draw_lengths

#: The andi-datasets model and its method name behind each class.
ANDI_MODEL = {
    "SubATTM": "attm",
    "SubCTRW": "ctrw",
    "SubFBM": "fbm",
    "SubSBM": "sbm",
    "SupFBM": "fbm",
    "SupLW": "lw",
    "SupSBM": "sbm",
    "BM": "sbm",  # SBM with alpha = 1 is Brownian motion
}


def _models_theory():
    try:
        from andi_datasets.models_theory import models_theory
    except ImportError as err:
        raise ImportError(
            "the reference pipeline needs andi-datasets; install it with "
            "'pip install --no-deps andi-datasets stochastic'"
        ) from err
    return models_theory()


def andi_trajectory(name, length: int, alpha: float, *, models=None) -> np.ndarray:
    """One raw 2-D trajectory from andi-datasets, shape (2, length), float64.

    Uses numpy's global random state, as andi-datasets does.
    """
    models = models or _models_theory()
    method = getattr(models, ANDI_MODEL[CLASSES[class_label(name)]])
    return np.asarray(method(int(length), float(alpha), 2), dtype=np.float64).reshape(2, int(length))


def andi_simulate(name, n: int, *, length=1000, seed=None) -> tuple[list[np.ndarray], np.ndarray]:
    """``n`` raw trajectories of one class from andi-datasets, one call each.

    Exponents and lengths are drawn as in :func:`resandi_lite.simulate`; a
    trajectory with a flat coordinate is redrawn with the same exponent and
    length (the paper's rule).  Seeds numpy's global state and the generator of
    ``stochastic`` (behind andi's FBM) with ``seed``, so the output is reproducible.

    Returns
    -------
    trajectories : list of n arrays of shape (2, T_i), float64
    alpha : ndarray of shape (n,), float64
    """
    name = CLASSES[class_label(name)]
    models = _models_theory()
    np.random.seed(seed)
    from stochastic import random as stochastic_random  # andi's FBM draws from stochastic's own generator

    stochastic_random.seed(seed)
    rng = np.random.default_rng(seed)
    lengths = draw_lengths(n, length, rng=rng)
    alpha = draw_alpha(name, n, rng=rng)
    out = []
    for t, a in zip(lengths, alpha):
        while True:
            x = andi_trajectory(name, t, a, models=models)
            if _step_std(x).min() > 0:
                break
        out.append(x)
    return out, alpha


def _step_std(x: np.ndarray) -> np.ndarray:
    """Std of each coordinate's steps; 0 when flat (variance < 1e-10 of the mean square step)."""
    d = np.diff(x, axis=1)
    var, meansq = d.var(axis=1), (d**2).mean(axis=1)
    return np.where(var > 1e-10 * meansq, np.sqrt(var), 0.0)


def preprocess_one(x: np.ndarray, sigma: float = 0.0, rng=None) -> np.ndarray:
    """The paper's four preprocessing steps on one trajectory of shape (2, T).

    Returns
    -------
    X : ndarray of shape (2, 1000), float32
    """
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros((2, INPUT_LENGTH))
    for k in range(2):
        step = np.diff(x[k])
        pos = np.concatenate([[0.0], np.cumsum(step / step.std())])  # 1. normalise
        if sigma > 0:
            pos = pos + np.random.default_rng(rng).normal(0.0, sigma, pos.size)  # 2. noise
        padded = np.concatenate([np.zeros(INPUT_LENGTH - pos.size), pos])  # 3. left-pad
        out[k] = (padded - padded.min()) / (padded.max() - padded.min())  # 4. MinMax
    return out.astype(np.float32)
