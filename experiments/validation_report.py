r"""Write docs/validation.md: every calibration target and survey odds ratio beside the data.

Usage (from the repository root, after ``empower calibrate ... --out out/calibration``):

    python experiments/validation_report.py --calibration out/calibration \\
        --posterior seeds/mysore.posterior.csv --replicates 10 --out docs/validation.md

Steps:

1. The calibration's fit table (``fit.csv``): each target, observed with its interval,
   the model's posterior median and 95% range, inside or not.
2. Simulated surveys of the programme as it happened (``scenarios/history.toml``) and
   of the status quo, each replicate with its posterior draw (seeds 1..N): the
   survey odds ratios, adjusted for years in sex work (2008 and 2010 pooled, every
   working sex worker), beside Kerrigan et al. 2015, Beattie et al. 2010 and Platt et
   al. 2018; the HIV and STI odds ratios of membership, which are results.
3. The Mysore 2006 survey repeated at the study's size (n = 425) in the history, for
   the 2004-2006 changes the issue asks about (HIV inside the intervals, gonorrhoea
   and chlamydia roughly halved, condom use with occasional clients 65% to 90%).
4. What does not fit, and why: every target outside its interval, with the reason
   recorded in :data:`REASONS` when one is known.

Every number in the page comes from these runs; the page says which command made it.
"""

from __future__ import annotations

import argparse
import math
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

# Why a target is not met, when the cause is known (target name -> reason)
REASONS = {
    "gonorrhoea_2004": "stage 2 has not converged (5 generations). Gonorrhoea's "
    "prevalence is a threshold function of its per-act value: at the posterior's "
    "medians, 0.045 gives 2.9% in 2004 and 0.06 gives 17% (with HIV at 36%), so most "
    "draws either fade or explode. The posterior's median (0.023) fades. "
    "One value's seeds span more than the survey's interval (0.047, with HIV per act 0.0018, gives "
    "1.4-8.3% in 2004), so a one-run draw is kept or not by its seed; the spread of client numbers "
    "assumed (CV 0.8) does not flatten the edge (docs/calibration.md, 'How steep the "
    "STIs are').",
    "gonorrhoea_2006": "as for gonorrhoea_2004.",
    "chlamydia_2004": "as for gonorrhoea_2004: stage 2 has not converged, and the "
    "posterior's per-act value lets chlamydia fall below its level.",
    "chlamydia_2006": "as for gonorrhoea_2004.",
    "condom_one_off_2004": "fitted in stage 1 (inside there: 0.627 [0.530-0.748]); "
    "this is the joint posterior's predictive, whose draws stage 2 reweighted.",
    "condom_one_off_2006": "as for condom_one_off_2004.",
    "condom_partner_2006": "the partner pathway (or_condom_partner_community) grows with "
    "cohesion x coverage, which has not reached full size by late 2006; its prior's top "
    "was raised from 100 to 300, and stage 1's posterior (median 50, 95% range 5-198) "
    "no longer presses on it, but the median stays below the interval; an effect "
    "through membership is not tried.",
    "condom_regular_client_2006": "the power on the client multiplier that reaches repeat "
    "clients (0.61 [0.11-0.94] in stage 1) trades their rise against the occasional "
    "clients'; stage 1 had not converged (4 generations).",
    "empowerment_condom_or": "consistent use over 30 days needs every act with clients "
    "protected, so the survey odds ratio responds weakly to the members' per-act "
    "multiplier (22.5 gives about 2.0, 500 about 3.3 at members' empowerment of 0.8); "
    "the community-wide effect lifts non-members (mostly recent entrants) towards "
    "members; members report more past-year violence (longer at work), which pulls the "
    "odds ratio towards 1; and a run's own odds ratio is noisy (about 100 non-members "
    "a survey). Stage 1 has not converged: or_condom_empowered still spans most of its "
    "prior (docs/calibration.md, 'Why the two survey odds ratios missed').",
    "violence_condom_or": "see the survey odds ratio of violence below.",
    "members_2010": "recruitment saturates: outreach reaches fewer of the remaining "
    "non-members as coverage grows, and members leave at the attrition rate.",
}


