"""The parameters of a setting: names, units, allowed ranges, one class per section.

Names carry units: ``rate_*_per_year`` (events per person-year), ``dur_*_years``
(mean durations), ``p_*_per_act`` (per-act probabilities), ``prop_*`` (proportions),
``rr_*`` (relative risks), ``*_per_week`` (counts per week). Rates and durations become
per-step probabilities in one place, :mod:`empower.units`.

Every numeric field accepts a constant, a sourced constant or a timeline (see
:mod:`empower.timeline`); a field typed ``Prob`` must stay within [0, 1] at every point
of its timeline, ``Dur``, ``Rate`` and ``Count`` must not be negative. Unknown keys are
errors (``extra="forbid"``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    PlainSerializer,
    PlainValidator,
    field_validator,
    model_validator,
)

from empower.core.status_bits import MAX_STIS
from empower.names import (
    RESERVED_GROUPS,
    RESERVED_STIS,
    check_names,
    check_scenario_name,
)
from empower.timeline import Bounds, Param, param_to_toml_like, parse_category, parse_param

__all__ = [
    "SettingParams",
    "STIParams",
    "GroupValues",
    "Prob",
    "Rate",
    "Dur",
    "Count",
    "Positive",
    "REGIMES",
    "SPENDING_ITEMS",
]

# Legal regimes (processes/legal/), in order from most to least punitive.
REGIMES = ("criminalised", "partial", "end_demand", "decriminalised")

# What a community group's budget buys (processes/mobilisation/).
SPENDING_ITEMS = ("outreach", "clinic", "condoms", "prep", "crisis_response")
SpendingItem = Literal["outreach", "clinic", "condoms", "prep", "crisis_response"]


def _param(bounds: Bounds) -> Any:
    return Annotated[
        Any,
        PlainValidator(lambda raw: parse_param(raw, bounds)),
        PlainSerializer(param_to_toml_like),
    ]


Prob = _param(Bounds(0.0, 1.0, what="a probability or proportion"))
Rate = _param(Bounds(0.0, None, what="a rate per year"))
Dur = _param(Bounds(0.0, None, what="a duration in years"))
Positive = _param(Bounds(0.0, None, what="a non-negative number"))
Count = _param(Bounds(0.0, None, integer=True, what="a count"))
AtLeastOne = _param(Bounds(1.0, None, what="a number"))
# Divisors (a mean duration, a Weibull shape, people per worker) must be above zero.
DurAbove0 = _param(Bounds(0.0, None, above_low=True, what="a duration in years"))
Above0 = _param(Bounds(0.0, None, above_low=True, what="a number"))
# Limits of plausibility, not sourced values: they keep a typo (1e6 clients a week) from
# exhausting the memory instead of failing at once.
People = _param(Bounds(1.0, 1e8, integer=True, what="a number of people"))
Age = _param(Bounds(15.0, None, what="an age in years"))
PerWeek = _param(Bounds(0.0, 200.0, what="a number a week"))
ActsPerContact = _param(Bounds(1.0, 100.0, what="acts a contact"))
PerSexWorker = _param(Bounds(0.0, 200.0, what="a number per sex worker"))
Regime = Annotated[
    Any,
    PlainValidator(lambda raw: parse_category(raw, REGIMES, "a legal regime")),
    PlainSerializer(param_to_toml_like),
]


class Section(BaseModel):
    """Base of every parameter section: unknown keys are errors, values immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


def _constant(param: Param, name: str) -> float:
    if not hasattr(param, "value"):
        raise ValueError(f"{name} must be a constant, not a timeline")
    return param.value  # type: ignore[union-attr]


class GroupValues(Section):
    """A value for each group of people (for example a starting prevalence)."""

    sex_workers: Prob
    clients: Prob
    partners_of_sex_workers: Prob
    partners_of_clients: Prob


class GroupRates(Section):
    """A rate per year for each group of people."""

    sex_workers: Rate
    clients: Rate
    partners_of_sex_workers: Rate
    partners_of_clients: Rate


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
            _constant(p, n)
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
        total = sum(_constant(v.prop_sex_workers, k) for k, v in self.venues.items())
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


class PartnershipParams(Section):
    """Ties and acts: one-off clients, regular clients, intimate partners, clients' partners."""

    acts_per_one_off_contact: ActsPerContact
    regular_clients_per_sex_worker: PerSexWorker
    rate_regular_client_formation_per_year: Rate
    dur_regular_client_years: Dur
    acts_per_week_regular_client: PerWeek
    dur_intimate_partnership_years: Dur
    acts_per_week_intimate_partner: PerWeek
    acts_per_week_client_partner: PerWeek


