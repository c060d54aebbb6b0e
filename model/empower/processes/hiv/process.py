"""HIV natural history: infection, stages, survival and HIV death.

Stages are derived from times, not stored: a person infected at ``t_inf`` who would
die of HIV at ``t_death`` (without treatment) is

* acute while ``t - t_inf < dur_acute_years``;
* terminal in the last ``dur_terminal_years`` before HIV death (AIDS: sexual activity,
  and so transmission, falls; Hollingsworth et al. 2008 saw no transmission then);
* late in the ``dur_late_years`` before the terminal stage (raised infectiousness);
* chronic in between. Acute wins where stages overlap (a short survival).

Steps of :meth:`HIV.infect`:

1. Record the infection year and set the person's ``HAS_HIV`` bit (``infections``).
2. Draw survival from infection to death, Weibull with the setting's median and shape
   (stream ``hiv.survival``).
3. Set the HIV death year; the person leaves the model then, unless they leave sooner.

Steps of :meth:`HIV.step` (each week, after demography):

1. HIV at entry (:meth:`HIV.seed_entrants`): of the week's ``entrants`` (the starting
   population at ``init``), a share ``prevalence_at_entry`` of each group
   (``initial_prevalence`` at the start) has HIV, as a cross-section of infections
   (:meth:`HIV.seed`); a partner's exit comes no later than the person they are
   linked to.
2. Add each group's susceptible person-time to the denominators of incidence.

:meth:`HIV.seed_entrants` runs again after new intimate partners enter, and
:meth:`HIV.infect_new` applies the week's new infections from transmission
(:mod:`empower.processes.transmission`).

Per-act values. A setting gives each route's per-act probability *averaged over the
stages of an untreated infection*, as pooled estimates such as Boily et al. 2009 are
(their couples were mostly in the asymptomatic phase, but not only). One rule holds for
every route: the kernels use the chronic-stage value, the averaged value divided by the
mean stage multiplier over an untreated infection (:func:`mean_stage_multiplier`), so
that with the acute and late multipliers on top, an infection's acts on average carry
the setting's value (docs/model.md, "Per-act HIV values").
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import gammaincinv

from empower.core.infection_bits_kernels import count_hiv_susceptible
from empower.core.process import Process, Reporters
from empower.core.report_groups import (
    N_CELLS,
    N_GENDERS,
    cell_counts,
    members_of,
    report_groups,
)
from empower.core.status_bits import HAS_HIV
from empower.population import GROUP_NAMES, PARTNER_OF_CLIENT, PARTNER_OF_SEX_WORKER
from empower.units import DT_YEARS

if TYPE_CHECKING:
    from empower.site import Site

__all__ = ["HIV", "ROUTES", "mean_stage_multiplier"]

_QUANTILES = 4096  # survival quantiles over which the stage multiplier is averaged

# Transmission routes: (source group, target group) -> name
ROUTES = {
    (1, 0): "client_to_sex_worker",
    (0, 1): "sex_worker_to_client",
    (2, 0): "partner_to_sex_worker",
    (0, 2): "sex_worker_to_partner",
    (1, 3): "client_to_partner",
    (3, 1): "partner_to_client",
}


class HIV(Process):
    """HIV natural history and its yearly counts."""

    name = "hiv"
    sections = ("hiv",)
    columns = ("hiv_infected_year", "hiv_death_year")
    streams = ("hiv.seed", "hiv.seed.since", "hiv.survival")
    uses = ("entrants", "new_hiv")

    def __init__(self, site: Site) -> None:
        self.groups = report_groups(site)
        self.reset_year()

    def init(self, site: Site) -> None:
        """HIV in the starting population (the entrants of demography's init)."""
        self.seed_entrants(site)

    def reset_year(self) -> None:
        """Start a new year of flow counts."""
        self.new_infections = np.zeros(N_CELLS, dtype=np.int64)  # per group-by-gender cell
        self.new_by_route = dict.fromkeys(ROUTES.values(), 0)
        self.susceptible_py = np.zeros(N_CELLS, dtype=np.float64)

    @staticmethod
    def _weibull(site: Site, uids: np.ndarray) -> tuple[float, float, np.ndarray]:
        """Untreated survival's Weibull shape and scale now, and a uniform per uid."""
        p = site.now.hiv
        shape = p.survival_weibull_shape
        scale = p.survival_median_years / math.log(2.0) ** (1.0 / shape)
        return shape, scale, site.streams.uniforms("hiv.survival", site.step_index, uids)

    def survival_years(self, site: Site, uids: np.ndarray) -> np.ndarray:
        """Survival from infection to HIV death without treatment, one per uid."""
        shape, scale, u = self._weibull(site, uids)
        return scale * (-np.log1p(-u)) ** (1.0 / shape)

    def infect(self, site: Site, uids: np.ndarray, sources: np.ndarray | None) -> None:
        """Infect ``uids`` now; ``sources`` are who infected them (None: not counted)."""
        if uids.size == 0:
            return
        pop = site.pop
        pop.hiv_infected_year[uids] = site.year
        pop.infections[uids] |= HAS_HIV
        death = site.year + self.survival_years(site, uids)
        pop.hiv_death_year[uids] = death
        pop.exit_year[uids] = np.minimum(pop.exit_year[uids], death)
        if sources is not None:
            self.new_infections += cell_counts(pop.group[uids], pop.gender[uids])
            src, dst = pop.group[sources], pop.group[uids]
            for (g_src, g_dst), name in ROUTES.items():
                self.new_by_route[name] += int(np.count_nonzero((src == g_src) & (dst == g_dst)))

    def length_biased_survival_years(self, site: Site, uids: np.ndarray) -> np.ndarray:
        """Survival of prevalent infections, one per uid: length-biased, not as drawn.

        People living with HIV at a given moment are more likely to have long survival
        (they are still alive to be counted): with steady incidence, the survival T
        of a prevalent infection has density T f(T) / E[T], with f the Weibull density
        of :meth:`survival_years`. For a Weibull of shape k and scale s,
        (T / s)^k is then Gamma(1 + 1/k) distributed, whose quantile gives T from one
        uniform (stream ``hiv.survival``).
        """
        shape, scale, u = self._weibull(site, uids)
        return scale * gammaincinv(1.0 + 1.0 / shape, u) ** (1.0 / shape)

    def seed(self, site: Site, uids: np.ndarray, prevalence: float, stream: str) -> None:
        """Give HIV to a share ``prevalence`` of ``uids`` (a starting or entering epidemic).

        As a cross-section of infections under steady incidence: each survival is
        length-biased (:meth:`length_biased_survival_years`) and the time since
        infection uniform over it, so time since infection has density S(a) / E[T]
        (S: the survival function) and stages start in proportion to their durations.
        """
        if uids.size == 0 or prevalence <= 0:
            return
        u = site.streams.uniforms(stream, site.step_index, uids)
        infected = uids[u < prevalence]
        if infected.size == 0:
            return
        pop = site.pop
        survival = self.length_biased_survival_years(site, infected)
        since = site.streams.uniforms(stream + ".since", site.step_index, infected) * survival
        pop.hiv_infected_year[infected] = site.year - since
        pop.infections[infected] |= HAS_HIV
        death = site.year - since + survival
        pop.hiv_death_year[infected] = death
        pop.exit_year[infected] = np.minimum(pop.exit_year[infected], death)

    def seed_entrants(self, site: Site) -> None:
        """HIV at entry for the week's ``entrants``; partners' exit follows their link.

        A partner leaves with the person they are linked to, whose HIV death (drawn
        here when both just entered) may now come before the partner's exit year.
        """
        entrants, hiv, pop = site.week.entrants, site.now.hiv, site.pop
        values = hiv.initial_prevalence if entrants.initial else hiv.prevalence_at_entry
        for uids, group in entrants.batches:
            prevalence = getattr(values, GROUP_NAMES[group])
            self.seed(site, uids, prevalence, "hiv.seed")
        for uids, group in entrants.batches:
            if group in (PARTNER_OF_SEX_WORKER, PARTNER_OF_CLIENT):
                pop.exit_year[uids] = np.minimum(pop.exit_year[uids],
                                                 pop.exit_year[pop.partner_row[uids]])

    def infect_new(self, site: Site) -> None:
        """Apply the week's new HIV infections (``new_hiv``, from transmission)."""
        new = site.week.new_hiv
        if new is not None:
            self.infect(site, new.targets, new.sources)

    def step(self, site: Site) -> None:
        """HIV at entry for the week's entrants; susceptible person-time by cell."""
        self.seed_entrants(site)
        for g, uids in enumerate(site.members):
            susceptible = count_hiv_susceptible(uids, site.pop.infections, site.pop.gender)
            self.susceptible_py[N_GENDERS * g:N_GENDERS * (g + 1)] += susceptible * DT_YEARS

    def record(self) -> Reporters:
        """Yearly model-level reporters: ``(metric, group)`` -> function of the model."""
        out = {}
        for rg in self.groups:
            out[("hiv_prevalence", rg.name)] = lambda m, rg=rg: _prevalence(m, members_of(m, rg))
            out[("new_hiv_infections", rg.name)] = lambda m, rg=rg: int(
                rg.total(self.new_infections))
            out[("hiv_incidence_per_100py", rg.name)] = lambda m, rg=rg: _rate(
                rg.total(self.new_infections), rg.total(self.susceptible_py))
        for route in ROUTES.values():
            out[("new_hiv_infections_by_route", route)] = lambda m, r=route: self.new_by_route[r]
        return out


@functools.lru_cache(maxsize=64)
def mean_stage_multiplier(survival_median_years: float, survival_weibull_shape: float,
                          dur_acute_years: float, rr_acute: float, dur_late_years: float,
                          rr_late: float, dur_terminal_years: float = 0.0,
                          rr_terminal: float = 1.0) -> float:
    """The stage multiplier averaged over the time of an untreated infection.

    As the kernel stages a person
    (:func:`empower.core.transmission_kernels.hiv_transmission`): acute for the first
    ``dur_acute_years``, terminal for the last ``dur_terminal_years`` before
    HIV death, late for the ``dur_late_years`` before that (neither during the acute
    phase), chronic (multiplier 1) in between. Survival is Weibull with the given median
    and shape; the expectations of time in each stage are taken over ``_QUANTILES``
    evenly spaced quantiles of survival. Exactly 1 when every multiplier is 1.

    Returns:
        E[rr_acute t_acute + rr_late t_late + rr_terminal t_terminal + t_chronic]
        / E[survival].
    """
    if survival_weibull_shape <= 0 or survival_median_years <= 0:
        raise ValueError("survival median and Weibull shape must be above zero")
    scale = survival_median_years / math.log(2.0) ** (1.0 / survival_weibull_shape)
    u = (np.arange(_QUANTILES) + 0.5) / _QUANTILES
    survival = scale * (-np.log1p(-u)) ** (1.0 / survival_weibull_shape)
    acute = np.minimum(survival, dur_acute_years)
    terminal = np.clip(survival - dur_acute_years, 0.0, dur_terminal_years)
    late = np.clip(survival - dur_acute_years - dur_terminal_years, 0.0, dur_late_years)
    excess = ((rr_acute - 1.0) * acute + (rr_late - 1.0) * late
              + (rr_terminal - 1.0) * terminal).mean() / survival.mean()
    return float(1.0 + excess)


def _prevalence(site: Site, uids: np.ndarray) -> float:
    if uids.size == 0:
        return math.nan
    return float(np.count_nonzero(~np.isnan(site.pop.hiv_infected_year[uids])) / uids.size)


def _rate(events: float, person_years: float) -> float:
    return math.nan if person_years <= 0 else float(100.0 * events / person_years)
