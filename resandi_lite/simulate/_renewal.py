"""Renewal processes on the integer time grid, vectorised over trajectories.

CTRW (waiting times), Levy walks (flight times) and ATTM (segments of constant
diffusivity) all cut time into random intervals.  Instead of a Python loop per
trajectory, the intervals of a whole batch are drawn as a matrix, in blocks
until every row has covered its horizon; each interval's value (a velocity, a
variance) is then repeated over the integer time steps it covers, and
:func:`interval_starts` marks the times where a new interval begins (the
mechanism's events, for :func:`resandi_lite.simulate.simulate` with
``events=True``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def draw_until(draw: Callable, n: int, horizon: float, first: int = 8) -> tuple[np.ndarray, ...]:
    """Draw interval durations row by row until each row's total reaches ``horizon``.

    Parameters
    ----------
    draw : callable
        ``draw(rows, k)`` returns a tuple whose first item is an array of shape
        ``(len(rows), k)`` of durations (> 0) for the trajectories ``rows``;
        further items are per-interval attributes of the same shape.
    n : int
        Number of trajectories.
    horizon : float
        Time every row must cover.
    first : int
        Columns drawn in the first block (for the rows still short of the
        horizon, each further block doubles).

    Returns
    -------
    durations : ndarray of shape (n, K), float64
        Durations; ``inf`` in the blocks a row did not need (the first block
        that reaches the horizon is kept whole).
    *attributes : ndarray of shape (n, K)
        The extra items returned by ``draw``, zero where unused.
    """
    parts: list[tuple[np.ndarray, tuple[np.ndarray, ...]]] = []
    total = np.zeros(n)
    rows = np.arange(n)
    k = max(1, int(first))
    while rows.size:
        drawn = draw(rows, k)
        parts.append((rows, drawn))
        total[rows] += drawn[0].sum(axis=1)
        rows = rows[total[rows] < horizon]
        k *= 2
    width = sum(drawn[0].shape[1] for _, drawn in parts)
    out = []
    for j, part in enumerate(parts[0][1]):  # assemble each item once: unused slots inf (durations) or 0
        full = np.full((n, width), np.inf if j == 0 else 0, dtype=part.dtype)
        offset = 0
        for rows, drawn in parts:
            k = drawn[j].shape[1]
            if rows.size == n:
                full[:, offset : offset + k] = drawn[j]
            else:
                full[rows, offset : offset + k] = drawn[j]
            offset += k
        out.append(full)
    return tuple(out)


def per_step(values: np.ndarray, durations: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Spread each interval's value over the integer times it covers (integer durations).

    Interval ``k`` covers ``[t_k, t_{k+1})``, ``t_0 = 0``, ``t_k = d_1 + ... + d_k``;
    each interval's value is repeated once per integer time ``t`` in
    ``start .. stop-1`` that it covers.  One ``np.repeat`` writes the result.

    Parameters
    ----------
    values : ndarray of shape (n, c, K)
        ``c`` values per interval (e.g. the x and y velocity of a flight).
    durations : ndarray of shape (n, K), float64
        Integer-valued durations (``inf`` after a row's last needed interval);
        every row must cover ``stop``.
    start, stop : int

    Returns
    -------
    per_time : ndarray of shape (n, c, stop - start), values' dtype
    """
    epochs = np.cumsum(durations, axis=1)
    np.clip(epochs, start, stop, out=epochs)
    counts = np.diff(epochs, axis=1, prepend=float(start)).astype(np.int64)  # times covered, sums to stop - start
    repeats = np.broadcast_to(counts[:, None, :], values.shape)
    return np.repeat(values.ravel(), repeats.ravel()).reshape(values.shape[:-1] + (stop - start,))


def interval_starts(durations: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Mark the integer times ``start .. stop-1`` in which an interval ``k >= 1`` begins.

    Interval ``k`` begins at ``t_k = d_1 + ... + d_k``; time ``t`` is marked
    when ``floor(t_k) == t`` for some ``k >= 1`` (several intervals may begin
    in one time bin).  The first interval, which begins at 0, is never marked.
    Draws nothing: the random stream is the same with or without the marks.

    Parameters
    ----------
    durations : ndarray of shape (n, K), float64
        As returned by :func:`draw_until` (``inf`` after a row's last interval).
    start, stop : int

    Returns
    -------
    marks : ndarray of shape (n, stop - start), bool

    Examples
    --------
    >>> interval_starts(np.array([[2.0, 1.5, 3.0, np.inf]]), 0, 8).astype(int).tolist()
    [[0, 0, 1, 1, 0, 0, 1, 0]]
    """
    epochs = np.floor(np.cumsum(durations, axis=1))
    row, col = np.nonzero((epochs >= start) & (epochs < stop))
    marks = np.zeros((durations.shape[0], stop - start), dtype=bool)
    marks[row, epochs[row, col].astype(np.int64) - start] = True
    return marks
