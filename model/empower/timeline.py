"""Parameter values that may change over calendar time.

Any numeric parameter in a setting or scenario file may be written as:

* a constant: ``0.65``;
* a constant with its source: ``{value = 0.65, source = "Reza-Paul 2008"}``;
* a step timeline: ``{2025 = 0.3, 2028 = 0.6}`` (the value holds from each year on);
* a linear timeline: ``{years = [2025, 2030], values = [0.3, 0.8]}`` (straight lines
  between the points, flat outside them).

Timelines may also carry a ``source``. A timeline in a scenario that overrides a
value sets nothing before its first year: the value it overrides still holds there
(see :func:`overlay`). A timeline in a setting holds its first value before its first
year.

Evaluate any of these with :func:`value_at`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Union

__all__ = [
    "Constant",
    "StepTimeline",
    "LinearTimeline",
    "Param",
    "parse_param",
    "value_at",
    "overlay",
    "param_to_toml_like",
    "parse_category",
]


@dataclass(frozen=True)
class Constant:
    """A value that does not change over time."""

    value: float
    source: str | None = None


@dataclass(frozen=True)
class _Points:
    """Values at given years.

    Attributes:
        years: Ascending calendar years of the points.
        values: The value at each point.
        before: What holds before ``years[0]``; ``None`` means ``values[0]``.
        source: Where the numbers come from.
    """

    years: tuple[float, ...]
    values: tuple[float, ...]
    before: Param | None = None
    source: str | None = None


@dataclass(frozen=True)
class StepTimeline(_Points):
    """A value that jumps at given years and holds until the next one."""


@dataclass(frozen=True)
class LinearTimeline(_Points):
    """A value interpolated linearly between points, flat outside them."""


Param = Union[Constant, StepTimeline, LinearTimeline]  # noqa: UP007  (used at run time)


@dataclass(frozen=True)
class Bounds:
    """The allowed range of a parameter, for validation messages."""

    low: float | None = None
    high: float | None = None
    integer: bool = False
    what: str = field(default="a number")
    above_low: bool = False  # low itself not allowed (a divisor: a duration, a shape)

    def check(self, x: float) -> None:
        """Raise ValueError naming the allowed range if ``x`` is outside it."""
        if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(float(x)):
            raise ValueError(f"expected {self.what} (a finite number), got {x!r}")
        if self.integer and not float(x).is_integer():
            raise ValueError(f"expected {self.what} (a whole number), got {x!r}")
        below = self.low is not None and (x <= self.low if self.above_low else x < self.low)
        if below or (self.high is not None and x > self.high):
            raise ValueError(f"{x!r} is outside the allowed range: {self.describe()}")

    def describe(self) -> str:
        """Say in words what is allowed."""
        if self.above_low and self.low is not None:
            upper = f" and at most {self.high:g}" if self.high is not None else ""
            return f"{self.what} above {self.low:g}{upper}"
        if self.low is not None and self.high is not None:
            return f"{self.what} from {self.low:g} to {self.high:g}"
        if self.low is not None:
            return f"{self.what} of at least {self.low:g}"
        if self.high is not None:
            return f"{self.what} of at most {self.high:g}"
        return self.what


_FORMS = (
    "a number, {value = x, source = \"...\"}, a step timeline {2025 = 0.3, 2028 = 0.6} "
    "or a linear timeline {years = [2025, 2030], values = [0.3, 0.8]}"
)


_YEAR_TEXT = re.compile(r"\d{4}(\.\d+)?")


def _year(key: Any) -> float:
    """A year: a number in a ``years`` list, or a key such as ``2025`` or ``"2025.5"``."""
    if isinstance(key, str):
        if not _YEAR_TEXT.fullmatch(key):
            raise ValueError(f"{key!r} is not a year; a parameter must be {_FORMS}")
        year = float(key)
    elif isinstance(key, int | float) and not isinstance(key, bool):
        year = float(key)
    else:
        raise ValueError(f"{key!r} is not a year (a number such as 2025); a parameter "
                         f"must be {_FORMS}")
    if not 1900 <= year <= 2200:
        raise ValueError(f"year {key!r} is outside 1900 to 2200")
    return year


def parse_param(raw: Any, bounds: Bounds) -> Param:
    """Turn the TOML form of a parameter into a :data:`Param`, checking its range.

    Args:
        raw: What the TOML file holds for the key (number or table), or a Param.
        bounds: The allowed range of every value.

    Returns:
        The parsed parameter.

    Raises:
        ValueError: With a message that says which forms and values are allowed.
    """
    if isinstance(raw, Constant | StepTimeline | LinearTimeline):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        bounds.check(raw)
        return Constant(float(raw))
    if not isinstance(raw, dict):
        raise ValueError(f"expected {_FORMS}; got {raw!r}")
    table = dict(raw)
    source = table.pop("source", None)
    if source is not None and not isinstance(source, str):
        raise ValueError("'source' must be text")
    if "value" in table:
        extra = set(table) - {"value"}
        if extra:
            raise ValueError(f"unexpected keys {sorted(extra)} beside 'value'")
        value = table["value"]
        bounds.check(value)
        return Constant(float(value), source)
    if "years" in table or "values" in table:
        extra = set(table) - {"years", "values"}
        if extra or "years" not in table or "values" not in table:
            raise ValueError("a linear timeline needs exactly 'years' and 'values' (and 'source')")
        years, values = table["years"], table["values"]
        if not isinstance(years, list) or not isinstance(values, list):
            raise ValueError("'years' and 'values' must be lists")
        if len(years) != len(values) or not years:
            raise ValueError("'years' and 'values' must be non-empty lists of the same length")
        for y in years:
            if isinstance(y, str):
                raise ValueError(f"'years' holds numbers (2025, not \"2025\"); got {y!r}")
        ys = tuple(_year(y) for y in years)
        if any(b <= a for a, b in zip(ys, ys[1:], strict=False)):
            raise ValueError("'years' must be strictly increasing")
        for v in values:
            bounds.check(v)
        return LinearTimeline(ys, tuple(float(v) for v in values), None, source)
    if not table:
        raise ValueError(f"empty table; expected {_FORMS}")
    for k, v in table.items():
        if isinstance(v, dict) and _YEAR_TEXT.fullmatch(k) and len(v) == 1:
            (part, inner), = v.items()
            raise ValueError(f"write the year {k}.{part} in quotes (\"{k}.{part}\" = "
                             f"{inner!r}): unquoted, TOML reads {k}.{part} as a table {k} "
                             f"holding a key {part}")
    points = sorted(((_year(k), v) for k, v in table.items()), key=lambda p: p[0])
    for (a, _), (b, _) in zip(points, points[1:], strict=False):
        if a == b:
            same = [k for k in table if _year(k) == a]
            raise ValueError(f"the year {a:g} is given twice ({' and '.join(map(repr, same))})")
    for _, v in points:
        bounds.check(v)
    return StepTimeline(
        tuple(y for y, _ in points), tuple(float(v) for _, v in points), None, source
    )


def value_at(param: Param | float, year: float) -> float:
    """The value of a parameter at a calendar year."""
    if isinstance(param, Constant):
        return param.value
    if isinstance(param, int | float):
        return float(param)
    years, values = param.years, param.values
    if year < years[0]:
        return values[0] if param.before is None else value_at(param.before, year)
    if isinstance(param, StepTimeline):
        i = 0
        while i + 1 < len(years) and years[i + 1] <= year:
            i += 1
        return values[i]
    if year >= years[-1]:
        return values[-1]
    i = 0
    while years[i + 1] <= year:
        i += 1
    frac = (year - years[i]) / (years[i + 1] - years[i])
    return values[i] + frac * (values[i + 1] - values[i])


def overlay(base: Param, override: Param) -> Param:
    """A scenario's value on top of the setting's.

    Before the override's first year the base still holds. A constant override
    replaces the base entirely.
    """
    if isinstance(override, Constant):
        return override
    return type(override)(override.years, override.values, base, override.source)


def param_to_toml_like(param: Param) -> Any:
    """A JSON-friendly description of a parameter, as written beside results."""
    if isinstance(param, Constant):
        if param.source is None:
            return param.value
        return {"value": param.value, "source": param.source}
    out: dict[str, Any] = {
        "kind": "step" if isinstance(param, StepTimeline) else "linear",
        "years": list(param.years),
        "values": list(param.values),
    }
    if param.before is not None:
        out["before"] = param_to_toml_like(param.before)
    if param.source is not None:
        out["source"] = param.source
    return out


def parse_category(raw: Any, allowed: tuple[str, ...], what: str = "a name") -> Param:
    """Turn a named choice that may change over time into a :data:`Param`.

    ``raw`` is a name (``"partial"``), ``{value = "partial", source = "..."}`` or a step
    timeline of names (``{2004 = "partial", 2010 = "decriminalised"}``). The result is
    a :class:`Constant` or :class:`StepTimeline` whose values are names, so
    :func:`value_at` and :func:`overlay` work on it as on numbers.

    Raises:
        ValueError: Naming the allowed names.
    """
    def check(name: Any) -> str:
        if not isinstance(name, str) or name not in allowed:
            raise ValueError(f"expected {what}: one of {', '.join(allowed)}; got {name!r}")
        return name

    if isinstance(raw, Constant):
        return Constant(check(raw.value), raw.source)  # type: ignore[arg-type]
    if isinstance(raw, StepTimeline):
        for v in raw.values:
            check(v)
        return raw
    if isinstance(raw, str):
        return Constant(check(raw))  # type: ignore[arg-type]
    if not isinstance(raw, dict) or not raw:
        raise ValueError(f"expected {what} ({', '.join(allowed)}) or a step timeline of "
                         f"names such as {{2004 = \"{allowed[0]}\", 2010 = \"{allowed[-1]}\"}}; "
                         f"got {raw!r}")
    table = dict(raw)
    source = table.pop("source", None)
    if source is not None and not isinstance(source, str):
        raise ValueError("'source' must be text")
    if "value" in table:
        if set(table) != {"value"}:
            raise ValueError(f"unexpected keys {sorted(set(table) - {'value'})} beside 'value'")
        return Constant(check(table["value"]), source)  # type: ignore[arg-type]
    points = sorted((_year(k), check(v)) for k, v in table.items())
    return StepTimeline(tuple(y for y, _ in points), tuple(v for _, v in points),  # type: ignore[arg-type]
                        None, source)
