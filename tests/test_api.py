"""The Python API: load by name, overrides that win and are validated, run and compare."""

from __future__ import annotations

import empower
import pandas as pd
import pytest
from conftest import REPO
from empower.experiment import run_replicates
from empower.posterior import posterior_runs
from empower.scenario import ConfigError, load_scenario
from empower.timeline import value_at

FAST = {"burn_in_years": 0}


def test_the_api_names_are_exported_and_documented():
    for name in ("load", "run", "compare", "Scenario", "Comparison", "ConfigError"):
        assert name in empower.__all__ and getattr(empower, name).__doc__
    with pytest.raises(AttributeError):
        empower.not_a_name  # noqa: B018


def test_load_by_name_is_load_by_path():
    assert empower.load("scale_up") == load_scenario(REPO / "scenarios" / "scale_up.toml")


def test_an_override_wins_over_the_setting_and_the_scenarios_timelines():
    up = empower.load("scale_up")
    assert value_at(up.params.mobilisation.coverage_target, 2009) == pytest.approx(0.8)
    flat = up.with_overrides({"mobilisation.coverage_target": 0.5}, where="a test")
    assert value_at(flat.params.mobilisation.coverage_target, 2009) == 0.5
    assert flat.params.mobilisation.coverage_target.source == "a test"
    timeline = flat.with_overrides({"mobilisation.coverage_target": {
        "years": [2005, 2009], "values": [0.3, 0.6]}})
    assert value_at(timeline.params.mobilisation.coverage_target, 2009) == pytest.approx(0.6)
    assert value_at(up.params.mobilisation.coverage_target, 2009) == pytest.approx(0.8)


@pytest.mark.parametrize(("values", "message"), [
    ({"condom.prop_condom_one_of": 0.8}, "overrides: parameters.condom.prop_condom_one_of: "
                                         "unknown key"),
    ({"condom.prop_condom_one_off": 1.5}, "overrides: parameters.condom.prop_condom_one_off: "
                                          "1.5 is outside the allowed range"),
])
def test_a_bad_override_is_a_config_error_naming_it(values, message):
    with pytest.raises(ConfigError) as err:
        empower.load("status_quo").with_overrides(values)
    assert any(p.startswith(message) for p in err.value.problems), err.value.problems


def test_run_gives_the_table_the_command_line_runner_gives():
    sc = empower.load("status_quo").with_overrides(FAST)
    table = empower.run(sc, replicates=2, seed=3, people_scale=0.05)
    expected = run_replicates([sc, sc], [3, 4], 0.05)
    pd.testing.assert_frame_equal(table, expected)


def test_overrides_survive_posterior_draws(tmp_path):
    posterior = tmp_path / "p.csv"
    pd.DataFrame({"draw": [0, 1], "condom.prop_condom_regular_client": [0.5, 0.6]}).to_csv(
        posterior, index=False)
    sc = empower.load("status_quo").with_overrides({"condom.prop_condom_one_off": 0.8})
    runs, meta = posterior_runs(sc.path, sc, [1, 2], posterior)
    assert all(r.params.condom.prop_condom_one_off.value == 0.8 for r in runs)
    assert {r.params.condom.prop_condom_regular_client.value for r in runs} <= {0.5, 0.6}
    assert meta["draws"] and len(meta["draws"]) == 2
