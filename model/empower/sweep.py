"""Sweeps: many runs on one machine or a cluster, each written as it finishes, resumable.

A sweep runs every scenario of an experiment file (:mod:`empower.experiment_file`) at
every design point, each with the same replicate seeds (and, with a posterior, the
same draws). Steps of :func:`sweep`:

1. Expand the runs: scenario x design point x replicate. Each run is keyed by the
   SHA-256 of its resolved parameters (overrides and posterior draw applied), seed and
   people scale, so the same run always has the same key and a changed setting,
   scenario or parameter makes a new one.
2. Skip runs whose result file is already in ``OUT/runs/`` (a re-run resumes).
3. Submit the rest to an executor (:func:`executor`: local processes by default,
   ``dask.distributed`` for a cluster), at most two per worker in flight, so memory
   stays bounded whatever the number of runs.
4. As each finishes, write its tidy table to ``OUT/runs/KEY.parquet`` (written whole,
   then renamed into place); a failure is written to ``OUT/failed/KEY.json`` with its
   error and does not stop the others (a re-run retries it).
5. Write ``OUT/manifest.parquet`` and ``.csv``: one row per run (key, scenario, design
   point and its values, replicate, seed, draw, status, file), and ``OUT/sweep.json``
   (the experiment, versions, commit).

Results do not depend on the executor or the number of workers: a run's output is a
function of its scenario, seed and people scale only.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import hashlib
import itertools
import json
import os
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from empower.experiment_file import ExperimentFile, design_points, load_experiment
from empower.scenario import ConfigError, Scenario, load_scenario

__all__ = ["RunSpec", "plan_runs", "executor", "sweep", "load_sweep", "run_one"]


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep: what a worker needs to run it, and its key."""

    key: str
    scenario_file: str
    scenario: str
    point: int
    overrides: dict[str, Any]
    replicate: int
    seed: int
    draw: int | None
    draw_values: dict[str, float] | None
    people_scale: float


def _key(scenario: Scenario, seed: int, people_scale: float) -> str:
    text = json.dumps({"parameters": scenario.params.model_dump(mode="json"),
                       "years": [scenario.start_year, scenario.end_year],
                       "seed": seed, "people_scale": people_scale}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _scenario_path(name: str, experiment_file: Path) -> Path:
    candidate = (experiment_file.parent / name)
    return candidate if candidate.is_file() else Path(name)


def plan_runs(spec: ExperimentFile, experiment_file: Path) -> list[RunSpec]:
    """Every run of the experiment, keyed, in a fixed order.

    Raises:
        ConfigError: A scenario or an override that cannot be resolved, named.
    """
    from empower.experiment import replicate_seeds
    from empower.posterior import load_posterior, posterior_draw, stored_posterior

    points = design_points(spec)
    seeds = replicate_seeds(spec.seed, spec.replicates)
    runs = []
    for name in spec.scenarios:
        path = _scenario_path(name, experiment_file)
        base = load_scenario(path).one_site("a sweep")
        table = None
        if spec.posterior:
            post = (stored_posterior(base.setting_path) if spec.posterior is True
                    else (experiment_file.parent / spec.posterior).resolve())
            table = load_posterior(post)
        for i, overrides in enumerate(points):
            try:
                sc = base.with_overrides(overrides, where=f"{experiment_file.name} point {i}")
            except ConfigError as exc:
                raise ConfigError([f"{experiment_file}: parameters: {p}"
                                   for p in exc.problems]) from None
            for r, seed in enumerate(seeds):
                draw = values = None
                resolved = sc
                if table is not None:
                    draw = posterior_draw(seed, len(table))
                    values = {k: float(v) for k, v in table.iloc[draw].items() if k != "draw"}
                    resolved = load_scenario(sc.path, values, f"posterior draw {draw}",
                                             overrides=sc.overrides)
                runs.append(RunSpec(_key(resolved, seed, spec.people_scale), str(sc.path),
                                    sc.name, i, overrides, r, seed, draw, values,
                                    spec.people_scale))
    return runs


def run_one(run: RunSpec) -> pd.DataFrame:
    """Run one sweep run (in a worker); its tidy table with the run's key and point."""
    from empower.experiment import run_replicate

    sc = load_scenario(run.scenario_file, run.draw_values,
                       f"posterior draw {run.draw}", overrides=run.overrides or None)
    table = run_replicate(sc, run.replicate, run.seed, run.people_scale, threads=1)
    return table.assign(point=run.point, key=run.key)


@contextmanager
def executor(kind: Literal["local", "dask"] = "local", workers: int | None = None,
             scheduler: str | None = None) -> Iterator[cf.Executor]:
    """A ``concurrent.futures`` executor: local processes, or a Dask cluster.

    ``local``: spawned processes (workers: the cores). ``dask``: a
    ``dask.distributed`` client of the scheduler at ``scheduler`` (``tcp://host:8786``,
    e.g. one started by dask-jobqueue on SLURM or dask-kubernetes), or of a local
    cluster of ``workers`` single-threaded processes when none is given.
    """
    workers = workers or os.cpu_count() or 1
    if kind == "local":
        from empower.workers import worker_pool

        with worker_pool(workers) as pool:
            yield pool
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError(["--executor dask needs dask.distributed: "
                           "pip install 'empower[dask]'"]) from None
    if scheduler:
        with Client(scheduler) as client:
            yield client.get_executor()
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client.get_executor()


def _write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    from empower.output_folder import atomic_write

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, write)


