"""Time step and unit conversions: the one place rates and durations become per-step.

The model steps weekly: ``DT_YEARS = 1/52``. Years are floats (2025.0 is 1 January 2025).
"""

from __future__ import annotations

import math

__all__ = ["DT_YEARS", "STEPS_PER_YEAR", "prob_per_step", "rate_from_duration", "per_step"]

STEPS_PER_YEAR = 52
DT_YEARS = 1.0 / STEPS_PER_YEAR


def prob_per_step(rate_per_year: float, dt_years: float = DT_YEARS) -> float:
    """Probability of at least one event in a step, for a constant rate (per year)."""
    if rate_per_year < 0:
        raise ValueError(f"a rate cannot be negative: {rate_per_year}")
    return 1.0 - math.exp(-rate_per_year * dt_years)


def rate_from_duration(dur_years: float) -> float:
    """The exit rate (per year) of a state whose mean duration is ``dur_years``."""
    return math.inf if dur_years <= 0 else 1.0 / dur_years


def per_step(count_per_week: float, dt_years: float = DT_YEARS) -> float:
    """A weekly count (acts, clients) expressed per model step."""
    return count_per_week * dt_years * 52.0
