"""The cascade section: HIV testing, ART and viral suppression."""

from __future__ import annotations

from empower.core.parameter_types import Dur, GroupRates, GroupValues, Prob, Rate, Section

__all__ = ["CascadeParams"]


class CascadeParams(Section):
    """HIV testing, ART and viral suppression (processes/cascade/)."""

    rate_hiv_test_per_year: GroupRates
    prop_diagnosed_initial: GroupValues
    prop_on_art_initial: GroupValues
    dur_infection_to_art_eligibility_years: Dur
    rate_art_start_per_year: Rate
    rate_art_restart_per_year: Rate
    rate_art_dropout_per_year: Rate
    dur_art_to_suppression_years: Dur
    rr_transmission_suppressed: Prob
