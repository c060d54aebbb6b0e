"""Calibration: targets files validated, distances standardised, posteriors applied."""

from __future__ import annotations

import contextlib
import io
import json
import math
import shutil
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from empower.calibrate import (
    Simulator,
    Target,
    TargetsFile,
    load_conditional,
    load_targets,
)
from empower.cli import main
from empower.posterior import posterior_draw, posterior_scenarios
from empower.results import read_csv_exact
from empower.scenario import ConfigError, load_scenario
from pydantic import ValidationError

REPO = Path(__file__).resolve().parents[1]
TARGETS = REPO / "seeds" / "targets" / "mysore.toml"
BEHAVIOUR = REPO / "seeds" / "targets" / "mysore_behaviour.toml"


def test_a_result_odds_ratio_is_refused_as_a_target():
    with pytest.raises(ValidationError, match="is a result, never a calibration target"):
        Target(name="t", measure="odds_ratio:empowerment_hiv", years=[2008], observed=1.0,
               low=0.5, high=2.0, source="")


def test_a_proportions_interval_from_its_sample_size_is_wilsons():
    t = Target(name="t", measure="hiv", years=[2004], observed=0.26, n=429, source="")
    low, high = t.interval()
    assert low == pytest.approx(0.2209, abs=5e-4) and high == pytest.approx(0.3035, abs=5e-4)
    assert t.error(0.26 + t.standard_error()) == pytest.approx(1.0)


def test_odds_ratio_errors_are_on_the_log_scale():
    t = Target(name="t", measure="odds_ratio:violence_condom", years=[2008], observed=0.4,
               low=0.3, high=0.5, source="")
    assert t.error(0.4) == 0.0
    assert t.error(0.8) == pytest.approx(-t.error(0.2))
    assert t.error(math.nan) == 10.0


def test_the_shipped_targets_file_validates_and_names_its_scenario():
    spec, scenario = load_targets(TARGETS)
    assert scenario == (REPO / "scenarios" / "history.toml").resolve()
    assert all(p.source for p in spec.priors) and all(t.source for t in spec.targets)
    assert not any(t.measure.endswith(("empowerment_hiv", "empowerment_gonorrhoea",
                                       "empowerment_chlamydia")) for t in spec.targets)


def test_a_targets_file_with_an_unknown_measure_names_it(tmp_path):
    bad = tmp_path / "t.toml"
    bad.write_text(TARGETS.read_text().replace('measure = "hiv"', 'measure = "hiv_typo"', 1)
                   .replace('"../../scenarios/history.toml"',
                            f'"{REPO / "scenarios" / "history.toml"}"'))
    with pytest.raises(ConfigError, match="targets.0.measure: unknown measure 'hiv_typo'"):
        load_targets(bad)


def test_a_tied_parameter_is_its_priors_draw_times_its_factor():
    spec, _ = load_targets(TARGETS)
    prior = next(p for p in spec.priors if p.tied)
    values = spec.setting_values({p.parameter: p.high for p in spec.priors})
    assert values[prior.parameter] == prior.high
    assert values[prior.tied[0].parameter] == pytest.approx(prior.high * prior.tied[0].factor)
    assert len(values) == len(spec.priors) + sum(len(p.tied) for p in spec.priors)


@pytest.mark.parametrize("tie", [
    {"parameter": "hiv.p_per_act_male_to_female", "source": "s"},  # a prior's own parameter
    {"parameter": "x.y", "factor": 0.0, "source": "s"},  # factor must be above 0
])
def test_a_bad_tie_is_refused(tie):
    raw = tomllib.loads(TARGETS.read_text())
    raw["priors"][0]["tied"] = [tie]
    with pytest.raises(ValidationError, match="repeated: hiv.p_per_act|factor must be"):
        TargetsFile.model_validate(raw)


def test_distance_is_zero_at_the_observed_values_and_skips_unfitted_targets():
    spec, scenario = load_targets(TARGETS)
    sim = Simulator(spec, scenario)
    observed = {t.name: t.observed for t in spec.targets}
    assert sim.distance(observed, observed) == 0.0
    unfitted = [t.name for t in spec.targets if not t.fitted]
    assert unfitted
    assert sim.distance({**observed, unfitted[0]: 0.0}, observed) == 0.0


