"""Community mobilisation: community groups and what they do for their members.

Groups recruit through peer outreach, build cohesion, raise their members'
empowerment and advocate with police, as far as money and law allow.

Each group in ``mobilisation.groups`` is a :class:`empower.agents.CommunityGroup`
(a Mesa agent) covering the sex workers of some venue types. A sex worker is a member
while her ``member_since_year`` is set; members who leave sex work leave the group.

Steps of :meth:`Mobilisation.step` (each week, after the law, before violence):

0. Found the groups whose ``founded_year`` has come (:meth:`Mobilisation.found_due`):
   ``prop_members_initial`` of the sex workers each covers become members, and its
   cohesion starts at ``cohesion_initial``. A group not yet founded does nothing
   below (no money, outreach, members or cohesion change).
1. Count each group's covered sex workers and members; each founded group plans the week
   (:meth:`CommunityGroup.plan`): income by source, need by item for its actual
   members and expected cases, allocation in ``budget_priority`` order, and what the
   allocation buys (outreach workers, clinic, condom and crisis-response shares,
   peer support, PrEP slots).
2. Outreach recruits: a non-member within a group's reach joins with the weekly
   probability of ``rate_join_per_year x organising capacity x (reach - coverage) /
   (1 - coverage)``, where reach = min(1, outreach workers x
   ``sex_workers_per_outreach_worker`` / covered). Recruitment saturates as coverage
   nears reach, so coverage reached stays below the funded share of the target
   (stream ``mobilisation.join``). No workers, no recruitment.
3. Attrition: members leave at ``rate_member_attrition_per_year``
   (stream ``mobilisation.attrition``).
4. Cohesion moves (:meth:`CommunityGroup.update_cohesion`).
5. Empowerment E: members' moves toward their group's cohesion at
   ``rate_empowerment_gain_per_year``; non-members' decays at
   ``rate_empowerment_loss_per_year`` (dE = (C - E) p_gain or -E p_loss a week).
6. Effects, multiplied into the week's structural factors (started by the law):
   condom odds with clients x ``or_condom_empowered ** E``; everyone a founded group
   covers, members or not, x ``or_condom_community ** (C x coverage)`` (the community's
   norms: Reza-Paul et al. 2008 saw condom use with occasional clients rise from 65% to
   90% in 30 months among all sex workers, faster than membership); condom odds
   with her intimate partner (column ``condom_odds_partner``), for everyone a founded
   group covers, ``or_condom_partner_community ** (C x coverage)`` (7% to 30% in the
   same surveys), else 1; members x
   ``or_condom_without_supply ** (1 - s)`` with s the condoms' funded share;
   members' HIV testing x (1 + (``rr_hiv_testing_member`` - 1) x the clinic's funded
   share); members' ART dropout x (1 + (``rr_art_dropout_member`` - 1) x peer
   support).
7. Advocacy with police: a group's local policing is the regime's intensity times
   (1 - ``prop_policing_reduction_advocacy`` x cohesion x coverage).
8. Book the week's outreach and condom spending, and publish the week's ``groups``
   (:class:`empower.week.GroupServices`: local policing, funded shares and PrEP slots
   by group, read by violence, clinics and PrEP, which book their own spending
   through it). At the year's end each group closes its books
   (:meth:`CommunityGroup.close_year`): unspent money is carried over at
   ``prop_unspent_carried_over``.

Steps 2-3 and 5-6 are numba passes over the sex workers
(:mod:`empower.processes.mobilisation.kernels`). With no groups, or a zero coverage target and no
members, nothing changes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from empower.agents import CommunityGroup
from empower.core.process import Process, Reporters
from empower.population import SEX_WORKER
from empower.processes.mobilisation import rules
from empower.processes.mobilisation.kernels import empowerment_week, group_counts, membership_week
from empower.processes.mobilisation.parameters import SPENDING_ITEMS
from empower.timeline import value_at
from empower.units import DT_YEARS, prob_per_step
from empower.week import GroupServices

if TYPE_CHECKING:
    from empower.site import Site

__all__ = ["Mobilisation"]


class Mobilisation(Process):
    """Community groups and what they do for their members."""

    name = "mobilisation"
    sections = ("mobilisation",)
    columns = ("member_since_year", "empowerment")
    factors = ("condom_odds_clients", "condom_odds_partner", "hiv_testing_factor",
               "art_dropout_factor")
    streams = ("mobilisation.initial", "mobilisation.join", "mobilisation.attrition")
    publishes = ("groups",)
    uses = ("legal",)

    def init(self, site: Site) -> None:
        """Create the groups (Mesa agents); found those whose year has come."""
        p = site.now.mobilisation
        venue_names = list(site.now.sex_workers.venues)
        # group index of each venue type; the last slot (-1) means no group
        self.group_of_venue = np.full(len(venue_names) + 1, -1, dtype=np.int64)
        self.groups: list[CommunityGroup] = []
        for index, (name, g) in enumerate(p.groups.items()):
            venues = [venue_names.index(v) for v in g.venues]
            self.group_of_venue[venues] = index
            self.groups.append(CommunityGroup(site, name, index, venues,
                                              g.cohesion_initial))
        self.policing_by_group = np.ones(len(self.groups) + 1)
        self.join_probability = np.zeros(len(self.groups) + 1)
        self.found_due(site)

    def found_due(self, site: Site) -> None:
        """Found the groups whose ``founded_year`` has come: first members and cohesion.

        ``prop_members_initial`` of the sex workers each covers join now (stream
        ``mobilisation.initial``), with empowerment at the group's ``cohesion_initial``.
        """
        p, pop, year = site.now.mobilisation, site.pop, site.year
        due = [g for g in self.groups
               if not g.founded and year >= p.groups[g.name].founded_year]
        if not due:
            return
        share = np.zeros(len(self.groups) + 1)
        for g in due:
            g.founded = True
            g.cohesion = float(p.groups[g.name].cohesion_initial)
            share[g.index] = p.groups[g.name].prop_members_initial
        sw = site.members[SEX_WORKER]
        group = self.group_of(site, sw)
        u = site.streams.uniforms("mobilisation.initial", site.step_index, sw)
        joining = sw[u < share[group]]
        pop.member_since_year[joining] = year
        cohesion = np.array([g.cohesion for g in self.groups] + [0.0])
        pop.empowerment[joining] = cohesion[self.group_of(site, joining)]

    def group_of(self, site: Site, sw: np.ndarray) -> np.ndarray:
        """Each sex worker's group index (-1: none), from her venue type."""
        return self.group_of_venue[site.pop.venue[sw]]

    def step(self, site: Site) -> None:
        """Plan, recruit, lose members, move cohesion and empowerment, apply effects."""
        law = site.week.legal
        if self.groups:
            self.found_due(site)
            if any(g.founded for g in self.groups):
                self._week(site, law)
            else:
                # before the first group: no programme, and no advocacy with police
                self.policing_by_group[:] = law.policing_intensity
        self._publish(site, law)

    def _publish(self, site: Site, law) -> None:
        """Publish the week's ``groups``: what the groups offer, where costs are booked."""
        policing = (self.policing_by_group.copy() if self.groups
                    else np.array([law.policing_intensity]))
        site.week.groups = GroupServices(
            group_of_venue=self.group_of_venue, policing=policing,
            funded_share={item: np.array([g.funded_share[item] for g in self.groups] + [0.0])
                          for item in SPENDING_ITEMS},
            prep_slots=np.array([g.prep_slots for g in self.groups] + [0.0]),
            book=self._book, add_member_cases=self._add_member_cases)

    def _book(self, item: str, usd_by_group: np.ndarray) -> None:
        """Book spending on ``item``, one amount per group (US dollars)."""
        for g in self.groups:
            g.book(item, float(usd_by_group[g.index]))

    def _add_member_cases(self, cases_by_group: np.ndarray) -> None:
        """Add violence against members, one count per group (next year's need)."""
        for g in self.groups:
            g.member_cases += int(cases_by_group[g.index])

    def _week(self, site: Site, law) -> None:
        """Steps 1-8 of a week with at least one group founded."""
        pop, year, step = site.pop, site.year, site.step_index
        p = site.now.mobilisation
        sw = site.members[SEX_WORKER]
        group = self.group_of(site, sw)
        n_groups = len(self.groups)
        covered, members = group_counts(sw, group, pop.member_since_year, n_groups)

        # 1. plan (a group not yet founded has no members, money or outreach)
        founded = [g for g in self.groups if g.founded]
        for g in founded:
            g.plan(covered[g.index], members[g.index], law)

        # 2-3. recruitment and attrition (members at the week's start only)
        per_worker = p.sex_workers_per_outreach_worker
        rate_join = p.rate_join_per_year * law.prop_organising_capacity
        for g in self.groups:
            self.join_probability[g.index] = prob_per_step(rules.join_rate_per_year(
                rate_join, g.outreach_workers, per_worker, g.covered, g.coverage))
        membership_week(sw, pop.uid, group, float(year), step, site.streams["mobilisation.join"],
                        site.streams["mobilisation.attrition"], self.join_probability,
                        prob_per_step(p.rate_member_attrition_per_year),
                        pop.member_since_year)

        # 4. cohesion (with this week's members)
        _, members = group_counts(sw, group, pop.member_since_year, n_groups)
        for g in founded:
            g.members = int(members[g.index])
            g.update_cohesion(DT_YEARS, law)

        # 5-6. empowerment and its effects
        empowerment_week(
            sw, group, pop.member_since_year,
            np.array([g.cohesion for g in self.groups] + [0.0]),
            np.array([g.funded_share["condoms"] for g in self.groups] + [0.0]),
            np.array([g.funded_share["clinic"] for g in self.groups] + [0.0]),
            np.array([g.peer_support for g in self.groups] + [0.0]),
            self.community_condom_odds(site, p.or_condom_community),
            prob_per_step(p.rate_empowerment_gain_per_year),
            prob_per_step(p.rate_empowerment_loss_per_year),
            p.or_condom_empowered, p.or_condom_without_supply,
            p.rr_hiv_testing_member, p.rr_art_dropout_member,
            pop.empowerment, pop.condom_odds_clients, pop.hiv_testing_factor,
            pop.art_dropout_factor)
        pop.condom_odds_partner[sw] = self.community_condom_odds(
            site, p.or_condom_partner_community)[group]

        # 7. advocacy with police
        reduction = p.prop_policing_reduction_advocacy
        for g in self.groups:
            self.policing_by_group[g.index] = rules.local_policing(
                law.policing_intensity, reduction, g.cohesion, g.coverage)
        self.policing_by_group[-1] = law.policing_intensity

        # 8. spending
        c = p.costs
        for g in founded:
            g.book("outreach", g.outreach_workers
                   * c.cost_outreach_worker_usd_per_year * DT_YEARS)
            g.book("condoms", g.members * g.funded_share["condoms"]
                   * c.cost_condoms_usd_per_member_per_year * DT_YEARS)

    def community_condom_odds(self, site: Site, odds_ratio) -> np.ndarray:
        """Per group (last slot: no group), a community-wide condom odds multiplier.

        ``odds_ratio ** (C x coverage)`` for a founded group (``odds_ratio``: this
        week's ``or_condom_community`` for clients or
        ``or_condom_partner_community`` for intimate partners): a mobilised
        community's norms reach the sex workers it covers, members or not; 1 for a
        group not yet founded and for sex workers in no group.
        """
        return np.array([rules.community_condom_odds(odds_ratio, g.cohesion, g.coverage,
                                                     g.founded) for g in self.groups] + [1.0])

    def reset_year(self) -> None:
        """Close each group's year: carry money over, start a new year of spending."""
        for g in self.groups:
            g.close_year()

    # ------------------------------------------------------------------ outputs
    def record(self) -> Reporters:
        """Yearly reporters (state at the year's end; spending over the year).

        Per community group (group column: its name) and for all groups (``all``):
        ``members``, ``coverage_reached`` (members / sex workers covered),
        ``cohesion`` (all: weighted by members), ``outreach_workers`` (worker-years
        paid over the year: the year's mean full-time equivalents), ``budget_usd``
        (the year's money: reserve carried in plus income received) and
        ``unspent_usd`` (budget minus spending). ``coverage_target|all``;
        ``spending_usd`` by item and ``total``; ``funded_share`` by item (allocation over
        need at the year's end, all groups); ``empowerment_mean`` over present sex
        workers and members.
        """
        out: dict[str, callable] = {
            ("coverage_target", "all"): lambda m: value_at(m.params.mobilisation.coverage_target,
                                                      m.year - DT_YEARS),
        }
        names = [g.name for g in self.groups]
        for name in [*names, "all"]:
            out[("members", name)] = lambda m, n=name: float(
                sum(g.members for g in _pick(self.groups, n)))
            out[("coverage_reached", name)] = lambda m, n=name: _coverage(_pick(self.groups, n))
            out[("cohesion", name)] = lambda m, n=name: _cohesion(_pick(self.groups, n))
            out[("outreach_workers", name)] = lambda m, n=name: float(
                sum(g.outreach_worker_years for g in _pick(self.groups, n)))
            out[("budget_usd", name)] = lambda m, n=name: float(
                sum(g.budget_usd for g in _pick(self.groups, n)))
            out[("unspent_usd", name)] = lambda m, n=name: float(
                sum(g.unspent_usd for g in _pick(self.groups, n)))
        for item in SPENDING_ITEMS:
            out[("spending_usd", item)] = lambda m, i=item: float(
                sum(g.spending_usd[i] for g in self.groups))
        out[("spending_usd", "total")] = lambda m: float(
            sum(sum(g.spending_usd.values()) for g in self.groups))
        for item in SPENDING_ITEMS:
            out[("funded_share", item)] = lambda m, i=item: _funded_share(
                self.groups, i)
        out[("empowerment_mean", "sex_workers")] = lambda m: _empowerment(m, members_only=False)
        out[("empowerment_mean", "members")] = lambda m: _empowerment(m, members_only=True)
        return out


def _pick(groups: list[CommunityGroup], name: str) -> list[CommunityGroup]:
    return groups if name == "all" else [g for g in groups if g.name == name]


def _coverage(groups: list[CommunityGroup]) -> float:
    covered = sum(g.covered for g in groups)
    return sum(g.members for g in groups) / covered if covered else math.nan


def _cohesion(groups: list[CommunityGroup]) -> float:
    members = sum(g.members for g in groups)
    if not groups:
        return math.nan
    if members == 0:
        return float(np.mean([g.cohesion for g in groups]))
    return sum(g.cohesion * g.members for g in groups) / members


def _funded_share(groups: list[CommunityGroup], item: str) -> float:
    need = sum(g.need_usd_per_year[item] for g in groups)
    if not groups:
        return math.nan
    return sum(g.allocated_usd_per_year[item] for g in groups) / need if need > 0 else 1.0


def _empowerment(site: Site, members_only: bool) -> float:
    pop = site.pop
    sw = site.members[SEX_WORKER]
    if members_only:
        sw = sw[~np.isnan(pop.member_since_year[sw])]
    return float(pop.empowerment[sw].mean()) if sw.size else math.nan
