"""empower.scenario: finding the setting, ``extends``, overrides, the resolved scenario."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest
from empower.scenario import ConfigError, load_scenario, load_setting
from empower.timeline import Constant, LinearTimeline, StepTimeline, value_at

REPO = Path(__file__).resolve().parents[1]
MYSORE = REPO / "seeds" / "mysore.toml"
SECTIONS = ["population", "sex_workers", "clients", "partners", "partnerships", "condom",
            "hiv", "stis"]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def short(name: str = "short", extra: str = "") -> str:
    return (f'name = "{name}"\nsetting = "{MYSORE}"\nstart_year = 2004\nend_year = 2006\n'
            + extra)


# ---------------------------------------------------------------------------- setting lookup

def test_setting_by_name_is_found_in_seeds_next_to_the_scenarios_folder(tmp_path, monkeypatch):
    (tmp_path / "seeds").mkdir()
    shutil.copy(MYSORE, tmp_path / "seeds" / "townx.toml")
    scenario = write(tmp_path / "scenarios" / "s.toml",
                     'setting = "townx"\nstart_year = 2004\nend_year = 2006\n')
    monkeypatch.chdir(tmp_path / "scenarios")  # no seeds/ under the working folder
    sc = load_scenario(scenario)
    assert sc.setting_path == (tmp_path / "seeds" / "townx.toml").resolve()
    assert sc.params.name == "mysore"


def test_setting_by_name_resolves_the_repository_status_quo_to_seeds_mysore(tmp_path,
                                                                             monkeypatch):
    monkeypatch.chdir(tmp_path)
    sc = load_scenario(REPO / "scenarios" / "status_quo.toml")
    assert sc.setting_path == MYSORE
    assert (sc.name, sc.start_year, sc.end_year) == ("status_quo", 2004, 2014)


def test_setting_by_absolute_path_is_used_as_given(tmp_path):
    sc = load_scenario(write(tmp_path / "s.toml", short()))
    assert sc.setting_path == MYSORE


def test_setting_by_relative_path_is_relative_to_the_scenario_file(tmp_path, monkeypatch):
    shutil.copy(MYSORE, tmp_path / "place.toml")
    scenario = write(tmp_path / "deep" / "s.toml",
                     'setting = "../place.toml"\nstart_year = 2004\nend_year = 2006\n')
    monkeypatch.chdir(REPO)
    sc = load_scenario(scenario)
    assert sc.setting_path == (tmp_path / "place.toml").resolve()


def test_scenario_name_defaults_to_the_file_stem(tmp_path):
    sc = load_scenario(write(tmp_path / "my_scenario.toml",
                             f'setting = "{MYSORE}"\nstart_year = 2004\nend_year = 2006\n'))
    assert sc.name == "my_scenario"


def test_scenario_files_list_the_chain_and_then_the_setting(tmp_path):
    write(tmp_path / "base.toml", short("base"))
    child = write(tmp_path / "child.toml", 'extends = "base.toml"\nname = "child"\n')
    sc = load_scenario(child)
    assert sc.files == ((tmp_path / "base.toml").resolve(), child.resolve(), MYSORE)


# ---------------------------------------------------------------------------- extends

def test_extends_merges_parent_then_child_and_child_keys_win(tmp_path):
    write(tmp_path / "base.toml", short("base", 'description = "parent"\n'
                                                "[parameters.condom]\n"
                                                "prop_condom_one_off = 0.7\n"
                                                "prop_condom_regular_client = 0.6\n"))
    child = write(tmp_path / "child.toml",
                  'extends = "base.toml"\nname = "child"\nend_year = 2008\n'
                  "[parameters.condom]\nprop_condom_one_off = 0.9\n")
    sc = load_scenario(child)
    assert sc.name == "child"
    assert sc.description == ""  # a description is the scenario's own, not inherited
    assert (sc.start_year, sc.end_year) == (2004, 2008)  # start inherited, end overridden
    assert value_at(sc.params.condom.prop_condom_one_off, 2005) == 0.9  # child wins
    assert value_at(sc.params.condom.prop_condom_regular_client, 2005) == 0.6  # parent kept
    assert value_at(sc.params.condom.prop_condom_intimate_partner, 2005) == 0.07  # setting


def test_extends_chain_of_two_applies_grandparent_parent_child_in_order(tmp_path):
    write(tmp_path / "a.toml", short("a", "[parameters.hiv]\nrr_acute = 5.0\nrr_late = 5.0\n"
                                          "dur_acute_years = 0.5\n"))
    write(tmp_path / "b.toml", 'extends = "a.toml"\nname = "b"\n'
                               "[parameters.hiv]\nrr_late = 6.0\ndur_acute_years = 0.4\n")
    c = write(tmp_path / "c.toml", 'extends = "b.toml"\nname = "c"\n'
                                   "[parameters.hiv]\ndur_acute_years = 0.3\n")
    h = load_scenario(c).params.hiv
    assert value_at(h.rr_acute, 2004) == 5.0  # only the grandparent set it
    assert value_at(h.rr_late, 2004) == 6.0  # parent over grandparent
    assert value_at(h.dur_acute_years, 2004) == 0.3  # child over both
    assert value_at(h.survival_median_years, 2004) == 11.1  # setting


def test_parameters_deep_merge_so_a_child_override_keeps_the_parents_sibling_keys(tmp_path):
    write(tmp_path / "base.toml", short("base", "[parameters.hiv.initial_prevalence]\n"
                                                "sex_workers = 0.3\nclients = 0.08\n"))
    child = write(tmp_path / "child.toml", 'extends = "base.toml"\n'
                                           "[parameters.hiv.initial_prevalence]\n"
                                           "clients = 0.1\n")
    ip = load_scenario(child).params.hiv.initial_prevalence
    assert value_at(ip.sex_workers, 2004) == 0.3
    assert value_at(ip.clients, 2004) == 0.1
    assert value_at(ip.partners_of_clients, 2004) == 0.02  # from the setting


def test_override_of_one_sti_key_keeps_the_other_keys_and_stis(tmp_path):
    sc = load_scenario(write(tmp_path / "s.toml", short(
        "s", "[parameters.stis.gonorrhoea]\nprop_symptomatic_treated = 0.9\n")))
    g = sc.params.stis["gonorrhoea"]
    assert value_at(g.prop_symptomatic_treated, 2004) == 0.9
    setting, _ = load_setting(REPO / "seeds" / "mysore.toml")
    assert g.p_per_act_male_to_female == setting.stis["gonorrhoea"].p_per_act_male_to_female
    assert list(sc.params.stis) == ["gonorrhoea", "chlamydia"]


def test_extends_cycle_is_a_config_error_naming_the_cycle(tmp_path):
    write(tmp_path / "a.toml", short("a", 'extends = "b.toml"\n'))
    write(tmp_path / "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ConfigError) as info:
        load_scenario(tmp_path / "a.toml")
    assert len(info.value.problems) == 1
    msg = info.value.problems[0]
    assert "extends" in msg and "cycle" in msg
    assert "a.toml" in msg and "b.toml" in msg


def test_a_scenario_extending_itself_is_a_cycle(tmp_path):
    write(tmp_path / "a.toml", short("a", 'extends = "a.toml"\n'))
    with pytest.raises(ConfigError, match="cycle"):
        load_scenario(tmp_path / "a.toml")


def test_extends_of_a_missing_file_names_the_file_and_the_key(tmp_path):
    s = write(tmp_path / "s.toml", short("s", 'extends = "nowhere.toml"\n'))
    with pytest.raises(ConfigError) as info:
        load_scenario(s)
    assert str(s) in str(info.value)
    assert "extends" in str(info.value) and "nowhere.toml" in str(info.value)


def test_relative_setting_path_in_a_parent_is_relative_to_the_parent_file(tmp_path):
    (tmp_path / "a").mkdir()
    shutil.copy(MYSORE, tmp_path / "a" / "town.toml")
    write(tmp_path / "a" / "base.toml", 'setting = "town.toml"\nstart_year = 2004\n'
                                        "end_year = 2006\n")
    child = write(tmp_path / "b" / "child.toml", 'extends = "../a/base.toml"\n')
    sc = load_scenario(child)
    assert sc.setting_path == (tmp_path / "a" / "town.toml").resolve()


# ---------------------------------------------------------------------------- timelines

def test_step_timeline_override_keeps_the_setting_value_before_its_first_year(tmp_path):
    sc = load_scenario(write(tmp_path / "s.toml", short(
        "s", "[parameters.condom]\nprop_condom_one_off = {2005 = 0.9}\n")))
    p = sc.params.condom.prop_condom_one_off
    assert isinstance(p, StepTimeline)
    assert value_at(p, 2004) == 0.65  # the setting's value
    assert value_at(p, 2004.99) == 0.65
    assert value_at(p, 2005) == 0.9
    assert value_at(p, 2005.5) == 0.9


def test_linear_timeline_override_keeps_the_setting_value_before_its_first_year(tmp_path):
    sc = load_scenario(write(tmp_path / "s.toml", short(
        "s", "[parameters.hiv.initial_prevalence]\n"
             "clients = {years = [2005, 2007], values = [0.2, 0.4]}\n")))
    p = sc.params.hiv.initial_prevalence.clients
    assert isinstance(p, LinearTimeline)
    setting = tomllib.loads((REPO / "seeds" / "mysore.toml").read_text())
    assert value_at(p, 2004.5) == setting["hiv"]["initial_prevalence"]["clients"]["value"]
    assert value_at(p, 2006) == pytest.approx(0.3)


def test_timeline_override_inside_an_sti_keeps_the_setting_value_before_it(tmp_path):
    sc = load_scenario(write(tmp_path / "s.toml", short(
        "s", "[parameters.stis.chlamydia]\nprop_symptomatic_treated = {2005 = 0.9}\n")))
    p = sc.params.stis["chlamydia"].prop_symptomatic_treated
    assert value_at(p, 2004) == 0.6
    assert value_at(p, 2005) == 0.9


def test_constant_override_replaces_the_setting_value_in_every_year(tmp_path):
    sc = load_scenario(write(tmp_path / "s.toml", short(
        "s", '[parameters.condom]\nprop_condom_one_off = {value = 0.8, source = "me"}\n')))
    assert sc.params.condom.prop_condom_one_off == Constant(0.8, "me")


def test_timeline_in_a_parent_scenario_overlays_the_setting_for_the_child(tmp_path):
    write(tmp_path / "base.toml", short("base", "[parameters.condom]\n"
                                                "prop_condom_one_off = {2005 = 0.9}\n"))
    child = write(tmp_path / "child.toml", 'extends = "base.toml"\n')
    p = load_scenario(child).params.condom.prop_condom_one_off
    assert value_at(p, 2004) == 0.65
    assert value_at(p, 2005) == 0.9


def _child_over_parent(tmp_path, parent: str, child: str):
    """prop_condom_one_off of a child scenario that sets ``child`` over a parent's ``parent``."""
    write(tmp_path / "base.toml", short("base", "[parameters.condom]\n"
                                                f"prop_condom_one_off = {parent}\n"))
    path = write(tmp_path / "child.toml", 'extends = "base.toml"\n[parameters.condom]\n'
                                           f"prop_condom_one_off = {child}\n")
    return load_scenario(path).params.condom.prop_condom_one_off


