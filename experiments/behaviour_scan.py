r"""Scan parameters against the behavioural survey targets, on behaviour only.

A hand calibration measured with simulated surveys (empower.survey) of the status quo:

* consistent condom use with clients over 30 days, mid-2004, against Ashodaya's
  programme figure of 20% (ashodayasamithi.org, programme data);
* surveys of mid-2008 and mid-2010 pooled, adjusted for years in sex work:
  members vs non-members, consistent condom use (Kerrigan et al. 2015: OR 3.27,
  2.32-4.6); past-year violence vs consistent condom use (Beattie et al. 2010: AOR 0.4,
  0.3-0.5); repressive policing vs condomless sex with clients (Platt et al. 2018: OR
  1.42, 1.03-1.94) and vs violence by clients or partners (Platt: OR 2.99, 1.96-4.57);
* past-year violence (beaten or raped) in 2008: Beattie et al. 2010, 11.0% face to face
  and 26.4% in anonymous polling booths.

Usage (from the repository root), each ``--grid`` a dotted parameter and its values:

    python experiments/behaviour_scan.py --seeds 1 2 3 4 5 \
        --grid violence.or_condom_displaced=0.5,0.25 --grid violence.dur_displacement_years=0.25

``--scenario`` runs another scenario (the calibration's ``scenarios/history.toml``);
``--posterior FILE`` first applies each parameter's median over that posterior's draws
to the setting, as a calibration draw is applied (the grid's values on top, the
scenario's own timelines still win), so a fitted point can be traced:

    python experiments/behaviour_scan.py --scenario scenarios/history.toml \
        --posterior seeds/mysore.posterior.csv --seeds 7 \
        --grid mobilisation.or_condom_empowered=22.5,100,500

Prints one row per combination with the median over seeds, then the members' and
non-members' consistent condom use, condom use at last sex with one-off clients and
past-year violence (surveys of 2008 and 2010 pooled), which the odds ratios are made
of. Every survey takes every working sex worker (sample 5000), so sampling noise is the
model's own. HIV and STI outcomes are never looked at here: they are results.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"consistent_2004": 0.20, "or_member": 3.27, "or_violence": 0.4,
           "or_policing_condomless": 1.42, "or_policing_violence": 2.99}


def _median_draw(posterior: Path | None) -> dict[str, float]:
    """Each parameter's median over a posterior's draws (none: empty)."""
    from empower.posterior import posterior_medians

    return {} if posterior is None else posterior_medians(posterior)


def _one(args: tuple[tuple[tuple[str, float], ...], int, Path, dict[str, float]]) -> dict:
    from empower.scenario import load_scenario
    from empower.survey import SurveyDesign, run_surveys, survey_odds_ratios

    overrides, seed, scenario_path, base = dict(args[0]), args[1], args[2], args[3]
    scenario = load_scenario(scenario_path, {**base, **overrides}, "behaviour scan")
    designs = [SurveyDesign(y, 5000) for y in (2004, 2008, 2010)]
    r = run_surveys(scenario, designs, seed=seed, threads=1)
    later = r[r.survey_year > 2004]
    ors = survey_odds_ratios(later.assign(survey_year=0)).set_index(
        ["analysis", "adjusted_for"])

    def adjusted(name: str) -> float:
        return float(ors.loc[(name, "years_in_sex_work"), "odds_ratio"])

    def among(member: float, measure: str) -> float:
        return float(later.loc[later.member == member, measure].mean())

    return {
        **overrides, "seed": seed,
        "consistent_2004": r.loc[r.survey_year == 2004, "consistent_condom_clients"].mean(),
        "last_sex_one_off_2004": r.loc[r.survey_year == 2004,
                                       "condom_last_sex_one_off"].mean(),
        "violence_any_2008": r.loc[r.survey_year == 2008, "violence_any"].mean(),
        "or_member": adjusted("empowerment_condom"),
        "or_violence": adjusted("violence_condom"),
        "or_policing_condomless": adjusted("policing_condomless"),
        "or_policing_violence": adjusted("policing_violence"),
        "members_2008_10": float(later.member.mean()),
        **{f"{m}_{who}": among(flag, m) for who, flag in (("member", 1.0), ("non_member", 0.0))
           for m in ("consistent_condom_clients", "condom_last_sex_one_off", "violence_any")},
    }


def main() -> None:
    """Run the grid in worker processes and print the medians over seeds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", action="append", default=[],
                        help="dotted.parameter=v1,v2,... (repeat)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "status_quo.toml")
    parser.add_argument("--posterior", type=Path, default=None,
                        help="apply each parameter's median over this posterior first")
    args = parser.parse_args()
    base = _median_draw(args.posterior)
    names, values = [], []
    for item in args.grid:
        key, _, text = item.partition("=")
        names.append(key)
        values.append([float(v) for v in text.split(",")])
    combos = [tuple(zip(names, c, strict=True)) for c in itertools.product(*values)]
    jobs = [(c, seed, args.scenario, base) for c in combos for seed in args.seeds]
    from empower.workers import worker_pool

    with worker_pool(args.workers) as pool:  # spawned: safe after numba's threads
        rows = list(pool.map(_one, jobs))
    table = pd.DataFrame(rows)
    table = table.groupby(names).median(numeric_only=True) if names else table.median(
        numeric_only=True).to_frame().T
    pd.set_option("display.width", 250)
    print(table.drop(columns="seed").round(3).T.to_string())
    print("targets:", TARGETS)


if __name__ == "__main__":
    main()