def sweep(experiment: Path | str, out: Path | str, *, kind: Literal["local", "dask"] = "local",
          workers: int | None = None, scheduler: str | None = None,
          pool: cf.Executor | None = None,
          progress: Callable[[str, int], None] | None = None) -> pd.DataFrame:
    """Run an experiment file's sweep into ``out`` (module steps); return the manifest.

    Args:
        experiment: The experiment file.
        out: The output folder (``runs/``, ``failed/``, ``manifest.*``, ``sweep.json``).
        kind: ``local`` or ``dask`` (:func:`executor`).
        workers: Worker processes (default: the cores).
        scheduler: A Dask scheduler's address (``kind="dask"``).
        pool: An executor to use instead (any ``concurrent.futures.Executor``).
        progress: Called with ``"done"``, ``"failed"`` or ``"skipped"`` and a count.
    """
    from empower import __version__
    from empower.output_folder import folder_lock
    from empower.results import source_commit

    path = Path(experiment)
    spec = load_experiment(path)
    out = Path(out)
    runs = plan_runs(spec, path)
    with folder_lock(out):
        (out / "runs").mkdir(parents=True, exist_ok=True)
        for stale in (out / "runs").glob(".*.tmp-*"):  # left by a process killed mid-write
            stale.unlink(missing_ok=True)
        status = {}
        todo = []
        for run in runs:
            if (out / "runs" / f"{run.key}.parquet").exists():
                status[run.key] = "done"
            else:
                todo.append(run)
        if progress and len(runs) > len(todo):
            progress("skipped", len(runs) - len(todo))
        if todo:
            with (contextlib.nullcontext(pool) if pool is not None
                  else executor(kind, workers, scheduler)) as pool:
                limit = 2 * (workers or os.cpu_count() or 1)
                pending: dict[cf.Future, RunSpec] = {}
                queue = iter(todo)
                for run in itertools.islice(queue, limit):
                    pending[pool.submit(run_one, run)] = run
                while pending:
                    finished, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                    for future in finished:
                        run = pending.pop(future)
                        failure = out / "failed" / f"{run.key}.json"
                        try:
                            table = future.result()
                        except Exception as exc:  # a run's error is recorded, not raised
                            error = "".join(traceback.format_exception_only(type(exc), exc))
                            _write_atomic(failure, lambda p, e=error, r=run: p.write_text(
                                json.dumps({**asdict(r), "error": e.strip()}, indent=2)))
                            status[run.key] = "failed"
                            if progress:
                                progress("failed", 1)
                        else:
                            _write_atomic(out / "runs" / f"{run.key}.parquet",
                                          lambda p, t=table: t.to_parquet(p, index=False))
                            if failure.exists():
                                failure.unlink()
                            status[run.key] = "done"
                            if progress:
                                progress("done", 1)
                        nxt = next(queue, None)
                        if nxt is not None:
                            pending[pool.submit(run_one, nxt)] = nxt
        manifest = pd.DataFrame([{
            "key": r.key, "scenario": r.scenario, "scenario_file": r.scenario_file,
            "point": r.point, "overrides": json.dumps(r.overrides, sort_keys=True),
            **{f"param:{k}": v if isinstance(v, int | float) else json.dumps(v)
               for k, v in r.overrides.items()},
            "replicate": r.replicate, "seed": r.seed, "draw": r.draw,
            "status": status.get(r.key, "failed"),
            "file": f"runs/{r.key}.parquet" if status.get(r.key) == "done"
            else f"failed/{r.key}.json"} for r in runs])
        _write_atomic(out / "manifest.parquet", lambda p: manifest.to_parquet(p, index=False))
        _write_atomic(out / "manifest.csv", lambda p: manifest.to_csv(p, index=False))
        meta: dict[str, Any] = {"experiment": spec.model_dump(), "experiment_file": str(path),
                                "runs": len(runs), "done": int((manifest.status == "done").sum()),
                                "failed": int((manifest.status == "failed").sum()),
                                "executor": kind, "empower_version": __version__,
                                "git": source_commit()}
        _write_atomic(out / "sweep.json", lambda p: p.write_text(json.dumps(meta, indent=2) + "\n"))
        return manifest


def load_sweep(out: Path | str) -> pd.DataFrame:
    """Every finished run's tidy table with its design values (from the manifest)."""
    out = Path(out)
    manifest = pd.read_parquet(out / "manifest.parquet")
    done = manifest[manifest.status == "done"]
    tables = [pd.read_parquet(out / f) for f in done.file]
    if not tables:
        return pd.DataFrame()
    table = pd.concat(tables, ignore_index=True)
    design = done.drop(columns=["file", "status", "scenario_file", "overrides"])
    return table.merge(design.drop(columns=["scenario", "point", "replicate", "seed"]),
                       on="key", how="left")
