"""Regression baselines: an unchanged model passes, a changed one fails, bad files exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO
from empower.baseline import record, rerun
from empower.baseline_compare import compare
from empower.baseline_file import read_baseline, write_baseline
from empower.cli import main
from empower.processes.partnerships.process import Partnerships
from empower.scenario import load_scenario

BASELINES = REPO / "tests" / "baselines"
SHIPPED = BASELINES / "status_quo_small.json"


@pytest.fixture(scope="module")
def shipped():
    return read_baseline(SHIPPED)


def check(baseline, overrides=None, seeds=None):
    runs, _ = rerun(baseline, SHIPPED, seeds=seeds, overrides=overrides)
    return compare(baseline, runs, seeds or baseline.seeds)


def setting_value(key: str) -> float:
    params = load_scenario(BASELINES / "status_quo_small.toml").params
    value = params
    for part in key.split("."):
        value = value[part] if isinstance(value, dict) else getattr(value, part)
    return value.value


# ---------------------------------------------------------------------------- verdicts

def test_the_shipped_baseline_passes_on_the_model_as_it_is_with_a_markdown_summary(
        tmp_path, capsys):
    md = tmp_path / "summary.md"
    code = main(["baseline", "check", str(SHIPPED), "--markdown", str(md)])
    assert code == 0, capsys.readouterr().out
    assert "PASS" in capsys.readouterr().out
    text = md.read_text()
    assert text.startswith("## empower baseline check: pass")
    assert "| scenario | metric | group | year | baseline | now | ratio | tolerance |" in text


def test_other_replicate_seeds_pass_with_the_default_tolerances(shipped):
    result = check(shipped, seeds=[s + 100 for s in shipped.seeds])
    assert not result.paired  # Welch's test: the runs share no random numbers
    assert result.ok, result.text()


@pytest.mark.parametrize(("name", "keys", "factor", "moved"), [
    ("HIV per-act probability +10%",
     ["hiv.p_per_act_male_to_female", "hiv.p_per_act_female_to_male"], 1.1, "new_hiv_infections"),
    ("client volume +10%",
     [f"sex_workers.venues.{v}.one_off_clients_per_week"
      for v in ("street", "home", "lodge", "brothel")], 1.1,
     "one_off_clients_per_sex_worker_week"),
    ("condom efficacy -10%",
     ["hiv.prop_condom_efficacy", "stis.gonorrhoea.prop_condom_efficacy",
      "stis.chlamydia.prop_condom_efficacy"], 0.9, "new_chlamydia_infections"),
])
def test_a_ten_percent_change_in_a_key_parameter_fails_naming_what_moved(
        shipped, name, keys, factor, moved):
    result = check(shipped, {k: setting_value(k) * factor for k in keys})
    assert not result.ok, name
    assert moved in set(result.failed["metric"]), (name, sorted(set(result.failed["metric"])))
    changed = {k for k, _, _ in result.parameters["status_quo_small"]}
    assert {f"{k}.value" for k in keys} <= changed


def test_regular_ties_that_never_dissolve_fail_through_the_invariants_not_prevalence(
        shipped, monkeypatch):
    def never_end(self, model):  # the bug: ties outlive their expiry and their members
        self.tie_weeks += self.tie_sw.size

    monkeypatch.setattr(Partnerships, "_end_regular", never_end)
    result = check(shipped)
    failed = set(result.failed["metric"])
    assert {"regular_clients_per_sex_worker", "regular_tie_duration_years"} <= failed
    assert not any(m.endswith("_prevalence") for m in failed), sorted(failed)


# ---------------------------------------------------------------------------- surveys

def test_surveys_fielded_during_a_run_leave_its_outputs_unchanged():
    from empower.baseline import survey_designs
    from empower.experiment import run_replicate

    scenario = load_scenario(BASELINES / "status_quo_small.toml")
    plain = run_replicate(scenario, 0, 3, 0.1, threads=1)
    surveyed = run_replicate(scenario, 0, 3, 0.1, threads=1, surveys=survey_designs([2006]))
    model_rows = surveyed[~surveyed["metric"].str.startswith("survey_")].reset_index(drop=True)
    assert model_rows.equals(plain)
    rows = surveyed[surveyed["metric"].str.startswith("survey_")]
    assert set(rows["year"]) == {2006} and set(rows["group"]) == {"sex_workers"}
    assert {"survey_consistent_condom_clients", "survey_condom_last_sex_regular_client",
            "survey_or_empowerment_condom", "survey_or_violence_condom"} <= set(rows["metric"])
    share = rows.set_index("metric")["value"]["survey_consistent_condom_clients"]
    assert 0 < share < 1


def test_the_shipped_baseline_records_what_the_surveys_measure(shipped):
    assert shipped.survey_years == [2006, 2008]
    metrics = shipped.scenarios["status_quo_small"].metrics
    for key in ("survey_consistent_condom_clients|sex_workers|2008",
                "survey_condom_last_sex_intimate_partner|sex_workers|2006",
                "survey_or_empowerment_condom|sex_workers|2008"):
        assert metrics[key].mean is not None, key


def test_a_survey_year_outside_the_run_is_refused_naming_the_option(tmp_path, capsys):
    code = main(["baseline", "save", str(BASELINES / "status_quo_small.toml"), "--replicates",
                 "2", "--survey-years", "2012", "--out", str(tmp_path / "b.json")])
    assert code == 2
    err = capsys.readouterr().err
    assert "--survey-years: scenario status_quo_small: survey year 2012" in err
    assert not (tmp_path / "b.json").exists()


# ---------------------------------------------------------------------------- exact

def test_exact_outputs_whatever_the_number_of_workers_or_threads(tmp_path, capsys):
    out = tmp_path / "b.json"
    assert main(["baseline", "save", str(BASELINES / "status_quo_small.toml"), "--replicates",
                 "2", "--people-scale", "0.1", "--years", "2005", "--out", str(out)]) == 0
    for option in (["--workers", "1", "--threads", "1"], ["--workers", "2"],
                   ["--threads", "2"]):
        assert main(["baseline", "check", str(out), "--exact", *option]) == 0, (
            option, capsys.readouterr().out)


@pytest.mark.parametrize("executor", ["local", "dask"])
def test_exact_outputs_on_the_local_and_dask_executors(tmp_path, capsys, executor):
    pytest.importorskip("distributed")
    out = tmp_path / "b.json"
    assert main(["baseline", "save", str(BASELINES / "status_quo_small.toml"), "--replicates",
                 "2", "--people-scale", "0.1", "--years", "2005", "--out", str(out)]) == 0
    assert main(["baseline", "check", str(out), "--exact", "--executor", executor,
                 "--workers", "2"]) == 0, capsys.readouterr().out
    assert "benchmark guard skipped" in capsys.readouterr().err


def test_a_scheduler_without_the_dask_executor_is_refused(tmp_path, capsys):
    code = main(["baseline", "check", str(SHIPPED), "--scheduler", "tcp://localhost:8786"])
    assert code == 2
    assert "--scheduler: only with --executor dask" in capsys.readouterr().err


def test_exact_fails_when_one_replicate_changed(tmp_path, capsys):
    out = tmp_path / "b.json"
    assert main(["baseline", "save", str(BASELINES / "status_quo_small.toml"), "--replicates",
                 "2", "--people-scale", "0.1", "--years", "2005", "--out", str(out)]) == 0
    raw = json.loads(out.read_text())
    raw["scenarios"]["status_quo_small"]["digests"][1] = "0" * 64
    out.write_text(json.dumps(raw))
    capsys.readouterr()
    assert main(["baseline", "check", str(out), "--exact"]) == 1
    assert "replicates [1] not identical" in capsys.readouterr().out


# ---------------------------------------------------------------------------- files

@pytest.mark.parametrize(("content", "message"), [
    ("", "invalid JSON"),
    (SHIPPED.read_text()[:5000], "truncated or corrupted"),
    ('{"format": "something-else"}', "not a baseline file"),
    (SHIPPED.read_text().replace('"format_version": 1', '"format_version": 99'),
     "format_version 99 is not supported"),
    (SHIPPED.read_text().replace('"people_scale": 0.2', '"people_scale": -1'),
     "people_scale"),
])
def test_a_bad_baseline_file_exits_2_naming_the_file(tmp_path, capsys, content, message):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    assert main(["baseline", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and message in err, err
    assert "Traceback" not in err


def test_a_missing_baseline_file_exits_2(tmp_path, capsys):
    assert main(["baseline", "check", str(tmp_path / "none.json")]) == 2
    assert "empower baseline save" in capsys.readouterr().err


def test_a_baseline_is_diff_friendly_sorted_json_with_one_line_a_record(tmp_path):
    base = record([BASELINES / "status_quo_small.toml"], tmp_path / "b.json", replicates=2,
                  seed=3, people_scale=0.1, years=[2005])
    write_baseline(tmp_path / "b.json", base)
    lines = (tmp_path / "b.json").read_text().splitlines()
    records = [ln.strip() for ln in lines if ln.strip().startswith('"hiv_prevalence|')]
    assert records == sorted(records) and len(records) >= 4
    assert all(r.endswith("},") or r.endswith("}") for r in records)
    assert read_baseline(tmp_path / "b.json") == base
    assert Path(base.scenarios["status_quo_small"].scenario_file).name == "status_quo_small.toml"


def test_the_benchmark_guard_warns_of_a_slowdown_without_failing_the_check(tmp_path, capsys):
    out = tmp_path / "b.json"
    assert main(["baseline", "save", str(BASELINES / "status_quo_small.toml"), "--replicates",
                 "2", "--people-scale", "0.1", "--years", "2005", "--out", str(out)]) == 0
    raw = json.loads(out.read_text())
    raw["timing"]["normalised"] /= 10  # as if the baseline had run ten times faster
    out.write_text(json.dumps(raw))
    capsys.readouterr()
    assert main(["baseline", "check", str(out)]) == 0
    err = capsys.readouterr().err
    assert "warning: slower:" in err and "beyond the warning factor 1.5" in err, err


@pytest.mark.parametrize(("options", "message"), [
    (["--replicates", "1"], "--replicates: must be at least 2"),
    (["--people-scale", "0"], "--people-scale: must be a finite number above 0"),
    (["--workers", "0"], "--workers: must be at least 1"),
])
def test_bad_save_options_exit_2_naming_the_option(tmp_path, capsys, options, message):
    code = main(["baseline", "save", "status_quo", "--out", str(tmp_path / "b.json"),
                 *options])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "b.json").exists()


def test_saving_a_scenario_that_does_not_exist_exits_2_and_writes_nothing(tmp_path, capsys):
    code = main(["baseline", "save", str(tmp_path / "nothing.toml"), "--out",
                 str(tmp_path / "b.json")])
    assert code == 2
    assert "nothing.toml" in capsys.readouterr().err
    assert not (tmp_path / "b.json").exists()
