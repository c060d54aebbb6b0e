"""STI services of community clinics: members' visits with screening or treatment.

Members visit their group's clinic periodically for STI screening or presumptive
treatment, paid for by the group.

Symptomatic treatment outside programmes is part of STI natural history
(processes/stis/, ``prop_symptomatic_treated``). On top of it, members of a group
visit its clinic at ``rate_clinic_visit_per_year`` (quarterly in Mysore by 2010: Reza-Paul
2019), scaled by the share of its members' clinic need the group's budget pays for and by
the week's service factor (law, recent violence, detention). At a visit, each STI a
member has is found and cured with probability ``prop_sti_treated_at_visit`` (1 for
periodic presumptive treatment; lower for screening or syndromic management).

Steps of :meth:`Clinics.step` (each week, after violence, before the week's contacts,
so a cure this week already stops transmission this week):

1. Members visit with the weekly probability of ``rate_clinic_visit_per_year`` x their
   clinic's funded share x their service factor (stream ``clinic.visit``).
2. For each STI, a visitor's infection is found and cured with
   ``prop_sti_treated_at_visit`` (stream ``clinic.cure``, one draw per STI): the
   visitors found are the week's ``found_at_clinic``, whom the STI phase cures next
   (:meth:`empower.processes.stis.process.STIs.treat_found`); those who have the STI
   are counted as cured.
3. Book each visit at ``cost_clinic_visit_usd``.

With no members or a zero visit rate, nothing happens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from empower.core.infection_bits_kernels import sti_bit
from empower.core.process import Process, Reporters
from empower.population import SEX_WORKER
from empower.units import prob_per_step

if TYPE_CHECKING:
    from empower.site import Site

__all__ = ["Clinics"]


class Clinics(Process):
    """Members' clinic visits: STI screening or presumptive treatment."""

    name = "clinics"
    reads = ("member_since_year", "service_factor", "infections")
    streams = ("clinic.visit", "clinic.cure")
    publishes = ("found_at_clinic",)
    uses = ("groups",)

    def __init__(self, site: Site) -> None:
        self._names = list(site.now.stis)
        self.reset_year()

    def reset_year(self) -> None:
        """Start a new year of counts."""
        self.visits = 0
        self.cured = np.zeros(len(self._names), dtype=np.int64)  # per STI

    def step(self, site: Site) -> None:
        """Visits, cures and their cost (see the module's steps)."""
        groups = site.week.groups
        site.week.found_at_clinic = []
        p = site.now.mobilisation
        rate = p.rate_clinic_visit_per_year
        if groups is None or not groups.n_groups or rate <= 0:
            return
        pop, step = site.pop, site.step_index
        sw = site.members[SEX_WORKER]
        members = sw[~np.isnan(pop.member_since_year[sw])]
        group = groups.group_of(pop.venue[members])
        members, group = members[group >= 0], group[group >= 0]
        if members.size == 0:
            return
        capacity = groups.funded_share["clinic"][group]
        u = site.streams.uniforms("clinic.visit", step, members)
        visit = u < prob_per_step(rate * capacity * pop.service_factor[members])
        visitors, group = members[visit], group[visit]
        cure = p.prop_sti_treated_at_visit
        for k in range(len(self._names)):
            u = site.streams.uniforms("clinic.cure", step, visitors, k)
            found = visitors[u < cure]
            site.week.found_at_clinic.append(found)
            self.cured[k] += np.count_nonzero(pop.infections[found] & sti_bit(k))
        cost = p.costs.cost_clinic_visit_usd
        groups.book("clinic", np.bincount(group, minlength=groups.n_groups) * cost)
        self.visits += int(visitors.size)

    def record(self) -> Reporters:
        """Yearly reporters (counts over the year).

        ``clinic_visits|sex_workers`` and, per STI, ``NAME_cured_at_clinic|sex_workers``.
        """
        out = {("clinic_visits", "sex_workers"): lambda m: float(self.visits)}
        for k, name in enumerate(self._names):
            out[(f"{name}_cured_at_clinic", "sex_workers")] = lambda m, k=k: float(
                self.cured[k])
        return out
