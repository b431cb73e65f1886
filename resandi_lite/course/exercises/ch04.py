"""Checks for chapter 4: a classical baseline (hand-made features and scikit-learn)."""

from __future__ import annotations

import numpy as np

from ...baseline import FEATURES, features, make_classifier
from ...data import make_dataset
from ...evaluate import PAPER_ACCURACY_FIXED, PAPER_DIAGONAL_FIXED, confusion_matrix
from ...preprocess import preprocess
from ...simulate import CLASSES, lw
from .answers import as_choice, as_number, as_numbers, is_key, verdict


def check_linear_boundary(answer) -> bool:
    """Exercise 4.1: why the logistic regression falls behind the forest on SubSBM and SubATTM.

    Choices: (a) it sees fewer features; (b) a linear model weighs every
    feature on its own, so it cannot express an interaction, a rule in which
    what one feature says depends on the value of another, such as "a large
    kurtosis means ATTM only if the diffusivity change is small"; (c) it is
    trained on fewer trajectories; (d) the forest overfits.
    """
    letter = as_choice(answer, "abcd")
    return verdict(
        is_key(letter, "check_linear_boundary", "995a487fe1f758d5"),
        "a linear model uses all features at once, but gives each a fixed weight: a feature pushes a "
        "class score up or down by the same amount whatever the others say. Telling ATTM from SBM needs "
        "interactions (a large kurtosis means ATTM only if the diffusivity change is small; the "
        "meaning of a statistic changes with the length), which trees express and a linear model "
        "cannot without hand-made product features.",
        "both models are trained on the same features and the same data: what differs is the shape of "
        "the boundary each can draw.",
    )


def check_without_flight_fraction(answer, F_train, train, F_test, test, seed: int) -> bool:
    """Exercise 4.2: SupLW accuracy (%) of a forest trained without the flight fraction.

    The check fits ``make_classifier("forest", random_state=seed)`` on every
    column but the flight fraction and scores SupLW on the test set; the forest
    is deterministic for a given seed, so the tolerance is 0.05 points.
    """
    answer = as_number(answer, "a number (the SupLW accuracy in percent)")
    if 0 <= answer <= 1 and len(test) > 8:
        raise ValueError(f"answer must be a percentage (0 to 100), got {answer}; multiply a fraction by 100")
    keep = [k for k, name in enumerate(FEATURES) if name != "flight fraction"]
    forest = make_classifier("forest", random_state=seed).fit(np.asarray(F_train)[:, keep], train.y)
    predicted = forest.predict(np.asarray(F_test)[:, keep])
    lw_label = CLASSES.index("SupLW")
    reference = 100 * float(np.mean(predicted[test.y == lw_label] == lw_label))
    return verdict(
        abs(answer - reference) < 0.05,
        f"SupLW keeps {reference:.1f}% without its defining feature: the straightness, the negative "
        "kurtosis of a walk with one speed and the MSD exponent still separate most Levy walks.",
        "keep = [0, 1, 2, 3, 4, 5, 6, 8]; fit make_classifier('forest', random_state=seed) on "
        "F_train[:, keep] and train.y, predict F_test[:, keep], and give 100 * the SupLW diagonal entry "
        "of the confusion matrix.",
    )


