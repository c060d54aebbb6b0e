"""The violence section: violence, arrest, condom confiscation, displacement."""

from __future__ import annotations

from empower.core.parameter_types import Dur, Positive, Prob, Rate, Section

__all__ = ["ViolenceParams"]


class ViolenceParams(Section):
    """Violence from clients, intimate partners and police; arrest; condom confiscation."""

    rate_client_violence_per_year: Rate
    rate_partner_violence_per_year: Rate
    rate_police_violence_per_year: Rate
    rate_arrest_per_year: Rate
    rate_police_encounter_per_year: Rate
    dur_violence_effect_years: Dur
    dur_violence_effect_with_crisis_response_years: Dur
    or_condom_after_violence: Positive
    rr_services_after_violence: Positive
    rr_art_dropout_after_violence: Positive
    rr_prep_efficacy_after_violence: Prob
    dur_detention_years: Dur
    dur_confiscation_effect_years: Dur
    or_condom_after_confiscation: Positive
    dur_displacement_years: Dur
    or_condom_displaced: Positive
    rr_client_violence_displaced: Positive
    cv_police_exposure: Positive
