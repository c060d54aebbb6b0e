"""Violence against sex workers, arrest and condom confiscation, and their effects.

Violence comes from clients, intimate partners and police; its effects fall on condom
and service use.

Weekly hazards (``[violence]``; rates per year, weekly probabilities via
:func:`empower.units.prob_per_step`), each with its own stream:

* client violence, for working sex workers: ``rate_client_violence_per_year`` x the
  venue's ``rr_client_violence`` (``violence.client``);
* intimate partner violence, for sex workers with a partner present:
  ``rate_partner_violence_per_year`` (``violence.partner``);
* police violence, arrest and police encounters, for working sex workers:
  ``rate_police_violence_per_year``, ``rate_arrest_per_year`` and
  ``rate_police_encounter_per_year``, each x the local policing intensity (the
  regime's, lowered by groups' advocacy; :meth:`Mobilisation.local_policing`)
  (``violence.police``, ``violence.arrest``, ``violence.encounter``).

Steps of :meth:`Violence.step` (each week, after mobilisation, before partnerships):

1. Draw the week's events of each kind among those exposed.
2. Crisis response: a member of a group who suffers violence gets its crisis response
   with probability ``prop_crisis_response_reach`` x the group's capacity per member
   (``violence.crisis_response``); each response is booked at
   ``cost_crisis_response_usd_per_case``.
3. The event's effect lasts ``dur_violence_effect_years`` from now, or
   ``dur_violence_effect_with_crisis_response_years`` with a response (0 prevents it).
4. Arrest: out of work (a pause) and out of services for ``dur_detention_years``.
5. A police encounter takes her condoms with the regime's
   ``prop_condom_confiscation`` (``violence.confiscation``): fewer condoms for
   ``dur_confiscation_effect_years``.
6. Multiply the week's structural factors of every present sex worker: while a
   violence effect lasts, condom odds with clients x ``or_condom_after_violence``
   (Beattie 2010: AOR 0.4), service use x ``rr_services_after_violence`` (0.7) and
   ART dropout x ``rr_art_dropout_after_violence``; while condoms are confiscated,
   condom odds x ``or_condom_after_confiscation``; while detained, service use x 0.

With every rate 0, nothing happens and nothing changes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from empower.population import SEX_WORKER
from empower.processes.demography import Demography
from empower.timeline import value_at
from empower.units import prob_per_step

if TYPE_CHECKING:
    from empower.model import EmpowerModel

__all__ = ["Violence", "VIOLENCE_KINDS"]

VIOLENCE_KINDS = ("client", "partner", "police")


class Violence:
    """Violence, arrest and condom confiscation; their effects on the week's factors."""

    def init(self, model: EmpowerModel) -> None:
        """Set the yearly counters to zero."""
        self.reset_counters()

    def reset_counters(self) -> None:
        """Start a new year of counts."""
        self.arrests = 0
        self.crisis_responses = 0

    def _events(self, model: EmpowerModel, stream: str, uids: np.ndarray,
                rate: np.ndarray | float) -> np.ndarray:
        if uids.size == 0 or not np.any(np.asarray(rate) > 0):
            return uids[:0]
        u = model.streams.uniforms(stream, model.step_index, uids)
        return uids[u < prob_per_step(rate)]

    def step(self, model: EmpowerModel) -> None:
        """Draw events, respond, arrest, confiscate; apply effects (module steps)."""
        pop, year, v = model.pop, model.year, model.params.violence
        law = model.legal.now

        # 1. events
        working = Demography.working_sex_workers(model)
        rr_venue = np.array([value_at(x.rr_client_violence, year)
                             for x in model.params.sex_workers.venues.values()])
        client = self._events(model, "violence.client", working,
                              value_at(v.rate_client_violence_per_year, year)
                              * rr_venue[pop.venue[working]])
        sw = model.members[SEX_WORKER]
        partner = pop.partner_uid[sw]
        partnered = sw[(partner >= 0) & (pop.exit_year[np.maximum(partner, 0)] > year)]
        by_partner = self._events(model, "violence.partner", partnered,
                                  value_at(v.rate_partner_violence_per_year, year))
        rate_police = value_at(v.rate_police_violence_per_year, year)
        rate_arrest = value_at(v.rate_arrest_per_year, year)
        rate_encounter = value_at(v.rate_police_encounter_per_year, year)
        if rate_police > 0 or rate_arrest > 0 or rate_encounter > 0:
            policing = model.mobilisation.local_policing(model, working)
        else:
            policing = 0.0
        police = self._events(model, "violence.police", working, rate_police * policing)
        arrested = self._events(model, "violence.arrest", working, rate_arrest * policing)
        met = self._events(model, "violence.encounter", working, rate_encounter * policing)
        pop.violence_client_year[client] = year
        pop.violence_partner_year[by_partner] = year
        pop.violence_police_year[police] = year

        # 2-3. crisis response and the effect's duration
        victims = np.unique(np.concatenate([client, by_partner, police]))
        if victims.size:
            self._respond(model, victims)

        # 4. arrest
        if arrested.size:
            until = year + value_at(v.dur_detention_years, year)
            pop.detained_until_year[arrested] = until
            pop.pause_until_year[arrested] = np.maximum(pop.pause_until_year[arrested], until)
            self.arrests += int(arrested.size)

        # 5. confiscation
        if met.size and law.prop_condom_confiscation > 0:
            u = model.streams.uniforms("violence.confiscation", model.step_index, met)
            taken = met[u < law.prop_condom_confiscation]
            pop.confiscated_until_year[taken] = year + value_at(v.dur_confiscation_effect_years,
                                                                year)

        # 6. effects on the week's factors
        self._apply_effects(model, sw)

    def _respond(self, model: EmpowerModel, victims: np.ndarray) -> None:
        pop, year, v = model.pop, model.year, model.params.violence
        mob = model.mobilisation
        responded = np.zeros(victims.size, dtype=bool)
        if mob.groups:
            group = mob.group_of(model, victims)
            member = ~np.isnan(pop.member_since_year[victims]) & (group >= 0)
            capacity = np.array([g.capacity_per_member for g in mob.groups] + [0.0])[group]
            reach = value_at(model.params.mobilisation.prop_crisis_response_reach, year)
            u = model.streams.uniforms("violence.crisis_response", model.step_index, victims)
            responded = member & (u < reach * capacity)
            cost = value_at(model.params.mobilisation.costs.cost_crisis_response_usd_per_case,
                            year)
            counts = np.bincount(group[responded], minlength=len(mob.groups))
            for g in mob.groups:
                g.book("crisis_response", float(counts[g.index]) * cost)
            self.crisis_responses += int(responded.sum())
        dur = np.where(responded, value_at(v.dur_violence_effect_with_crisis_response_years,
                                           year), value_at(v.dur_violence_effect_years, year))
        pop.violence_effect_until_year[victims] = np.maximum(
            pop.violence_effect_until_year[victims], year + dur)

    def _apply_effects(self, model: EmpowerModel, sw: np.ndarray) -> None:
        pop, year, v = model.pop, model.year, model.params.violence
        hurt = pop.violence_effect_until_year[sw] > year
        taken = pop.confiscated_until_year[sw] > year
        detained = pop.detained_until_year[sw] > year
        if not (hurt.any() or taken.any() or detained.any()):
            return
        odds = np.where(hurt, value_at(v.or_condom_after_violence, year), 1.0)
        odds *= np.where(taken, value_at(v.or_condom_after_confiscation, year), 1.0)
        pop.condom_odds_clients[sw] *= odds
        service = np.where(hurt, value_at(v.rr_services_after_violence, year), 1.0)
        pop.service_factor[sw] *= np.where(detained, 0.0, service)
        pop.art_dropout_factor[sw] *= np.where(
            hurt, value_at(v.rr_art_dropout_after_violence, year), 1.0)

    def reporters(self) -> dict[str, callable]:
        """Yearly reporters.

        ``violence_past_year|KIND`` (client, partner, police, any): share of present
        sex workers with such an event in the past year; ``arrests|sex_workers`` and
        ``crisis_responses|sex_workers``: counts over the year.
        """
        out = {f"violence_past_year|{kind}": lambda m, k=kind: _past_year(m, (k,))
               for kind in VIOLENCE_KINDS}
        out["violence_past_year|any"] = lambda m: _past_year(m, VIOLENCE_KINDS)
        out["arrests|sex_workers"] = lambda m: float(m.violence.arrests)
        out["crisis_responses|sex_workers"] = lambda m: float(m.violence.crisis_responses)
        return out


def _past_year(model: EmpowerModel, kinds: tuple[str, ...]) -> float:
    pop, sw = model.pop, model.members[SEX_WORKER]
    if sw.size == 0:
        return math.nan
    since = model.year - 1.0
    hit = np.zeros(sw.size, dtype=bool)
    for kind in kinds:
        hit |= getattr(pop, f"violence_{kind}_year")[sw] >= since
    return float(np.count_nonzero(hit) / sw.size)
