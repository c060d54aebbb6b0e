"""Simulated surveys: measured on respondents with the studies' definitions, changing nothing."""

from __future__ import annotations

import contextlib
import io
import math

import numpy as np
import pandas as pd
import pytest
from empower.cli import main
from empower.results import tidy_from_model
from empower.scenario import load_scenario
from empower.survey import (
    ANALYSES,
    Analysis,
    BehaviourRecorder,
    SurveyDesign,
    run_surveys,
    survey_estimates,
    survey_model,
    survey_odds_ratios,
)


def _step_to_fieldwork(model, recorder, index=0):
    end = recorder.windows[index][2]
    while model.step_index < end:
        model.step()


def test_recording_behaviour_for_a_survey_changes_no_result(make_model):
    plain = make_model(end_year=2006, seed=4)
    plain.run()
    watched = make_model(end_year=2006, seed=4)
    watched.partnerships.observers.append(
        BehaviourRecorder([SurveyDesign(2005, 50)], watched.scenario.start_year))
    watched.run()
    pd.testing.assert_frame_equal(tidy_from_model(plain, 0).drop(columns="scenario"),
                                  tidy_from_model(watched, 0).drop(columns="scenario"))


def test_recorded_acts_are_the_acts_transmission_uses(make_model):
    # everyone infected: every contact is live, so transmission sees all of them
    everyone = {"sex_workers": 1.0, "clients": 1.0, "partners_of_sex_workers": 1.0,
                "partners_of_clients": 1.0}
    all_hiv = {"hiv": {"initial_prevalence": everyone, "prevalence_at_entry": everyone}}
    model = make_model(all_hiv, end_year=2006, seed=2)
    recorder = BehaviourRecorder([SurveyDesign(2005, 50)], model.scenario.start_year)
    model.partnerships.observers.append(recorder)
    while model.step_index < recorder.windows[0][0] + 2:
        model.step()
    c, step = model.week.contacts, model.step_index - 1
    for kind in range(3):
        mine = c.kind == kind
        acts = np.bincount(c.a[mine], weights=c.n_acts[mine], minlength=model.pop.n)
        protected = np.bincount(c.a[mine], weights=c.n_protected[mine], minlength=model.pop.n)
        this_week = np.flatnonzero(recorder.last_step[0][kind] == step)
        assert this_week.size > 0
        np.testing.assert_array_equal(recorder.last_acts[0][kind, this_week], acts[this_week])
        np.testing.assert_array_equal(recorder.last_protected[0][kind, this_week],
                                      protected[this_week])


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_condom_measures_follow_condom_use_at_its_extremes(make_model, p):
    model = make_model({"condom": {"prop_condom_one_off": p, "prop_condom_regular_client": p,
                                   "prop_condom_intimate_partner": p}}, end_year=2006)
    recorder = BehaviourRecorder([SurveyDesign(2005, 150)], model.scenario.start_year)
    model.partnerships.observers.append(recorder)
    _step_to_fieldwork(model, recorder)
    r = survey_model(model, recorder, 0)
    for m in ("consistent_condom_clients", "condom_last_sex_one_off",
              "condom_last_sex_regular_client", "condom_last_sex_intimate_partner"):
        answered = r[m].dropna()
        assert len(answered) > 10, m
        assert (answered == p).all(), m


def test_consistent_use_over_a_month_is_rarer_than_condom_at_last_sex(make_model):
    model = make_model(end_year=2006)
    recorder = BehaviourRecorder([SurveyDesign(2005, 150)], model.scenario.start_year)
    model.partnerships.observers.append(recorder)
    _step_to_fieldwork(model, recorder)
    r = survey_model(model, recorder, 0)
    assert r["consistent_condom_clients"].mean() < r["condom_last_sex_one_off"].mean()


def test_past_year_measures_count_events_within_the_year_before_fieldwork(make_model):
    model = make_model(end_year=2007)
    recorder = BehaviourRecorder([SurveyDesign(2006, 10_000)], model.scenario.start_year)
    model.partnerships.observers.append(recorder)
    _step_to_fieldwork(model, recorder)
    pop, year = model.pop, model.year
    sw = model.members[0]
    frame = sw[pop.pause_until_year[sw] <= year]
    inside, before = frame[0], frame[1]
    for column in ("violence_client_year", "violence_partner_year", "violence_police_year",
                   "arrest_year", "confiscation_year"):
        getattr(pop, column)[[inside, before]] = [year - 0.9, year - 1.1]
    r = survey_model(model, recorder, 0).set_index("uid")
    inside, before = pop.uid[inside], pop.uid[before]  # respondents are named by uid
    for m in ("violence_client", "violence_partner", "violence_police", "violence_any",
              "arrested", "condoms_confiscated", "repressive_policing"):
        assert r.loc[inside, m] == 1.0 and r.loc[before, m] == 0.0, m


