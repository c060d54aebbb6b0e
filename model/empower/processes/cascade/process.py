"""The HIV care cascade: testing, ART, viral suppression, dropout and re-engagement.

Everyone with HIV who is in the model moves through: undiagnosed, diagnosed (not on
ART), on ART (suppressed after a delay), and off ART again after dropout, from where
they may restart. Rates are per year (``[cascade]`` in the setting) and become weekly
probabilities in one place (:func:`empower.units.prob_per_step`).

Steps of :meth:`Cascade.step` (each week, on the state at the week's start):

1. Test: each undiagnosed person with HIV is diagnosed with the weekly probability of
   their group's ``rate_hiv_test_per_year``, times the week's structural factors
   ``testing_factors`` (``service_factor``: the law, violence, detention;
   ``hiv_testing_factor``: a group's outreach and clinics; stream ``cascade.test``).
2. Start ART: people diagnosed before this week and off ART start at
   ``rate_art_start_per_year`` (first time: linkage and initiation) once eligible, or
   ``rate_art_restart_per_year`` (after stopping) (stream ``cascade.art_start``).
   Eligibility follows the guideline in force: a CD4 threshold, given as the median
   years from infection to reaching it (``dur_infection_to_art_eligibility_years``, a
   timeline; 0 is treat-all), scaled to each person's own untreated survival (someone
   who progresses twice as fast reaches the threshold twice as soon); anyone in the
   late or terminal stage is eligible.
   ART halts progression: the untreated survival left is kept and the HIV death
   year is put off while on ART.
3. Drop out: people on ART since before this week stop at
   ``rate_art_dropout_per_year`` times the factor ``dropout_factors``
   (``art_dropout_factor``: peer support, violence; stream ``cascade.art_dropout``).
   Progression resumes: HIV death comes after the survival that was left.
4. Suppression: people on ART for at least ``dur_art_to_suppression_years`` (after
   steps 1-3) are virally suppressed; their infectiousness is multiplied by
   ``rr_transmission_suppressed`` (0: they do not transmit), others' by 1.

Then the exit year of everyone who started or stopped ART is recomputed
(:meth:`Demography.refresh_exit`, starters then stoppers). Steps 1-4 are one pass of
:func:`empower.processes.cascade.kernels.care_cascade` per group over its people with HIV; each
person's steps read only their own row as it was at the week's start, so the pass
gives what four passes over everyone would.

At the start (:meth:`Cascade.init`) a setting can describe a cascade already under
way: ``prop_diagnosed_initial`` of each group's people with HIV know their status
(stream ``cascade.initial_diagnosis``), and ``prop_on_art_initial`` of those who are
diagnosed and eligible are on ART and suppressed (``cascade.initial_art``).

With every rate 0 the cascade changes nothing and draws nothing that anything else
reads, so a run reproduces one without it exactly (tested).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from empower.core.infection_bits_kernels import with_bit
from empower.core.process import Process, Reporters
from empower.core.report_groups import members_of, report_groups
from empower.core.status_bits import HAS_HIV
from empower.population import GROUP_NAMES, NEVER
from empower.processes.cascade.kernels import care_cascade, cascade_counts, cascade_rows
from empower.units import prob_per_step

if TYPE_CHECKING:
    from empower.site import Site

__all__ = ["Cascade"]

STREAMS = ("cascade.test", "cascade.art_start", "cascade.art_dropout")
# Reporter metric -> its position in the counts of cascade_counts
_COUNT_OF = {"hiv_diagnosed": 1, "art_coverage": 2, "viral_suppression": 3}


class Cascade(Process):
    """HIV testing, ART and viral suppression, moved by the week's structural factors."""

    name = "cascade"
    sections = ("cascade",)
    columns = ("hiv_diagnosed_year", "art_start_year", "art_stopped",
               "hiv_survival_left_years", "hiv_art_factor")
    streams = ("cascade.initial_diagnosis", "cascade.initial_art", *STREAMS)
    # Structural factors multiplying each person's testing and dropout rates, in order
    testing_factors: tuple[str, ...] = ("service_factor", "hiv_testing_factor")
    dropout_factors: tuple[str, ...] = ("art_dropout_factor",)
    reads = (*testing_factors, *dropout_factors, "infections")

    def init(self, site: Site) -> None:
        """Set the starting cascade; note the setting's reported groups.

        1. Of each group's people with HIV, ``prop_diagnosed_initial`` are diagnosed
           (diagnosed a year before the start; stream ``cascade.initial_diagnosis``).
        2. Of those diagnosed and eligible now (:meth:`eligible`),
           ``prop_on_art_initial`` are on ART, started ``dur_art_to_suppression_years``
           before the start, so suppressed (stream ``cascade.initial_art``).
        """
        self.groups = report_groups(site)
        pop, year, p = site.pop, site.year, site.now.cascade
        delay = p.dur_art_to_suppression_years
        starting = []
        for g, uids in enumerate(site.members):
            name = GROUP_NAMES[g]
            infected = with_bit(uids, pop.infections, HAS_HIV)
            u = site.streams.uniforms("cascade.initial_diagnosis", site.step_index, infected)
            diagnosed = infected[u < getattr(p.prop_diagnosed_initial, name)]
            pop.hiv_diagnosed_year[diagnosed] = year - 1.0
            eligible = diagnosed[self.eligible(site, diagnosed)]
            u = site.streams.uniforms("cascade.initial_art", site.step_index, eligible)
            on_art = eligible[u < getattr(p.prop_on_art_initial, name)]
            pop.art_start_year[on_art] = year - delay
            pop.hiv_survival_left_years[on_art] = pop.hiv_death_year[on_art] - year
            pop.hiv_death_year[on_art] = NEVER
            pop.hiv_art_factor[on_art] = p.rr_transmission_suppressed
            starting.append(on_art)
        self._anyone_diagnosed = bool(np.any(~np.isnan(pop.hiv_diagnosed_year[: pop.n])))
        pop.refresh_exit(np.concatenate(starting))

    @staticmethod
    def eligible_share(site: Site) -> float:
        """The share of untreated survival after which a person is eligible for ART.

        The guideline's median years from infection to its CD4 threshold over the
        median untreated survival (1 or more: nobody before the late stage).
        """
        p, h = site.now.cascade, site.now.hiv
        return (p.dur_infection_to_art_eligibility_years
                / h.survival_median_years)

    def eligible(self, site: Site, uids: np.ndarray) -> np.ndarray:
        """Whether each of ``uids`` (people with HIV, off ART) is eligible for ART now."""
        pop, year = site.pop, site.year
        infected, death = pop.hiv_infected_year[uids], pop.hiv_death_year[uids]
        return ((year - infected >= self.eligible_share(site) * (death - infected))
                | (year >= death - self.dur_late_and_terminal(site)))

    @staticmethod
    def dur_late_and_terminal(site: Site) -> float:
        """Years before HIV death in the late or terminal stage (always eligible)."""
        h = site.now.hiv
        return h.dur_late_years + h.dur_terminal_years

    def _modifier(self, site: Site, names: tuple[str, ...], uids: np.ndarray
                  ) -> np.ndarray:
        """The product of the factor columns ``names`` for each of ``uids``."""
        mult = np.ones(uids.size)
        for name in names:
            mult *= getattr(site.pop, name)[uids]
        return mult

    def step(self, site: Site) -> None:
        """Test, start ART, drop out, and set suppression (see the module's steps)."""
        pop, year, step, p = site.pop, site.year, site.step_index, site.now.cascade
        test_rates = [getattr(p.rate_hiv_test_per_year, g) for g in GROUP_NAMES]
        rate_start = p.rate_art_start_per_year
        rate_restart = p.rate_art_restart_per_year
        rate_dropout = p.rate_art_dropout_per_year
        if max(test_rates) <= 0 and not self._anyone_diagnosed:
            return  # nobody can be in the cascade
        self._anyone_diagnosed = True
        infected = [with_bit(uids, pop.infections, HAS_HIV) for uids in site.members]
        rows = [cascade_rows(uids, pop.hiv_diagnosed_year, pop.art_start_year)
                for uids in infected]

        # Probabilities: one per group (testing) or for all (the others), as arrays of
        # one; with structural factors, one per person with HIV.
        prob = prob_per_step(np.array([*test_rates, rate_start, rate_restart, rate_dropout],
                                      dtype=np.float64))
        p_test = [prob[g:g + 1] for g in range(len(infected))]
        p_start, p_restart, p_dropout = float(prob[-3]), float(prob[-2]), prob[-1:]
        p_dropouts = [p_dropout] * len(infected)
        if self.testing_factors:
            undiagnosed = [np.isnan(diagnosed) for diagnosed, _ in rows]
            p_test = self._per_person(site, infected, undiagnosed, test_rates,
                                      self.testing_factors)
        if self.dropout_factors:
            on_art = [~np.isnan(started) for _, started in rows]
            p_dropouts = self._per_person(site, infected, on_art, [rate_dropout] * len(infected),
                                          self.dropout_factors)

        delay = float(p.dur_art_to_suppression_years)
        eligible_share = float(self.eligible_share(site))
        dur_late = float(self.dur_late_and_terminal(site))
        rr = float(p.rr_transmission_suppressed)
        keys = [site.streams[name] for name in STREAMS]
        starting, stopping = [], []
        for uids, (diagnosed, started), p_test_g, p_dropout_g in zip(
                infected, rows, p_test, p_dropouts, strict=True):
            started_now, stopped_now = care_cascade(
                uids, pop.uid, diagnosed, started, pop.hiv_diagnosed_year, pop.art_start_year,
                pop.art_stopped, pop.hiv_death_year, pop.hiv_survival_left_years,
                pop.hiv_art_factor, pop.hiv_infected_year, p_test_g, p_start, p_restart,
                p_dropout_g, float(year), delay, rr, NEVER, eligible_share, dur_late,
                *keys, int(step))
            starting.append(started_now)
            stopping.append(stopped_now)
        pop.refresh_exit(np.concatenate(starting + stopping))

    def _per_person(self, site: Site, infected: list[np.ndarray],
                    concerned: list[np.ndarray], rates: list[float], names: list[str]
                    ) -> list[np.ndarray]:
        """Per group, one probability per person with HIV: group rate times modifiers.

        For the people ``concerned`` (a mask per group: undiagnosed for testing, on ART
        for dropout) the rate is their group's (``rates``) times the modifier columns
        ``names``; others get 0, which is not read. The rates of all groups' people
        concerned go to :func:`~empower.units.prob_per_step` as one array (which
        checks them).
        """
        who = [uids[c] for uids, c in zip(infected, concerned, strict=True)]
        rate = np.concatenate([np.full(u.size, r) for u, r in zip(who, rates, strict=True)])
        prob = prob_per_step(rate * self._modifier(site, names, np.concatenate(who)))
        out, start = [], 0
        for uids, c, u in zip(infected, concerned, who, strict=True):
            each = np.zeros(uids.size)
            each[c] = prob[start:start + u.size]
            start += u.size
            out.append(each)
        return out

    def record(self) -> Reporters:
        """Yearly reporters: shares of people with HIV, by group.

        ``hiv_diagnosed``, ``art_coverage`` (on ART) and ``viral_suppression``.
        """
        out = {}
        for rg in self.groups:
            for metric in ("hiv_diagnosed", "art_coverage", "viral_suppression"):
                out[(metric, rg.name)] = lambda m, rg=rg, k=metric: _share(
                    m, members_of(m, rg), k)
        return out


def _share(site: Site, uids: np.ndarray, metric: str) -> float:
    pop = site.pop
    delay = site.now.cascade.dur_art_to_suppression_years
    counts = cascade_counts(uids, pop.infections, pop.hiv_diagnosed_year,
                            pop.art_start_year, float(site.year), float(delay))
    n_hiv = int(counts[0])
    if n_hiv == 0:
        return math.nan
    return float(int(counts[_COUNT_OF[metric]]) / n_hiv)
