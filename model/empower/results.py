"""Tidy outputs: one long table, written with the resolved parameters and the version.

Columns: ``scenario, replicate, seed, site, year, metric, group, value``; ``site`` is
the setting's site (a one-site setting's is named after the setting). Stock metrics
(population, prevalence) are measured at the end of ``year``; flow metrics (new
infections, incidence, condom use) cover the whole calendar year.

Files written by :func:`write_results` into the output folder:

* ``results.parquet`` (with the run metadata in the file's key-value metadata) and
  ``results.csv``: the table;
* ``parameters.json``: the resolved scenario and setting, every value with its source;
* ``run.json``: package and library versions, the git commit (when run from a
  checkout), the SHA-256 of every setting and scenario file read, seeds, people
  scale, command, time.

The folder is written as one unit (:mod:`empower.output_folder`): a failed or killed
run leaves the previous folder whole, and existing results are never replaced unless
asked.
"""

from __future__ import annotations

import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from empower import __version__

if TYPE_CHECKING:
    from empower.model import EmpowerModel
    from empower.scenario import Scenario

__all__ = ["TIDY_COLUMNS", "tidy_from_model", "run_metadata", "write_results",
           "write_result_files", "OUTPUT_FILES", "RUN_FOLDER", "missing_note",
           "read_csv_exact"]

TIDY_COLUMNS = ["scenario", "replicate", "seed", "site", "year", "metric", "group", "value"]
OUTPUT_FILES = ("results.parquet", "results.csv", "parameters.json", "run.json")
# what a run folder may hold: its files, and what `empower plot` and `report` add
RUN_FOLDER = (*OUTPUT_FILES, "figures", "report.html")


def output_columns(tables: list[tuple[str, dict[tuple[str, str], Any]]]
                   ) -> tuple[dict[str, Any], dict[str, tuple[str, str]]]:
    """The DataCollector's reporters and, for each of its columns, its (metric, group).

    Each process gives its reporters keyed by ``(metric, group)``; the column name is
    only a label (``metric|group``, as tests and notebooks read the collector), and the
    tidy table takes metric and group from the returned key table, never by splitting
    the label. Two reporters with one (metric,
    group) are an error naming both owners, so no output silently replaces another.
    """
    reporters: dict[str, Any] = {}
    keys: dict[str, tuple[str, str]] = {}
    owners: dict[tuple[str, str], str] = {}
    for owner, table in tables:
        for (metric, group), reporter in table.items():
            if (metric, group) in owners:
                raise ValueError(f"two outputs named {metric!r} for group {group!r}: "
                                 f"from {owners[metric, group]} and {owner}")
            owners[metric, group] = owner
            column = f"{metric}|{group}"
            if column in keys:
                raise ValueError(f"outputs {keys[column]} and {(metric, group)} share the "
                                 f"label {column!r}: names must not contain '|'")
            reporters[column] = reporter
            keys[column] = (metric, group)
    return reporters, keys


def tidy_from_model(model: EmpowerModel, replicate: int) -> pd.DataFrame:
    """The model's DataCollector records as a tidy long table."""
    wide = model.datacollector.get_model_vars_dataframe()
    long = wide.melt(id_vars="year", var_name="column", value_name="value")
    metric, group = zip(*long["column"].map(model.output_keys), strict=True)
    out = pd.DataFrame({
        "scenario": model.scenario.name,
        "replicate": replicate,
        "seed": model.seed,
        "site": long["column"].map(model.output_sites),
        "year": long["year"].astype("int64"),
        "metric": list(metric),
        "group": list(group),
        "value": long["value"].astype("float64"),
    })
    infinite = out[np.isinf(out["value"])]
    if len(infinite):
        first = infinite.iloc[0]
        raise ValueError(f"{len(infinite)} infinite output values, first {first.metric} for "
                         f"{first.group} in {first.year}: a division by zero was not guarded")
    return out[TIDY_COLUMNS]


def read_csv_exact(path: Path, **kwargs: Any) -> pd.DataFrame:
    """``pandas.read_csv`` that reads every float back exactly as it was written.

    pandas before 3 parses floats with a faster routine that can miss the last digit;
    its ``round_trip`` parser is pandas 3's default (where the option is deprecated).
    """
    if int(pd.__version__.split(".")[0]) < 3:
        kwargs.setdefault("float_precision", "round_trip")
    return pd.read_csv(path, **kwargs)


