"""Load and validate settings and scenarios (TOML), with ``extends`` and timelines.

A *setting* (``seeds/NAME.toml``) describes a place: see :class:`SettingParams`.
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
2. Find and read the setting; validate it alone, so its errors name the setting file.
3. Merge the overrides into the setting; an overriding timeline keeps the setting's
   value before its first year (:func:`empower.timeline.overlay`).
4. Validate the result; every error names the file that set the key, the dotted key
   and what is allowed, and all errors are reported at once.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, StrictInt, ValidationError, field_validator

from empower.input_file import ConfigError, read_toml
from empower.names import check_scenario_name
from empower.parameters import SettingParams
from empower.timeline import Constant, LinearTimeline, StepTimeline, overlay
from empower.units import STEPS_PER_YEAR
from empower.validation_messages import problems_of

__all__ = ["ConfigError", "Scenario", "load_scenario", "load_setting", "setting_with_values",
           "validate_file"]

Path_ = tuple[str, ...]


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
    """A fully resolved scenario: the setting with every override applied."""

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
        }

    def resolved_json(self) -> str:
        """The resolved parameters as JSON text."""
        return json.dumps(self.resolved(), indent=2, sort_keys=False)


# ---------------------------------------------------------------------------- reading

MAX_EXTENDS = 32  # scenario files in one chain of extends

_YEAR_KEY = re.compile(r"^\d{4}(\.\d+)?$")


def _is_param_table(d: dict[str, Any]) -> bool:
    """A table that is a parameter value (not a section of parameters)."""
    keys = set(d) - {"source"}
    return "value" in keys or "years" in keys or (
        bool(keys) and all(_YEAR_KEY.match(str(k)) for k in keys)
    )


def _merge(base: dict, over: dict, origin: Path, origins: dict[Path_, Path], prefix: Path_ = ()):
    """Deep-merge ``over`` into a copy of ``base``; record which file set each leaf."""
    out = dict(base)
    for key, value in over.items():
        path = (*prefix, str(key))
        if (
            isinstance(value, dict)
            and not _is_param_table(value)
            and isinstance(out.get(key), dict)
            and not _is_param_table(out[key])
        ):
            out[key] = _merge(out[key], value, origin, origins, path)
        else:
            out[key] = value
            origins[path] = origin
    return out


# ---------------------------------------------------------------------------- errors

# ---------------------------------------------------------------------------- settings

def _find_setting(name: str, scenario_file: Path | None) -> Path:
    if name.endswith(".toml"):
        base = scenario_file.parent if scenario_file else Path.cwd()
        candidate = (base / name).resolve()
        if candidate.is_file():
            return candidate
        raise ConfigError([f"{scenario_file}: setting: no setting file at {candidate}"])
    from empower.catalogue import folders

    try:
        check_scenario_name(name, "a setting")
    except ValueError as exc:
        raise ConfigError([f"{scenario_file or '(command line)'}: setting: {exc}; a "
                           "setting outside the settings folders is given as a path "
                           "ending in .toml"]) from None
    places = []
    if scenario_file is not None:
        places.append(scenario_file.parent.parent / "seeds")
        places.append(scenario_file.parent / "seeds")
    places += folders("seeds")
    for folder in places:
        candidate = folder / f"{name}.toml"
        if candidate.is_file():
            return candidate.resolve()
    known = sorted({p.stem for folder in places if folder.is_dir() for p in folder.glob("*.toml")})
    allowed = f"known settings: {', '.join(known)}" if known else "no seeds/ folder was found"
    raise ConfigError(
        [f"{scenario_file or '(command line)'}: setting: unknown setting {name!r}; {allowed}"]
    )


def load_setting(path: Path | str) -> tuple[SettingParams, dict[str, Any]]:
    """Read and validate a setting file.

    Returns:
        The validated parameters and the raw TOML data.

    Raises:
        ConfigError: Naming the file, the dotted key and what is allowed.
    """
    path = Path(path)
    raw = read_toml(path)
    try:
        return SettingParams.model_validate(raw), raw
    except ValidationError as exc:
        raise ConfigError(problems_of(exc, SettingParams, path)) from None


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


def _set_path(model: Any, path: Path_, value: Any) -> Any:
    """A copy of a frozen model (or dict of models) with the leaf at ``path`` replaced."""
    head, rest = path[0], path[1:]
    if isinstance(model, dict):
        child = model[head]
        return {**model, head: value if not rest else _set_path(child, rest, value)}
    child = getattr(model, head)
    new = value if not rest else _set_path(child, rest, value)
    return model.model_copy(update={head: new})


def _raw_at(raw: dict[str, Any], path: Path_) -> Any:
    for part in path:
        raw = raw[part]
    return raw


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
        return _get_path(SettingParams.model_validate(data), leaf)
    except ValidationError:
        return None


def _get_path(model: Any, path: Path_) -> Any:
    for part in path:
        if isinstance(model, dict):
            if part not in model:
                return None
            model = model[part]
        else:
            model = getattr(model, part, None)
            if model is None:
                return None
    return model


def setting_with_values(raw: dict[str, Any], values: dict[str, float], where: str
                        ) -> dict[str, Any]:
    """A copy of a setting's raw data with constant ``values`` at dotted keys.

    Each key must name a parameter the setting has (a constant, sourced or not); its
    value is replaced and its source says where the new value came from (``where``,
    for example a posterior draw).

    Raises:
        ConfigError: For a key that is not a parameter of the setting.
    """
    out = copy.deepcopy(raw)
    problems = []
    for key, value in values.items():
        node, parts = out, key.split(".")
        for part in parts[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
            if not isinstance(node, dict):
                break
        leaf = parts[-1]
        if not isinstance(node, dict) or leaf not in node or (
                isinstance(node[leaf], dict) and not _is_param_table(node[leaf])):
            problems.append(f"{where}: {key}: not a parameter of the setting")
            continue
        old = node[leaf]
        source = old.get("source", "") if isinstance(old, dict) else ""
        node[leaf] = {"value": float(value),
                      "source": f"{where} (the setting's own value: {source})".strip()}
    if problems:
        raise ConfigError(problems)
    return out


def _nested_overrides(values: dict[str, Any], where: str) -> dict[str, Any]:
    """Dotted keys as nested raw parameters, constants with ``where`` as their source."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        node = out
        parts = str(key).split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if isinstance(value, dict):
            node[parts[-1]] = {"source": where, **value}
        else:
            node[parts[-1]] = {"value": value, "source": where}
    return out


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
        setting_file = _find_setting(meta["setting"], set_by["setting"])
        base_params, base_raw = load_setting(setting_file)
        if setting_values:
            base_raw = setting_with_values(base_raw, setting_values, setting_values_from)
            try:
                base_params = SettingParams.model_validate(base_raw)
            except ValidationError as exc:
                raise ConfigError(problems_of(exc, SettingParams, setting_file)) from None
    except ConfigError as exc:
        raise ConfigError([*problems, *exc.problems]) from None

    origins: dict[Path_, Path] = {}
    layers: dict[Path_, list[Any]] = {}  # leaf -> raw value set by each file, in order
    merged = base_raw
    for file, sf in chain:
        mine: dict[Path_, Path] = {}
        merged = _merge(merged, sf.parameters, file, mine)
        origins.update(mine)
        for leaf in mine:
            layers.setdefault(leaf, []).append(_raw_at(sf.parameters, leaf))
    if overrides:
        layer = _nested_overrides(overrides, overrides_from)
        mine = {}
        merged = _merge(merged, layer, Path("overrides"), mine)
        origins.update(mine)
        for leaf in mine:
            layers.setdefault(leaf, []).append(_raw_at(layer, leaf))
    try:
        params = SettingParams.model_validate(merged)
    except ValidationError as exc:
        problems.extend(problems_of(exc, SettingParams, setting_file, origins, "parameters."))
    if problems:
        raise ConfigError(problems)

    for leaf in origins:
        new = _get_path(params, leaf)
        old = _get_path(base_params, leaf)
        if isinstance(new, StepTimeline | LinearTimeline) and isinstance(
            old, Constant | StepTimeline | LinearTimeline
        ):
            # Each file's timeline sits on what was in force before it: the parent
            # scenario's value if a parent set one, else the setting's.
            for raw in layers[leaf][:-1]:
                below = _parsed_leaf(base_raw, leaf, raw)
                if below is None:
                    break
                old = overlay(old, below) if isinstance(
                    below, StepTimeline | LinearTimeline) else below
            params = _set_path(params, leaf, overlay(old, new))

    own_file = chain[-1][1]  # name and description are the scenario's own, not inherited
    return Scenario(
        name=own_file.name or own.stem,
        description=own_file.description,
        path=own,
        setting_path=setting_file,
        start_year=meta["start_year"],
        end_year=meta["end_year"],
        params=params,
        files=tuple(f for f, _ in chain) + (setting_file,),
        setting_values=dict(setting_values) if setting_values else None,
        overrides=dict(overrides) if overrides else None,
    )


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
    params, _ = load_setting(path)
    n_venues = len(params.sex_workers.venues)
    return f"setting {params.name!r}: {len(params.stis)} STIs, {n_venues} venue types"
