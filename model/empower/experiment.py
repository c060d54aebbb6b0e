"""Replicates of a scenario, run in this process or in a pool of worker processes.

Replicate ``r`` of a run with base seed ``S`` uses seed ``S + r``; the same seed list
is reused for every scenario, so scenarios are compared on common random numbers.
A replicate's output depends only on its scenario, seed and people scale, so results
are identical whatever the number of workers or numba threads (kernels draw their
numbers as pure functions of who and when, never from a shared stream). In this
process numba's parallel kernels use every core; worker processes use one thread each.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
from collections.abc import Callable

import pandas as pd

from empower.results import tidy_from_model
from empower.scenario import Scenario
from empower.survey import SurveyDesign
from empower.workers import worker_pool

__all__ = ["replicate_seeds", "run_replicate", "run_replicates", "run_many"]


def replicate_seeds(base_seed: int, replicates: int) -> list[int]:
    """The seed of each replicate: ``base_seed + r``."""
    if replicates < 1:
        raise ValueError("at least one replicate is needed")
    if base_seed < 0:
        raise ValueError("the seed must not be negative")
    return [base_seed + r for r in range(replicates)]


def run_replicate(
    scenario: Scenario, replicate: int, seed: int, people_scale: float = 1.0,
    progress: Callable[[int], None] | None = None, threads: int | None = None,
    surveys: tuple[SurveyDesign, ...] = (),
) -> pd.DataFrame:
    """Run one replicate and return its tidy table.

    ``surveys``: fielded during the run (:class:`empower.survey_fielding.FieldedSurveys`;
    the outputs are the same with or without); their measures and odds ratios are added
    as rows (:func:`empower.survey_fielding.survey_rows`).
    """
    from empower.allocator import keep_freed_memory
    from empower.model import EmpowerModel

    keep_freed_memory()
    model = EmpowerModel(scenario, seed=seed, people_scale=people_scale, threads=threads)
    try:
        if not surveys:
            model.run(progress)
            return tidy_from_model(model, replicate)
        from empower.survey_fielding import FieldedSurveys, survey_rows

        fielded = FieldedSurveys(model, list(surveys))
        model.run(progress, before_step=fielded.field_due)
        table = tidy_from_model(model, replicate)
        rows = survey_rows(fielded.respondents, model.stis.names).assign(
            scenario=table["scenario"].iloc[0], replicate=replicate, seed=seed,
            site=model.sites[0].name)
        return pd.concat([table, rows[table.columns]], ignore_index=True)
    finally:
        model.release()


def _run_in_worker(args: tuple[Scenario, int, int, float, tuple[SurveyDesign, ...]]
                   ) -> pd.DataFrame:
    # Worker processes already use the cores between them: one numba thread each.
    return run_replicate(*args[:4], progress=None, threads=1, surveys=args[4])


def run_many(
    jobs: list[tuple[Scenario, int, int]], people_scale: float = 1.0, workers: int = 1,
    progress: Callable[[int], None] | None = None, threads: int | None = None,
    pool: cf.Executor | None = None, surveys: tuple[SurveyDesign, ...] = (),
) -> list[pd.DataFrame]:
    """Run ``(scenario, replicate, seed)`` jobs; their tables, in the jobs' order.

    With ``workers`` > 1 every job goes to one pool of spawned processes, so runs of
    several scenarios share the workers (no idle worker between scenarios, one start-up).
    ``pool``: an executor to use instead (a Dask client's, :func:`empower.sweep.executor`);
    a job's table is the same wherever it runs. ``surveys``: fielded in every job
    (:func:`run_replicate`).
    """
    if pool is None and (workers <= 1 or len(jobs) == 1):
        return [run_replicate(sc, r, s, people_scale, progress, threads, surveys)
                for sc, r, s in jobs]
    with contextlib.ExitStack() as stack:
        if pool is None:
            pool = stack.enter_context(worker_pool(workers))
        tables = []
        for (sc, _, _), table in zip(jobs, pool.map(
                _run_in_worker, [(sc, r, s, people_scale, surveys) for sc, r, s in jobs]),
                strict=True):
            tables.append(table)
            if progress is not None:
                progress(sc.n_steps)
    return tables


def run_replicates(
    scenario: Scenario | list[Scenario], seeds: list[int], people_scale: float = 1.0,
    workers: int = 1, progress: Callable[[int], None] | None = None,
    threads: int | None = None,
) -> pd.DataFrame:
    """Run one replicate per seed and stack their tables (in replicate order).

    Args:
        scenario: The resolved scenario, or one per replicate (posterior draws:
            :func:`empower.posterior.posterior_scenarios`).
        seeds: One seed per replicate.
        people_scale: Multiplies the setting's group sizes.
        workers: Processes to use; 1 runs here.
        progress: Called with a number of finished weeks.
        threads: Numba threads when running here (default: by population size).
    """
    scenarios = scenario if isinstance(scenario, list) else [scenario] * len(seeds)
    if len(scenarios) != len(seeds):
        raise ValueError(f"{len(scenarios)} scenarios for {len(seeds)} seeds")
    jobs = [(sc, r, s) for r, (sc, s) in enumerate(zip(scenarios, seeds, strict=True))]
    return pd.concat(run_many(jobs, people_scale, workers, progress, threads),
                     ignore_index=True)
