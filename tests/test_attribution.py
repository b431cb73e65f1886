"""The attribution interface: the default is the paper's Grad-CAM, every method agrees with captum, custom ones plug in."""

import captum.attr as captum_attr  # a dev extra: the test command installs it, so it never skips
import numpy as np
import pytest
import torch

from resandi_lite.attribution import METHODS, attribute, get_attribution, resample
from resandi_lite.augment import attribution_score
from resandi_lite.erasure import erasure_experiment
from resandi_lite.gradcam import grad_cam, gradcam_score
from resandi_lite.layerwise import window_maps
from resandi_lite.model import build_model


@pytest.fixture(scope="module")
def net():
    torch.manual_seed(0)
    model = build_model("lite")
    with torch.no_grad():  # non-trivial BatchNorm statistics, so eval mode matters
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm1d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
    return model.eval()


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = np.cumsum(rng.standard_normal((6, 2, 1000)), axis=-1).astype(np.float32)
    X = (X - X.min(-1, keepdims=True)) / np.ptp(X, axis=-1, keepdims=True)
    return X.astype(np.float32), np.array([0, 1, 2, 5, 6, 7])


def test_default_is_signed_layer4_grad_cam(net, data):
    X, y = data
    expected = grad_cam(net, X, y, upsample=None)
    assert get_attribution() is METHODS["gradcam"]
    assert torch.equal(get_attribution()(net, X, y), expected)
    assert np.array_equal(attribute(net, X, y), expected.numpy().astype(np.float64))
    assert attribute(net, X, y).shape == (6, 32)


def test_erasure_default_equals_explicit_grad_cam(net, data):
    X, y = data
    default = erasure_experiment(net, X, y, rng=1, batch_size=4)
    named = erasure_experiment(net, X, y, rng=1, batch_size=4, attribution="gradcam")
    by_callable = erasure_experiment(net, X, y, rng=1, batch_size=4, attribution=METHODS["gradcam"])
    for result in (named, by_callable):
        for key in ("accuracy", "random_accuracy", "segments_erased", "predictions", "random_predictions"):
            assert np.array_equal(default[key], result[key]), key


def test_erasure_runs_a_custom_method(net, data):
    X, y = data
    calls = []

    def first_half(model, inputs, target):  # a hand-made method at its own resolution: 4 positions
        calls.append((model, np.shape(inputs), np.asarray(target).tolist()))
        return np.tile(np.array([3.0, 2.0, 1.0, 0.0]), (len(inputs), 1))

    result = erasure_experiment(net, X, y, rng=0, bands=4, inclusive=True, attribution=first_half)
    assert calls == [(net, X.shape, y.tolist())]
    assert result["segments_erased"].tolist() == [1.0, 1.0, 1.0, 1.0]  # one of four positions per band
    # the top band erases the first quarter of the input: the network sees exactly that input
    erased = X.copy()
    erased[:, :, :250] = 0
    with torch.no_grad():
        expected = net(torch.from_numpy(erased)).argmax(1).numpy()
    assert np.array_equal(result["predictions"][-1], expected)


def test_augmentation_and_layerwise_defaults(net, data):
    X, y = data
    assert np.array_equal(attribution_score(net, X, y), gradcam_score(net, X, y).numpy())
    np.testing.assert_allclose(
        attribution_score(net, X, y, attribution="gradcam"), gradcam_score(net, X, y).numpy(), rtol=1e-5, atol=1e-6
    )
    assert np.array_equal(window_maps(net, X, y), grad_cam(net, X, y, upsample=None).numpy())
    np.testing.assert_allclose(window_maps(net, X, y, attribution="gradcam"), window_maps(net, X, y), atol=1e-7)
    assert window_maps(net, X, y, attribution="saliency").shape == (6, 32)


@pytest.mark.parametrize("layer", ["layer1", "layer2", "layer3", "layer4"])
@pytest.mark.parametrize("relu", [False, True])
def test_grad_cam_stages_agree_with_captum(net, data, layer, relu):
    X, y = data
    name = "gradcam-relu" if relu and layer == "layer4" else f"gradcam-{layer}"
    ours = (
        METHODS[name]
        if not relu or layer == "layer4"
        else __import__("resandi_lite.attribution").attribution.grad_cam_at(layer, relu=True)
    )(net, X, y)
    x = torch.from_numpy(X)
    theirs = captum_attr.LayerGradCam(net, getattr(net, layer)).attribute(
        x, target=torch.from_numpy(y), relu_attributions=relu
    )[:, 0]
    assert ours.shape == theirs.shape
    torch.testing.assert_close(ours, theirs.detach(), atol=1e-5, rtol=1e-4)


