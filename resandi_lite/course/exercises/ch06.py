"""Checks for chapter 6: training."""

from __future__ import annotations

import re
import shlex

from .answers import as_choice, as_numbers, is_key, verdict


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
    """Exercise 6.2: why early stopping almost never triggers when every epoch draws fresh data.

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
    """Exercise 6.3: what ``bn_batches=0`` (no recomputed batch-norm statistics before validation) does.

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


def check_ddp_command(answer) -> bool:
    """Exercise 6.4: the command that trains the paper's network, fixed-length protocol, on two GPUs of one machine.

    ``answer`` is a shell command (a string). It must launch
    ``torchrun --nproc-per-node 2`` (or ``--nproc_per_node``, with ``=`` or a
    space) on ``-m resandi_lite train`` with ``--preset paper`` and
    ``--length 1000``, and give an ``--out`` directory.
    """
    if not isinstance(answer, str):
        raise TypeError(f"answer must be a shell command (a string), got {type(answer).__name__}")
    try:
        words = shlex.split(answer)
    except ValueError as error:
        raise ValueError(f"answer is not a valid shell command: {error}") from None
    text = " ".join(words)
    problems = []
    if not words or words[0] != "torchrun":
        problems.append("start with torchrun")
    if not re.search(r"--nproc[-_]per[-_]node[= ]2\b", text):
        problems.append("ask for 2 processes (--nproc-per-node 2)")
    if "-m resandi_lite train" not in text:
        problems.append("run the module: -m resandi_lite train")
    if not re.search(r"--preset[= ]paper\b", text):
        problems.append("choose the paper's network (--preset paper)")
    if not re.search(r"--length[= ]1000\b", text):
        problems.append("use the fixed-length protocol (--length 1000)")
    if not re.search(r"--out[= ]\S+", text):
        problems.append("name an output directory (--out runs/...)")
    return verdict(
        not problems,
        "torchrun starts one process per GPU; each trains on its share of every batch and they average "
        "gradients (DistributedDataParallel), with the same recipe as one process.",
        "the command should " + "; ".join(problems) + ".",
    )


def check_samples_seen(answer) -> bool:
    """Exercise 6.5: ``(trajectories seen by the shipped varying-length network, that number / 400,000)``.

    Read from the model card ``rl.pretrained.model_card("lite")``; tolerance: exact
    count, ratio to 1e-3.
    """
    from ...pretrained import model_card

    answer = as_numbers(answer, 2, "numbers (samples seen, ratio to 400,000)")
    card = model_card("lite")
    seen = card["samples_seen"]
    total = seen + ((card.get("warm_start") or {}).get("samples") or 0)
    ok = answer[0] == seen and abs(answer[1] - seen / 400_000) < 1e-3
    return verdict(
        ok,
        f"the lite network's last stage saw {seen:,} fresh trajectories, {seen / 400_000:.2f} of the "
        f"paper's 400,000-trajectory epochs ({total:,} with the earlier stages, "
        f"{total / 400_000:.1f} epochs' worth; the paper allowed up to 100 epochs, on GPUs).",
        "read card['samples_seen'] from rl.pretrained.model_card('lite') and divide by 400_000.",
    )
