"""Checks for chapter 5: the ResAnDi network."""

from __future__ import annotations

import torch

from ...model import ResAnDi, build_model, count_parameters, describe, receptive_fields
from .answers import as_choice, as_integer, as_numbers, is_key, verdict


def check_block_parameters(answer, net) -> bool:
    """Exercise 5.1: the parameters of the first block of ``layer2`` of the paper's network, counted by hand.

    The check counts ``net.layer2[0]``'s parameters and requires the exact integer.
    """
    answer = as_integer(answer, "an integer (a number of parameters)")
    reference = sum(p.numel() for p in net.layer2[0].parameters())
    return verdict(
        answer == reference,
        f"{reference:,} parameters: two convolutions (64*128*15 and 128*128*15, no bias), two batch norms "
        "(weight and bias of 128 channels each) and the shortcut (a 64->128 convolution of kernel 1 and "
        "its batch norm).",
        "count kernel weights as in_channels * out_channels * kernel_size (no biases: batch norm follows), "
        "2 per channel for each batch norm, and do not forget the shortcut's 1x1 convolution and its "
        "batch norm.",
    )


def check_small_kernel(answer) -> bool:
    """Exercise 5.2: ``(receptive field of layer4, parameters)`` of ``build_model("lite", kernel_size=7)``.

    The check builds the network and requires both integers exactly.
    """
    answer = as_numbers(answer, 2, "integers (receptive field of layer4 in steps, parameters)")
    small = build_model("lite", kernel_size=7)
    reference = (receptive_fields(small)["layer4"][0], count_parameters(small))
    lite = build_model("lite")
    macs = [sum(row["macs"] for row in describe(m)) / 1e6 for m in (lite, small)]
    return verdict(
        tuple(answer) == reference,
        f"the layer4 receptive field shrinks to {reference[0]} steps (each convolution adds 6 instead of 14 "
        f"times its input stride) and the parameters fall from {count_parameters(lite):,} to "
        f"{reference[1]:,}, about half, as does the compute ({macs[0]:.1f} to {macs[1]:.1f} million "
        "multiply-accumulates per trajectory); whether the time halves too depends on how well your "
        "processor runs small layers: compare the rates printed above.",
        "build small = build_model('lite', kernel_size=7) and read receptive_fields(small)['layer4'][0] "
        "and count_parameters(small).",
    )


def check_no_maxpool_length(answer) -> bool:
    """Exercise 5.3: the length of ``layer4``'s output when the stem's max-pool is replaced by ``Identity``.

    The check builds the modified ``lite`` network and passes a zero input of
    1000 steps; the exact integer is required.
    """
    answer = as_integer(answer, "an integer (the number of positions of layer4's output)")
    no_pool = build_model("lite")
    no_pool.maxpool = torch.nn.Identity()
    with torch.no_grad():
        reference = no_pool.stages(torch.zeros(1, 2, 1000))["layer4"].shape[-1]
    return verdict(
        answer == reference,
        f"{reference} positions instead of 32: without the pool's stride 2 the stem leaves 500 positions, "
        "and three stride-2 stages halve that (rounding up) to 63, so the Grad-CAM map has twice the "
        "time resolution.",
        "replace net.maxpool by torch.nn.Identity() and look at the last axis of "
        "net.stages(torch.zeros(1, 2, 1000))['layer4'].",
    )


def check_pooling_classes(answer) -> bool:
    """Exercise 5.4: which classes the global average pool (blind to where in time a pattern occurs) could hurt.

    Choices: (a) FBM and BM, whose steps are stationary; (b) SBM and ATTM, whose
    signature is a change of diffusivity in time; (c) LW, whose flights are
    straight; (d) none, the pool keeps everything.
    """
    letter = as_choice(answer, "abcd")
    return verdict(
        is_key(letter, "check_pooling_classes", "6b586ddd454df5a5"),
        "SBM's signature is a trend in time (a diffusivity that drifts from start to end) and ATTM's a "
        "change of diffusivity at some time; after the pool only the average over time is left, so the "
        "network must encode the trend in the channels themselves (its receptive fields span the whole "
        "input). Stationary classes (FBM, BM, LW) look the same everywhere and do not care.",
        "which classes are defined by something that changes between the beginning and the end of a trajectory?",
    )


def check_tiny_parameters(answer) -> bool:
    """Exercise 5.5: the parameters of ``ResAnDi(widths=(8, 16, 32, 64))``; the exact integer is required."""
    answer = as_integer(answer, "an integer (a number of parameters)")
    reference = count_parameters(ResAnDi(widths=(8, 16, 32, 64)))
    lite = count_parameters(build_model("lite"))
    return verdict(
        answer == reference,
        f"{reference:,} parameters, {lite / reference:.1f} times fewer than lite: halving every width "
        "divides the convolutions' weights by about four. Its speed-up is whatever the rates printed in this "
        "chapter show on your machine; it need not be fourfold, since small layers keep a processor "
        "less busy than large ones.",
        "count_parameters(rl.model.ResAnDi(widths=(8, 16, 32, 64))).",
    )
