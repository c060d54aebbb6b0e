"""The HIV care cascade: testing, ART, viral suppression, dropout and re-engagement.

Everyone with HIV who is in the model moves through: undiagnosed, diagnosed (not on
ART), on ART (suppressed after a delay), and off ART again after dropout, from where
they may restart. Rates are per year (``[cascade]`` in the setting) and become weekly
probabilities in one place (:func:`empower.units.prob_per_step`).

Steps of :meth:`Cascade.step` (each week, on the state at the week's start):

1. Test: each undiagnosed person with HIV is diagnosed with the weekly probability of
   their group's ``rate_hiv_test_per_year``, times every registered testing modifier
   (``testing_modifiers``: population columns; outreach, clinics, violence and
   policing register there; stream ``cascade.test``).
2. Start ART: people diagnosed before this week and off ART start at
   ``rate_art_start_per_year`` (first time: linkage and initiation) or
   ``rate_art_restart_per_year`` (after stopping) (stream ``cascade.art_start``).
   ART halts progression: the untreated survival left is kept and the HIV death
   year is put off while on ART.
3. Drop out: people on ART since before this week stop at
   ``rate_art_dropout_per_year`` times every registered dropout modifier
   (``dropout_modifiers``; peer support registers there; stream ``cascade.art_dropout``).
   Progression resumes: HIV death comes after the survival that was left.
4. Suppression: people on ART for at least ``dur_art_to_suppression_years`` are
   virally suppressed; their infectiousness is multiplied by
   ``rr_transmission_suppressed`` (0: they do not transmit), others' by 1.

With every rate 0 the cascade changes nothing and draws nothing that anything else
reads, so a run reproduces one without it exactly (tested).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from empower.kernels import HAS_HIV, with_bit
from empower.population import GROUP_NAMES, NEVER
from empower.processes.demography import Demography
from empower.processes.groups import METRIC_GROUPS
from empower.timeline import value_at
from empower.units import prob_per_step

if TYPE_CHECKING:
    from empower.model import EmpowerModel

__all__ = ["Cascade"]


class Cascade:
    """HIV testing, ART and viral suppression; modifier hooks for the structural layer."""

    def __init__(self) -> None:
        self.testing_modifiers: list[str] = []
        self.dropout_modifiers: list[str] = []

    def init(self, model: EmpowerModel) -> None:
        """Everyone starts undiagnosed and off ART."""
        self._anyone_diagnosed = False

    def _modifier(self, model: EmpowerModel, names: list[str], uids: np.ndarray) -> np.ndarray:
        mult = np.ones(uids.size)
        for name in names:
            mult *= getattr(model.pop, name)[uids]
        return mult

    def step(self, model: EmpowerModel) -> None:
        """Test, start ART, drop out, and set suppression (see the module's steps)."""
        pop, year, step, p = model.pop, model.year, model.step_index, model.params.cascade
        test_rates = [value_at(getattr(p.rate_hiv_test_per_year, g), year) for g in GROUP_NAMES]
        rate_start = value_at(p.rate_art_start_per_year, year)
        rate_restart = value_at(p.rate_art_restart_per_year, year)
        rate_dropout = value_at(p.rate_art_dropout_per_year, year)
        if max(test_rates) <= 0 and not self._anyone_diagnosed:
            return  # nobody can be in the cascade
        self._anyone_diagnosed = True
        infected = [with_bit(uids, pop.infections, HAS_HIV) for uids in model.members]

        # 1. testing
        undiagnosed = [u[np.isnan(pop.hiv_diagnosed_year[u])] for u in infected]
        candidates = np.concatenate(undiagnosed)
        rate = np.concatenate([np.full(u.size, r) for u, r in zip(undiagnosed, test_rates,
                                                                  strict=True)])
        rate = rate * self._modifier(model, self.testing_modifiers, candidates)
        u = model.streams.uniforms("cascade.test", step, candidates)
        diagnosed_now = candidates[u < prob_per_step(rate)]

        everyone = np.concatenate(infected)
        on_art = everyone[~np.isnan(pop.art_start_year[everyone])]
        off_art = everyone[np.isnan(pop.art_start_year[everyone])
                           & (pop.hiv_diagnosed_year[everyone] < year)]
        pop.hiv_diagnosed_year[diagnosed_now] = year

        # 2. ART start or restart
        rate = np.where(pop.art_stopped[off_art], rate_restart, rate_start)
        u = model.streams.uniforms("cascade.art_start", step, off_art)
        starting = off_art[u < prob_per_step(rate)]
        pop.art_start_year[starting] = year
        pop.hiv_survival_left_years[starting] = pop.hiv_death_year[starting] - year
        pop.hiv_death_year[starting] = NEVER

        # 3. dropout
        rate = rate_dropout * self._modifier(model, self.dropout_modifiers, on_art)
        u = model.streams.uniforms("cascade.art_dropout", step, on_art)
        stopping = on_art[u < prob_per_step(rate)]
        pop.art_start_year[stopping] = math.nan
        pop.art_stopped[stopping] = True
        pop.hiv_death_year[stopping] = year + pop.hiv_survival_left_years[stopping]
        pop.hiv_survival_left_years[stopping] = math.nan
        Demography.refresh_exit(model, np.concatenate([starting, stopping]))

        # 4. suppression
        delay = value_at(p.dur_art_to_suppression_years, year)
        rr = value_at(p.rr_transmission_suppressed, year)
        suppressed = year >= pop.art_start_year[everyone] + delay  # NaN (off ART): False
        pop.hiv_art_factor[everyone] = np.where(suppressed, rr, 1.0)

    def reporters(self) -> dict[str, callable]:
        """Yearly reporters: shares of people with HIV, by group.

        ``hiv_diagnosed``, ``art_coverage`` (on ART) and ``viral_suppression``.
        """
        out = {}
        for name, groups in METRIC_GROUPS.items():
            for metric in ("hiv_diagnosed", "art_coverage", "viral_suppression"):
                out[f"{metric}|{name}"] = lambda m, gs=groups, k=metric: _share(m, gs, k)
        return out


def _share(model: EmpowerModel, groups: tuple[int, ...], metric: str) -> float:
    pop = model.pop
    uids = with_bit(np.concatenate([model.members[g] for g in groups]), pop.infections,
                    HAS_HIV)
    if uids.size == 0:
        return math.nan
    if metric == "hiv_diagnosed":
        yes = ~np.isnan(pop.hiv_diagnosed_year[uids])
    elif metric == "art_coverage":
        yes = ~np.isnan(pop.art_start_year[uids])
    else:  # NaN art_start_year (off ART) compares False
        delay = value_at(model.params.cascade.dur_art_to_suppression_years, model.year)
        yes = model.year >= pop.art_start_year[uids] + delay
    return float(np.count_nonzero(yes) / uids.size)
