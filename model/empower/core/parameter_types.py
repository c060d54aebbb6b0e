"""The types of parameter values: bounds by unit, the section base, values by group.

Every numeric field accepts a constant, a sourced constant or a timeline (see
:mod:`empower.timeline`); a field typed ``Prob`` must stay within [0, 1] at every point
of its timeline, ``Dur``, ``Rate`` and ``Count`` must not be negative. Unknown keys are
errors (``extra="forbid"``). Each process's section is in ``processes/NAME/parameters.py``;
:mod:`empower.parameters` puts them together. Nothing here imports numba.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer, PlainValidator

from empower.timeline import Bounds, Param, param_to_toml_like, parse_category, parse_param

__all__ = [
    "Prob",
    "Rate",
    "Dur",
    "Positive",
    "Count",
    "AtLeastOne",
    "DurAbove0",
    "Above0",
    "People",
    "Age",
    "PerWeek",
    "ActsPerContact",
    "PerSexWorker",
    "Section",
    "constant",
    "GroupValues",
    "GroupRates",
    "category",
]


def _param(bounds: Bounds) -> Any:
    return Annotated[
        Any,
        PlainValidator(lambda raw: parse_param(raw, bounds)),
        PlainSerializer(param_to_toml_like),
    ]


Prob = _param(Bounds(0.0, 1.0, what="a probability or proportion"))
Rate = _param(Bounds(0.0, None, what="a rate per year"))
Dur = _param(Bounds(0.0, None, what="a duration in years"))
Positive = _param(Bounds(0.0, None, what="a non-negative number"))
Count = _param(Bounds(0.0, None, integer=True, what="a count"))
AtLeastOne = _param(Bounds(1.0, None, what="a number"))
# Divisors (a mean duration, a Weibull shape, people per worker) must be above zero.
DurAbove0 = _param(Bounds(0.0, None, above_low=True, what="a duration in years"))
Above0 = _param(Bounds(0.0, None, above_low=True, what="a number"))
# Limits of plausibility, not sourced values: they keep a typo (1e6 clients a week) from
# exhausting the memory instead of failing at once.
People = _param(Bounds(1.0, 1e8, integer=True, what="a number of people"))
Age = _param(Bounds(15.0, None, what="an age in years"))
PerWeek = _param(Bounds(0.0, 200.0, what="a number a week"))
ActsPerContact = _param(Bounds(1.0, 100.0, what="acts a contact"))
PerSexWorker = _param(Bounds(0.0, 200.0, what="a number per sex worker"))


class Section(BaseModel):
    """Base of every parameter section: unknown keys are errors, values immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


def constant(param: Param, name: str) -> float:
    """The value of a field that must be a constant; a timeline there is an error."""
    if not hasattr(param, "value"):
        raise ValueError(f"{name} must be a constant, not a timeline")
    return param.value  # type: ignore[union-attr]


class GroupValues(Section):
    """A value for each group of people (for example a starting prevalence)."""

    sex_workers: Prob
    clients: Prob
    partners_of_sex_workers: Prob
    partners_of_clients: Prob


class GroupRates(Section):
    """A rate per year for each group of people."""

    sex_workers: Rate
    clients: Rate
    partners_of_sex_workers: Rate
    partners_of_clients: Rate


def category(allowed: tuple[str, ...], what: str) -> Any:
    """A field that takes one of ``allowed`` names, or a step timeline of them."""
    return Annotated[
        Any,
        PlainValidator(lambda raw: parse_category(raw, allowed, what)),
        PlainSerializer(param_to_toml_like),
    ]
