"""Grad-CAM: a map checked by hand, equality with captum's LayerGradCam, side effects and errors."""

import numpy as np
import pytest
import torch
from captum.attr import LayerAttribution, LayerGradCam
from torch import nn

from resandi_lite.gradcam import GradCAM, grad_cam, gradcam_score, upsample_maps
from resandi_lite.model import build_model


class OneLayer(nn.Module):
    """conv -> global average pool -> linear: Grad-CAM is W[c] . A(t) / L, computable by hand."""

    def __init__(self):
        super().__init__()
        self.layer4 = nn.Conv1d(2, 3, kernel_size=1, bias=False)
        self.fc = nn.Linear(3, 4, bias=False)

    def forward(self, x):
        return self.fc(self.layer4(x).mean(dim=2))


def test_map_by_hand():
    torch.manual_seed(0)
    model = OneLayer()
    x = torch.arange(24, dtype=torch.float32).reshape(2, 2, 6) / 10
    A = model.layer4(x).detach()
    maps = GradCAM(model, "layer4").attribute(x, target=[1, 3])
    expected = torch.stack([model.fc.weight[c].detach() @ A[i] / 6 for i, c in enumerate([1, 3])])
    assert torch.allclose(maps, expected, atol=1e-6)
    # target=None explains the predicted class
    predicted = model(x).argmax(1)
    assert torch.allclose(GradCAM(model, "layer4").attribute(x), GradCAM(model, "layer4").attribute(x, predicted))


@pytest.mark.parametrize("layer", ["layer1", "layer2", "layer3", "layer4"])
def test_equal_to_captum(layer):
    torch.manual_seed(1)
    model = build_model("lite").eval()
    x = torch.rand(6, 2, 1000)
    target = torch.tensor([0, 1, 2, 5, 6, 7])
    ours = grad_cam(model, x, target, layer=layer, upsample=None)
    theirs = LayerGradCam(model, getattr(model, layer)).attribute(x, target=target)[:, 0].detach()
    assert ours.shape == theirs.shape
    assert torch.allclose(ours, theirs, atol=1e-5, rtol=1e-5)
    ours_relu = grad_cam(model, x, target, layer=layer, relu=True, upsample="nearest")
    theirs_relu = LayerGradCam(model, getattr(model, layer)).attribute(x, target=target, relu_attributions=True)
    theirs_relu = LayerAttribution.interpolate(theirs_relu, (1000,), "nearest")[:, 0].detach()
    assert torch.allclose(ours_relu, theirs_relu, atol=1e-5, rtol=1e-5)


def test_shapes_upsampling_and_score():
    torch.manual_seed(2)
    model = build_model("lite").eval()
    x = torch.rand(5, 2, 1000)
    small = grad_cam(model, x, 3, upsample=None)
    near = grad_cam(model, x, 3)
    lin = grad_cam(model, x, 3, upsample="linear")
    assert small.shape == (5, 32) and near.shape == lin.shape == (5, 1000)
    # nearest: position t shows bin floor(t * 32 / 1000): 32 pieces of 31 or 32 steps
    assert torch.equal(near, small[:, (torch.arange(1000) * 32) // 1000])
    assert torch.allclose(upsample_maps(small, 1000, "nearest"), near)
    assert torch.allclose(gradcam_score(model, x, 3), near.mean(1))
    assert torch.all(grad_cam(model, x, 3, relu=True) >= 0)
    # batching does not change the result
    assert torch.allclose(grad_cam(model, x, 3, batch_size=2), near, atol=1e-6)
    # numpy input works too
    assert torch.allclose(grad_cam(model, x.numpy(), 3), near)


def test_no_side_effects_even_after_an_error():
    model = build_model("lite").train()
    model.layer1.requires_grad_(False)
    flags = [p.requires_grad for p in model.parameters()]
    state = {k: v.clone() for k, v in model.state_dict().items()}
    grad_cam(model, torch.rand(4, 2, 1000), 1)
    with pytest.raises(ValueError, match=r"target labels must be in 0..7, got 8..8"):
        grad_cam(model, torch.rand(2, 2, 1000), 8)
    assert model.training
    assert [p.requires_grad for p in model.parameters()] == flags
    assert all(p.grad is None for p in model.parameters())
    assert all(len(m._forward_hooks) == 0 for m in model.modules())
    assert all(torch.equal(state[k], v) for k, v in model.state_dict().items())  # BatchNorm stats untouched


def test_frozen_model_still_explained():
    model = build_model("lite").eval().requires_grad_(False)
    assert grad_cam(model, torch.rand(2, 2, 1000), 0).abs().sum() > 0


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (
            {"layer": "layer9"},
            ValueError,
            r"layer must name a submodule of the model, e.g. layer1, layer2, layer3, layer4; got .layer9.",
        ),
        ({"target": [1, 2]}, ValueError, r"one label per input \(3\), got shape \(2,\)"),
        ({"target": 1.5}, TypeError, r"integer class labels"),
        ({"target": -1}, ValueError, r"target labels must be in 0..7"),
        ({"upsample": "cubic"}, ValueError, r"upsample must be None, 'nearest' or 'linear'"),
    ],
)
def test_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        grad_cam(build_model("lite"), torch.rand(3, 2, 1000), **kwargs)


