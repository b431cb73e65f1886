"""resandi-lite: deep learning and Grad-CAM for anomalous diffusion, after the ResAnDi paper.

The data half (simulators, preprocessing, datasets) is imported at once; the
other modules load on first use (``rl.gradcam``, ``rl.train``, ...).
"""

import importlib

from ._version import __version__ as __version__
from .data import SimulatedTrajectories, TrajectoryDataset, load_dataset, make_dataset, write_split
from .preprocess import INPUT_LENGTH, preprocess
from .simulate import ALPHA_RANGE, CLASSES, simulate

_MODULES = (
    "attribution",
    "augment",
    "baseline",
    "comparison",
    "erasure",
    "evaluate",
    "gradcam",
    "groundtruth",
    "layerwise",
    "model",
    "msd",
    "plotting",
    "pretrained",
    "reference",
    "sanity",
    "signatures",
    "train",
    "verdict",
)
_COURSE = "course"  # the course's support (profiles, explorers, exercises, student edition): not in __all__
_NAMES = {
    "build_model": "model",
    "ResAnDi": "model",
    "fit": "train",
    "TrainConfig": "train",
    "evaluate_model": ("evaluate", "evaluate"),
    "predict_logits": "evaluate",
    "load_pretrained": "pretrained",
    "load_model": "pretrained",
    "grad_cam": "gradcam",
    "GradCAM": "gradcam",
    "gradcam_score": "gradcam",
    "erasure_experiment": "erasure",
}

__all__ = [
    "ALPHA_RANGE",
    "CLASSES",
    "INPUT_LENGTH",
    "SimulatedTrajectories",
    "TrajectoryDataset",
    "load_dataset",
    "make_dataset",
    "preprocess",
    "simulate",
    "write_split",
    *_NAMES,
    *_MODULES,
]


def __getattr__(name):
    if name in _MODULES or name == _COURSE:
        return importlib.import_module(f".{name}", __name__)
    if name in _NAMES:
        module, attribute = (_NAMES[name], name) if isinstance(_NAMES[name], str) else _NAMES[name]
        return getattr(importlib.import_module(f".{module}", __name__), attribute)
    raise AttributeError(f"module 'resandi_lite' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | {_COURSE})
