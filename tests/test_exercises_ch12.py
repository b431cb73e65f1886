"""Chapter 12's exercise checks."""

import numpy as np
import pytest

from resandi_lite import report
from resandi_lite.course.exercises import (
    check_gap_explanation,
    check_paper_stderr,
    check_sign_agreements,
    check_test_size,
)


def test_sign_agreements_counts_from_the_rows():
    rows = report.reproduction_table({"pearson/SubCTRW/AC": -0.1, "pearson/SubFBM/AC": 0.2, "pearson/SupFBM/AC": 0.3})
    assert check_sign_agreements(2, rows) and not check_sign_agreements(3, rows)
    with pytest.raises(ValueError, match="integer"):
        check_sign_agreements(2.5, rows)


def test_standard_error_and_test_size(capsys):
    n = 80_000
    simulated = np.random.default_rng(0).binomial(n, 0.9036, size=20_000) / n  # spread of measured accuracies
    assert check_paper_stderr(
        100 * simulated.std()
    )  # 20,000 draws: spread known to 0.5% (0.0005 points), 4x inside 0.002
    assert not check_paper_stderr(0.9036 / n * 100)
    assert "Not yet" in capsys.readouterr().out
    assert check_test_size(3600) and check_test_size(3650) and not check_test_size(360)
    assert check_gap_explanation("C") and not check_gap_explanation("a")
    with pytest.raises(TypeError):
        check_gap_explanation(3)
