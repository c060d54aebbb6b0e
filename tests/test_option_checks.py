"""The shared option checks name the option, what is allowed and what was given."""

import math

import numba
from empower.option_checks import (
    at_least,
    output_file,
    output_folder,
    positive_finite,
    seed_range,
    threads_range,
)


def test_each_check_passes_good_values_with_no_message(tmp_path):
    assert at_least("--workers", 1, 1) == []
    assert positive_finite("--people-scale", 0.5) == []
    assert seed_range(2**63 - 10, 10) == []
    assert threads_range(None) == [] and threads_range(1) == []
    assert output_folder(tmp_path) == [] and output_folder(tmp_path / "new") == []
    assert output_file(tmp_path / "b.json") == [] and output_file(None) == []


def test_each_check_names_the_option_the_rule_and_the_value(tmp_path):
    file = tmp_path / "f.txt"
    file.write_text("x")
    assert at_least("--replicates", 1, 2, "a spread") == [
        "--replicates: must be at least 2 (a spread), got 1"]
    assert positive_finite("--people-scale", math.inf) == [
        "--people-scale: must be a finite number above 0, got inf"]
    assert positive_finite("--people-scale", math.nan)  # NaN is not above 0
    assert seed_range(2**63 - 9, 10) == ["--seed: must be from 0 to 2**63 - replicates, "
                                         f"got {2**63 - 9}"]
    assert seed_range(-1, 1)
    top = numba.config.NUMBA_NUM_THREADS
    assert threads_range(top + 1) == [f"--threads: must be from 1 to {top}, got {top + 1}"]
    assert output_folder(file) == [f"--out: {file} is a file, not a folder"]
    assert output_file(tmp_path) == [f"--out: {tmp_path} is a folder; give the file's name"]


def test_the_executor_choices_match_the_baseline_executor_type():
    import typing

    from empower.baseline import Executor
    from empower.option_checks import EXECUTORS

    assert typing.get_args(Executor) == EXECUTORS