def test_input_errors():
    model = build_model("lite")
    with pytest.raises(ValueError, match="add a batch dimension"):
        grad_cam(model, torch.rand(2, 1000))
    with pytest.raises(TypeError, match="floating point"):
        grad_cam(model, np.zeros((1, 2, 1000), dtype=np.int64))
    with pytest.raises(TypeError, match="torch.nn.Module"):
        GradCAM("model")


# --- issue 14: bad input answered by a named ValueError/TypeError; issue 13: input_length -----------------------


@pytest.mark.parametrize(
    "x, kwargs, error, message",
    [
        (torch.full((2, 2, 1000), float("nan")), {}, ValueError, r"inputs must be finite, got 4000 NaN"),
        (torch.rand(0, 2, 1000), {}, ValueError, r"inputs must hold at least one trajectory"),
        (torch.rand(2, 2, 0), {}, ValueError, r"with L >= 1"),
        (torch.rand(2, 3, 1000), {}, ValueError, r"inputs must have shape \(n, 2, L\)"),
        (torch.rand(2, 2, 1000), {"target": "BM"}, TypeError, r"target must be None, an integer class label"),
        (torch.rand(2, 2, 1000), {"batch_size": 0}, ValueError, r"batch_size must be >= 1"),
        (torch.rand(2, 2, 1000), {"relu": "yes"}, TypeError, r"relu must be True or False"),
        (np.array([[["a"] * 10] * 2]), {}, TypeError, r"inputs must be floating point"),
    ],
)
def test_bad_input_gives_a_named_error(x, kwargs, error, message):
    with pytest.raises(error, match=message):
        grad_cam(build_model("lite"), x, **kwargs)


def test_float64_input_is_cast_to_the_network_dtype():
    model = build_model("lite")
    x = torch.rand(2, 2, 1000)
    assert torch.allclose(grad_cam(model, x.double(), 1), grad_cam(model, x, 1))
    assert torch.allclose(grad_cam(model, x.numpy().tolist(), 1), grad_cam(model, x, 1))


def test_upsample_maps_input_length_and_checks():
    maps = torch.rand(2, 4)
    assert upsample_maps(maps, input_length=8).shape == (2, 8)
    assert torch.equal(upsample_maps(maps, input_length=8), upsample_maps(maps, 8))
    with pytest.raises(ValueError, match=r"maps must be a float tensor of shape \(B, L_layer\)"):
        upsample_maps(torch.rand(4), 8)
    with pytest.raises(ValueError, match=r"input_length must be >= 1"):
        upsample_maps(maps, 0)
