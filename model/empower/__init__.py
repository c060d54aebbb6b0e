"""empower: an agent-based model of HIV and STIs among sex workers, clients and partners.

Under community empowerment, in legal and funding environments that help or hinder it.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("empower")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
