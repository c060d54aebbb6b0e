"""Figures of a run or a comparison (matplotlib, PNG and SVG), one readable style.

Every figure has labelled axes with units, a title that says what and when, and the
Okabe-Ito colour-blind-safe palette; ranges are the 2.5th to 97.5th percentiles over
replicates (95% of the simulated futures). :func:`plot_folder` draws everything a
folder holds:

1. a run folder (``results.parquet`` from ``empower run``): trajectories only;
2. a comparison folder (``runs.parquet`` and ``summary.parquet`` from ``empower
   compare``): trajectories per scenario, infections averted, coverage target against
   reached, the care cascade, violence, and spending by item.

Figures go into ``FOLDER/figures/`` as ``NAME.png`` and ``NAME.svg``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["OKABE_ITO", "plot_folder", "FIGURES"]

OKABE_ITO = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7",
             "#F0E442")
GROUP_LABELS = {"female_sex_workers": "female sex workers", "male_sex_workers":
                "male sex workers", "trans_sex_workers": "trans sex workers",
                "sex_workers": "sex workers", "clients": "clients", "partners": "partners",
                "all": "everyone"}
SPENDING_ITEMS = ("outreach", "clinic", "condoms", "crisis_response", "prep")

# name -> (metric, groups, y label, percent?)
TRAJECTORIES = {
    "hiv_prevalence": ("hiv_prevalence", ("female_sex_workers", "clients", "partners"),
                       "HIV prevalence, end of year (%)", True),
    "hiv_incidence": ("hiv_incidence_per_100py", ("female_sex_workers", "clients",
                                                  "partners"),
                      "new HIV infections per 100 person-years", False),
    "gonorrhoea_prevalence": ("gonorrhoea_prevalence", ("female_sex_workers", "clients"),
                              "gonorrhoea prevalence, end of year (%)", True),
    "chlamydia_prevalence": ("chlamydia_prevalence", ("female_sex_workers", "clients"),
                             "chlamydia prevalence, end of year (%)", True),
}
FIGURES = (*TRAJECTORIES, "infections_averted", "coverage", "cascade", "violence",
           "spending")


def _style() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({
        "figure.dpi": 110, "savefig.dpi": 110, "font.size": 9, "axes.titlesize": 10,
        "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
        "grid.alpha": 0.3, "legend.frameon": False,
        "axes.prop_cycle": matplotlib.cycler(color=OKABE_ITO),
        "svg.fonttype": "none", "svg.hashsalt": "empower",  # stable SVG text for diffs
    })


def _save(fig, folder: Path, name: str) -> list[Path]:
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.png", folder / f"{name}.svg"]
    fig.tight_layout()
    fig.savefig(paths[0])
    fig.savefig(paths[1], metadata={"Date": None})
    plt.close(fig)
    return paths


def _bands(runs: pd.DataFrame, metric: str, group: str) -> pd.DataFrame:
    """Per scenario and year: the median and 95% range over replicates."""
    rows = runs[(runs.metric == metric) & (runs.group == group)]
    g = rows.groupby(["scenario", "year"]).value
    return pd.DataFrame({"median": g.median(), "low": g.quantile(0.025),
                         "high": g.quantile(0.975)}).reset_index()


def _scenario_colours(scenarios: list[str]) -> dict[str, str]:
    return {s: OKABE_ITO[i % len(OKABE_ITO)] for i, s in enumerate(scenarios)}


def trajectories(runs: pd.DataFrame, name: str, folder: Path, scenarios: list[str]
                 ) -> list[Path]:
    """One panel per group: each scenario's median with its 95% ribbon, by year."""
    import matplotlib.pyplot as plt

    metric, groups, ylabel, percent = TRAJECTORIES[name]
    groups = tuple(g for g in groups if ((runs.metric == metric) & (runs.group == g)).any())
    if not groups:
        return []
    colours = _scenario_colours(scenarios)
    scale = 100.0 if percent else 1.0
    fig, axes = plt.subplots(1, len(groups), figsize=(3.4 * len(groups), 3.0), squeeze=False)
    for ax, group in zip(axes[0], groups, strict=True):
        bands = _bands(runs, metric, group)
        for scenario in scenarios:
            b = bands[bands.scenario == scenario]
            ax.fill_between(b.year, scale * b.low, scale * b.high, color=colours[scenario],
                            alpha=0.18, linewidth=0)
            ax.plot(b.year, scale * b["median"], color=colours[scenario], label=scenario)
        ax.set_title(GROUP_LABELS.get(group, group))
        ax.set_xlabel("year (end of year)")
        ax.set_ylim(bottom=0)
    axes[0][0].set_ylabel(ylabel)
    axes[0][-1].legend(loc="best", fontsize=8)
    fig.suptitle(f"{ylabel}: median and 95% range over replicates", fontsize=10)
    return _save(fig, folder, name)


