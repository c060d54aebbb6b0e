"""Sweeps: designs as specified, runs keyed and resumable, failures recorded, any executor."""

from __future__ import annotations

import concurrent.futures as cf
import json

import pandas as pd
import pytest
from conftest import write_scenario
from empower.cli import main
from empower.experiment_file import ExperimentFile, design_points, load_experiment
from empower.scenario import ConfigError
from empower.sweep import load_sweep, plan_runs, sweep

TINY = """name = "tiny"
scenarios = ["a.toml", "b.toml"]
replicates = 2
people_scale = 0.05
[design]
method = "grid"
[[parameters]]
name = "condom.prop_condom_one_off"
values = [0.6, 0.8]
"""


@pytest.fixture
def experiment(tmp_path):
    """Two short scenarios (2004-2006, no burn-in) and an experiment over them."""
    write_scenario(tmp_path / "a.toml", name="a")
    write_scenario(tmp_path / "b.toml", {"mobilisation": {"coverage_target": {"value": 0.6}}},
                   name="b")
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    return path


def _spec(**kw) -> ExperimentFile:
    base = {"name": "x", "scenarios": ["status_quo"]}
    return ExperimentFile.model_validate({**base, **kw})


def test_a_grid_is_every_combination_with_the_last_parameter_fastest():
    spec = _spec(parameters=[{"name": "a", "values": [1, 2]}, {"name": "b", "values": [3, 4, 5]}])
    points = design_points(spec)
    assert len(points) == 6 and points[0] == {"a": 1, "b": 3} and points[1] == {"a": 1, "b": 4}


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_sampled_designs_stay_in_their_ranges_and_repeat_with_their_seed(method):
    spec = _spec(design={"method": method, "samples": 8, "seed": 3},
                 parameters=[{"name": "a", "low": 0.1, "high": 10.0, "scale": "log"},
                             {"name": "b", "low": 0.0, "high": 1.0}])
    points = design_points(spec)
    assert len(points) == 8 and points == design_points(spec)
    assert all(0.1 <= p["a"] <= 10 and 0 <= p["b"] <= 1 for p in points)
    other = _spec(design={"method": method, "samples": 8, "seed": 4},
                  parameters=spec.parameters)
    assert design_points(other) != points


@pytest.mark.parametrize(("changes", "message"), [
    ({"parameters": [{"name": "a", "low": 0, "high": 1}]}, "a grid needs values"),
    ({"design": {"method": "lhs"}, "parameters": [{"name": "a", "values": [1]}]},
     "needs low and high"),
    ({"replicates": 0}, "replicates: at least 1"),
    ({"parameters": [{"name": "a", "values": [1]}, {"name": "a", "values": [2]}]},
     "repeated: a"),
    ({"design": {"method": "sobol"}, "parameters": [{"name": "a", "low": -1, "high": 1,
                                                      "scale": "log"}]}, "log scale"),
])
def test_a_bad_experiment_file_names_the_file_and_the_problem(tmp_path, changes, message):
    import tomllib

    raw = {**tomllib.loads(TINY), **changes}
    lines = [f"{k} = {json.dumps(v)}" for k, v in raw.items() if not isinstance(v, dict | list)
             or k == "scenarios"]
    text = "\n".join(lines) + "\n"
    if "design" in raw:
        text += "[design]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in raw["design"].items())
    for p in raw.get("parameters", []):
        text += "[[parameters]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in p.items())
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_experiment(path)
    assert any(str(path) in p and message in p for p in err.value.problems), err.value.problems


def test_runs_are_every_scenario_point_and_replicate_with_stable_distinct_keys(experiment):
    spec = load_experiment(experiment)
    runs = plan_runs(spec, experiment)
    assert len(runs) == 2 * 2 * 2
    assert len({r.key for r in runs}) == 8
    assert [r.key for r in runs] == [r.key for r in plan_runs(spec, experiment)]
    assert {r.seed for r in runs} == {1, 2}  # the same replicate seeds everywhere


def test_an_override_that_is_not_a_parameter_is_named_with_the_experiment_file(tmp_path):
    write_scenario(tmp_path / "a.toml", name="a")
    write_scenario(tmp_path / "b.toml", name="b")
    path = tmp_path / "e.toml"
    path.write_text(TINY.replace("condom.prop_condom_one_off", "condom.prop_condom_one_of"))
    with pytest.raises(ConfigError) as err:
        plan_runs(load_experiment(path), path)
    assert any(p.startswith(f"{path}: parameters: overrides: parameters.condom."
                            "prop_condom_one_of") for p in err.value.problems)


def test_a_sweep_gives_the_same_results_with_one_worker_or_two_and_resumes(experiment, tmp_path):
    one = sweep(experiment, tmp_path / "one", workers=1)
    two = sweep(experiment, tmp_path / "two", workers=2)
    assert (one.status == "done").all() and list(one.key) == list(two.key)
    a, b = load_sweep(tmp_path / "one"), load_sweep(tmp_path / "two")
    cols = ["key", "year", "metric", "group"]
    pd.testing.assert_frame_equal(a.sort_values(cols, ignore_index=True),
                                  b.sort_values(cols, ignore_index=True))
    assert set(a["param:condom.prop_condom_one_off"]) == {0.6, 0.8}
    # resume: only the missing run runs again
    (tmp_path / "two" / "runs" / f"{two.key[3]}.parquet").unlink()
    counts = {}
    again = sweep(experiment, tmp_path / "two", workers=1,
                  progress=lambda what, n: counts.__setitem__(what, counts.get(what, 0) + n))
    assert counts == {"skipped": 7, "done": 1} and (again.status == "done").all()
    pd.testing.assert_frame_equal(load_sweep(tmp_path / "two").sort_values(cols, ignore_index=True),
                                  a.sort_values(cols, ignore_index=True))


