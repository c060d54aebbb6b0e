"""Every random stream is declared once, and the model draws from declared ones only."""

from __future__ import annotations

import re

import pytest
from empower import rng
from empower.core.stream_names import STREAMS, UnknownStream, _declare, check_stream_name
from empower.scenario import load_scenario
from empower.survey import SurveyDesign, run_surveys


def test_a_stream_declared_twice_is_refused():
    with pytest.raises(ValueError, match="'hiv.seed' is declared twice"):
        _declare((("hiv.seed", "one"), ("hiv.seed", "again")))


def test_an_undeclared_stream_is_refused_with_the_nearest_name():
    with pytest.raises(UnknownStream, match=r"'hiv.survivl' is not declared.*'hiv.survival'"):
        rng.Streams(1)["hiv.survivl"]


def test_an_stis_streams_are_declared_under_any_stis_name():
    check_stream_name("sti.syphilis.transmission")
    with pytest.raises(UnknownStream, match="sti.syphilis.cure"):
        check_stream_name("sti.syphilis.cure")


def test_declared_names_keep_their_keys():
    """Declaring a name changes no number: the key is still the name's hash."""
    assert rng.Streams(7)["hiv.transmission"] == rng.stream_key(7, "hiv.transmission")


def test_a_run_with_prep_and_a_survey_draws_every_declared_stream(scenario_file, monkeypatch):
    drawn: set[str] = set()
    real = rng.Streams.__getitem__

    def recording(self, name):
        drawn.add(name)
        return real(self, name)

    monkeypatch.setattr(rng.Streams, "__getitem__", recording)
    scenario = load_scenario(scenario_file({"mobilisation": {"prop_members_prep_target": 0.5}},
                                           end_year=2007))
    run_surveys(scenario, [SurveyDesign(year=2006, sample_size=200)], seed=1,
                people_scale=0.2)
    as_declared = {re.sub(r"^sti\.[^.]+\.", "sti.{sti}.", name) for name in drawn}
    assert as_declared == set(STREAMS), (
        f"declared, never drawn: {sorted(set(STREAMS) - as_declared)}; "
        f"drawn, not declared: {sorted(as_declared - set(STREAMS))}")
