"""Scenario comparison: paired differences against a reference, on common random numbers.

Every scenario, the reference included, runs with the same replicate seeds, so
replicate ``r`` of each shares its random numbers and, with a posterior, its parameter
draw (:func:`empower.posterior.posterior_draw` is a function of the seed). Differences
are therefore taken replicate by replicate, and their spread is the uncertainty about
the *difference*, free of the seed noise that separate runs would add. Steps of
:func:`compare`:

1. Check the scenarios: names unique, one setting, the same reported years.
2. Run every scenario's replicates in one pool of workers
   (:func:`empower.experiment.run_many`), each with its posterior draw when asked.
3. For every outcome in :data:`OUTCOMES`, per replicate: the value in each reported
   year and, for flows (infections, money, arrests), their total over the horizon;
   the paired difference from the reference and, for outcomes a programme averts (new
   infections), the number and share averted.
4. Summaries over replicates: the median and the 2.5th and 97.5th percentiles (95% of
   the simulated futures fall in that range).
5. Cost per HIV infection averted: incremental spending over infections averted, the
   ratio of the means over replicates, with a bootstrap 95% interval over replicates
   (Briggs et al.'s non-parametric bootstrap of paired replicates); "cost saving" and
   "no infections averted" said in words. DALYs are not computed: the setting gives
   no disability weights or life expectancy (said in the metadata).

The tables are tidy (one row per scenario, outcome, group, period and, for the
per-replicate table, replicate): ``period`` is a reported year or ``"total"`` (the sum
of a flow over every reported year).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from empower.scenario import ConfigError, Scenario, load_scenario

__all__ = ["Outcome", "OUTCOMES", "Comparison", "compare", "paired_differences",
           "summarise", "cost_effectiveness", "TOTAL"]

TOTAL = "total"  # the period of a flow summed over every reported year
LOW_Q, HIGH_Q = 0.025, 0.975
BOOTSTRAP_RESAMPLES = 2000


@dataclass(frozen=True)
class Outcome:
    """An output the comparison reports.

    ``kind``: a ``flow`` is counted over each year (new infections, money, arrests) and
    also summed over the horizon; a ``level`` is measured at the end of each year or as
    a share over it (prevalence, coverage, condom use) and is never summed.
    ``averted``: a fall is the programme's gain, reported as reference minus scenario.
    """

    metric: str
    kind: Literal["flow", "level"]
    label: str
    unit: str
    averted: bool = False


OUTCOMES: tuple[Outcome, ...] = (
    Outcome("new_hiv_infections", "flow", "new HIV infections", "infections", True),
    Outcome("new_gonorrhoea_infections", "flow", "new gonorrhoea infections", "infections",
            True),
    Outcome("new_chlamydia_infections", "flow", "new chlamydia infections", "infections",
            True),
    Outcome("hiv_prevalence", "level", "HIV prevalence (end of year)", "share"),
    Outcome("hiv_incidence_per_100py", "level", "HIV incidence", "per 100 person-years"),
    Outcome("gonorrhoea_prevalence", "level", "gonorrhoea prevalence (end of year)", "share"),
    Outcome("chlamydia_prevalence", "level", "chlamydia prevalence (end of year)", "share"),
    Outcome("spending_usd", "flow", "spending", "US$"),
    Outcome("unspent_usd", "flow", "money unspent", "US$"),
    Outcome("budget_usd", "flow", "budget", "US$"),
    Outcome("coverage_target", "level", "coverage target", "share"),
    Outcome("coverage_reached", "level", "coverage reached (end of year)", "share"),
    Outcome("members", "level", "community group members (end of year)", "people"),
    Outcome("condom_use", "level", "condom use (share of acts over the year)", "share"),
    Outcome("violence_past_year", "level", "sex workers with violence in the past year",
            "share"),
    Outcome("arrests", "flow", "arrests of sex workers", "arrests"),
    Outcome("hiv_diagnosed", "level", "people with HIV diagnosed (end of year)", "share"),
    Outcome("art_coverage", "level", "people with HIV on ART (end of year)", "share"),
    Outcome("viral_suppression", "level", "people with HIV virally suppressed (end of year)",
            "share"),
)

DALY_NOTE = ("DALYs averted are not computed: the setting gives no disability weights or "
             "life expectancy; infections averted and cost per infection averted are "
             "reported instead.")


@dataclass
class Comparison:
    """A comparison's tables and what made them.

    Attributes:
        runs: Every replicate's tidy table (``empower run``'s columns), all scenarios.
        differences: Per replicate, outcome, group and period: the scenario's value, the
            reference's, their difference (scenario minus reference) and, for averted
            outcomes, the number and share averted.
        summary: ``differences`` summarised over replicates (median, 2.5th and 97.5th
            percentiles of each column).
        cost_effectiveness: Per scenario, incremental spending, HIV infections averted
            (everyone, over the horizon) and cost per infection averted.
        meta: Scenarios, files, seeds, posterior draws, versions and notes.
        parameters: Each scenario's resolved parameters (every value with its source),
            by scenario name; with a posterior, each replicate's draw replaces the
            calibrated values (the draws are in ``meta``).
    """

    runs: pd.DataFrame
    differences: pd.DataFrame
    summary: pd.DataFrame
    cost_effectiveness: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)


def _check(scenarios: list[Scenario], paths: list[Path]) -> None:
    """Names unique, one setting, one horizon; every problem named with its file."""
    problems = []
    names: dict[str, Path] = {}
    for sc, path in zip(scenarios, paths, strict=True):
        if sc.name in names:
            problems.append(f"{path}: name: scenario name {sc.name!r} is also the name of "
                            f"{names[sc.name]}; every compared scenario needs its own name")
        names.setdefault(sc.name, path)
    ref = scenarios[0]
    for sc, path in zip(scenarios[1:], paths[1:], strict=True):
        if sc.params.name != ref.params.name:
            problems.append(f"{path}: setting: runs on setting {sc.params.name!r}, the "
                            f"reference {paths[0]} on {ref.params.name!r}; compare "
                            "scenarios of one setting")
        if (sc.start_year, sc.end_year) != (ref.start_year, ref.end_year):
            problems.append(f"{path}: start_year/end_year: reports {sc.start_year}-"
                            f"{sc.end_year}, the reference {ref.start_year}-{ref.end_year}; "
                            "compared scenarios need the same years")
    if problems:
        raise ConfigError(problems)


def _per_replicate(runs: pd.DataFrame, outcomes: tuple[Outcome, ...]) -> pd.DataFrame:
    """Each outcome's value per scenario, replicate, group and period (years and total)."""
    kinds = {o.metric: o for o in outcomes}
    rows = runs[runs.metric.isin(kinds)]
    yearly = rows.assign(period=rows.year.astype(str))[
        ["scenario", "replicate", "seed", "metric", "group", "period", "value"]]
    flows = rows[rows.metric.map(lambda m: kinds[m].kind == "flow")]
    totals = (flows.groupby(["scenario", "replicate", "seed", "metric", "group"],
                            as_index=False)["value"].sum().assign(period=TOTAL))
    return pd.concat([yearly, totals[yearly.columns]], ignore_index=True)


