"""Baselines for regression checking: record a model's outputs, run them again, compare.

:func:`record` runs each scenario's replicates and keeps, per metric, group and year
(and the mean over the years, year ``all``), every replicate's value with their mean
and 10th/90th percentiles, plus a digest of each replicate's whole table. Beside the
epidemic outputs, the outputs hold the model's behaviour (its invariants): one-off
clients per sex worker a week by venue, regular clients and intimate partners per sex
worker, regular ties' duration, acts per contact, condom use by partnership type (over
acts, and consistent over a week), entrants and their HIV prevalence, coverage,
spending and unspent money, violence and arrests, the cascade; and, with survey years,
what simulated surveys measure as the studies did (condom use at last sex by partner
type and consistent over 30 days, past-year violence, the survey odds ratios).

:func:`rerun` runs a baseline's scenarios again (its seeds unless others are given,
with any number of workers or threads: a replicate's output does not depend on them);
:mod:`empower.baseline_compare` compares the two.
"""

from __future__ import annotations

import hashlib
import math
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from empower import __version__
from empower.baseline_file import (
    ALL_YEARS,
    DEFAULT_TOLERANCES,
    FORMAT,
    FORMAT_VERSION,
    Baseline,
    MetricRecord,
    ScenarioBaseline,
    Timing,
    Tolerances,
    metric_key,
)
from empower.experiment import run_many
from empower.option_checks import Executor
from empower.results import command_line, source_commit
from empower.scenario import ConfigError, Scenario, load_scenario
from empower.survey import SurveyDesign
from empower.survey_fielding import check_designs

__all__ = ["record", "rerun", "summarise", "table_digest", "platform_facts", "cpu_score",
           "slowdown", "Rerun"]

SURVEY_EVERYONE = 10**9  # a baseline's survey takes every working sex worker


def platform_facts() -> dict[str, str]:
    """What bit-identical outputs depend on: machine, Python and numeric libraries."""
    import numba

    return {"machine": platform.machine(), "system": platform.system(),
            "python": platform.python_version(), "numpy": np.__version__,
            "numba": numba.__version__}


def table_digest(table: pd.DataFrame) -> str:
    """SHA-256 of one replicate's whole tidy table (keys and the values' bytes)."""
    t = table.sort_values(["year", "metric", "group"], kind="mergesort")
    h = hashlib.sha256()
    h.update("\n".join(t["metric"] + "|" + t["group"] + "|" + t["year"].astype(str)).encode())
    h.update(np.ascontiguousarray(t["value"].to_numpy(dtype=np.float64)).tobytes())
    return h.hexdigest()


def summarise(table: pd.DataFrame, years: list[int], n_replicates: int
              ) -> dict[str, MetricRecord]:
    """Each metric, group and year of ``years`` (and year ``all``) of a stacked table."""
    wide = table.set_index(["metric", "group", "year", "replicate"])["value"].unstack(
        "replicate").reindex(columns=range(n_replicates))
    period = wide.groupby(level=["metric", "group"]).mean()  # NaN years left out
    records = {}
    for (metric, group, year), row in wide.iterrows():
        if int(year) in years:
            records[metric_key(metric, group, int(year))] = _record(row.to_numpy())
    for (metric, group), row in period.iterrows():
        records[metric_key(metric, group, ALL_YEARS)] = _record(row.to_numpy())
    return records


def _record(values: np.ndarray) -> MetricRecord:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        mean = p10 = p90 = None
    else:
        mean = float(finite.mean())
        p10, p90 = (float(q) for q in np.quantile(finite, [0.1, 0.9]))
    return MetricRecord(values=[float(v) if np.isfinite(v) else None for v in values],
                        mean=mean, p10=p10, p90=p90)


class Rerun:
    """A scenario's outputs from a run of a baseline: its records and digests."""

    def __init__(self, scenario: Scenario, table: pd.DataFrame, years: list[int],
                 n_replicates: int) -> None:
        self.scenario = scenario
        self.metrics = summarise(table, years, n_replicates)
        self.digests = [table_digest(table[table["replicate"] == r])
                        for r in range(n_replicates)]


def cpu_score(repeats: int = 3) -> float:
    """CPU seconds of a fixed workload, the best of ``repeats``.

    Sorting and gathering 2 million numbers: the yardstick a run's CPU time is divided
    by to compare machines.
    """
    rng = np.random.default_rng(0)
    x = rng.random(2_000_000)
    order = rng.permutation(x.size)
    best = math.inf
    for _ in range(repeats):
        start = time.process_time()
        np.sort(x)
        float(x[order].sum())
        best = min(best, time.process_time() - start)
    return best


def survey_designs(years: list[int]) -> tuple[SurveyDesign, ...]:
    """A baseline's surveys: every working sex worker, mid-year, a 30-day recall period."""
    return tuple(SurveyDesign(y, sample_size=SURVEY_EVERYONE, recall_days=30)
                 for y in sorted(years))


