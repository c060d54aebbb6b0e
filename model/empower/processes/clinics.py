"""STI services of community clinics: members' visits with screening or treatment.

Members visit their group's clinic periodically for STI screening or presumptive
treatment, paid for by the group.

Symptomatic treatment outside programmes is part of STI natural history
(processes/sti.py, ``prop_symptomatic_treated``). On top of it, members of a group
visit its clinic at ``rate_clinic_visit_per_year`` (quarterly in Mysore by 2010: Reza-Paul
2019), scaled by the share of its members' clinic need the group's budget pays for and by
the week's service factor (law, recent violence, detention). At a visit, each STI a
member has is found and cured with probability ``prop_sti_treated_at_visit`` (1 for
periodic presumptive treatment; lower for screening or syndromic management).

Steps of :meth:`Clinics.step` (each week, after violence, before the week's contacts,
so a cure this week already stops transmission this week):

1. Members visit with the weekly probability of ``rate_clinic_visit_per_year`` x their
   clinic's funded share x their service factor (stream ``clinic.visit``).
2. For each STI, visitors who have it are cured with ``prop_sti_treated_at_visit``
   (stream ``clinic.cure``, one draw per STI) (:meth:`empower.processes.sti.STIs.treat`).
3. Book each visit at ``cost_clinic_visit_usd``.

With no members or a zero visit rate, nothing happens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from empower.population import SEX_WORKER
from empower.timeline import value_at
from empower.units import prob_per_step

if TYPE_CHECKING:
    from empower.model import EmpowerModel

__all__ = ["Clinics"]


class Clinics:
    """Members' clinic visits: STI screening or presumptive treatment."""

    def init(self, model: EmpowerModel) -> None:
        """Set the yearly counters to zero; note the STIs' names for reporting."""
        self._names = list(model.stis.names)
        self.reset_counters()

    def reset_counters(self) -> None:
        """Start a new year of counts."""
        self.visits = 0

    def step(self, model: EmpowerModel) -> None:
        """Visits, cures and their cost (see the module's steps)."""
        mob = model.mobilisation
        p, year = model.params.mobilisation, model.year
        rate = value_at(p.rate_clinic_visit_per_year, year)
        if not mob.groups or rate <= 0:
            return
        pop, step = model.pop, model.step_index
        sw = model.members[SEX_WORKER]
        members = sw[~np.isnan(pop.member_since_year[sw])]
        group = mob.group_of(model, members)
        members, group = members[group >= 0], group[group >= 0]
        if members.size == 0:
            return
        capacity = np.array([g.funded_share["clinic"] for g in mob.groups])[group]
        u = model.streams.uniforms("clinic.visit", step, members)
        visit = u < prob_per_step(rate * capacity * pop.service_factor[members])
        visitors, group = members[visit], group[visit]
        cure = value_at(p.prop_sti_treated_at_visit, year)
        for k in range(len(model.stis.names)):
            u = model.streams.uniforms("clinic.cure", step, visitors, k)
            model.stis.treat(model, k, visitors[u < cure])
        cost = value_at(p.costs.cost_clinic_visit_usd, year)
        counts = np.bincount(group, minlength=len(mob.groups))
        for g in mob.groups:
            g.book("clinic", float(counts[g.index]) * cost)
        self.visits += int(visitors.size)

    def reporters(self) -> dict[tuple[str, str], callable]:
        """Yearly reporters (counts over the year).

        ``clinic_visits|sex_workers`` and, per STI, ``NAME_cured_at_clinic|sex_workers``.
        """
        out = {("clinic_visits", "sex_workers"): lambda m: float(m.clinics.visits)}
        for k, name in enumerate(self._names):
            out[(f"{name}_cured_at_clinic", "sex_workers")] = lambda m, k=k: float(
                m.stis.treated[k, SEX_WORKER])
        return out
