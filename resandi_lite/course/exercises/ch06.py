"""Checks for chapter 6: training."""

from __future__ import annotations

import copy

import numpy as np
import torch

from .answers import as_choice, as_number, as_numbers, is_key, verdict


def _fresh(model, seed: int, n_per_class: int = 1):
    """The fresh set of exercises 6.2-6.4, ``make_dataset(n_per_class, length="varying", seed=5000 + seed)``,
    and a float32 evaluation-mode copy of ``model`` (the chapter's own model keeps its mode)."""
    from ...data import make_dataset

    fresh = make_dataset(n_per_class, length="varying", seed=5000 + seed)
    net = copy.deepcopy(model).float().cpu().eval()
    return fresh, net, torch.from_numpy(fresh.X), torch.from_numpy(fresh.y).long()


def check_smoothing_floor(answer) -> bool:
    """Exercise 6.2: the lowest loss a network can reach with label smoothing 0.1 over 8 classes.

    The smoothed target puts ``q = 1 - eps + eps/8`` on the true class and
    ``eps/8`` on each other; the cross-entropy against it is smallest when the
    predicted probabilities equal the target, and is then the target's entropy.
    The check computes it with PyTorch's own loss, ``cross_entropy`` of logits
    ``log q`` with ``label_smoothing=0.1``; tolerance 5e-4 (an answer rounded to
    three decimals).
    """
    value = as_number(answer, "a number (a loss in nats)")
    target = torch.full((1, 8), 0.1 / 8, dtype=torch.float64)
    target[0, 0] += 0.9
    floor = float(torch.nn.functional.cross_entropy(target.log(), torch.tensor([0]), label_smoothing=0.1))
    return verdict(
        abs(value - floor) <= 5e-4,
        f"{floor:.4f} nats, the entropy of the smoothed target: no network can go below it. A training loss "
        "with label smoothing carries this floor, a plain cross-entropy (the validation loss of the "
        "shipped networks' curves) does not, so the two curves cannot be compared level for level.",
        "write the target (0.9 + 0.1/8 on the true class, 0.1/8 on each of the 7 others) and compute its "
        "entropy, -sum q log q, with natural logarithms.",
    )


def check_ce_gradient(answer, model, seed: int) -> bool:
    """Exercise 6.3: the gradient of the cross-entropy of the first fresh trajectory with respect to its 8 logits.

    The trajectory is ``make_dataset(1, length="varying", seed=5000 + seed)[0]``,
    the logits those of ``model`` in evaluation mode, in float32. The check
    takes the gradient with ``torch.autograd.grad``; the student's
    ``softmax(z) - onehot(y)`` must agree to 1e-4 (float32 rounding, also of logits computed on a GPU).
    """
    value = as_numbers(answer, 8, "gradient values (one per class)")
    fresh, net, X, y = _fresh(model, seed)
    with torch.no_grad():
        logits = net(X[:1])
    logits.requires_grad_(True)
    grad = torch.autograd.grad(torch.nn.functional.cross_entropy(logits, y[:1]), logits)[0][0].double().numpy()
    true = int(y[0])
    return verdict(
        np.max(np.abs(value - grad)) <= 1e-4,
        f"p - onehot: {grad[true]:+.3f} for the true class and {grad.max():.3f} at most for the others; "
        "a gradient step goes against it, so it raises the true class's logit and lowers every other, "
        "each in proportion to its probability: a wrong class the network already believes is pushed "
        "down hardest.",
        "p = softmax(logits) of model.eval() on X[:1]; subtract 1 at the true class; compare with "
        "torch.autograd.grad(cross_entropy(logits, y[:1]), logits) where logits.requires_grad_(True).",
    )


def check_adam_step(answer, model, seed: int) -> bool:
    """Exercise 6.4: ``(mean |update| of fc.weight with the loss times 1, times 1000)`` after one Adam step at 1e-3.

    The check copies ``model``, takes the cross-entropy of the 8 fresh
    trajectories of exercise 6.3 in evaluation mode, multiplies it by 1 or by
    1000, makes one step of a new ``torch.optim.Adam(lr=1e-3)`` and measures the
    mean absolute change of ``fc.weight``. On the first step Adam's averages are
    ``m = g``, ``v = g^2`` (after the bias correction), so each weight moves by
    ``lr * g / (|g| + 1e-8)``, ``lr`` whatever the gradient's scale. Tolerance:
    1% of the recomputed values (a weight with a gradient near 1e-8 moves less).
    """
    value = as_numbers(answer, 2, "mean absolute updates (loss times 1, times 1000)")
    fresh, net, X, y = _fresh(model, seed)
    steps = []
    for scale in (1.0, 1000.0):
        copy_ = copy.deepcopy(net)
        before = copy_.fc.weight.detach().clone()
        optimizer = torch.optim.Adam(copy_.parameters(), lr=1e-3)
        (scale * torch.nn.functional.cross_entropy(copy_(X), y)).backward()
        optimizer.step()
        steps.append(float((copy_.fc.weight.detach() - before).abs().mean()))
    ok = np.allclose(value, steps, rtol=0.01, atol=0)
    return verdict(
        ok,
        f"{steps[0]:.2e} and {steps[1]:.2e}: both the learning rate. On its first step Adam divides the "
        "gradient's running average by the root of its squared running average, g / |g|, so every "
        "weight moves by about lr, whatever the gradient's scale; later steps are smaller where the "
        "gradient's sign flips. The learning rate, not the loss's scale, sets the step.",
        "copy the model (copy.deepcopy), make one step of a new torch.optim.Adam(net.parameters(), lr=1e-3) "
        "on scale * cross_entropy(net(X), y), and average |fc.weight after - before|; then think about "
        "m / sqrt(v) on the first step.",
    )


