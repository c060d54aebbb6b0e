"""Oral PrEP offered to members by their community group.

A group pays for ``prop_members_prep_target`` of its members' PrEP, as far as its
budget funds the item (:meth:`empower.agents.CommunityGroup.plan`: PrEP slots);
members without a diagnosed HIV infection take it up while slots are free. Adherence
is drawn at start and sets efficacy (``[prep]``): high, medium or low
(``efficacy_high_adherence`` ...), each a per-protocol value for that adherence (the
trials' intention-to-treat efficacies already average over non-adherent users). A
violence effect in force multiplies efficacy by ``rr_prep_efficacy_after_violence``
(adherence falls).

Steps of :meth:`Prep.step` (each week, after the cascade, before transmission):

1. Stop: users who were diagnosed with HIV, left their group or left the model
   stop; others discontinue at ``rate_discontinuation_per_year`` (stream ``prep.stop``).
2. Start: members not on PrEP and not diagnosed with HIV start with the weekly
   probability of ``rate_uptake_per_year`` x their service factor (stream
   ``prep.start``), while their group has free slots (lowest uids first when slots
   run short); adherence level from ``prop_adherence_high`` / ``_medium`` (the rest
   low; stream ``prep.adherence``).
3. Set each user's ``hiv_prep_factor`` = 1 - efficacy, and 1 for those who stopped.
4. Book users x ``cost_prep_usd_per_person_year`` for the week.

With no slots, nobody takes PrEP and nothing changes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from empower.core.process import Process, Reporters
from empower.core.status_bits import HAS_HIV
from empower.population import SEX_WORKER
from empower.units import DT_YEARS, prob_per_step

if TYPE_CHECKING:
    from empower.site import Site

__all__ = ["Prep"]


class Prep(Process):
    """PrEP users: start, adherence, efficacy, discontinuation."""

    name = "prep"
    sections = ("prep",)
    columns = ("prep_start_year", "prep_adherence", "hiv_prep_factor")
    reads = ("member_since_year", "service_factor", "hiv_diagnosed_year",
             "violence_effect_until_year")
    streams = ("prep.start", "prep.stop", "prep.adherence")
    uses = ("groups",)

    def init(self, site: Site) -> None:
        """Nobody is on PrEP at the start."""
        self.users = np.empty(0, dtype=np.int64)

    def remap_rows(self, site: Site, new_of_old: np.ndarray) -> None:
        """Rows moved: map the users' rows (users who were dropped had stopped)."""
        users = new_of_old[self.users]
        self.users = users[users >= 0]

    def step(self, site: Site) -> None:
        """Stop, start, set efficacy and book the cost (see the module's steps)."""
        groups = site.week.groups
        if groups is None or not groups.n_groups or (self.users.size == 0
                                   and not (groups.prep_slots >= 1).any()):
            return
        pop, year, step, p = site.pop, site.year, site.step_index, site.now.prep

        # 1. stop
        users = self.users
        gone = ((pop.exit_year[users] <= year) | ~np.isnan(pop.hiv_diagnosed_year[users])
                | np.isnan(pop.member_since_year[users]))
        u = site.streams.uniforms("prep.stop", step, users)
        gone |= u < prob_per_step(p.rate_discontinuation_per_year)
        stopped, users = users[gone], users[~gone]
        pop.prep_start_year[stopped] = math.nan
        pop.prep_adherence[stopped] = -1
        pop.hiv_prep_factor[stopped] = 1.0

        # 2. start, within each group's free slots
        sw = site.members[SEX_WORKER]
        group = groups.group_of(pop.venue[sw])
        eligible = (~np.isnan(pop.member_since_year[sw]) & (group >= 0)
                    & np.isnan(pop.prep_start_year[sw]) & np.isnan(pop.hiv_diagnosed_year[sw]))
        candidates, cgroup = sw[eligible], group[eligible]
        u = site.streams.uniforms("prep.start", step, candidates)
        rate = p.rate_uptake_per_year * pop.service_factor[candidates]
        want = u < prob_per_step(rate)
        candidates, cgroup = candidates[want], cgroup[want]
        in_use = np.bincount(groups.group_of(pop.venue[users]), minlength=groups.n_groups)
        starting = []
        for g in range(groups.n_groups):
            free = int(groups.prep_slots[g]) - int(in_use[g])
            mine = candidates[cgroup == g]
            if free > 0 and mine.size:
                starting.append(np.sort(mine)[:free])
        starting = np.concatenate(starting) if starting else np.empty(0, dtype=np.int64)
        u = site.streams.uniforms("prep.adherence", step, starting)
        high = p.prop_adherence_high
        medium = p.prop_adherence_medium
        pop.prep_adherence[starting] = np.where(u < high, 0, np.where(u < high + medium, 1, 2))
        pop.prep_start_year[starting] = year
        users = np.concatenate([users, starting])
        self.users = users

        # 3. efficacy
        efficacy = np.array([p.efficacy_high_adherence,
                             p.efficacy_medium_adherence,
                             p.efficacy_low_adherence])
        e = efficacy[pop.prep_adherence[users]]
        hurt = pop.violence_effect_until_year[users] > year
        e = np.where(hurt, e * site.now.violence.rr_prep_efficacy_after_violence, e)
        pop.hiv_prep_factor[users] = 1.0 - e

        # 4. cost
        cost = site.now.mobilisation.costs.cost_prep_usd_per_person_year
        counts = np.bincount(groups.group_of(pop.venue[users]), minlength=groups.n_groups)
        groups.book("prep", counts * cost * DT_YEARS)

    def record(self) -> Reporters:
        """Yearly reporter ``prep_coverage|sex_workers``.

        The share of present sex workers without HIV who are on PrEP at the year's end.
        """
        return {("prep_coverage", "sex_workers"): _coverage}


def _coverage(site: Site) -> float:
    pop, sw = site.pop, site.members[SEX_WORKER]
    negative = sw[(pop.infections[sw] & HAS_HIV) == 0]
    if negative.size == 0:
        return math.nan
    return float(np.count_nonzero(~np.isnan(pop.prep_start_year[negative])) / negative.size)
