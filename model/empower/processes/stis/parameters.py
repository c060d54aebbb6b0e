"""The stis section: one curable STI (the setting has a table of them)."""

from __future__ import annotations

from empower.core.parameter_types import Dur, GroupValues, Positive, Prob, Section

__all__ = ["STIParams"]


class STIParams(Section):
    """A curable STI, susceptible-infected-susceptible."""

    p_per_act_male_to_female: Prob
    p_per_act_female_to_male: Prob
    p_per_act_receptive_anal: Prob
    p_per_act_insertive_anal: Prob
    dur_untreated_female_years: Dur
    dur_untreated_male_years: Dur
    dur_untreated_rectal_years: Dur
    prop_symptomatic_female: Prob
    prop_symptomatic_male: Prob
    prop_symptomatic_rectal: Prob
    prop_symptomatic_treated: Prob
    dur_symptoms_to_treatment_years: Dur
    prop_condom_efficacy: Prob
    rr_hiv_susceptibility: Positive
    rr_hiv_infectiousness: Positive
    initial_prevalence: GroupValues
    prevalence_at_entry: GroupValues
