"""Sensitivity analysis: SALib's samples over the ranges, and indices that see effects."""

from __future__ import annotations

import pytest
from conftest import write_scenario
from empower.cli import main
from empower.experiment_file import ExperimentFile, design_points
from empower.sensitivity import salib_problem

pytest.importorskip("SALib")

MORRIS = """name = "screen"
scenarios = ["a.toml"]
replicates = 1
people_scale = 0.05
[design]
method = "morris"
samples = 2
seed = 5
[[parameters]]
name = "hiv.p_per_act_male_to_female"
low = 0.001
high = 0.01
scale = "log"
[[parameters]]
name = "hiv.p_per_act_receptive_anal"
low = 0.003
high = 0.09
[outcome]
metric = "new_hiv_infections"
group = "female_sex_workers"
"""


def test_morris_points_are_trajectories_inside_the_ranges_on_the_log_scale_too():
    import tomllib

    spec = ExperimentFile.model_validate(tomllib.loads(MORRIS))
    points = design_points(spec)
    assert len(points) == 2 * (2 + 1)  # trajectories x (parameters + 1)
    assert all(0.001 <= p["hiv.p_per_act_male_to_female"] <= 0.01 for p in points)
    assert salib_problem(spec)["bounds"][0] == pytest.approx([-6.9078, -4.6052], abs=1e-4)


def test_saltelli_points_number_n_times_parameters_plus_two():
    import tomllib

    raw = tomllib.loads(MORRIS.replace('"morris"', '"saltelli"').replace("samples = 2",
                                                                         "samples = 4"))
    assert len(design_points(ExperimentFile.model_validate(raw))) == 4 * (2 + 2)


def test_screening_ranks_the_per_act_risk_above_an_act_the_setting_never_has(tmp_path, capsys):
    import pandas as pd

    write_scenario(tmp_path / "a.toml", name="a")
    path = tmp_path / "screen.toml"
    path.write_text(MORRIS)
    assert main(["sensitivity", str(path), "--out", str(tmp_path / "o"), "--workers", "2",
                 "--quiet"]) == 0
    indices = pd.read_csv(tmp_path / "o" / "indices.csv").set_index("parameter")
    # women only in Mysore: no anal acts, so common random numbers give identical runs
    assert indices.loc["hiv.p_per_act_receptive_anal", "mu_star"] == 0.0
    assert indices.loc["hiv.p_per_act_male_to_female", "mu_star"] > 0
    assert (tmp_path / "o" / "figures" / "tornado_a.png").stat().st_size > 1000
    assert "parameters ranked by mu_star" in capsys.readouterr().out


def test_a_grid_experiment_is_refused_by_sensitivity(tmp_path, capsys):
    write_scenario(tmp_path / "a.toml", name="a")
    path = tmp_path / "g.toml"
    path.write_text('name = "g"\nscenarios = ["a.toml"]\n')
    assert main(["sensitivity", str(path), "--out", str(tmp_path / "o")]) == 2
    assert "needs morris or saltelli" in capsys.readouterr().err
