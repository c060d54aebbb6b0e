"""Sites: a setting holds one place or several, each with its own people and streams."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SETTING, write_scenario
from empower.experiment import run_replicate
from empower.input_file import ConfigError
from empower.model import EmpowerModel
from empower.scenario import load_scenario, validate_file
from empower.timeline import value_at

SCALE = 0.1

SITES = """
[sites.mysore]

[sites.hubli.population]
n_sex_workers = { value = 500, source = "test: a smaller second city" }

[sites.twin]
"""


def two_city_setting(tmp_path: Path, sites: str = SITES) -> Path:
    """Mysore's setting with ``sites`` tables appended (mysore as is, hubli, twin)."""
    path = tmp_path / "karnataka.toml"
    path.write_text(SETTING.read_text() + sites)
    return path


def scenario_over(tmp_path: Path, setting: Path, **kwargs) -> Path:
    return write_scenario(tmp_path / f"over_{setting.stem}.toml", setting=setting,
                          end_year=2006, **kwargs)


def table_of(scenario, seed: int = 4) -> pd.DataFrame:
    return run_replicate(scenario, 0, seed, people_scale=SCALE)


def test_a_setting_without_sites_is_one_site_named_after_it(tmp_path):
    sc = load_scenario(scenario_over(tmp_path, SETTING))
    assert list(sc.sites) == ["mysore"] and sc.sites["mysore"] is sc.params
    assert set(table_of(sc)["site"]) == {"mysore"}


def test_each_site_has_its_own_values_and_the_scenarios_changes_apply_to_every_site(tmp_path):
    change = {"condom": {"prop_condom_one_off": {"2005": 0.95}}}
    sc = load_scenario(scenario_over(tmp_path, two_city_setting(tmp_path), parameters=change))
    assert list(sc.sites) == ["mysore", "hubli", "twin"]
    n_sw = {name: value_at(p.population.n_sex_workers, 2004) for name, p in sc.sites.items()}
    assert n_sw == {"mysore": 1000, "hubli": 500, "twin": 1000}
    for p in sc.sites.values():
        assert value_at(p.condom.prop_condom_one_off, 2005.5) == 0.95
    assert sc.params is sc.sites["mysore"]


def test_the_first_site_draws_as_the_setting_alone_and_other_sites_draw_other_numbers(tmp_path):
    alone = table_of(load_scenario(scenario_over(tmp_path, SETTING)))
    three = table_of(load_scenario(scenario_over(tmp_path, two_city_setting(tmp_path))))
    assert sorted(three["site"].unique()) == ["hubli", "mysore", "twin"]
    keys = ["year", "metric", "group"]

    def site(name: str, table: pd.DataFrame) -> pd.DataFrame:
        return table[table.site == name].drop(columns="site").sort_values(keys).reset_index(
            drop=True)

    pd.testing.assert_frame_equal(site("mysore", three), site("mysore", alone.assign(
        scenario=three.scenario.iloc[0])))
    # twin has mysore's parameters but its own streams: other chance events
    twin, first = site("twin", three), site("mysore", three)
    counts = first.metric.isin(["new_hiv_infections", "population"])
    assert not np.array_equal(twin.value[counts], first.value[counts])
    hubli = three[(three.site == "hubli") & (three.metric == "population")
                  & (three.group == "sex_workers")]
    assert hubli.value.max() < first[(first.metric == "population")
                                     & (first.group == "sex_workers")].value.min()


def test_a_model_with_several_sites_names_them_instead_of_guessing_one(tmp_path):
    model = EmpowerModel(load_scenario(scenario_over(tmp_path, two_city_setting(tmp_path))),
                         seed=1, people_scale=SCALE)
    with pytest.raises(AttributeError, match=r"3 sites \(mysore, hubli, twin\).*model.site"):
        model.pop  # noqa: B018
    assert model.site("hubli").pop.n < model.site("mysore").pop.n
    assert model.person(0, site="hubli").site is model.site("hubli")
    with pytest.raises(ValueError, match="no site 'pune'; the sites are mysore, hubli, twin"):
        model.site("pune")
    with pytest.raises(ValueError, match="name one of mysore, hubli, twin"):
        model.person(0)


def test_a_one_site_model_is_its_site(make_model):
    model = make_model()
    assert model.pop is model.sites[0].pop and model.hiv is model.site().hiv


@pytest.mark.parametrize(("sites", "message"), [
    ("[sites.hubli.populaton]\nn_clients = 3\n",
     "sites.hubli.populaton: not a section a site can change; allowed: population, "),
    ("[sites.Hubli]\n", "sites: 'Hubli' is not allowed as the name of a site"),
    ("[sites.hubli]\nburn_in_years = 3\n",
     "sites.hubli.burn_in_years: not a section a site can change"),
    ("sites = 3\n", "sites: a table of one table per site is allowed"),
])
def test_a_bad_sites_table_names_the_file_the_key_and_what_is_allowed(tmp_path, sites, message):
    setting = tmp_path / "bad.toml"
    # a top-level key must come before the tables
    setting.write_text(sites + SETTING.read_text() if sites.startswith("sites =")
                       else SETTING.read_text() + sites)
    with pytest.raises(ConfigError) as err:
        load_scenario(scenario_over(tmp_path, setting))
    assert any(p.startswith(f"{setting}: ") and message in p for p in err.value.problems), \
        err.value.problems


def test_a_bad_value_at_one_site_names_the_site_and_the_key(tmp_path):
    setting = two_city_setting(tmp_path, "[sites.mysore]\n[sites.hubli.population]\n"
                               "n_clients = { value = -5, source = \"test\" }\n")
    with pytest.raises(ConfigError) as err:
        load_scenario(scenario_over(tmp_path, setting))
    assert [p for p in err.value.problems if "n_clients" in p] == [
        p for p in err.value.problems if p.startswith(f"{setting}: sites.hubli: "
                                                      "population.n_clients")]
    assert validate_file(two_city_setting(tmp_path)).endswith(
        "3 sites (mysore, hubli, twin)")


def test_commands_that_summarise_one_site_refuse_several_with_the_reason(tmp_path):
    from empower.compare import compare

    path = scenario_over(tmp_path, two_city_setting(tmp_path))
    with pytest.raises(ConfigError, match=r"has 3 sites \(mysore, hubli, twin\); comparing "
                                          "scenarios works on one-site settings so far"):
        compare([path], path, replicates=1)


def test_empower_run_writes_every_sites_outputs_and_summarises_each(tmp_path, capsys):
    from empower.cli import main

    path = scenario_over(tmp_path, two_city_setting(tmp_path))
    out = tmp_path / "run"
    assert main(["run", str(path), "--out", str(out), "--replicates", "1",
                 "--people-scale", str(SCALE)]) == 0
    table = pd.read_parquet(out / "results.parquet")
    assert list(dict.fromkeys(table.site)) == ["mysore", "hubli", "twin"]
    assert not table.duplicated(["site", "year", "metric", "group"]).any()
    printed = capsys.readouterr().out
    assert [line for line in printed.splitlines() if line.startswith("site ")] == [
        "site mysore", "site hubli", "site twin"]


def test_a_survey_of_a_setting_with_several_sites_is_refused_with_the_reason(tmp_path):
    from empower.survey import SurveyDesign, run_surveys

    sc = load_scenario(scenario_over(tmp_path, two_city_setting(tmp_path)))
    with pytest.raises(ConfigError, match="a survey works on one-site settings so far"):
        run_surveys(sc, [SurveyDesign(year=2005, sample_size=50)], seed=1,
                    people_scale=SCALE)
