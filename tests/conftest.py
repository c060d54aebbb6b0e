"""Shared test helpers: scenario files written from dicts of overrides, and small models.

``write_scenario(path, {"hiv": {"rr_acute": 1.0}})`` writes a scenario on top of the
Mysore setting; a dict whose keys are all years (``{2005: 0.9}``) or ``value``/``years``/
``values``/``source`` is written as an inline parameter table (a timeline), any other
dict as a section.
"""

from __future__ import annotations

import json
import math
import os
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from empower.model import EmpowerModel
from empower.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
SETTING = REPO / "seeds" / "mysore.toml"



@pytest.fixture
def child_env() -> dict[str, str]:
    """The environment for a Python subprocess that imports empower from this checkout,
    installed or not (pytest itself finds it through ``pythonpath`` in pyproject)."""
    path = [str(REPO / "model"), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in path if p)}


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_PARAM_KEYS = {"value", "years", "values", "source"}


def _key(key: Any) -> str:
    text = str(key)
    return text if _BARE_KEY.match(text) else json.dumps(text)


def _is_param_table(d: dict) -> bool:
    return bool(d) and all(
        isinstance(k, int | float) or str(k) in _PARAM_KEYS or str(k).isdigit() for k in d
    ) and not any(isinstance(v, dict) for v in d.values())


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"cannot write {v!r} as TOML")


def toml_text(data: dict, prefix: tuple[str, ...] = ()) -> str:
    """A nested dict as TOML: leaves first, then one [section] per sub-dict."""
    lines, sections = [], []
    for k, v in data.items():
        if isinstance(v, dict) and not _is_param_table(v):
            sections.append((k, v))
        else:
            lines.append(f"{_key(k)} = {_value(v)}")
    out = ""
    if prefix and (lines or not sections):
        out += "[" + ".".join(_key(p) for p in prefix) + "]\n"
    out += "".join(line + "\n" for line in lines)
    for k, v in sections:
        out += "\n" + toml_text(v, (*prefix, str(k)))
    return out


def write_scenario(
    path: Path,
    parameters: dict | None = None,
    *,
    start_year: int = 2004,
    end_year: int = 2006,
    name: str | None = None,
    setting: Path | str = SETTING,
    burn_in_years: int | None = 0,
) -> Path:
    """Write a scenario file over ``setting`` with ``parameters`` overrides; return its path.

    ``burn_in_years`` is 0 by default: tests of a mechanism start at the scenario's
    first year, from the setting's starting state. ``None`` keeps the setting's burn-in
    (tests of the shipped setting's behaviour); a ``burn_in_years`` in ``parameters``
    wins over both.
    """
    top: dict[str, Any] = {}
    if name is not None:
        top["name"] = name
    top.update(setting=str(setting), start_year=start_year, end_year=end_year)
    text = toml_text(top)
    parameters = dict(parameters or {})
    if burn_in_years is not None:
        parameters.setdefault("burn_in_years", burn_in_years)
    if parameters:
        text += "\n" + toml_text(parameters, ("parameters",))
    path.write_text(text)
    return path


@pytest.fixture
def scenario_file(tmp_path: Path) -> Callable[..., Path]:
    """A factory: ``scenario_file(parameters, start_year=..., end_year=..., name=...)``."""
    counter = iter(range(10**6))

    def make(parameters: dict | None = None, **kwargs: Any) -> Path:
        return write_scenario(tmp_path / f"scenario_{next(counter)}.toml", parameters, **kwargs)

    return make


@pytest.fixture
def make_model(scenario_file: Callable[..., Path]) -> Callable[..., EmpowerModel]:
    """A factory of unrun models: ``make_model(parameters, seed=1, people_scale=0.2, ...)``.

    Other keyword arguments (``start_year``, ``end_year``, ``name``) go to the scenario.
    """

    def make(parameters: dict | None = None, *, seed: int = 1, people_scale: float = 0.2,
             threads: int | None = None, **kwargs: Any) -> EmpowerModel:
        scenario = load_scenario(scenario_file(parameters, **kwargs))
        return EmpowerModel(scenario, seed=seed, people_scale=people_scale, threads=threads)

    return make


def neutral_structure(extra: dict | None = None) -> dict:
    """Overrides that switch every process of the structural layer to its neutral value.

    No violence, arrests or police encounters; no members and a zero coverage target
    (so no outreach, clinics, PrEP or empowerment); the setting's own regime, whose
    relative components are 1. ``extra`` overrides are deep-merged on top.
    """
    groups = tomllib.loads(SETTING.read_text())["mobilisation"]["groups"]
    out: dict = {
        "violence": {key: 0.0 for key in (
            "rate_client_violence_per_year", "rate_partner_violence_per_year",
            "rate_police_violence_per_year", "rate_arrest_per_year",
            "rate_police_encounter_per_year")},
        "mobilisation": {"coverage_target": 0.0,
                         "groups": {name: {"prop_members_initial": 0.0} for name in groups}},
    }
    return _deep_merge(out, extra or {})


def _deep_merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and not _is_param_table(v):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out
