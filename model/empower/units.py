"""Time step and unit conversions: the one place rates and durations become per-step.

The model steps weekly: ``DT_YEARS = 1/52``. Years are floats (2025.0 is 1 January 2025).

One formula turns a rate per year into a per-step probability, :func:`rate_to_prob`
(``-expm1(-rate dt)``, exact for small rates where ``1 - exp`` loses digits). Kernels use
its compiled form (:mod:`empower.core.rate_kernels`), and :func:`prob_per_step` converts
arrays with that same compiled form, so a probability has the same bits whether
Python, numpy or a kernel computed it (numpy's vectorised ``expm1`` can differ from the
C library's in the last bit). This module imports no numba: parameter validation uses it.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["DT_YEARS", "STEPS_PER_YEAR", "prob_per_step", "rate_to_prob"]

STEPS_PER_YEAR = 52
DT_YEARS = 1.0 / STEPS_PER_YEAR


def rate_to_prob(rate_per_year: float, dt_years: float = DT_YEARS) -> float:
    """The probability of at least one event in ``dt_years`` at a constant rate per year.

    ``1 - exp(-rate dt)``, computed as ``-expm1(-rate dt)``. The model's only formula for
    it: kernels call its compiled form, :func:`empower.core.rate_kernels.rate_to_prob`.
    No check here (kernels call it in loops); :func:`prob_per_step` checks.
    """
    return -math.expm1(-rate_per_year * dt_years)


def prob_per_step(rate_per_year, dt_years: float = DT_YEARS):
    """Probability of at least one event in a step, for a constant rate (per year).

    ``rate_per_year`` is a number or an array (one rate per person); a negative rate is
    an error. Arrays go through the compiled :func:`rate_to_prob` (imported here, when
    first needed, so that importing this module compiles nothing).
    """
    if np.ndim(rate_per_year):
        rates = np.asarray(rate_per_year, dtype=np.float64)
        if (rates < 0).any():
            raise ValueError(f"a rate cannot be negative: {rates.min()}")
        from empower.core.rate_kernels import rates_to_probs

        return rates_to_probs(np.ascontiguousarray(rates).ravel(),
                              float(dt_years)).reshape(rates.shape)
    if rate_per_year < 0:
        raise ValueError(f"a rate cannot be negative: {rate_per_year}")
    return rate_to_prob(float(rate_per_year), float(dt_years))
