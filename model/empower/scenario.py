"""Load and validate scenarios (TOML), with ``extends`` and timelines.

A *setting* (``seeds/NAME.toml``) describes a place, one site or several
(:mod:`empower.setting_file`).
A *scenario* (``scenarios/NAME.toml``) names a setting, a start and end year, and
overrides under ``[parameters]`` with the same shape as the setting::

    name = "condom_push"
    setting = "mysore"            # seeds/mysore.toml, or a path ending in .toml
    start_year = 2004
    end_year = 2014
    extends = "status_quo.toml"   # optional, relative to this file
    [parameters.condom]
    prop_condom_one_off = {2006 = 0.9}

Steps of :func:`load_scenario`:

1. Read the scenario and, recursively, the files it extends (child keys win).
2. Find and read the setting; validate each of its sites alone, so their errors name
   the setting file.
3. For each site, merge the overrides into the site's parameters; an overriding
   timeline keeps the site's value before its first year
   (:func:`empower.timeline.overlay`).
4. Validate the result; every error names the file that set the key, the site (if
   there are several), the dotted key and what is allowed, and all errors are
   reported at once.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, StrictInt, ValidationError, field_validator

from empower.input_file import ConfigError, read_toml
from empower.names import check_scenario_name
from empower.parameters import SettingParams
from empower.raw_parameters import Path_, get_path, merge_raw, nested_overrides, raw_at, set_path
from empower.setting_file import (
    at_site,
    find_setting,
    load_setting,
    load_setting_sites,
    setting_with_values,
    site_raws,
    validate_sites,
)
from empower.timeline import Constant, LinearTimeline, StepTimeline, overlay
from empower.units import STEPS_PER_YEAR
from empower.validation_messages import problems_of

__all__ = ["ConfigError", "Scenario", "load_scenario", "load_setting", "setting_with_values",
           "validate_file"]

class ScenarioFile(BaseModel):
    """The top level of a scenario file."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    description: str = ""
    setting: str | None = None
    start_year: StrictInt | None = None
    end_year: StrictInt | None = None
    extends: str | None = None
    parameters: dict[str, Any] = {}

    @field_validator("name")
    @classmethod
    def _safe_name(cls, name: str | None) -> str | None:
        return name if name is None else check_scenario_name(name)

    @field_validator("start_year", "end_year")
    @classmethod
    def _plausible_year(cls, v: int | None) -> int | None:
        if v is not None and not 1900 <= v <= 2200:
            raise ValueError("a calendar year from 1900 to 2200 is allowed")
        return v


