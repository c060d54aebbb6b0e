"""Mesa agents. People are thin views over a row of the population table.

A view holds only the model and a uid; every attribute reads the arrays, so a view
is always current and costs nothing while unused. Views are made on demand
(``model.person(uid)``, ``model.views(group)``) for inspection, tests and dashboards;
the step loop never touches them, so a run of a million people makes no objects.

``CommunityGroup`` is an agent with real behaviour: a sex worker-led organisation with
members, cohesion and a budget, stepped each week by the mobilisation process
(:mod:`empower.processes.mobilisation`), which acts on its members' rows in bulk.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa

from empower.parameters import SPENDING_ITEMS
from empower.population import GENDER_NAMES, GROUP_NAMES
from empower.timeline import value_at
from empower.units import DT_YEARS, STEPS_PER_YEAR

if TYPE_CHECKING:
    from empower.model import EmpowerModel
    from empower.processes.legal.process import LegalNow

__all__ = ["PersonView", "SexWorker", "Client", "Partner", "CommunityGroup"]

# A group spreads money in hand over the weeks left in the year, or a quarter when
# fewer are left (an assumption: it re-plans about quarterly).
REPLANNING_HORIZON_WEEKS = 13


class PersonView(mesa.Agent):
    """A read-only view of one person.

    Views are made on demand for inspection and are not registered in the model's
    agents (``model.agents`` holds the community groups, the model's real agents):
    Mesa registers every new agent, so the view is taken out of the registry again.
    """

    def __init__(self, model: EmpowerModel, uid: int):
        super().__init__(model)
        model.deregister_agent(self)
        self.uid = int(uid)

    def remove(self) -> None:
        """Nothing to deregister: a view is never in the model's agents."""

    @property
    def group(self) -> str:
        """sex_workers, clients, partners_of_sex_workers or partners_of_clients."""
        return GROUP_NAMES[int(self.model.pop.group[self.uid])]

    @property
    def gender(self) -> str:
        """female, trans or male."""
        return GENDER_NAMES[int(self.model.pop.gender[self.uid])]

    @property
    def age_years(self) -> float:
        """Age now, derived from the birth year."""
        return float(self.model.year - self.model.pop.birth_year[self.uid])

    @property
    def present(self) -> bool:
        """Whether the person is in the model now."""
        pop = self.model.pop
        return bool(pop.entry_year[self.uid] <= self.model.year < pop.exit_year[self.uid])

    @property
    def hiv_stage(self) -> str:
        """none, acute, chronic, late or terminal (from infection and death times)."""
        pop, year = self.model.pop, self.model.year
        infected = pop.hiv_infected_year[self.uid]
        if math.isnan(infected) or infected > year:
            return "none"
        h = self.model.params.hiv
        if year - infected < value_at(h.dur_acute_years, year):
            return "acute"
        terminal = value_at(h.dur_terminal_years, year)
        if year >= pop.hiv_death_year[self.uid] - terminal:
            return "terminal"
        if year >= pop.hiv_death_year[self.uid] - terminal - value_at(h.dur_late_years, year):
            return "late"
        return "chronic"

    @property
    def stis(self) -> list[str]:
        """The STIs this person has now."""
        pop, year = self.model.pop, self.model.year
        return [
            name for k, name in enumerate(self.model.params.stis)
            if pop.sti_infected_year[self.uid, k] <= year < pop.sti_clear_year[self.uid, k]
        ]

    def row(self) -> dict[str, object]:
        """Every stored column for this person."""
        return self.model.pop.row(self.uid)

    def step(self) -> None:
        """Views do nothing on their own."""


class SexWorker(PersonView):
    """A sex worker (view)."""

    @property
    def working(self) -> bool:
        """Present and not paused (derived)."""
        pop = self.model.pop
        return self.present and bool(pop.pause_until_year[self.uid] <= self.model.year)

    @property
    def venue(self) -> str:
        """The venue type's name."""
        return list(self.model.params.sex_workers.venues)[int(self.model.pop.venue[self.uid])]

    @property
    def years_in_sex_work(self) -> float:
        """Time since entry into sex work."""
        return float(self.model.year - self.model.pop.entry_year[self.uid])


class Client(PersonView):
    """A client (view)."""

    @property
    def visits_per_week(self) -> float:
        """Mean visits to sex workers a week."""
        return float(self.model.pop.visits_per_week[self.uid])

    @property
    def circumcised(self) -> bool:
        """Whether he is circumcised."""
        return bool(self.model.pop.circumcised[self.uid])


class Partner(PersonView):
    """A non-paying partner of a sex worker or of a client (view)."""

    @property
    def partner_uid(self) -> int:
        """The uid of the sex worker or client this person is partnered with."""
        return int(self.model.pop.partner_uid[self.uid])


class CommunityGroup(mesa.Agent):
    """A sex worker-led community group (Ashodaya Samithi, APROASE, ...).

    It covers the sex workers of some venue types; its members are those of them with
    a ``member_since_year``. Each week :meth:`plan` turns this year's money into what
    the group can do, and :meth:`update_cohesion` moves its collective efficacy.

    Money is per year: each week's plan allocates what is left of this year's money
    (income and the reserve carried into the year) over the weeks left; spending is
    booked as services are used. At the year's end (:meth:`close_year`) what was not
    spent is ``unspent_usd`` and ``prop_unspent_carried_over`` of it is next year's
    reserve.

    Attributes:
        name: The group's key in ``mobilisation.groups``.
        index: Its position (0, 1, ...) among the setting's groups.
        venues: Indices of the venue types it covers.
        founded: Whether its ``founded_year`` has come (before it, it does nothing).
        cohesion: Collective efficacy, 0 to 1.
        covered: Sex workers present in its venues (this week).
        members: Its members present (this week).
        income_usd_per_year: This week's income rates by source (donor, government,
            self_generated), at the run's people scale.
        reserve_usd: Money carried into this year from the last.
        received_usd: Income received so far this year.
        weeks_planned: Weeks of this year planned so far.
        need_usd_per_year: What each item (SPENDING_ITEMS) needs at this week's rates.
        allocated_usd_per_year: What the budget gives each item, in priority order.
        funded_share: Allocated over need, per item (1 when an item needs nothing).
        funded_fraction: All items' allocation over their total need (at most 1).
        outreach_workers: Outreach workers it pays for this week (full-time equivalents).
        outreach_worker_years: Outreach worker-years paid so far this year.
        peer_support: Share of members its outreach workers can support (0 to 1).
        prep_slots: PrEP users it can pay for.
        spending_usd: This year's spending so far, by item.
        member_cases: Violence against its members so far this year (events).
        member_weeks: Member-weeks so far this year (the cases' denominator).
        member_case_rate_per_year: Violence events per member-year last year (None
            before a year has passed: the setting's base rates are used).
    """

    def __init__(self, model: EmpowerModel, name: str, index: int, venues: list[int],
                 cohesion: float):
        super().__init__(model)
        self.name = name
        self.index = index
        self.venues = list(venues)
        self.cohesion = float(cohesion)
        self.covered = 0
        self.members = 0
        self.income_usd_per_year = {"donor": 0.0, "government": 0.0, "self_generated": 0.0}
        self.reserve_usd = 0.0
        self.need_usd_per_year = dict.fromkeys(SPENDING_ITEMS, 0.0)
        self.allocated_usd_per_year = dict.fromkeys(SPENDING_ITEMS, 0.0)
        self.funded_share = dict.fromkeys(SPENDING_ITEMS, 1.0)
        self.funded_fraction = 1.0
        self.outreach_workers = 0.0
        self.peer_support = 0.0
        self.prep_slots = 0.0
        self.member_case_rate_per_year: float | None = None
        self.founded = False
        self.reset_spending()

    def reset_spending(self) -> None:
        """Start a new year of spending, income and member cases."""
        self.spending_usd = dict.fromkeys(SPENDING_ITEMS, 0.0)
        self.received_usd = 0.0
        self.member_cases = 0
        self.member_weeks = 0
        self.weeks_planned = 0
        self.outreach_worker_years = 0.0

    @property
    def coverage(self) -> float:
        """Members as a share of the sex workers it covers."""
        return self.members / self.covered if self.covered else 0.0

    @property
    def budget_usd(self) -> float:
        """The year's money so far: the reserve carried in plus income received."""
        return self.reserve_usd + self.received_usd

    @property
    def unspent_usd(self) -> float:
        """The year's money not (yet) spent."""
        return self.budget_usd - sum(self.spending_usd.values())

    def plan(self, covered: int, members: int, law: LegalNow) -> None:
        """Plan the week: income, need by item, allocation in priority order, services.

        1. Income (a rate per year): donor and government timelines (times the people
           scale) plus self-generated income, which grows with members and cohesion;
           a week of it is received. What can be spent, as a rate per year: this
           week's income rate, plus the money in hand before it (reserve carried in +
           income received - spending so far) spread over the weeks left in the year
           (at least ``REPLANNING_HORIZON_WEEKS``). Money a week's services did not use
           (fewer visits or cases than planned) is so reallocated to the weeks left.
        2. Need by item, a year at this week's rates, for actual members and expected
           cases (:meth:`need_usd_per_year_by_item`).
        3. Allocation: items in ``budget_priority`` order, each gets its need or what
           is left; what is left after the last is not spent this week (what is still
           unspent at the year's end is carried over, :meth:`close_year`).
        4. Services, each item's funded share s of its need: outreach workers
           s x the target's workers; clinic visits, condom supply and crisis response
           at s of members' need (read by clinics, mobilisation and violence); PrEP
           slots s x the members' target; peer support min(1, workers x
           ``sex_workers_per_outreach_worker`` / members).
        """
        model = self.model
        p, year = model.params.mobilisation, model.year
        g = p.groups[self.name]
        self.covered, self.members = int(covered), int(members)
        self.income_usd_per_year = {
            "donor": value_at(g.donor_usd_per_year, year) * model.people_scale,
            "government": value_at(g.government_usd_per_year, year) * model.people_scale,
            "self_generated": (value_at(p.income_usd_per_member_per_year, year)
                               * self.members * self.cohesion),
        }
        income = sum(self.income_usd_per_year.values())
        self.received_usd += income * DT_YEARS
        self.member_weeks += self.members
        # money in hand plus the rest of the year's income, spread over the weeks left
        # (at least a quarter's, so the year's last weeks do not swing)
        weeks_left = STEPS_PER_YEAR - self.weeks_planned
        self.weeks_planned += 1
        horizon_weeks = max(weeks_left, REPLANNING_HORIZON_WEEKS)
        in_hand = self.budget_usd - sum(self.spending_usd.values())
        left = max(0.0, income + (in_hand - income * DT_YEARS) / (horizon_weeks * DT_YEARS))
        self.need_usd_per_year = self.need_usd_per_year_by_item(law)
        for item in p.budget_priority:
            self.allocated_usd_per_year[item] = min(self.need_usd_per_year[item], left)
            left -= self.allocated_usd_per_year[item]
        self.funded_share = {
            item: 1.0 if need <= 0 else self.allocated_usd_per_year[item] / need
            for item, need in self.need_usd_per_year.items()}
        total_need = sum(self.need_usd_per_year.values())
        self.funded_fraction = (1.0 if total_need <= 0
                                else sum(self.allocated_usd_per_year.values()) / total_need)
        per_worker = value_at(p.sex_workers_per_outreach_worker, year)
        self.outreach_workers = (self.funded_share["outreach"]
                                 * self.target_members() / per_worker)
        self.outreach_worker_years += self.outreach_workers * DT_YEARS
        self.peer_support = (min(1.0, self.outreach_workers * per_worker / self.members)
                             if self.members else 0.0)
        self.prep_slots = (self.funded_share["prep"] * self.members
                           * value_at(p.prop_members_prep_target, year))

    def target_members(self) -> float:
        """Members the coverage target asks for: target x sex workers covered."""
        return value_at(self.model.params.mobilisation.coverage_target,
                        self.model.year) * self.covered

    def expected_cases_per_member_year(self, law: LegalNow) -> float:
        """Violence events a member can expect in a year.

        Last year's events among the group's members per member-year; before a year
        has passed, the setting's base rates (client + partner + police at the
        regime's policing intensity).
        """
        if self.member_case_rate_per_year is not None:
            return self.member_case_rate_per_year
        model = self.model
        v, year = model.params.violence, model.year
        return (value_at(v.rate_client_violence_per_year, year)
                + value_at(v.rate_partner_violence_per_year, year)
                + value_at(v.rate_police_violence_per_year, year)
                * law.policing_intensity)

    def need_usd_per_year_by_item(self, law: LegalNow) -> dict[str, float]:
        """What each item needs for a year at this week's rates (US dollars).

        * outreach: the coverage target's members / ``sex_workers_per_outreach_worker``
          workers, each ``cost_outreach_worker_usd_per_year``;
        * clinic: members x ``rate_clinic_visit_per_year`` x ``cost_clinic_visit_usd``;
        * condoms: members x ``cost_condoms_usd_per_member_per_year``;
        * crisis_response: members x expected cases per member-year
          (:meth:`expected_cases_per_member_year`) x ``prop_crisis_response_reach`` x
          ``cost_crisis_response_usd_per_case``;
        * prep: members x ``prop_members_prep_target`` x ``cost_prep_usd_per_person_year``.
        """
        model = self.model
        p, year = model.params.mobilisation, model.year
        c, m = p.costs, self.members
        return {
            "outreach": self.target_members() / value_at(p.sex_workers_per_outreach_worker, year)
            * value_at(c.cost_outreach_worker_usd_per_year, year),
            "clinic": m * value_at(p.rate_clinic_visit_per_year, year)
            * value_at(c.cost_clinic_visit_usd, year),
            "condoms": m * value_at(c.cost_condoms_usd_per_member_per_year, year),
            "prep": m * value_at(p.prop_members_prep_target, year)
            * value_at(c.cost_prep_usd_per_person_year, year),
            "crisis_response": m * self.expected_cases_per_member_year(law)
            * value_at(p.prop_crisis_response_reach, year)
            * value_at(c.cost_crisis_response_usd_per_case, year),
        }

    def close_year(self) -> None:
        """End the year: carry money over, learn members' case rate, reset the counts.

        Next year's reserve is ``prop_unspent_carried_over`` x this year's unspent
        money; the members' violence rate per member-year plans next year's crisis
        response.
        """
        carried = value_at(self.model.params.mobilisation.prop_unspent_carried_over,
                           self.model.year)
        self.reserve_usd = carried * max(0.0, self.unspent_usd)
        if self.member_weeks:
            self.member_case_rate_per_year = self.member_cases / (self.member_weeks * DT_YEARS)
        self.reset_spending()

    def update_cohesion(self, dt_years: float, law: LegalNow) -> None:
        """Move cohesion C one step (Euler, clipped to [0, 1]).

        The equation:

        dC/dt = growth x organising capacity x coverage x (1 - C)
                - loss_repression x policing intensity x C
                - loss_funding x (1 - funded fraction) x C
        """
        model = self.model
        p, year = model.params.mobilisation, model.year
        growth = (value_at(p.rate_cohesion_growth_per_year, year)
                  * law.prop_organising_capacity * self.coverage * (1.0 - self.cohesion))
        loss = (value_at(p.rate_cohesion_loss_repression_per_year, year)
                * law.policing_intensity
                + value_at(p.rate_cohesion_loss_funding_per_year, year)
                * (1.0 - self.funded_fraction)) * self.cohesion
        self.cohesion = min(1.0, max(0.0, self.cohesion + dt_years * (growth - loss)))

    def book(self, item: str, usd: float) -> None:
        """Add spending on ``item`` (one of SPENDING_ITEMS)."""
        self.spending_usd[item] += usd

    def step(self) -> None:
        """Stepped in bulk by the mobilisation process, never on its own."""
