"""Interactive explorers for the notebooks, with a kernel (ipywidgets) and without one (precomputed Plotly).

``show_model`` draws one figure for a class and an exponent; ``explorer``
wraps it in a dropdown and a slider, which needs a running kernel (Jupyter,
Colab, Binder).  The built book has no kernel: there ``model_figure`` and
``gradcam_figure`` are interactive figures whose every option is computed in
advance (a menu picks the class, a slider the exponent or the stage), shown as
HTML that loads plotly.js from its CDN, so a page stays small.
"""

from __future__ import annotations

import numpy as np

from ..msd import ensemble_msd, time_averaged_msd
from ..plotting import plot_msd, plot_trajectory
from ..simulate.classes import ALPHA_RANGE, CLASSES, SIMULATORS


def show_model(
    name: str = "SubFBM", alpha: float | None = None, *, length: int = 500, n: int = 200, seed: int = 0, axes=None
):
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
        axes[1].loglog(
            lags, ta[k], color="C1", alpha=0.5, lw=0.8, label="time average, one trajectory" if k == 0 else None
        )
    axes[1].legend(fontsize=8)
    axes[1].set_ylabel("MSD (a.u.$^2$)")
    d = np.diff(X[:, 0], axis=-1).ravel()
    d = d / d.std()
    bins = np.linspace(-5, 5, 81)
    axes[2].hist(d, bins=bins, density=True, color="C2", alpha=0.7, label="steps")
    axes[2].plot(bins, np.exp(-(bins**2) / 2) / np.sqrt(2 * np.pi), "k--", lw=0.8, label="Gaussian")
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


