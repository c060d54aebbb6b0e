"""The hiv section: per-act transmission by route, stages, survival, starting epidemic."""

from __future__ import annotations

from empower.core.parameter_types import (
    Above0,
    Dur,
    DurAbove0,
    GroupValues,
    Positive,
    Prob,
    Section,
)

__all__ = ["HIVParams"]


class HIVParams(Section):
    """HIV: per-act transmission by route, stages, survival, starting epidemic."""

    p_per_act_male_to_female: Prob
    p_per_act_female_to_male: Prob
    p_per_act_receptive_anal: Prob
    p_per_act_insertive_anal: Prob
    dur_acute_years: Dur
    rr_acute: Positive
    dur_late_years: Dur
    rr_late: Positive
    dur_terminal_years: Dur
    rr_terminal: Positive
    survival_median_years: DurAbove0
    survival_weibull_shape: Above0
    rr_circumcised: Positive
    prop_condom_efficacy: Prob
    initial_prevalence: GroupValues
    prevalence_at_entry: GroupValues
