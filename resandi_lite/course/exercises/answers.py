"""Reading a student's answer and reporting on it, the same way in every check.

Each reader turns an answer into a plain Python value or a float64 array, or
raises ``TypeError``/``ValueError`` naming what was expected and what was
received; :func:`verdict` prints the one-line result and returns it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import numbers
import os
import sys

import numpy as np


def _received(answer) -> str:
    if answer is Ellipsis:
        return "the placeholder `...` (replace it with your answer)"
    text = repr(answer)
    return f"{type(answer).__name__} {text if len(text) < 60 else text[:57] + '...'}"


def verdict(ok, correct: str, hint: str) -> bool:
    """Print ``Correct: <correct>`` or ``Not yet: <hint>`` and return ``ok`` as a bool.

    >>> verdict(True, "alpha is about 1.", "fit the log-log slope.")
    Correct: alpha is about 1.
    True
    """
    ok = bool(ok)
    print(f"Correct: {correct}" if ok else f"Not yet: {hint}")
    return ok


def as_number(answer, what: str = "a number") -> float:
    """The answer as a finite float: a Python or numpy real number, or an array holding one value.

    >>> as_number(np.float32(0.5))
    0.5
    """
    if isinstance(answer, (bool, np.bool_)) or isinstance(answer, (str, bytes)) or answer is Ellipsis:
        raise TypeError(f"answer must be {what}, got {_received(answer)}")
    if isinstance(answer, numbers.Real):
        value = float(answer)
    else:
        try:
            array = np.asarray(answer, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"answer must be {what}, got {_received(answer)}") from None
        if array.size != 1:
            raise ValueError(f"answer must be {what} (one value), got an array of shape {array.shape}")
        value = float(array.reshape(()))
    if not np.isfinite(value):
        raise ValueError(f"answer must be {what}, got {value} (not finite)")
    return value


def as_numbers(answer, n: int, what: str = "numbers") -> np.ndarray:
    """The answer as a float64 array of shape ``(n,)``: a list, tuple or array of ``n`` real numbers.

    >>> as_numbers((1, 2.5), 2)
    array([1. , 2.5])
    """
    if answer is Ellipsis or isinstance(answer, (str, bytes, dict)) or np.ndim(answer) == 0:
        raise TypeError(f"answer must be a sequence of {n} {what}, got {_received(answer)}")
    try:
        array = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"answer must be a sequence of {n} {what}, got {_received(answer)}") from None
    if array.shape != (n,):
        raise ValueError(f"answer must be a sequence of {n} {what}, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"answer must hold finite {what}, got {array}")
    return array


def as_integer(answer, what: str = "an integer") -> int:
    """The answer as an int: a Python or numpy integer, or a float that is a whole number.

    >>> as_integer(np.int64(3))
    3
    """
    value = as_number(answer, what)
    if value != round(value):
        raise ValueError(f"answer must be {what}, got {value}")
    return int(round(value))


def as_choice(answer, choices: str) -> str:
    """The answer as one lower-case letter among ``choices`` (e.g. ``"abcd"``); ``"B"`` and ``"(b)"`` count as ``"b"``.

    >>> as_choice("(B)", "abcd")
    'b'
    """
    if not isinstance(answer, str):
        raise TypeError(f"answer must be one letter among {', '.join(choices)} (a string), got {_received(answer)}")
    letter = answer.strip().strip("()").strip().lower()
    if len(letter) != 1 or letter not in choices:
        raise ValueError(f"answer must be one letter among {', '.join(choices)}, got {answer!r}")
    return letter


def as_array(answer, shape: tuple, what: str = "numbers") -> np.ndarray:
    """The answer as a float64 array of the given shape (a nested list or an array).

    >>> as_array([[1, 2]], (1, 2)).dtype
    dtype('float64')
    """
    if answer is Ellipsis or isinstance(answer, (str, bytes, dict)) or np.ndim(answer) == 0:
        raise TypeError(f"answer must be an array of shape {shape} of {what}, got {_received(answer)}")
    try:
        array = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"answer must be an array of shape {shape} of {what}, got {_received(answer)}") from None
    if array.shape != tuple(shape):
        raise ValueError(f"answer must be an array of shape {shape} of {what}, got shape {array.shape}")
    return array


def as_class_names(answer) -> tuple:
    """The answer as a tuple of class names of ``rl.CLASSES``: one name (a string) or a sequence of names.

    >>> as_class_names("BM"), as_class_names(("SubFBM", "BM"))
    (('BM',), ('SubFBM', 'BM'))
    """
    from ...simulate import CLASSES

    names = (answer,) if isinstance(answer, str) else answer
    if answer is Ellipsis or not isinstance(names, (tuple, list)) or not names:
        raise TypeError(f"answer must be a class name such as 'BM' or a sequence of them, got {_received(answer)}")
    for name in names:
        if name not in CLASSES:
            raise ValueError(f"answer must hold class names among {', '.join(CLASSES)}, got {name!r}")
    return tuple(names)


@contextlib.contextmanager
def stderr_to_stdout():
    """While the block runs, send everything written to stderr to stdout instead.

    nbgrader gives no points to a test cell that writes to stderr, and a
    warning from numpy, torch or a deprecation inside a check would do so: each
    test cell of a classroom assignment therefore runs its check inside this
    block, so that a right answer keeps its points and the warning is still shown.
    Covers ``sys.stderr`` (the warnings module, tqdm, print) and, where the file
    descriptors exist, what C code writes to descriptor 2.

    >>> import warnings
    >>> with stderr_to_stdout():
    ...     print("to stderr", file=sys.stderr)
    to stderr
    """
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(1, 2)
    except (OSError, ValueError, AttributeError):  # no descriptors (e.g. an embedded interpreter)
        saved = None
    try:
        with contextlib.redirect_stderr(sys.stdout):
            yield
    finally:
        if saved is not None:
            try:
                sys.stdout.flush()
            finally:
                os.dup2(saved, 2)
                os.close(saved)


_SALT = "resandi-lite exercises, v1"


def key_digest(question: str, letter: str) -> str:
    """The salted digest under which a multiple-choice check stores its key (so ``help()`` cannot show it).

    ``question`` is the check's name; the digest is the first 16 hex digits of
    SHA-256 over the salt, the question and the letter.

    >>> len(key_digest("check_x", "a"))
    16
    """
    return hashlib.sha256(f"{_SALT}|{question}|{letter}".encode()).hexdigest()[:16]


def is_key(letter: str, question: str, digest: str) -> bool:
    """Whether ``letter`` is the key of ``question``, whose key's digest (:func:`key_digest`) is ``digest``.

    >>> is_key("a", "check_x", key_digest("check_x", "a")), is_key("b", "check_x", key_digest("check_x", "a"))
    (True, False)
    """
    return hmac.compare_digest(key_digest(question, letter), digest)
