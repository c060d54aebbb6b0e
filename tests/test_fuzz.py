"""The fuzz corpus (tests/fuzz/corpus.py): every malformed input is a clear error with
exit 2 from both ``validate`` and ``run``, quickly and without a traceback or a hang;
every valid edge case runs with no infinite value in its outputs."""

from __future__ import annotations

import contextlib
import io
import signal
import time

import numpy as np
import pandas as pd
import pytest
from empower.cli import main
from fuzz.corpus import MALFORMED, RUN_ONLY, VALID, case_ids

SMALL = ["--people-scale", "0.05", "--quiet"]
SECONDS = 20  # a malformed input is refused before any simulation


def _cli(argv: list[str]) -> tuple[int, str, float]:
    """Exit code, stderr and seconds of ``empower ARGV``; a hang fails the test."""
    def hung(signum, frame):
        raise TimeoutError(f"empower {' '.join(argv[:2])} did not finish in {SECONDS} s")

    err = io.StringIO()
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(SECONDS)
    started = time.perf_counter()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(argv)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return code, err.getvalue(), time.perf_counter() - started


def _assert_clear_error(code: int, err: str, expect: str) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert lines and all(line.startswith("error: ") for line in lines), err
    assert expect in err, err
    assert "\x1b" not in err  # escape codes never reach the terminal


@pytest.mark.parametrize("case", MALFORMED, ids=case_ids(MALFORMED))
def test_a_malformed_input_is_a_clear_error_from_validate_and_run(case, tmp_path):
    args = case.build(tmp_path)
    _assert_clear_error(*_cli(["validate", *args])[:2], case.expect)
    code, err, _ = _cli(["run", *args, "--out", str(tmp_path / "out"), *SMALL])
    _assert_clear_error(code, err, case.expect)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("case", RUN_ONLY, ids=case_ids(RUN_ONLY))
def test_a_bad_run_option_is_a_clear_error_before_any_simulation(case, tmp_path):
    args = case.build(tmp_path)
    if "--out" not in args:
        args += ["--out", str(tmp_path / "out")]
    code, err, seconds = _cli(["run", *args, "--quiet"])
    _assert_clear_error(code, err, case.expect)
    assert seconds < 10


@pytest.mark.parametrize("case", VALID, ids=case_ids(VALID))
def test_a_valid_edge_case_runs_with_no_infinite_output(case, tmp_path):
    args = case.build(tmp_path)
    code, err, _ = _cli(["validate", *args])
    assert code == 0, err
    code, err, _ = _cli(["run", *args, "--out", str(tmp_path / "out"), *SMALL])
    assert code == 0, err
    values = pd.read_parquet(tmp_path / "out" / "results.parquet").value.to_numpy()
    assert not np.isinf(values).any()
    assert np.isfinite(values).mean() > 0.9  # missing only where a denominator is zero


def test_eight_thousand_unknown_keys_are_reported_in_linear_time(tmp_path):
    from fuzz.corpus import _many_unknown_keys

    args = _many_unknown_keys(tmp_path)
    code, err, seconds = _cli(["validate", *args])
    assert code == 2 and seconds < 5
    assert err.count("\n") == 51 and "... and 7950 more problems" in err
