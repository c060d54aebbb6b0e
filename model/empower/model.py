"""EmpowerModel: the Mesa model that owns the population, streams and processes."""

from __future__ import annotations

import math
from pathlib import Path

import mesa
import numba
import numpy as np

from empower.agents import Client, Partner, PersonView, SexWorker
from empower.core.report_groups import members_of, report_groups
from empower.population import CLIENT, SEX_WORKER
from empower.results import output_columns
from empower.run_size import check_run_size
from empower.scenario import Scenario
from empower.site import Site
from empower.timeline import value_at
from empower.units import DT_YEARS, STEPS_PER_YEAR

__all__ = ["EmpowerModel", "PARALLEL_FROM_PEOPLE"]

# Sex workers plus clients from which numba's parallel kernels use every core: about
# 950,000 people with partners. On 2 cores with another process busy, 2 threads took
# 1.05 times as long as 1 at 100,000 people, 1.02 at 500,000 and 0.99 at 1,000,000
# (on an idle machine 0.98 at 100,000 and 0.82 at 1,000,000): docs/performance.md.
PARALLEL_FROM_PEOPLE = 600_000


class EmpowerModel(mesa.Model):
    """An agent-based model of HIV and STIs among sex workers, clients and partners.

    The model holds the clock and the setting's sites (:class:`empower.site.Site`: a
    one-site setting has one, named after it); each site has its own people, streams,
    parameters and processes. A one-site model's site attributes are the model's
    (``model.pop``, ``model.hiv``); with several, :meth:`site` names one. People are
    rows of their site's struct-of-arrays table (:class:`empower.population.Population`);
    processes act on whole arrays, and Mesa agents for people are thin views made on
    demand (:meth:`person`), never used in the step loop.

    One call to :meth:`step` is one week: at each site in turn, the phases of
    :data:`empower.phases.PHASES`, in this order (each ``process.method``; tested equal
    to ``PHASES``):

    1. ``demography.step``: people leave, sex workers pause, new people enter.
    2. ``hiv.step``: HIV at entry for the week's entrants; susceptible person-time.
    3. ``stis.step``: STIs at entry for the week's entrants; infections that ended.
    4. ``legal.step``: the regime in force; it starts the week's structural factors.
    5. ``mobilisation.step``: community groups: budget, outreach, members, cohesion,
       empowerment, advocacy with police.
    6. ``violence.step``: client, partner and police violence, arrest, confiscation.
    7. ``clinics.step``: members' clinic visits: who is found with an STI.
    8. ``stis.treat_found``: cure the infections found at the clinics.
    9. ``partnerships.form_ties``: regular ties end and form; who forms an intimate
       partnership.
    10. ``demography.add_intimate_partners``: the new intimate partners enter.
    11. ``hiv.seed_entrants``: HIV at entry for the new partners.
    12. ``stis.seed_entrants``: STIs at entry for the new partners.
    13. ``partnerships.contacts``: the week's contacts, acts and condom use.
    14. ``cascade.step``: HIV testing, ART start, dropout, viral suppression.
    15. ``prep.step``: PrEP: stop, start within funded slots, efficacy.
    16. ``transmission.step``: HIV and STIs pass within the week's contacts.
    17. ``hiv.infect_new``: the week's new HIV infections: survival, HIV death.
    18. ``stis.infect_new``: the week's new STI infections: symptoms, duration.

    A phase reads what earlier ones publish in the week's products (``site.week``,
    :class:`empower.week.Week`), never another process's attributes. The structural
    layer (legal, mobilisation, violence, clinics) comes before the week's contacts so
    that this week's violence, supply and cures act on this week's acts. Then the
    clock moves on one week; at the end of each calendar year the ``DataCollector``
    records every site's process reporters (columns ``metric|group`` for the first
    site, ``metric|group@SITE`` for others; :attr:`output_keys` and
    :attr:`output_sites` say what each column is) and each process starts a new year
    of counters.

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
        self.seed = int(seed)
        self.people_scale = float(people_scale)
        self.step_index = 0
        self.start_year = scenario.run_start_year
        self.n_steps = scenario.n_steps
        check_run_size(scenario, self.people_scale)
        self.sites = tuple(Site(self, name, index, params)
                           for index, (name, params) in enumerate(scenario.sites.items()))
        self._views: dict[tuple[int, int], PersonView] = {}
        self.threads = threads or self._threads_for_size()
        for site in self.sites:
            site.init()

        reporters, self.output_keys, self.output_sites = {}, {}, {}
        for site in self.sites:
            tables = [("population", self._population_reporters(site))]
            tables += [(type(p).__name__, p.record()) for p in site.processes]
            columns, keys = output_columns(tables)
            # the first site's labels are a one-site model's (metric|group)
            suffix = "" if site.index == 0 else f"@{site.name}"
            for column, reporter in columns.items():
                reporters[column + suffix] = lambda m, r=reporter, s=site: r(s)
                self.output_keys[column + suffix] = keys[column]
                self.output_sites[column + suffix] = site.name
        self.record_year = self.start_year
        self.datacollector = mesa.DataCollector(
            model_reporters={"year": lambda m: m.record_year, **reporters})

    def __getattr__(self, name: str):
        """A one-site model's site attributes (``model.pop``, ``model.hiv``) are the model's.

        With several sites they are ambiguous: the error names :meth:`site`.
        """
        sites = self.__dict__.get("sites")
        if sites is None or name.startswith("__") or not hasattr(sites[0], name):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        if len(sites) > 1:
            raise AttributeError(
                f"this model has {len(sites)} sites ({', '.join(s.name for s in sites)}): "
                f"use model.site(NAME).{name}")
        return getattr(sites[0], name)

    def site(self, name: str | None = None) -> Site:
        """The site called ``name`` (default: the only one)."""
        if name is None:
            if len(self.sites) > 1:
                raise ValueError(f"this model has {len(self.sites)} sites: name one of "
                                 f"{', '.join(s.name for s in self.sites)}")
            return self.sites[0]
        for site in self.sites:
            if site.name == name:
                return site
        raise ValueError(f"no site {name!r}; the sites are "
                         f"{', '.join(s.name for s in self.sites)}")

    def _threads_for_size(self) -> int:
        """Numba threads for this model: every core from PARALLEL_FROM_PEOPLE on.

        One thread below that size, where starting threads costs more than it saves.
        """
        year = self.start_year
        n = sum(value_at(site.params.population.n_sex_workers, year)
                + value_at(site.params.population.n_clients, year)
                for site in self.sites) * self.people_scale
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
        """One week: at each site in turn, the phases of :data:`empower.phases.PHASES`."""
        numba.set_num_threads(self.threads)
        for site in self.sites:
            site.step()
        self.step_index += 1
        for site in self.sites:
            site.tick()
        if self.step_index % STEPS_PER_YEAR == 0:
            self._record_year()
        self.running = not self.finished

    @property
    def burning_in(self) -> bool:
        """Whether the clock is still before the scenario's first reported year."""
        return self.year < self.scenario.start_year

    def _record_year(self) -> None:
        self.record_year = self.start_year + self.step_index // STEPS_PER_YEAR - 1
        for site in self.sites:
            site.end_year()
        if self.record_year >= self.scenario.start_year:  # burn-in years are not reported
            self.datacollector.collect(self)
        for site in self.sites:
            site.reset_year()

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
    @staticmethod
    def _population_reporters(site: Site) -> dict:
        return {
            ("population", rg.name): lambda s, rg=rg: int(members_of(s, rg).size)
            for rg in report_groups(site)
        }

    # ------------------------------------------------------------------ inspection
    def person(self, uid: int, site: str | None = None) -> PersonView:
        """A Mesa agent that views one person's row (made on first request).

        ``uid``: the person's uid (``pop.uid``; their row moves at year ends, their uid
        never). ``site``: the person's site's name (needed when there are several).

        Raises:
            IndexError: If no one has that uid, or they left before this year (their
                row is dropped at the start of the next year).
        """
        where = self.site(site)
        view = self._views.get((where.index, uid))
        if view is None:
            row = PersonView.row_of(where, uid)
            group = int(where.pop.group[row])
            cls = SexWorker if group == SEX_WORKER else Client if group == CLIENT else Partner
            view = cls(where, uid)
            self._views[where.index, uid] = view
        return view

    def views(self, group: int, site: str | None = None) -> mesa.agent.AgentSet:
        """An AgentSet of views of everyone present in ``group`` (for inspection)."""
        where = self.site(site)
        present = where.pop.present(where.members[group], self.year)
        return mesa.agent.AgentSet([self.person(int(u), site) for u in where.pop.uid[present]],
                                   random=self.random)
