"""Checks for chapter 7: evaluation beside the paper."""

from __future__ import annotations

import numpy as np

from ...data import make_dataset
from ...evaluate import evaluate
from ...simulate import CLASSES
from .answers import as_choice, as_numbers, is_key, verdict


def _class_name(answer, what: str) -> str:
    if not isinstance(answer, str):
        raise TypeError(f"{what} must be a class name (a string), got {type(answer).__name__}")
    if answer not in CLASSES:
        raise ValueError(f"{what} must be one of {', '.join(CLASSES)}, got {answer!r}")
    return answer


def check_fixed_length_gain(answer, n_test: int, seed: int, *, networks: dict | None = None) -> bool:
    """Exercise 7.1: the class that gains most from the fixed-length network on trajectories of 1000 points.

    The test set is ``rl.make_dataset(max(2, n_test // 2), length=1000, seed=3000 + seed)``;
    the gain is the per-class accuracy of ``lite-T1000`` minus that of ``lite``.
    The check evaluates both networks on the same set; any class tied for the
    largest gain is accepted.  ``networks`` (``{"varying": ..., "fixed": ...}``,
    shipped names or ``.pt`` paths) replaces the shipped pair, as the chapter's
    ``network_varying`` and ``network_T1000`` parameters do.
    """
    from ...pretrained import load_model

    name = _class_name(answer, "answer")
    chosen = {"varying": "lite", "fixed": "lite-T1000", **(networks or {})}
    fixed = make_dataset(max(2, n_test // 2), length=1000, seed=3000 + seed)
    gain = (
        evaluate(load_model(chosen["fixed"]), fixed)["per_class"]
        - evaluate(load_model(chosen["varying"]), fixed)["per_class"]
    )
    best = [CLASSES[k] for k in np.flatnonzero(np.isclose(gain, gain.max()))]
    return verdict(
        name in best,
        f"{' and '.join(best)} {'gains' if len(best) == 1 else 'gain'} most ({100 * gain.max():+.1f} points): a network trained only on long "
        "trajectories spends all its capacity on them, and the classes whose signature needs many "
        "steps to show profit most.",
        "evaluate both networks on the same length-1000 test set and subtract their result['per_class'] "
        "arrays; give rl.CLASSES[k] of the largest difference.",
    )


def check_short_confusion(answer, model, n_test: int, seed: int) -> bool:
    """Exercise 7.2: the most frequent confusion ``(true class, predicted class)`` on trajectories of 50 points.

    The test set is ``rl.make_dataset(max(2, n_test // 2), length=50, seed=4000 + seed)``.
    The check evaluates ``model`` on it; any pair tied for the largest
    off-diagonal entry of the row-normalised confusion matrix is accepted.
    """
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise TypeError(f"answer must be a pair (true class, predicted class), got {answer!r}")
    true, predicted = (_class_name(a, "each class") for a in answer)
    short = make_dataset(max(2, n_test // 2), length=50, seed=4000 + seed)
    cm = evaluate(model, short)["confusion"]
    off = cm - np.diag(np.diag(cm))
    pairs = [(CLASSES[i], CLASSES[j]) for i, j in zip(*np.nonzero(np.isclose(off, off.max())))]
    return verdict(
        (true, predicted) in pairs,
        f"{pairs[0][0]} taken for {pairs[0][1]} is the most frequent mistake ({100 * off.max():.0f}% of "
        f"the {pairs[0][0]} trajectories): with 50 points the statistics that separate such classes are "
        "too noisy.",
        "take cm = evaluate(model, short)['confusion'], zero its diagonal, find the largest entry with "
        "np.unravel_index(off.argmax(), off.shape): the row is the true class, the column the prediction.",
    )


def check_noise_scale(answer) -> bool:
    """Exercise 7.3: why the overall accuracy holds up to sigma = 0.25 and falls at sigma = 0.5 and 1.

    The drop already at sigma = 0.1 is SubCTRW's: its exact zero steps exist only
    without noise (chapter 4).  Choices: (a) the signatures left once the exact
    zeros are gone (correlated steps, straight flights, a changing diffusivity)
    are statistical, carried a little by every step, and are buried only when
    the noise is comparable to a step; (b) the network was trained with noise
    of 0.5; (c) noise changes the length of the trajectories; (d) noise shifts
    the MSD exponent of every class equally.
    """
    letter = as_choice(answer, "abcd")
    return verdict(
        is_key(letter, "check_noise_scale", "db4d2f4a207bf56b"),
        "once any noise has removed the exact zeros of the CTRW rests, the remaining signatures "
        "(step correlations, straight Levy flights, a changing diffusivity) are statistical: every step "
        "carries a little of them, so they survive noise much smaller than a step and are buried only "
        "when sigma approaches 0.5-1 step standard deviations.",
        "sigma is in units of the step std: how much of a step correlation or of a straight run does a "
        "noise of a quarter step hide, and how much at one step?",
    )


def check_sub_super_accuracy(answer, result, test) -> bool:
    """Exercise 7.4: ``(accuracy of the subdiffusive classes, of the superdiffusive classes)`` in percent.

    Subdiffusive: labels 0-3 (SubATTM, SubCTRW, SubFBM, SubSBM); superdiffusive:
    4-6 (SupFBM, SupLW, SupSBM); BM belongs to neither. The check recomputes
    both from ``result["predictions"]`` and ``test.y``; tolerance 0.05 points.
    """
    answer = as_numbers(answer, 2, "accuracies in percent (sub, super)")
    if np.all(answer <= 1) and len(test) > 8:
        raise ValueError(f"answer must hold percentages (0 to 100), got {answer.tolist()}; multiply fractions by 100")
    correct = np.asarray(result["predictions"]) == test.y
    reference = 100 * np.array([correct[test.y <= 3].mean(), correct[(test.y >= 4) & (test.y <= 6)].mean()])
    harder = "subdiffusive" if reference[0] < reference[1] else "superdiffusive"
    return verdict(
        np.allclose(answer, reference, atol=0.05),
        f"sub {reference[0]:.1f}%, super {reference[1]:.1f}%: the {harder} group is harder here. Four "
        "subdiffusive mechanisms share one range of alpha and slow motion hides details, while among "
        "the three superdiffusive classes the Levy walk is easy.",
        "correct = result['predictions'] == test.y; average it over test.y <= 3 and over 4 <= test.y <= 6, "
        "times 100 (BM, label 7, belongs to neither group).",
    )


def check_fbm_failures(answer, result, test) -> bool:
    """Exercise 7.5: the class that misclassified SubFBM and SupFBM trajectories are most often taken for.

    The check counts the predictions of the FBM trajectories (labels 2 and 4)
    that are wrong, in ``result["predictions"]``; any class tied for the most
    frequent is accepted.
    """
    name = _class_name(answer, "answer")
    predictions = np.asarray(result["predictions"])
    rows = np.isin(test.y, [2, 4]) & (predictions != test.y)
    if not rows.any():
        return verdict(True, "no FBM trajectory is misclassified in this test set.", "")
    counts = np.bincount(predictions[rows], minlength=len(CLASSES))
    best = [CLASSES[k] for k in np.flatnonzero(counts == counts.max())]
    return verdict(
        name in best,
        f"misclassified FBM trajectories become {' or '.join(best)} most often: FBM fails near alpha = 1, "
        "where its steps are almost uncorrelated: it then looks like BM or SBM, whose steps are independent.",
        "select the FBM trajectories (test.y in 2, 4) that are misclassified and count their predicted "
        "labels with np.bincount; the accuracy against alpha shows where they fail.",
    )