def check_fixed_length_forest(answer, n_train: int, n_test: int, seed: int) -> bool:
    """Exercise 4.3: overall accuracy (%) of a forest trained and tested on trajectories of length 1000.

    Train on ``rl.make_dataset(n_train, length=1000, seed=seed + 2)``, test on
    ``rl.make_dataset(n_test, length=1000, seed=seed + 3)``. The check repeats
    the computation (datasets and forest are seeded), so the tolerance is 0.05 points.
    The message compares the forest with the paper's fixed-length network, class by class.
    """
    answer = as_number(answer, "a number (the accuracy in percent)")
    if 0 <= answer <= 1:
        raise ValueError(f"answer must be a percentage (0 to 100), got {answer}; multiply a fraction by 100")
    train = make_dataset(n_train, length=1000, seed=seed + 2)
    test = make_dataset(n_test, length=1000, seed=seed + 3)
    forest = make_classifier("forest", random_state=seed).fit(features(train.X, train.lengths), train.y)
    predicted = forest.predict(features(test.X, test.lengths))
    reference = 100 * float(np.mean(predicted == test.y))
    diagonal = 100 * np.diag(confusion_matrix(test.y, predicted))
    ahead = [name for name, f, p in zip(CLASSES, diagonal, PAPER_DIAGONAL_FIXED) if f > p]
    behind = ", ".join(
        f"{name} ({f:.1f}% against {p:.1f}%)" for name, f, p in zip(CLASSES, diagonal, PAPER_DIAGONAL_FIXED) if f < p
    )
    return verdict(
        abs(answer - reference) < 0.05,
        f"{reference:.1f}% at T = 1000, against {PAPER_ACCURACY_FIXED}% for the paper's fixed-length "
        f"network (and 95.21% for the shipped lite-T1000 on its model card's test set). The forest is "
        f"above the paper's network on {len(ahead)} of 8 classes and below it on {behind or 'none'}. On "
        "long, noise-free trajectories nine features that encode the mechanisms carry about what the "
        "networks use: a network adds little there. Its advantage lies where the features are weak "
        "(SubATTM, short trajectories) and under localisation noise, which erases the features' exact "
        "zeros and repeats.",
        "train = rl.make_dataset(n_train, length=1000, seed=seed + 2), test with seed + 3 and n_test; fit "
        "make_classifier('forest', random_state=seed) on features(train.X, train.lengths).",
    )


def check_noisy_test_accuracy(answer, models, n_test: int, seed: int) -> bool:
    """Exercise 4.4: per-class accuracy (%) of the chapter's forest on a test set with noise 0.3.

    The test set is ``rl.make_dataset(n_test, length="varying", noise=0.3, seed=seed + 4)``;
    the check predicts it with ``models["forest"]`` and compares the eight
    diagonal entries; tolerance 0.05 points (same data, same model).
    """
    answer = as_numbers(answer, len(CLASSES), "per-class accuracies in percent")
    noisy = make_dataset(n_test, length="varying", noise=0.3, seed=seed + 4)
    predicted = models["forest"].predict(features(noisy.X, noisy.lengths))
    matrix = 100 * confusion_matrix(noisy.y, predicted)
    reference = np.diag(matrix)
    worst = [CLASSES[k] for k in np.argsort(reference)[:2]]
    bm, fbm = CLASSES.index("BM"), CLASSES.index("SubFBM")
    rho = -(0.3**2) / (1 + 2 * 0.3**2)
    return verdict(
        np.allclose(answer, reference, atol=0.05),
        f"the classes that lose most are {worst[0]} and {worst[1]}: noise makes no step exactly zero and "
        "no two steps equal, so the zero-step and flight features vanish. Brownian motion falls to "
        f"{reference[bm]:.1f}%, {matrix[bm, fbm]:.1f}% of it taken for SubFBM: noise gives Brownian steps "
        f"the lag-1 correlation -sigma^2/(1 + 2 sigma^2) = {rho:.3f} (chapter 3), the signature of "
        f"subdiffusive FBM, while SubFBM itself stays at {reference[fbm]:.1f}% (its steps were "
        "anticorrelated already). A test-only shift breaks a model that relied on exact equalities and on "
        "the lag-1 correlation.",
        "noisy = rl.make_dataset(n_test, length='varying', noise=0.3, seed=seed + 4); predict "
        "features(noisy.X, noisy.lengths) with models['forest'] and take 100 * the diagonal of "
        "confusion_matrix(noisy.y, predictions).",
    )


def check_features_changed_by_preprocessing(answer, seed: int) -> bool:
    """Exercise 4.5: which features differ between raw trajectories and the network's input.

    ``answer`` is a collection of names from ``rl.baseline.FEATURES``. The check
    computes the features of ``lw(np.full(200, 1.5), 500, rng=seed)`` raw and
    after ``preprocess`` and calls a feature changed if its largest absolute
    difference exceeds 0.01: float32 rounding of the input moves the flight
    fraction (a test of near-equal steps) by about 0.002, the changed features
    move by 0.3 or more.
    """
    if answer is Ellipsis or isinstance(answer, (str, bytes)) or not hasattr(answer, "__iter__"):
        raise TypeError(f"answer must be a list or set of feature names, got {type(answer).__name__}")
    names = set(answer)
    unknown = names - set(FEATURES)
    if unknown:
        raise ValueError(f"answer holds names that are not features: {sorted(unknown)}; choose from {list(FEATURES)}")
    raw = lw(np.full(200, 1.5), 500, rng=seed)
    difference = np.abs(features(raw) - features(preprocess(raw), np.full(200, 500))).max(axis=0)
    changed = {name for name, d in zip(FEATURES, difference) if d > 0.01}
    return verdict(
        names == changed,
        f"{', '.join(sorted(changed))} change: the preprocessing rescales x and y separately, so features "
        "that pool both coordinates move, while those of one coordinate at a time do not; a classifier "
        "trained on one representation and tested on the other would see shifted features.",
        "compute features(raw) and features(rl.preprocess(raw), lengths) for the same trajectories and "
        "list the features whose largest absolute difference is clearly above rounding (0.01).",
    )


