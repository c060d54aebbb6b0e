"""A community group's rules, as pure functions: money, need, services, cohesion, reach.

:class:`empower.agents.CommunityGroup` keeps a group's state (members, cohesion,
money) and :class:`empower.processes.mobilisation.process.Mobilisation` steps the groups;
both compute with these functions, which take numbers and give numbers, so each rule
is tested on its own (tests/test_mobilisation_rules.py). Money is in US dollars; rates
are per year.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from empower.units import DT_YEARS

__all__ = [
    "REPLANNING_HORIZON_WEEKS",
    "income_usd_per_year",
    "spendable_usd_per_year",
    "need_usd_per_year",
    "allocate",
    "funded_shares",
    "funded_fraction",
    "outreach_services",
    "expected_cases_per_member_year",
    "cohesion_step",
    "carried_over_usd",
    "join_rate_per_year",
    "local_policing",
    "community_condom_odds",
]

# A group spreads money in hand over the weeks left in the year, or a quarter when
# fewer are left, so the year's last weeks do not swing (an assumption).
REPLANNING_HORIZON_WEEKS = 13


def income_usd_per_year(donor: float, government: float, per_member: float, members: int,
                        cohesion: float, people_scale: float) -> dict[str, float]:
    """Income rates by source, at the run's people scale for donors and government.

    Self-generated income grows with members and cohesion.
    """
    return {"donor": donor * people_scale, "government": government * people_scale,
            "self_generated": per_member * members * cohesion}


def spendable_usd_per_year(income: float, in_hand: float, weeks_left: int) -> float:
    """What can be spent this week, as a rate per year.

    This week's income rate, plus the money in hand (``in_hand``: reserve carried in +
    income received, this week's included, - spending so far) less this week's income,
    spread over the weeks left in the year (at least ``REPLANNING_HORIZON_WEEKS``).
    Money a week's services did not use is so reallocated to the weeks left.
    """
    horizon_weeks = max(weeks_left, REPLANNING_HORIZON_WEEKS)
    return max(0.0, income + (in_hand - income * DT_YEARS) / (horizon_weeks * DT_YEARS))


def need_usd_per_year(members: int, target_members: float, people_per_worker: float,
                      rate_clinic_visit_per_year: float, prop_members_prep_target: float,
                      cases_per_member_year: float, prop_crisis_response_reach: float,
                      costs: Any) -> dict[str, float]:
    """What each item needs for a year at this week's rates, for actual members.

    * outreach: the coverage target's members / ``people_per_worker`` workers, each
      ``cost_outreach_worker_usd_per_year``;
    * clinic: members x visits a year x ``cost_clinic_visit_usd``;
    * condoms: members x ``cost_condoms_usd_per_member_per_year``;
    * prep: members x the PrEP target x ``cost_prep_usd_per_person_year``;
    * crisis_response: members x expected cases a member-year x the reach x
      ``cost_crisis_response_usd_per_case``.

    ``costs``: the unit costs (``mobilisation.costs`` at this year).
    """
    m = members
    return {
        "outreach": target_members / people_per_worker * costs.cost_outreach_worker_usd_per_year,
        "clinic": m * rate_clinic_visit_per_year * costs.cost_clinic_visit_usd,
        "condoms": m * costs.cost_condoms_usd_per_member_per_year,
        "prep": m * prop_members_prep_target * costs.cost_prep_usd_per_person_year,
        "crisis_response": m * cases_per_member_year * prop_crisis_response_reach
        * costs.cost_crisis_response_usd_per_case,
    }


def allocate(need: Mapping[str, float], spendable: float, priority: Iterable[str]
             ) -> dict[str, float]:
    """Money per item: in ``priority`` order each item gets its need or what is left.

    What is left after the last item is not spent this week. Items in ``need``'s order.
    """
    allocated = dict.fromkeys(need, 0.0)
    left = spendable
    for item in priority:
        allocated[item] = min(need[item], left)
        left -= allocated[item]
    return allocated


def funded_shares(need: Mapping[str, float], allocated: Mapping[str, float]
                  ) -> dict[str, float]:
    """Allocation over need per item (1 for an item that needs nothing)."""
    return {item: 1.0 if n <= 0 else allocated[item] / n for item, n in need.items()}


def funded_fraction(need: Mapping[str, float], allocated: Mapping[str, float]) -> float:
    """All items' allocation over their total need (1 when nothing is needed)."""
    total_need = sum(need.values())
    return 1.0 if total_need <= 0 else sum(allocated.values()) / total_need


