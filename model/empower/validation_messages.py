"""Validation errors as messages in the user's terms: file, dotted key, what is allowed.

:func:`problems_of` turns a pydantic ``ValidationError`` of a setting or scenario into
one line per problem: the file that set the key (the child scenario, not its parent or
the setting, when the child set it), the dotted key, and the rule in words (the allowed
keys for an unknown one, "a section is expected here" for a list given as a section).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from empower.input_file import capped

__all__ = ["problems_of"]

Path_ = tuple[str, ...]


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str] | None:
    """The keys allowed at ``loc`` (the parent of an unknown key), if a section is there."""
    cls: Any = model
    for part in loc:
        if isinstance(cls, type) and issubclass(cls, BaseModel):
            info = cls.model_fields.get(str(part))
            if info is None:
                return None
            cls = info.annotation
        elif getattr(cls, "__origin__", None) is dict:
            cls = cls.__args__[1]
        else:
            return None
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        return sorted(cls.model_fields)
    return None


def _describe(err: dict[str, Any], model: type[BaseModel]) -> str:
    loc = tuple(err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        hint = f"; allowed here: {', '.join(allowed)}" if allowed else ""
        return f"unknown key{hint}"
    if kind == "missing":
        return "required key is missing"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        given = type(err.get("input")).__name__
        given = {"list": "a list (an array, or [[...]] tables)", "str": "text",
                 "int": "a number", "float": "a number", "bool": "true or false"}.get(given, given)
        return f"a section (a table of keys) is expected here, not {given}"
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")


def problems_of(
    exc: ValidationError,
    model: type[BaseModel],
    default_file: Path,
    origins: dict[Path_, Path] | None = None,
    prefix: str = "",
) -> list[str]:
    """One message per validation error: the file that set the key, the key, the rule.

    An error at a leaf is the file that set the leaf; an error of a whole section (its
    shares must add up, say) names the last file that set a key inside it, and the
    others too. A model-wide check that names its key (``key: message``) is placed at
    that key. The lookup is a dictionary walk (linear in the errors and the file), and
    at most :data:`empower.input_file.MAX_PROBLEMS` distinct messages are kept.
    """
    leaves = dict(origins or {})
    inside: dict[Path_, list[Path]] = {}  # section -> files that set keys in it, in order
    for path, file in leaves.items():
        for n in range(len(path)):
            files = inside.setdefault(path[:n], [])
            if file not in files:
                files.append(file)
    problems = []
    for err in exc.errors():
        loc = tuple(str(p) for p in err["loc"])
        message = _describe(err, model)
        named = _LEADING_KEY.match(message)
        if named and not loc and ("." in named.group(1)
                                  or named.group(1) in model.model_fields):
            loc, message = tuple(named.group(1).split(".")), named.group(2)
        where = next((leaves[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in leaves),
                     None)
        if where is None and loc in inside:
            *others, where = inside[loc]
            if others:
                message += f" (keys here are also set in {', '.join(map(str, others))})"
        key = prefix + ".".join(loc) if loc else "(top level)"
        problems.append(f"{where or default_file}: {key}: {message}")
    return capped(problems)


_LEADING_KEY = re.compile(r"([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)*): (.*)", re.DOTALL)