# Why a survey odds ratio that is a target misses its published interval
OR_REASONS = {
    "violence_condom": "fitted in stage 1 on the same surveys. The crisis response "
    "cuts a violence effect to two weeks for the members it reaches, so a past-year "
    "report rarely meets unprotected sex in the last month: at the old fixed reach (0.8) "
    "the odds ratio was 0.69, with no response 0.34. The reach is now fitted in stage 1 "
    "(docs/calibration.md), which has not converged; in the status quo, where few are "
    "members, the odds ratio is near Beattie's.",
    "empowerment_condom": "see empowerment_condom_or above.",
}


def survey_ors(scenario: Path, posterior: Path, seeds: list[int]) -> pd.DataFrame:
    """Adjusted survey odds ratios (2008 and 2010 pooled), one row per seed and analysis."""
    from empower.posterior import posterior_scenarios
    from empower.survey import SurveyDesign, run_surveys, survey_odds_ratios

    runs, draws, _ = posterior_scenarios(scenario, seeds, posterior)
    rows = []
    for run, seed, draw in zip(runs, seeds, draws, strict=True):
        r = run_surveys(run, [SurveyDesign(2008, 5000), SurveyDesign(2010, 5000)], seed=seed)
        table = survey_odds_ratios(r.assign(survey_year=0))
        table = table[table.adjusted_for != ""].assign(seed=seed, draw=draw)
        rows.append(table)
    return pd.concat(rows, ignore_index=True)


def survey_2006(scenario: Path, posterior: Path, seeds: list[int],
                fieldwork: dict[str, float]) -> pd.DataFrame:
    """The 2004 and 2006 surveys at the studies' sizes; one row per seed, year, measure."""
    from empower.posterior import posterior_scenarios
    from empower.survey import SurveyDesign, run_surveys, survey_estimates

    runs, _, _ = posterior_scenarios(scenario, seeds, posterior)
    parts = []
    for run, seed in zip(runs, seeds, strict=True):
        designs = [SurveyDesign(year, n, fieldwork_fraction=fieldwork.get(str(year), 0.5))
                   for year, n in ((2004, 429), (2006, 425))]
        r = run_surveys(run, designs, seed=seed)
        parts.append(survey_estimates(r, list(run.params.stis)))
    return pd.concat(parts, ignore_index=True)


def _q(values: pd.Series) -> tuple[float, float, float]:
    v = values.dropna()
    if v.empty:
        return (math.nan,) * 3
    return tuple(float(v.quantile(q)) for q in (0.5, 0.025, 0.975))


def _f(x: float, digits: int) -> str:
    return "-" if not math.isfinite(x) else f"{x:.{digits}f}"


def _commit() -> str:
    from empower.results import source_commit

    sha = source_commit()["commit"]
    return sha[:7] if sha else "unknown"


def posterior_section(posterior: pd.DataFrame, meta: dict) -> list[str]:
    """The posterior beside each prior, and how the calibration (each stage) ran."""
    lines = ["## The posterior", ""]
    stages = [meta] if not meta.get("conditional_meta") else [meta["conditional_meta"], meta]
    for i, stage in enumerate(stages):
        if len(stages) > 1:
            lines += [f"### Stage {i + 1}: `{stage['targets_file']}`", ""]
        lines += _stage_lines(posterior, stage)
    return lines


