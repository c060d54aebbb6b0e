"""Whether numba's on-disk cache holds the model's kernels, and a notice when it does not.

The kernels are compiled with ``cache=True``: the first run after installing or
changing the package compiles them (about 20-30 s) and stores them beside each module
in ``__pycache__`` (``NAME.FUNCTION-LINE.pyXY.nbi`` indexes); later runs load them. A run
that is about to compile says so, so a user does not take the pause (and the progress
bar's first, wild estimate) for a hang.

The check reads the indexes without importing the kernels (importing compiles those
with explicit signatures): a module is cached if an index was written by this numba
for the module's current source. Numba stamps an index with the source's SHA-256
(0.60 and later) or its modification time and size (earlier); either counts. If the
format is not understood, the check says "cached" and the notice is not shown.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from pathlib import Path

__all__ = ["kernel_modules", "cache_is_warm", "warn_if_compiling"]

# Modules with numba kernels, as paths within the package without ".py": shared
# kernels are core/*_kernels.py, a process's are processes/NAME/kernels.py.
_KERNEL_GLOBS = ("core/*_kernels.py", "processes/*/kernels.py", "population.py", "rng.py")


def kernel_modules(package_dir: Path | None = None) -> tuple[str, ...]:
    """The package's modules that hold numba kernels (paths without ``.py``)."""
    pkg = package_dir or Path(__file__).resolve().parent
    found = sorted({p.relative_to(pkg).with_suffix("").as_posix()
                    for pattern in _KERNEL_GLOBS for p in pkg.glob(pattern)})
    return tuple(found)


def _module_cached(source: Path, numba_version: str) -> bool:
    data = source.read_bytes()
    st = source.stat()
    fresh = {hashlib.sha256(data).digest(), (st.st_mtime, st.st_size)}
    for index in (source.parent / "__pycache__").glob(f"{source.stem}.*.nbi"):
        try:
            with index.open("rb") as fh:
                version = pickle.load(fh)  # noqa: S301 (numba's own file, beside ours)
                stamp, _ = pickle.loads(fh.read())  # noqa: S301
        except Exception:
            continue
        if version == numba_version and stamp in fresh:
            return True
    return False


def cache_is_warm(package_dir: Path | None = None,
                  modules: tuple[str, ...] | None = None) -> bool:
    """True unless one of the kernel modules has no index for its current source.

    ``modules``: paths within ``package_dir`` without ``.py`` (default: every module
    with kernels, :func:`kernel_modules`).
    """
    try:
        import numba

        pkg = package_dir or Path(__file__).resolve().parent
        names = kernel_modules(pkg) if modules is None else modules
        return all(_module_cached(pkg / f"{name}.py", numba.__version__) for name in names)
    except Exception:  # an unexpected layout: no notice rather than a wrong one
        return True


def warn_if_compiling(stream=None) -> bool:
    """Print a notice if the kernels will be compiled; return whether it was printed."""
    if cache_is_warm():
        return False
    print("compiling the model (first run only, about 20-30 s; later runs reuse the cache)",
          file=stream or sys.stderr, flush=True)
    return True