def test_the_sample_is_drawn_without_replacement_from_working_sex_workers(make_model):
    model = make_model(end_year=2006, people_scale=0.5)
    designs = [SurveyDesign(2005, 200, sampling="simple"), SurveyDesign(2005, 200,
                                                                         sampling="venue")]
    recorder = BehaviourRecorder(designs, model.scenario.start_year)
    model.partnerships.observers.append(recorder)
    _step_to_fieldwork(model, recorder)
    pop, year = model.pop, model.year
    for i in range(2):
        r = survey_model(model, recorder, i)
        assert len(r) == 200 and r["uid"].is_unique
        rows = pop.rows_of(r["uid"].to_numpy())
        assert (rows >= 0).all()
        assert (pop.group[rows] == 0).all() and (pop.pause_until_year[rows] <= year).all()
    # venue sampling: each venue's share of the sample is its share of the frame, rounded
    sw = model.members[0]
    frame = sw[pop.pause_until_year[sw] <= year]
    share = np.bincount(pop.venue[frame], minlength=4) / frame.size
    got = np.bincount(survey_model(model, recorder, 1)["venue"], minlength=4)
    assert np.all(np.abs(got - 200 * share) <= 1)


def test_a_survey_is_a_function_of_the_seed(tmp_path):
    scenario = load_scenario(_short(tmp_path))
    a = run_surveys(scenario, [SurveyDesign(2005, 80)], seed=3, people_scale=0.2)
    b = run_surveys(scenario, [SurveyDesign(2005, 80)], seed=3, people_scale=0.2)
    c = run_surveys(scenario, [SurveyDesign(2005, 80)], seed=4, people_scale=0.2)
    pd.testing.assert_frame_equal(a, b)
    assert not a.drop(columns="seed").equals(c.drop(columns="seed"))


def test_a_survey_outside_the_run_or_without_a_window_before_it_is_refused(tmp_path):
    scenario = load_scenario(_short(tmp_path))
    with pytest.raises(ValueError, match="survey year 2007"):
        run_surveys(scenario, [SurveyDesign(2007, 10)], seed=1, people_scale=0.1)


def _synthetic(n, odds_ratio, seed=0):
    rng = np.random.default_rng(seed)
    years = rng.uniform(0, 10, n)
    exposed = (rng.uniform(size=n) < 1 / (1 + np.exp(-(years - 5) / 2))).astype(float)
    logit = -1.0 + math.log(odds_ratio) * exposed + 0.3 * (years - 5)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(float)
    return pd.DataFrame({"scenario": "s", "replicate": 0, "seed": 1, "survey_year": 2006,
                         "hiv": y, "member": exposed, "years_in_sex_work": years})


def test_adjusted_odds_ratio_recovers_a_known_one_that_years_in_sex_work_confounds():
    table = survey_odds_ratios(_synthetic(20_000, 3.0),
                               (Analysis("t", "hiv", "member", None, "", "result"),))
    crude, adjusted = table.iloc[0], table.iloc[1]
    assert adjusted.adjusted_for == "years_in_sex_work"
    assert adjusted.ci_low < 3.0 < adjusted.ci_high
    assert not crude.ci_low < 3.0 < crude.ci_high  # confounded: the adjustment matters


def test_an_odds_ratio_without_variation_is_missing_with_a_reason():
    data = _synthetic(500, 2.0)
    data["member"] = 0.0
    table = survey_odds_ratios(data, (Analysis("t", "hiv", "member", None, "", "result"),))
    assert table["odds_ratio"].isna().all()
    assert (table["note"] == "no variation in outcome or exposure").all()


def test_estimates_use_those_who_answered_as_denominator_with_wilson_intervals():
    data = pd.DataFrame({"scenario": "s", "replicate": 0, "seed": 1, "survey_year": 2006,
                         "hiv": [1.0, 0.0, 0.0, 0.0],
                         "consistent_condom_clients": [1.0, np.nan, np.nan, 0.0]})
    for m in ("condom_last_sex_one_off", "member"):
        data[m] = 0.0
    est = survey_estimates(data.reindex(columns=[*data.columns, *_measures()]), []).set_index(
        "measure")
    assert est.loc["hiv", "value"] == 0.25 and est.loc["hiv", "n"] == 4
    assert est.loc["consistent_condom_clients", "value"] == 0.5
    assert est.loc["consistent_condom_clients", "n"] == 2
    low, high = est.loc["hiv", ["ci_low", "ci_high"]]
    assert 0.0 < low < 0.25 < high < 1.0


