"""empower.timeline: the four forms of a parameter, evaluating them, overlays, errors."""

from __future__ import annotations

import math

import pytest
from empower.timeline import (
    Bounds,
    Constant,
    LinearTimeline,
    StepTimeline,
    overlay,
    param_to_toml_like,
    parse_param,
    value_at,
)

PROB = Bounds(0.0, 1.0, what="a probability or proportion")
DUR = Bounds(0.0, None, what="a duration in years")
COUNT = Bounds(0.0, None, integer=True, what="a count")
AT_LEAST_ONE = Bounds(1.0, None, what="a number")


# ---------------------------------------------------------------------------- forms

def test_parse_param_accepts_a_plain_number_as_a_constant_without_source():
    p = parse_param(0.65, PROB)
    assert p == Constant(0.65, None)
    assert isinstance(p.value, float)


def test_parse_param_turns_an_integer_into_a_float_constant():
    p = parse_param(1000, COUNT)
    assert p == Constant(1000.0)
    assert isinstance(p.value, float)


def test_parse_param_accepts_value_with_source_and_keeps_the_source():
    p = parse_param({"value": 0.65, "source": "Reza-Paul 2008"}, PROB)
    assert p == Constant(0.65, "Reza-Paul 2008")


def test_parse_param_reads_a_step_timeline_with_year_keys_in_ascending_order():
    p = parse_param({"2028": 0.6, "2025": 0.3}, PROB)
    assert isinstance(p, StepTimeline)
    assert p.years == (2025.0, 2028.0)
    assert p.values == (0.3, 0.6)
    assert p.before is None
    assert p.source is None


def test_parse_param_keeps_the_source_of_a_step_timeline():
    p = parse_param({"2025": 0.3, "source": "plan"}, PROB)
    assert isinstance(p, StepTimeline)
    assert p.source == "plan"
    assert p.years == (2025.0,)


def test_parse_param_reads_a_linear_timeline_with_its_source():
    p = parse_param({"years": [2025, 2030], "values": [0.3, 0.8], "source": "target"}, PROB)
    assert isinstance(p, LinearTimeline)
    assert p.years == (2025.0, 2030.0)
    assert p.values == (0.3, 0.8)
    assert p.source == "target"


def test_parse_param_returns_an_already_parsed_param_unchanged():
    p = StepTimeline((2025.0,), (0.3,))
    assert parse_param(p, PROB) is p


# ---------------------------------------------------------------------------- value_at

def test_value_at_of_a_constant_is_the_same_in_every_year():
    p = parse_param({"value": 0.4, "source": "s"}, PROB)
    assert [value_at(p, y) for y in (1950, 2004, 2025.5, 2150)] == [0.4] * 4


def test_value_at_of_a_plain_float_is_that_float():
    assert value_at(0.25, 2010) == 0.25


def test_step_timeline_holds_first_value_before_first_year_and_each_value_until_the_next():
    p = parse_param({"2025": 0.3, "2028": 0.6}, PROB)
    assert value_at(p, 2000) == 0.3  # before the first year: first value (setting rule)
    assert value_at(p, 2025) == 0.3
    assert value_at(p, 2027.999) == 0.3  # between: the earlier value still holds
    assert value_at(p, 2028) == 0.6  # jumps exactly at the year
    assert value_at(p, 2100) == 0.6  # after the last year: the last value


def test_linear_timeline_is_flat_outside_its_points_and_interpolates_between():
    p = parse_param({"years": [2025, 2030], "values": [0.3, 0.8]}, PROB)
    assert value_at(p, 2000) == 0.3
    assert value_at(p, 2025) == 0.3
    assert value_at(p, 2027.5) == pytest.approx(0.55)
    assert value_at(p, 2026) == pytest.approx(0.4)
    assert value_at(p, 2030) == 0.8
    assert value_at(p, 2040) == 0.8


def test_linear_timeline_with_three_points_uses_the_segment_the_year_falls_in():
    p = parse_param({"years": [2000, 2010, 2020], "values": [0.0, 1.0, 0.5]}, PROB)
    assert value_at(p, 2005) == pytest.approx(0.5)
    assert value_at(p, 2010) == pytest.approx(1.0)
    assert value_at(p, 2015) == pytest.approx(0.75)


# ---------------------------------------------------------------------------- overlay

def test_overlay_of_a_step_timeline_keeps_the_base_before_its_first_year():
    base = Constant(0.65, "setting")
    over = parse_param({"2025": 0.9}, PROB)
    p = overlay(base, over)
    assert value_at(p, 2004) == 0.65
    assert value_at(p, 2024.99) == 0.65
    assert value_at(p, 2025) == 0.9
    assert value_at(p, 2030) == 0.9
    # without the overlay the step timeline would hold 0.9 before 2025
    assert value_at(over, 2004) == 0.9


