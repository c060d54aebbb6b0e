"""The lowest-versions job pins exactly the floors pyproject.toml declares."""

from __future__ import annotations

import re
import tomllib

from conftest import REPO


def _floors() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    floors = {}
    for req in requirements:
        match = re.match(r"([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*>=\s*([0-9][0-9.]*)", req)
        assert match, f"pyproject.toml: {req!r} has no >= floor"
        floors[match.group(1).lower()] = match.group(3)
    return floors


def _pins() -> dict[str, str]:
    pins = {}
    for line in (REPO / ".ci" / "lowest-versions.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


def _same(floor: str, pin: str) -> bool:
    pad = [int(p) for p in floor.split(".")] + [0] * 3
    return pad[:3] == ([int(p) for p in pin.split(".")] + [0] * 3)[:3]


def test_every_declared_floor_is_pinned_at_exactly_that_version_for_the_lowest_versions_job():
    floors, pins = _floors(), _pins()
    assert set(floors) == set(pins), (set(floors) ^ set(pins))
    for name, floor in floors.items():
        assert _same(floor, pins[name]), (name, floor, pins[name])
