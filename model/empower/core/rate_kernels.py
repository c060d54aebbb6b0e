"""Rate to per-step probability, compiled: the one formula of :mod:`empower.units`.

:func:`rate_to_prob` is :func:`empower.units.rate_to_prob` compiled for kernels (inlined
where it is called); :func:`rates_to_probs` applies it to an array, and is what
:func:`empower.units.prob_per_step` uses for arrays. Compiling the Python formula, not
restating it, keeps one definition; both call the same C library function, so they agree
to the bit (a test checks).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from empower import units

__all__ = ["rate_to_prob", "rates_to_probs"]

rate_to_prob = nb.njit("float64(float64, float64)", cache=True, inline="always")(
    units.rate_to_prob)


@nb.njit("float64[:](float64[:], float64)", cache=True)
def rates_to_probs(rates_per_year, dt_years):
    """:func:`rate_to_prob` of each rate per year (one pass; rates are not checked)."""
    out = np.empty(rates_per_year.shape[0], dtype=np.float64)
    for i in range(rates_per_year.shape[0]):
        out[i] = rate_to_prob(rates_per_year[i], dt_years)
    return out
