"""Mesa agents. People are thin views over a row of the population table.

A view holds only its site (:class:`empower.site.Site`) and a uid; every attribute
reads the site's arrays, so a view is always current and costs nothing while unused.
Views are made on demand (``model.person(uid)``, ``model.views(group)``) for
inspection, tests and dashboards;
the step loop never touches them, so a run of a million people makes no objects.

``CommunityGroup`` is an agent with real behaviour: a sex worker-led organisation with
members, cohesion and a budget, stepped each week by the mobilisation process
(:mod:`empower.processes.mobilisation`), which acts on its members' rows in bulk.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa
import numpy as np

from empower.population import GENDER_NAMES, GROUP_NAMES
from empower.processes.mobilisation import rules
from empower.processes.mobilisation.parameters import SPENDING_ITEMS
from empower.units import DT_YEARS, STEPS_PER_YEAR

if TYPE_CHECKING:
    from empower.processes.legal.process import LegalNow
    from empower.site import Site

__all__ = ["PersonView", "SexWorker", "Client", "Partner", "CommunityGroup"]



class PersonView(mesa.Agent):
    """A read-only view of one person.

    Views are made on demand for inspection and are not registered in the model's
    agents (``model.agents`` holds the community groups, the model's real agents):
    Mesa registers every new agent, so the view is taken out of the registry again.
    """

    def __init__(self, site: Site, uid: int):
        super().__init__(site.model)
        site.model.deregister_agent(self)
        self.site = site
        self.uid = int(uid)
        self.row_of(site, self.uid)  # IndexError now if there is no such person

    @staticmethod
    def row_of(site: Site, uid: int) -> int:
        """The row of person ``uid`` in the site's table now (rows move at year ends).

        Raises:
            IndexError: If no one has that uid, or they left before this year.
        """
        row = site.pop.rows_of(np.array([uid], dtype=np.int64))[0]
        if row < 0:
            raise IndexError(f"no person with uid {uid} (people who left are dropped "
                             f"at the first week of the year after; uids run from 0 to "
                             f"{site.pop.next_uid - 1})")
        return int(row)

    @property
    def _row(self) -> int:
        return self.row_of(self.site, self.uid)

    def remove(self) -> None:
        """Nothing to deregister: a view is never in the model's agents."""

    @property
    def group(self) -> str:
        """sex_workers, clients, partners_of_sex_workers or partners_of_clients."""
        return GROUP_NAMES[int(self.site.pop.group[self._row])]

    @property
    def gender(self) -> str:
        """female, trans or male."""
        return GENDER_NAMES[int(self.site.pop.gender[self._row])]

    @property
    def age_years(self) -> float:
        """Age now, derived from the birth year."""
        return float(self.site.year - self.site.pop.birth_year[self._row])

    @property
    def present(self) -> bool:
        """Whether the person is in the model now."""
        pop = self.site.pop
        return bool(pop.entry_year[self._row] <= self.site.year < pop.exit_year[self._row])

    @property
    def hiv_stage(self) -> str:
        """none, acute, chronic, late or terminal (from infection and death times)."""
        pop, year = self.site.pop, self.site.year
        infected = pop.hiv_infected_year[self._row]
        if math.isnan(infected) or infected > year:
            return "none"
        h = self.site.now.hiv
        if year - infected < h.dur_acute_years:
            return "acute"
        terminal = h.dur_terminal_years
        if year >= pop.hiv_death_year[self._row] - terminal:
            return "terminal"
        if year >= pop.hiv_death_year[self._row] - terminal - h.dur_late_years:
            return "late"
        return "chronic"

    @property
    def stis(self) -> list[str]:
        """The STIs this person has now."""
        pop, year = self.site.pop, self.site.year
        return [
            name for k, name in enumerate(self.site.now.stis)
            if pop.sti_infected_year[self._row, k] <= year < pop.sti_clear_year[self._row, k]
        ]

    def row(self) -> dict[str, object]:
        """Every stored column for this person."""
        return self.site.pop.row(self._row)

    def step(self) -> None:
        """Views do nothing on their own."""


class SexWorker(PersonView):
    """A sex worker (view)."""

    @property
    def working(self) -> bool:
        """Present and not paused (derived)."""
        pop = self.site.pop
        return self.present and bool(pop.pause_until_year[self._row] <= self.site.year)

    @property
    def venue(self) -> str:
        """The venue type's name."""
        return list(self.site.now.sex_workers.venues)[int(self.site.pop.venue[self._row])]

    @property
    def years_in_sex_work(self) -> float:
        """Time since entry into sex work."""
        return float(self.site.year - self.site.pop.entry_year[self._row])


class Client(PersonView):
    """A client (view)."""

    @property
    def visits_per_week(self) -> float:
        """Mean visits to sex workers a week."""
        return float(self.site.pop.visits_per_week[self._row])

    @property
    def circumcised(self) -> bool:
        """Whether he is circumcised."""
        return bool(self.site.pop.circumcised[self._row])


class Partner(PersonView):
    """A non-paying partner of a sex worker or of a client (view)."""

    @property
    def partner_uid(self) -> int:
        """The uid of the sex worker or client this person is partnered with (-1 none)."""
        pop = self.site.pop
        row = int(pop.partner_row[self._row])
        return int(pop.uid[row]) if row >= 0 else -1


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

    def __init__(self, site: Site, name: str, index: int, venues: list[int],
                 cohesion: float):
        super().__init__(site.model)
        self.site = site
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

        The rules are pure functions in :mod:`empower.processes.mobilisation.rules`:

        1. Income (a rate per year, :func:`~rules.income_usd_per_year`): donor and
           government timelines (times the people scale) plus self-generated income,
           which grows with members and cohesion; a week of it is received. What can
           be spent (:func:`~rules.spendable_usd_per_year`): this week's income rate
           plus the money in hand spread over the weeks left in the year (at least
           ``REPLANNING_HORIZON_WEEKS``), so money a week's services did not use is
           reallocated to the weeks left.
        2. Need by item, a year at this week's rates, for actual members and expected
           cases (:meth:`need_usd_per_year_by_item`).
        3. Allocation (:func:`~rules.allocate`): items in ``budget_priority`` order,
           each gets its need or what is left; what is left after the last is not
           spent this week (what is still unspent at the year's end is carried over,
           :meth:`close_year`).
        4. Services (:func:`~rules.outreach_services`), each item's funded share s of
           its need: outreach workers s x the target's workers; clinic visits, condom
           supply and crisis response at s of members' need (read by clinics,
           mobilisation and violence); PrEP slots s x the members' target; peer
           support min(1, workers x ``sex_workers_per_outreach_worker`` / members).
        """
        site = self.site
        p = site.now.mobilisation
        g = p.groups[self.name]
        self.covered, self.members = int(covered), int(members)
        self.income_usd_per_year = rules.income_usd_per_year(
            g.donor_usd_per_year, g.government_usd_per_year, p.income_usd_per_member_per_year,
            self.members, self.cohesion, site.people_scale)
        income = sum(self.income_usd_per_year.values())
        self.received_usd += income * DT_YEARS
        self.member_weeks += self.members
        weeks_left = STEPS_PER_YEAR - self.weeks_planned
        self.weeks_planned += 1
        in_hand = self.budget_usd - sum(self.spending_usd.values())
        spendable = rules.spendable_usd_per_year(income, in_hand, weeks_left)
        self.need_usd_per_year = self.need_usd_per_year_by_item(law)
        self.allocated_usd_per_year = rules.allocate(self.need_usd_per_year, spendable,
                                                     p.budget_priority)
        self.funded_share = rules.funded_shares(self.need_usd_per_year,
                                                self.allocated_usd_per_year)
        self.funded_fraction = rules.funded_fraction(self.need_usd_per_year,
                                                     self.allocated_usd_per_year)
        self.outreach_workers, self.peer_support, self.prep_slots = rules.outreach_services(
            self.funded_share, self.target_members(), self.members,
            p.sex_workers_per_outreach_worker, p.prop_members_prep_target)
        self.outreach_worker_years += self.outreach_workers * DT_YEARS

    def target_members(self) -> float:
        """Members the coverage target asks for: target x sex workers covered."""
        return self.site.now.mobilisation.coverage_target * self.covered

    def expected_cases_per_member_year(self, law: LegalNow) -> float:
        """Violence events a member can expect in a year.

        Last year's events among the group's members per member-year; before a year
        has passed, the setting's base rates at the regime's policing intensity
        (:func:`~rules.expected_cases_per_member_year`).
        """
        v = self.site.now.violence
        return rules.expected_cases_per_member_year(
            self.member_case_rate_per_year, v.rate_client_violence_per_year,
            v.rate_partner_violence_per_year, v.rate_police_violence_per_year,
            law.policing_intensity)

    def need_usd_per_year_by_item(self, law: LegalNow) -> dict[str, float]:
        """What each item needs for a year at this week's rates (:func:`~rules.need_usd_per_year`).

        For actual members, the coverage target's outreach workers and the members'
        expected cases (:meth:`expected_cases_per_member_year`).
        """
        p = self.site.now.mobilisation
        return rules.need_usd_per_year(
            self.members, self.target_members(), p.sex_workers_per_outreach_worker,
            p.rate_clinic_visit_per_year, p.prop_members_prep_target,
            self.expected_cases_per_member_year(law), p.prop_crisis_response_reach, p.costs)

    def close_year(self) -> None:
        """End the year: carry money over, learn members' case rate, reset the counts.

        Next year's reserve is ``prop_unspent_carried_over`` x this year's unspent
        money (:func:`~rules.carried_over_usd`); the members' violence rate per
        member-year plans next year's crisis response.
        """
        self.reserve_usd = rules.carried_over_usd(
            self.unspent_usd, self.site.now.mobilisation.prop_unspent_carried_over)
        if self.member_weeks:
            self.member_case_rate_per_year = self.member_cases / (self.member_weeks * DT_YEARS)
        self.reset_spending()

    def update_cohesion(self, dt_years: float, law: LegalNow) -> None:
        """Move cohesion one step with the law's organising capacity and policing.

        :func:`~rules.cohesion_step`: growth with coverage and organising capacity,
        losses with repression and funding cuts, clipped to [0, 1].
        """
        p = self.site.now.mobilisation
        self.cohesion = rules.cohesion_step(
            self.cohesion, self.coverage, self.funded_fraction, law.prop_organising_capacity,
            law.policing_intensity, p.rate_cohesion_growth_per_year,
            p.rate_cohesion_loss_repression_per_year, p.rate_cohesion_loss_funding_per_year,
            dt_years)

    def book(self, item: str, usd: float) -> None:
        """Add spending on ``item`` (one of SPENDING_ITEMS)."""
        self.spending_usd[item] += usd

    def step(self) -> None:
        """Stepped in bulk by the mobilisation process, never on its own."""
