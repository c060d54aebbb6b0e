"""experiments/scenario_effects.py: medians and paired differences from the status quo."""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest
from conftest import REPO

spec = importlib.util.spec_from_file_location(
    "scenario_effects", REPO / "experiments" / "scenario_effects.py")
effects = importlib.util.module_from_spec(spec)
spec.loader.exec_module(effects)


def tidy(scenario: str, by_replicate: dict[int, float]) -> pd.DataFrame:
    """Every outcome of the table at ``by_replicate`` values (per year summed over)."""
    rows = []
    for metric, group, years in effects.OUTCOMES.values():
        for year in years:
            for replicate, value in by_replicate.items():
                rows.append((scenario, replicate, replicate, year, metric, group,
                             value / len(years)))
    return pd.DataFrame(rows, columns=["scenario", "replicate", "seed", "year", "metric",
                                       "group", "value"])


def test_cells_are_medians_with_paired_differences_and_their_range_from_the_status_quo():
    table = pd.concat([
        tidy("status_quo", {1: 100.0, 2: 200.0, 3: 300.0}),
        # paired differences -10, -50, +5: median -10 (unpaired medians differ by -40)
        tidy("decriminalisation", {1: 90.0, 2: 150.0, 3: 305.0}),
    ])
    lines = effects.effects_table(table).splitlines()
    assert lines[0] == "| outcome | status_quo | decriminalisation |"
    first = lines[2]
    assert first.startswith("| new HIV infections, female sex workers, 2009-2013 |")
    # percentiles 2.5 and 97.5 of (-50, -10, +5), linearly interpolated: -48 and +4.25
    assert first.endswith("| 200 | 150 (-10 [-48, +4]) |")
    assert len(lines) == 2 + len(effects.OUTCOMES)


def test_without_the_status_quo_the_table_is_refused():
    with pytest.raises(SystemExit, match="status_quo"):
        effects.effects_table(tidy("decriminalisation", {1: 1.0}))


def test_an_empty_folder_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit, match="no \\*/results.parquet"):
        effects.load(tmp_path)