@dataclass(frozen=True)
class Scenario:
    """A fully resolved scenario: the setting with every override applied.

    ``params`` are the first site's (a one-site setting's only site: the whole
    setting); ``sites`` has every site's, the scenario's changes applied to each.
    """

    name: str
    description: str
    path: Path | None
    setting_path: Path
    start_year: int
    end_year: int
    params: SettingParams
    files: tuple[Path, ...] = field(default=())
    setting_values: dict[str, float] | None = None  # applied to the setting (a draw)
    overrides: dict[str, Any] | None = None  # applied over everything (with_overrides)
    site_params: tuple[tuple[str, SettingParams], ...] = ()  # every site; params is the first

    @property
    def sites(self) -> dict[str, SettingParams]:
        """Each site's parameters, in the setting's order (one site: ``{setting name: params}``)."""
        return dict(self.site_params) or {self.params.name: self.params}

    def with_overrides(self, values: dict[str, Any], where: str = "override") -> Scenario:
        """A copy of the scenario with parameters set at dotted keys, over its files.

        ``{"condom.prop_condom_one_off": 0.8}`` sets a constant (its source says
        ``where``); a dict such as ``{"years": [2005, 2009], "values": [0.3, 0.8]}`` sets
        a timeline. Overrides win over the setting and every scenario file; the result
        is validated as the files are.

        Raises:
            ConfigError: A key that is not a parameter, or a value out of its range,
                named as ``overrides.KEY``.
        """
        if self.path is None:
            raise ConfigError(["with_overrides: the scenario has no file to resolve again"])
        merged = {**(self.overrides or {}), **values}
        return load_scenario(self.path, self.setting_values, overrides=merged,
                             overrides_from=where)

    def one_site(self, what: str) -> Scenario:
        """The scenario itself if its setting is one site, else ConfigError naming ``what``.

        ``empower run`` and the model run any number of sites; the commands that
        summarise across scenarios (compare, report, baseline, sweep, calibrate,
        surveys) work on one-site settings so far.
        """
        if len(self.sites) > 1:
            raise ConfigError([f"{self.path}: setting: {self.setting_path} has "
                               f"{len(self.sites)} sites ({', '.join(self.sites)}); {what} "
                               "works on one-site settings so far (empower run gives every "
                               "site's outputs, with a site column)"])
        return self

    @property
    def burn_in_years(self) -> int:
        """Years the model runs, unreported, before ``start_year`` (the setting's)."""
        return int(self.params.burn_in_years.value)

    @property
    def run_start_year(self) -> int:
        """The year the model starts: ``start_year`` minus the burn-in."""
        return self.start_year - self.burn_in_years

    @property
    def n_steps(self) -> int:
        """Weeks from the model's start to ``end_year``, burn-in included."""
        return (self.end_year - self.run_start_year) * STEPS_PER_YEAR

    def resolved(self) -> dict[str, Any]:
        """The resolved parameters as plain JSON-friendly data."""
        return {
            "scenario": self.name,
            "description": self.description,
            "scenario_file": str(self.path) if self.path else None,
            "setting_file": str(self.setting_path),
            "files": [str(f) for f in self.files],
            "start_year": self.start_year,
            "end_year": self.end_year,
            "burn_in_years": self.burn_in_years,
            "parameters": self.params.model_dump(mode="json"),
            **({"sites": {name: p.model_dump(mode="json") for name, p in self.sites.items()}}
               if len(self.sites) > 1 else {}),
        }

    def resolved_json(self) -> str:
        """The resolved parameters as JSON text."""
        return json.dumps(self.resolved(), indent=2, sort_keys=False)


# ---------------------------------------------------------------------------- reading

MAX_EXTENDS = 32  # scenario files in one chain of extends


# ---------------------------------------------------------------------------- scenarios

def _read_scenario_chain(
    path: Path, problems: list[str], seen: tuple[Path, ...] = ()
) -> list[tuple[Path, ScenarioFile]]:
    """The scenario and the files it extends, outermost ancestor first.

    Problems in a file's top-level keys are added to ``problems``; the keys that are
    fine are kept, so later stages can still report their own problems.
    """
    path = path.resolve()
    if path in seen:
        chain = " -> ".join(str(p) for p in (*seen, path))
        raise ConfigError([f"{path}: extends: a cycle of extends: {chain}"])
    if len(seen) >= MAX_EXTENDS:
        raise ConfigError([f"{seen[-1]}: extends: a chain of more than {MAX_EXTENDS} "
                           f"scenario files (from {seen[0]})"])
    raw = read_toml(path)
    if not seen and file_kind(raw) == "setting":
        raise ConfigError([f"{path}: this is a setting, not a scenario: run a scenario "
                           "that uses it (setting = ...), e.g. scenarios/status_quo.toml"])
    try:
        parsed = ScenarioFile.model_validate(raw)
    except ValidationError as exc:
        problems.extend(problems_of(exc, ScenarioFile, path))
        bad = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
        kept = {k: v for k, v in raw.items() if k in ScenarioFile.model_fields and k not in bad}
        parsed = ScenarioFile.model_validate(kept)
    parents: list[tuple[Path, ScenarioFile]] = []
    if parsed.extends:
        parent = (path.parent / parsed.extends).resolve()
        if not parent.is_file():
            raise ConfigError([*problems, f"{path}: extends: no scenario file at {parent}"])
        try:
            parents = _read_scenario_chain(parent, problems, (*seen, path))
        except ConfigError as exc:
            if seen or not all(p.startswith(f"{parent}:") for p in exc.problems):
                raise
            # the parent cannot be read at all: say which scenario and key point at it
            raise ConfigError([*problems, *(f"{path}: extends: {p}" for p in exc.problems)]
                              ) from None
    return [*parents, (path, parsed)]


