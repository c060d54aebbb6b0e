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

__all__ = ["add_sweep_parser", "sweep_command"]


def add_sweep_parser(sub) -> None:
    """The ``sweep`` subcommand's options."""
    sw = sub.add_parser("sweep", help="run an experiment file's sweep (resumable), on local "
                        "processes or a Dask cluster",
                        description="Run every scenario of an experiment file at every "
                        "design point with the same replicate seeds; each run is written "
                        "as it finishes (OUT/runs/KEY.parquet) and a re-run skips finished "
                        "runs.")
    sw.add_argument("experiment", type=Path, help="experiment file (TOML)")
    sw.add_argument("--out", type=Path, required=True, help="output folder")
    sw.add_argument("--executor", choices=("local", "dask"), default="local",
                    help="local processes (default) or dask.distributed")
    sw.add_argument("--workers", type=int, default=None,
                    help="worker processes (default: the cores)")
    sw.add_argument("--scheduler", default=None,
                    help="a Dask scheduler's address, tcp://host:8786 (--executor dask; "
                         "default: a local cluster)")
    sw.add_argument("--quiet", action="store_true", help="no progress bar")


def sweep_command(args: argparse.Namespace) -> int:
    """Run ``empower sweep`` (module steps)."""
    from tqdm import tqdm

    from empower.experiment_file import load_experiment
    from empower.jit_cache import warn_if_compiling
    from empower.sweep import plan_runs, sweep

    problems = []
    if args.workers is not None and args.workers < 1:
        problems.append(f"--workers: must be at least 1, got {args.workers}")
    if args.scheduler and args.executor != "dask":
        problems.append("--scheduler: only with --executor dask")
    if args.out.exists() and not args.out.is_dir():
        problems.append(f"--out: {args.out} is a file, not a folder")
    if problems:
        raise ConfigError(problems)
    spec = load_experiment(args.experiment)
    total = len(plan_runs(spec, args.experiment))
    warn_if_compiling()
    counts = {"done": 0, "failed": 0, "skipped": 0}
    with tqdm(total=total, unit="run", disable=True if args.quiet else None,
              desc=spec.name, file=sys.stderr) as bar:
        def progress(what: str, n: int) -> None:
            counts[what] += n
            bar.update(n)
            bar.set_postfix(done=counts["done"] + counts["skipped"], failed=counts["failed"])

        manifest = sweep(args.experiment, args.out, kind=args.executor, workers=args.workers,
                         scheduler=args.scheduler, progress=progress)
    done, failed = int((manifest.status == "done").sum()), int((manifest.status == "failed").sum())
    print(f"sweep {spec.name}: {len(manifest)} runs, {done} done ({counts['skipped']} already "
          f"there), {failed} failed; wrote {args.out / 'manifest.parquet'}, "
          f"{args.out / 'manifest.csv'} and {args.out / 'sweep.json'}")
    if failed:
        print(f"failed runs: see {args.out / 'failed'} (re-run the command to retry them)",
              file=sys.stderr)
        return 1
    return 0
