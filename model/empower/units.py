"""Time step and unit conversions: the one place rates and durations become per-step.

The model steps weekly: ``DT_YEARS = 1/52``. Years are floats (2025.0 is 1 January 2025).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["DT_YEARS", "STEPS_PER_YEAR", "prob_per_step"]

STEPS_PER_YEAR = 52
DT_YEARS = 1.0 / STEPS_PER_YEAR


def prob_per_step(rate_per_year, dt_years: float = DT_YEARS):
    """Probability of at least one event in a step, for a constant rate (per year).

    ``rate_per_year`` is a number or an array (one rate per person).
    """
    if np.ndim(rate_per_year):
        rates = np.asarray(rate_per_year, dtype=np.float64)
        if (rates < 0).any():
            raise ValueError(f"a rate cannot be negative: {rates.min()}")
        return -np.expm1(-rates * dt_years)
    if rate_per_year < 0:
        raise ValueError(f"a rate cannot be negative: {rate_per_year}")
    return 1.0 - math.exp(-rate_per_year * dt_years)