def test_a_childs_timeline_falls_back_to_its_parents_value_before_its_first_year(tmp_path):
    p = _child_over_parent(tmp_path, "{2005 = 0.9}", "{2008 = 0.7}")
    assert value_at(p, 2004) == 0.65  # the setting's, before the parent's first year
    assert value_at(p, 2006) == 0.9  # the parent's, not the setting's
    assert value_at(p, 2009) == 0.7


def test_a_childs_timeline_over_a_parents_constant_keeps_the_constant_before_it(tmp_path):
    p = _child_over_parent(tmp_path, "0.8", "{2008 = 0.7}")
    assert value_at(p, 2006) == 0.8 and value_at(p, 2009) == 0.7


# ---------------------------------------------------------------------------- resolved

@pytest.fixture()
def resolved_scenario(tmp_path):
    return load_scenario(write(tmp_path / "s.toml", short(
        "res", 'description = "d"\n[parameters.condom]\n'
               'prop_condom_one_off = {2005 = 0.9, source = "plan"}\n')))


def test_resolved_has_the_scenario_fields_and_every_parameter_section(resolved_scenario):
    r = resolved_scenario.resolved()
    assert r["scenario"] == "res"
    assert r["description"] == "d"
    assert r["setting_file"] == str(MYSORE)
    assert r["scenario_file"] == str(resolved_scenario.path)
    assert (r["start_year"], r["end_year"]) == (2004, 2006)
    for section in SECTIONS:
        assert section in r["parameters"], section
    assert r["parameters"]["name"] == "mysore"
    assert set(r["parameters"]["stis"]) == {"gonorrhoea", "chlamydia"}
    assert set(r["parameters"]["sex_workers"]["venues"]) == {"street", "home", "lodge",
                                                             "brothel"}


