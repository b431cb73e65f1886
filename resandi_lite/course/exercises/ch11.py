"""Checks for chapter 11: layer by layer."""

from __future__ import annotations

import numpy as np

from ... import layerwise as lw
from ...simulate.classes import CLASSES
from .answers import as_choice, as_integer, as_number, as_numbers, is_key, verdict

#: Mean over alpha ~ U(0.1, 0.9) of the lag-1 correlation of FBM increments, 2^(alpha - 1) - 1.
SUBFBM_MEAN_RHO = float((2**-0.1 - 2**-0.9) / np.log(2) / 0.8 - 1)


def _rows(ds, name: str) -> np.ndarray:
    return np.asarray(ds.y) == CLASSES.index(name)


def check_subfbm_autocorrelation(answer, ds) -> bool:
    """Exercise 11.1: ``(mean f1 over the windows of ds's SubFBM trajectories, its expectation in theory)``.

    The measured value is recomputed from ``ds`` with
    :func:`resandi_lite.layerwise.window_statistics` (tolerance 1e-6). Theory:
    FBM increments have lag-1 correlation ``2^(alpha-1) - 1``; averaged over
    ``alpha ~ U(0.1, 0.9)`` that is ``(2^-0.1 - 2^-0.9) / (0.8 ln 2) - 1 = -0.284``
    (tolerance 0.005).
    """
    answer = as_numbers(answer, 2, "numbers (measured mean f1, expected mean)")
    rows = _rows(ds, "SubFBM")
    if not rows.any():
        raise ValueError("ds holds no SubFBM trajectory; pass the chapter's dataset ds")
    measured = float(np.nanmean(lw.window_statistics(np.asarray(ds.X)[rows])["f1"]))
    ok = abs(answer[0] - measured) < 1e-6 and abs(answer[1] - SUBFBM_MEAN_RHO) < 5e-3
    return verdict(
        ok,
        f"the windows give {measured:+.3f}, theory {SUBFBM_MEAN_RHO:+.3f}: subdiffusive FBM steps are "
        "anti-correlated, and 224 steps per window are enough to measure it (removing each window's "
        "mean shifts it slightly).",
        "average stats['f1'] over the rows of SubFBM (ds.y == 2) with np.nanmean; for theory, integrate "
        "2**(a - 1) - 1 over a from 0.1 to 0.9 and divide by 0.8.",
    )


def check_suplw_spearman(answer, maps, ds) -> bool:
    """Exercise 11.2: the Spearman correlation of the layer4 map with CS for SupLW, pooled over ``ds``'s SupLW rows.

    Recomputed from ``maps`` (n, 32) and ``ds`` with the library's statistics;
    tolerance 1e-6 (the same computation, float64).
    """
    answer = as_number(answer, "a number (a Spearman correlation)")
    if not -1 <= answer <= 1:
        raise ValueError(f"answer must be a correlation in [-1, 1], got {answer}")
    rows = _rows(ds, "SupLW")
    cs = lw.composites(lw.window_statistics(np.asarray(ds.X)[rows]))["CS"]
    right = lw.correlation(np.asarray(maps)[rows], cs, "spearman")
    return verdict(
        abs(answer - right) < 1e-6,
        f"Spearman {right:+.3f} (the paper: {lw.PAPER_SPEARMAN[('SupLW', 'CS')]:+.3f}). A rank correlation "
        "asks whether the map rises or falls with CS at all, not whether it does so linearly; the paper "
        "used it for SupLW, whose Pearson correlations it found to be about 0.",
        "use lw.map_correlations(maps, comp, ds.y, method='spearman') and read the key ('SupLW', 'CS').",
    )


def check_block1_groups(answer, probes) -> bool:
    """Exercise 11.3: how many groups block 1's probe forms with a threshold of 0.1 instead of 0.2.

    Recomputed exactly with :func:`resandi_lite.layerwise.confusion_groups`.
    """
    answer = as_integer(answer, "an integer (a number of groups)")
    if not 1 <= answer <= len(CLASSES):
        raise ValueError(f"answer must be a number of groups in 1..{len(CLASSES)}, got {answer}")
    groups = lw.confusion_groups(probes["layer1"]["confusion"], 0.1)
    return verdict(
        answer == len(groups),
        f"{len(groups)} groups: {groups}. A lower threshold can only link more pairs, so groups can only merge; the "
        "grouping is a summary of the confusion matrix, and the paper's 4 groups depend on such a choice too.",
        "call lw.confusion_groups(probes['layer1']['confusion'], 0.1) and count the tuples.",
    )


