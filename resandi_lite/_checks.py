"""Argument checks shared by the public functions.

Every check raises a ``ValueError`` or ``TypeError`` that names the argument,
states what was expected and shows what was received, so that a user never
meets a deep stack trace from numpy or torch instead.
"""

from __future__ import annotations

import functools
import numbers
import warnings

import numpy as np


def check_alpha(alpha, low: float, high: float, *, name: str = "alpha", what: str = "") -> np.ndarray:
    """Return ``alpha`` as a 1-D float64 array after checking its range.

    Parameters
    ----------
    alpha : array-like of shape (n,) or scalar
        Anomalous exponents, one per trajectory.
    low, high : float
        Closed interval the exponents must lie in.
    name : str
        Argument name used in error messages.
    what : str
        Model name used in error messages.
    """
    try:
        arr = np.asarray(alpha, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or a 1-D array of numbers, got {type(alpha).__name__}") from None
    arr = np.atleast_1d(arr)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a scalar or a 1-D array (one exponent per trajectory), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must hold at least one exponent, got an empty array")
    bad = ~np.isfinite(arr) | (arr < low) | (arr > high)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        model = f" for {what}" if what else ""
        raise ValueError(f"{name} must lie in [{low}, {high}]{model}, got {float(arr[i])} at index {i}")
    return arr


def check_int(value, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as an ``int`` after checking its type and bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_noise(noise, name: str = "noise") -> np.ndarray:
    """Return localisation-noise levels as a 1-D float64 array of finite values >= 0."""
    if isinstance(noise, (str, bytes)):
        raise TypeError(f"{name} must be a float or a list of floats, got the string {noise!r}")
    try:
        arr = np.atleast_1d(np.asarray(noise, dtype=np.float64))
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a float or a list of floats, got {noise!r}") from None
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a float or a non-empty 1-D list of floats, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must hold finite values >= 0 (the noise std in units of the step std), got {noise!r}")
    return arr


def check_network_input(X, name: str, *, channels: int | None = 2):
    """Network input as a float tensor ``(n, channels, L)``, ``L >= 1``, finite.

    Anything else raises a ValueError or TypeError naming ``name``;
    ``channels=None`` accepts any number of channels.
    """
    import torch
    from torch import Tensor

    if not isinstance(X, Tensor):
        try:
            array = np.asarray(X)
        except Exception:  # ragged nested lists
            raise TypeError(f"{name} must be an ndarray or Tensor of shape (n, 2, 1000), got {type(X).__name__}") from None
        if array.dtype.kind not in "iuf":
            raise TypeError(f"{name} must be floating point (float32 from preprocess), got dtype {array.dtype}")
        X = torch.from_numpy(np.ascontiguousarray(array))
    if X.ndim != 3 or X.shape[1] != (channels or X.shape[1]) or X.shape[2] < 1:
        hint = f" (add a batch dimension: {name}[None])" if X.ndim == 2 else ""
        raise ValueError(f"{name} must have shape (n, {channels or 'channels'}, L) with L >= 1 (1000 from "
                         f"preprocess), got {tuple(X.shape)}{hint}")
    if not X.is_floating_point():
        raise TypeError(f"{name} must be floating point (float32 from preprocess), got {X.dtype}")
    if not bool(torch.isfinite(X).all()):
        raise ValueError(f"{name} must be finite, got {int((~torch.isfinite(X)).sum())} NaN or infinite values")
    return X


check_sigma = check_noise  # the former name, still imported by older code


def check_seed(seed, name: str = "seed"):
    """Return ``seed`` if numpy can seed a generator with it: ``None``, an integer >= 0 or a SeedSequence."""
    if seed is None or isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be None or an integer >= 0, got {seed!r} ({type(seed).__name__})")
    if seed < 0:
        raise ValueError(f"{name} must be None or an integer >= 0, got {seed}")
    return int(seed)


def check_rng(rng, name: str = "rng") -> np.random.Generator:
    """``np.random.default_rng(rng)`` with an error that names the argument."""
    if rng is None or isinstance(rng, (np.random.Generator, np.random.BitGenerator, np.random.SeedSequence)):
        return np.random.default_rng(rng)
    check_seed(rng, name)
    return np.random.default_rng(rng)


def check_finite_array(x, name: str, *, ndim: int | None = None) -> np.ndarray:
    """Return ``x`` as a real floating-point ndarray (ints converted) after checking ``ndim`` and finiteness."""
    try:
        arr = np.asarray(x)
    except Exception:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of numbers, got {type(x).__name__}") from None
    if arr.dtype.kind in "iu":
        arr = arr.astype(np.float64)
    if arr.dtype.kind != "f":
        raise TypeError(f"{name} must hold real numbers (float), got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {int(np.sum(~np.isfinite(arr)))} NaN or infinite values")
    return arr


def keyword_only(*names: str, renamed: dict | None = None):
    """Accept, with a DeprecationWarning, the old call forms of a function whose options became keyword-only.

    ``names`` are the options (in their old positional order) that used to
    follow the positional parameters; ``renamed`` maps old keyword names to new
    ones.  Positional use and old names still work for one release.
    """
    renamed = renamed or {}

    def decorate(func):
        import inspect

        positional = [p.name for p in inspect.signature(func).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            extra = args[len(positional):]
            if extra:
                if len(extra) > len(names):
                    raise TypeError(f"{func.__name__}() takes at most {len(positional) + len(names)} positional "
                                    f"arguments, got {len(args)}")
                given = names[:len(extra)]
                warnings.warn(f"{func.__name__}(): pass {', '.join(given)} by keyword ({given[0]}=...); "
                              f"positional use is deprecated", DeprecationWarning, stacklevel=2)
                for key, value in zip(given, extra):
                    if key in kwargs:
                        raise TypeError(f"{func.__name__}() got multiple values for argument {key!r}")
                    kwargs[key] = value
                args = args[:len(positional)]
            for old, new in renamed.items():
                if old in kwargs:
                    warnings.warn(f"{func.__name__}(): {old}= is deprecated, use {new}=", DeprecationWarning,
                                  stacklevel=2)
                    if new in kwargs:
                        raise TypeError(f"{func.__name__}() got both {old}= and {new}=")
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper

    return decorate


def deprecated_alias(func, old: str):
    """A function ``old`` that warns (DeprecationWarning) and forwards to ``func``."""

    @functools.wraps(func)
    def alias(*args, **kwargs):
        warnings.warn(f"{old} is deprecated and will be removed; use {func.__name__}", DeprecationWarning,
                      stacklevel=2)
        return func(*args, **kwargs)

    alias.__name__ = alias.__qualname__ = old
    alias.__doc__ = f"Deprecated alias of :func:`{func.__name__}`."
    return alias