def _parsed_leaf(base_raw: dict[str, Any], leaf: Path_, raw: Any) -> Any:
    """One leaf's raw value parsed as the setting would parse it.

    None if it cannot be parsed alone (for example a share that must add up with its
    siblings).
    """
    data = copy.deepcopy(base_raw)
    node = data
    for part in leaf[:-1]:
        node = node.setdefault(part, {})
    node[leaf[-1]] = raw
    try:
        return get_path(SettingParams.model_validate(data), leaf)
    except ValidationError:
        return None


def load_scenario(path: Path | str, setting_values: dict[str, float] | None = None,
                  setting_values_from: str = "override", *,
                  overrides: dict[str, Any] | None = None,
                  overrides_from: str = "override") -> Scenario:
    """Read, merge and validate a scenario and its setting.

    Args:
        path: The scenario file.
        setting_values: Constant values for some of the setting's parameters (dotted
            keys), applied to the setting before the scenario's own changes (a
            calibration's draw: the scenario's timelines still win, and start from it).
        setting_values_from: Where those values came from, for their ``source``.
        overrides: Values at dotted keys applied over the setting and every scenario
            file (:meth:`Scenario.with_overrides`).
        overrides_from: Their ``source``.

    Returns:
        The resolved scenario.

    Raises:
        ConfigError: Listing every problem with its file and dotted key.
    """
    from empower.catalogue import find_scenario, known_names

    path = Path(path)
    if (found := find_scenario(path)) is None:
        if path.is_dir():
            raise ConfigError([f"{path}: is a folder, not a scenario file"])
        if path.exists() or path.is_symlink():
            read_toml(path)  # there but not a regular file: read_toml says what it is
        if path.parent != Path("."):
            raise ConfigError([f"{path}: file not found"])
        names = ", ".join(known_names("scenarios")) or "none found"
        raise ConfigError([f"{path}: file not found, and no scenario of that name "
                           f"(known names: {names})"])
    path = found
    problems: list[str] = []
    chain = _read_scenario_chain(path, problems)
    own = path.resolve()
    meta: dict[str, Any] = {}
    set_by: dict[str, Path] = {}
    for file, sf in chain:
        for key, value in sf.model_dump(exclude={"parameters"}).items():
            if value is not None and value != "":
                meta[key] = value
                set_by[key] = file

    for key in ("start_year", "end_year"):
        if key not in meta and not any(f"{key}:" in p for p in problems):
            problems.append(f"{own}: {key}: required key is missing (a calendar year)")
    if "start_year" in meta and "end_year" in meta and meta["end_year"] <= meta["start_year"]:
        problems.append(f"{set_by['end_year']}: end_year: end_year ({meta['end_year']}) "
                        f"must be after start_year ({meta['start_year']})")
    if not meta.get("setting"):
        raise ConfigError([*problems, f"{own}: setting: required key is missing "
                                      "(a name in seeds/ or a path to a setting file)"])
    try:
        setting_file = find_setting(meta["setting"], set_by["setting"])
        base_raw = read_toml(setting_file)
        if setting_values:
            base_raw = setting_with_values(base_raw, setting_values, setting_values_from)
        site_base = site_raws(base_raw, setting_file)
        base_sites = validate_sites(site_base, setting_file)
    except ConfigError as exc:
        raise ConfigError([*problems, *exc.problems]) from None

    layers = [(file, sf.parameters) for file, sf in chain]
    if overrides:
        layers.append((Path("overrides"), nested_overrides(overrides, overrides_from)))
    sites = {}
    for name, raw in site_base.items():
        try:
            sites[name] = _site_with_layers(raw, base_sites[name], layers, setting_file,
                                            name if len(site_base) > 1 else None)
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)

    own_file = chain[-1][1]  # name and description are the scenario's own, not inherited
    return Scenario(
        name=own_file.name or own.stem,
        description=own_file.description,
        path=own,
        setting_path=setting_file,
        start_year=meta["start_year"],
        end_year=meta["end_year"],
        params=next(iter(sites.values())),
        files=tuple(f for f, _ in chain) + (setting_file,),
        setting_values=dict(setting_values) if setting_values else None,
        overrides=dict(overrides) if overrides else None,
        site_params=tuple(sites.items()),
    )


