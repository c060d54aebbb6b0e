"""The HIV care cascade: neutral values change nothing; ART suppression stops onward
transmission; ART halts progression and dropout resumes it."""

from __future__ import annotations

import math

import numpy as np
import pytest
from empower.core.status_bits import HAS_HIV

ZERO_TESTING = {"cascade": {"rate_hiv_test_per_year": {
    "sex_workers": 0.0, "clients": 0.0, "partners_of_sex_workers": 0.0,
    "partners_of_clients": 0.0}}}
CASCADE_METRICS = ("hiv_diagnosed", "art_coverage", "viral_suppression")


def fast_cascade(rr_suppressed: float, dropout: float = 0.0, test: float = 200.0) -> dict:
    """People with HIV tested at ``test`` a year, on ART within weeks, suppressed at once."""
    return {"cascade": {
        "rate_hiv_test_per_year": {"sex_workers": test, "clients": test,
                                   "partners_of_sex_workers": test,
                                   "partners_of_clients": test},
        "rate_art_start_per_year": 200.0, "rate_art_restart_per_year": 200.0,
        "rate_art_dropout_per_year": dropout, "dur_art_to_suppression_years": 0.0,
        "rr_transmission_suppressed": rr_suppressed,
        "dur_infection_to_art_eligibility_years": 0.0}}  # treat all


def core_outputs(model):
    table = model.datacollector.get_model_vars_dataframe()
    return table[[c for c in table if not c.startswith(CASCADE_METRICS)]]


def test_a_cascade_with_no_testing_reproduces_a_run_without_the_cascade(make_model):
    neutral = make_model(ZERO_TESTING, people_scale=0.1, end_year=2009)
    neutral.run()
    without = make_model(ZERO_TESTING, people_scale=0.1, end_year=2009)
    without.cascade.step = lambda m: None
    without.run()
    assert core_outputs(neutral).equals(core_outputs(without))
    # and the default setting's cascade does change things (a control)
    default = make_model(None, people_scale=0.1, end_year=2009)
    default.run()
    assert not core_outputs(default).equals(core_outputs(without))


def record_sources(model) -> list[float]:
    """Wrap HIV infection to record each source's ART factor when they infect."""
    factors: list[float] = []
    infect = model.hiv.infect

    def recording(m, uids, sources):
        if sources is not None:
            factors.extend(m.pop.hiv_art_factor[sources].tolist())
        infect(m, uids, sources)

    model.hiv.infect = recording
    return factors


def test_suppressed_people_never_transmit_hiv(make_model):
    # testing about once a year: many infect before diagnosis, many are suppressed
    model = make_model(fast_cascade(rr_suppressed=0.0, test=1.0), people_scale=0.25,
                       end_year=2007)
    factors = record_sources(model)
    model.run()
    assert len(factors) > 5, "infections from people not yet suppressed (a control)"
    assert all(f == 1.0 for f in factors)
    final = model.datacollector.get_model_vars_dataframe().iloc[-1]
    assert final["viral_suppression|sex_workers"] > 0.5


def test_without_the_suppression_effect_people_on_art_do_transmit(make_model):
    base = make_model(fast_cascade(rr_suppressed=1.0), people_scale=0.1, end_year=2007)
    on_art = []
    infect = base.hiv.infect

    def recording(m, uids, sources):
        if sources is not None:
            on_art.extend((~np.isnan(m.pop.art_start_year[sources])).tolist())
        infect(m, uids, sources)

    base.hiv.infect = recording
    base.run()
    suppressed = make_model(fast_cascade(rr_suppressed=0.0), people_scale=0.1, end_year=2007)
    suppressed.run()
    assert sum(on_art) > 0
    new = "new_hiv_infections|all"
    assert (suppressed.datacollector.get_model_vars_dataframe()[new].sum()
            < base.datacollector.get_model_vars_dataframe()[new].sum())


def test_art_halts_progression_and_dropout_resumes_it(make_model):
    model = make_model(fast_cascade(rr_suppressed=0.0, dropout=5.0), people_scale=0.1,
                       end_year=2006)
    model.run()
    pop = model.pop
    uids = np.concatenate(model.members)
    infected = uids[(pop.infections[uids] & HAS_HIV) != 0]
    on_art = infected[~np.isnan(pop.art_start_year[infected])]
    assert on_art.size > 0
    assert np.all(np.isinf(pop.hiv_death_year[on_art]))
    assert np.all(pop.hiv_survival_left_years[on_art] > 0)
    # a partner also leaves with the person they are partnered with
    own = on_art[pop.group[on_art] <= 1]
    assert own.size > 0
    assert np.all(pop.exit_year[own] == pop.leave_year[own])
    stopped = infected[pop.art_stopped[infected] & np.isnan(pop.art_start_year[infected])]
    assert stopped.size > 0
    assert np.all(np.isfinite(pop.hiv_death_year[stopped]))
    assert np.all(pop.exit_year[stopped] == np.minimum(pop.leave_year[stopped],
                                                       pop.hiv_death_year[stopped]))
    assert np.all(pop.hiv_art_factor[stopped] == 1.0)
    assert math.isnan(pop.hiv_survival_left_years[stopped][0])


