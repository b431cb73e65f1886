"""Test-session settings shared by the unit tests and the notebook tests (nbval).

Notebooks run in the ``ci`` profile (seconds) unless RESANDI_PROFILE is set.
"""

import os

os.environ.setdefault("RESANDI_PROFILE", "ci")
os.environ.setdefault("MPLBACKEND", "Agg")
# "auto" precision follows the CPU's flags in tests: no timing probe, no write to the user's cache
os.environ.setdefault("RESANDI_PRECISION_PROBE", "0")
