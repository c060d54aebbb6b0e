"""``empower sweep``: an experiment file's runs, on local processes or a Dask cluster.

Steps:

1. Check the options and the experiment file (each problem named, exit 2).
2. Run :func:`empower.sweep.sweep` into ``--out``: finished runs are skipped, so the
   same command resumes an interrupted sweep; a progress bar shows runs done, failed
   and left.
3. Print how many runs are done and failed, and where the manifest is; exit 1 if any
   run failed (its error is in ``--out/failed/KEY.json``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from empower.scenario import ConfigError

__all__ = ["add_sweep_parser", "sweep_command", "sensitivity_command"]


def add_sweep_parser(sub) -> None:
    """The ``sweep`` subcommand's options."""
    sw = sub.add_parser("sweep", help="run an experiment file's sweep (resumable), on local "
                        "processes or a Dask cluster",
                        description="Run every scenario of an experiment file at every "
                        "design point with the same replicate seeds; each run is written "
                        "as it finishes (OUT/runs/KEY.parquet) and a re-run skips finished "
                        "runs.")
    _common(sw)
    sa = sub.add_parser("sensitivity", help="rank parameters by their effect on an outcome "
                        "(SALib: Morris screening or Sobol indices), with a tornado plot",
                        description="Run an experiment file whose design is morris or "
                        "saltelli through the sweep engine (resumable, any executor) and "
                        "analyse its [outcome] with SALib: indices.csv, sensitivity.json "
                        "and figures/tornado_SCENARIO.png.")
    _common(sa)


def _common(p) -> None:
    p.add_argument("experiment", type=Path, help="experiment file (TOML)")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="local processes (default) or dask.distributed")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes (default: the cores)")
    p.add_argument("--scheduler", default=None,
                   help="a Dask scheduler's address, tcp://host:8786 (--executor dask; "
                        "default: a local cluster)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _check(args: argparse.Namespace) -> None:
    from empower.option_checks import at_least, output_folder, scheduler_needs_dask

    problems = [*([] if args.workers is None else at_least("--workers", args.workers, 1)),
                *scheduler_needs_dask(args.scheduler, args.executor),
                *output_folder(args.out)]
    if problems:
        raise ConfigError(problems)


def _bar(args: argparse.Namespace, run, counts: dict[str, int] | None = None):
    """Run ``run(progress)`` under one progress bar of the experiment's runs.

    ``counts`` (done, failed, skipped), if given, is filled as runs finish, so a caller
    interrupted part way knows what was kept.
    """
    from tqdm import tqdm

    from empower.experiment_file import design_points, load_experiment
    from empower.jit_cache import warn_if_compiling

    spec = load_experiment(args.experiment)
    # the number of runs, without resolving them (the sweep does that once)
    total = len(spec.scenarios) * len(design_points(spec)) * spec.replicates
    warn_if_compiling()
    counts = {"done": 0, "failed": 0, "skipped": 0} if counts is None else counts
    with tqdm(total=total, unit="run", disable=True if args.quiet else None,
              desc=spec.name, file=sys.stderr) as bar:
        def progress(what: str, n: int) -> None:
            counts[what] += n
            bar.update(n)
            bar.set_postfix(done=counts["done"] + counts["skipped"], failed=counts["failed"])

        return spec, counts, run(progress)


def sweep_command(args: argparse.Namespace) -> int:
    """Run ``empower sweep`` (module steps)."""
    from empower.sweep import sweep

    _check(args)
    kept = {"done": 0, "failed": 0, "skipped": 0}
    try:
        spec, counts, manifest = _bar(args, lambda progress: sweep(
            args.experiment, args.out, kind=args.executor, workers=args.workers,
            scheduler=args.scheduler, progress=progress), kept)
    except KeyboardInterrupt:
        from empower.interrupt import Interrupted

        raise Interrupted(f"{kept['done'] + kept['skipped']} finished runs are kept in "
                          f"{args.out / 'runs'}; run the same command again to finish "
                          "the others") from None
    done, failed = int((manifest.status == "done").sum()), int((manifest.status == "failed").sum())
    print(f"sweep {spec.name}: {len(manifest)} runs, {done} done ({counts['skipped']} already "
          f"there), {failed} failed; wrote {args.out / 'manifest.parquet'}, "
          f"{args.out / 'manifest.csv'} and {args.out / 'sweep.json'}")
    if failed:
        print(f"failed runs: see {args.out / 'failed'} (re-run the command to retry them)",
              file=sys.stderr)
        return 1
    return 0


def sensitivity_command(args: argparse.Namespace) -> int:
    """Run ``empower sensitivity``: the sweep, then SALib's indices and a tornado plot."""
    from empower.sensitivity import sensitivity

    _check(args)
    spec, _, indices = _bar(args, lambda progress: sensitivity(
        args.experiment, args.out, kind=args.executor, workers=args.workers,
        scheduler=args.scheduler, progress=progress))
    key = "mu_star" if "mu_star" in indices.columns else "ST"
    for scenario, part in indices.groupby("scenario", sort=False):
        print(f"{scenario}: parameters ranked by {key} on {spec.outcome.metric} "
              f"({spec.outcome.group})")
        for _, r in part.sort_values(key, ascending=False).iterrows():
            print(f"  {r.parameter:<55}{r[key]:>12.4g}")
    print(f"wrote {args.out / 'indices.csv'}, {args.out / 'sensitivity.json'} and "
          f"{args.out / 'figures'}")
    return 0