def infections_averted(summary: pd.DataFrame, reference: str, folder: Path,
                       years: tuple[int, int]) -> list[Path]:
    """HIV infections averted over the horizon, by group: median with 95% range."""
    import matplotlib.pyplot as plt

    from empower.compare import TOTAL

    groups = [g for g in ("female_sex_workers", "clients", "partners", "all")
              if ((summary.metric == "new_hiv_infections") & (summary.group == g)).any()]
    rows = summary[(summary.metric == "new_hiv_infections") & (summary.period == TOTAL)
                   & (summary.scenario != reference)]
    scenarios = sorted(rows.scenario.unique())
    if not scenarios:
        return []
    fig, ax = plt.subplots(figsize=(6.5, 0.5 + 0.45 * len(scenarios) * len(groups) / 2 + 1))
    height = 0.8 / len(groups)
    for j, group in enumerate(groups):
        g = rows[rows.group == group].set_index("scenario").reindex(scenarios)
        y = np.arange(len(scenarios)) + j * height
        ax.barh(y, g.averted_median, height=height, color=OKABE_ITO[(j + 1) % 8],
                label=GROUP_LABELS.get(group, group))
        ax.errorbar(g.averted_median, y, xerr=[g.averted_median - g.averted_low,
                                               g.averted_high - g.averted_median],
                    fmt="none", ecolor="#333333", elinewidth=0.8, capsize=2)
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_yticks(np.arange(len(scenarios)) + 0.4 - height / 2)
    ax.set_yticklabels(scenarios)
    ax.invert_yaxis()
    ax.set_xlabel(f"new HIV infections averted against {reference}, {years[0]}-{years[1]} "
                  "(model people)")
    ax.set_title("HIV infections averted: median and 95% range over paired replicates")
    ax.legend(loc="best", fontsize=8)
    return _save(fig, folder, "infections_averted")


def coverage(runs: pd.DataFrame, folder: Path, scenarios: list[str]) -> list[Path]:
    """Coverage target (dashed) against coverage reached (median and 95% range)."""
    import matplotlib.pyplot as plt

    colours = _scenario_colours(scenarios)
    fig, ax = plt.subplots(figsize=(6.0, 3.4))
    reached, target = _bands(runs, "coverage_reached", "all"), _bands(runs, "coverage_target",
                                                                      "all")
    for scenario in scenarios:
        r, t = reached[reached.scenario == scenario], target[target.scenario == scenario]
        ax.fill_between(r.year, 100 * r.low, 100 * r.high, color=colours[scenario], alpha=0.18,
                        linewidth=0)
        ax.plot(r.year, 100 * r["median"], color=colours[scenario], label=f"{scenario}: reached")
        ax.plot(t.year, 100 * t["median"], color=colours[scenario], linestyle="--",
                label=f"{scenario}: target")
    ax.set_xlabel("year (end of year)")
    ax.set_ylabel("sex workers covered by outreach (%)")
    ax.set_ylim(0, 100)
    ax.set_title("Mobilisation coverage: target (dashed) and reached")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7)
    return _save(fig, folder, "coverage")


def cascade(runs: pd.DataFrame, folder: Path, scenarios: list[str], year: int) -> list[Path]:
    """Female sex workers with HIV: diagnosed, on ART, virally suppressed, in ``year``."""
    import matplotlib.pyplot as plt

    steps = (("hiv_diagnosed", "diagnosed"), ("art_coverage", "on ART"),
             ("viral_suppression", "virally suppressed"))
    group = "female_sex_workers"
    fig, ax = plt.subplots(figsize=(6.0, 3.2))
    width = 0.8 / max(len(scenarios), 1)
    colours = _scenario_colours(scenarios)
    for i, scenario in enumerate(scenarios):
        med, low, high = [], [], []
        for metric, _ in steps:
            b = _bands(runs, metric, group)
            b = b[(b.scenario == scenario) & (b.year == year)]
            med.append(100 * b["median"].sum()), low.append(100 * b.low.sum())
            high.append(100 * b.high.sum())
        x = np.arange(len(steps)) + i * width
        ax.bar(x, med, width=width, color=colours[scenario], label=scenario)
        ax.errorbar(x, med, yerr=[np.subtract(med, low), np.subtract(high, med)], fmt="none",
                    ecolor="#333333", elinewidth=0.8, capsize=2)
    ax.set_xticks(np.arange(len(steps)) + 0.4 - width / 2)
    ax.set_xticklabels([label for _, label in steps])
    ax.set_ylabel("female sex workers with HIV (%)")
    ax.set_ylim(0, 100)
    ax.set_title(f"HIV care cascade, female sex workers, end of {year}")
    ax.legend(loc="best", fontsize=8)
    return _save(fig, folder, "cascade")