def _menu_and_slider(fig, groups, *, always=(), menu: str, slider: str, active: int = 0):
    """A menu over ``groups`` [(name, [(step label, trace indices), ...]), ...] that installs each group's slider.

    Only the traces of the chosen step (and ``always``) are visible; choosing
    a menu entry replaces the slider by that entry's own, so the two controls
    compose without a kernel.
    """
    n = len(fig.data)

    def visible(indices):
        shown = set(indices) | set(always)
        return [i in shown for i in range(n)]

    def make_slider(steps, start):
        return {
            "active": start,
            "currentvalue": {"prefix": f"{slider}: "},
            "pad": {"t": 50},
            "steps": [
                {"label": label, "method": "restyle", "args": [{"visible": visible(indices)}]}
                for label, indices in steps
            ],
        }

    sliders = [
        make_slider(steps, len(steps) // 2 if active is None else min(active, len(steps) - 1)) for _, steps in groups
    ]
    starts = [s["active"] for s in sliders]
    for i, v in enumerate(visible(groups[0][1][starts[0]][1])):
        fig.data[i].visible = v
    buttons = [
        {
            "label": name,
            "method": "update",
            "args": [{"visible": visible(steps[starts[k]][1])}, {"sliders": [sliders[k]]}],
        }
        for k, (name, steps) in enumerate(groups)
    ]
    fig.update_layout(
        sliders=[sliders[0]],
        updatemenus=[{"buttons": buttons, "x": 0, "xanchor": "left", "y": 1.3, "yanchor": "top", "direction": "down"}],
        annotations=list(fig.layout.annotations)
        + [
            {
                "text": f"{menu}:",
                "x": 0,
                "xref": "paper",
                "xanchor": "right",
                "y": 1.26,
                "yref": "paper",
                "yanchor": "middle",
                "showarrow": False,
            }
        ],
    )
    return fig


def _html(fig, height: int):
    from IPython.display import HTML

    fig.update_layout(height=height, margin={"t": 110, "l": 130, "r": 20, "b": 40}, template="plotly_white")
    return HTML(fig.to_html(include_plotlyjs="cdn", full_html=False, config={"displaylogo": False}))


def model_figure(
    classes=CLASSES, *, alphas: int = 5, length: int = 300, n: int = 100, seed: int = 0, as_html: bool = True
):
    """The explorer without a kernel: a class menu and an exponent slider over precomputed panels.

    For each class and each of ``alphas`` exponents across its range: one
    trajectory, the ensemble MSD of ``n`` trajectories of ``length`` points
    with the line ``t^alpha``, and the distribution of the x steps (over their
    std) against a Gaussian. About 40 kB per class and exponent.

    Returns
    -------
    IPython.display.HTML (or the plotly Figure with ``as_html=False``)
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    unknown = [c for c in classes if c not in CLASSES]
    if unknown or isinstance(classes, str):
        raise ValueError(f"classes must be a sequence of names among {', '.join(CLASSES)}, got {classes!r}")
    fig = make_subplots(
        rows=1,
        cols=3,
        horizontal_spacing=0.08,
        subplot_titles=("one trajectory (a.u.)", "ensemble MSD", "x steps / their std"),
    )
    bins = np.linspace(-5, 5, 41)
    centres = (bins[1:] + bins[:-1]) / 2
    fig.add_trace(
        go.Scatter(
            x=centres,
            y=np.exp(-(centres**2) / 2) / np.sqrt(2 * np.pi),
            mode="lines",
            line={"color": "black", "dash": "dash", "width": 1},
            name="Gaussian",
        ),
        1,
        3,
    )
    times = np.unique(np.geomspace(1, length - 1, 20).astype(int))
    groups = []
    for name in classes:
        low, high = ALPHA_RANGE[name]
        steps = []
        for alpha in np.unique(np.round(np.linspace(low, high, alphas), 2)):
            X = SIMULATORS[name](np.full(n, alpha), length, rng=seed)
            start = len(fig.data)
            fig.add_trace(
                go.Scatter(
                    x=X[0, 0].astype(np.float32),
                    y=X[0, 1].astype(np.float32),
                    mode="lines",
                    line={"width": 1, "color": "#1f77b4"},
                    name="trajectory",
                    showlegend=False,
                ),
                1,
                1,
            )
            t, msd = ensemble_msd(X, times)
            fig.add_trace(
                go.Scatter(
                    x=t,
                    y=msd.astype(np.float32),
                    mode="markers",
                    name="ensemble MSD",
                    marker={"color": "#1f77b4"},
                    showlegend=False,
                ),
                1,
                2,
            )
            fig.add_trace(
                go.Scatter(
                    x=t,
                    y=(msd[0] * (t / t[0]) ** alpha).astype(np.float32),
                    mode="lines",
                    line={"dash": "dot", "color": "gray"},
                    name=f"t^{alpha:g}",
                    showlegend=False,
                ),
                1,
                2,
            )
            d = np.diff(X[:, 0], axis=-1).ravel()
            density, _ = np.histogram(d / d.std(), bins=bins, density=True)
            fig.add_trace(
                go.Bar(
                    x=centres,
                    y=density.astype(np.float32),
                    marker={"color": "#2ca02c"},
                    opacity=0.7,
                    name="steps",
                    showlegend=False,
                ),
                1,
                3,
            )
            steps.append((f"{alpha:g}", list(range(start, len(fig.data)))))
        groups.append((name, steps))
    fig.update_xaxes(type="log", title_text="t (steps)", row=1, col=2)
    fig.update_yaxes(type="log", title_text="MSD (a.u.²)", row=1, col=2)
    fig.update_yaxes(type="log", range=[-4, 0], title_text="density", row=1, col=3)
    fig.update_xaxes(title_text="x", row=1, col=1)
    fig.update_yaxes(title_text="y", row=1, col=1)
    _menu_and_slider(fig, groups, always=[0], menu="class", slider="alpha", active=None)
    return _html(fig, 430) if as_html else fig


def gradcam_figure(
    model,
    dataset,
    *,
    examples: int = 2,
    layers=("layer1", "layer2", "layer3", "layer4"),
    points: int = 400,
    as_html: bool = True,
):
    """The Grad-CAM explorer without a kernel: a menu over class and example, a slider over the stage.

    For the first ``examples`` trajectories of each class in ``dataset``, and
    each stage in ``layers``: the observed trajectory coloured by its signed
    Grad-CAM map for its true class (red positive, blue negative), and the map
    along time (at most ``points`` points of each are kept).

    Returns
    -------
    IPython.display.HTML (or the plotly Figure with ``as_html=False``)
    """
    import plotly.graph_objects as go
    import torch
    from plotly.subplots import make_subplots

    from ..gradcam import grad_cam

    y = np.asarray(dataset.y)
    chosen = [(c, i) for c in range(len(CLASSES)) for i in np.flatnonzero(y == c)[:examples]]
    if not chosen:
        raise ValueError("dataset must hold at least one trajectory")
    X = torch.as_tensor(np.asarray(dataset.X)[[i for _, i in chosen]])
    target = torch.as_tensor(y[[i for _, i in chosen]])
    maps = {layer: grad_cam(model, X, target, layer=layer).numpy() for layer in layers}
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.45, 0.55],
        horizontal_spacing=0.17,
        subplot_titles=("trajectory coloured by the map", "the map along time"),
    )
    groups = []
    lengths = getattr(dataset, "lengths", None)
    for k, (c, i) in enumerate(chosen):
        length = int(lengths[i]) if lengths is not None else X.shape[-1]
        keep = np.unique(np.linspace(X.shape[-1] - length, X.shape[-1] - 1, min(points, length)).astype(int))
        steps = []
        for layer in layers:
            m = maps[layer][k, keep].astype(np.float32)
            scale = float(np.abs(m).max()) or 1.0
            start = len(fig.data)
            fig.add_trace(
                go.Scatter(
                    x=X[k, 0, keep].numpy(),
                    y=X[k, 1, keep].numpy(),
                    mode="markers+lines",
                    line={"color": "lightgray", "width": 1},
                    showlegend=False,
                    name=layer,
                    marker={
                        "color": m,
                        "colorscale": "RdBu_r",
                        "cmin": -scale,
                        "cmax": scale,
                        "size": 4,
                        "colorbar": {"title": "map", "x": 0.385, "xanchor": "left", "thickness": 12},
                    },
                ),
                1,
                1,
            )
            fig.add_trace(
                go.Scatter(
                    x=keep - (X.shape[-1] - length),
                    y=m,
                    mode="lines",
                    showlegend=False,
                    line={"color": "#d62728", "width": 1.5},
                    name=layer,
                ),
                1,
                2,
            )
            steps.append((layer, [start, start + 1]))
        groups.append((f"{CLASSES[c]}, example {sum(1 for cc, _ in chosen[:k] if cc == c) + 1}", steps))
    fig.update_xaxes(title_text="x (scaled)", row=1, col=1)
    fig.update_yaxes(title_text="y (scaled)", row=1, col=1)
    fig.update_xaxes(title_text="time step of the observed trajectory", row=1, col=2)
    fig.update_yaxes(title_text="Grad-CAM (true class)", zeroline=True, row=1, col=2)
    _menu_and_slider(fig, groups, menu="class, example", slider="stage", active=len(layers) - 1)
    return _html(fig, 460) if as_html else fig
