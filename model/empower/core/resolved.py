"""A setting's parameters at one year: sections resolved into frozen, typed values.

Every numeric field of a parameter section is a constant or a timeline
(:mod:`empower.timeline`). A process reads the values at this week's year, so the
model resolves each section once a week: :func:`resolve` turns a section into a frozen
dataclass with the same field names whose values are plain numbers (strings for a
category such as the legal regime), with nested sections, and mappings of them,
resolved likewise. A section with no timeline anywhere in it is resolved once and
kept (its values never change).

``model.now.violence.rate_arrest_per_year`` is then a float, and a misspelt name is
an ``AttributeError`` at once rather than a parameter silently read as another.
"""

from __future__ import annotations

import functools
from dataclasses import make_dataclass
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel

from empower.timeline import Constant, LinearTimeline, StepTimeline, value_at

__all__ = ["ParamsNow", "Resolver", "resolve", "has_timeline"]

_TIMELINES = (StepTimeline, LinearTimeline)


@functools.cache
def _now_class(section: type[BaseModel]) -> type:
    """The frozen dataclass of ``section`` resolved at a year (``HIVParams`` -> ``HIVNow``)."""
    name = section.__name__.removesuffix("Params") + "Now"
    fields = [(field, Any) for field in section.model_fields]
    return make_dataclass(name, fields, frozen=True, slots=True,
                          namespace={"__doc__": f"{section.__name__} at one year."})


def _value(value: Any, year: float) -> Any:
    if isinstance(value, Constant | StepTimeline | LinearTimeline):
        return value_at(value, year)
    if isinstance(value, BaseModel):
        return resolve(value, year)
    if isinstance(value, dict):
        return MappingProxyType({k: _value(v, year) for k, v in value.items()})
    return value


def resolve(section: BaseModel, year: float) -> Any:
    """``section`` at ``year``: a frozen dataclass of its fields' values then."""
    cls = _now_class(type(section))
    names = type(section).model_fields
    return cls(**{name: _value(getattr(section, name), year) for name in names})


def has_timeline(value: Any) -> bool:
    """Whether ``value`` (a section, a mapping of them, or a parameter) can change with time."""
    if isinstance(value, _TIMELINES):
        return True
    if isinstance(value, BaseModel):
        return any(has_timeline(getattr(value, name)) for name in type(value).model_fields)
    if isinstance(value, dict):
        return any(has_timeline(v) for v in value.values())
    return False


class Resolver:
    """Resolves a setting's sections at any year, keeping those that never change."""

    def __init__(self, params: BaseModel):
        self.params = params
        self._constant: dict[str, Any] = {}
        self._varies = {name: has_timeline(getattr(params, name))
                        for name in type(params).model_fields}

    def section(self, name: str, year: float) -> Any:
        """Section ``name`` (``hiv``, ``stis``, ...) resolved at ``year``."""
        if name in self._constant:
            return self._constant[name]
        if name not in self._varies:
            raise AttributeError(f"the setting has no parameter section {name!r}")
        value = _value(getattr(self.params, name), year)
        if not self._varies[name]:
            self._constant[name] = value
        return value

    def at(self, year: float) -> ParamsNow:
        """Every section at ``year``, each resolved when first read."""
        return ParamsNow(self, year)


class ParamsNow:
    """The setting's sections at one year (``now.hiv``, ``now.stis["gonorrhoea"]``).

    Each section is resolved on first access and kept for the rest of the week.
    """

    def __init__(self, resolver: Resolver, year: float):
        self._resolver = resolver
        self.year = year

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        value = self._resolver.section(name, self.year)
        setattr(self, name, value)
        return value
