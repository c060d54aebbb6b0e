"""Helpers shared by the kernel tests: keys, array builders, compiled-vs-Python checks."""

from __future__ import annotations

import math

import numpy as np
from empower.rng import stream_key

KEY = stream_key(7, "test.kernel")
KEY2 = stream_key(7, "test.kernel.other")
NAN = math.nan
INF = math.inf


def both(kernel, *args):
    """The compiled kernel's and its py_func's output (uint64 overflow is intended)."""
    compiled = kernel(*args)
    with np.errstate(over="ignore"):
        pure = kernel.py_func(*args)
    return compiled, pure


def assert_same(compiled, pure):
    if isinstance(compiled, tuple):
        assert len(compiled) == len(pure)
        for c, p in zip(compiled, pure, strict=True):
            assert_same(c, p)
    else:
        np.testing.assert_array_equal(np.asarray(compiled), np.asarray(pure))
        assert np.asarray(compiled).dtype == np.asarray(pure).dtype or np.isscalar(compiled)


def i64(*x):
    return np.array(x, dtype=np.int64)


def f64(*x):
    return np.array(x, dtype=np.float64)
