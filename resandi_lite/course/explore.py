"""Interactive explorers for the notebooks (ipywidgets), each with a static twin for the built book.

``show_model`` draws one figure for a class and an exponent; ``explorer``
wraps it in a dropdown and a slider.  In a headless run or in the built book,
call ``show_model`` directly: nothing waits for input.
"""

from __future__ import annotations

import numpy as np

from ..msd import ensemble_msd, time_averaged_msd
from ..plotting import plot_msd, plot_trajectory
from ..simulate.classes import ALPHA_RANGE, CLASSES, SIMULATORS


def show_model(name: str = "SubFBM", alpha: float | None = None, *, length: int = 500, n: int = 200,
               seed: int = 0, axes=None):
    """One trajectory, its ensemble and time-averaged MSDs, and its step distribution.

    Parameters
    ----------
    name : str
        A class of :data:`resandi_lite.CLASSES`.
    alpha : float, optional
        Exponent, clipped into the class's range (default: its middle).
    length : int
        Points per trajectory.
    n : int
        Trajectories in the ensemble.

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt

    if name not in CLASSES:
        raise ValueError(f"name must be one of {', '.join(CLASSES)}, got {name!r}")
    low, high = ALPHA_RANGE[name]
    alpha = (low + high) / 2 if alpha is None else float(np.clip(alpha, low, high))
    X = SIMULATORS[name](np.full(n, alpha), length, rng=seed)
    if axes is None:
        fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), constrained_layout=True)
    fig = axes[0].figure
    plot_trajectory(X[0], axes[0], title=f"{name}, alpha = {alpha:.2f}", unit="a.u.")
    times = np.unique(np.geomspace(1, length - 1, 25).astype(int))
    t, msd = ensemble_msd(X, times)
    plot_msd(t, msd, axes[1], label="ensemble average", slope=alpha, color="C0")
    lags, ta = time_averaged_msd(X[:5], times[times < length // 2])
    for k in range(len(ta)):
        axes[1].loglog(lags, ta[k], color="C1", alpha=0.5, lw=0.8, label="time average, one trajectory" if k == 0 else None)
    axes[1].legend(fontsize=8)
    axes[1].set_ylabel("MSD (a.u.$^2$)")
    d = np.diff(X[:, 0], axis=-1).ravel()
    d = d / d.std()
    bins = np.linspace(-5, 5, 81)
    axes[2].hist(d, bins=bins, density=True, color="C2", alpha=0.7, label="steps")
    axes[2].plot(bins, np.exp(-bins**2 / 2) / np.sqrt(2 * np.pi), "k--", lw=0.8, label="Gaussian")
    axes[2].set_yscale("log")
    axes[2].set_ylim(1e-4, None)
    axes[2].set_xlabel("x step / its std")
    axes[2].set_ylabel("probability density")
    axes[2].legend(fontsize=8)
    return fig


def _png(fig) -> bytes:
    import io

    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    plt.close(fig)
    return buffer.getvalue()


def explorer(*, length: int = 500, n: int = 200):
    """A dropdown for the class and sliders for the exponent and the seed, redrawing :func:`show_model`.

    The figure is shown as an image widget (no output capture), so the
    explorer also behaves in headless kernels.
    """
    import ipywidgets as widgets

    name = widgets.Dropdown(options=list(CLASSES), value="SubFBM", description="class")
    alpha = widgets.FloatSlider(value=0.5, min=0.1, max=0.9, step=0.05, description="alpha")
    seed = widgets.IntSlider(value=0, min=0, max=20, description="seed")
    image = widgets.Image(format="png")

    def redraw(*_):
        low, high = ALPHA_RANGE[name.value]
        alpha.min, alpha.max = min(low, alpha.min), max(high, alpha.max)  # widen first: min may never pass max
        alpha.min, alpha.max = low, high
        alpha.disabled = low == high
        image.value = _png(show_model(name.value, alpha.value, length=length, n=n, seed=seed.value))

    for w in (name, alpha, seed):
        w.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([name, alpha, seed]), image])