def _stage_lines(posterior: pd.DataFrame, meta: dict) -> list[str]:
    eps = ", ".join(f"{e:.1f}" for e in meta["epsilons"])
    distinct = posterior[[p["parameter"] for p in meta["priors"]]].drop_duplicates().shape[0]
    lines = [f"ABC-SMC (pyabc {meta['pyabc']}): {meta['generations_run']} generations of "
             f"{meta['population']} particles, {meta['simulations']} model runs in all, "
             f"epsilons {eps}; the posterior is generation {meta['posterior_generation']} "
             f"(effective sample size {meta['effective_sample_size']:.1f} of "
             f"{meta['population']}), resampled into {meta['draws']} equally likely draws "
             f"({distinct} distinct). "
             "Median [95% range] of the draws:", "",
             "| parameter | prior | posterior | source |", "| --- | --- | --- | --- |"]
    for prior in meta["priors"]:
        q = _q(posterior[prior["parameter"]])
        lines.append(f"| `{prior['parameter']}` | {prior['low']:g}-{prior['high']:g} "
                     f"({prior['scale']}) | {q[0]:.4g} [{q[1]:.4g}-{q[2]:.4g}] | "
                     f"{prior['source']} |")
        for tie in prior.get("tied", []):
            lines.append(f"| `{tie['parameter']}` | tied: {tie['factor']:g} x the above | "
                         f"{q[0] * tie['factor']:.4g} | {tie['source']} |")
    return lines + [""]


def _first_stage_targets(posterior: Path) -> set[str]:
    """Targets fitted in the first stage of a staged calibration (none if not staged)."""
    import json

    meta_path = posterior.with_suffix(".json")
    if not meta_path.exists():
        return set()
    first = json.loads(meta_path.read_text()).get("conditional_meta") or {}
    return {t["name"] for t in first.get("targets", []) if t.get("fitted")}


