"""``empower init``: start a new city from a setting and the scenario templates.

Steps:

1. Refuse a folder that already holds files (nothing is ever overwritten).
2. Copy the setting (``--from``, default ``mysore``) to ``DIR/seeds/NAME.toml`` with its
   ``name`` changed and a header that says every value is still the source city's, to be
   replaced with the new city's and its source.
3. Copy the policy scenarios (not the source city's history, which is its own) to
   ``DIR/scenarios/``, pointing at the new setting.
4. Validate the copies, and print what to do next (docs/new-setting.md).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from empower.scenario import ConfigError

__all__ = ["add_init_parser", "init_command", "TEMPLATES"]

TEMPLATES = ("status_quo", "decriminalisation", "end_demand", "crackdown", "funding_cut",
             "donor_transition", "scale_up", "combined")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def add_init_parser(sub) -> None:
    """The ``init`` subcommand's options."""
    p = sub.add_parser("init", help="start a new city: copy a setting and the scenario "
                       "templates into a folder",
                       description="Copy a setting (every value with its source) and the "
                       "policy scenarios into DIR, renamed for a new city, to be edited "
                       "value by value (docs/new-setting.md).")
    p.add_argument("folder", type=Path, help="a new or empty folder")
    p.add_argument("--name", required=True,
                   help="the new setting's name (lower case, digits, underscores)")
    p.add_argument("--from", dest="source", default="mysore",
                   help="the setting to start from (mysore)")


def init_command(args: argparse.Namespace) -> int:
    """Run ``empower init`` (module steps)."""
    from empower.catalogue import folders
    from empower.scenario import validate_file

    problems = []
    if not _NAME.match(args.name):
        problems.append(f"--name: {args.name!r}: use lower-case letters, digits and "
                        "underscores, starting with a letter")
    if args.folder.exists() and (not args.folder.is_dir() or any(args.folder.iterdir())):
        problems.append(f"folder: {args.folder} already exists and is not an empty folder; "
                        "init never overwrites")
    source = next((f / f"{args.source}.toml" for f in folders("seeds")
                   if (f / f"{args.source}.toml").is_file()), None)
    if source is None:
        problems.append(f"--from: no setting named {args.source!r}")
    scenario_dir = next((f for f in folders("scenarios")
                         if all((f / f"{t}.toml").is_file() for t in TEMPLATES)), None)
    if scenario_dir is None:
        problems.append("the scenario templates were not found (scenarios/)")
    if problems:
        raise ConfigError(problems)

    text = source.read_text(encoding="utf-8")
    text = re.sub(r'^name = ".*"$', f'name = "{args.name}"', text, count=1, flags=re.M)
    header = (f"# {args.name}: started from the {args.source} setting by `empower init`.\n"
              f"# EVERY VALUE BELOW IS STILL {args.source.upper()}'S: replace each with this "
              "city's,\n# with its source, or mark it \"assumption\" with a range "
              "(docs/new-setting.md).\n#\n")
    (args.folder / "seeds").mkdir(parents=True, exist_ok=True)
    (args.folder / "scenarios").mkdir(exist_ok=True)
    setting = args.folder / "seeds" / f"{args.name}.toml"
    setting.write_text(header + text, encoding="utf-8")
    written = [setting]
    for name in TEMPLATES:
        body = (scenario_dir / f"{name}.toml").read_text(encoding="utf-8")
        body = re.sub(r'^setting = ".*"$', f'setting = "{args.name}"', body, flags=re.M)
        note = (f"# Copied by `empower init` from the {args.source} scenarios: the text below "
                f"still\n# describes {args.source}; its changes now apply to {args.name}. "
                "Rewrite the text and check\n# each change (years, budgets) for this city.\n#\n")
        path = args.folder / "scenarios" / f"{name}.toml"
        path.write_text(note + body, encoding="utf-8")
        written.append(path)
    for path in written:
        validate_file(path)
    print(f"wrote {len(written)} files into {args.folder}: {setting.name} and "
          f"{len(TEMPLATES)} scenarios (validated).")
    print(f"Next: edit {setting} value by value (docs/new-setting.md), then\n"
          f"  empower validate {setting} {args.folder / 'scenarios'}/*.toml\n"
          f"  empower run {args.folder / 'scenarios' / 'status_quo.toml'} --replicates 3 "
          f"--out {args.folder / 'out' / 'status_quo'}")
    return 0
