"""resandi-lite: deep learning and Grad-CAM for anomalous diffusion, after the ResAnDi paper."""

from .data import SimulatedTrajectories, TrajectoryDataset, load, make_dataset, write_split
from .preprocess import INPUT_LENGTH, preprocess
from .simulate import ALPHA_RANGE, CLASSES, simulate

__version__ = "0.1.0"

__all__ = [
    "ALPHA_RANGE",
    "CLASSES",
    "INPUT_LENGTH",
    "SimulatedTrajectories",
    "TrajectoryDataset",
    "load",
    "make_dataset",
    "preprocess",
    "simulate",
    "write_split",
]
