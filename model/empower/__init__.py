"""empower: an agent-based model of HIV and STIs among sex workers, clients and partners.

Under community empowerment, in legal and funding environments that help or hinder it.
The Python API (docs/api.md): :func:`load`, :meth:`Scenario.with_overrides`,
:func:`run` and :func:`compare`; imported on first use, so ``empower --version`` and
``empower validate`` stay quick. Importing it makes idle kernel threads sleep rather
than spin (:mod:`empower.thread_waiting`), unless ``OMP_WAIT_POLICY`` is set.
"""

from importlib.metadata import PackageNotFoundError, version

from empower.thread_waiting import wait_passively

wait_passively()  # before numba starts its threads: see empower.thread_waiting

try:
    __version__ = version("empower")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"

__all__ = ["__version__", "load", "run", "compare", "Scenario", "Comparison", "ConfigError"]

_LAZY = {"load": "empower.api", "run": "empower.api", "compare": "empower.compare",
         "Comparison": "empower.compare", "Scenario": "empower.scenario",
         "ConfigError": "empower.scenario"}


def __getattr__(name: str):
    """The API's names, imported when first used."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'empower' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