def test_resolved_keeps_sources_of_constants_and_of_an_override_and_its_base(resolved_scenario):
    condom = resolved_scenario.resolved()["parameters"]["condom"]
    assert condom["prop_condom_regular_client"]["value"] == 0.53
    assert condom["prop_condom_regular_client"]["source"].startswith("[V] Reza-Paul")
    one_off = condom["prop_condom_one_off"]
    assert one_off["kind"] == "step"
    assert one_off["source"] == "plan"
    assert one_off["before"]["value"] == 0.65
    assert one_off["before"]["source"].startswith("[V] Reza-Paul")


def test_resolved_json_is_valid_json_equal_to_resolved(resolved_scenario):
    assert json.loads(resolved_scenario.resolved_json()) == resolved_scenario.resolved()


def test_every_numeric_leaf_of_the_resolved_setting_keeps_a_source():
    sc = load_scenario(REPO / "scenarios" / "status_quo.toml")
    missing = []

    def walk(node, path):
        for key, value in node.items():
            if isinstance(value, dict) and ("value" in value or "kind" in value):
                if not value.get("source"):
                    missing.append(".".join((*path, key)))
            elif isinstance(value, dict):
                walk(value, (*path, key))
            elif isinstance(value, int | float):
                missing.append(".".join((*path, key)))

    walk(sc.resolved()["parameters"], ())
    assert missing == []


def test_a_scenario_that_extends_another_has_its_own_name_not_its_parents(tmp_path):
    parent = tmp_path / "parent.toml"
    parent.write_text(f'name = "parent"\ndescription = "the parent"\nsetting = "{MYSORE}"\n'
                      "start_year = 2004\nend_year = 2006\n")
    child = tmp_path / "child_scenario.toml"
    child.write_text('extends = "parent.toml"\n')
    scenario = load_scenario(child)
    assert scenario.name == "child_scenario"
    assert scenario.description == ""
    assert load_scenario(parent).name == "parent"