def _site_with_layers(base_raw: dict[str, Any], base_params: SettingParams,
                      layers: list[tuple[Path, dict[str, Any]]], setting_file: Path,
                      site: str | None) -> SettingParams:
    """One site's parameters with the scenario files' (and overrides') layers over them.

    Steps: merge the layers in order over the site's raw values, recording which file
    set each leaf; validate (problems name that file, and ``site`` if given); then put
    each overriding timeline over what was in force before it (the previous layer's
    value, else the site's), so it keeps that value before its first year.
    """
    origins: dict[Path_, Path] = {}
    set_at: dict[Path_, list[Any]] = {}  # leaf -> raw value set by each layer, in order
    merged = base_raw
    for file, layer in layers:
        mine: dict[Path_, Path] = {}
        merged = merge_raw(merged, layer, file, mine)
        origins.update(mine)
        for leaf in mine:
            set_at.setdefault(leaf, []).append(raw_at(layer, leaf))
    try:
        params = SettingParams.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(at_site(problems_of(exc, SettingParams, setting_file, origins,
                                              "parameters."), site)) from None

    for leaf in origins:
        new = get_path(params, leaf)
        old = get_path(base_params, leaf)
        if isinstance(new, StepTimeline | LinearTimeline) and isinstance(
            old, Constant | StepTimeline | LinearTimeline
        ):
            # Each file's timeline sits on what was in force before it: the parent
            # scenario's value if a parent set one, else the setting's.
            for raw in set_at[leaf][:-1]:
                below = _parsed_leaf(base_raw, leaf, raw)
                if below is None:
                    break
                old = overlay(old, below) if isinstance(
                    below, StepTimeline | LinearTimeline) else below
            params = set_path(params, leaf, overlay(old, new))
    return params


def file_kind(raw: dict[str, Any]) -> str:
    """What an input file is: ``"setting"`` or ``"scenario"``.

    A setting has a setting's sections at its top level and no scenario key; anything
    else (an empty file, a scenario with a misspelt key) is a scenario with problems.
    """
    scenario_keys = set(ScenarioFile.model_fields) - {"name", "description"}
    setting_keys = set(SettingParams.model_fields) - {"name", "description"}
    if set(raw) & setting_keys and not set(raw) & scenario_keys:
        return "setting"
    return "scenario"


def validate_file(path: Path | str) -> str:
    """Validate a scenario or a setting file; return a one-line description.

    What the file is follows :func:`file_kind`, as ``empower run`` decides it.
    """
    path = Path(path)
    if file_kind(read_toml(path)) == "scenario":
        sc = load_scenario(path)
        return f"scenario {sc.name!r}: setting {sc.params.name!r}, {sc.start_year}-{sc.end_year}"
    sites, _ = load_setting_sites(path)
    params = next(iter(sites.values()))
    n_venues = len(params.sex_workers.venues)
    where = f", {len(sites)} sites ({', '.join(sites)})" if len(sites) > 1 else ""
    return (f"setting {params.name!r}: {len(params.stis)} STIs, {n_venues} venue types"
            f"{where}")
