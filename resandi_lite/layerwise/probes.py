"""Linear probes: freeze the network up to a stage, average-pool its output and fit a linear classifier.

:func:`pooled_features`, :func:`stage_features`, :func:`linear_probe` and :func:`block_probes`; the
groups of classes a probe cannot tell apart (:func:`confusion_groups`, :func:`group_accuracy`), and
2-D embeddings of the pooled features (:func:`embed`).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..evaluate import confusion_matrix
from ..model import model_device


def _check_stages(stages) -> tuple:
    from ..model import STAGES

    stages = (stages,) if isinstance(stages, str) else tuple(stages)
    for stage in stages:
        if stage not in ("stem", *STAGES):
            raise ValueError(f"stage must be one of stem, {', '.join(STAGES)}, got {stage!r}")
    if not stages:
        raise ValueError("stages must name at least one stage")
    return stages


@torch.no_grad()
def pooled_features(
    model: nn.Module, X, stages=("layer1", "layer2", "layer3", "layer4"), *, batch_size: int = 512
) -> dict:
    """Globally average-pooled output of several stages of a frozen network, in one pass.

    Parameters
    ----------
    model : ResAnDi
    X : ndarray of shape (n, 2, L)
    stages : sequence of str
        Among ``"stem"``, ``"layer1"`` .. ``"layer4"``.

    Returns
    -------
    dict of str to ndarray of shape (n, channels of the stage), float32
    """
    from ..model import STAGES

    stages = _check_stages(stages)
    deepest = max((STAGES.index(s) for s in stages if s != "stem"), default=0)
    was_training = model.training
    model.eval()
    device = model_device(model)
    X = torch.as_tensor(np.asarray(X, dtype=np.float32))
    out = {s: [] for s in stages}
    try:
        for i in range(0, len(X), batch_size):
            acts = model.stages(X[i : i + batch_size].to(device), upto=STAGES[deepest])
            for s in stages:
                out[s].append(acts[s].mean(dim=2).cpu())
    finally:
        model.train(was_training)
    return {s: torch.cat(v).numpy() for s, v in out.items()}


def stage_features(model: nn.Module, X, stage: str, *, batch_size: int = 512) -> np.ndarray:
    """Globally average-pooled output of one stage of a frozen network.

    Returns
    -------
    ndarray of shape (n, channels of the stage), float32
    """
    if not isinstance(stage, str):
        raise TypeError(f"stage must be a str, got {type(stage).__name__}; use pooled_features for several")
    return pooled_features(model, X, (stage,), batch_size=batch_size)[stage]


def linear_probe(
    train_features,
    train_y,
    test_features,
    test_y,
    *,
    n_classes: int | None = None,
    steps: int = 300,
    lr: float = 0.05,
    weight_decay: float = 1e-4,
    seed: int = 0,
) -> dict:
    """Fit a linear (softmax) classifier on frozen features and test it.

    Features are standardised with the training mean and std; the classifier
    is trained full-batch with Adam.

    Returns
    -------
    dict
        ``accuracy`` (float), ``confusion`` (k, k) row fractions,
        ``predictions`` (m,), ``train_accuracy`` (float).
    """
    Xtr, Xte = np.asarray(train_features, np.float32), np.asarray(test_features, np.float32)
    ytr, yte = np.asarray(train_y, np.int64), np.asarray(test_y, np.int64)
    k = int(max(ytr.max(), yte.max()) + 1) if n_classes is None else n_classes
    mean, std = Xtr.mean(0), Xtr.std(0) + 1e-6
    Xtr_t, Xte_t = torch.from_numpy((Xtr - mean) / std), torch.from_numpy((Xte - mean) / std)
    ytr_t = torch.from_numpy(ytr)
    g = torch.Generator().manual_seed(seed)
    head = nn.Linear(Xtr.shape[1], k)
    with torch.no_grad():
        head.weight.copy_(torch.randn(head.weight.shape, generator=g) * 0.01)
        head.bias.zero_()
    opt = torch.optim.Adam(head.parameters(), lr=lr, weight_decay=weight_decay)
    for _ in range(steps):
        opt.zero_grad()
        nn.functional.cross_entropy(head(Xtr_t), ytr_t).backward()
        opt.step()
    with torch.no_grad():
        pred = head(Xte_t).argmax(1).numpy()
        train_acc = float((head(Xtr_t).argmax(1) == ytr_t).float().mean())
    return {
        "accuracy": float(np.mean(pred == yte)),
        "confusion": confusion_matrix(yte, pred, k),
        "predictions": pred,
        "train_accuracy": train_acc,
    }


def block_probes(model: nn.Module, train, test, stages=("layer1", "layer2", "layer3", "layer4"), **kwargs) -> dict:
    """A linear probe on each stage: ``{stage: linear_probe(...)}``.

    ``train`` and ``test`` are datasets with ``X`` (n, 2, 1000) and ``y`` (n,)
    (class-balanced, as in the paper); ``kwargs`` go to :func:`linear_probe`.
    """
    stages = _check_stages(stages)
    f_train, f_test = pooled_features(model, train.X, stages), pooled_features(model, test.X, stages)
    return {s: linear_probe(f_train[s], train.y, f_test[s], test.y, **kwargs) for s in stages}


def confusion_groups(confusion, threshold: float = 0.1, classes=None) -> list:
    """Classes a probe does not tell apart: connected groups of the confusion graph.

    Two classes are linked when the fraction of one predicted as the other,
    summed over both directions, is at least ``threshold``; a group is a
    connected component of these links.

    Parameters
    ----------
    confusion : ndarray of shape (k, k)
        Row-normalised confusion matrix (rows: truth).
    threshold : float
        Confusion (sum of both directions, as a fraction) that links two classes.
    classes : sequence of str, optional
        Names (default :data:`resandi_lite.CLASSES`).

    Returns
    -------
    list of tuple of str
        Groups in order of their first class.

    Examples
    --------
    >>> c = np.array([[0.8, 0.2, 0.0], [0.1, 0.9, 0.0], [0.0, 0.05, 0.95]])
    >>> confusion_groups(c, 0.1, classes=["a", "b", "c"])
    [('a', 'b'), ('c',)]
    """
    from ..simulate.classes import CLASSES

    c = np.asarray(confusion, dtype=np.float64)
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise ValueError(f"confusion must be a square (k, k) matrix, got shape {c.shape}")
    classes = list(CLASSES if classes is None else classes)
    if len(classes) != len(c):
        raise ValueError(f"classes must name the {len(c)} rows of confusion, got {len(classes)} names")
    linked = (c + c.T) >= threshold
    group = list(range(len(c)))  # union-find with path halving

    def find(i):
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    for i, j in zip(*np.nonzero(linked)):
        group[find(i)] = find(j)
    roots = {}
    for i in range(len(c)):
        roots.setdefault(find(i), []).append(classes[i])
    return [tuple(g) for g in roots.values()]


def group_accuracy(y_true, y_pred, groups, classes=None) -> float:
    """Accuracy when a prediction counts as right if it falls in the true class's group.

    Parameters
    ----------
    y_true, y_pred : ndarray of shape (n,), int labels
    groups : sequence of sequence of str
        A partition of the classes (e.g. ``PAPER_GROUPS["layer1"]``).

    Returns
    -------
    float

    Examples
    --------
    >>> group_accuracy([0, 1, 2], [1, 0, 0], [("a", "b"), ("c",)], classes=["a", "b", "c"])
    0.6666666666666666
    """
    from ..simulate.classes import CLASSES

    classes = list(CLASSES if classes is None else classes)
    index = {}
    for g, members in enumerate(groups):
        for name in members:
            if name not in classes or name in index:
                raise ValueError(f"groups must partition {classes}; got {name!r} unknown or twice")
            index[name] = g
    if len(index) != len(classes):
        raise ValueError(f"groups must cover every class, missing {sorted(set(classes) - set(index))}")
    lookup = np.array([index[name] for name in classes])
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return float(np.mean(lookup[y_true] == lookup[y_pred]))


def embed(features, method: str = "pca", *, seed: int = 0) -> np.ndarray:
    """2-D embedding of feature vectors: ``"pca"`` (numpy) or ``"tsne"`` (scikit-learn).

    Returns
    -------
    ndarray of shape (n, 2), float64
    """
    F = np.asarray(features, dtype=np.float64)
    F = (F - F.mean(0)) / (F.std(0) + 1e-9)
    if method == "pca":
        _, _, vt = np.linalg.svd(F, full_matrices=False)
        return F @ vt[:2].T
    if method == "tsne":
        try:
            from sklearn.manifold import TSNE
        except ImportError as err:
            raise ImportError("t-SNE needs scikit-learn: pip install scikit-learn") from err
        return TSNE(n_components=2, random_state=seed, init="pca", perplexity=min(30, len(F) - 1)).fit_transform(F)
    raise ValueError(f"method must be 'pca' or 'tsne', got {method!r}")