def test_setting_values_apply_before_the_scenarios_own_timelines():
    history = REPO / "scenarios" / "history.toml"
    sc = load_scenario(history, {"mobilisation.coverage_target": 0.2,
                                 "hiv.prevalence_at_entry.sex_workers": 0.07}, "a draw")
    assert sc.params.hiv.prevalence_at_entry.sex_workers.value == 0.07
    assert "a draw" in sc.params.hiv.prevalence_at_entry.sex_workers.source
    target = sc.params.mobilisation.coverage_target  # the scenario's timeline still wins
    assert target.values == (0.5, 1.0) and target.before.value == 0.2
    with pytest.raises(ConfigError, match="hiv.nonsense: not a parameter of the setting"):
        load_scenario(history, {"hiv.nonsense": 1.0})


def test_a_draw_always_gives_the_same_statistics():
    spec, scenario = load_targets(TARGETS)
    small = TargetsFile.model_validate({**spec.model_dump(), "targets": [
        t.model_dump() for t in spec.targets if max(t.years) <= 2004]})
    sim = Simulator(small, scenario, people_scale=0.1)
    theta = {p.parameter: p.low for p in spec.priors}
    assert sim(theta) == sim(theta)
    assert sim(theta) != sim({**theta, "hiv.initial_prevalence.clients": spec.priors[3].high})


def test_a_replicates_posterior_draw_is_a_function_of_its_seed(tmp_path):
    post = tmp_path / "p.csv"
    pd.DataFrame({"draw": range(50),
                  "hiv.prevalence_at_entry.sex_workers": [0.01 * i for i in range(50)]}
                 ).to_csv(post, index=False)
    seeds = [1, 2, 3]
    a, draws_a, _ = posterior_scenarios(REPO / "scenarios" / "status_quo.toml", seeds, post)
    b, draws_b, _ = posterior_scenarios(REPO / "scenarios" / "end_demand.toml", seeds, post)
    assert draws_a == draws_b == [posterior_draw(s, 50) for s in seeds]
    for sc, d in zip(a, draws_a, strict=True):
        assert sc.params.hiv.prevalence_at_entry.sex_workers.value == pytest.approx(0.01 * d)


def test_run_with_a_posterior_records_each_replicates_draw(tmp_path):
    post = tmp_path / "p.csv"
    pd.DataFrame({"draw": [0, 1], "mobilisation.or_condom_empowered": [20.0, 200.0]}
                 ).to_csv(post, index=False)
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'setting = "{REPO / "seeds" / "mysore.toml"}"\n'
                        "start_year = 2004\nend_year = 2005\n")
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["run", str(scenario), "--posterior", str(post), "--replicates", "2",
                     "--people-scale", "0.1", "--out", str(tmp_path / "out"), "--quiet"])
    assert code == 0
    meta = json.loads((tmp_path / "out" / "run.json").read_text())
    assert meta["posterior"]["draws"] == [posterior_draw(s, 2) for s in (1, 2)]


def test_run_with_a_missing_posterior_says_how_to_make_one(tmp_path, capsys):
    code = main(["run", str(REPO / "scenarios" / "status_quo.toml"), "--posterior",
                 str(tmp_path / "none.csv"), "--out", str(tmp_path / "o")])
    assert code == 2
    assert "empower calibrate" in capsys.readouterr().err