def _run(scenarios: list[Scenario], seeds: list[int], people_scale: float, workers: int,
         threads: int | None, progress, executor: Executor = "in-process",
         scheduler: str | None = None, survey_years: tuple[int, ...] | list[int] = ()
         ) -> tuple[list[pd.DataFrame], Timing]:
    """Every scenario's replicates, here or on ``executor``; their tables and timing.

    ``in-process``: here, or with ``workers`` > 1 in spawned processes; ``local`` or
    ``dask``: on :func:`empower.sweep.executor` of that kind (a Dask scheduler at
    ``scheduler``, or a local Dask cluster of ``workers`` processes). CPU time is
    measured only for runs in this process. ``survey_years``: surveys fielded in every
    replicate (:func:`survey_designs`).
    """
    jobs = [(sc, r, s) for sc in scenarios for r, s in enumerate(seeds)]
    surveys = survey_designs(list(survey_years))
    started = time.process_time()
    if executor == "in-process":
        tables = run_many(jobs, people_scale, workers, progress, threads, surveys=surveys)
        here = workers <= 1 or len(jobs) == 1
    else:
        from empower.sweep import executor as make_executor

        with make_executor(executor, workers, scheduler) as pool:
            tables = run_many(jobs, people_scale, workers, progress, threads, pool=pool,
                              surveys=surveys)
        here = False
    cpu = time.process_time() - started if here else None
    score = cpu_score()
    timing = Timing(cpu_seconds=cpu, score_seconds=score,
                    normalised=None if cpu is None else cpu / score)
    n = len(seeds)
    return [pd.concat(tables[i * n:(i + 1) * n], ignore_index=True)
            for i in range(len(scenarios))], timing


def record(scenario_paths: list[Path], out_file: Path, *, replicates: int, seed: int,
           people_scale: float, years: list[int] | None = None, workers: int = 1,
           threads: int | None = None, tolerances: Tolerances = DEFAULT_TOLERANCES,
           progress=None, executor: Executor = "in-process",
           scheduler: str | None = None, survey_years: list[int] | None = None) -> Baseline:
    """Run each scenario's replicates and return their baseline.

    The baseline is to be written to ``out_file``: scenario paths are stored relative
    to its folder. ``years``: the years recorded one by one (default: every reported year of the
    first scenario); the mean over all reported years is recorded too. ``executor``
    and ``scheduler``: where the runs go (:func:`_run`). ``survey_years``: surveys fielded
    in every replicate, recorded at their years (:func:`survey_designs`).
    """
    from empower.experiment import replicate_seeds

    scenarios = [load_scenario(p).one_site("a baseline") for p in scenario_paths]
    names = [sc.name for sc in scenarios]
    if len(set(names)) != len(names):
        raise ConfigError([f"scenarios: two have the same name ({', '.join(names)}); a "
                           "baseline keys its records by scenario name"])
    seeds = replicate_seeds(seed, replicates)
    first = scenarios[0]
    survey_years = sorted(set(survey_years or []))
    years = sorted(set(years or range(first.start_year, first.end_year)) | set(survey_years))
    for sc in scenarios if survey_years else []:
        try:
            check_designs(sc, list(survey_designs(survey_years)))
        except ValueError as exc:
            raise ConfigError([f"--survey-years: scenario {sc.name}: {exc}"]) from None
    tables, timing = _run(scenarios, seeds, people_scale, workers, threads, progress,
                          executor, scheduler, survey_years)
    base = Path(out_file).resolve().parent
    records = {}
    for sc, path, table in zip(scenarios, scenario_paths, tables, strict=True):
        rerun = Rerun(sc, table, years, len(seeds))
        records[sc.name] = ScenarioBaseline(
            scenario_file=_relative(Path(sc.path or path), base), metrics=rerun.metrics,
            digests=rerun.digests, parameters=sc.params.model_dump(mode="json"))
    return Baseline(format=FORMAT, format_version=FORMAT_VERSION, empower_version=__version__,
                    git=source_commit(), platform=platform_facts(),
                    created_utc=datetime.now(UTC).isoformat(timespec="seconds"),
                    command=command_line(), seeds=seeds, people_scale=people_scale,
                    years=years, survey_years=survey_years, tolerances=tolerances,
                    timing=timing, scenarios=records)


def rerun(baseline: Baseline, baseline_file: Path, *, seeds: list[int] | None = None,
          workers: int = 1, threads: int | None = None, overrides: dict | None = None,
          progress=None, executor: Executor = "in-process", scheduler: str | None = None
          ) -> tuple[dict[str, Rerun], Timing]:
    """Run a baseline's scenarios again; ``overrides`` (dotted keys) change every one.

    ``executor`` and ``scheduler``: where the runs go (:func:`_run`).

    Returns the runs by scenario name, and their timing (the benchmark guard).

    Raises:
        ConfigError: A scenario file is gone or no longer valid (named with the
            baseline file).
    """
    base = Path(baseline_file).resolve().parent
    scenarios = []
    problems = []
    for name, sb in baseline.scenarios.items():
        path = Path(sb.scenario_file)
        path = path if path.is_absolute() else base / path
        try:
            scenarios.append(load_scenario(path, overrides=overrides or None)
                             .one_site("a baseline"))
        except ConfigError as exc:
            problems += [f"{baseline_file}: scenario {name}: {p}" for p in exc.problems]
    if problems:
        raise ConfigError(problems)
    seeds = list(baseline.seeds if seeds is None else seeds)
    tables, timing = _run(scenarios, seeds, baseline.people_scale, workers, threads, progress,
                          executor, scheduler, baseline.survey_years)
    runs = {name: Rerun(sc, table, baseline.years, len(seeds))
            for name, sc, table in zip(baseline.scenarios, scenarios, tables, strict=True)}
    return runs, timing


def _relative(path: Path, base: Path) -> str:
    import os

    path = path.resolve()
    try:
        return Path(os.path.relpath(path, base)).as_posix()
    except ValueError:  # another drive
        return str(path)


def slowdown(baseline: Baseline, now: Timing) -> float | None:
    """How many times slower than the baseline, machine-normalised (None: unknown)."""
    before = baseline.timing
    if before is None or before.normalised is None or now.normalised is None:
        return None
    return now.normalised / before.normalised
