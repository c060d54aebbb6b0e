"""Curable STIs (gonorrhoea and chlamydia by default; any list): susceptible-infected-susceptible.

Infection status is derived from two times per person and STI: infected while
``sti_infected_year <= t < sti_clear_year``; susceptible again afterwards. The column
``sti_any_until_year`` (the latest clearance of any of a person's infections) is an
index kept here so that "has any STI now" is one read.

Steps of :meth:`STIs.infect` for STI ``k``:

1. Record the infection year.
2. Decide whether the infection is symptomatic (by sex; stream ``sti.NAME.symptoms``)
   and, if so, whether it is treated (``prop_symptomatic_treated``).
3. Draw when it ends: treated infections after an exponential delay with mean
   ``dur_symptoms_to_treatment_years``; the rest clear naturally after an exponential
   duration with mean ``dur_untreated_{female,male}_years`` (stream ``sti.NAME.duration``).

Biology by gender: women use the ``female`` values; trans women and men the ``male``
values (an assumption: no separate estimates are used).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from empower.population import FEMALE, GROUP_NAMES
from empower.processes.groups import METRIC_GROUPS, group_counts
from empower.rng import exponentials
from empower.timeline import value_at

if TYPE_CHECKING:
    from empower.model import EmpowerModel

__all__ = ["STIs"]


class STIs:
    """All curable STIs of a setting, indexed 0..n-1 in the setting's order."""

    def __init__(self, names: list[str]):
        self.names = list(names)

    def init(self, model: EmpowerModel) -> None:
        """Set the counters to zero."""
        self.reset_counters()

    def reset_counters(self) -> None:
        """Start a new year of flow counts."""
        self.new_infections = np.zeros((len(self.names), len(GROUP_NAMES)), dtype=np.int64)

    def _durations(self, model: EmpowerModel, k: int, uids: np.ndarray) -> np.ndarray:
        p = model.params.stis[self.names[k]]
        year, step = model.year, model.step_index
        female = model.pop.gender[uids] == FEMALE
        p_sym = np.where(
            female,
            value_at(p.prop_symptomatic_female, year),
            value_at(p.prop_symptomatic_male, year),
        )
        treated = value_at(p.prop_symptomatic_treated, year)
        name = self.names[k]
        u_sym = model.streams.uniforms(f"sti.{name}.symptoms", step, uids)
        u_dur = model.streams.uniforms(f"sti.{name}.duration", step, uids)
        is_treated = u_sym < p_sym * treated
        mean = np.where(
            is_treated,
            value_at(p.dur_symptoms_to_treatment_years, year),
            np.where(
                female,
                value_at(p.dur_untreated_female_years, year),
                value_at(p.dur_untreated_male_years, year),
            ),
        )
        return exponentials(u_dur, mean)

    def infect(
        self, model: EmpowerModel, k: int, uids: np.ndarray, sources: np.ndarray | None
    ) -> None:
        """Infect ``uids`` with STI ``k`` now; count them when ``sources`` is given."""
        if uids.size == 0:
            return
        pop = model.pop
        clear = model.year + self._durations(model, k, uids)
        pop.sti_infected_year[uids, k] = model.year
        pop.sti_clear_year[uids, k] = clear
        pop.sti_any_until_year[uids] = np.maximum(pop.sti_any_until_year[uids], clear)
        if sources is not None:
            self.new_infections[k] += group_counts(pop.group[uids])

    def seed(
        self, model: EmpowerModel, k: int, uids: np.ndarray, prevalence: float, stream: str
    ) -> None:
        """Infect a share ``prevalence`` of ``uids`` (a starting or entering epidemic).

        Remaining durations are drawn as for new infections (exponential, so memoryless).
        """
        if uids.size == 0 or prevalence <= 0:
            return
        u = model.streams.uniforms(stream, model.step_index, uids)
        self.infect(model, k, uids[u < prevalence], None)

    def step(self, model: EmpowerModel) -> None:
        """Nothing to do each week: clearance is a time drawn at infection."""

    def reporters(self) -> dict[str, callable]:
        """Yearly reporters: ``NAME_prevalence|group`` and ``new_NAME_infections|group``."""
        out = {}
        for k, name in enumerate(self.names):
            for group, gs in METRIC_GROUPS.items():
                out[f"{name}_prevalence|{group}"] = lambda m, k=k, gs=gs: self.prevalence(m, k, gs)
                out[f"new_{name}_infections|{group}"] = lambda m, k=k, gs=gs: int(
                    self.new_infections[k, list(gs)].sum()
                )
        return out

    def prevalence(self, model: EmpowerModel, k: int, groups: tuple[int, ...]) -> float:
        """Share of the present people in ``groups`` who have STI ``k``."""
        uids = np.concatenate([model.members[g] for g in groups])
        if uids.size == 0:
            return math.nan
        return float(np.count_nonzero(model.pop.sti_infected(uids, k, model.year)) / uids.size)