def with_modifiers(model, testing: float, dropout: float):
    """Add a testing and a dropout factor column, constant at the given values."""
    from empower.population import Column

    model.pop.add_column(Column("test_modifier", np.float64, testing, "test: testing"))
    model.pop.add_column(Column("dropout_modifier", np.float64, dropout, "test: dropout"))
    model.cascade.testing_factors = (*model.cascade.testing_factors, "test_modifier")
    model.cascade.dropout_factors = (*model.cascade.dropout_factors, "dropout_modifier")
    return model


def test_modifiers_of_one_change_nothing_and_a_testing_modifier_of_zero_stops_testing(
        make_model):
    params = fast_cascade(rr_suppressed=0.0, dropout=5.0, test=2.0)
    plain = make_model(params, people_scale=0.1, end_year=2006)
    plain.run()
    ones = with_modifiers(make_model(params, people_scale=0.1, end_year=2006), 1.0, 1.0)
    ones.run()
    table = plain.datacollector.get_model_vars_dataframe()
    assert table["hiv_diagnosed|all"].iloc[-1] > 0.5
    assert table.equals(ones.datacollector.get_model_vars_dataframe())
    for column in ("hiv_diagnosed_year", "art_start_year", "hiv_death_year", "hiv_art_factor"):
        assert getattr(plain.pop, column).tobytes() == getattr(ones.pop, column).tobytes()
    untested = with_modifiers(make_model(params, people_scale=0.1, end_year=2006), 0.0, 1.0)
    untested.run()
    assert np.all(np.isnan(untested.pop.hiv_diagnosed_year))


# ---------------------------------------------------------------------------- eligibility

def test_nobody_starts_art_before_the_guideline_makes_them_eligible(make_model):
    # CD4 < 200 (7.93 years of a median 11.1): starters are late in their infection
    model = make_model({**fast_cascade(rr_suppressed=0.0), "cascade": {
        **fast_cascade(rr_suppressed=0.0)["cascade"],
        "dur_infection_to_art_eligibility_years": 7.93}}, people_scale=0.2, end_year=2006)
    model.run()
    pop = model.pop
    started = np.flatnonzero(~np.isnan(pop.art_start_year[: pop.n]))
    assert started.size > 10
    share = model.cascade.eligible_share(model)
    assert share == pytest.approx(7.93 / 11.1)
    # at their start they had lived share x their untreated survival, or were late stage
    since = pop.art_start_year[started] - pop.hiv_infected_year[started]
    survival = pop.hiv_survival_left_years[started] + since
    late = (pop.hiv_survival_left_years[started]
            <= model.params.hiv.dur_late_years.value + model.params.hiv.dur_terminal_years.value)
    assert ((since >= share * survival - 1e-9) | late).all()
    # treat all: far more on ART, many early in their infection
    all_model = make_model(fast_cascade(rr_suppressed=0.0), people_scale=0.2, end_year=2006)
    all_model.run()
    pop2 = all_model.pop
    assert np.count_nonzero(~np.isnan(pop2.art_start_year[: pop2.n])) > 1.5 * started.size


def test_the_eligibility_threshold_follows_its_timeline(make_model):
    model = make_model({"cascade": {"dur_infection_to_art_eligibility_years": {
        2004: 7.93, 2005: 0.0}}}, people_scale=0.1, end_year=2006)
    assert model.cascade.eligible_share(model) == pytest.approx(7.93 / 11.1)
    for _ in range(53):
        model.step()
    assert model.cascade.eligible_share(model) == 0.0


def test_a_cascade_can_start_at_a_settings_observed_coverage(make_model):
    shares = {"sex_workers": 0.5, "clients": 0.5, "partners_of_sex_workers": 0.5,
              "partners_of_clients": 0.5}
    model = make_model({"cascade": {
        "prop_diagnosed_initial": shares, "prop_on_art_initial": shares,
        "dur_infection_to_art_eligibility_years": 0.0}}, people_scale=0.5, end_year=2005)
    pop = model.pop
    sw = model.members[0]
    hiv = sw[~np.isnan(pop.hiv_infected_year[sw])]
    diagnosed = ~np.isnan(pop.hiv_diagnosed_year[hiv])
    on_art = ~np.isnan(pop.art_start_year[hiv])
    assert 0.4 < diagnosed.mean() < 0.6
    assert 0.15 < on_art.mean() < 0.35  # half of the diagnosed
    assert (diagnosed | ~on_art).all()
    # those on ART are suppressed from the start and their HIV death is put off
    assert (pop.hiv_art_factor[hiv[on_art]] == 0.0).all()
    assert np.isinf(pop.hiv_death_year[hiv[on_art]]).all()
    model.run()
    final = model.datacollector.get_model_vars_dataframe().iloc[0]
    assert final["art_coverage|sex_workers"] > 0.15


def test_the_shipped_setting_starts_with_nobody_diagnosed_or_on_art(make_model):
    model = make_model(None, people_scale=0.2, end_year=2005)
    pop = model.pop
    assert np.isnan(pop.hiv_diagnosed_year[: pop.n]).all()
    assert np.isnan(pop.art_start_year[: pop.n]).all()
