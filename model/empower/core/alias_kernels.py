"""Alias sampling: draws from a discrete distribution in constant time per draw.

Walker's alias method. :func:`alias_table` builds the table from weights once (a week's
clients by visit frequency); each draw then takes one uniform (:func:`alias_draw`). The
uniforms come from :mod:`empower.rng`, so a draw is a pure function of its stream, week,
uid and draw number.
"""

from __future__ import annotations

import numba as nb
import numpy as np

__all__ = ["alias_table", "alias_draw", "alias_draws", "alias_pick"]


@nb.njit(nb.types.Tuple((nb.float64[:], nb.int64[:]))(nb.float64[:]), cache=True)
def alias_table(weights):
    """Vose's alias table for drawing index i with probability weights[i] / sum.

    Built in O(n); each draw then costs one uniform and two reads
    (:func:`alias_draw`). All-zero weights give an all-zero ``prob`` (callers check).
    """
    n = weights.shape[0]
    prob = np.empty(n, dtype=np.float64)  # holds the scaled weights until finalised
    alias = np.empty(n, dtype=np.int64)
    total = 0.0
    for i in range(n):
        total += weights[i]
        alias[i] = i
    if n == 0 or total <= 0.0:
        prob[:] = 0.0
        return prob, alias
    # One stack: indices with scaled weight < 1 from the left, the rest from the right.
    stack = np.empty(n, dtype=np.int64)
    n_small = 0
    top_large = n
    factor = n / total
    for i in range(n):
        prob[i] = weights[i] * factor
        if prob[i] < 1.0:
            stack[n_small] = i
            n_small += 1
        else:
            top_large -= 1
            stack[top_large] = i
    while n_small > 0 and top_large < n:
        n_small -= 1
        small = stack[n_small]
        large = stack[top_large]
        alias[small] = large
        prob[large] = prob[large] + prob[small] - 1.0
        if prob[large] < 1.0:
            top_large += 1
            stack[n_small] = large
            n_small += 1
    for k in range(top_large, n):
        prob[stack[k]] = 1.0
    for k in range(n_small):
        prob[stack[k]] = 1.0
    return prob, alias


@nb.njit("int64(float64[:], int64[:], float64)", cache=True, inline="always")
def alias_draw(prob, alias, u):
    """An index drawn from an alias table with one uniform ``u``."""
    n = prob.shape[0]
    x = u * n
    i = int(x)
    if i >= n:
        i = n - 1
    return i if x - i < prob[i] else alias[i]


@nb.njit("int64(float64[:], int64[:], int64[:], float64)", cache=True, inline="always")
def alias_pick(prob, values, alias_values, u):
    """``values[alias_draw(prob, alias, u)]`` with ``alias_values = values[alias]``.

    Reads only position ``i`` of each array, so the reads do not wait on each other.
    """
    n = prob.shape[0]
    x = u * n
    i = int(x)
    if i >= n:
        i = n - 1
    return values[i] if x - i < prob[i] else alias_values[i]


@nb.njit("int64[:](float64[:], int64[:], float64[:])", cache=True)
def alias_draws(prob, alias, u):
    """One index per uniform (vector form of :func:`alias_draw`)."""
    out = np.empty(u.shape[0], dtype=np.int64)
    for i in range(u.shape[0]):
        out[i] = alias_draw(prob, alias, u[i])
    return out
