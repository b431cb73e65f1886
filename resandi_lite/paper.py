"""The paper's numbers in one place: its recipe, its sizes and every result it reports.

Bae, Baek & Jeong, "Exploring how deep learning decodes anomalous diffusion via
Grad-CAM" (ResAnDi), Nature Communications (2026), arXiv 2410.16345.  The
values were read from the authors' reference code and its stored results
(repository peardragon/ResAnDi); each group below names the result of the
paper it belongs to: its data and training recipe, its test
accuracies and confusion matrix, its erasure figure, its figure of accuracy
under noise with targeted and random augmentation, and its layer-wise
correlations and block-wise probes.  The modules that compare with the paper
(training defaults, evaluation, erasure, augmentation, the layer-wise analysis
and the report) import them from here; nothing else defines them.

Examples
--------
>>> RECIPE["lr"], RECIPE["batch_size"]
(0.0001, 64)
>>> float(ERASURE[-1]), ACCURACY_VARYING
(23.8, 90.36)
"""

from __future__ import annotations

import numpy as np

# --- data ------------------------------------------------------------------------------------------------
#: Trajectories per class in one data file, and files per split (train 400k, validation 80k, test 80k).
N_PER_FILE = 10_000
SPLIT = {"train": 5, "val": 1, "test": 1}

# --- training recipe ------------------------------------------------------------------------------------
#: Adam, batches of 64, StepLR(10, 0.5), early stopping on the validation loss (patience 10, minimum
#: improvement 0.001), at most 100 epochs; 50,000 training and 10,000 validation trajectories per class.
RECIPE = {
    "lr": 1e-4,
    "batch_size": 64,
    "step_size": 10,
    "gamma": 0.5,
    "patience": 10,
    "min_delta": 1e-3,
    "max_epochs": 100,
    "train_per_class": 5 * N_PER_FILE,
    "val_per_class": N_PER_FILE,
}

# --- test accuracies and confusion matrix -------------------------------------------------------------
#: Accuracy of the varying-length model on its 80k test set (%).
ACCURACY_VARYING = 90.36
#: Accuracy of the fixed-length (T = 1000) model (%).
ACCURACY_FIXED = 94.89
#: Diagonal of the fixed-length model's confusion matrix (%), in CLASSES order.
DIAGONAL_FIXED = np.array([85.03, 97.83, 96.64, 96.03, 98.42, 99.94, 94.93, 90.27])
#: Row-normalised confusion matrix of the varying-length model (%): rows truth, columns prediction.
CONFUSION = np.array(
    [
        [75.52, 5.15, 0.84, 3.88, 0.37, 0.03, 1.75, 12.46],
        [6.35, 92.95, 0.04, 0.42, 0.04, 0.0, 0.14, 0.06],
        [0.09, 0.03, 96.21, 0.32, 0.02, 0.0, 0.63, 2.70],
        [0.49, 0.08, 0.99, 90.93, 0.44, 0.08, 0.29, 6.70],
        [0.06, 0.03, 0.06, 0.31, 90.10, 1.43, 1.16, 6.85],
        [0.01, 0.02, 0.02, 0.02, 2.45, 96.94, 0.22, 0.32],
        [0.17, 0.07, 0.66, 0.08, 0.46, 0.12, 92.70, 5.74],
        [0.57, 0.04, 3.96, 2.02, 1.07, 0.14, 4.70, 87.50],
    ]
)

# --- erasure figure: accuracy after erasing each Grad-CAM band, and at random -------------------------
#: Accuracy (%) after erasing the segments of each percentile band of the map, 0-10 ... 90-100.
ERASURE = np.array([44.7, 42.7, 40.2, 36.3, 31.5, 29.0, 27.8, 26.4, 25.6, 23.8])
#: Range of the random-erasure baseline over the ten bands (%).
ERASURE_RANDOM_RANGE = (24.7, 27.9)
#: Mean of the random-erasure baseline over the ten bands (%), as the paper's results give it (about 27.2).
ERASURE_RANDOM_MEAN = 27.2

