"""The ``empower`` command and its subcommands (run, compare, sweep, calibrate, ...).

Exit codes: 0 success; 2 a user error (a bad file, key, value or option), reported in
one message per problem that names the file and the key, without a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from empower import __version__
from empower.interrupt import EXIT_CODE, Interrupted, terminate_as_interrupt
from empower.output_folder import FolderInUse, FolderRefused
from empower.scenario import ConfigError, load_scenario, validate_file

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["main"]

USER_ERROR = 2

SUMMARY_ROWS = [
    ("population", "sex_workers"),
    ("hiv_prevalence", "sex_workers"),
    ("hiv_prevalence", "clients"),
    ("hiv_prevalence", "partners"),
    ("hiv_incidence_per_100py", "sex_workers"),
    ("new_hiv_infections", "all"),
    ("condom_use", "one_off"),
]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # exit 2 with a one-line message
        self.print_usage(sys.stderr)
        print(f"empower: error: {message}", file=sys.stderr)
        raise SystemExit(USER_ERROR)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="empower", description="An agent-based model of HIV and STIs "
                     "among sex workers, clients and partners: run, compare, sweep, "
                     "calibrate and report.", epilog="Each command's options: empower "
                     "COMMAND --help. Docs: README.md and docs/.")
    parser.add_argument("--version", action="version", version=f"empower {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run a scenario and write its tidy results")
    run.add_argument("scenario", type=Path, help="scenario: a name (status_quo) or a file (TOML)")
    run.add_argument("--replicates", type=int, default=1, help="number of replicates (1)")
    run.add_argument("--seed", type=int, default=1, help="seed of replicate 0 (1)")
    run.add_argument("--out", type=Path, default=Path("out"), help="output folder (out/)")
    run.add_argument("--people-scale", type=float, default=1.0,
                     help="multiply the setting's group sizes (1.0)")
    run.add_argument("--workers", type=int, default=1, help="worker processes (1)")
    run.add_argument("--threads", type=int, default=None,
                     help="numba threads in this process (default: all cores for large "
                          "populations, 1 for small)")
    run.add_argument("--posterior", nargs="?", type=Path, const=True, default=None,
                     metavar="FILE",
                     help="sample parameters from a posterior (default: the one stored "
                          "beside the setting, NAME.posterior.csv); replicate r uses the "
                          "draw its seed picks, the same in every scenario")
    run.add_argument("--overwrite", action="store_true", help="replace results in --out")
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    sv = sub.add_parser("survey", help="field simulated IBBA-style surveys of sex workers",
                        description="Run a scenario up to its surveys and measure sex "
                        "workers as the field studies did: prevalence, condom use at last "
                        "sex and over a recall period, past-year violence and policing, "
                        "and odds ratios (crude and adjusted for years in sex work).")
    sv.add_argument("scenario", type=Path, help="scenario: a name (status_quo) or a file (TOML)")
    sv.add_argument("--year", type=int, action="append", required=True,
                    help="survey year (repeat for several); see --fieldwork")
    sv.add_argument("--sample", type=int, default=400, help="respondents per survey (400)")
    sv.add_argument("--recall-days", type=int, default=30,
                    help="recall period for consistent condom use, days (30)")
    sv.add_argument("--sampling", choices=("simple", "venue"), default="simple",
                    help="simple random, or stratified by venue type (simple)")
    sv.add_argument("--fieldwork", type=float, default=0.5,
                    help="when in each survey year fieldwork happens, as a fraction of "
                         "the year (0.5: mid-year)")
    sv.add_argument("--replicates", type=int, default=1, help="number of replicates (1)")
    sv.add_argument("--seed", type=int, default=1, help="seed of replicate 0 (1)")
    sv.add_argument("--people-scale", type=float, default=1.0,
                    help="multiply the setting's group sizes (1.0)")
    sv.add_argument("--posterior", nargs="?", type=Path, const=True, default=None,
                    metavar="FILE",
                    help="sample parameters from a posterior, as empower run --posterior")
    sv.add_argument("--out", type=Path, default=None,
                    help="folder for respondents.parquet, estimates.csv, odds_ratios.csv "
                         "and survey.json (none: print only)")
    sv.add_argument("--overwrite", action="store_true", help="replace a survey in --out")

    cal = sub.add_parser("calibrate", help="fit a setting's uncertain values to survey "
                         "targets with ABC-SMC (pyabc)")
    cal.add_argument("setting", type=Path, help="setting file (seeds/NAME.toml)")
    cal.add_argument("--targets", type=Path, required=True,
                     help="targets file: scenario, priors and targets (TOML)")
    cal.add_argument("--out", type=Path, required=True, help="output folder")
    cal.add_argument("--population", type=int, default=50, help="particles a generation (50)")
    cal.add_argument("--generations", type=int, default=4, help="ABC-SMC generations (4)")
    cal.add_argument("--max-minutes", type=float, default=None,
                     help="stop starting generations after this wall time (none)")
    cal.add_argument("--resume", action="store_true",
                     help="continue the calibration in --out for --generations more "
                     "(0: only write its outputs again)")
    cal.add_argument("--generation", type=int, default=None,
                     help="generation whose particles make the posterior (the last)")
    cal.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                     help="processes (all cores)")
    cal.add_argument("--seed", type=int, default=1, help="seed (1)")
    cal.add_argument("--kernel-scaling", type=float, default=4.0,
                     help="multiply the covariance of pyabc's proposal kernels (4; pyabc's "
                          "own default of 1 collapses the weights here)")
    cal.add_argument("--people-scale", type=float, default=1.0,
                     help="multiply the setting's group sizes in every run (1.0)")
    cal.add_argument("--draws", type=int, default=100, help="posterior draws to keep (100)")
    cal.add_argument("--predictive", type=int, default=20,
                     help="posterior draws run again for the fit (20)")
    cal.add_argument("--store", action="store_true",
                     help="also store the posterior beside the setting (NAME.posterior.csv)")
    cal.add_argument("--overwrite", action="store_true", help="replace a calibration in --out")
    cal.add_argument("--quiet", action="store_true", help="no progress messages")

    from empower.compare_cli import add_compare_parser

    add_compare_parser(sub)
    from empower.sweep_cli import add_sweep_parser

    add_sweep_parser(sub)
    from empower.init_cli import add_init_parser

    add_init_parser(sub)
    from empower.baseline_cli import add_baseline_parser

    add_baseline_parser(sub)
    plot = sub.add_parser("plot", help="draw the figures of a run or comparison folder",
                          description="Draw every figure a folder supports (PNG and SVG, "
                          "into FOLDER/figures/): trajectories with 95%% ranges for a run; "
                          "for a comparison also infections averted, coverage, the care "
                          "cascade, violence and spending.")
    plot.add_argument("folder", type=Path, help="an empower run or empower compare --out folder")
    rep = sub.add_parser("report", help="write the policy report of a comparison (HTML)",
                         description="Render one self-contained HTML file (figures embedded, "
                         "nothing loaded from the network) from an empower compare folder.")
    rep.add_argument("folder", type=Path, help="an empower compare --out folder")
    rep.add_argument("--out", type=Path, default=None, help="the HTML file (FOLDER/report.html)")

    val = sub.add_parser("validate", help="check settings and scenarios without running")
    val.add_argument("files", type=Path, nargs="+", help="setting or scenario files")
    return parser


def summary_table(table: pd.DataFrame, people_scale: float = 1.0) -> str:
    """First and last year of key metrics: median over replicates (min to max).

    With several sites, one block of rows per site, under its name.
    """
    years = sorted(table["year"].unique())
    first, last = years[0], years[-1]
    n = table["replicate"].nunique()
    scale = ("" if people_scale == 1 else
             f"; counts are of the model's people at people scale {people_scale:g}")
    lines = [f"Median over {n} replicate{'s' if n != 1 else ''} (min-max). Prevalence and "
             "population at the end of the year; new infections, incidence and condom "
             f"use over the year{scale}.",
             f"{'metric':<26}{'group':<14}{first:>22}{last:>22}"]
    sites = list(dict.fromkeys(table["site"])) if "site" in table else [None]
    for site in sites:
        rows = table if site is None else table[table.site == site]
        if len(sites) > 1:
            lines.append(f"site {site}")
        lines += [_summary_row(rows, metric, group, (first, last))
                  for metric, group in SUMMARY_ROWS]
    return "\n".join(lines)


def _summary_row(table: pd.DataFrame, metric: str, group: str, years: tuple[int, int]) -> str:
    cells = []
    for year in years:
        v = table.loc[(table.metric == metric) & (table.group == group)
                      & (table.year == year), "value"]
        if v.empty:
            cells.append("-")
        elif metric.startswith(("hiv_prevalence", "condom")):
            cells.append(f"{100 * v.median():.1f}% ({100 * v.min():.1f}-{100 * v.max():.1f})")
        else:
            cells.append(f"{v.median():.1f} ({v.min():.1f}-{v.max():.1f})")
    return f"{metric:<26}{group:<14}{cells[0]:>22}{cells[1]:>22}"


def run_option_problems(args: argparse.Namespace) -> list[str]:
    """Problems with the options every running command shares, one message each.

    Replicates, seed, people scale, workers, threads (where the command has them), and
    an --out that is a file.
    """
    from empower.option_checks import (
        at_least,
        output_folder,
        positive_finite,
        seed_range,
        threads_range,
    )

    return [*at_least("--replicates", args.replicates, 1),
            *seed_range(args.seed, args.replicates),
            *positive_finite("--people-scale", args.people_scale),
            *at_least("--workers", args.workers, 1),
            *threads_range(getattr(args, "threads", None)),
            *output_folder(args.out)]


def _run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from empower.experiment import replicate_seeds, run_replicates
    from empower.jit_cache import warn_if_compiling
    from empower.posterior import posterior_runs
    from empower.results import RUN_FOLDER, missing_note, run_metadata, write_result_files

    if problems := run_option_problems(args):
        raise ConfigError(problems)
    scenario = load_scenario(args.scenario)
    check_size(scenario, args.people_scale)
    seeds = replicate_seeds(args.seed, args.replicates)
    runs, posterior_meta = posterior_runs(args.scenario, scenario, seeds, args.posterior)
    n_steps = scenario.n_steps * len(seeds)
    with writing_into(args.out, args.overwrite, RUN_FOLDER, "results") as folder:
        started = time.perf_counter()
        warn_if_compiling()
        with tqdm(total=n_steps, unit="wk", disable=True if args.quiet else None,
                  desc=scenario.name, file=sys.stderr) as bar:
            table = run_replicates(runs, seeds, args.people_scale, args.workers, bar.update,
                                   args.threads)
        elapsed = time.perf_counter() - started
        meta = run_metadata(scenario, seeds, args.people_scale)
        meta["elapsed_seconds"] = round(elapsed, 3)
        if posterior_meta is not None:
            meta["posterior"] = posterior_meta
        names = [p.name for p in write_result_files(table, folder, scenario, meta)]
    print(f"scenario {scenario.name}: {len(seeds)} replicate(s), "
          f"{scenario.start_year}-{scenario.end_year}, {elapsed:.1f} s")
    print(summary_table(table, args.people_scale))
    for line in missing_note(table):
        print(line, file=sys.stderr)
    print("wrote " + ", ".join(str(args.out / n) for n in names))
    return 0


def check_size(scenario, people_scale: float) -> None:
    """ConfigError naming the scenario if its run has an empty group or cannot fit."""
    from empower.run_size import RunTooLarge, check_run_size

    try:
        check_run_size(scenario, people_scale)
    except RunTooLarge as exc:
        raise ConfigError([f"{scenario.path or scenario.name}: {exc}"]) from None


@contextlib.contextmanager
def writing_into(out: Path, overwrite: bool, ours: tuple[str, ...], what: str):
    """:func:`empower.output_folder.output_folder` for a command's ``--out``.

    A folder in use or refused is found before any work (main() names ``--out``); an
    unwritable one is a ConfigError naming it; a failure to write at the end leaves the
    folder as it was.
    """
    from empower.output_folder import output_folder

    try:  # FolderInUse and FolderRefused reach main(), which names --out
        with output_folder(out, overwrite=overwrite, ours=ours, what=what) as folder:
            yield folder
    except OSError as exc:
        if exc.errno not in _WRITE_ERRORS:
            raise
        raise ConfigError([f"--out: cannot write into {out}: {exc.strerror or exc}; "
                           "nothing there was changed"]) from None


# errors of writing a folder: permission, read-only, no space, quota, name too long
_WRITE_ERRORS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT,
                 errno.ENAMETOOLONG, errno.ENOTDIR, errno.EEXIST}


# command -> "module:function", imported when the command runs (start-up stays quick)
_COMMANDS = {"survey": "empower.survey_cli:survey_command",
             "calibrate": "empower.calibrate_cli:calibrate_command",
             "compare": "empower.compare_cli:compare_command",
             "sweep": "empower.sweep_cli:sweep_command",
             "sensitivity": "empower.sweep_cli:sensitivity_command",
             "init": "empower.init_cli:init_command",
             "baseline": "empower.baseline_cli:baseline_command"}


def _lazy(args: argparse.Namespace) -> int:
    import importlib

    module, function = _COMMANDS[args.command].split(":")
    return getattr(importlib.import_module(module), function)(args)


def _plot(args: argparse.Namespace) -> int:
    from empower.plots import plot_folder

    try:
        paths = plot_folder(args.folder)
    except FileNotFoundError as exc:
        raise ConfigError([f"folder: {exc}"]) from None
    print(f"wrote {len(paths)} files into {args.folder / 'figures'}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from empower.plots import plot_folder
    from empower.report import write_report

    try:
        if not (args.folder / "figures").is_dir():
            plot_folder(args.folder)
        path = write_report(args.folder, args.out)
    except FileNotFoundError as exc:
        raise ConfigError([f"folder: {exc}"]) from None
    print(f"wrote {path}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    problems: list[str] = []
    for path in args.files:
        try:
            print(f"{path}: ok ({validate_file(path)})")
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    return 0


def printable(text: str) -> str:
    r"""``text`` with control characters (terminal escape codes) shown as ``\xNN``."""
    return "".join(c if c.isprintable() or c in "\n\t" else repr(c)[1:-1] for c in text)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``empower`` command.

    Exit codes: 0 done, 1 done with failed runs (sweep), 2 bad input, 130 interrupted
    (Ctrl-C or SIGTERM: the workers are stopped, one line says what was kept).
    """
    args = _parser().parse_args(argv)
    terminate_as_interrupt()
    try:
        command = {"run": _run, "plot": _plot, "report": _report, "validate": _validate,
                   **dict.fromkeys(_COMMANDS, _lazy)}[args.command]
        return command(args)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"error: {printable(problem)}", file=sys.stderr)
        return USER_ERROR
    except (FolderInUse, FolderRefused) as exc:  # every command that writes --out
        print(f"error: --out: {printable(str(exc))}", file=sys.stderr)
        return USER_ERROR
    except Interrupted as exc:
        print(f"\ninterrupted; {exc}", file=sys.stderr)
        return EXIT_CODE
    except KeyboardInterrupt:
        print("\ninterrupted; the workers were stopped and --out was left as it was",
              file=sys.stderr)
        return EXIT_CODE
    except BrokenPipeError:  # output piped into a reader that stopped (e.g. head)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
