"""Every number in a setting carries its source, and every shipped file validates."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from empower.scenario import validate_file

REPO = Path(__file__).resolve().parents[1]
SETTINGS = sorted((REPO / "seeds").glob("*.toml"))
SCENARIOS = sorted((REPO / "scenarios").glob("*.toml"))
TEXT_KEYS = {"name", "description"}
NAME_LIST_KEYS = {"venues"}  # lists of names (a group's venue types), not numbers


def _is_parameter(table: dict) -> bool:
    """A table that is one parameter (constant or timeline), not a section."""
    keys = set(table) - {"source"}
    return "value" in keys or "years" in keys or (
        bool(keys) and all(str(k).replace(".", "", 1).isdigit() for k in keys))


def unsourced(node: dict, path: tuple[str, ...] = ()) -> list[str]:
    """Dotted keys of numeric leaves without a non-empty text ``source``."""
    out = []
    for key, value in node.items():
        where = ".".join((*path, str(key)))
        if isinstance(value, dict) and value and _is_parameter(value):
            source = value.get("source")
            if not isinstance(source, str) or not source.strip():
                out.append(where)
        elif isinstance(value, dict) and value:
            out.extend(unsourced(value, (*path, str(key))))
        elif isinstance(value, str) and key in TEXT_KEYS:
            continue
        elif (key in NAME_LIST_KEYS and isinstance(value, list)
              and all(isinstance(v, str) for v in value)):
            continue
        else:  # a bare number, an empty table, or anything else: not a sourced value
            out.append(where)
    return out


def test_there_is_at_least_one_setting_and_one_scenario():
    assert SETTINGS, "no seeds/*.toml"
    assert SCENARIOS, "no scenarios/*.toml"


@pytest.mark.parametrize("path", SETTINGS, ids=lambda p: p.name)
def test_every_numeric_parameter_in_a_setting_has_a_non_empty_source(path):
    raw = tomllib.loads(path.read_text())
    assert unsourced(raw) == []


@pytest.mark.parametrize("path", SETTINGS + SCENARIOS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_shipped_setting_and_scenario_validates(path):
    assert validate_file(path)


# The checker above must be able to fail.

@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("[a]\nx = 0.5\n", ["a.x"]),
        ('[a]\nx = { value = 0.5 }\n', ["a.x"]),
        ('[a]\nx = { value = 0.5, source = "" }\n', ["a.x"]),
        ('[a]\nx = { value = 0.5, source = "  " }\n', ["a.x"]),
        ("[a]\nx = { 2025 = 0.3, 2028 = 0.6 }\n", ["a.x"]),
        ("[a]\nx = { years = [2025, 2030], values = [0.3, 0.8] }\n", ["a.x"]),
        ("[a.b]\nx = 1\n", ["a.b.x"]),
        ('name = "t"\n[a]\nlabel = "text"\n', ["a.label"]),
    ],
)
def test_source_checker_flags_unsourced_values(toml, expected):
    assert unsourced(tomllib.loads(toml)) == expected


@pytest.mark.parametrize(
    "toml",
    [
        'name = "t"\ndescription = "d"\n[a]\nx = { value = 0.5, source = "s" }\n',
        '[a]\nx = { 2025 = 0.3, 2028 = 0.6, source = "plan" }\n',
        '[a]\nx = { years = [2025, 2030], values = [0.3, 0.8], source = "plan" }\n',
    ],
)
def test_source_checker_accepts_sourced_constants_and_timelines(toml):
    assert unsourced(tomllib.loads(toml)) == []