def missing_note(table: pd.DataFrame) -> list[str]:
    """One line per metric with missing values: the groups, and how many years."""
    missing = table[table["value"].isna()]
    lines = []
    for metric, rows in missing.groupby("metric", sort=True):
        groups = ", ".join(f"{g} ({n} years)" for g, n in
                           rows.groupby("group").year.nunique().items())
        lines.append(f"note: {metric} has no value for {groups}: its denominator was zero "
                     "(see Missing values in docs/model.md)")
    return lines


def source_commit() -> dict[str, Any]:
    """The git commit of the code that runs, if it runs from a checkout.

    ``{"commit": sha or None, "dirty": whether tracked files differ from it}``; both
    None when the package is not in a git checkout (an installed wheel) or git is
    missing.
    """
    import subprocess

    here = Path(__file__).resolve().parent
    try:
        sha = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], check=True,
                             capture_output=True, text=True, timeout=10).stdout.strip()
        status = subprocess.run(["git", "-C", str(here), "status", "--porcelain",
                                 "--untracked-files=no"], check=True, capture_output=True,
                                text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": sha, "dirty": bool(status.strip())}


def _sha256(path: Path) -> str | None:
    """The SHA-256 of a file read for a run (None if it is gone)."""
    import hashlib

    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def run_metadata(scenario: Scenario, seeds: list[int], people_scale: float) -> dict[str, Any]:
    """What made a result: versions, commit, seeds, scale, command and time."""
    import mesa
    import numba
    import numpy

    return {
        "empower_version": __version__,
        "git": source_commit(),
        "scenario": scenario.name,
        "scenario_file": str(scenario.path) if scenario.path else None,
        "setting": scenario.params.name,
        "files_sha256": {str(f): _sha256(Path(f)) for f in scenario.files},
        "seeds": list(seeds),
        "people_scale": people_scale,
        "python": platform.python_version(),
        "mesa": mesa.__version__,
        "numpy": numpy.__version__,
        "numba": numba.__version__,
        "pandas": pd.__version__,
        "command": command_line(),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def command_line(argv: list[str] | None = None) -> str:
    """The command as its user typed it, without the folder the program is installed in.

    ``python -m empower.cli`` and the ``empower`` script both read as ``empower``, so a
    record never carries a path of the machine that made it.
    """
    argv = list(sys.argv if argv is None else argv)
    program = Path(argv[0]).name if argv else "empower"
    if program in ("cli.py", "__main__.py", "-m", "-c", ""):
        program = "empower"
    return " ".join([program, *argv[1:]])


def write_result_files(table: pd.DataFrame, folder: Path, scenario: Scenario,
                       meta: dict[str, Any]) -> list[Path]:
    """Write the table, parameters and metadata into ``folder``; return the paths.

    ``folder`` is private (from :func:`empower.output_folder.output_folder`), so the
    files are written directly.
    """
    params_json = scenario.resolved_json()
    meta_json = json.dumps(meta, indent=2)
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    arrow = arrow.replace_schema_metadata({
        **(arrow.schema.metadata or {}),
        b"empower.run": meta_json.encode(),
        b"empower.parameters": params_json.encode(),
    })
    paths = [folder / name for name in OUTPUT_FILES]
    pq.write_table(arrow, paths[0])
    table.to_csv(paths[1], index=False)
    paths[2].write_text(params_json + "\n")
    paths[3].write_text(meta_json + "\n")
    return paths


def write_results(
    table: pd.DataFrame, out_dir: Path, scenario: Scenario, meta: dict[str, Any],
    overwrite: bool = False,
) -> list[Path]:
    """Write the table, parameters and metadata into ``out_dir`` as one unit.

    Returns:
        The paths of the files written, in ``out_dir``.

    Raises:
        FolderRefused: Results are there already and ``overwrite`` is False, or the
            folder holds files a run does not write.
        FolderInUse: Another command is writing into ``out_dir``.
    """
    from empower.output_folder import output_folder

    out_dir = Path(out_dir)
    with output_folder(out_dir, overwrite=overwrite, ours=RUN_FOLDER) as folder:
        names = [p.name for p in write_result_files(table, folder, scenario, meta)]
    return [out_dir / n for n in names]