@pytest.mark.slow
def test_calibrate_runs_both_stages_end_to_end_with_a_tiny_budget_and_stores_them(
        tmp_path, monkeypatch):
    pytest.importorskip("pyabc")
    monkeypatch.chdir(tmp_path)  # stage 1 writes to a relative folder not yet made
    for folder in ("seeds/targets", "scenarios"):
        (tmp_path / folder).mkdir(parents=True)
    shutil.copy(REPO / "seeds" / "mysore.toml", tmp_path / "seeds")
    shutil.copy(REPO / "scenarios" / "history.toml", tmp_path / "scenarios")
    for targets in (BEHAVIOUR, TARGETS):
        shutil.copy(targets, tmp_path / "seeds" / "targets")

    def calibrate(targets: str, out: Path, *extra):
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            code = main(["calibrate", str(tmp_path / "seeds" / "mysore.toml"), "--targets",
                         str(tmp_path / "seeds" / "targets" / targets), "--out",
                         str(out), "--population", "4", "--workers", "2",
                         "--people-scale", "0.1", "--draws", "8", "--predictive", "2",
                         "--quiet", *extra])
        assert code == 0, printed.getvalue()

    # stage 1: behaviour, stored where stage 2 looks for it
    calibrate(BEHAVIOUR.name, Path("runs") / "cal1", "--generations", "1", "--store")
    behaviour = read_csv_exact(tmp_path / "seeds" / "mysore.behaviour.posterior.csv")
    spec1, _ = load_targets(tmp_path / "seeds" / "targets" / BEHAVIOUR.name)
    assert list(behaviour.columns) == ["draw", *spec1.setting_values(
        {p.parameter: p.low for p in spec1.priors})]
    # stage 2: the epidemic, every run taking a stage-1 draw
    out = tmp_path / "cal"
    calibrate(TARGETS.name, out, "--generations", "2", "--store")
    spec, _ = load_targets(tmp_path / "seeds" / "targets" / "mysore.toml")
    posterior = read_csv_exact(out / "posterior.csv")
    assert len(posterior) == 8
    for p in spec.priors:
        assert posterior[p.parameter].between(p.low, p.high).all(), p.parameter
    stage1 = [c for c in behaviour.columns if c != "draw"]
    pairs = set(map(tuple, behaviour[stage1].to_numpy()))
    assert all(tuple(row) in pairs for row in posterior[stage1].to_numpy())
    fit = read_csv_exact(out / "fit.csv")
    assert list(fit["target"]) == [t.name for t in spec.targets]
    assert (out / "fit.png").stat().st_size > 1000
    stored = tmp_path / "seeds" / "mysore.posterior.csv"
    pd.testing.assert_frame_equal(read_csv_exact(stored), posterior)
    meta = json.loads((out / "posterior.json").read_text())
    assert len(meta["epsilons"]) == 2 and meta["simulations"] >= 8
    assert meta["conditional_on"] == "../mysore.behaviour.posterior.csv"
    # --resume continues the stored run for one more generation
    calibrate(TARGETS.name, out, "--generations", "1", "--resume")
    resumed = json.loads((out / "posterior.json").read_text())
    assert resumed["resumed"] and resumed["generations_run"] == 3
    assert resumed["epsilons"][:2] == meta["epsilons"] and len(resumed["epsilons"]) == 3


STORED = REPO / "seeds" / "mysore.posterior.csv"
STORED_BEHAVIOUR = REPO / "seeds" / "mysore.behaviour.posterior.csv"


def test_the_stored_behaviour_posterior_is_stage_1s_draws_inside_its_priors():
    spec1, _ = load_targets(BEHAVIOUR)
    behaviour = read_csv_exact(STORED_BEHAVIOUR)
    assert list(behaviour.columns) == ["draw", *spec1.setting_values(
        {p.parameter: p.low for p in spec1.priors})]
    for p in spec1.priors:
        assert behaviour[p.parameter].between(p.low, p.high).all(), p.parameter
        for tie in p.tied:
            assert (behaviour[tie.parameter] == behaviour[p.parameter] * tie.factor).all()
    meta = json.loads(STORED_BEHAVIOUR.with_suffix(".json").read_text())
    assert meta["draws"] == len(behaviour) and meta["effective_sample_size"] > 0
    assert not Path(meta["targets_file"]).is_absolute()


