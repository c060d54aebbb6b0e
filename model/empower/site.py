"""A site: one place of a setting, with its own people, streams, parameters and processes.

A setting holds one site or several (``[sites.NAME]`` tables in the setting file,
:mod:`empower.setting_sites`); the model (:class:`empower.model.EmpowerModel`) keeps
the clock and steps every site through the week's phases in turn. A process acts on
one site: every process method is given the :class:`Site`, whose attributes are the
ones processes read (``pop``, ``members``, ``streams``, ``week``, ``now``,
``params``, the clock), so a process never sees another site. Anything that spans
sites (people moving between cities) is a step of the model's, not of every process.

Random numbers: the first site's streams are keyed as a one-site setting's are, so a
city draws the same numbers alone or as the first of several; every other site's
stream keys hash its name too (:class:`empower.rng.Streams`), so two sites with the
same parameters have different chance events. A person is a row of their site's
population table, and ``(site, uid)`` names them: rows move at the start of each year
(:meth:`Site.step` compacts the table), uids never do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from empower import phases
from empower.core.resolved import Resolver
from empower.parameters import SettingParams
from empower.population import Population
from empower.rng import Streams
from empower.run_size import expected_rows
from empower.units import DT_YEARS
from empower.week import Week

if TYPE_CHECKING:
    from empower.core.process import Process
    from empower.model import EmpowerModel
    from empower.scenario import Scenario

__all__ = ["Site"]


class Site:
    """One place's people, streams, parameters now and processes, on the model's clock.

    Steps of :meth:`step` (one week at this site): at the first week of a year, drop
    the rows of the people who were gone all of the last week and give every process
    the move (:meth:`compact`); reset the week's products; then each phase of
    :data:`empower.phases.PHASES` in order. The model advances the clock
    and calls :meth:`tick` after every site has stepped. The clock (``year``,
    ``step_index``) and the run's fixed facts (``scenario``, ``seed``,
    ``people_scale``, ``start_year``) are plain attributes, since processes read them
    thousands of times a run; only :meth:`tick` changes the clock.

    Args:
        model: The model whose clock the site runs on.
        name: The site's name (a one-site setting's only site is named after it).
        index: The site's position in the setting (0 for the first).
        params: The site's parameters, scenario changes applied.
    """

    #: Whether :meth:`compact` drops the rows of people who left (False keeps every row:
    #: a check that compaction changes no output, tests/test_dense_rows.py).
    compact_rows: bool = True

    def __init__(self, model: EmpowerModel, name: str, index: int, params: SettingParams):
        self.model = model
        # the run's fixed facts, and the clock (set by tick), as plain attributes
        self.scenario: Scenario = model.scenario
        self.seed: int = model.seed
        self.people_scale: float = model.people_scale
        self.start_year: int = model.start_year
        self.step_index: int = model.step_index
        self.year: float = model.year
        self.name = name
        self.index = index
        self.params = params
        self._resolver = Resolver(params)
        self.pop = Population(n_sti=len(params.stis),
                              capacity=expected_rows(model.scenario, model.people_scale,
                                                     params))
        self.streams = Streams(model.seed, site=None if index == 0 else name, pop=self.pop)
        self.members: list[np.ndarray] = []
        self.week = Week()
        self._compact_due = False
        self.now = self._resolver.at(model.year)  # the parameters at the year, always
        # each process is also an attribute by its name (site.hiv); made in PHASES order
        self.processes: tuple[Process, ...] = tuple(
            cls(self) for cls in phases.processes_in(phases.PHASES))
        for process in self.processes:
            setattr(self, process.name, process)
        # looked up each week, so a test or profiler may wrap a process's method
        self._phases = tuple((getattr(self, ph.process.name), ph.method)
                             for ph in phases.PHASES)

    def init(self) -> None:
        """Each process's starting state, in PHASES order."""
        for process in self.processes:
            process.init(self)

    def step(self) -> None:
        """One week at this site: the phases of :data:`empower.phases.PHASES` in order."""
        if self._compact_due:
            self.compact()
        self.week = Week()
        for process, method in self._phases:
            getattr(process, method)(self)

    def tick(self) -> None:
        """After the model's clock moved on: its step and year, and the parameters then."""
        self.step_index = self.model.step_index
        self.year = self.model.year
        self.now = self._resolver.at(self.year)

    def end_year(self) -> None:
        """At a year's end: drop people who left from the member lists (before recording).

        Their rows go at the next step (:meth:`compact`), so the last week's products
        and the recorded year can still be read.
        """
        for g in range(len(self.members)):
            self.members[g] = self.pop.present(self.members[g], self.model.year)
        self._compact_due = True

    def compact(self) -> None:
        """Drop the rows of people gone all of the last week; give the move to all.

        Steps: keep the rows of everyone present at the last week's year (anyone who
        left before it was already dropped from every process's lists that week);
        map the member lists and, through ``remap_rows``, each process's kept rows.
        """
        self._compact_due = False
        if not self.compact_rows:
            return
        last_week_year = self.start_year + (self.step_index - 1) * DT_YEARS
        new_of_old = self.pop.compact(last_week_year)
        if new_of_old is None:
            return
        for g in range(len(self.members)):
            self.members[g] = new_of_old[self.members[g]]
        for process in self.processes:
            process.remap_rows(self, new_of_old)

    def reset_year(self) -> None:
        """After recording: every process starts a new year of counters."""
        for process in self.processes:
            process.reset_year()

    def __repr__(self) -> str:
        return f"Site({self.name!r}, index={self.index}, people={self.pop.n})"