class CondomParams(Section):
    """Condom use by partnership type: the mean share of acts protected, and its spread.

    ``prop_condom_*`` is the mean over sex workers of the chance that an act is
    protected (what "condom at last sex" measures). Sex workers differ: each has a
    condom-use propensity on the log-odds scale, ``sd_logit_*`` times her own standard
    normal (one for clients, one for her intimate partner), so some nearly always and
    some nearly never use condoms (processes/partnerships/). 0 makes every act an
    independent coin flip at the mean.

    ``power_odds_regular_client`` is how much of a sex worker's week's condom odds
    multiplier with clients (law, programme, violence: ``condom_odds_clients``) reaches
    her repeat clients, as a power on the multiplier: 1 the same as with one-off
    clients, 0 none (condom use with repeat clients stays at its baseline).
    """

    prop_condom_one_off: Prob
    prop_condom_regular_client: Prob
    prop_condom_intimate_partner: Prob
    prop_condom_client_partner: Prob
    sd_logit_condom_clients: Positive
    sd_logit_condom_intimate_partner: Positive
    power_odds_regular_client: Prob


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


class RegimeComponents(Section):
    """What a legal regime does; each component may be a timeline (processes/legal/).

    ``policing_intensity`` (of sex workers), ``client_policing_intensity`` (of clients,
    which also brings police to where sex workers work), ``or_condom_bargaining`` and
    ``rr_service_access`` are relative to the conditions under which the setting's
    baseline rates were observed (1 = as observed; client policing adds to the
    encounters that policing of sex workers brings); ``prop_condom_confiscation`` and
    ``prop_organising_capacity`` are absolute. Displacement and rushed negotiation are
    not a regime constant: they follow each police encounter (processes/violence/).
    """

    policing_intensity: Positive
    client_policing_intensity: Positive
    prop_condom_confiscation: Prob
    or_condom_bargaining: Positive
    rr_service_access: Positive
    prop_organising_capacity: Prob


class LegalParams(Section):
    """The legal regime now (a name or a step timeline of names) and what each does."""

    regime: Regime
    regimes: dict[str, RegimeComponents]

    @model_validator(mode="after")
    def _every_regime(self) -> LegalParams:
        missing = [r for r in REGIMES if r not in self.regimes]
        unknown = [r for r in self.regimes if r not in REGIMES]
        if missing or unknown:
            raise ValueError(f"legal.regimes must describe exactly {', '.join(REGIMES)}; "
                             f"missing: {missing or 'none'}, unknown: {unknown or 'none'}")
        return self


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


class CommunityGroupParams(Section):
    """One community group: who it can reach, when it began, and its money by source.

    Before ``founded_year`` the group does nothing (no members, outreach or money); in
    its first week ``prop_members_initial`` of the sex workers it covers are members
    and its cohesion is ``cohesion_initial``.
    """

    @model_validator(mode="after")
    def _constant_founding(self) -> CommunityGroupParams:
        _constant(self.founded_year, "founded_year")
        return self

    venues: list[str]
    founded_year: Positive
    prop_members_initial: Prob
    cohesion_initial: Prob
    donor_usd_per_year: Positive
    government_usd_per_year: Positive


class UnitCosts(Section):
    """What the items a group buys cost, in US dollars."""

    cost_outreach_worker_usd_per_year: Positive
    cost_clinic_visit_usd: Positive
    cost_condoms_usd_per_member_per_year: Positive
    cost_prep_usd_per_person_year: Positive
    cost_crisis_response_usd_per_case: Positive


