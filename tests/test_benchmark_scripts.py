"""The benchmark scripts run and print what docs/performance.md quotes from them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("extra", "expected"), [
    ([], ["process steps (s, share):", "Partnerships", "Violence", "alias_table"]),
    (["--cprofile", "3"], ["Ordered by: internal time", "tottime"]),
])
def test_profile_run_prints_its_breakdown(extra, expected, child_env):
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "profile_run.py"), "--people", "2000",
         *extra],
        capture_output=True, text=True, timeout=300, check=False, env=child_env)
    assert done.returncode == 0, done.stderr
    for text in expected:
        assert text in done.stdout, done.stdout