def render(fit: pd.DataFrame, ors: dict[str, pd.DataFrame], early: pd.DataFrame,
           args: argparse.Namespace, posterior_lines: list[str]) -> str:
    """The page as Markdown."""
    seeds = f"seeds 1-{args.replicates}"
    lines = [
        "# Validation: the model against the data it was fitted to, and against what it"
        " was not",
        "",
        "Generated by `python experiments/validation_report.py --calibration "
        f"{args.calibration} --posterior {args.posterior} --replicates {args.replicates} "
        f"--out {args.out}` on {date.today().isoformat()} at commit {_commit()}. Every "
        "run samples the stored posterior: replicate r uses the draw its seed picks, so "
        "ranges carry parameter and stochastic uncertainty together.",
        "",
        "## Calibration targets (`scenarios/history.toml`)",
        "",
        "The posterior predictive of the calibration (`fit.csv`: 20 posterior draws, one "
        "run each, every working sex worker surveyed).",
        "",
        "| target | measure | year(s) | observed (95% interval) | model median [95% range] "
        "| inside | source |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    first_stage = _first_stage_targets(args.posterior)
    for _, r in fit.iterrows():
        d = 2 if r.measure.startswith("odds_ratio") else 3
        how = ("" if r.fitted else " (fitted in stage 1)" if r.target in first_stage
               else " (not fitted)")
        inside = ("yes" if r.inside else "**no**") + how
        lines.append(
            f"| {r.target} | {r.measure} | {r.years} | {_f(r.observed, d)} "
            f"({_f(r.observed_low, d)}-{_f(r.observed_high, d)}) | {_f(r.model_median, d)} "
            f"[{_f(r.model_low, d)}-{_f(r.model_high, d)}] | {inside} | {r.source} |")
    lines += ["", *posterior_lines]
    lines += ["## The 2004 and 2006 surveys at the studies' sizes", "",
              f"`scenarios/history.toml`, {seeds}, surveys of 429 (April 2004) and 425 "
              "(October 2006) sex workers, 30 months apart as in Reza-Paul et al. 2008: "
              "median over replicates [95% range].",
              "", "| measure | 2004 model | 2004 observed | 2006 model | 2006 observed | "
              "change 2004-06, model | change, observed |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    observed = {"hiv": (0.26, 0.24), "gonorrhoea": (0.05, 0.02), "chlamydia": (0.11, 0.05),
                "condom_last_sex_one_off": (0.65, 0.90),
                "condom_last_sex_regular_client": (0.53, 0.66),
                "condom_last_sex_intimate_partner": (0.07, 0.30)}
    for measure, (o4, o6) in observed.items():
        rows = early[early.measure == measure].pivot(index="seed", columns="survey_year",
                                                     values="value")
        m4, m6 = _q(rows[2004]), _q(rows[2006])
        ratios = (rows[2006] / rows[2004]).replace([np.inf, -np.inf], np.nan)
        ratio = _q(ratios)
        undefined = int(ratios.isna().sum())
        lines.append(f"| {measure} | {100 * m4[0]:.1f}% [{100 * m4[1]:.1f}-{100 * m4[2]:.1f}] "
                     f"| {100 * o4:.0f}% | {100 * m6[0]:.1f}% [{100 * m6[1]:.1f}-"
                     f"{100 * m6[2]:.1f}] | {100 * o6:.0f}% | x{ratio[0]:.2f} "
                     f"[{ratio[1]:.2f}-{ratio[2]:.2f}]"
                     + (f" ({undefined} of {len(ratios)} undefined: no case in the 2004 "
                        "sample)" if undefined else "")
                     + f" | x{o6 / o4:.2f} |")
    lines += ["", "## Survey odds ratios beside the published ones", "",
              f"Adjusted for years in sex work, surveys of mid-2008 and mid-2010 pooled, every "
              f"working sex worker, {seeds}: median [95% range over replicates]. `target` "
              "rows were fitted (by hand, docs/calibration.md, or by the calibration); "
              "`result` rows never were.", "",
              "| association | role | published | history | status quo |",
              "| --- | --- | --- | --- | --- |"]
    base = ors["history"]
    for name in base["analysis"].unique():
        first = base[base.analysis == name].iloc[0]
        pub = ("" if not math.isfinite(first.published) else
               f"{first.published:g} ({first.published_low:g}-{first.published_high:g})")
        cells = []
        for key in ("history", "status_quo"):
            q = _q(ors[key].loc[ors[key].analysis == name, "odds_ratio"])
            cells.append(f"{_f(q[0], 2)} [{_f(q[1], 2)}-{_f(q[2], 2)}]")
        lines.append(f"| {first.outcome} ~ {first.exposure} | {first.role} | {pub} | "
                     f"{cells[0]} | {cells[1]} |")
    lines += ["", "## What does not fit, and why", ""]
    missed = fit[~fit.inside.astype(bool)]
    if missed.empty:
        lines.append("Every calibration target's posterior median is inside its interval.")
    for _, r in missed.iterrows():
        reason = REASONS.get(r.target, "not yet explained.")
        lines.append(f"- **{r.target}** (observed {r.observed:g}, model "
                     f"{_f(r.model_median, 3)}): {reason}")
    for name in base["analysis"].unique():
        rows = base[base.analysis == name]
        first = rows.iloc[0]
        if first.role != "target" or not math.isfinite(first.published_low):
            continue
        med = _q(rows["odds_ratio"])[0]
        if first.published_low <= med <= first.published_high:
            continue
        reason = OR_REASONS.get(name, "not yet explained.")
        lines.append(f"- **{first.outcome} ~ {first.exposure}** (published "
                     f"{first.published:g}, history {_f(med, 2)}): {reason}")
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the surveys and write the page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibration", type=Path, default=Path("out/calibration"))
    parser.add_argument("--posterior", type=Path, default=Path("seeds/mysore.posterior.csv"))
    parser.add_argument("--targets", type=Path, default=Path("seeds/targets/mysore.toml"))
    parser.add_argument("--replicates", type=int, default=10)
    parser.add_argument("--out", type=Path, default=Path("docs/validation.md"))
    args = parser.parse_args(argv)
    fit = pd.read_csv(args.calibration / "fit.csv")
    seeds = list(range(1, args.replicates + 1))
    ors = {name: survey_ors(ROOT / "scenarios" / f"{name}.toml", args.posterior, seeds)
           for name in ("history", "status_quo")}
    from empower.calibrate import load_targets

    spec, _ = load_targets(args.targets)  # fieldwork dates as the calibration's
    early = survey_2006(ROOT / "scenarios" / "history.toml", args.posterior, seeds,
                        spec.fieldwork)
    import json

    meta = json.loads((args.calibration / "posterior.json").read_text())
    posterior_lines = posterior_section(pd.read_csv(args.posterior), meta)
    args.out.write_text(render(fit, ors, early, args, posterior_lines))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
