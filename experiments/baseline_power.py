"""How often ``empower baseline check`` fails: false alarms and power, measured.

Checks the project's baseline (tests/baselines/status_quo_small.json) against runs
that should pass (other replicate seeds, several times) and runs that should fail (a
10% change in a key parameter, and regular ties that never dissolve), and prints one
row per case: records failed and the metrics they belong to.

    python experiments/baseline_power.py [--seed-sets 5]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from empower.baseline import rerun
from empower.baseline_compare import compare
from empower.baseline_file import read_baseline
from empower.processes.partnerships.process import Partnerships
from empower.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "tests" / "baselines" / "status_quo_small.json"


def _value(params, key: str) -> float:
    value = params
    for part in key.split("."):
        value = value[part] if isinstance(value, dict) else getattr(value, part)
    return value.value


def main() -> None:
    """Print the false-alarm and power table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-sets", type=int, default=5,
                        help="other seed sets to check (each should pass)")
    args = parser.parse_args()
    baseline = read_baseline(BASELINE)
    n = len(baseline.seeds)
    params = load_scenario(REPO / "tests" / "baselines" / "status_quo_small.toml").params
    venues = list(params.sex_workers.venues)
    perturbations = {
        "HIV per-act probability +10%": (
            ["hiv.p_per_act_male_to_female", "hiv.p_per_act_female_to_male"], 1.1),
        "client volume +10%": (
            [f"sex_workers.venues.{v}.one_off_clients_per_week" for v in venues], 1.1),
        "condom efficacy -10% (HIV and STIs)": (
            ["hiv.prop_condom_efficacy", "stis.gonorrhoea.prop_condom_efficacy",
             "stis.chlamydia.prop_condom_efficacy"], 0.9),
        "condom efficacy -10% (HIV only)": (["hiv.prop_condom_efficacy"], 0.9),
    }
    print(f"baseline: {BASELINE.relative_to(REPO)}, {n} replicates, people scale "
          f"{baseline.people_scale:g}")
    print("| case | expected | records failed | metrics failed |")
    print("| --- | --- | --- | --- |")

    def row(case: str, expected: str, seeds=None, overrides=None) -> None:
        seeds = seeds or baseline.seeds
        runs, _ = rerun(baseline, BASELINE, seeds=seeds, overrides=overrides)
        result = compare(baseline, runs, seeds)
        metrics = ", ".join(sorted(set(result.failed["metric"]))) or "-"
        print(f"| {case} | {expected} | {len(result.failed)} of {len(result.rows)} | "
              f"{metrics} |", flush=True)

    for k in range(1, args.seed_sets + 1):
        first = 1000 * k
        row(f"seeds {first}-{first + n - 1}", "pass", seeds=list(range(first, first + n)))
    for case, (keys, factor) in perturbations.items():
        row(case, "fail", overrides={key: _value(params, key) * factor for key in keys})

    def never_end(self, model):
        self.tie_weeks += self.tie_sw.size

    Partnerships._end_regular = never_end
    row("regular ties never dissolve", "fail")


if __name__ == "__main__":
    main()