def check_most_harmful_composite(answer, ablation) -> bool:
    """Exercise 11.4: which composite's targeted swap lowers the accuracy most: (a) AC, (b) CS, (c) SG, (d) VD.

    Read from the chapter's ``ablation`` result; with a tie every tied letter is right.
    """
    letter = as_choice(answer, "abcd")
    accuracy = np.array([ablation[name]["accuracy"] for name in lw.COMPOSITES])
    worst = {"abcd"[i] for i in np.flatnonzero(accuracy == accuracy.min())}
    name = lw.COMPOSITES["abcd".index(min(worst))]
    return verdict(
        letter in worst,
        f"{name}: swapping the window where it peaks costs most ({100 * accuracy.min():.1f}% left). Before reading "
        "this as 'the network uses the statistic', compare with the matched control, which keeps the "
        "statistic: where it costs as much, the window's place in time matters, not the statistic's value.",
        "compare ablation[name]['accuracy'] for name in ('AC', 'CS', 'SG', 'VD'); the lowest one wins.",
    )


def check_ctrw_autocorrelation(answer) -> bool:
    """Exercise 11.5: why the SubCTRW AC correlation is near 0 here while the paper reports -0.375.

    Choices: (a) the network ignores where a CTRW rests; (b) f1 is undefined
    in resting windows, and in moving windows the jumps are independent, so f1
    barely varies: AC cannot see the map's main contrast, rest against
    movement; (c) CTRW increments are strongly anti-correlated, which cancels
    the correlation; (d) the Grad-CAM maps of CTRW are zero.
    """
    letter = as_choice(answer, "abcd")
    return verdict(
        is_key(letter, "check_ctrw_autocorrelation", "3fe3693935cb32c5"),
        "a resting window has no increments to correlate (f1 undefined), and a moving one has independent "
        "jumps (f1 near 0). The map follows rest against movement, which AC only shows if rests get a "
        "value of their own: the paper's sign is a statement about how rests are scored.",
        "compute np.isnan(stats['f1'][ds.y == 1]).mean() and the mean of f1 where it is defined; then "
        "correlate the map with lw.window_activity(ds.X) for SubCTRW.",
    )


def check_within_subfbm_autocorrelation(answer, maps, ds) -> bool:
    """Exercise 11.6: the within-trajectory Pearson correlation of the layer4 map with AC for SubFBM.

    Recomputed independently of :func:`resandi_lite.layerwise.map_correlations`:
    map and AC demeaned per trajectory over the windows where both are
    defined, then Pearson's correlation of all those deviations; tolerance
    1e-6 (the same quantity in float64).
    """
    answer = as_number(answer, "a number (a correlation)")
    if not -1 <= answer <= 1:
        raise ValueError(f"answer must be a correlation in [-1, 1], got {answer}")
    rows = _rows(ds, "SubFBM")
    if not rows.any():
        raise ValueError("ds holds no SubFBM trajectory; pass the chapter's dataset ds")
    a = np.asarray(maps, dtype=np.float64)[rows]
    b = lw.window_statistics(np.asarray(ds.X)[rows])["f1"]
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = np.where(keep, a, 0.0), np.where(keep, b, 0.0)
    count = np.maximum(keep.sum(axis=1, keepdims=True), 1)
    a = np.where(keep, a - a.sum(axis=1, keepdims=True) / count, 0.0)
    b = np.where(keep, b - b.sum(axis=1, keepdims=True) / count, 0.0)
    right = float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))
    pooled = lw.correlation(np.asarray(maps)[rows], lw.window_statistics(np.asarray(ds.X)[rows])["f1"])
    return verdict(
        abs(answer - right) < 1e-6,
        f"within trajectories {right:+.3f}, pooled {pooled:+.3f}. The pooled correlation also compares "
        "trajectories with each other (one whose steps are less anti-correlated everywhere, a larger "
        "alpha, may also get a larger map everywhere); along one trajectory, the map hardly follows AC.",
        "use lw.map_correlations(maps, comp, ds.y, within=True) and read the key ('SubFBM', 'AC').",
    )
