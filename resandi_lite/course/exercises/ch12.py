"""Checks for chapter 12: reading the reproduction report."""

from __future__ import annotations

import numpy as np

from .answers import as_choice, as_integer, as_number, is_key, verdict


def check_sign_agreements(answer, rows) -> bool:
    """Exercise 12.1: how many of the paper's Pearson correlations have the same sign in ours (exact count).

    ``rows`` are the :class:`resandi_lite.report.Row` objects of the chapter's table.
    """
    value = as_integer(answer, "an integer (a count of correlations)")
    pearson = [r for r in rows if r.key.startswith("pearson/") and r.ours is not None]
    right = sum(bool(np.sign(r.ours) == np.sign(r.paper)) for r in pearson)
    return verdict(
        value == right,
        f"{right} of {len(pearson)} correlations have the paper's sign.",
        "count the rows whose key starts with 'pearson/' and whose same_sign is True.",
    )


def check_paper_stderr(answer) -> bool:
    """Exercise 12.2: the binomial standard error (points) of 90.36% on 80,000 trajectories, 0.104; tolerance 0.002."""
    value = as_number(answer, "a float (accuracy points)")
    right = 100 * np.sqrt(0.9036 * (1 - 0.9036) / 80_000)
    return verdict(
        abs(value - right) <= 2e-3,
        f"{right:.3f} points: the paper's headline number is precise to about a tenth of a point.",
        "sqrt(p (1 - p) / n) with p = 0.9036 and n = 80,000 is a fraction; give it in points (x 100).",
    )


def check_test_size(answer) -> bool:
    """Exercise 12.3: trajectories for a standard error of 0.5 points at 90% accuracy: 3,600 (accepted within 2%)."""
    value = as_integer(answer, "an integer (a number of trajectories)")
    right = 0.9 * 0.1 / 0.005**2
    return verdict(
        abs(value - right) <= 0.02 * right,
        f"{right:.0f} trajectories per class: halving a standard error costs four times the data.",
        "square both sides of sqrt(p (1 - p) / n) = 0.005 and solve for n (p = 0.9).",
    )


def check_gap_explanation(answer) -> bool:
    """Exercise 12.4 (multiple choice): the invalid explanation of the accuracy gap."""
    letter = as_choice(answer, "abcd")
    return verdict(
        is_key(letter, "check_gap_explanation", "128129fb07e9606c"),
        "a gap of several points is many standard errors of about half a point, so it is a real difference "
        "between the networks; (a), (b) and (d) are all true of the shipped network.",
        "compute how many standard errors the gap is; which of the statements is then false?",
    )