def test_the_stored_posterior_joins_both_stages_inside_their_priors():
    spec, _ = load_targets(TARGETS)
    spec1, _ = load_targets(BEHAVIOUR)
    posterior = read_csv_exact(REPO / "seeds" / "mysore.posterior.csv")
    behaviour = read_csv_exact(REPO / "seeds" / "mysore.behaviour.posterior.csv")
    mine = spec.setting_values({p.parameter: p.low for p in spec.priors})
    theirs = spec1.setting_values({p.parameter: p.low for p in spec1.priors})
    assert list(posterior.columns) == ["draw", *theirs, *mine]
    for stage in (spec, spec1):
        for p in stage.priors:
            assert posterior[p.parameter].between(p.low, p.high).all(), p.parameter
            for tie in p.tied:  # tied parameters move with their prior's draw
                assert (posterior[tie.parameter] == posterior[p.parameter] * tie.factor).all()
    pairs = set(map(tuple, behaviour[list(theirs)].to_numpy()))
    assert all(tuple(row) in pairs for row in posterior[list(theirs)].to_numpy())
    meta = json.loads((REPO / "seeds" / "mysore.posterior.json").read_text())
    assert meta["draws"] == len(posterior) and meta["effective_sample_size"] > 0
    for path in (meta["targets_file"], meta["scenario"]):
        assert not Path(path).is_absolute(), path  # no path of the machine that made it


def test_a_second_stage_takes_a_fixed_draw_of_the_first_for_each_of_its_draws():
    spec, scenario = load_targets(TARGETS)
    table = pd.DataFrame({"condom.prop_condom_one_off": [0.6, 0.7, 0.8]})
    sim = Simulator(spec, scenario, conditional=table)
    free = {p.parameter: p.low for p in spec.priors}
    first = sim.setting_draw(free)
    assert first == sim.setting_draw(dict(free))  # a pure function of the draw
    assert first["condom.prop_condom_one_off"] in (0.6, 0.7, 0.8)
    head = spec.priors[0]
    picked = {sim.setting_draw({**free, head.parameter: head.low * f})[
        "condom.prop_condom_one_off"] for f in (1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7)}
    assert len(picked) > 1


def test_a_first_stage_posterior_that_sets_a_second_stage_parameter_is_refused(tmp_path):
    targets = tmp_path / "seeds" / "targets" / "t.toml"
    targets.parent.mkdir(parents=True)
    targets.write_text(TARGETS.read_text().replace(
        '"../../scenarios/history.toml"', f'"{REPO / "scenarios" / "history.toml"}"'))
    spec, _ = load_targets(targets)
    with pytest.raises(ConfigError, match="conditional_on: no posterior file at"):
        load_conditional(spec, targets)
    clash = spec.priors[0].parameter
    pd.DataFrame({"draw": [0], clash: [0.003]}).to_csv(
        tmp_path / "seeds" / "mysore.behaviour.posterior.csv", index=False)
    with pytest.raises(ConfigError, match=f"also sets {clash}, which this stage fits"):
        load_conditional(spec, targets)


@pytest.mark.parametrize(("extra", "message"), [
    (["--population", "0"], "--population: must be at least 1"),
    (["--people-scale", "-1"], "--people-scale"),
    (["--max-minutes", "0"], "--max-minutes"),
    (["--resume"], "--resume: "),
    (["--generation", "-1"], "--generation: must be 0 or more"),
    (["--generations", "0"], "--generations: must be at least 1"),
])
def test_calibrate_bad_options_exit_2_naming_the_option(tmp_path, capsys, extra, message):
    code = main(["calibrate", str(REPO / "seeds" / "mysore.toml"), "--targets", str(TARGETS),
                 "--out", str(tmp_path / "c"), *extra])
    assert code == 2
    assert message in capsys.readouterr().err


def test_calibrate_refuses_targets_whose_scenario_runs_on_another_setting(tmp_path, capsys):
    other = tmp_path / "other.toml"
    shutil.copy(REPO / "seeds" / "mysore.toml", other)
    code = main(["calibrate", str(other), "--targets", str(TARGETS), "--out",
                 str(tmp_path / "c")])
    assert code == 2
    assert "runs on the setting" in capsys.readouterr().err