def outreach_services(funded_share: Mapping[str, float], target_members: float,
                      members: int, people_per_worker: float,
                      prop_members_prep_target: float) -> tuple[float, float, float]:
    """What the allocation buys: (outreach workers, peer support, PrEP slots).

    Outreach workers: the outreach item's funded share of the target's workers; peer
    support: the share of members they can support (at most 1; 0 without members);
    PrEP slots: the PrEP item's funded share of the members' target.
    """
    workers = funded_share["outreach"] * target_members / people_per_worker
    peer_support = min(1.0, workers * people_per_worker / members) if members else 0.0
    prep_slots = funded_share["prep"] * members * prop_members_prep_target
    return workers, peer_support, prep_slots


def expected_cases_per_member_year(last_year_rate: float | None, rate_client: float,
                                   rate_partner: float, rate_police: float,
                                   policing_intensity: float) -> float:
    """Violence events a member can expect in a year.

    Last year's events among the group's members per member-year; before a year has
    passed (``None``), the setting's base rates: client + partner + police at the
    regime's policing intensity.
    """
    if last_year_rate is not None:
        return last_year_rate
    return rate_client + rate_partner + rate_police * policing_intensity


def cohesion_step(cohesion: float, coverage: float, funded_fraction: float,
                  organising_capacity: float, policing_intensity: float, rate_growth: float,
                  rate_loss_repression: float, rate_loss_funding: float,
                  dt_years: float) -> float:
    """Cohesion C after one Euler step of ``dt_years``, clipped to [0, 1].

    dC/dt = growth x organising capacity x coverage x (1 - C)
            - loss_repression x policing intensity x C
            - loss_funding x (1 - funded fraction) x C
    """
    growth = rate_growth * organising_capacity * coverage * (1.0 - cohesion)
    loss = (rate_loss_repression * policing_intensity
            + rate_loss_funding * (1.0 - funded_fraction)) * cohesion
    return min(1.0, max(0.0, cohesion + dt_years * (growth - loss)))


def carried_over_usd(unspent_usd: float, prop_carried_over: float) -> float:
    """Next year's reserve: a share of this year's unspent money (none if overspent)."""
    return prop_carried_over * max(0.0, unspent_usd)


def join_rate_per_year(rate_join: float, outreach_workers: float, people_per_worker: float,
                       covered: int, coverage: float) -> float:
    """A non-member's rate of joining: ``rate_join`` x (reach - coverage) / (1 - coverage).

    Reach = min(1, outreach workers x ``people_per_worker`` / covered), so recruitment
    saturates as coverage nears reach; no workers (or nobody covered), no recruitment.
    """
    reach = min(1.0, outreach_workers * people_per_worker / covered) if covered else 0.0
    room = (reach - coverage) / (1.0 - coverage) if coverage < 1 else 0.0
    return rate_join * max(room, 0.0)


def local_policing(policing_intensity: float, reduction: float, cohesion: float,
                   coverage: float) -> float:
    """Policing where a group works: the regime's, lowered by the group's advocacy.

    ``policing_intensity`` x (1 - ``reduction`` x cohesion x coverage).
    """
    return policing_intensity * (1.0 - reduction * cohesion * coverage)


def community_condom_odds(odds_ratio: float, cohesion: float, coverage: float,
                          founded: bool) -> float:
    """A mobilised community's condom norms: ``odds_ratio ** (cohesion x coverage)``.

    They reach every sex worker the group covers, members or not; 1 before the group
    is founded.
    """
    return odds_ratio ** (cohesion * coverage) if founded else 1.0