def test_a_failed_run_is_recorded_with_its_error_and_the_others_finish(experiment, tmp_path,
                                                                      monkeypatch):
    import empower.sweep as sw

    real = sw.run_one
    runs = plan_runs(load_experiment(experiment), experiment)
    bad = runs[2].key

    def flaky(run):
        if run.key == bad:
            raise RuntimeError("injected failure")
        return real(run)

    monkeypatch.setattr(sw, "run_one", flaky)
    with cf.ThreadPoolExecutor(max_workers=2) as pool:
        manifest = sweep(experiment, tmp_path / "out", pool=pool, workers=2)
    assert (manifest.status == "failed").sum() == 1 and (manifest.status == "done").sum() == 7
    failure = json.loads((tmp_path / "out" / "failed" / f"{bad}.json").read_text())
    assert "RuntimeError: injected failure" in failure["error"]
    monkeypatch.setattr(sw, "run_one", real)  # a re-run retries it
    with cf.ThreadPoolExecutor(max_workers=2) as pool:
        manifest = sweep(experiment, tmp_path / "out", pool=pool, workers=2)
    assert (manifest.status == "done").all()
    assert not (tmp_path / "out" / "failed" / f"{bad}.json").exists()


def test_the_sweep_command_reports_and_writes_its_manifest(experiment, tmp_path, capsys):
    code = main(["sweep", str(experiment), "--out", str(tmp_path / "o"), "--workers", "2",
                 "--quiet"])
    assert code == 0
    assert "sweep tiny: 8 runs, 8 done" in capsys.readouterr().out
    meta = json.loads((tmp_path / "o" / "sweep.json").read_text())
    assert meta["runs"] == 8 and meta["git"] is not None
    assert main(["sweep", str(experiment), "--out", str(tmp_path / "o"),
                 "--scheduler", "tcp://x:1"]) == 2


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_a_sweep_on_a_dask_scheduler_with_two_worker_processes_equals_the_local_one(
        experiment, tmp_path, child_env):
    import subprocess
    import sys
    import time

    pytest.importorskip("distributed")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler",
                               "--host", "127.0.0.1", "--port", str(port),
                               "--dashboard-address", ":0"], env=child_env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        time.sleep(3)
        for _ in range(2):
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads",
                 "1", "--nworkers", "1", "--no-dashboard"], env=child_env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        on_dask = sweep(experiment, tmp_path / "dask", kind="dask", scheduler=address,
                        workers=2)
    finally:
        for p in procs[::-1]:
            p.terminate()
            p.wait(timeout=30)
    local = sweep(experiment, tmp_path / "local", workers=2)
    assert (on_dask.status == "done").all() and list(on_dask.key) == list(local.key)
    cols = ["key", "year", "metric", "group"]
    pd.testing.assert_frame_equal(
        load_sweep(tmp_path / "dask").sort_values(cols, ignore_index=True),
        load_sweep(tmp_path / "local").sort_values(cols, ignore_index=True))


def test_a_sweep_killed_at_random_moments_and_run_again_has_every_run_once_and_equal(
        experiment, tmp_path, child_env):
    """SIGKILL of the whole process group at three seeded random moments (start-up,
    mid-run, mid-write), then a run to the end: every run is there once, every file kept along
    the way is whole, and the results equal an uninterrupted sweep's."""
    import os
    import random
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "empower.cli", "sweep", str(experiment), "--out", str(out),
           "--workers", "2", "--quiet"]
    started = time.perf_counter()
    whole = sweep(experiment, tmp_path / "whole", workers=2)
    duration = time.perf_counter() - started
    rng = random.Random(20261202)
    for _ in range(3):
        proc = subprocess.Popen(cmd, env=child_env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.5, 1.2 * duration))
        os.killpg(proc.pid, signal.SIGKILL)  # the main process and its workers
        proc.wait(timeout=30)
        for kept in (out / "runs").glob("*.parquet"):
            pd.read_parquet(kept)  # whole, never half-written
    assert subprocess.run(cmd, env=child_env, timeout=600).returncode == 0
    manifest = pd.read_parquet(out / "manifest.parquet")
    assert (manifest.status == "done").all() and manifest.key.is_unique
    assert len(list((out / "runs").glob("*.parquet"))) == 8
    assert not list((out / "runs").glob(".*tmp*"))  # no half-written file left behind
    assert list(whole.key) == list(manifest.key)
    cols = ["key", "year", "metric", "group"]
    pd.testing.assert_frame_equal(load_sweep(out).sort_values(cols, ignore_index=True),
                                  load_sweep(tmp_path / "whole").sort_values(cols,
                                                                             ignore_index=True))


@pytest.mark.parametrize("name", ["scale_up_options", "sensitivity_structural"])
def test_the_shipped_experiments_validate_and_plan_their_runs(name):
    from conftest import REPO

    path = REPO / "experiments" / f"{name}.toml"
    spec = load_experiment(path)
    runs = plan_runs(spec.model_copy(update={"posterior": False}), path)
    expected = {"scale_up_options": 3 * 3 * 2 * 5, "sensitivity_structural": 10 * 11 * 2}
    assert len(runs) == expected[name] and len({r.key for r in runs}) == len(runs)
