"""The explorers of the built book, without a kernel: precomputed Plotly figures whose controls compose."""

import numpy as np
import pytest
import torch

import resandi_lite as rl
from resandi_lite.course import explore


def _visible(fig, args):
    return [i for i, v in enumerate(args[0]["visible"]) if v]


def test_model_figure_menu_installs_each_class_slider_and_shows_one_exponent():
    fig = explore.model_figure(("SubFBM", "BM", "SupLW"), alphas=3, length=64, n=10, as_html=False)
    buttons = fig.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == ["SubFBM", "BM", "SupLW"]
    sizes = {"SubFBM": 3, "BM": 1, "SupLW": 3}  # BM has one exponent
    seen = set()
    for button in buttons:
        steps = button.args[1]["sliders"][0]["steps"]
        assert len(steps) == sizes[button.label], button.label
        for step in steps:
            shown = _visible(fig, step["args"])
            assert shown[0] == 0 and len(shown) == 5, "the Gaussian, and trajectory, MSD, its slope and the steps"
            low, high = rl.ALPHA_RANGE[button.label]
            assert low - 1e-9 <= float(step["label"]) <= high + 1e-9
            seen.update(shown[1:])
    assert seen == set(range(1, len(fig.data))), "every precomputed trace is reachable"
    with pytest.raises(ValueError, match="classes must be"):
        explore.model_figure(("Brownian",))


def test_gradcam_figure_shows_the_map_of_the_chosen_example_and_stage():
    model = rl.load_model("lite")
    data = rl.make_dataset(2, length="varying", seed=3)
    fig = explore.gradcam_figure(model, data, examples=1, as_html=False)
    buttons = fig.layout.updatemenus[0].buttons
    assert len(buttons) == len(rl.CLASSES) and buttons[2].label == f"{rl.CLASSES[2]}, example 1"
    steps = buttons[2].args[1]["sliders"][0]["steps"]
    assert [s["label"] for s in steps] == ["layer1", "layer2", "layer3", "layer4"]
    i = int(np.flatnonzero(data.y == 2)[0])
    expected = rl.grad_cam(
        model, torch.as_tensor(data.X[i : i + 1]), torch.as_tensor(data.y[i : i + 1]), layer="layer2"
    )
    trajectory, curve = (fig.data[k] for k in _visible(fig, steps[1]["args"]))
    T = int(data.lengths[i])
    observed = expected[0, -T:].numpy()
    assert np.allclose(np.asarray(curve.y), observed[np.asarray(curve.x)], atol=1e-5)
    assert np.allclose(np.asarray(trajectory.marker.color), np.asarray(curve.y))


def test_pages_stay_small():
    assert len(explore.model_figure().data) < 1_000_000  # the book's parameters: all classes, 5 exponents
    model = rl.load_model("lite")
    html = explore.gradcam_figure(model, rl.make_dataset(3, length="varying", seed=0), examples=3).data
    assert len(html) < 2_000_000 and "cdn.plot.ly" in html, "plotly.js comes from its CDN, not inside each page"
