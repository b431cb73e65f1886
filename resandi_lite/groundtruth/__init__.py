"""Ground truth for explanations (moved from ``groundtruth.py`` as it is; the split into modules by concern follows)."""

from .verdicts import *  # noqa: F403
from .verdicts import _centres, _network, _network_name, _powered_part  # noqa: F401  (used by sanity.py)
