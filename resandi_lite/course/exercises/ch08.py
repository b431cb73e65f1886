"""Checks for chapter 8: Grad-CAM in one dimension."""

from __future__ import annotations

import numpy as np
import torch

from ...gradcam import grad_cam, gradcam_score
from ...simulate import CLASSES
from .answers import as_choice, as_number, as_numbers, is_key, verdict


def check_cam_by_hand(answer, model, X) -> bool:
    """Exercise 8.1: the layer4 map of ``X[0]`` for class SupLW, from the activations and the linear head alone.

    Right answer: ``rl.grad_cam(model, X[:1], 5, upsample=None)[0]`` (32 values).
    The tolerance, 1e-4 of the map's largest absolute value, absorbs float32
    rounding of the two ways of summing.
    """
    value = as_numbers(answer, 32, "map values (one per layer4 position)")
    right = grad_cam(model, X[:1], CLASSES.index("SupLW"), upsample=None)[0].numpy().astype(np.float64)
    ok = np.max(np.abs(value - right)) <= 1e-4 * max(np.max(np.abs(right)), 1e-12)
    return verdict(
        ok,
        "the map is the fc weights of the class times the activations, divided by 32 (the average "
        "pool): Grad-CAM at the last stage is the class activation map.",
        "A = model.stages(X[:1])['layer4'][0] has shape (channels, 32); weigh its channels with "
        "model.fc.weight[5] / 32 and sum over channels (a matrix-vector product).",
    )


def check_logits_from_maps(answer, model, X) -> bool:
    """Exercise 8.2: the 8 logits of ``X[0]`` recovered from its 8 layer4 maps: ``32 * mean + bias``.

    Compared with ``model(X[:1])`` to 1e-4 (float32 rounding).
    """
    value = as_numbers(answer, len(CLASSES), "logits (one per class)")
    with torch.no_grad():
        right = model(torch.as_tensor(X[:1])).double().numpy()[0]
    return verdict(
        np.max(np.abs(value - right)) <= 1e-4 * max(1.0, np.max(np.abs(right))),
        "32 times the mean of a class's map plus the class's bias is its logit: the Grad-CAM score "
        "is the class score in disguise.",
        "compute the map of X[:1] for each target 0..7 (upsample=None), take 32 * its mean and add "
        "model.fc.bias[target].",
    )


def check_negative_fraction_layer1(answer, model, X, y) -> bool:
    """Exercise 8.3: fraction of all positions of the layer1 maps (true class) that are negative.

    Recomputed on the same inputs; exact up to 1e-6 (the maps are deterministic).
    """
    value = as_number(answer, "a fraction between 0 and 1")
    if not 0 <= value <= 1:
        raise ValueError(f"answer must be a fraction between 0 and 1, got {value}")
    maps = grad_cam(model, X, torch.as_tensor(np.asarray(y)), layer="layer1", upsample=None)
    right = float((maps < 0).double().mean())
    return verdict(
        abs(value - right) <= 1e-6,
        f"{100 * right:.1f}% of layer1's positions argue against the true class; a ReLU would discard all of them.",
        "rl.grad_cam(model, X, y, layer='layer1', upsample=None) gives (n, 250) maps; the mean of "
        "(maps < 0) is a fraction.",
    )


def check_padding_map(answer) -> bool:
    """Exercise 8.4 (multiple choice): why the layer4 map is not zero on the padding.

    Choices: (a) Grad-CAM adds the bias of the linear layer to every position;
    (b) only because each layer4 position sees more than the whole input;
    (c) two reasons: that receptive field, and batch normalisation, whose shifts
    make even a constant stretch of input give non-zero activations; (d)
    nearest-neighbour upsampling copies values from the observed part.
    """
    letter = as_choice(answer, "abcd")
    return verdict(
        is_key(letter, "check_padding_map", "dfdb9b75bfbd16d1"),
        "a layer4 position sees more than the whole input (receptive field 3007 steps), so its "
        "activations, and the map, depend on the observed part too; and even an input with no signal at "
        "all gives non-zero activations, because every batch norm subtracts its running mean and adds "
        "its shift beta. The padding is a constant stretch, so it too is mapped to non-zero features.",
        "look at receptive_fields(model)['layer4'], and at what model.stages gives for an all-zero "
        "input: how much of the input does one position see, and what does batch norm do to zeros?",
    )


def check_top_score_class(answer, model, dataset) -> bool:
    """Exercise 8.5: the class whose trajectories have the highest median Grad-CAM score (true class).

    Recomputed with :func:`resandi_lite.gradcam.gradcam_score` on ``dataset``.
    """
    if not isinstance(answer, str):
        raise TypeError(f"answer must be a class name (a string such as 'BM'), got {type(answer).__name__}")
    if answer not in CLASSES:
        raise ValueError(f"answer must be one of {', '.join(CLASSES)}, got {answer!r}")
    scores = gradcam_score(model, dataset.X, torch.as_tensor(dataset.y)).numpy()
    y = np.asarray(dataset.y)
    medians = [np.median(scores[y == c]) if np.any(y == c) else -np.inf for c in range(len(CLASSES))]
    right = CLASSES[int(np.argmax(medians))]
    return verdict(
        answer == right,
        f"{right}: its trajectories have the largest median logit of their own class (the score is the "
        "logit minus the bias, over 32). That is not the network's confidence: the softmax probability "
        "depends on how far the logit exceeds the other seven, and a class's logits sit on a scale of "
        "their own, which is why chapter 10 ranks scores within each class.",
        "rl.gradcam_score(model, test.X, test.y) gives one score per trajectory; take the median "
        "per true class and the class of the largest.",
    )
