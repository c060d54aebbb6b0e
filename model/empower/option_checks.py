"""Checks of command-line options shared by the commands, one message per problem.

Each check returns a list holding the one message that names the option, what is
allowed and what was given, or an empty list; a command joins them and raises one
:class:`empower.input_file.ConfigError`, so every bad option is reported at once.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal, get_args

__all__ = ["EXECUTORS", "Executor", "at_least", "positive_finite", "seed_range", "threads_range",
           "output_folder", "output_file", "scheduler_needs_dask"]


def at_least(option: str, value: int, least: int, why: str = "") -> list[str]:
    """``value`` must be at least ``least`` (``why``: the reason, for the message)."""
    if value >= least:
        return []
    because = f" ({why})" if why else ""
    return [f"{option}: must be at least {least}{because}, got {value}"]


def positive_finite(option: str, value: float) -> list[str]:
    """``value`` must be a finite number above 0."""
    if value > 0 and math.isfinite(value):
        return []
    return [f"{option}: must be a finite number above 0, got {value}"]


def seed_range(seed: int, replicates: int, option: str = "--seed") -> list[str]:
    """Replicate seeds ``seed`` .. ``seed + replicates - 1`` must fit the streams' 63 bits."""
    if 0 <= seed <= 2**63 - max(replicates, 1):
        return []
    return [f"{option}: must be from 0 to 2**63 - replicates, got {seed}"]


def threads_range(threads: int | None, option: str = "--threads") -> list[str]:
    """``threads`` (None: numba's default) must be from 1 to numba's thread count."""
    if threads is None:
        return []
    import numba

    top = numba.config.NUMBA_NUM_THREADS
    if 1 <= threads <= top:
        return []
    return [f"{option}: must be from 1 to {top}, got {threads}"]


def output_folder(path: Path | None, option: str = "--out") -> list[str]:
    """An output folder must not be an existing file."""
    if path is None or not path.exists() or path.is_dir():
        return []
    return [f"{option}: {path} is a file, not a folder"]


def output_file(path: Path | None, option: str = "--out") -> list[str]:
    """An output file must not be an existing folder."""
    if path is None or not path.is_dir():
        return []
    return [f"{option}: {path} is a folder; give the file's name"]


#: Where a baseline's runs go (``--executor``): here (or spawned processes with workers
#: > 1), the sweep's local process pool, or a Dask cluster.
Executor = Literal["in-process", "local", "dask"]
EXECUTORS: tuple[str, ...] = get_args(Executor)


def scheduler_needs_dask(scheduler: str | None, executor: str) -> list[str]:
    """A Dask scheduler's address only makes sense with the Dask executor."""
    if scheduler and executor != "dask":
        return ["--scheduler: only with --executor dask"]
    return []
