"""Parameters resolved once a week: frozen values equal to the timelines at the year."""

from __future__ import annotations

import dataclasses

import pytest
from empower.core.resolved import Resolver, has_timeline, resolve
from empower.scenario import load_scenario
from empower.timeline import LinearTimeline, StepTimeline, value_at


def _params(scenario_file, overrides=None):
    return load_scenario(scenario_file(overrides)).params


def test_a_resolved_section_holds_every_fields_value_at_the_year(scenario_file):
    params = _params(scenario_file, {"violence": {
        "rate_arrest_per_year": {"years": [2005, 2009], "values": [0.2, 0.6]}}})
    for year in (2004.0, 2006.5, 2010.0):
        now = resolve(params.violence, year)
        for name in type(params.violence).model_fields:
            assert getattr(now, name) == value_at(getattr(params.violence, name), year), name
    assert resolve(params.violence, 2007.0).rate_arrest_per_year == pytest.approx(0.4)


def test_nested_sections_and_mappings_are_resolved_too(scenario_file):
    params = _params(scenario_file)
    now = resolve(params.mobilisation, 2006.0)
    group = next(iter(params.mobilisation.groups))
    assert now.groups[group].donor_usd_per_year == value_at(
        params.mobilisation.groups[group].donor_usd_per_year, 2006.0)
    assert now.costs.cost_clinic_visit_usd == value_at(
        params.mobilisation.costs.cost_clinic_visit_usd, 2006.0)
    with pytest.raises(TypeError):
        now.groups["another"] = None  # a read-only mapping


def test_resolved_values_are_frozen_and_a_misspelt_name_fails(scenario_file):
    now = resolve(_params(scenario_file).hiv, 2005.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        now.rr_acute = 2.0
    with pytest.raises(AttributeError):
        _ = now.rr_acutee


def test_a_section_without_timelines_is_resolved_once(scenario_file):
    params = _params(scenario_file, {"violence": {"rate_arrest_per_year": {2008: 0.5}}})
    resolver = Resolver(params)
    assert not has_timeline(params.hiv) and has_timeline(params.violence)
    assert isinstance(params.violence.rate_arrest_per_year, StepTimeline | LinearTimeline)
    assert resolver.section("hiv", 2005.0) is resolver.section("hiv", 2012.0)
    before, after = resolver.section("violence", 2007.0), resolver.section("violence", 2009.0)
    assert before.rate_arrest_per_year != after.rate_arrest_per_year == 0.5
    with pytest.raises(AttributeError, match="no parameter section"):
        resolver.section("hvi", 2005.0)


def test_the_models_parameters_are_always_those_at_its_year(make_model):
    model = make_model({"violence": {"rate_arrest_per_year": {
        "years": [2004, 2006], "values": [0.1, 0.9]}}}, people_scale=0.05, end_year=2006)
    seen = []
    model.run(progress=lambda _: seen.append(
        (model.year, model.now.violence.rate_arrest_per_year)))
    assert len(seen) == model.n_steps
    for year, rate in seen:
        assert rate == value_at(model.params.violence.rate_arrest_per_year, year)
