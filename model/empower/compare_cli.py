"""``empower compare``: scenarios against a reference, paired by replicate.

Steps:

1. Check the options and the output folder before running anything (each problem
   named, exit 2): a comparison already in ``--out`` is kept unless ``--overwrite``.
2. Run :func:`empower.compare.compare` (every scenario on the same seeds and, with
   ``--posterior``, the same parameter draws), with one progress bar for all runs.
3. Write the tables into ``--out`` (each file written whole, then renamed into place):
   ``runs.parquet`` (every replicate's tidy table), ``differences.parquet`` and
   ``.csv`` (per replicate), ``summary.parquet`` and ``.csv`` (median and 95% range),
   ``cost_effectiveness.csv``, ``comparison.json`` (what made them) and
   ``parameters.json`` (each scenario's resolved values with their sources); then the
   figures (:func:`empower.plots.plot_folder`, into ``--out/figures``) and the policy
   report (:func:`empower.report.write_report`, ``--out/report.html``).
4. Print the headline: HIV infections averted over the horizon, their share, and the
   cost per infection averted, for each scenario.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from empower.scenario import ConfigError

__all__ = ["add_compare_parser", "compare_command", "COMPARE_FILES", "headline"]

COMPARE_FILES = ("runs.parquet", "differences.parquet", "differences.csv", "summary.parquet",
                 "summary.csv", "cost_effectiveness.csv", "comparison.json", "parameters.json",
                 "report.html")


def add_compare_parser(sub) -> None:
    """The ``compare`` subcommand's options."""
    from pathlib import Path

    cmp = sub.add_parser("compare", help="compare scenarios with a reference, paired by "
                         "replicate (common random numbers)",
                         description="Run every scenario and the reference with the same "
                         "replicate seeds (and, with --posterior, the same parameter "
                         "draws) and report paired differences: infections averted, "
                         "spending, cost per infection averted, coverage, violence, "
                         "arrests and the care cascade.")
    cmp.add_argument("scenarios", type=Path, nargs="+", help="scenarios: names or files (TOML)")
    cmp.add_argument("--reference", type=Path, required=True,
                     help="the scenario every other is compared with (e.g. the status quo)")
    cmp.add_argument("--replicates", type=int, default=10, help="replicates of each (10)")
    cmp.add_argument("--seed", type=int, default=1, help="seed of replicate 0 (1)")
    cmp.add_argument("--posterior", nargs="?", type=Path, const=True, default=None,
                     metavar="FILE",
                     help="sample parameters from a posterior, as empower run --posterior; "
                          "replicate r uses the same draw in every scenario")
    cmp.add_argument("--people-scale", type=float, default=1.0,
                     help="multiply the setting's group sizes (1.0)")
    cmp.add_argument("--workers", type=int, default=1, help="worker processes (1)")
    cmp.add_argument("--out", type=Path, required=True, help="output folder")
    cmp.add_argument("--overwrite", action="store_true", help="replace a comparison in --out")
    cmp.add_argument("--quiet", action="store_true", help="no progress bar")


def _check_options(args: argparse.Namespace) -> None:
    from empower.cli import run_option_problems

    problems = run_option_problems(args)
    if problems:
        raise ConfigError(problems)


def headline(comparison) -> str:
    """HIV infections averted over the horizon, and cost per infection averted."""
    from empower.compare import TOTAL

    s = comparison.summary
    rows = s[(s.metric == "new_hiv_infections") & (s.group == "all") & (s.period == TOTAL)]
    ce = comparison.cost_effectiveness.set_index("scenario")
    ref = comparison.meta["reference"]
    first, last = comparison.meta["years"]
    n = int(rows.replicates.max()) if len(rows) else 0
    lines = [f"New HIV infections averted against {ref}, everyone, {first}-{last}: median "
             f"[95% range over {n} paired replicates]",
             f"{'scenario':<22}{'infections averted':>28}{'share averted':>26}"
             f"{'US$ per infection averted':>28}"]
    for _, r in rows[rows.scenario != ref].iterrows():
        cost = ""
        if r.scenario in ce.index:
            c = ce.loc[r.scenario]
            cost = ("-" if not math.isfinite(c.cost_per_infection_averted_usd)
                    else f"{c.cost_per_infection_averted_usd:,.0f}")
        lines.append(
            f"{r.scenario:<22}"
            f"{f'{r.averted_median:,.1f} [{r.averted_low:,.1f}, {r.averted_high:,.1f}]':>28}"
            f"{f'{100 * r.averted_share_median:.1f}% [{100 * r.averted_share_low:.1f}, {100 * r.averted_share_high:.1f}]':>26}"  # noqa: E501
            f"{cost:>28}")
    return "\n".join(lines)


def compare_command(args: argparse.Namespace) -> int:
    """Run ``empower compare`` (module steps); 0 on success, ConfigError on bad input."""
    from tqdm import tqdm

    from empower.compare import compare
    from empower.scenario import load_scenario

    _check_options(args)
    from empower.cli import check_size, writing_into

    n_steps = 0
    for path in {*args.scenarios, args.reference}:
        scenario = load_scenario(path)
        check_size(scenario, args.people_scale)
        n_steps += scenario.n_steps
    from empower.jit_cache import warn_if_compiling
    from empower.plots import plot_folder
    from empower.report import write_report

    with writing_into(args.out, args.overwrite, (*COMPARE_FILES, "figures"),
                      "a comparison") as folder:
        warn_if_compiling()
        with tqdm(total=n_steps * args.replicates, unit="wk",
                  disable=True if args.quiet else None, desc="compare",
                  file=sys.stderr) as bar:
            result = compare(args.scenarios, args.reference, replicates=args.replicates,
                             seed=args.seed, posterior=args.posterior,
                             people_scale=args.people_scale, workers=args.workers,
                             progress=bar.update)
        tables = {"runs": result.runs, "differences": result.differences,
                  "summary": result.summary}
        for name, table in tables.items():
            table.to_parquet(folder / f"{name}.parquet", index=False)
            if name != "runs":
                table.to_csv(folder / f"{name}.csv", index=False)
        result.cost_effectiveness.to_csv(folder / "cost_effectiveness.csv", index=False)
        (folder / "comparison.json").write_text(json.dumps(result.meta, indent=2) + "\n")
        (folder / "parameters.json").write_text(json.dumps(result.parameters, indent=2)
                                                + "\n")
        figures = plot_folder(folder)
        write_report(folder)
    print(headline(result))
    print(result.meta["dalys"])
    print("wrote " + ", ".join(str(args.out / n) for n in COMPARE_FILES)
          + f" and {len(figures)} figure files in {args.out / 'figures'}")
    return 0