class MobilisationParams(Section):
    """Community groups: outreach, membership, cohesion, empowerment, funding."""

    coverage_target: Prob
    sex_workers_per_outreach_worker: Above0
    rate_join_per_year: Rate
    rate_member_attrition_per_year: Rate
    rate_cohesion_growth_per_year: Rate
    rate_cohesion_loss_repression_per_year: Rate
    rate_cohesion_loss_funding_per_year: Rate
    rate_empowerment_gain_per_year: Rate
    rate_empowerment_loss_per_year: Rate
    or_condom_empowered: Positive
    or_condom_community: Positive
    or_condom_partner_community: Positive
    or_condom_without_supply: Positive
    rr_hiv_testing_member: Positive
    rr_art_dropout_member: Positive
    prop_policing_reduction_advocacy: Prob
    prop_crisis_response_reach: Prob
    income_usd_per_member_per_year: Positive
    rate_clinic_visit_per_year: Rate
    prop_sti_treated_at_visit: Prob
    prop_members_prep_target: Prob
    budget_priority: list[SpendingItem]
    prop_unspent_carried_over: Prob
    costs: UnitCosts
    groups: dict[str, CommunityGroupParams]

    @field_validator("groups")
    @classmethod
    def _group_names(cls, groups: dict[str, CommunityGroupParams]
                     ) -> dict[str, CommunityGroupParams]:
        check_names(groups, "a community group", RESERVED_GROUPS)
        return groups

    @field_validator("budget_priority", mode="before")
    @classmethod
    def _sourced_list(cls, raw: Any) -> Any:
        """Accept ``{ value = [...], source = "..." }`` as well as a bare list."""
        if isinstance(raw, dict) and set(raw) <= {"value", "source"} and "value" in raw:
            return raw["value"]
        return raw

    @model_validator(mode="after")
    def _priority_lists_every_item_once(self) -> MobilisationParams:
        if sorted(self.budget_priority) != sorted(SPENDING_ITEMS):
            raise ValueError(
                "budget_priority must list each of " + ", ".join(SPENDING_ITEMS)
                + f" exactly once (the order money is allocated in), got {self.budget_priority}")
        return self


class PrepParams(Section):
    """Oral PrEP offered to members by their group (processes/prep/)."""

    rate_uptake_per_year: Rate
    rate_discontinuation_per_year: Rate
    prop_adherence_high: Prob
    prop_adherence_medium: Prob
    efficacy_high_adherence: Prob
    efficacy_medium_adherence: Prob
    efficacy_low_adherence: Prob

    @model_validator(mode="after")
    def _shares(self) -> PrepParams:
        total = (_constant(self.prop_adherence_high, "prop_adherence_high")
                 + _constant(self.prop_adherence_medium, "prop_adherence_medium"))
        if total > 1 + 1e-9:
            raise ValueError("prop_adherence_high + prop_adherence_medium must be at most 1 "
                             f"(the rest have low adherence), not {total:g}")
        return self


class SettingParams(Section):
    """Everything that describes a place and period."""

    name: str
    description: str = ""
    burn_in_years: Count
    population: PopulationParams
    sex_workers: SexWorkerParams
    clients: ClientParams
    partners: PartnerParams
    partnerships: PartnershipParams
    condom: CondomParams
    hiv: HIVParams
    cascade: CascadeParams
    stis: dict[str, STIParams]
    legal: LegalParams
    violence: ViolenceParams
    mobilisation: MobilisationParams
    prep: PrepParams

    @field_validator("name")
    @classmethod
    def _safe_name(cls, name: str) -> str:
        return check_scenario_name(name, "a setting")

    @field_validator("stis")
    @classmethod
    def _sti_names(cls, stis: dict[str, STIParams]) -> dict[str, STIParams]:
        check_names(stis, "an STI", RESERVED_STIS)
        return stis

    @model_validator(mode="after")
    def _constant_burn_in(self) -> SettingParams:
        _constant(self.burn_in_years, "burn_in_years")
        return self

    @model_validator(mode="after")
    def _sti_count(self) -> SettingParams:
        if len(self.stis) > MAX_STIS:
            raise ValueError(f"stis: at most {MAX_STIS} STIs are supported (one status bit each), "
                             f"got {len(self.stis)}")
        return self

    @model_validator(mode="after")
    def _group_venues(self) -> SettingParams:
        venues = set(self.sex_workers.venues)
        seen: dict[str, str] = {}
        for name, group in self.mobilisation.groups.items():
            for v in group.venues:
                if v not in venues:
                    raise ValueError(f"mobilisation.groups.{name}.venues: unknown venue {v!r}; "
                                     f"venues are {', '.join(self.sex_workers.venues)}")
                if v in seen:
                    raise ValueError(f"mobilisation.groups.{name}.venues: venue {v!r} is in two "
                                     f"groups ({seen[v]} and {name}); "
                                     "each venue type belongs to at most one group")
                seen[v] = name
        if len(self.mobilisation.groups) > 100:
            raise ValueError("mobilisation.groups: at most 100 community groups are allowed")
        return self