def test_overlay_of_a_linear_timeline_keeps_the_base_before_and_interpolates_after():
    base = Constant(0.1)
    p = overlay(base, parse_param({"years": [2025, 2030], "values": [0.3, 0.8]}, PROB))
    assert isinstance(p, LinearTimeline)
    assert value_at(p, 2020) == 0.1
    assert value_at(p, 2027.5) == pytest.approx(0.55)


def test_overlay_on_a_base_timeline_follows_the_base_timeline_before_the_override():
    base = parse_param({"years": [2000, 2010], "values": [0.0, 1.0]}, PROB)
    p = overlay(base, parse_param({"2020": 0.2}, PROB))
    assert value_at(p, 2005) == pytest.approx(0.5)
    assert value_at(p, 2015) == 1.0
    assert value_at(p, 2020) == 0.2


def test_overlay_with_a_constant_replaces_the_base_in_every_year():
    base = parse_param({"2025": 0.3}, PROB)
    over = Constant(0.7, "new")
    assert overlay(base, over) is over
    assert value_at(overlay(base, over), 1990) == 0.7


def test_param_to_toml_like_keeps_sources_and_the_base_of_an_overlay():
    p = overlay(Constant(0.65, "survey"), parse_param({"2025": 0.9, "source": "plan"}, PROB))
    assert param_to_toml_like(p) == {
        "kind": "step",
        "years": [2025.0],
        "values": [0.9],
        "before": {"value": 0.65, "source": "survey"},
        "source": "plan",
    }
    assert param_to_toml_like(Constant(0.5)) == 0.5


# ---------------------------------------------------------------------------- bounds

@pytest.mark.parametrize("raw", [1.5, -0.1, {"value": 1.5}, {"2025": 1.5},
                                 {"years": [2025, 2030], "values": [0.3, 1.2]}])
def test_probability_outside_0_to_1_is_rejected_saying_what_is_allowed(raw):
    with pytest.raises(ValueError, match="a probability or proportion from 0 to 1"):
        parse_param(raw, PROB)


def test_negative_duration_is_rejected_saying_at_least_0():
    with pytest.raises(ValueError, match=r"-1 is outside the allowed range: "
                                         r"a duration in years of at least 0"):
        parse_param(-1, DUR)


def test_fractional_count_is_rejected_saying_a_whole_number_is_needed():
    with pytest.raises(ValueError, match=r"a count \(a whole number\)"):
        parse_param(2.5, COUNT)


def test_value_below_a_lower_bound_of_one_is_rejected_naming_the_bound():
    with pytest.raises(ValueError, match="a number of at least 1"):
        parse_param(0.5, AT_LEAST_ONE)


def test_upper_bound_only_is_described_as_at_most():
    with pytest.raises(ValueError, match="of at most 5"):
        parse_param(7, Bounds(None, 5.0, what="x"))


def test_nan_is_rejected_as_not_a_number_of_the_expected_kind():
    with pytest.raises(ValueError, match="expected a probability or proportion"):
        parse_param(math.nan, PROB)


def test_infinite_count_is_rejected_with_a_value_error():
    with pytest.raises(ValueError, match="a count"):
        parse_param(math.inf, COUNT)


# ---------------------------------------------------------------------------- bad forms

FORMS_HINT = "a step timeline"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("high", FORMS_HINT),
        (True, FORMS_HINT),
        ([0.3, 0.4], FORMS_HINT),
        ({}, "empty table"),
        ({"source": "only a source"}, "empty table"),
        ({"years": [2025, 2030], "values": [0.3]}, "same length"),
        ({"years": [], "values": []}, "non-empty"),
        ({"years": [2030, 2025], "values": [0.3, 0.4]}, "strictly increasing"),
        ({"years": [2025, 2025], "values": [0.3, 0.4]}, "strictly increasing"),
        ({"years": [2025, 2030]}, "needs exactly 'years' and 'values'"),
        ({"years": [2025], "values": [0.3], "step": 1}, "needs exactly 'years' and 'values'"),
        ({"years": 2025, "values": 0.3}, "must be lists"),
        ({"abc": 0.3}, "'abc' is not a year"),
        ({"2025": 0.3, "soon": 0.5}, "'soon' is not a year"),
        ({"1800": 0.3}, "outside 1900 to 2200"),
        ({"value": 0.3, "extra": 1}, r"unexpected keys \['extra'\]"),
        ({"value": 0.3, "source": 3}, "'source' must be text"),
        ({"2025": "high"}, "expected a probability"),
    ],
)
def test_bad_parameter_forms_are_rejected_with_a_message(raw, message):
    with pytest.raises(ValueError, match=message):
        parse_param(raw, PROB)


def test_form_error_lists_all_four_allowed_forms():
    with pytest.raises(ValueError) as info:
        parse_param("high", PROB)
    text = str(info.value)
    assert "a number" in text
    assert "{value = x" in text
    assert "step timeline {2025 = 0.3" in text
    assert "linear timeline {years = [2025, 2030]" in text
