"""Effects of the eight policy scenarios against the status quo, paired by seed.

Usage (from the repository root, after running each scenario with the same seeds):

    for s in scenarios/*.toml; do
        empower run "$s" --replicates 5 --seed 1 --out "out/scenarios/$(basename "$s" .toml)"
    done
    python experiments/scenario_effects.py out/scenarios

Prints a Markdown table: for each outcome, the status quo's median over replicates, and
for every other scenario its median with, in brackets, the median paired difference
from the status quo and the 2.5th and 97.5th percentiles of the paired differences
(replicate r of a scenario shares its seed, its common random numbers and, with
``--posterior``, its parameter draw with replicate r of the status quo). Docs quote its
output with this command.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ORDER = ("status_quo", "decriminalisation", "end_demand", "crackdown", "funding_cut",
         "donor_transition", "scale_up", "combined")
LATE = range(2009, 2014)

# label -> (metric, group, years summed over)
OUTCOMES = {
    "new HIV infections, female sex workers, 2009-2013": ("new_hiv_infections",
                                                          "female_sex_workers", LATE),
    "new HIV infections, everyone, 2009-2013": ("new_hiv_infections", "all", LATE),
    "new HIV infections, clients, 2009-2013": ("new_hiv_infections", "clients", LATE),
    "new HIV infections, partners, 2009-2013": ("new_hiv_infections", "partners", LATE),
    "HIV prevalence, female sex workers, 2013": ("hiv_prevalence", "female_sex_workers",
                                                 [2013]),
    "gonorrhoea prevalence, female sex workers, 2013": ("gonorrhoea_prevalence",
                                                        "female_sex_workers", [2013]),
    "police violence in the past year, 2013": ("violence_past_year", "police", [2013]),
    "any violence in the past year, 2013": ("violence_past_year", "any", [2013]),
    "arrests, 2009-2013": ("arrests", "sex_workers", LATE),
    "condom use with one-off clients, 2013": ("condom_use", "one_off", [2013]),
    "coverage target, 2013": ("coverage_target", "all", [2013]),
    "coverage reached, 2013": ("coverage_reached", "all", [2013]),
    "outreach workers, 2013": ("outreach_workers", "all", [2013]),
    "cohesion, 2013": ("cohesion", "all", [2013]),
    "budget (USD a year), 2013": ("budget_usd", "all", [2013]),
    "spending (USD), 2013": ("spending_usd", "total", [2013]),
    "unspent (USD), 2013": ("unspent_usd", "all", [2013]),
    "funded share of outreach, 2013": ("funded_share", "outreach", [2013]),
    "ART coverage, female sex workers with HIV, 2013": ("art_coverage",
                                                         "female_sex_workers", [2013]),
}


def load(folder: Path) -> pd.DataFrame:
    """Every scenario's tidy table found under ``folder`` (one subfolder per run)."""
    files = sorted(folder.glob("*/results.parquet"))
    if not files:
        raise SystemExit(f"{folder}: no */results.parquet found; run the scenarios first")
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def per_replicate(table: pd.DataFrame, metric: str, group: str, years) -> pd.DataFrame:
    """Scenario x replicate values of one outcome (summed over ``years``)."""
    rows = table[(table["metric"] == metric) & (table["group"] == group)
                 & table["year"].isin(list(years))]
    return rows.groupby(["scenario", "replicate"])["value"].sum().unstack("replicate")


def fmt(x: float, big: bool) -> str:
    """A count or money with thousands separators, a share with three decimals."""
    return f"{x:,.0f}" if big else f"{x:.3f}"


def signed(x: float, big: bool) -> str:
    """``fmt`` with a sign."""
    return ("+" if x >= 0 else "") + fmt(x, big)


def effects_table(table: pd.DataFrame) -> str:
    """The Markdown table described in the module docstring."""
    present = [s for s in ORDER if s in set(table["scenario"])]
    if "status_quo" not in present:
        raise SystemExit("the status_quo scenario's results are needed as the reference")
    lines = ["| outcome | " + " | ".join(present) + " |",
             "| --- |" + " --- |" * len(present)]
    for label, (metric, group, years) in OUTCOMES.items():
        values = per_replicate(table, metric, group, years)
        diff = values.sub(values.loc["status_quo"], axis=1)
        big = values.abs().max().max() >= 20
        cells = []
        for scenario in present:
            cell = fmt(values.loc[scenario].median(), big)
            if scenario != "status_quo":
                d = diff.loc[scenario]
                lo, mid, hi = (d.quantile(q) for q in (0.025, 0.5, 0.975))
                cell += f" ({signed(mid, big)} [{signed(lo, big)}, {signed(hi, big)}])"
            cells.append(cell)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the effects table for the results under the given folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="folder with one results folder per scenario")
    args = parser.parse_args(argv)
    print(effects_table(load(args.folder)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
