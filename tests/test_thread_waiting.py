"""Idle kernel threads sleep: importing empower sets OMP_WAIT_POLICY, unless it is set."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

CODE = "import os, empower; print(os.environ.get('OMP_WAIT_POLICY'))"


def env_without_policy(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    return {**env, **extra}


@pytest.mark.parametrize(("given", "expected"), [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_import_empower_makes_threads_wait_passively_unless_the_user_chose(given, expected):
    env = env_without_policy(**({"OMP_WAIT_POLICY": given} if given else {}))
    out = subprocess.run([sys.executable, "-c", CODE], env=env, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == expected


def test_the_policy_is_set_before_numba_could_start_its_threads():
    code = ("import sys, empower, os; "
            "assert 'numba' not in sys.modules, 'empower imported numba'; "
            "print(os.environ['OMP_WAIT_POLICY'])")
    out = subprocess.run([sys.executable, "-c", code], env=env_without_policy(),
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "PASSIVE"
