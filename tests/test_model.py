"""The ResAnDi network: the paper's architecture, presets, stage access and input checks."""

import pytest
import torch

from resandi_lite.model import STAGES, BasicBlock, ResAnDi, build_model, count_parameters


def test_paper_network_size_and_stage_lengths():
    model = build_model("paper").eval()
    assert count_parameters(model) == 18_499_336  # "about 18.5M"
    x = torch.zeros(2, 2, 1000)
    assert model.conv1(x).shape == (2, 64, 500)
    out = model.stages(x)
    assert {k: tuple(v.shape) for k, v in out.items()} == {
        "stem": (2, 64, 250),
        "layer1": (2, 64, 250),
        "layer2": (2, 128, 125),
        "layer3": (2, 256, 63),
        "layer4": (2, 512, 32),
    }
    assert model(x).shape == (2, 8)
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv1d) and m.kernel_size[0] > 1]
    assert len(convs) == 17  # 17 convolutions in the main path + the linear layer = 18 layers
    assert convs[0].kernel_size == (35,) and {c.kernel_size for c in convs[1:]} == {(15,)}


def test_lite_preset_is_small():
    model = build_model("lite")
    assert count_parameters(model) <= 1_500_000
    assert model.stages(torch.zeros(1, 2, 1000))["layer4"].shape == (1, 128, 32)


def test_widths_depths_kernels_are_arguments():
    model = ResAnDi(widths=(8, 8, 16, 16), depths=(1, 1, 1, 1), kernel_size=7, stem_kernel=11)
    assert len(model.layer1) == 1 and model.layer1[0].conv1.kernel_size == (7,)
    assert model(torch.zeros(3, 2, 1000)).shape == (3, 8)


def test_stages_share_the_model_weights_and_match_forward():
    torch.manual_seed(0)
    model = build_model("lite").eval()
    x = torch.rand(4, 2, 1000)
    out = model.stages(x)
    pooled = model.avgpool(out["layer4"]).flatten(1)
    assert torch.allclose(model.fc(pooled), model(x), atol=1e-6)
    assert set(out) == {"stem", *STAGES}
    assert list(model.stages(x, upto="layer2")) == ["stem", "layer1", "layer2"]


def test_basic_block_shortcut():
    block = BasicBlock(16, 32, stride=2)
    assert block.downsample is not None and block(torch.zeros(1, 16, 63)).shape == (1, 32, 32)
    assert BasicBlock(16, 16).downsample is None


def test_initialisation_follows_the_paper():
    model = build_model("lite")
    assert all(
        torch.all(m.weight == 1) and torch.all(m.bias == 0)
        for m in model.modules()
        if isinstance(m, torch.nn.BatchNorm1d)
    )
    w = model.layer4[0].conv1.weight  # kaiming normal, fan_out: std sqrt(2 / (out * k))
    expected = (2 / (w.shape[0] * w.shape[2])) ** 0.5
    assert abs(w.std().item() / expected - 1) < 0.05


@pytest.mark.parametrize(
    "x, error, message",
    [
        (torch.zeros(2, 1000), ValueError, r"add a batch dimension"),
        (torch.zeros(2, 3, 1000), ValueError, r"shape \(B, 2, L\), got \(2, 3, 1000\)"),
        (torch.zeros(2, 2, 1000, dtype=torch.long), TypeError, r"floating-point"),
        ([[0.0]], TypeError, r"torch.Tensor"),
    ],
)
def test_bad_input(x, error, message):
    with pytest.raises(error, match=message):
        build_model("lite")(x)


def test_bad_construction():
    with pytest.raises(ValueError, match="unknown preset 'big'"):
        build_model("big")
    with pytest.raises(ValueError, match="4 entries"):
        ResAnDi(widths=(8, 8, 8))
    with pytest.raises(ValueError, match="positive odd"):
        ResAnDi(kernel_size=4)
    with pytest.raises(ValueError, match="upto must be one of"):
        build_model("lite").stages(torch.zeros(1, 2, 1000), upto="layer5")


def test_receptive_fields_by_hand():
    from resandi_lite.model import receptive_fields

    rf = receptive_fields(build_model("paper"))
    # stem: 35, pool: +2*2; each k=15 conv adds 14 x the current stride
    assert rf["stem"] == (39, 4)
    assert rf["layer1"] == (39 + 4 * 14 * 4, 4)
    assert rf["layer2"] == (263 + 14 * 4 + 3 * 14 * 8, 8)
    assert rf["layer4"] == (3007, 32)
    assert receptive_fields(build_model("lite")) == rf  # same geometry, narrower


def test_describe_counts_parameters_and_macs():
    from resandi_lite.model import describe

    model = build_model("paper")
    rows = describe(model)
    assert [r["stage"] for r in rows] == ["stem", "layer1", "layer2", "layer3", "layer4", "head"]
    assert sum(r["parameters"] for r in rows) == count_parameters(model)
    assert rows[0]["macs"] == 64 * 500 * 2 * 35  # the stem convolution, by hand
    assert rows[-1]["macs"] == 512 * 8 and rows[4]["output"] == (512, 32)
    assert model.training  # mode restored
