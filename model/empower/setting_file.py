"""Setting files (``seeds/NAME.toml``): find, read and validate one, with its sites.

A setting describes a place (:class:`empower.parameters.SettingParams`). It is one site
(named after the setting) unless it has ``[sites.NAME]`` tables: then each table is a
site, whose values are the file's with the table's own over them. A site may change
any section but the setting's name, description and burn-in (one clock for all)::

    name = "karnataka"
    [population]
    n_sex_workers = {value = 1000, source = "..."}
    ...
    [sites.mysore]                       # the file's values as they are
    [sites.belgaum.population]
    n_sex_workers = {value = 600, source = "..."}

Steps of :func:`load_setting_sites`: read the file; check the ``sites`` table (safe
names, known sections); merge each site's table over the file's values; validate
each site, its errors naming the file, the site and the dotted key.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from empower.input_file import ConfigError, read_toml
from empower.names import check_names, check_scenario_name
from empower.parameters import SettingParams
from empower.raw_parameters import is_param_table, merge_raw
from empower.validation_messages import problems_of

__all__ = ["SiteRaw", "at_site", "find_setting", "load_setting", "load_setting_sites", "site_raws",
           "setting_with_values", "SITE_SECTIONS", "validate_sites"]

# The sections a site may change: all but what the setting shares (the clock, its name).
SITE_SECTIONS = tuple(k for k in SettingParams.model_fields
                      if k not in {"name", "description", "burn_in_years"})

SiteRaw = dict[str, Any]


def find_setting(name: str, scenario_file: Path | None) -> Path:
    """The setting file a scenario names: a path ending in .toml, or a name in seeds/."""
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


def site_raws(raw: dict[str, Any], path: Path) -> dict[str, SiteRaw]:
    """Each site's raw parameters, in the file's order: the file's, its table over them.

    Without a ``sites`` table the setting is one site named after it (its ``name``).

    Raises:
        ConfigError: A ``sites`` table that is not a table of tables, an unsafe site
            name, or a site key that is not a section a site may change.
    """
    shared = {k: v for k, v in raw.items() if k != "sites"}
    if "sites" not in raw:
        return {str(raw.get("name", path.stem)): shared}
    sites = raw["sites"]
    if not isinstance(sites, dict) or not sites or not all(
            isinstance(t, dict) for t in sites.values()):
        raise ConfigError([f"{path}: sites: a table of one table per site is allowed "
                           "([sites.NAME], with the sections the site changes)"])
    problems = []
    try:
        check_names(sites, "a site")
    except ValueError as exc:
        problems.append(f"{path}: sites: {exc}")
    for name, table in sites.items():
        for key, value in table.items():
            if key not in SITE_SECTIONS or not isinstance(value, dict) or is_param_table(value):
                problems.append(f"{path}: sites.{name}.{key}: not a section a site can "
                                f"change; allowed: {', '.join(SITE_SECTIONS)}")
    if problems:
        raise ConfigError(problems)
    return {name: merge_raw(shared, table, path, {}) for name, table in sites.items()}


def at_site(problems: list[str], site: str | None) -> list[str]:
    """Problems (``FILE: KEY: message``) with ``sites.NAME:`` after the file, if a site."""
    if site is None:
        return problems
    return [p.replace(": ", f": sites.{site}: ", 1) for p in problems]


def validate_sites(raws: dict[str, SiteRaw], path: Path) -> dict[str, SettingParams]:
    """Each site's validated parameters; ConfigError with every site's problems.

    With several sites, each problem says which site it is at (``sites.NAME:``).
    """
    params, problems = {}, []
    for name, raw in raws.items():
        try:
            params[name] = SettingParams.model_validate(raw)
        except ValidationError as exc:
            problems += at_site(problems_of(exc, SettingParams, path),
                                name if len(raws) > 1 else None)
    if problems:
        raise ConfigError(problems)
    return params


def load_setting_sites(path: Path | str) -> tuple[dict[str, SettingParams], dict[str, Any]]:
    """Read and validate a setting file: each site's parameters, and the raw TOML data.

    Raises:
        ConfigError: Naming the file, the site (when there are several), the dotted key
            and what is allowed.
    """
    path = Path(path)
    raw = read_toml(path)
    return validate_sites(site_raws(raw, path), path), raw


def load_setting(path: Path | str) -> tuple[SettingParams, dict[str, Any]]:
    """Read and validate a setting file: its first site's parameters and the raw data.

    A one-site setting's only site is the whole setting; see :func:`load_setting_sites`
    for every site.
    """
    sites, raw = load_setting_sites(path)
    return next(iter(sites.values())), raw


def setting_with_values(raw: dict[str, Any], values: dict[str, float], where: str
                        ) -> dict[str, Any]:
    """A copy of a setting's raw data with constant ``values`` at dotted keys.

    Each key must name a parameter the setting has (a constant, sourced or not); its
    value is replaced and its source says where the new value came from (``where``,
    for example a posterior draw). The values are the file's shared ones: a site's own
    value of the same key still wins at that site.

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
                isinstance(node[leaf], dict) and not is_param_table(node[leaf])):
            problems.append(f"{where}: {key}: not a parameter of the setting")
            continue
        old = node[leaf]
        source = old.get("source", "") if isinstance(old, dict) else ""
        node[leaf] = {"value": float(value),
                      "source": f"{where} (the setting's own value: {source})".strip()}
    if problems:
        raise ConfigError(problems)
    return out
