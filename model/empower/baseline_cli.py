"""``empower baseline save`` and ``empower baseline check``: regression checks for CI.

``save SCENARIO... --replicates N --out FILE`` runs the scenarios and writes their
baseline (:mod:`empower.baseline`, :mod:`empower.baseline_file`). ``check FILE`` runs
them again and compares (:mod:`empower.baseline_compare`): exit 0 when everything is
within tolerance, 1 when something drifted (a table of what moved, and with
``--markdown`` the same as Markdown for a CI job summary), 2 when the baseline file or
an option is bad. ``--exact`` also requires every replicate's whole table to be
bit-identical to the baseline's (same seeds and platform; any number of workers or
threads, on any executor: here, local processes or Dask). Updating a baseline is
``save`` again, into the same file: a change that is seen in the commit, never
automatic.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from empower.scenario import ConfigError

__all__ = ["add_baseline_parser", "baseline_command"]

DRIFT = 1


def add_baseline_parser(sub) -> None:
    """The ``baseline`` command and its ``save`` and ``check`` subcommands."""
    bl = sub.add_parser("baseline", help="save or check a regression baseline (for CI)",
                        description="Record a model's outputs and behaviour as a baseline "
                        "file, and check a later run against it: exit 0 within tolerance, "
                        "1 on drift (with a table of what moved), 2 on a bad file.")
    what = bl.add_subparsers(dest="baseline_command", required=True,
                             parser_class=type(bl))
    save = what.add_parser("save", help="run scenarios and write their baseline")
    save.add_argument("scenarios", type=Path, nargs="+",
                      help="scenarios: names (status_quo) or files (TOML)")
    save.add_argument("--out", type=Path, required=True, help="the baseline file (JSON)")
    save.add_argument("--replicates", type=int, default=10, help="replicates (10)")
    save.add_argument("--seed", type=int, default=1, help="seed of replicate 0 (1)")
    save.add_argument("--people-scale", type=float, default=1.0,
                      help="multiply the setting's group sizes (1.0)")
    save.add_argument("--years", type=int, nargs="+", default=None,
                      help="years recorded one by one (default: every reported year)")
    save.add_argument("--survey-years", type=int, nargs="+", default=None,
                      help="field a survey of every working sex worker at mid-year in each "
                           "replicate and record its measures and odds ratios (none)")
    _add_run_options(save)
    check = what.add_parser("check", help="run a baseline again and compare")
    check.add_argument("file", type=Path, help="a baseline file from empower baseline save")
    check.add_argument("--exact", action="store_true",
                       help="also require bit-identical outputs (same seeds and platform)")
    check.add_argument("--seed", type=int, default=None,
                       help="seed of replicate 0 (default: the baseline's; other seeds "
                            "are compared with Welch's test)")
    _add_run_options(check)
    check.add_argument("--markdown", type=Path, default=None,
                       help="also write the comparison as Markdown (default: appended to "
                            "$GITHUB_STEP_SUMMARY when that is set)")


def _add_run_options(parser) -> None:
    """Where and how the runs go: workers, threads, executor, scheduler."""
    from empower.option_checks import EXECUTORS

    parser.add_argument("--workers", type=int, default=1, help="worker processes (1)")
    parser.add_argument("--threads", type=int, default=None, help="numba threads here")
    parser.add_argument("--executor", choices=EXECUTORS, default="in-process",
                        help="in-process (default: here, or spawned processes with "
                             "--workers), local (the sweep's process pool) or dask "
                             "(dask.distributed: --scheduler, or a local cluster)")
    parser.add_argument("--scheduler", default=None,
                        help="a Dask scheduler's address, tcp://host:8786 (--executor dask)")


def _option_problems(args: argparse.Namespace) -> list[str]:
    """Every bad option of ``save`` or ``check`` (:mod:`empower.option_checks`)."""
    from empower.option_checks import (
        at_least,
        output_file,
        positive_finite,
        scheduler_needs_dask,
        seed_range,
        threads_range,
    )

    # check's --seed is checked against the baseline's replicates once the file is
    # read (_check)
    saved = ([*at_least("--replicates", args.replicates, 2, "the check's test needs a spread"),
              *seed_range(args.seed, args.replicates),
              *positive_finite("--people-scale", args.people_scale),
              *output_file(args.out)] if args.baseline_command == "save" else [])
    return [*saved, *at_least("--workers", args.workers, 1), *threads_range(args.threads),
            *scheduler_needs_dask(args.scheduler, args.executor)]


def baseline_command(args: argparse.Namespace) -> int:
    """Run ``empower baseline save`` or ``check`` (module docstring); the exit code."""
    if problems := _option_problems(args):
        raise ConfigError(problems)
    return _save(args) if args.baseline_command == "save" else _check(args)


def _save(args: argparse.Namespace) -> int:
    from empower.baseline import record
    from empower.baseline_file import write_baseline
    from empower.cli import check_size
    from empower.scenario import load_scenario

    for path in args.scenarios:
        check_size(load_scenario(path), args.people_scale)
    baseline = record(args.scenarios, args.out, replicates=args.replicates, seed=args.seed,
                      people_scale=args.people_scale, years=args.years,
                      workers=args.workers, threads=args.threads,
                      executor=args.executor, scheduler=args.scheduler,
                      survey_years=args.survey_years)
    write_baseline(args.out, baseline)
    n = sum(len(s.metrics) for s in baseline.scenarios.values())
    print(f"wrote {args.out}: {len(baseline.scenarios)} scenario(s), {n} records, "
          f"{len(baseline.seeds)} replicates (seeds {baseline.seeds[0]}-{baseline.seeds[-1]})")
    return 0


def _check(args: argparse.Namespace) -> int:
    from empower.baseline import platform_facts, rerun
    from empower.baseline_compare import compare
    from empower.baseline_file import read_baseline
    from empower.experiment import replicate_seeds
    from empower.option_checks import seed_range

    baseline = read_baseline(args.file)
    if args.seed is not None and (problems := seed_range(args.seed, len(baseline.seeds))):
        raise ConfigError(problems)
    seeds = (baseline.seeds if args.seed is None
             else replicate_seeds(args.seed, len(baseline.seeds)))
    if args.exact and seeds != baseline.seeds:
        raise ConfigError(["--exact: bit-identical outputs need the baseline's seeds; "
                           "leave out --seed"])
    runs, timing = rerun(baseline, args.file, seeds=seeds, workers=args.workers,
                         threads=args.threads, executor=args.executor,
                         scheduler=args.scheduler)
    result = compare(baseline, runs, seeds, exact=args.exact)
    result.notes += _timing_notes(baseline, timing)
    if args.exact and platform_facts() != baseline.platform:
        print(f"note: this platform {platform_facts()} is not the baseline's "
              f"{baseline.platform}; bit-identical outputs are not expected across "
              "platforms", file=sys.stderr)
    for note in result.notes:
        print(f"warning: {note}" if note.startswith("slower") else f"note: {note}",
              file=sys.stderr)
    print(result.text())
    markdown = args.markdown or (Path(os.environ["GITHUB_STEP_SUMMARY"])
                                 if os.environ.get("GITHUB_STEP_SUMMARY") else None)
    if markdown is not None:
        mode = "a" if args.markdown is None else "w"
        with open(markdown, mode, encoding="utf-8") as f:
            f.write(result.markdown())
    return 0 if result.ok else DRIFT


def _timing_notes(baseline, timing) -> list[str]:
    """The benchmark guard's note.

    A slowdown beyond the baseline's factor warns; the exit code is unchanged (shared
    machines are noisy).
    """
    from empower.baseline import slowdown

    factor = slowdown(baseline, timing)
    if factor is None:
        return ["benchmark guard skipped: CPU time is measured only for runs in this "
                "process (--workers 1, --executor in-process) with a timed baseline"]
    line = (f"{factor:.2f}x the baseline's CPU time per unit of this machine's CPU score "
            f"({timing.cpu_seconds:.1f} s of runs, score {timing.score_seconds:.3f} s)")
    if factor > baseline.slowdown_warning:
        return [f"slower: {line}, beyond the warning factor {baseline.slowdown_warning:g}"]
    return [f"speed: {line}"]
