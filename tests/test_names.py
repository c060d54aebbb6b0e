"""Names that reach the outputs cannot collide with the model's own or carry unsafe text."""

from __future__ import annotations

import json

import pytest
from empower.names import RESERVED_GROUPS, check_names, check_scenario_name
from empower.results import output_columns
from empower.scenario import load_scenario, load_setting
from test_validation_messages import HEADER, MYSORE, only_problem, scenario, setting

STIS = ("[stis.chlamydia]", "[stis.chlamydia.initial_prevalence]",
        "[stis.chlamydia.prevalence_at_entry]")


def _rename_sti(new: str) -> list[tuple[str, str]]:
    return [(old, old.replace("chlamydia", new)) for old in STIS]


def test_an_sti_named_hiv_is_refused_before_its_outputs_could_replace_hivs(tmp_path):
    problem = only_problem(load_setting, setting(tmp_path, *_rename_sti("hiv")))
    assert "town.toml: stis: 'hiv' cannot name an STI" in problem


@pytest.mark.parametrize("name", ["a|b", "Chlamydia", "x y", "1st", "\x1b[31mred", "é"])
def test_an_sti_name_with_unsafe_characters_is_refused_with_the_allowed_form(tmp_path, name):
    edits = [(old, old.replace("chlamydia", json.dumps(name))) for old in STIS]
    problem = only_problem(load_setting, setting(tmp_path, *edits))
    assert "stis:" in problem and "lowercase letters, digits and _" in problem


@pytest.mark.parametrize("name", ["all", "total", "sex_workers", "members"])
def test_a_community_group_may_not_take_a_name_the_group_column_uses(tmp_path, name):
    path = setting(tmp_path, ("[mobilisation.groups.indoor]", f"[mobilisation.groups.{name}]"))
    problem = only_problem(load_setting, path)
    assert f"mobilisation.groups: {name!r} cannot name a community group" in problem


def test_a_venue_name_with_a_bar_is_refused(tmp_path):
    path = setting(tmp_path, ("[sex_workers.venues.brothel]", '[sex_workers.venues."b|x"]'),
                   ('venues = ["home", "lodge", "brothel"]', 'venues = ["home", "lodge", "b|x"]'))
    assert "sex_workers.venues: 'b|x' is not allowed" in only_problem(load_setting, path)


@pytest.mark.parametrize("name", ["=HYPERLINK(1)", "a b", "\u001b[2J", "", "-x", "../x"])
def test_a_scenario_name_that_is_unsafe_in_a_terminal_or_spreadsheet_is_refused(tmp_path,
                                                                               name):
    header = HEADER.replace('name = "bad"', f"name = {json.dumps(name)}")
    problem = only_problem(load_scenario, scenario(tmp_path, "", header=header))
    assert "bad.toml: name:" in problem and "is not allowed as the name of a scenario" in problem


def test_every_fixed_value_of_the_group_column_is_reserved(make_model):
    model = make_model()
    names = ({g.name for g in model.mobilisation.groups} | set(model.params.sex_workers.venues))
    fixed = {group for _, group in model.output_keys.values()} - names
    assert fixed <= RESERVED_GROUPS, sorted(fixed - RESERVED_GROUPS)


def test_two_reporters_of_one_metric_and_group_are_an_error_naming_both_owners():
    tables = [("HIV", {("hiv_prevalence", "all"): None}),
              ("STIs", {("hiv_prevalence", "all"): None})]
    with pytest.raises(ValueError, match="from HIV and STIs"):
        output_columns(tables)


def test_metric_and_group_come_from_the_reporters_keys_not_from_splitting_a_label():
    _, keys = output_columns([("x", {("a_metric", "a_group"): None})])
    assert keys == {"a_metric|a_group": ("a_metric", "a_group")}


def test_the_shipped_names_are_all_allowed():
    for name in ("status_quo", "scale_up", "mysore", "history.v2", "A-1"):
        assert check_scenario_name(name) == name
    check_names(["gonorrhoea", "chlamydia", "street", "indoor"], "a name")


@pytest.mark.parametrize("name", ["../../x", "/etc/passwd", "seeds/mysore"])
def test_a_setting_name_cannot_reach_outside_the_settings_folders(tmp_path, name):
    header = HEADER.replace(f'setting = "{MYSORE}"', f"setting = {json.dumps(name)}")
    problem = only_problem(load_scenario, scenario(tmp_path, "", header=header))
    assert "bad.toml: setting:" in problem and "given as a path ending in .toml" in problem


def test_a_check_of_the_whole_setting_is_reported_at_its_key_in_the_child_that_set_it(
        tmp_path):
    (tmp_path / "parent.toml").write_text(HEADER)
    child = tmp_path / "child.toml"
    child.write_text('name = "child"\nextends = "parent.toml"\n'
                     '[parameters.mobilisation.groups.indoor]\nvenues = ["street"]\n')
    problem = only_problem(load_scenario, child)
    assert problem.startswith(f"{child}: parameters.mobilisation.groups.indoor.venues: venue "
                              "'street' is in two groups")
