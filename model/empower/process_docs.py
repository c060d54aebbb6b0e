"""Each process folder's README, made from the process's declarations and PHASES.

``python -m empower.process_docs`` writes ``processes/NAME/README.md`` for every
process; a test keeps each file equal to what this module makes, so a README never
disagrees with the code it describes.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

from empower.core.process import Process
from empower.core.stream_names import STREAMS
from empower.phases import FACTORS, PHASES, PROCESSES

__all__ = ["readme", "write_readmes"]

_PACKAGE = Path(__file__).resolve().parent

# What each kind of file in a process folder holds
_FILES = {
    "process.py": "the process: its declarations, steps and reporters",
    "kernels.py": "its numba kernels (one pass over people per decision)",
    "parameters.py": "its parameter section: names, units, allowed ranges",
    "rules.py": "its pure rules, tested on their own",
}


def _list(items, describe=None) -> list[str]:
    if not items:
        return ["none"]
    return [f"- `{x}`" + (f": {describe(x)}" if describe else "") for x in items]


def readme(cls: type[Process]) -> str:
    """The README of ``cls``'s folder (Markdown)."""
    module = sys.modules[cls.__module__]
    summary = inspect.getdoc(module).split("\n\n")[0].replace("\n", " ")
    folder = Path(module.__file__).parent
    factor_of = dict(FACTORS)
    lines = [f"# {cls.name}", "", summary, "",
             "Steps, sources and parameters: the docstring of `process.py`.", "",
             "## Phases of the week", ""]
    lines += [f"- {i}. `{p.name}`: {p.does}" for i, p in enumerate(PHASES, 1)
              if p.process is cls]
    lines += ["", "## Files", ""]
    lines += [f"- `{f}`: {what}" for f, what in _FILES.items() if (folder / f).is_file()]
    sections = [f"`[{s}]`" for s in cls.sections]
    lines += ["", "## Declarations", "",
              "Parameter sections: " + (", ".join(sections) if sections else "none") + ".", "",
              "Population columns it owns:", "", *_list(cls.columns), "",
              "Structural factors it writes:", "",
              *_list(cls.factors, lambda f: factor_of[f]), "",
              "Columns of others it reads:", "", *_list(cls.reads), "",
              "Random streams:", "", *_list(cls.streams, lambda s: STREAMS[s]), "",
              "Products of the week it publishes:", "", *_list(cls.publishes), "",
              "Products of earlier phases it uses:", "", *_list(cls.uses), ""]
    return "\n".join(lines)


def write_readmes() -> list[Path]:
    """Write every process's README; the files written."""
    written = []
    for cls in PROCESSES:
        path = _PACKAGE / "processes" / cls.name / "README.md"
        path.write_text(readme(cls), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_readmes():
        print(path.relative_to(_PACKAGE.parent))