# --- accuracy under noise, targeted against random augmentation ---------------------------------------
#: Noise levels of the robustness test.
SIGMAS = np.round(np.arange(0, 1.01, 0.1), 1)
#: Mean test accuracy (%) over 5 seeds per sigma in SIGMAS: targeted and random augmentation.
AUGMENT_TARGETED = np.array([85.77, 78.75, 76.54, 73.42, 64.87, 49.43, 33.35, 23.35, 18.61, 16.30, 14.99])
AUGMENT_RANDOM = np.array([85.66, 78.52, 76.30, 72.21, 62.00, 45.61, 30.39, 21.52, 17.40, 15.50, 14.44])
#: The five seeds behind those means (%), rows seeds, columns sigma in SIGMAS: the authors' stored results
#: (``analysis_results/augmentation_results/p60_augmentation_results_noiseless.csv``, targeted, and
#: ``p100_...``, random, in peardragon/ResAnDi).  Their means are AUGMENT_TARGETED and AUGMENT_RANDOM; the
#: files do not say whether seed k of one arm shares anything with seed k of the other.
AUGMENT_TARGETED_SEEDS = np.array(
    [
        [86.0475, 79.35125, 76.32875, 72.29625, 63.00625, 47.93625, 33.04, 23.43125, 18.63, 16.28625, 15.0525],
        [84.765, 78.94125, 76.63, 73.75375, 67.34625, 54.6475, 39.465, 28.28, 21.9025, 18.5725, 16.5],
        [86.11875, 78.57375, 76.89625, 74.9225, 67.94, 52.12375, 33.4, 21.99625, 17.49125, 15.58625, 14.49375],
        [85.0625, 77.60875, 75.78, 72.53625, 62.51125, 45.34625, 30.0075, 21.745, 17.72875, 15.5575, 14.4725],
        [86.86625, 79.2875, 77.0475, 73.58375, 63.54625, 47.1125, 30.82875, 21.3125, 17.32125, 15.48125, 14.44125],
    ]
)
AUGMENT_RANDOM_SEEDS = np.array(
    [
        [86.095, 80.9, 77.37875, 72.42125, 62.54375, 47.25875, 31.465, 22.4825, 18.3125, 16.2325, 14.99125],
        [86.16125, 78.5625, 76.385, 72.635, 62.33125, 45.70875, 30.8375, 21.33625, 17.04625, 15.16375, 14.15625],
        [85.95375, 77.4825, 74.36, 67.0625, 52.63, 35.59625, 24.6875, 18.78875, 15.6825, 14.28, 13.525],
        [85.8475, 77.79, 76.6575, 74.085, 65.06125, 48.995, 32.61125, 22.7025, 17.77625, 15.46875, 14.2675],
        [84.225, 77.8625, 76.7, 74.8575, 67.41875, 50.515, 32.33625, 22.29, 18.17, 16.37, 15.2775],
    ]
)

# --- layer-wise correlations and block-wise probes (fixed-length model) -------------------------------
#: Windows of the per-window statistics: 32 windows of 225 steps at stride 25 (the 32 layer4 bins).
N_WINDOWS, WINDOW, STRIDE = 32, 225, 25
#: Pearson correlations of the layer4 map with the composites, per class (SupLW and BM: "about 0", not listed).
CORRELATIONS = {
    ("SubCTRW", "AC"): -0.375,
    ("SubCTRW", "SG"): 0.360,
    ("SubCTRW", "VD"): -0.186,
    ("SubFBM", "AC"): -0.198,
    ("SubFBM", "CS"): -0.117,
    ("SubSBM", "VD"): -0.374,
    ("SupFBM", "AC"): 0.338,
    ("SupFBM", "CS"): 0.156,
    ("SupSBM", "VD"): 0.333,
    ("SubATTM", "SG"): -0.071,
}
#: Spearman correlations for SupLW, whose Pearson correlations are about 0.
SPEARMAN = {("SupLW", "AC"): 0.151, ("SupLW", "CS"): -0.284, ("SupLW", "SG"): -0.109}
#: Block-wise probe accuracies (%) on the paper's groupings (block 1: 4 groups, 2: 6 groups, 3: all 8).
PROBES = {"layer1": 89.44, "layer2": 86.91, "layer3": 93.24}
#: The groups of classes each block's probe separates (block 3: every class alone).
GROUPS = {
    "layer1": (("SubFBM",), ("SupFBM", "SupLW"), ("SubATTM", "SubCTRW"), ("SubSBM", "SupSBM", "BM")),
    "layer2": (("SubATTM",), ("SubCTRW",), ("SubFBM",), ("SupFBM",), ("SupLW",), ("SubSBM", "SupSBM", "BM")),
    "layer3": tuple((c,) for c in ("SubATTM", "SubCTRW", "SubFBM", "SubSBM", "SupFBM", "SupLW", "SupSBM", "BM")),
}
