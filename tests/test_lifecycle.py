"""Worker processes die with their parent; Ctrl-C and SIGTERM stop a command at once,
with one line and exit 130, keeping what was finished."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCENARIO = f"""name = "long"
setting = "{REPO / 'seeds' / 'mysore.toml'}"
start_year = 2004
end_year = 2012
"""


def _group_members(pgid: int) -> list[int]:
    """Python processes of the process group other than its leader (workers, resource
    tracker): not a short-lived helper a library runs while the parent is still
    importing (``uname -p`` from ``platform.processor()``, say)."""
    out = subprocess.run(["ps", "-eo", "pid=,pgid=,comm="], capture_output=True,
                         text=True).stdout
    rows = [line.split(None, 2) for line in out.splitlines()]
    return [int(pid) for pid, group, command in (r for r in rows if len(r) == 3)
            if int(group) == pgid and int(pid) != pgid and command.startswith("python")]


def _default_sigint() -> None:
    # a shell starts background jobs with SIGINT ignored, and children inherit that
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(args: list[str], env: dict, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "empower.cli", *args], env=env, cwd=cwd,
                            start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, preexec_fn=_default_sigint)


def _wait_for_workers(proc: subprocess.Popen, n: int, timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while len(_group_members(proc.pid)) < n:
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < end, "the workers did not start"
        time.sleep(0.2)
    time.sleep(1.0)  # into their runs


def _gone(pgid: int, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while _group_members(pgid):
        if time.monotonic() > end:
            return False
        time.sleep(0.2)
    return True


@pytest.fixture
def long_run(tmp_path) -> list[str]:
    path = tmp_path / "long.toml"
    path.write_text(SCENARIO)
    return ["run", str(path), "--replicates", "6", "--workers", "2", "--people-scale", "0.3",
            "--out", str(tmp_path / "out"), "--quiet"]


def test_workers_exit_when_their_parent_is_killed_with_sigkill(long_run, tmp_path, child_env):
    proc = _start(long_run, child_env, tmp_path)
    _wait_for_workers(proc, 3)  # two workers and the resource tracker
    os.kill(proc.pid, signal.SIGKILL)  # the parent alone: it cannot clean up
    proc.wait(timeout=30)
    assert _gone(proc.pid), "workers or the resource tracker outlived their parent"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_an_interrupted_run_stops_its_workers_and_exits_130_with_one_line(long_run, tmp_path,
                                                                        child_env, how):
    proc = _start(long_run, child_env, tmp_path)
    _wait_for_workers(proc, 3)  # two workers and the resource tracker
    started = time.monotonic()
    if how == "ctrl-c":
        os.killpg(proc.pid, signal.SIGINT)  # a terminal sends it to the whole group
    else:
        os.kill(proc.pid, signal.SIGTERM)
    err = proc.communicate(timeout=60)[1].decode()
    assert proc.returncode == 130
    assert time.monotonic() - started < 15
    assert "Traceback" not in err and err.strip().splitlines() == [
        "interrupted; the workers were stopped and --out was left as it was"]
    assert _gone(proc.pid)
    assert not (tmp_path / "out").exists()


def test_an_interrupted_sweep_keeps_its_finished_runs_and_says_how_many(tmp_path, child_env):
    scenario = tmp_path / "long.toml"
    scenario.write_text(SCENARIO.replace("end_year = 2012", "end_year = 2006"))
    experiment = tmp_path / "exp.toml"
    experiment.write_text(f"""name = "exp"
scenarios = ["{scenario}"]
replicates = 40
people_scale = 0.1
""")
    out = tmp_path / "sweep"
    proc = _start(["sweep", str(experiment), "--out", str(out), "--workers", "2", "--quiet"],
                  child_env, tmp_path)
    end = time.monotonic() + 180
    while len(list((out / "runs").glob("*.parquet"))) < 2:
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < end
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)
    err = proc.communicate(timeout=60)[1].decode()
    assert proc.returncode == 130 and "Traceback" not in err, err
    kept = len(list((out / "runs").glob("*.parquet")))
    assert f"interrupted; {kept} finished runs are kept in {out / 'runs'}" in err
    assert _gone(proc.pid)


def test_a_ctrl_c_while_the_workers_are_starting_gives_no_worker_traceback(long_run, tmp_path,
                                                                          child_env):
    """Workers start with SIGINT blocked and submit holds Ctrl-C back, so neither a
    worker still importing the model nor one still being started is interrupted: the
    only answer to Ctrl-C is the parent's line."""
    for _ in range(3):
        proc = _start(long_run, child_env, tmp_path)
        end = time.monotonic() + 120
        while not _group_members(proc.pid):  # the first child (worker or tracker) is up
            assert proc.poll() is None and time.monotonic() < end
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        err = proc.communicate(timeout=60)[1].decode()
        assert proc.returncode == 130 and "Traceback" not in err, err
        assert _gone(proc.pid)


def test_a_signal_inside_submit_is_raised_once_submit_has_returned():
    """What a library thread receiving Ctrl-C would do: the interrupt waits for submit."""
    from empower.workers import _signals_held_back

    finished = False
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started ignored
    with pytest.raises(KeyboardInterrupt):
        with _signals_held_back():
            signal.raise_signal(signal.SIGINT)
            time.sleep(0.05)  # Python would run a handler here
            finished = True
    assert finished
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