def paired_differences(runs: pd.DataFrame, reference: str,
                       outcomes: tuple[Outcome, ...] = OUTCOMES) -> pd.DataFrame:
    """Per replicate: each scenario's value beside the reference's, and the difference.

    Replicates are paired by their number (the same seed in every scenario). Columns:
    ``scenario, replicate, seed, metric, group, period, value, reference, difference,
    averted, averted_share`` (``averted`` only for outcomes a programme averts; the
    share is of the reference's value, missing where that is 0).
    """
    values = _per_replicate(runs, outcomes)
    keys = ["replicate", "metric", "group", "period"]
    ref = (values[values.scenario == reference][keys + ["seed", "value"]]
           .rename(columns={"value": "reference", "seed": "reference_seed"}))
    out = values.merge(ref, on=keys, how="left", validate="many_to_one")
    if (out.seed != out.reference_seed).any():
        raise ValueError("replicates are not paired: a replicate's seed differs from the "
                         "reference's")
    out = out.drop(columns="reference_seed")
    out["difference"] = out["value"] - out["reference"]
    averts = out.metric.map({o.metric: o.averted for o in outcomes}).astype(bool)
    out["averted"] = np.where(averts, -out["difference"], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = out["averted"] / out["reference"]
    out["averted_share"] = share.where(averts & (out["reference"] != 0))
    return out.sort_values(["scenario", "metric", "group", "period", "replicate"],
                           ignore_index=True)


def summarise(differences: pd.DataFrame) -> pd.DataFrame:
    """Median and 95% range over replicates of every column of :func:`paired_differences`."""
    cols = ["value", "reference", "difference", "averted", "averted_share"]
    grouped = differences.groupby(["scenario", "metric", "group", "period"], sort=True)[cols]
    parts = {"median": grouped.median(), "low": grouped.quantile(LOW_Q),
             "high": grouped.quantile(HIGH_Q)}
    table = pd.concat(parts, axis=1)
    table.columns = [f"{col}_{stat}" for stat, col in table.columns]
    table["replicates"] = grouped.size()
    order = [f"{c}_{s}" for c in cols for s in ("median", "low", "high")] + ["replicates"]
    return table[order].reset_index()


def cost_effectiveness(differences: pd.DataFrame, reference: str, seed: int = 1
                       ) -> pd.DataFrame:
    """Incremental spending per HIV infection averted (everyone, over the horizon).

    The point estimate is the ratio of the means over replicates; its 95% interval the
    2.5th and 97.5th percentiles of that ratio over bootstrap resamples of the paired
    replicates (seeded, so the same inputs give the same interval). ``verdict`` says in
    words when the ratio means little: no infections averted, or cost saving.
    """
    spend = differences[(differences.metric == "spending_usd") & (differences.group == "total")
                        & (differences.period == TOTAL)]
    hiv = differences[(differences.metric == "new_hiv_infections")
                      & (differences.group == "all") & (differences.period == TOTAL)]
    both = spend.merge(hiv, on=["scenario", "replicate"], suffixes=("_cost", "_hiv"))
    rng = np.random.default_rng(seed)
    rows = []
    for scenario, part in both.groupby("scenario", sort=True):
        if scenario == reference:
            continue
        cost = part["difference_cost"].to_numpy()
        averted = part["averted_hiv"].to_numpy()
        n = len(part)
        mean_cost, mean_averted = float(cost.mean()), float(averted.mean())
        picks = rng.integers(0, n, size=(BOOTSTRAP_RESAMPLES, n))
        boot_cost, boot_averted = cost[picks].mean(axis=1), averted[picks].mean(axis=1)
        if mean_averted <= 0:
            verdict = ("more HIV infections and less spending" if mean_cost < 0
                       else "no HIV infections averted on average")
            ratio = low = high = np.nan
        else:
            ratio = mean_cost / mean_averted
            with np.errstate(divide="ignore", invalid="ignore"):
                boot = np.where(boot_averted > 0, boot_cost / boot_averted, np.nan)
            defined = np.isfinite(boot).mean()
            low, high = (np.nanquantile(boot, [LOW_Q, HIGH_Q]) if defined >= 0.95
                         else (np.nan, np.nan))
            verdict = ("cost saving: fewer infections for less money" if mean_cost <= 0
                       else "costs more, averts infections")
            if defined < 0.95:
                verdict += (f"; no interval: {100 * (1 - defined):.0f}% of bootstrap "
                            "resamples avert no infections")
        rows.append({"scenario": scenario, "replicates": n,
                     "incremental_spending_usd": mean_cost,
                     "hiv_infections_averted": mean_averted,
                     "cost_per_infection_averted_usd": ratio,
                     "cost_per_infection_averted_low_usd": low,
                     "cost_per_infection_averted_high_usd": high,
                     "verdict": verdict})
    return pd.DataFrame(rows)


def compare(scenario_paths: list[Path | str], reference: Path | str, *, replicates: int = 10,
            seed: int = 1, posterior: Path | bool | None = None, people_scale: float = 1.0,
            workers: int = 1, progress: Callable[[int], None] | None = None) -> Comparison:
    """Run scenarios and a reference on common random numbers and compare them.

    Args:
        scenario_paths: Scenario files to compare (the reference may be among them).
        reference: The scenario every other is compared with (e.g. the status quo).
        replicates: Replicates of each scenario; replicate r has seed ``seed + r``.
        seed: Seed of replicate 0.
        posterior: Sample parameters from a posterior: True for the one stored beside
            the setting, or a path; replicate r uses the same draw in every scenario.
        people_scale: Multiplies the setting's group sizes.
        workers: Worker processes (1: in this process).
        progress: Called with a number of finished weeks.

    Raises:
        ConfigError: A scenario that cannot be read or compared, named with its file.
    """
    from empower.experiment import replicate_seeds, run_many
    from empower.posterior import posterior_runs
    from empower.results import run_metadata

    paths = [Path(reference)] + [Path(p) for p in scenario_paths
                                 if Path(p).resolve() != Path(reference).resolve()]
    scenarios = [load_scenario(p).one_site("comparing scenarios") for p in paths]
    _check(scenarios, paths)
    seeds = replicate_seeds(seed, replicates)
    jobs, draws = [], {}
    for path, scenario in zip(paths, scenarios, strict=True):
        runs, posterior_meta = posterior_runs(path, scenario, seeds, posterior)
        jobs += [(sc, r, s) for r, (sc, s) in enumerate(zip(runs, seeds, strict=True))]
        if posterior_meta is not None:
            draws[scenario.name] = posterior_meta
    # one pool for every scenario's replicates: no idle worker between scenarios
    runs = pd.concat(run_many(jobs, people_scale, workers, progress), ignore_index=True)
    ref_name = scenarios[0].name
    differences = paired_differences(runs, ref_name)
    meta = run_metadata(scenarios[0], seeds, people_scale)
    meta.pop("scenario"), meta.pop("scenario_file")
    meta.update({
        "reference": ref_name,
        "scenarios": {sc.name: str(p) for sc, p in zip(scenarios, paths, strict=True)},
        "years": [int(runs.year.min()), int(runs.year.max())],  # reported years, inclusive
        "posterior": draws or None,
        "interval": "2.5th to 97.5th percentile over paired replicates",
        "dalys": DALY_NOTE,
    })
    return Comparison(runs, differences, summarise(differences),
                      cost_effectiveness(differences, ref_name, seed), meta,
                      {sc.name: sc.resolved() for sc in scenarios})
