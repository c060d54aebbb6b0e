"""The demography sections: group sizes, sex workers, clients, partners."""

from __future__ import annotations

from pydantic import field_validator, model_validator

from empower.core.parameter_types import (
    Age,
    Dur,
    DurAbove0,
    People,
    PerWeek,
    Positive,
    Prob,
    Rate,
    Section,
    constant,
)
from empower.names import check_names

__all__ = [
    "PopulationParams",
    "GenderShares",
    "VenueParams",
    "SexWorkerParams",
    "ClientParams",
    "PartnerParams",
]


class PopulationParams(Section):
    """Sizes of the groups at the start; entry replaces exit to hold them (see demography)."""

    n_sex_workers: People
    n_clients: People
    prop_clients_with_partner: Prob
    prop_sex_workers_with_intimate_partner: Prob

class GenderShares(Section):
    """Shares of sex workers by gender; constants that add up to 1."""

    prop_female: Prob
    prop_trans: Prob
    prop_male: Prob

    @model_validator(mode="after")
    def _sum_to_one(self) -> GenderShares:
        total = sum(
            constant(p, n)
            for n, p in (
                ("prop_female", self.prop_female),
                ("prop_trans", self.prop_trans),
                ("prop_male", self.prop_male),
            )
        )
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"gender shares must add up to 1, they add up to {total:g}")
        return self

class VenueParams(Section):
    """One venue type (street, home, brothel, lodge, ...)."""

    prop_sex_workers: Prob
    one_off_clients_per_week: PerWeek
    rr_client_violence: Positive

class SexWorkerParams(Section):
    """Sex workers: who they are, how long they work, how many clients they see."""

    gender: GenderShares
    venues: dict[str, VenueParams]
    cv_client_volume: Positive
    age_at_entry_mean_years: Dur
    age_at_entry_sd_years: Dur
    age_max_years: Age
    dur_career_years: DurAbove0
    rate_pause_per_year: Rate
    dur_pause_years: Dur
    rate_death_per_year: Rate

    @field_validator("venues")
    @classmethod
    def _venue_names(cls, venues: dict[str, VenueParams]) -> dict[str, VenueParams]:
        check_names(venues, "a venue type")
        return venues

    @model_validator(mode="after")
    def _venue_shares(self) -> SexWorkerParams:
        if not self.venues:
            raise ValueError("at least one venue type is needed")
        if len(self.venues) > 16:
            raise ValueError("at most 16 venue types are allowed")
        total = sum(constant(v.prop_sex_workers, k) for k, v in self.venues.items())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"venue shares (prop_sex_workers) must add up to 1, not {total:g}")
        return self

class ClientParams(Section):
    """Men who buy sex: how often, for how long, circumcision."""

    visits_per_week_mean: PerWeek
    cv_visits_per_week: Positive
    dur_client_years: DurAbove0
    age_at_entry_mean_years: Dur
    age_at_entry_sd_years: Dur
    age_max_years: Age
    prop_circumcised: Prob
    rate_death_per_year: Rate

class PartnerParams(Section):
    """Non-paying partners (of sex workers, and of clients)."""

    rate_death_per_year: Rate
