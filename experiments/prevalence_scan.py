r"""How steeply the surveyed prevalences respond to a calibration's epidemic values.

Runs a targets file's scenario (the calibration's ``scenarios/history.toml``) at a
posterior's per-parameter medians with one stage-2 value changed at a time, as a
calibration draw is applied (its tied values moved with it by their ratios), and
surveys every working sex worker at the targets' fieldwork dates: HIV, gonorrhoea and
chlamydia among those surveyed. The prevalences are calibration targets, so this
shows what a calibration has to find; the HIV and STI odds ratios of empowerment are
results and are not looked at.

Usage (from the repository root), each ``--grid`` a free parameter of the targets file
and its values:

    python experiments/prevalence_scan.py --posterior seeds/mysore.posterior.csv \
        --grid stis.gonorrhoea.p_per_act_male_to_female=0.03,0.045,0.06,0.08 --seeds 1 2

Prints, per value, the median over seeds of each survey year's prevalences.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def _one(args: tuple[Path, Path, dict[str, float], int]) -> pd.DataFrame:
    from empower.calibrate import Simulator, load_targets

    targets, posterior, values, seed = args
    spec, scenario = load_targets(targets)
    simulator = Simulator(spec, scenario)
    r = simulator.respondents(values, seed=seed)
    stis = [c for c in ("gonorrhoea", "chlamydia") if c in r]
    return r.groupby("survey_year")[["hiv", *stis]].mean().reset_index().assign(seed=seed)


def main() -> None:
    """Run the grid in worker processes and print the medians over seeds."""
    from empower.calibrate import load_targets
    from empower.posterior import posterior_medians
    from empower.workers import worker_pool

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=Path, default=ROOT / "seeds/targets/mysore.toml")
    parser.add_argument("--posterior", type=Path, required=True)
    parser.add_argument("--grid", required=True, help="free.parameter=v1,v2,...")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    spec, _ = load_targets(args.targets)
    medians = posterior_medians(args.posterior)
    free = {p.parameter: medians[p.parameter] for p in spec.priors}
    key, _, text = args.grid.partition("=")
    if key not in free:
        raise SystemExit(f"--grid: {key} is not a free parameter of {args.targets}; "
                         f"free: {', '.join(free)}")
    jobs, labels = [], []
    for value in (float(v) for v in text.split(",")):
        values = {**medians, **spec.setting_values({**free, key: value})}
        for seed in args.seeds:
            jobs.append((args.targets, args.posterior, values, seed))
            labels.append(value)
    with worker_pool(args.workers) as pool:  # spawned: safe after numba's threads
        parts = [t.assign(value=v) for t, v in zip(pool.map(_one, jobs), labels, strict=True)]
    out = pd.concat(parts).groupby(["value", "survey_year"]).median(numeric_only=True)
    print(f"{key} (others at the posterior's medians); median over seeds {args.seeds}")
    print(out.drop(columns="seed").round(3).to_string())


if __name__ == "__main__":
    main()
