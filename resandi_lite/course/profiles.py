"""Support for the chapter notebooks: run profiles and the device.

Every chapter reads its sizes from a *profile*, so the same notebook runs in
seconds under CI, in a few minutes when the book is built, and at the paper's
scale on a GPU:

=======  ==========================================================
``ci``     seconds: tiny sizes, only to prove the notebook runs
``book``   the default: at most ~3 minutes on 2 CPU cores, shipped checkpoints
``paper``  the paper's sizes (for a GPU)
=======  ==========================================================

The profile comes from the notebook's ``profile`` parameter (papermill:
``-p profile paper``), else from the environment variable ``RESANDI_PROFILE``,
else ``book``.
"""

from __future__ import annotations

import os

from ..reproduce import PROFILES, check_profile

__all__ = ["ENV", "PROFILES", "device", "pick", "profile"]

ENV = "RESANDI_PROFILE"


def profile(value: str | None = None) -> str:
    """The active profile: ``value`` if given, else ``$RESANDI_PROFILE``, else ``"book"``.

    >>> profile("ci")
    'ci'
    """
    if value is not None:
        return check_profile(value)
    return check_profile(os.environ.get(ENV, "book"), where=f"${ENV}")


def pick(active: str, *, ci, book, paper):
    """The value for the active profile: ``pick(p, ci=50, book=2000, paper=10_000)``."""
    return {"ci": ci, "book": book, "paper": paper}[profile(active)]


def device():
    """CUDA, then Apple's MPS, then the CPU (as :func:`resandi_lite.train.pick_device`)."""
    from ..train import pick_device

    return pick_device("auto")
