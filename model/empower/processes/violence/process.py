"""Violence against sex workers, arrest and condom confiscation, and their effects.

Violence comes from clients, intimate partners and police; its effects fall on condom
and service use.

Weekly hazards (``[violence]``; rates per year, weekly probabilities via
:func:`empower.units.prob_per_step`), each with its own stream:

* client violence, for working sex workers: ``rate_client_violence_per_year`` x the
  venue's ``rr_client_violence`` (``violence.client``);
* intimate partner violence, for sex workers with a partner present:
  ``rate_partner_violence_per_year`` (``violence.partner``);
* police violence and arrest, for working sex workers: ``rate_police_violence_per_year``
  and ``rate_arrest_per_year``, each x the local policing intensity (the regime's,
  lowered by groups' advocacy: the week's ``groups``, from mobilisation)
  (``violence.police``, ``violence.arrest``);
* police encounters (stops, searches, raids, sweeps for clients), for working sex
  workers: ``rate_police_encounter_per_year`` x (local policing + the regime's
  ``client_policing_intensity``) (``violence.encounter``);
* the three police hazards also x her own ``police_exposure`` (lognormal, mean 1,
  ``cv_police_exposure``, drawn at entry): some sex workers' work is far more visible
  to police than others';
* while she is displaced after an encounter, client violence x
  ``rr_client_violence_displaced`` (Shannon et al. 2009: policing displacement and
  pressured unprotected sex).

Steps of :meth:`Violence.step` (each week, after mobilisation, before partnerships):

1. Draw the week's events of each kind among those exposed.
2. Crisis response: a member of a group who suffers violence gets its crisis response
   with probability ``prop_crisis_response_reach`` x the funded share of the group's
   crisis response (``violence.crisis_response``); each response is booked at
   ``cost_crisis_response_usd_per_case``. Events among members are counted per group
   (``member_cases``), so next year's plan knows their caseload.
3. The event's effect lasts ``dur_violence_effect_years`` from now, or
   ``dur_violence_effect_with_crisis_response_years`` with a response (0 prevents it).
4. Arrest: out of work (a pause) and out of services for ``dur_detention_years``.
5. A police encounter displaces her (she works in hidden places and rushes
   negotiation) for ``dur_displacement_years``, and takes her condoms with the
   regime's ``prop_condom_confiscation`` (``violence.confiscation``): fewer condoms for
   ``dur_confiscation_effect_years``. The years of the last arrest and confiscation
   are kept (``arrest_year``, ``confiscation_year``) for surveys.
6. Multiply the week's structural factors of every present sex worker: while a
   violence effect lasts, condom odds with clients x ``or_condom_after_violence``
   (Beattie 2010: AOR 0.4), service use x ``rr_services_after_violence`` (0.7) and
   ART dropout x ``rr_art_dropout_after_violence``; while condoms are confiscated,
   condom odds x ``or_condom_after_confiscation``; while displaced, condom odds x
   ``or_condom_displaced``; while detained, service use x 0.

Steps 1-6 are one numba pass over the present sex workers
(:func:`empower.processes.violence.kernels.violence_week`). With every rate 0, nothing happens
and nothing changes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from empower.core.process import Process, Reporters
from empower.population import SEX_WORKER
from empower.processes.violence.kernels import (
    ARRESTED,
    CLIENT_EVENT,
    CONFISCATED,
    PARTNER_EVENT,
    POLICE_EVENT,
    RESPONDED,
    VIOLENCE_STREAMS,
    violence_week,
)

if TYPE_CHECKING:
    from empower.site import Site

__all__ = ["Violence", "VIOLENCE_KINDS"]

VIOLENCE_KINDS = ("client", "partner", "police")


class Violence(Process):
    """Violence, arrest and condom confiscation; their effects on the week's factors."""

    name = "violence"
    sections = ("violence",)
    columns = ("violence_client_year", "violence_partner_year", "violence_police_year",
               "violence_effect_until_year", "detained_until_year", "confiscated_until_year",
               "displaced_until_year", "arrest_year", "confiscation_year")
    factors = ("condom_odds_clients", "service_factor", "art_dropout_factor")
    reads = ("pause_until_year", "exit_year", "partner_row", "venue", "police_exposure",
             "member_since_year")
    streams = VIOLENCE_STREAMS
    uses = ("legal", "groups")

    def __init__(self, site: Site) -> None:
        self.reset_year()

    def reset_year(self) -> None:
        """Start a new year of counts."""
        self.arrests = 0
        self.crisis_responses = 0

    def step(self, site: Site) -> None:
        """Draw events, respond, arrest, confiscate; apply effects (module steps).

        One pass over the present sex workers (:func:`violence_week`).
        """
        pop, year, v = site.pop, site.year, site.now.violence
        law, groups = site.week.legal, site.week.groups
        sw = site.members[SEX_WORKER]
        if sw.size == 0:
            return
        group = groups.group_of(pop.venue[sw])
        capacity = groups.funded_share["crisis_response"]
        policing = groups.policing
        rr_venue = np.array([x.rr_client_violence
                             for x in site.now.sex_workers.venues.values()])
        keys = np.array([site.streams[name] for name in VIOLENCE_STREAMS], dtype=np.uint64)
        flags = violence_week(
            sw, pop.uid, float(year), site.step_index, keys, pop.pause_until_year, pop.exit_year,
            pop.partner_row, pop.venue, pop.police_exposure, rr_venue, group,
            pop.member_since_year, capacity,
            policing, law.client_policing_intensity, v.rate_client_violence_per_year,
            v.rate_partner_violence_per_year, v.rate_police_violence_per_year,
            v.rate_arrest_per_year, v.rate_police_encounter_per_year,
            law.prop_condom_confiscation,
            site.now.mobilisation.prop_crisis_response_reach,
            v.dur_violence_effect_years,
            v.dur_violence_effect_with_crisis_response_years,
            v.dur_detention_years, v.dur_confiscation_effect_years,
            v.dur_displacement_years,
            v.or_condom_after_violence, v.or_condom_after_confiscation,
            v.or_condom_displaced, v.rr_client_violence_displaced,
            v.rr_services_after_violence, v.rr_art_dropout_after_violence,
            pop.violence_client_year, pop.violence_partner_year, pop.violence_police_year,
            pop.violence_effect_until_year, pop.detained_until_year, pop.confiscated_until_year,
            pop.displaced_until_year, pop.condom_odds_clients, pop.service_factor,
            pop.art_dropout_factor)
        arrested = (flags & ARRESTED) != 0
        self.arrests += int(np.count_nonzero(arrested))
        pop.arrest_year[sw[arrested]] = year
        pop.confiscation_year[sw[(flags & CONFISCATED) != 0]] = year
        if groups.n_groups:
            hurt = (flags & (CLIENT_EVENT | PARTNER_EVENT | POLICE_EVENT)) != 0
            hurt &= (group >= 0) & ~np.isnan(pop.member_since_year[sw])
            groups.add_member_cases(np.bincount(group[hurt], minlength=groups.n_groups))
        responded = (flags & RESPONDED) != 0
        if responded.any():
            cost = site.now.mobilisation.costs.cost_crisis_response_usd_per_case
            counts = np.bincount(group[responded], minlength=groups.n_groups)
            groups.book("crisis_response", counts * cost)
            self.crisis_responses += int(responded.sum())

    def record(self) -> Reporters:
        """Yearly reporters.

        ``violence_past_year|KIND`` (client, partner, police, any): share of the sex
        workers present for the whole past year (in sex work for at least a year, so
        every one was exposed for a year) with such an event in it; ``arrests|sex_workers`` and
        ``crisis_responses|sex_workers``: counts over the year.
        """
        out = {("violence_past_year", kind): lambda m, k=kind: _past_year(m, (k,))
               for kind in VIOLENCE_KINDS}
        out[("violence_past_year", "any")] = lambda m: _past_year(m, VIOLENCE_KINDS)
        out[("arrests", "sex_workers")] = lambda m: float(self.arrests)
        out[("crisis_responses", "sex_workers")] = lambda m: float(self.crisis_responses)
        return out


def _past_year(site: Site, kinds: tuple[str, ...]) -> float:
    pop, sw = site.pop, site.members[SEX_WORKER]
    since = site.year - 1.0
    sw = sw[pop.entry_year[sw] <= since]  # a full year of exposure
    if sw.size == 0:
        return math.nan
    hit = np.zeros(sw.size, dtype=bool)
    for kind in kinds:
        hit |= getattr(pop, f"violence_{kind}_year")[sw] >= since
    return float(np.count_nonzero(hit) / sw.size)
