"""Whether numba's on-disk cache holds the model's kernels, and a notice when it does not.

The kernels are compiled with ``cache=True``: the first run after installing or
changing the package compiles them (about 20-30 s) and writes index files (``.nbi``)
beside each module in ``__pycache__``; later runs load them. A run that is about to
compile says so, so a user does not take the pause (and the progress bar's first,
wild estimate) for a hang.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["KERNEL_MODULES", "cache_is_warm", "warn_if_compiling"]

KERNEL_MODULES = ("kernels", "cascade_kernels", "structural_kernels", "population", "rng")


def cache_is_warm(package_dir: Path | None = None) -> bool:
    """True when every kernel module has cache index files newer than its source.

    With ``NUMBA_CACHE_DIR`` set the cache lives elsewhere and is assumed warm.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return True
    pkg = package_dir or Path(__file__).resolve().parent
    for name in KERNEL_MODULES:
        source = pkg / f"{name}.py"
        index = list((pkg / "__pycache__").glob(f"{name}.*.nbi"))
        if not index or max(i.stat().st_mtime for i in index) < source.stat().st_mtime:
            return False
    return True


def warn_if_compiling(stream=None) -> bool:
    """Print a notice if the kernels will be compiled; return whether it was printed."""
    if cache_is_warm():
        return False
    print("compiling the model (first run only, about 20-30 s; later runs reuse the cache)",
          file=stream or sys.stderr, flush=True)
    return True
