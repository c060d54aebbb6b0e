"""The built wheel carries the settings and scenarios: an installed copy runs one by name."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_wheel_installed_outside_the_checkout_runs_status_quo_by_name(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels),
                    str(REPO)], check=True, timeout=600)
    wheel = next(wheels.glob("empower-*.whl"))
    venv = tmp_path / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / ("Scripts" if sys.platform == "win32" else "bin") / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; "
                              "print(sysconfig.get_paths()['purelib'])"], check=True,
                             capture_output=True, text=True).stdout.strip()
    # the dependencies from this interpreter (a plain path: its editable empower is not seen)
    Path(purelib, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
                   check=True, timeout=600)
    work = tmp_path / "elsewhere"
    work.mkdir()
    where = subprocess.run([str(python), "-c", "import empower; print(empower.__file__)"],
                           cwd=work, check=True, capture_output=True, text=True).stdout
    assert str(REPO) not in where
    proc = subprocess.run([str(python), "-m", "empower.cli", "run", "status_quo",
                           "--people-scale", "0.05", "--out", "out", "--quiet"],
                          cwd=work, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    run = json.loads((work / "out" / "run.json").read_text())
    assert all("empower/data/" in Path(f).as_posix() for f in run["files_sha256"])
