"""Where settings and scenarios are found by name.

A name (``status_quo``, ``mysore``) is looked up, in order, in the working folder's
``scenarios/`` or ``seeds/``, in the source checkout the package runs from, and in the
package's own data (``empower/data/``, which a built wheel carries: see ``setup.py``).
A path to an existing file is always used as given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

__all__ = ["folders", "known_names", "find_scenario"]

Kind = Literal["scenarios", "seeds"]
PACKAGE_DIR = Path(__file__).resolve().parent
CHECKOUT_DIR = PACKAGE_DIR.parents[1]  # model/empower -> the repository root


def folders(kind: Kind) -> list[Path]:
    """The folders searched for ``kind``, in order, that exist."""
    places = [Path.cwd() / kind, CHECKOUT_DIR / kind, PACKAGE_DIR / "data" / kind]
    seen, out = set(), []
    for place in places:
        key = place.resolve()
        if place.is_dir() and key not in seen:
            seen.add(key)
            out.append(place)
    return out


def known_names(kind: Kind) -> list[str]:
    """Every name found in :func:`folders` (files ``NAME.toml``; posteriors excluded)."""
    return sorted({p.stem for folder in folders(kind) for p in folder.glob("*.toml")})


def find_scenario(path_or_name: Path | str) -> Path | None:
    """The scenario file a command-line argument means, or None if none matches.

    An existing file is itself; a bare name (no folder part, with or without
    ``.toml``) is looked up in :func:`folders`.
    """
    given = Path(path_or_name)
    if given.is_file():
        return given
    if given.parent != Path(".") or given.exists():
        return None
    name = given.name.removesuffix(".toml")
    for folder in folders("scenarios"):
        candidate = folder / f"{name}.toml"
        if candidate.is_file():
            return candidate
    return None
