"""EmpowerModel: the Mesa model that owns the population, streams and processes."""

from __future__ import annotations

import math
from pathlib import Path

import mesa
import numba
import numpy as np

from empower.agents import Client, Partner, PersonView, SexWorker
from empower.population import CLIENT, SEX_WORKER, Population
from empower.processes.cascade import Cascade
from empower.processes.clinics import Clinics
from empower.processes.demography import Demography
from empower.processes.groups import members_of, report_groups
from empower.processes.hiv import HIV
from empower.processes.legal import Legal
from empower.processes.mobilisation import Mobilisation
from empower.processes.partnerships import Partnerships
from empower.processes.prep import Prep
from empower.processes.sti import STIs
from empower.processes.transmission import Transmission
from empower.processes.violence import Violence
from empower.results import output_columns
from empower.rng import Streams
from empower.run_size import check_run_size, expected_rows
from empower.scenario import Scenario
from empower.timeline import value_at
from empower.units import DT_YEARS, STEPS_PER_YEAR

__all__ = ["EmpowerModel", "PARALLEL_FROM_PEOPLE"]

# Sex workers plus clients from which numba's parallel kernels use every core.
PARALLEL_FROM_PEOPLE = 50_000


class EmpowerModel(mesa.Model):
    """An agent-based model of HIV and STIs among sex workers, clients and partners.

    People are rows of one struct-of-arrays table (:class:`empower.population.Population`);
    processes act on whole arrays, and Mesa agents for people are thin views made on
    demand (:meth:`person`), never used in the step loop.

    One call to :meth:`step` is one week and runs, in this fixed order:

    1. ``demography``: people leave (career end, death, HIV death; partners with their
       partner), sex workers pause, and new people enter to hold group sizes.
    2. ``hiv`` and ``stis``: natural history (stages and clearance are times drawn at
       infection, so nothing is drawn here) and person-time at risk.
    3. The structural layer, which sets each sex worker's factors for the week
       (condom odds with clients, service use, HIV testing, ART dropout):
       ``legal`` (the regime in force starts the factors), ``mobilisation``
       (community groups: budget, outreach, membership, cohesion, empowerment,
       advocacy), ``violence`` (client, partner and police violence, arrest,
       confiscation) and ``clinics`` (members' STI screening or presumptive
       treatment). It comes before the week's contacts so that this week's
       violence, supply and cures act on this week's acts.
    4. ``partnerships``: regular ties and intimate partnerships end and form; the
       week's contacts, acts and condom use.
    5. ``cascade`` (HIV testing, ART, dropout, viral suppression) and ``prep``.
    6. ``transmission``: HIV and STIs pass within the week's contacts.
    7. The clock moves on one week; at the end of each calendar year the
       ``DataCollector`` records every reporter and the yearly counters restart.

    Args:
        scenario: A resolved scenario (:func:`empower.scenario.load_scenario`), or a
            scenario's name or path (read and resolved here).
        seed: The replicate seed; every random number is a function of it.
        rng: Mesa's name for the seed (``EmpowerModel(scenario, rng=7)``): an integer,
            the same as ``seed``; give one or the other.
        people_scale: Multiplies the setting's group sizes (0.1 = a tenth as many).
        threads: Numba threads for the kernels; default: every core for large
            populations (``PARALLEL_FROM_PEOPLE``), one for small ones. Results do
            not depend on it.

    The runners (``empower run``, :func:`empower.experiment.run_replicate`, surveys,
    sweeps) also ask the C allocator to keep freed memory for the next week's arrays
    (:func:`empower.allocator.keep_freed_memory`; Linux with glibc only); a model made
    directly leaves the process's allocator alone.

    ``mesa.batch_run`` does not work with this model: it reads one DataCollector
    record per step, and the model records once a year (a weekly record of every
    reporter would cost more than the week's step). Use :func:`empower.run` or
    ``empower sweep`` (docs/api.md, docs/sweeps.md).
    """

    # Mesa >= 3.5 makes Model.scenario a property whose setter runs
    # ``scenario.model = self`` (which fails on our frozen Scenario); a plain class
    # attribute shadows it. Harmless on Mesa 3.3, which has no such property.
    scenario: Scenario = None  # type: ignore[assignment]

    def __init__(self, scenario: Scenario | str | Path, seed: int | None = None,
                 people_scale: float = 1.0, threads: int | None = None, *,
                 rng: int | None = None):
        if rng is not None:
            if seed is not None and seed != rng:
                raise ValueError(f"seed ({seed}) and rng ({rng}) differ: give one of them")
            if isinstance(rng, bool) or not isinstance(rng, int | np.integer):
                raise ValueError("rng must be an integer seed (the model's random numbers "
                                 "are functions of it, not of a generator)")
            seed = int(rng)
        seed = 0 if seed is None else seed
        super().__init__(rng=seed)
        if not isinstance(scenario, Scenario):
            from empower.scenario import load_scenario

            scenario = load_scenario(scenario)
        if not people_scale > 0 or not math.isfinite(people_scale):
            raise ValueError(f"people_scale must be a positive number, got {people_scale}")
        if threads is not None and not 1 <= threads <= numba.config.NUMBA_NUM_THREADS:
            raise ValueError(f"threads must be from 1 to {numba.config.NUMBA_NUM_THREADS}")
        self.scenario = scenario
        self.params = scenario.params
        self.seed = int(seed)
        self.people_scale = float(people_scale)
        self.streams = Streams(self.seed)
        self.step_index = 0
        self.start_year = scenario.run_start_year
        self.n_steps = scenario.n_steps
        check_run_size(scenario, self.people_scale)
        self.pop = Population(n_sti=len(self.params.stis),
                              capacity=expected_rows(scenario, self.people_scale))
        self.members: list[np.ndarray] = []
        self._views: dict[int, PersonView] = {}

        self.demography = Demography()
        self.hiv = HIV()
        self.stis = STIs(list(self.params.stis))
        self.legal = Legal()
        self.mobilisation = Mobilisation()
        self.violence = Violence()
        self.clinics = Clinics()
        self.partnerships = Partnerships()
        self.cascade = Cascade()
        self.prep = Prep()
        self.transmission = Transmission()
        self.processes = (self.demography, self.hiv, self.stis, self.legal, self.mobilisation,
                          self.violence, self.clinics, self.partnerships, self.cascade,
                          self.prep, self.transmission)
        self.partnerships.client_condom_modifiers.append("condom_odds_clients")
        self.partnerships.partner_condom_modifiers.append("condom_odds_partner")
        self.cascade.testing_modifiers.extend(["service_factor", "hiv_testing_factor"])
        self.cascade.dropout_modifiers.append("art_dropout_factor")

        self.threads = threads or self._threads_for_size()
        self.hiv.init(self)
        self.stis.init(self)
        self.demography.init(self)
        for process in self.processes[3:]:
            process.init(self)

        tables = [("population", self._population_reporters())]
        tables += [(type(p).__name__, p.reporters()) for p in self.processes[:-1]]
        reporters, self.output_keys = output_columns(tables)
        self.record_year = self.start_year
        self.datacollector = mesa.DataCollector(
            model_reporters={"year": lambda m: m.record_year, **reporters})

    def _threads_for_size(self) -> int:
        """Numba threads for this model: every core from PARALLEL_FROM_PEOPLE on.

        One thread below that size, where starting threads costs more than it saves.
        """
        p, year = self.params.population, self.start_year
        n = (value_at(p.n_sex_workers, year) + value_at(p.n_clients, year)) * self.people_scale
        return numba.config.NUMBA_NUM_THREADS if n >= PARALLEL_FROM_PEOPLE else 1

    # ------------------------------------------------------------------ clock
    @property
    def year(self) -> float:
        """The calendar year now (2025.0 is 1 January 2025)."""
        return self.start_year + self.step_index * DT_YEARS

    @property
    def finished(self) -> bool:
        """Whether the run has reached the scenario's end year."""
        return self.step_index >= self.n_steps

    def step(self) -> None:
        """One week: see the class docstring for the order of processes."""
        numba.set_num_threads(self.threads)
        for process in self.processes:
            process.step(self)
        self.step_index += 1
        if self.step_index % STEPS_PER_YEAR == 0:
            self._record_year()
        self.running = not self.finished

    @property
    def burning_in(self) -> bool:
        """Whether the clock is still before the scenario's first reported year."""
        return self.year < self.scenario.start_year

    def _record_year(self) -> None:
        self.record_year = self.start_year + self.step_index // STEPS_PER_YEAR - 1
        for g in range(len(self.members)):
            self.members[g] = self.pop.present(self.members[g], self.year)
        if self.record_year >= self.scenario.start_year:  # burn-in years are not reported
            self.datacollector.collect(self)
        for process in (self.hiv, self.stis, self.mobilisation, self.violence, self.clinics,
                        self.partnerships):
            process.reset_counters()

    def run(self, progress=None, before_step=None) -> None:
        """Step until the end year.

        ``before_step()`` is called before every step and once after the last (a
        survey fielded at the run's end); ``progress(n)`` after every step; each if given.
        """
        while not self.finished:
            if before_step is not None:
                before_step()
            self.step()
            if progress is not None:
                progress(1)
        if before_step is not None:
            before_step()

    def release(self) -> None:
        """Let the model be freed once its caller drops it (call after a run).

        Mesa releases before the fix of mesa/mesa#3179 keep every model in a
        class-level dictionary of agent ids (``mesa.Agent._ids``), so a process that
        makes models one after another (a calibration worker, a sweep) kept them all:
        about 40 MB a full Mysore run, which ran a calibration worker out of memory.
        This takes the model out of that dictionary and removes its agents and views.
        """
        ids = getattr(mesa.Agent, "_ids", None)
        if isinstance(ids, dict):
            ids.pop(self, None)
        self._views.clear()
        for agent in list(self.agents):
            agent.remove()

    # ------------------------------------------------------------------ outputs
    def _population_reporters(self) -> dict:
        return {
            ("population", rg.name): lambda m, rg=rg: int(members_of(m, rg).size)
            for rg in report_groups(self)
        }

    # ------------------------------------------------------------------ inspection
    def person(self, uid: int) -> PersonView:
        """A Mesa agent that views one person's row (made on first request)."""
        view = self._views.get(uid)
        if view is None:
            if not 0 <= uid < self.pop.n:
                raise IndexError(f"no person with uid {uid}")
            group = int(self.pop.group[uid])
            cls = SexWorker if group == SEX_WORKER else Client if group == CLIENT else Partner
            view = cls(self, uid)
            self._views[uid] = view
        return view

    def views(self, group: int) -> mesa.agent.AgentSet:
        """An AgentSet of views of everyone present in ``group`` (for inspection)."""
        present = self.pop.present(self.members[group], self.year)
        return mesa.agent.AgentSet([self.person(int(u)) for u in present], random=self.random)
