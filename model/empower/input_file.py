"""Reading an input file (setting, scenario, targets, experiment) within limits.

Every TOML file the model reads comes through :func:`read_toml`:

1. Only a regular file is read: a folder, a FIFO, a device (``/dev/zero``) or a socket
   is refused before anything is read (the file is opened without blocking and
   checked on the open descriptor, so a FIFO cannot hang the command).
2. At most :data:`MAX_BYTES` are read; a larger file is refused.
3. The text must be UTF-8; a byte-order mark at its start is accepted and dropped.
4. Tables and arrays may nest at most :data:`MAX_DEPTH` deep.

Each refusal is a :class:`ConfigError` naming the file and what is allowed.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any

__all__ = ["ConfigError", "read_toml", "MAX_BYTES", "MAX_DEPTH", "MAX_PROBLEMS",
           "capped"]

MAX_BYTES = 1 << 20  # 1 MiB: the Mysore setting is 34 kB
MAX_DEPTH = 16  # the deepest real key is five levels (mobilisation.groups.x.venues)
MAX_PROBLEMS = 50  # problems reported a file; the rest are counted


class ConfigError(Exception):
    """A user error in a setting or scenario file; each problem names file and key."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML data of ``path``; ConfigError naming the file if it cannot be had."""
    path = Path(path)
    text = _read_text(path)
    try:
        data = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: not valid TOML: {exc}"]) from None
    except RecursionError:
        raise ConfigError([f"{path}: nested too deeply (at most {MAX_DEPTH} levels)"]
                          ) from None
    if _depth(data) > MAX_DEPTH:
        raise ConfigError([f"{path}: nested too deeply (at most {MAX_DEPTH} levels of "
                           "tables and arrays)"])
    return data


def _read_text(path: Path) -> str:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found"]) from None
    except IsADirectoryError:
        raise ConfigError([f"{path}: is a folder, not a TOML file"]) from None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot be read: {exc.strerror}"]) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise ConfigError([f"{path}: is a folder, not a TOML file"])
        if not stat.S_ISREG(mode):
            raise ConfigError([f"{path}: is not a regular file (a pipe, device or socket); "
                               "give a TOML file"])
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError([f"{path}: cannot be read: {exc.strerror}"]) from None
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        raise ConfigError([f"{path}: larger than {MAX_BYTES // 1024} KiB; an input file "
                           "holds parameters, not data"])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: not a text file in UTF-8"]) from None


def _depth(data: Any) -> int:
    """How deep tables and arrays nest in ``data`` (iterative: no recursion limit)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            return depth
        stack.extend((child, depth + 1) for child in children)
    return deepest


def capped(problems: list[str]) -> list[str]:
    """``problems`` without repeats, at most :data:`MAX_PROBLEMS`, then a count."""
    unique = list(dict.fromkeys(problems))
    if len(unique) <= MAX_PROBLEMS:
        return unique
    return [*unique[:MAX_PROBLEMS], f"... and {len(unique) - MAX_PROBLEMS} more problems"]
