"""User errors in settings and scenarios: every problem is a ConfigError that names the
file, the dotted key and what is allowed; all problems of a file come together."""

from __future__ import annotations

from pathlib import Path

import pytest
from empower.scenario import ConfigError, load_scenario, load_setting, validate_file

REPO = Path(__file__).resolve().parents[1]
MYSORE = REPO / "seeds" / "mysore.toml"
HEADER = f'name = "bad"\nsetting = "{MYSORE}"\nstart_year = 2004\nend_year = 2006\n'


def scenario(tmp_path: Path, body: str, header: str = HEADER, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    path.write_text(header + body)
    return path


def setting(tmp_path: Path, *edits: tuple[str, str], name: str = "town.toml") -> Path:
    """A copy of seeds/mysore.toml with each (old, new) text replaced exactly once."""
    text = MYSORE.read_text()
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text)
    return path


def problems_of(fn, path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        fn(path)
    assert str(info.value) == "\n".join(info.value.problems)
    return info.value.problems


def only_problem(fn, path: Path) -> str:
    problems = problems_of(fn, path)
    assert len(problems) == 1, problems
    return problems[0]


# ---------------------------------------------------------------------------- unknown keys

def test_unknown_parameter_key_names_scenario_file_dotted_key_and_allowed_keys(tmp_path):
    path = scenario(tmp_path, "[parameters.condom]\nprop_condom_one_of = 0.7\n")
    msg = only_problem(load_scenario, path)
    assert msg.startswith(f"{path.resolve()}: parameters.condom.prop_condom_one_of: ")
    assert "unknown key" in msg
    assert ("allowed here: power_odds_regular_client, prop_condom_client_partner, "
            "prop_condom_intimate_partner, prop_condom_one_off, prop_condom_regular_client"
            ) in msg


def test_unknown_parameter_section_lists_the_allowed_sections(tmp_path):
    path = scenario(tmp_path, "[parameters.condoms]\nprop_condom_one_off = 0.7\n")
    msg = only_problem(load_scenario, path)
    assert f"{path.resolve()}: parameters.condoms: unknown key" in msg
    for section in ("condom", "hiv", "partnerships", "population", "sex_workers", "stis"):
        assert section in msg.split("allowed here:")[1]


def test_unknown_key_inside_an_sti_lists_the_sti_keys(tmp_path):
    path = scenario(tmp_path, "[parameters.stis.gonorrhoea]\nbogus = 1\n")
    msg = only_problem(load_scenario, path)
    assert "parameters.stis.gonorrhoea.bogus: unknown key" in msg
    assert "p_per_act_male_to_female" in msg and "rr_hiv_susceptibility" in msg


def test_unknown_top_level_key_in_a_scenario_names_file_key_and_allowed_keys(tmp_path):
    path = scenario(tmp_path, "colour = 1\n")
    msg = only_problem(load_scenario, path)
    assert msg.startswith(f"{path.resolve()}: colour: unknown key")
    assert ("allowed here: description, end_year, extends, name, parameters, setting, "
            "start_year") in msg


def test_unknown_key_in_a_setting_names_the_setting_file_and_allowed_keys(tmp_path):
    path = setting(tmp_path, ("[condom]\n", "[condom]\nprop_condom_always = 0.5\n"))
    msg = only_problem(load_setting, path)
    assert msg.startswith(f"{path}: condom.prop_condom_always: unknown key")
    assert "prop_condom_one_off" in msg


# ---------------------------------------------------------------------------- values

def test_probability_above_one_in_a_scenario_names_file_key_and_range(tmp_path):
    path = scenario(tmp_path, "[parameters.condom]\nprop_condom_one_off = 1.5\n")
    msg = only_problem(load_scenario, path)
    assert msg.startswith(f"{path.resolve()}: parameters.condom.prop_condom_one_off: ")
    assert "1.5 is outside the allowed range: a probability or proportion from 0 to 1" in msg


def test_probability_above_one_in_a_scenario_timeline_is_rejected(tmp_path):
    path = scenario(tmp_path, "[parameters.condom]\nprop_condom_one_off = {2005 = 1.5}\n")
    msg = only_problem(load_scenario, path)
    assert "parameters.condom.prop_condom_one_off" in msg and "from 0 to 1" in msg


def test_probability_above_one_in_a_setting_names_setting_file_key_and_range(tmp_path):
    path = setting(tmp_path, ("prop_condom_one_off = { value = 0.65,",
                              "prop_condom_one_off = { value = 1.5,"))
    msg = only_problem(load_setting, path)
    assert msg.startswith(f"{path}: condom.prop_condom_one_off: ")
    assert "a probability or proportion from 0 to 1" in msg


def test_a_bad_setting_used_by_a_scenario_is_reported_against_the_setting_file(tmp_path):
    bad = setting(tmp_path, ("prop_condom_one_off = { value = 0.65,",
                             "prop_condom_one_off = { value = 1.5,"))
    path = scenario(tmp_path, "", header=f'setting = "{bad.name}"\nstart_year = 2004\n'
                                         "end_year = 2006\n")
    msg = only_problem(load_scenario, path)
    assert msg.startswith(f"{bad}: condom.prop_condom_one_off: ")


def test_negative_duration_names_key_and_says_at_least_zero(tmp_path):
    path = scenario(tmp_path, "[parameters.hiv]\ndur_acute_years = -1\n")
    msg = only_problem(load_scenario, path)
    assert msg.startswith(f"{path.resolve()}: parameters.hiv.dur_acute_years: ")
    assert "a duration in years of at least 0" in msg


def test_negative_duration_in_a_setting_is_rejected(tmp_path):
    path = setting(tmp_path, ("dur_pause_years = { value = 0.25,",
                              "dur_pause_years = { value = -0.25,"))
    msg = only_problem(load_setting, path)
    assert "sex_workers.dur_pause_years" in msg and "at least 0" in msg


def test_string_where_a_number_is_expected_names_key_and_the_allowed_forms(tmp_path):
    path = scenario(tmp_path, '[parameters.condom]\nprop_condom_one_off = "high"\n')
    msg = only_problem(load_scenario, path)
    assert msg.startswith(f"{path.resolve()}: parameters.condom.prop_condom_one_off: ")
    assert "got 'high'" in msg
    assert "a number" in msg and "step timeline" in msg and "linear timeline" in msg


def test_string_where_a_year_is_expected_names_the_key(tmp_path):
    path = scenario(tmp_path, "", header=f'setting = "{MYSORE}"\nstart_year = "soon"\n'
                                         "end_year = 2006\n")
    msg = only_problem(load_scenario, path)
    assert msg.startswith(f"{path.resolve()}: start_year: ")
    assert "integer" in msg


def test_implausible_year_says_which_years_are_allowed(tmp_path):
    path = scenario(tmp_path, "", header=f'setting = "{MYSORE}"\nstart_year = 1004\n'
                                         "end_year = 2006\n")
    msg = only_problem(load_scenario, path)
    assert "start_year" in msg and "from 1900 to 2200" in msg


def test_fractional_count_in_a_setting_says_a_whole_number_is_needed(tmp_path):
    path = setting(tmp_path, ("n_sex_workers = { value = 1000,",
                              "n_sex_workers = { value = 1000.5,"))
    msg = only_problem(load_setting, path)
    assert "population.n_sex_workers" in msg and "whole number" in msg


def test_infinite_count_in_a_setting_is_a_config_error(tmp_path):
    path = setting(tmp_path, ("n_sex_workers = { value = 1000,",
                              "n_sex_workers = { value = inf,"))
    msg = only_problem(load_setting, path)
    assert "population.n_sex_workers" in msg


# ---------------------------------------------------------------------------- settings

def test_unknown_setting_name_lists_the_known_settings(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    path = scenario(tmp_path, "", header='setting = "atlantis"\nstart_year = 2004\n'
                                         "end_year = 2006\n")
    msg = only_problem(load_scenario, path)
    assert msg.startswith(f"{path.resolve()}: setting: unknown setting 'atlantis'")
    assert "known settings: " in msg and "mysore" in msg.split("known settings: ")[1]


def test_missing_setting_file_path_names_the_path(tmp_path):
    path = scenario(tmp_path, "", header='setting = "missing.toml"\nstart_year = 2004\n'
                                         "end_year = 2006\n")
    msg = only_problem(load_scenario, path)
    assert "setting: no setting file at" in msg and str(tmp_path / "missing.toml") in msg


def test_scenario_without_a_setting_says_the_setting_key_is_missing(tmp_path):
    path = scenario(tmp_path, "", header="start_year = 2004\nend_year = 2006\n")
    msg = only_problem(load_scenario, path)
    assert f"{path.resolve()}: setting: required key is missing" in msg


def test_missing_required_key_in_a_setting_names_the_file_and_dotted_key(tmp_path):
    text = MYSORE.read_text()
    line = next(ln for ln in text.splitlines() if ln.startswith("prop_condom_one_off"))
    path = setting(tmp_path, (line + "\n", ""))
    msg = only_problem(load_setting, path)
    assert msg == f"{path}: condom.prop_condom_one_off: required key is missing"


def test_missing_section_in_a_setting_names_the_section(tmp_path):
    text = MYSORE.read_text()
    block = text[text.index("[partners]"):text.index("[partnerships]")]
    path = setting(tmp_path, (block, ""))
    assert only_problem(load_setting, path) == f"{path}: partners: required key is missing"


# ---------------------------------------------------------------------------- shares

def test_gender_shares_not_adding_up_to_one_in_a_scenario(tmp_path):
    path = scenario(tmp_path, "[parameters.sex_workers.gender]\nprop_female = 0.5\n")
    msg = only_problem(load_scenario, path)
    assert msg.startswith(f"{path.resolve()}: parameters.sex_workers.gender: ")
    assert "gender shares must add up to 1, they add up to 0.5" in msg


def test_gender_shares_not_adding_up_to_one_in_a_setting(tmp_path):
    path = setting(tmp_path, ("prop_male = { value = 0.0,", "prop_male = { value = 0.1,"))
    msg = only_problem(load_setting, path)
    assert msg.startswith(f"{path}: sex_workers.gender: ")
    assert "add up to 1" in msg and "1.1" in msg


def test_gender_share_given_as_a_timeline_is_rejected_as_not_constant(tmp_path):
    path = scenario(tmp_path, "[parameters.sex_workers.gender]\n"
                              "prop_female = {2005 = 0.9}\n")
    msg = only_problem(load_scenario, path)
    assert "parameters.sex_workers.gender" in msg and "must be a constant" in msg


def test_venue_shares_not_adding_up_to_one_in_a_scenario(tmp_path):
    path = scenario(tmp_path, "[parameters.sex_workers.venues.street]\n"
                              "prop_sex_workers = 0.5\n")
    msg = only_problem(load_scenario, path)
    assert msg.startswith(f"{path.resolve()}: parameters.sex_workers: ")
    assert "venue shares (prop_sex_workers) must add up to 1, not 0.62" in msg


def test_venue_shares_not_adding_up_to_one_in_a_setting(tmp_path):
    path = setting(tmp_path, ("prop_sex_workers = { value = 0.88,",
                              "prop_sex_workers = { value = 0.8,"))
    msg = only_problem(load_setting, path)
    assert msg.startswith(f"{path}: sex_workers: ")
    assert "venue shares" in msg and "add up to 1" in msg


# ---------------------------------------------------------------------------- years, syntax

def test_end_year_before_start_year_names_the_file_and_both_years(tmp_path):
    path = scenario(tmp_path, "", header=f'setting = "{MYSORE}"\nstart_year = 2006\n'
                                         "end_year = 2004\n")
    msg = only_problem(load_scenario, path)
    assert msg.startswith(f"{path.resolve()}: ")
    assert "end_year (2004) must be after start_year (2006)" in msg


def test_end_year_equal_to_start_year_is_rejected(tmp_path):
    path = scenario(tmp_path, "", header=f'setting = "{MYSORE}"\nstart_year = 2006\n'
                                         "end_year = 2006\n")
    assert "must be after start_year" in only_problem(load_scenario, path)


def test_end_year_before_start_year_is_reported_under_the_key_end_year(tmp_path):
    path = scenario(tmp_path, "", header=f'setting = "{MYSORE}"\nstart_year = 2006\n'
                                         "end_year = 2004\n")
    assert only_problem(load_scenario, path).startswith(f"{path.resolve()}: end_year: ")


def test_missing_start_year_is_reported_as_a_missing_key(tmp_path):
    path = scenario(tmp_path, "", header=f'setting = "{MYSORE}"\nend_year = 2006\n')
    msg = only_problem(load_scenario, path)
    prefix = f"{path.resolve()}: start_year: "
    assert msg.startswith(prefix)
    assert "missing" in msg.removeprefix(prefix)


def test_toml_syntax_error_names_the_file_and_the_line(tmp_path):
    path = scenario(tmp_path, "[parameters.condom\nprop_condom_one_off = 0.5\n")
    msg = only_problem(load_scenario, path)
    assert msg.startswith(f"{path}: not valid TOML: ")
    assert "line 5" in msg


def test_toml_syntax_error_in_a_setting_names_the_setting_file(tmp_path):
    path = setting(tmp_path, ("[condom]\n", "[condom\n"))
    msg = only_problem(load_setting, path)
    assert msg.startswith(f"{path}: not valid TOML: ")


def test_missing_scenario_file_is_a_config_error_naming_it(tmp_path):
    path = tmp_path / "absent.toml"
    assert only_problem(load_scenario, path) == f"{path}: file not found"
    assert only_problem(validate_file, path) == f"{path}: file not found"


def test_a_scenario_given_by_name_is_found_and_an_unknown_name_lists_the_known_ones():
    assert load_scenario("status_quo").path.name == "status_quo.toml"
    msg = only_problem(load_scenario, "status_qou")
    assert msg.startswith("status_qou: file not found, and no scenario of that name")
    assert "status_quo" in msg and "scale_up" in msg


def test_a_folder_given_as_a_scenario_says_it_is_a_folder(tmp_path):
    assert only_problem(load_scenario, tmp_path) == f"{tmp_path}: is a folder, not a scenario file"


def test_file_that_is_not_utf8_is_a_config_error(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'name = "caf\xe9"\n')
    assert str(path) in only_problem(validate_file, path)


def test_validating_a_folder_is_a_config_error(tmp_path):
    assert str(tmp_path) in only_problem(validate_file, tmp_path)


# ---------------------------------------------------------------------------- all at once

def test_two_bad_parameters_in_a_scenario_are_two_problems_reported_together(tmp_path):
    path = scenario(tmp_path, "[parameters.condom]\nprop_condom_one_of = 0.7\n"
                              "prop_condom_regular_client = 1.5\n"
                              "[parameters.hiv]\ndur_acute_years = -1\n")
    problems = problems_of(load_scenario, path)
    assert len(problems) == 3
    joined = "\n".join(problems)
    for key in ("parameters.condom.prop_condom_one_of", "parameters.condom."
                "prop_condom_regular_client", "parameters.hiv.dur_acute_years"):
        assert f"{path.resolve()}: {key}: " in joined


def test_two_unknown_top_level_keys_are_two_problems(tmp_path):
    path = scenario(tmp_path, "colour = 1\nsize = 2\n")
    problems = problems_of(load_scenario, path)
    assert [p.split(": ")[1] for p in problems] == ["colour", "size"]


def test_two_bad_values_in_a_setting_are_two_problems(tmp_path):
    path = setting(tmp_path,
                   ("prop_condom_one_off = { value = 0.65,", "prop_condom_one_off = { value = 2,"),
                   ("dur_pause_years = { value = 0.25,", "dur_pause_years = { value = -1,"))
    problems = problems_of(load_setting, path)
    assert len(problems) == 2
    assert all(p.startswith(f"{path}: ") for p in problems)


def test_problems_in_a_parent_and_a_child_each_name_their_own_file(tmp_path):
    parent = scenario(tmp_path, "[parameters.condom]\nprop_condom_one_off = 1.5\n",
                      name="parent.toml")
    child = scenario(tmp_path, "[parameters.hiv]\ndur_acute_years = -1\n",
                     header='extends = "parent.toml"\n', name="child.toml")
    joined = "\n".join(problems_of(load_scenario, child))
    assert f"{parent.resolve()}: parameters.condom.prop_condom_one_off" in joined
    assert f"{child.resolve()}: parameters.hiv.dur_acute_years" in joined


@pytest.mark.parametrize("top", ["colour = 1\nend_year = 2010\n", "end_year = 2003\n"])
def test_top_level_and_parameter_problems_in_one_file_are_reported_together(tmp_path, top):
    path = scenario(tmp_path, top + "[parameters.condom]\nprop_condom_one_off = 1.5\n",
                    header=f'setting = "{MYSORE}"\nstart_year = 2004\n')
    problems = problems_of(load_scenario, path)
    assert len(problems) == 2