def check_epoch_average(answer, model, history, live: dict, seed: int) -> bool:
    """Exercise 6.5: ``(loss of the final weights on fresh data, the last logged epoch average)``.

    The fresh data are ``make_dataset(live["val_per_class"], length="varying",
    seed=5000 + seed)``; the loss is the plain cross-entropy of ``model`` in
    evaluation mode, in float32 (what the check computes, in batches of 256).
    Tolerance 2e-3 for the first (the order of summation; bfloat16 arithmetic
    would differ by more), 1e-6 for the second, read from ``history[-1]``.
    """
    value = as_numbers(answer, 2, "losses (end of epoch, epoch average)")
    fresh, net, X, y = _fresh(model, seed, live["val_per_class"])
    with torch.no_grad():
        total = sum(
            float(torch.nn.functional.cross_entropy(net(X[k : k + 256]), y[k : k + 256], reduction="sum"))
            for k in range(0, len(y), 256)
        )
    end, average = total / len(y), float(history[-1]["train_loss"])
    ok = abs(value[0] - end) <= 2e-3 and abs(value[1] - average) <= 1e-6
    relation = "below" if end < average else "above"
    return verdict(
        ok,
        f"{end:.3f} at the end of the epoch, {relation} the epoch average {average:.3f}. The average "
        "mixes the losses of weights from the whole epoch, early ones worse than the final ones, and "
        "is measured in training mode, where batch norm normalises with each batch's own statistics; "
        "the end-of-epoch loss uses the final weights and the running statistics, as validation does. "
        "While the weights still improve within an epoch the end-of-epoch loss is the lower one: a "
        "validation curve can then lie below the training curve with no paradox.",
        "evaluate the model in eval mode on the fresh set: cross_entropy(model(X), y) over all of it, in "
        "float32; the epoch average is history[-1]['train_loss'].",
    )


def check_learning_rate(answer) -> bool:
    """Exercise 6.1: how the first epochs of the live run change with the paper's learning rate 1e-4 instead of 1e-3.

    Choices: (a) the loss falls more slowly; (b) it falls faster; (c) nothing
    changes, Adam adapts the step size; (d) training diverges.
    """
    letter = as_choice(answer, "abcd")
    return verdict(
        is_key(letter, "check_learning_rate", "0fb580607acc3331"),
        "with a ten times smaller learning rate the validation loss falls more slowly in the first epochs: "
        "Adam's steps have about the size of the learning rate, whatever the gradient's scale. The paper "
        "can afford 1e-4 because it trains for many more steps.",
        "Adam divides the gradient by its running scale: how large is one update, then, and what does "
        "a ten times smaller one do in a few epochs? Compare the val_loss lists.",
    )


def check_early_stopping(answer) -> bool:
    """Exercise 6.7: why early stopping almost never triggers when every epoch draws fresh data.

    Choices: (a) no trajectory is seen twice, so the network cannot memorise its
    training set, and the validation loss stops improving only when the network
    itself stops learning (it levels off rather than turning up); (b) early stopping
    is switched off with fresh data; (c) the validation set changes every epoch;
    (d) the learning rate schedule prevents it.
    """
    letter = as_choice(answer, "abcd")
    return verdict(
        is_key(letter, "check_early_stopping", "92a6dd4d6c6857da"),
        "with fresh data the training set is infinite: the network cannot memorise it, so the validation "
        "loss stalls only when learning itself levels off, which a short budget rarely reaches; then early "
        "stopping ends a plateau, not overfitting. With a fixed, small training set it matters more: the "
        "validation loss turns up once the network starts to overfit.",
        "early stopping reacts to a validation loss that stops improving; what makes it stop improving "
        "when the training set is fixed, and does that happen when it never repeats?",
    )


def check_batchnorm_statistics(answer) -> bool:
    """Exercise 6.6: what ``bn_batches=0`` (no recomputed batch-norm statistics before validation) does.

    Choices: (a) evaluation uses running averages that lag behind weights that
    change fast early in training, so the validation accuracy is often lower;
    (b) nothing, batch norm has no effect in evaluation; (c) training becomes
    slower; (d) the validation accuracy is always higher.
    """
    letter = as_choice(answer, "abcd")
    return verdict(
        is_key(letter, "check_batchnorm_statistics", "af4811f6660646b9"),
        "in evaluation mode batch norm uses running means and variances, averaged with momentum over past "
        "batches; early in training the weights move fast and those averages describe an older network, "
        "so evaluation can be far off. Recomputing them on a few batches with the final weights fixes it.",
        "in evaluation mode, which mean and variance does a batch-norm layer use, and when were they measured?",
    )