def _curve_sizes(n_train: int) -> list[int]:
    """The training sizes of exercise 4.6: an eighth, a quarter, half and all of ``n_train`` per class."""
    return [max(1, n_train // 8), max(1, n_train // 4), max(1, n_train // 2), n_train]


def check_learning_curve(answer, F_train, train, F_test, test, seed: int) -> bool:
    """Exercise 4.6: the forest's test accuracy (%) trained on the first n trajectories per class.

    The sizes are ``[n_train // 8, n_train // 4, n_train // 2, n_train]``
    of the chapter's ``n_train``; the check fits
    ``make_classifier("forest", random_state=seed)`` on the rows
    ``rl.data.first_per_class(train.y, n)`` of ``F_train`` at each size and
    scores the chapter's test set; tolerance 0.05 points (same data, same
    model).  The message gives the gain per doubling of the data and sets it
    beside the learning curves that ship with the package
    (:func:`resandi_lite.comparison.load_comparison`).
    """
    from ...comparison import curve, load_comparison
    from ...data import first_per_class

    answer = as_numbers(answer, 4, "accuracies in percent, one per training size")
    if np.all((answer >= 0) & (answer <= 1)) and len(test) > 8:
        raise ValueError(f"answer must hold percentages (0 to 100), got {answer}; multiply fractions by 100")
    sizes = _curve_sizes(len(train) // len(CLASSES))
    F_train, F_test = np.asarray(F_train), np.asarray(F_test)
    reference = []
    for n in sizes:
        rows = first_per_class(train.y, n)
        forest = make_classifier("forest", random_state=seed).fit(F_train[rows], train.y[rows])
        reference.append(100 * float(np.mean(forest.predict(F_test) == test.y)))
    per_doubling = float(np.polyfit(np.log2(sizes), reference, 1)[0])
    shipped = load_comparison()
    far = ""
    if shipped is not None:
        forest = curve(shipped, "varying", "forest")
        scratch = curve(shipped, "varying", "network-scratch")
        if len(forest["per_class"]) >= 2:
            (n0, n1), (a0, a1) = forest["per_class"][-2:], 100 * forest["accuracy"][-2:]
            far = (
                f" On the benchmark's 8,000 test trajectories the same forest goes from {a0:.1f}% at {n0:,} "
                f"per class to {a1:.1f}% at {n1:,}, {(a1 - a0) / np.log2(n1 / n0):.2f} points per doubling: "
                "the features' curve flattens, since nine numbers can hold only so much."
            )
        if len(scratch["per_class"]):
            far += (
                f" The network trained from scratch on the same {scratch['per_class'][-1]:,} per class "
                f"reaches {100 * scratch['accuracy'][-1]:.1f}%, and the shipped one, after 6.3 million "
                "trajectories, is the far end of its curve."
            )
    return verdict(
        np.allclose(answer, reference, atol=0.05),
        f"{', '.join(f'{a:.1f}%' for a in reference)} at {', '.join(map(str, sizes))} per class: "
        f"{per_doubling:+.2f} points per doubling of the data (least squares against log2 n). With "
        f"{len(test):,} test trajectories each accuracy has a standard error near "
        f"{100 * np.sqrt(0.1 * 0.9 / len(test)):.1f} points, so a gain per doubling smaller than that is "
        f"not resolved here.{far}",
        "for n in (n_train // 8, n_train // 4, n_train // 2, n_train): rows = rl.data.first_per_class(train.y, n); "
        "fit make_classifier('forest', random_state=seed) on F_train[rows], train.y[rows]; answer "
        "100 * the accuracy on F_test, test.y.",
    )
