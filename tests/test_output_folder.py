"""An output folder is written as one unit: locked before work, never half old, half new."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from empower.output_folder import (
    FolderInUse,
    FolderRefused,
    atomic_write,
    folder_lock,
    output_folder,
)

OURS = ("a.txt", "b.txt")


def _write(target: Path, text: str, overwrite: bool = False) -> None:
    with output_folder(target, overwrite=overwrite, ours=OURS) as tmp:
        for name in OURS:
            (tmp / name).write_text(text)


def _contents(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.iterdir())}


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def test_nothing_appears_in_the_target_until_the_block_ends(tmp_path):
    target = tmp_path / "out"
    with output_folder(target, overwrite=False, ours=OURS) as tmp:
        (tmp / "a.txt").write_text("new")
        assert not target.exists() and tmp.parent == tmp_path
        assert (tmp.stat().st_mode & 0o777) == 0o700  # private while written
    assert _contents(target) == {"a.txt": "new"}
    assert _leftovers(tmp_path) == []


def test_a_failure_part_way_leaves_the_old_folder_whole_and_no_temporary_folder(tmp_path):
    target = tmp_path / "out"
    _write(target, "old")
    with pytest.raises(KeyboardInterrupt), output_folder(target, overwrite=True,
                                                         ours=OURS) as tmp:
        (tmp / "a.txt").write_text("new")
        raise KeyboardInterrupt  # Ctrl-C, a full disk or a crash between two files
    assert _contents(target) == {"a.txt": "old", "b.txt": "old"}
    assert _leftovers(tmp_path) == []


def test_an_overwrite_replaces_the_whole_set_so_no_old_file_survives_beside_new_ones(tmp_path):
    target = tmp_path / "out"
    _write(target, "old")
    with output_folder(target, overwrite=True, ours=OURS) as tmp:
        (tmp / "a.txt").write_text("new")
    assert _contents(target) == {"a.txt": "new"}
    assert _leftovers(tmp_path) == []


def test_results_are_kept_without_overwrite_and_foreign_files_are_never_replaced(tmp_path):
    target = tmp_path / "out"
    _write(target, "old")
    with pytest.raises(FolderRefused, match="already holds results.*--overwrite"):
        _write(target, "new")
    (target / "notes.docx").write_text("a user's file")
    with pytest.raises(FolderRefused, match=r"files empower did not write \(notes.docx\)"):
        _write(target, "new", overwrite=True)
    assert (target / "notes.docx").exists() and (target / "a.txt").read_text() == "old"


def test_a_file_or_a_link_given_as_the_folder_is_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "link").symlink_to(elsewhere)
    for name in ("file", "link"):
        with pytest.raises(FolderRefused, match="is a file or a link"):
            _write(tmp_path / name, "new", overwrite=True)
    assert list(elsewhere.iterdir()) == []


def test_a_second_writer_is_refused_at_once_while_the_first_holds_the_folder(tmp_path):
    target = tmp_path / "out"
    with output_folder(target, overwrite=False, ours=OURS):
        with pytest.raises(FolderInUse, match="in use by another empower command"):
            _write(target, "second")
        with pytest.raises(FolderInUse), folder_lock(target):
            pass
    _write(target, "after")  # the lock is released with the block
    assert _contents(target)["a.txt"] == "after"


def test_a_killed_writers_leftovers_are_tidied_and_a_folder_moved_aside_is_put_back(tmp_path):
    target = tmp_path / "out"
    (tmp_path / ".out.tmp-abc123").mkdir()  # killed while writing
    old = tmp_path / ".out.old-def456"
    (old / "kept").mkdir(parents=True)  # killed between moving aside and renaming in
    (old / "kept" / "a.txt").write_text("old")
    with folder_lock(target):
        assert _contents(target) == {"a.txt": "old"}
    assert _leftovers(tmp_path) == []


def test_atomic_write_never_follows_a_planted_link_at_a_predictable_name(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("keep")
    for guess in (f".x.json.tmp-{os.getpid()}", ".x.json.tmp-1", ".x.json.tmp"):
        (tmp_path / guess).symlink_to(victim)
    atomic_write(tmp_path / "x.json", lambda p: p.write_text("{}"))
    assert victim.read_text() == "keep" and (tmp_path / "x.json").read_text() == "{}"


# ------------------------------------------------------------------------ whole commands

SCENARIO = """name = "short"
setting = "{setting}"
start_year = 2004
end_year = 2006
"""


@pytest.fixture(scope="module")
def short(tmp_path_factory) -> Path:
    repo = Path(__file__).resolve().parents[1]
    path = tmp_path_factory.mktemp("short") / "short.toml"
    path.write_text(SCENARIO.format(setting=repo / "seeds" / "mysore.toml"))
    return path


def _run(short: Path, out: Path, seed: int, env: dict, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "empower.cli", "run", str(short), "--replicates", "2",
         "--workers", "2", "--people-scale", "0.05", "--seed", str(seed), "--out", str(out),
         "--overwrite", "--quiet"], env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **popen)


def test_a_second_run_into_a_folder_in_use_stops_before_simulating(short, tmp_path,
                                                                  child_env):
    out = tmp_path / "out"
    with folder_lock(out):
        started = time.perf_counter()
        proc = _run(short, out, 1, child_env)
        _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2
    assert b"--out:" in err and b"in use by another empower command" in err
    assert not out.exists()
    assert time.perf_counter() - started < 60


def _run_folder(folder: Path) -> tuple:
    """A run folder's file names and the bytes of the files that do not hold a time."""
    names = tuple(sorted(p.name for p in folder.iterdir()))
    return names, (folder / "results.csv").read_bytes(), (folder / "parameters.json").read_bytes()


def test_a_run_killed_at_random_moments_leaves_the_old_folder_or_the_new_never_a_mix(
        short, tmp_path, child_env):
    """SIGKILL of the whole process group (main process and workers) at four seeded
    random moments of an ``--overwrite`` run: the folder is always exactly the old run's or
    exactly the new run's files, and a later run tidies what the killed one left."""
    import shutil

    out = tmp_path / "out"
    reference, started = {}, time.perf_counter()
    for seed in (1, 2):
        started = time.perf_counter()
        assert _run(short, tmp_path / f"ref{seed}", seed, child_env).wait(timeout=600) == 0
        reference[seed] = _run_folder(tmp_path / f"ref{seed}")
    duration = time.perf_counter() - started
    shutil.copytree(tmp_path / "ref1", out)
    rng = random.Random(20261202)
    outcomes = set()
    for _ in range(4):
        proc = _run(short, out, 2, child_env)
        time.sleep(rng.uniform(0.0, duration * 1.1))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        matches = [seed for seed, ref in reference.items() if _run_folder(out) == ref]
        assert len(matches) == 1, sorted(p.name for p in out.iterdir())
        outcomes.add(matches[0])
        if matches[0] == 2:  # the new run finished: start again from the old one
            shutil.rmtree(out)
            shutil.copytree(tmp_path / "ref1", out)
    assert 1 in outcomes
    assert _run(short, out, 2, child_env).wait(timeout=600) == 0  # tidies the leftovers
    assert _run_folder(out) == reference[2]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]
