"""Raw parameter tables (TOML data): merging layers and reaching a dotted key.

A setting, the scenario files that extend one another, a site's own values and
command-line overrides are layers of the same shape; :func:`merge_raw` puts one over
another and records which file set each leaf, so a validation error names that file.
A table is a parameter value (:func:`is_param_table`) if it has a ``value``, a timeline
(``years``, or year keys such as ``2006``), else it is a section.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

__all__ = ["Path_", "is_param_table", "merge_raw", "raw_at", "nested_overrides",
           "set_path", "get_path"]

Path_ = tuple[str, ...]

_YEAR_KEY = re.compile(r"^\d{4}(\.\d+)?$")


def is_param_table(d: dict[str, Any]) -> bool:
    """A table that is a parameter value (not a section of parameters)."""
    keys = set(d) - {"source"}
    return "value" in keys or "years" in keys or (
        bool(keys) and all(_YEAR_KEY.match(str(k)) for k in keys)
    )


def merge_raw(base: dict, over: dict, origin: Path, origins: dict[Path_, Path],
              prefix: Path_ = ()) -> dict:
    """Deep-merge ``over`` into a copy of ``base``; record which file set each leaf."""
    out = dict(base)
    for key, value in over.items():
        path = (*prefix, str(key))
        if (
            isinstance(value, dict)
            and not is_param_table(value)
            and isinstance(out.get(key), dict)
            and not is_param_table(out[key])
        ):
            out[key] = merge_raw(out[key], value, origin, origins, path)
        else:
            out[key] = value
            origins[path] = origin
    return out


def raw_at(raw: dict[str, Any], path: Path_) -> Any:
    """The raw value at ``path``."""
    for part in path:
        raw = raw[part]
    return raw


def nested_overrides(values: dict[str, Any], where: str) -> dict[str, Any]:
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


def set_path(model: Any, path: Path_, value: Any) -> Any:
    """A copy of a frozen model (or dict of models) with the leaf at ``path`` replaced."""
    head, rest = path[0], path[1:]
    if isinstance(model, dict):
        child = model[head]
        return {**model, head: value if not rest else set_path(child, rest, value)}
    child = getattr(model, head)
    new = value if not rest else set_path(child, rest, value)
    return model.model_copy(update={head: new})


def get_path(model: Any, path: Path_) -> Any:
    """The value at ``path`` in a model (or dict of models), None if there is none."""
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
