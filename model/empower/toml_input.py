"""Reading a TOML input file into a validated pydantic model, every problem named."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from empower.input_file import ConfigError, capped, read_toml

__all__ = ["load_toml_model"]

M = TypeVar("M", bound=BaseModel)


def load_toml_model(path: Path | str, model: type[M]) -> M:
    """Read ``path`` as TOML and validate it as ``model``.

    Raises:
        ConfigError: The file is missing or not TOML, or one message per invalid key,
            naming the file and the dotted key.
    """
    path = Path(path)
    raw = read_toml(path)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(capped([
            f"{path}: {'.'.join(str(x) for x in e['loc']) or '(top level)'}: "
            f"{e['msg'].removeprefix('Value error, ')}" for e in exc.errors()])) from None
