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

if TYPE_CHECKING:
    from empower.model import EmpowerModel

__all__ = ["PersonView", "SexWorker", "Client", "Partner", "CommunityGroup"]


class PersonView(mesa.Agent):
    """A read-only view of one person."""

    def __init__(self, model: EmpowerModel, uid: int):
        super().__init__(model)
        self.uid = int(uid)

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
        """none, acute, chronic or late (derived from infection and death times)."""
        pop, year = self.model.pop, self.model.year
        infected = pop.hiv_infected_year[self.uid]
        if math.isnan(infected) or infected > year:
            return "none"
        h = self.model.params.hiv
        if year - infected < value_at(h.dur_acute_years, year):
            return "acute"
        if year >= pop.hiv_death_year[self.uid] - value_at(h.dur_late_years, year):
            return "late"
        return "chronic"

    @property
    def stis(self) -> list[str]:
        """The STIs this person has now."""
        pop, year = self.model.pop, self.model.year
        return [
            name for k, name in enumerate(self.model.stis.names)
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

    Attributes:
        name: The group's key in ``mobilisation.groups``.
        index: Its position (0, 1, ...) among the setting's groups.
        venues: Indices of the venue types it covers.
        cohesion: Collective efficacy, 0 to 1.
        covered: Sex workers present in its venues (this week).
        members: Its members present (this week).
        budget_usd_per_year: This year's money by source (donor, government,
            self_generated), at the run's people scale.
        funded_fraction: Budget over what the coverage target needs (at most 1).
        outreach_workers: Outreach worker-years it pays for (full-time equivalents).
        capacity_per_member: Share of members its services can serve (0 to 1).
        prep_slots: PrEP users it can pay for.
        spending_usd: This year's spending so far, by item (SPENDING_ITEMS).
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
        self.budget_usd_per_year = {"donor": 0.0, "government": 0.0, "self_generated": 0.0}
        self.funded_fraction = 1.0
        self.outreach_workers = 0.0
        self.capacity_per_member = 0.0
        self.prep_slots = 0.0
        self.reset_spending()

    def reset_spending(self) -> None:
        """Start a new year of spending."""
        self.spending_usd = dict.fromkeys(SPENDING_ITEMS, 0.0)

    @property
    def coverage(self) -> float:
        """Members as a share of the sex workers it covers."""
        return self.members / self.covered if self.covered else 0.0

    def plan(self, covered: int, members: int) -> None:
        """Plan the week: budget by source, and what it buys for the coverage target.

        1. Budget: donor and government timelines (times the people scale) plus
           self-generated income, which grows with members and cohesion.
        2. Need: the coverage target's members (target x covered) each need outreach
           (one worker per ``sex_workers_per_outreach_worker``), clinic visits,
           condoms, crisis response for their expected violence, and PrEP for the
           ``prop_members_prep_target`` share.
        3. Funded fraction f = min(1, budget / need); every item gets f of its need
           (proportional rationing), so the group pays f x target members' services
           and f x the target's outreach workers.
        """
        model = self.model
        p, year = model.params.mobilisation, model.year
        g = p.groups[self.name]
        self.covered, self.members = int(covered), int(members)
        self.budget_usd_per_year = {
            "donor": value_at(g.donor_usd_per_year, year) * model.people_scale,
            "government": value_at(g.government_usd_per_year, year) * model.people_scale,
            "self_generated": (value_at(p.income_usd_per_member_per_year, year)
                               * self.members * self.cohesion),
        }
        budget = sum(self.budget_usd_per_year.values())
        target_members = value_at(p.coverage_target, year) * self.covered
        need = target_members * self.need_usd_per_member()
        self.funded_fraction = 1.0 if need <= 0 else min(1.0, budget / need)
        funded_members = self.funded_fraction * target_members
        self.outreach_workers = funded_members / value_at(p.sex_workers_per_outreach_worker,
                                                          year)
        self.capacity_per_member = min(1.0, funded_members / self.members) if self.members else 0.0
        self.prep_slots = funded_members * value_at(p.prop_members_prep_target, year)

    def need_usd_per_member(self) -> float:
        """What one target member's share of the programme costs a year."""
        model = self.model
        p, v, year = model.params.mobilisation, model.params.violence, model.year
        c = p.costs
        expected_cases = (value_at(v.rate_client_violence_per_year, year)
                          + value_at(v.rate_partner_violence_per_year, year)
                          + value_at(v.rate_police_violence_per_year, year)
                          * model.legal.now.policing_intensity)
        return (value_at(c.cost_outreach_worker_usd_per_year, year)
                / value_at(p.sex_workers_per_outreach_worker, year)
                + value_at(p.rate_clinic_visit_per_year, year)
                * value_at(c.cost_clinic_visit_usd, year)
                + value_at(c.cost_condoms_usd_per_member_per_year, year)
                + expected_cases * value_at(c.cost_crisis_response_usd_per_case, year)
                + value_at(p.prop_members_prep_target, year)
                * value_at(c.cost_prep_usd_per_person_year, year))

    def update_cohesion(self, dt_years: float) -> None:
        """Move cohesion C one step (Euler, clipped to [0, 1]).

        The equation:

        dC/dt = growth x organising capacity x coverage x (1 - C)
                - loss_repression x policing intensity x C
                - loss_funding x (1 - funded fraction) x C
        """
        model = self.model
        p, year, law = model.params.mobilisation, model.year, model.legal.now
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
