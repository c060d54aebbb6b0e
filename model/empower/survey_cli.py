"""``empower survey``: field simulated surveys, print their estimates, write their tables.

Steps:

1. Check the options (each problem named, exit 2) and load the scenario.
2. For each replicate seed, run the scenario up to its last survey and field every
   survey (:func:`empower.survey.run_surveys`).
3. Estimate each measure and each analysis's odds ratio (crude and adjusted).
4. Print them (one replicate: 95% intervals; several: the median over replicates with
   their range) beside the published values, and, with ``--out``, write
   ``respondents.parquet``, ``estimates.csv``, ``odds_ratios.csv`` and ``survey.json``
   (the designs, seeds, versions and the resolved parameters).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import pandas as pd

from empower.scenario import ConfigError, load_scenario

__all__ = ["survey_command", "SURVEY_FILES"]

SURVEY_FILES = ("respondents.parquet", "estimates.csv", "odds_ratios.csv", "survey.json")


def _check(args: argparse.Namespace) -> list[str]:
    from empower.option_checks import at_least, output_folder, positive_finite, seed_range

    problems = [*at_least("--sample", args.sample, 1)]
    if not 7 <= args.recall_days <= 91:
        problems.append(f"--recall-days: must be from 7 to 91, got {args.recall_days}")
    problems += [*at_least("--replicates", args.replicates, 1),
                 *seed_range(args.seed, args.replicates),
                 *positive_finite("--people-scale", args.people_scale),
                 *output_folder(args.out)]
    if not 0.0 <= args.fieldwork < 1.0:
        problems.append(f"--fieldwork: must be from 0 to below 1, got {args.fieldwork}")
    if len(set(args.year)) != len(args.year):
        problems.append(f"--year: each survey year once, got {args.year}")
    return problems


def _cell(values: pd.Series, lows: pd.Series, highs: pd.Series, percent: bool) -> str:
    scale, unit, digits = (100.0, "%", 1) if percent else (1.0, "", 2)

    def f(x: float) -> str:
        return "-" if not math.isfinite(x) else f"{scale * x:.{digits}f}"

    if len(values) == 1:
        return f"{f(values.iloc[0])}{unit} ({f(lows.iloc[0])}-{f(highs.iloc[0])})"
    return f"{f(values.median())}{unit} [{f(values.min())}-{f(values.max())}]"


def summary(estimates: pd.DataFrame, odds: pd.DataFrame, replicates: int) -> str:
    """The estimates and adjusted odds ratios, one block per survey year."""
    how = ("value (95% CI)" if replicates == 1
           else f"median over {replicates} replicates [range]")
    lines = []
    for year, est in estimates.groupby("survey_year"):
        n = int(est.loc[est.measure == "hiv", "n_sample"].median())
        lines.append(f"survey {year} ({n} respondents): {how}")
        for measure, rows in est.groupby("measure", sort=False):
            answered = int(rows["n"].median())
            lines.append(f"  {measure:<34}{_cell(rows.value, rows.ci_low, rows.ci_high, True):>24}"
                         f"   n={answered}")
        ors = odds[(odds.survey_year == year) & (odds.adjusted_for != "")]
        lines.append("  odds ratios, adjusted for years in sex work        model"
                     "          published")
        for _, rows in ors.groupby("analysis", sort=False):
            first = rows.iloc[0]
            pub = ("" if not math.isfinite(first.published) else
                   f"{first.published:g} ({first.published_low:g}-{first.published_high:g})")
            model = _cell(rows.odds_ratio, rows.ci_low, rows.ci_high, False)
            label = f"{first.outcome} ~ {first.exposure}"
            lines.append(f"  {label:<48}{model:>20}  {pub:<18}{first.role}")
    return "\n".join(lines)


def survey_command(args: argparse.Namespace) -> int:
    """Run ``empower survey`` (module steps); 0 on success, ConfigError on bad input."""
    from empower.experiment import replicate_seeds
    from empower.posterior import posterior_runs
    from empower.results import run_metadata
    from empower.survey import SurveyDesign, run_surveys, survey_estimates, survey_odds_ratios

    if problems := _check(args):
        raise ConfigError(problems)
    scenario = load_scenario(args.scenario)
    designs = [SurveyDesign(y, args.sample, args.recall_days, args.sampling, args.fieldwork)
               for y in sorted(args.year)]
    seeds = replicate_seeds(args.seed, args.replicates)
    runs, posterior_meta = posterior_runs(args.scenario, scenario, seeds, args.posterior)
    parts = []
    for r, (run, seed) in enumerate(zip(runs, seeds, strict=True)):
        try:
            parts.append(run_surveys(run, designs, seed, args.people_scale, replicate=r))
        except ValueError as exc:
            raise ConfigError([f"--year: {exc}"]) from None
    respondents = pd.concat(parts, ignore_index=True)
    history = min(float(y) + args.fieldwork - scenario.run_start_year for y in args.year)
    if history < 1.0:
        print(f"warning: the first survey is fielded {history:.1f} years into the run, so "
              "its past-year measures cover less than a year", file=sys.stderr)
    stis = list(scenario.params.stis)
    estimates = survey_estimates(respondents, stis)
    odds = survey_odds_ratios(respondents)
    print(f"scenario {scenario.name}: {len(seeds)} replicate(s), sampling {args.sampling}, "
          f"recall {args.recall_days} days")
    print(summary(estimates, odds, len(seeds)))
    if args.out is not None:
        meta = run_metadata(scenario, seeds, args.people_scale)
        meta["surveys"] = [d.__dict__ for d in designs]
        if posterior_meta is not None:
            meta["posterior"] = posterior_meta
        meta["parameters"] = json.loads(scenario.resolved_json())
        from empower.cli import writing_into

        out = Path(args.out)
        with writing_into(out, args.overwrite, SURVEY_FILES, "a survey") as folder:
            respondents.to_parquet(folder / SURVEY_FILES[0], index=False)
            estimates.to_csv(folder / SURVEY_FILES[1], index=False)
            odds.to_csv(folder / SURVEY_FILES[2], index=False)
            (folder / SURVEY_FILES[3]).write_text(json.dumps(meta, indent=2) + "\n")
        paths = [out / f for f in SURVEY_FILES]
        print("wrote " + ", ".join(str(p) for p in paths))
    return 0
