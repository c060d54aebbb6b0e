"""The mobilisation section: community groups, their money, outreach and effects."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import field_validator, model_validator

from empower.core.parameter_types import Above0, Positive, Prob, Rate, Section, constant
from empower.names import RESERVED_GROUPS, check_names

__all__ = ["SPENDING_ITEMS", "CommunityGroupParams", "UnitCosts", "MobilisationParams"]


# What a community group's budget buys.
SPENDING_ITEMS = ("outreach", "clinic", "condoms", "prep", "crisis_response")
SpendingItem = Literal["outreach", "clinic", "condoms", "prep", "crisis_response"]


class CommunityGroupParams(Section):
    """One community group: who it can reach, when it began, and its money by source.

    Before ``founded_year`` the group does nothing (no members, outreach or money); in
    its first week ``prop_members_initial`` of the sex workers it covers are members
    and its cohesion is ``cohesion_initial``.
    """

    @model_validator(mode="after")
    def _constant_founding(self) -> CommunityGroupParams:
        constant(self.founded_year, "founded_year")
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