def _measures():
    from empower.survey import MEASURES
    return [m for m in MEASURES if m not in ("hiv", "consistent_condom_clients",
                                             "condom_last_sex_one_off", "member")]


def test_analyses_name_their_published_values_and_role():
    roles = {a.name: a.role for a in ANALYSES}
    assert roles["empowerment_condom"] == "target"
    assert roles["empowerment_hiv"] == roles["empowerment_gonorrhoea"] == "result"


def _short(tmp_path):
    from conftest import write_scenario
    return write_scenario(tmp_path / "short.toml", end_year=2007)


def test_cli_survey_prints_and_writes_its_tables(tmp_path):
    out = tmp_path / "svy"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["survey", str(_short(tmp_path)), "--year", "2005", "--year", "2006",
                     "--sample", "60", "--people-scale", "0.2", "--out", str(out)])
    assert code == 0
    text = buf.getvalue()
    assert "survey 2005" in text and "consistent_condom_clients ~ member" in text
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["respondents.parquet", "estimates.csv", "odds_ratios.csv", "survey.json"])
    respondents = pd.read_parquet(out / "respondents.parquet")
    assert set(respondents["survey_year"]) == {2005, 2006}


@pytest.mark.parametrize(("args", "message"), [
    (["--year", "2005", "--sample", "0"], "--sample"),
    (["--year", "2005", "--recall-days", "400"], "--recall-days"),
    (["--year", "2005", "--year", "2005"], "--year"),
    (["--year", "2010"], "survey year 2010"),
    (["--year", "2005", "--fieldwork", "1.5"], "--fieldwork"),
])
def test_cli_survey_bad_options_exit_2_naming_the_option(tmp_path, capsys, args, message):
    code = main(["survey", str(_short(tmp_path)), "--people-scale", "0.1", *args])
    assert code == 2
    assert message in capsys.readouterr().err


def test_the_last_arrest_and_confiscation_are_kept_when_they_happen(make_model):
    model = make_model({"violence": {"rate_arrest_per_year": 5.0,
                                     "rate_police_encounter_per_year": 20.0}},
                       end_year=2005)
    for _ in range(10):
        model.step()
    pop, v = model.pop, model.params.violence
    sw = model.members[0]
    arrested = sw[np.isfinite(pop.arrest_year[sw])]
    assert arrested.size > 0
    np.testing.assert_allclose(pop.detained_until_year[arrested],
                               pop.arrest_year[arrested] + v.dur_detention_years.value)
    taken = sw[np.isfinite(pop.confiscation_year[sw])]
    assert taken.size > 0
    np.testing.assert_allclose(pop.confiscated_until_year[taken],
                               pop.confiscation_year[taken]
                               + v.dur_confiscation_effect_years.value)


def test_fieldwork_can_be_at_any_time_of_the_year_and_recall_ends_there():
    d = SurveyDesign(2006, 100, fieldwork_fraction=0.75)
    assert d.fieldwork_year == 2006.75
    assert d.fieldwork_step(2004) == round(2.75 * 52)
    first, recall_from, end = BehaviourRecorder([d], 2004).windows[0]
    assert end - recall_from == d.recall_weeks and end - first == 13
    with pytest.raises(ValueError, match="fieldwork fraction"):
        SurveyDesign(2006, 100, fieldwork_fraction=1.0)


def test_cli_survey_with_a_posterior_records_the_draws(tmp_path):
    import json
    post = tmp_path / "p.csv"
    pd.DataFrame({"draw": [0, 1, 2], "hiv.prevalence_at_entry.sex_workers": [0.05, 0.1, 0.2]}
                 ).to_csv(post, index=False)
    out = tmp_path / "svy"
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["survey", str(_short(tmp_path)), "--year", "2005", "--sample", "30",
                     "--people-scale", "0.1", "--replicates", "2", "--posterior", str(post),
                     "--out", str(out)])
    assert code == 0
    meta = json.loads((out / "survey.json").read_text())
    assert meta["posterior"]["file"] == str(post) and len(meta["posterior"]["draws"]) == 2
