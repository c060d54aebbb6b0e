r"""How steeply the surveyed prevalences respond to a calibration's epidemic values.

Runs a targets file's scenario (the calibration's ``scenarios/history.toml``) at a
posterior's per-parameter medians with one stage-2 value changed at a time, as a
calibration draw is applied (its tied values moved with it by their ratios), and
surveys every working sex worker at the targets' fieldwork dates: HIV, gonorrhoea and
chlamydia among those surveyed. The prevalences are calibration targets, so this
shows what a calibration has to find; the HIV and STI odds ratios of empowerment are
results and are not looked at.

Usage (from the repository root), each ``--grid`` a free parameter of the targets file
and its values (several ``--grid`` options run every combination):

    python experiments/prevalence_scan.py --posterior seeds/mysore.posterior.csv \
        --grid stis.gonorrhoea.p_per_act_male_to_female=0.03,0.045,0.06,0.08 --seeds 1 2

Prints, per combination, the median over seeds of each survey year's prevalences and
their lowest and highest values over the seeds.
"""

from __future__ import annotations

import argparse
import itertools
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
    parser.add_argument("--grid", required=True, action="append",
                        help="free.parameter=v1,v2,... (repeat for a product)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    spec, _ = load_targets(args.targets)
    medians = posterior_medians(args.posterior)
    free = {p.parameter: medians[p.parameter] for p in spec.priors}
    axes = {}
    for grid in args.grid:
        key, _, text = grid.partition("=")
        if key not in free:
            raise SystemExit(f"--grid: {key} is not a free parameter of {args.targets}; "
                             f"free: {', '.join(free)}")
        axes[key] = [float(v) for v in text.split(",")]
    jobs, labels = [], []
    for combination in itertools.product(*axes.values()):
        changed = dict(zip(axes, combination, strict=True))
        values = {**medians, **spec.setting_values({**free, **changed})}
        for seed in args.seeds:
            jobs.append((args.targets, args.posterior, values, seed))
            labels.append(changed)
    with worker_pool(args.workers) as pool:  # spawned: safe after numba's threads
        parts = [t.assign(**v) for t, v in zip(pool.map(_one, jobs), labels, strict=True)]
    grouped = pd.concat(parts).drop(columns="seed").groupby([*axes, "survey_year"])
    print(f"{', '.join(axes)} (others at the posterior's medians); median over seeds {args.seeds}")
    print(grouped.median().round(3).to_string())
    if len(args.seeds) > 1:
        print("\nlowest and highest over the seeds")
        low, high = grouped.min().round(3), grouped.max().round(3)
        print((low.astype(str) + "-" + high.astype(str)).to_string())

if __name__ == "__main__":
    main()
