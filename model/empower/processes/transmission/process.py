"""Per-act HIV and STI transmission over the week's contacts.

Steps of :meth:`Transmission.step`:

1. Read the week's ``contacts`` (built by partnerships) and the parameters at this year;
   each route's HIV per-act value, averaged over an untreated infection in the
   setting, becomes its chronic-stage value (divided by
   :func:`empower.processes.hiv.mean_stage_multiplier`).
2. Run the HIV kernel (which skips contacts without exactly one partner with HIV) and
   the STI kernel (which skips those where nobody has an STI), each on the state at the
   start of the week (the partners' status bytes, set when the contacts were built)
   (:func:`~empower.core.transmission_kernels.hiv_transmission`,
   :func:`~empower.core.transmission_kernels.sti_transmission`),
   each with its own stream (``hiv.transmission``, ``sti.NAME.transmission``).
3. Publish the new infections (``new_hiv``, ``new_sti``), which the HIV and STI
   phases after this one apply, so no infection of this week changes another of this
   week; a person infected through several contacts counts once, through the first
   contact in the canonical contact order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from empower.core.process import Process
from empower.core.transmission_kernels import first_infections, hiv_transmission, sti_transmission
from empower.processes.hiv.process import mean_stage_multiplier
from empower.week import NewInfections

if TYPE_CHECKING:
    from empower.site import Site

__all__ = ["Transmission"]


class Transmission(Process):
    """HIV and STI transmission within the week's contacts."""

    name = "transmission"
    sections = ("hiv", "stis")
    reads = ("hiv_infected_year", "hiv_death_year", "hiv_art_factor", "hiv_prep_factor",
             "circumcised")
    streams = ("hiv.transmission", "sti.{sti}.transmission")
    publishes = ("new_hiv", "new_sti")
    uses = ("contacts",)

    def step(self, site: Site) -> None:
        """Transmit HIV and STIs over this week's contacts; publish the new infections."""
        c = site.week.contacts
        if c is None or c.size == 0:
            return
        pop, year, step, s = site.pop, site.year, site.step_index, site.streams
        hp = site.now.hiv
        names = list(site.now.stis)
        rr_sus = np.array([site.now.stis[n].rr_hiv_susceptibility
                           for n in names], dtype=np.float64)
        rr_inf = np.array([site.now.stis[n].rr_hiv_infectiousness
                           for n in names], dtype=np.float64)
        n = pop.n
        stages = [x for x in (hp.dur_acute_years, hp.rr_acute,
                                              hp.dur_late_years, hp.rr_late,
                                              hp.dur_terminal_years, hp.rr_terminal)]
        chronic = 1.0 / mean_stage_multiplier(hp.survival_median_years,
                                              hp.survival_weibull_shape,
                                              *stages)
        hiv_flags = hiv_transmission(
            c.a, c.b, c.uid_a, c.uid_b, c.draw, c.n_acts, c.n_protected, c.anal, c.status_a,
            c.status_b, pop.hiv_infected_year[:n], pop.hiv_death_year[:n], pop.hiv_art_factor[:n],
            pop.hiv_prep_factor[:n], pop.circumcised[:n], rr_sus, rr_inf,
            chronic * hp.p_per_act_male_to_female,
            chronic * hp.p_per_act_female_to_male,
            chronic * hp.p_per_act_receptive_anal,
            chronic * hp.p_per_act_insertive_anal,
            *stages,
            hp.rr_circumcised, hp.prop_condom_efficacy,
            float(year), s["hiv.transmission"], step,
        )
        sti = [site.now.stis[name] for name in names]
        sti_flags = sti_transmission(
            c.a, c.b, c.uid_a, c.uid_b, c.draw, c.n_acts, c.n_protected, c.anal, c.status_a,
            c.status_b, np.array([sp.p_per_act_male_to_female for sp in sti]),
            np.array([sp.p_per_act_female_to_male for sp in sti]),
            np.array([sp.p_per_act_receptive_anal for sp in sti]),
            np.array([sp.p_per_act_insertive_anal for sp in sti]),
            np.array([sp.prop_condom_efficacy for sp in sti]),
            np.array([s[f"sti.{name}.transmission"] for name in names], dtype=np.uint64),
            step,
        )
        site.week.new_hiv = NewInfections(*first_infections(hiv_flags, c.a, c.b))
        new_sti = []
        for k in range(len(names)):
            targets, sources, contact = first_infections(sti_flags[:, k], c.a, c.b,
                                                         with_contacts=True)
            # the receptive partner (a) of an anal contact gets a rectal infection
            rectal = c.anal[contact] & (targets == c.a[contact])
            new_sti.append(NewInfections(targets, sources, rectal))
        site.week.new_sti = new_sti