def test_saliency_agrees_with_captum(net, data):
    X, y = data
    theirs = captum_attr.Saliency(net).attribute(torch.from_numpy(X), target=torch.from_numpy(y), abs=True).sum(1)
    torch.testing.assert_close(METHODS["saliency"](net, X, y), theirs, atol=1e-6, rtol=1e-5)


def test_integrated_gradients_agree_with_captum_and_are_complete(net, data):
    X, y = data
    x, t = torch.from_numpy(X), torch.from_numpy(y)
    ours = METHODS["integrated-gradients"](net, X, y, steps=16)
    theirs = (
        captum_attr.IntegratedGradients(net)
        .attribute(x, baselines=0.0, target=t, n_steps=16, method="gausslegendre")
        .sum(1)
    )
    torch.testing.assert_close(ours, theirs.float(), atol=1e-5, rtol=1e-4)
    with torch.no_grad():
        logit = net(x).gather(1, t[:, None])[:, 0] - net(torch.zeros_like(x)).gather(1, t[:, None])[:, 0]
    np.testing.assert_allclose(ours.sum(1).numpy(), logit.numpy(), rtol=0.05, atol=0.05)


def test_occlusion_agrees_with_captum(net, data):
    X, y = data
    ours = METHODS["occlusion"](net, X, y, window=100, stride=50)
    theirs = captum_attr.Occlusion(net).attribute(
        torch.from_numpy(X), sliding_window_shapes=(2, 100), strides=(2, 50), baselines=0.0, target=torch.from_numpy(y)
    )
    torch.testing.assert_close(theirs[:, 0], theirs[:, 1])
    torch.testing.assert_close(ours, theirs[:, 0].float(), atol=1e-5, rtol=1e-4)


def test_methods_keep_the_models_mode_and_need_no_gradients(data):
    X, y = data
    model = build_model("lite").train()
    for name in ("saliency", "integrated-gradients", "occlusion"):
        METHODS[name](model, X[:2], y[:2], **({"steps": 2} if name == "integrated-gradients" else {}))
        assert model.training
        assert all(p.grad is None for p in model.parameters())


def test_get_attribution_errors():
    with pytest.raises(ValueError, match="attribution must be one of gradcam"):
        get_attribution("lime")
    with pytest.raises(TypeError, match="attribution must be a name from METHODS or a callable"):
        get_attribution(3)
    custom = lambda model, X, target: np.zeros((len(X), 5))  # noqa: E731
    assert get_attribution(custom) is custom


def test_attribute_checks_the_shape(net, data):
    X, y = data
    with pytest.raises(ValueError, match=r"shape \(n=6, positions\)"):
        attribute(net, X, y, lambda model, X, target: np.zeros(len(X)))


def test_resample_by_hand():
    assert resample(np.arange(8.0)[None], 4, length=8).tolist() == [[0.5, 2.5, 4.5, 6.5]]
    assert resample(np.array([[1.0, 3.0]]), 4, length=8).tolist() == [[1.0, 1.0, 3.0, 3.0]]
    maps = np.random.default_rng(0).standard_normal((3, 32))
    assert resample(maps, 32) is not None and np.array_equal(resample(maps, 32), maps)
    np.testing.assert_allclose(resample(maps, 1000).mean(1), resample(maps, 1).ravel())


# The methods the captum tests above cover; a method added to METHODS must get its captum check here too.
CHECKED_AGAINST_CAPTUM = {
    "gradcam",
    "gradcam-relu",
    "gradcam-layer1",
    "gradcam-layer2",
    "gradcam-layer3",
    "gradcam-layer4",
    "saliency",
    "integrated-gradients",
    "occlusion",
}


def test_every_registered_method_is_checked_against_captum():
    assert set(METHODS) == CHECKED_AGAINST_CAPTUM
    assert METHODS["gradcam"].__name__ == METHODS["gradcam-layer4"].__name__  # the default is the layer4 check
