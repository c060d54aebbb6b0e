"""Time step and unit conversions: the one place rates and durations become per-step.

The model steps weekly: ``DT_YEARS = 1/52``. Years are floats (2025.0 is 1 January 2025).
"""

from __future__ import annotations

import math

__all__ = ["DT_YEARS", "STEPS_PER_YEAR", "prob_per_step"]

STEPS_PER_YEAR = 52
DT_YEARS = 1.0 / STEPS_PER_YEAR


def prob_per_step(rate_per_year: float, dt_years: float = DT_YEARS) -> float:
    """Probability of at least one event in a step, for a constant rate (per year)."""
    if rate_per_year < 0:
        raise ValueError(f"a rate cannot be negative: {rate_per_year}")
    return 1.0 - math.exp(-rate_per_year * dt_years)