def violence(runs: pd.DataFrame, folder: Path, scenarios: list[str]) -> list[Path]:
    """Sex workers with violence in the past year, by perpetrator and scenario."""
    import matplotlib.pyplot as plt

    perpetrators = [p for p in ("any", "client", "partner", "police")
                    if ((runs.metric == "violence_past_year") & (runs.group == p)).any()]
    colours = _scenario_colours(scenarios)
    columns = min(2, len(perpetrators))
    rows = -(-len(perpetrators) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 2.9 * rows),
                             squeeze=False, sharey=True, sharex=True)
    for ax in axes.flat[len(perpetrators):]:
        ax.set_visible(False)
    for ax, who in zip(axes.flat, perpetrators, strict=False):
        b = _bands(runs, "violence_past_year", who)
        for scenario in scenarios:
            s = b[b.scenario == scenario]
            ax.fill_between(s.year, 100 * s.low, 100 * s.high, color=colours[scenario],
                            alpha=0.18, linewidth=0)
            ax.plot(s.year, 100 * s["median"], color=colours[scenario], label=scenario)
        ax.set_title({"any": "by anyone", "police": "by police"}.get(who, f"by {who}s"))
        ax.set_ylim(bottom=0)
    for ax in axes[-1]:
        ax.set_xlabel("year (end of year)")
    for ax in axes[:, 0]:
        ax.set_ylabel("violence in the past year (%)")
    axes[0][-1].legend(loc="best", fontsize=8)
    fig.suptitle("Sex workers with violence in the past year, by perpetrator: median and "
                 "95% range over replicates", fontsize=10)
    return _save(fig, folder, "violence")


def spending(runs: pd.DataFrame, folder: Path, scenarios: list[str],
             years: tuple[int, int]) -> list[Path]:
    """Spending by item over the horizon, stacked, per scenario (median over replicates)."""
    import matplotlib.pyplot as plt

    rows = runs[(runs.metric == "spending_usd") & runs.group.isin(SPENDING_ITEMS)]
    totals = (rows.groupby(["scenario", "replicate", "group"]).value.sum()
              .groupby(["scenario", "group"]).median().unstack("group")
              .reindex(index=scenarios, columns=list(SPENDING_ITEMS)).fillna(0.0))
    fig, ax = plt.subplots(figsize=(6.5, 1.4 + 0.45 * len(scenarios)))
    left = np.zeros(len(scenarios))
    for j, item in enumerate(SPENDING_ITEMS):
        ax.barh(scenarios, totals[item] / 1000, left=left, color=OKABE_ITO[(j + 1) % 8],
                label=item.replace("_", " "))
        left += totals[item].to_numpy() / 1000
    ax.invert_yaxis()
    ax.set_xlabel(f"spending {years[0]}-{years[1]} (thousand US$, median over replicates)")
    ax.set_title("Spending by item")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), fontsize=7,
              ncol=len(SPENDING_ITEMS))
    return _save(fig, folder, "spending")


def plot_folder(folder: Path | str) -> list[Path]:
    """Draw every figure a run or comparison folder supports; return the files written.

    Raises:
        FileNotFoundError: If the folder holds neither a run nor a comparison.
    """
    import json

    folder = Path(folder)
    out = folder / "figures"
    _style()
    if (folder / "runs.parquet").exists() and (folder / "summary.parquet").exists():
        runs = pd.read_parquet(folder / "runs.parquet")
        summary = pd.read_parquet(folder / "summary.parquet")
        meta = json.loads((folder / "comparison.json").read_text())
        reference, years = meta["reference"], tuple(meta["years"])
        scenarios = [reference] + [s for s in meta["scenarios"] if s != reference]
        paths = [p for name in TRAJECTORIES for p in trajectories(runs, name, out, scenarios)]
        paths += infections_averted(summary, reference, out, years)
        paths += coverage(runs, out, scenarios)
        paths += cascade(runs, out, scenarios, years[1])
        paths += violence(runs, out, scenarios)
        paths += spending(runs, out, scenarios, years)
        return paths
    if (folder / "results.parquet").exists():
        runs = pd.read_parquet(folder / "results.parquet")
        scenarios = sorted(runs.scenario.unique())
        return [p for name in TRAJECTORIES for p in trajectories(runs, name, out, scenarios)]
    raise FileNotFoundError(f"{folder}: neither a comparison (runs.parquet, summary.parquet) "
                            "nor a run (results.parquet)")
