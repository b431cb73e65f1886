"""Checks for chapter 7: evaluation beside the paper."""

from __future__ import annotations

import numpy as np

from ...data import make_dataset
from ...evaluate import evaluate
from ...simulate import CLASSES
from ...verdict import family_level, family_z
from .answers import as_choice, as_numbers, is_key, verdict


def _class_name(answer, what: str) -> str:
    if not isinstance(answer, str):
        raise TypeError(f"{what} must be a class name (a string), got {type(answer).__name__}")
    if answer not in CLASSES:
        raise ValueError(f"{what} must be one of {', '.join(CLASSES)}, got {answer!r}")
    return answer


def _paired_gains(right_a, right_b, y) -> tuple[np.ndarray, np.ndarray]:
    """Per class: accuracy of a minus that of b on the same trajectories, and that difference in paired standard errors."""
    gain, z = np.zeros(len(CLASSES)), np.zeros(len(CLASSES))
    for c in range(len(CLASSES)):
        d = right_a[y == c].astype(float) - right_b[y == c].astype(float)
        if d.size:
            gain[c] = d.mean()
            se = d.std(ddof=1) / np.sqrt(d.size) if d.size > 1 else 0.0
            z[c] = gain[c] / se if se > 0 else 0.0
    return gain, z


def check_fixed_length_gain(answer, n_test: int, seed: int, *, networks: dict | None = None) -> bool:
    """Exercise 7.1: the class that gains most from the fixed-length network on trajectories of 1000 points.

    The test set is ``rl.make_dataset(max(2, n_test // 2), length=1000, seed=3000 + seed)``;
    the gain is the per-class accuracy of ``lite-T1000`` minus that of ``lite``.
    The check evaluates both networks on the same set; any class tied for the
    largest gain is accepted. Its message gives the gain in standard errors of
    the paired difference (the same trajectories, one per pair) against the
    Bonferroni threshold for eight classes.  ``networks`` (``{"varying": ..., "fixed": ...}``,
    shipped names or ``.pt`` paths) replaces the shipped pair, as the chapter's
    ``network_varying`` and ``network_T1000`` parameters do.
    """
    from ...pretrained import load_model

    name = _class_name(answer, "answer")
    chosen = {"varying": "lite", "fixed": "lite-T1000", **(networks or {})}
    fixed = make_dataset(max(2, n_test // 2), length=1000, seed=3000 + seed)
    right = {k: evaluate(load_model(chosen[k]), fixed)["predictions"] == fixed.y for k in ("fixed", "varying")}
    gain, z = _paired_gains(right["fixed"], right["varying"], fixed.y)
    best = [CLASSES[k] for k in np.flatnonzero(np.isclose(gain, gain.max()))]
    k = int(np.argmax(gain))
    threshold = family_z(len(CLASSES))
    if z[k] > threshold:
        meaning = (
            f"{CLASSES[k]}'s gain passes it: on this test set training at one length helps that class more "
            "than chance would."
        )
    else:
        meaning = (
            "no class's gain passes it: on these trajectories training at one length buys no per-class "
            "advantage that can be told from chance, so the exercise cannot say which mechanism profits."
        )
    return verdict(
        name in best,
        f"{' and '.join(best)} {'gains' if len(best) == 1 else 'gain'} most ({100 * gain[k]:+.1f} points, "
        f"{z[k]:.1f} standard errors of the paired difference); the fixed-length network is worse or "
        f"equal on {int(np.sum(gain <= 0))} of 8 classes. Eight classes read at once need, by the course's "
        f"rule (Bonferroni, rl.verdict.family_level(8) = {family_level(len(CLASSES))}), {threshold:.2f} "
        f"standard errors: {meaning}",
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
    rest, sup = correct[(test.y >= 1) & (test.y <= 3)], correct[(test.y >= 4) & (test.y <= 6)]
    se = np.sqrt(rest.var() / max(rest.size, 1) + sup.var() / max(sup.size, 1))
    without = 100 * rest.mean()
    if abs(without - reference[1]) <= 2 * 100 * se:
        reading = (
            "within two standard errors of the superdiffusive group: the difference between the groups is "
            "SubATTM's, one hard class, not slow motion as such."
        )
    else:
        reading = (
            f"{'still below' if without < reference[1] else 'above'} the superdiffusive group by more than two "
            "standard errors."
        )
    return verdict(
        np.allclose(answer, reference, atol=0.05),
        f"sub {reference[0]:.1f}%, super {reference[1]:.1f}%: the {harder} group is harder here. Without "
        f"SubATTM ({100 * correct[test.y == 0].mean():.1f}%) the three other subdiffusive classes score "
        f"{without:.1f}%, " + reading,
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


def check_symmetry_stability(answer, symmetry, test) -> bool:
    """Exercise 7.6: ``(share of trajectories whose prediction changes under a symmetry, accuracy on the others)``.

    ``symmetry`` is the chapter's ``rl.evaluate.invariance(model, test.X, test.y)``;
    a trajectory is *unstable* if at least one of the eight transforms changes
    its predicted class (its row of ``symmetry["predictions"]`` is not
    constant), *stable* otherwise.  Both numbers are in percent: the share of
    unstable trajectories in the test set, and the accuracy of the untransformed
    prediction on the stable ones.  The check recomputes both; tolerance 0.05
    points (rounding).
    """
    answer = as_numbers(answer, 2, "percentages (share unstable, accuracy on the stable ones)")
    predictions = np.asarray(symmetry["predictions"])
    if predictions.ndim != 2 or predictions.shape[1] != len(test):
        raise ValueError(
            f"symmetry['predictions'] must have shape (8, {len(test)}) (rl.evaluate.invariance of the test set), "
            f"got {predictions.shape}"
        )
    if np.all(answer <= 1) and len(test) > 8 and np.any(answer > 0):
        raise ValueError(f"answer must hold percentages (0 to 100), got {answer.tolist()}; multiply fractions by 100")
    unstable = (predictions != predictions[0]).any(axis=0)
    right = predictions[0] == test.y
    if unstable.all():
        raise ValueError("every prediction changes under some symmetry: there are no stable trajectories to score")
    reference = 100 * np.array([unstable.mean(), right[~unstable].mean()])
    on_unstable = f"{100 * right[unstable].mean():.1f}%" if unstable.any() else "none to score"
    return verdict(
        np.allclose(answer, reference, atol=0.05),
        f"{reference[0]:.1f}% of the trajectories change class under at least one reflection or swap; the network "
        f"is right on {reference[1]:.1f}% of the others and on {on_unstable} of these. A prediction that a mere "
        "reflection can flip is an uncertain one, and these trajectories are where averaging over the eight "
        "transforms can help.",
        "unstable = (symmetry['predictions'] != symmetry['predictions'][0]).any(axis=0); take 100 * its mean, and "
        "100 * the mean of (symmetry['predictions'][0] == test.y) over ~unstable.",
    )
