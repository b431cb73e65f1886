"""Test-session settings shared by the unit tests and the notebook tests (nbval).

Notebooks run in the ``ci`` profile (seconds) unless RESANDI_PROFILE is set.
"""

import os

os.environ.setdefault("RESANDI_PROFILE", "ci")
os.environ.setdefault("MPLBACKEND", "Agg")
