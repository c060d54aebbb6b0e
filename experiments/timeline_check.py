"""A calibration's target statistics under two versions of its scenario, draw by draw.

Usage (from the repository root):

    python experiments/timeline_check.py seeds/targets/mysore_behaviour.toml \
        seeds/mysore.behaviour.posterior.csv scenarios/history.toml OTHER.toml \
        --draws 8 --people-scale 0.5

Runs the first ``--draws`` rows of a posterior through each scenario (the targets
file's surveys, the same seed for a draw in both) and prints each target's median over
the draws, side by side, with the observed value. It answers "does this change of the
scenario move the fit?" before a calibration is rerun on it; it is not a calibration.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from empower.calibrate import Simulator, load_targets
from empower.workers import worker_pool


def _statistics(job: tuple[str, str, int, dict[str, float], float]) -> dict[str, float]:
    targets, scenario, draw, values, people_scale = job
    spec, _ = load_targets(targets)
    sim = Simulator(spec, Path(scenario), people_scale, 1)
    return {"scenario": scenario, "draw": draw,
            **sim.statistics(sim.respondents(values, seed=1000 + draw))}


def main() -> None:
    """Print the targets' medians under each scenario beside the observed values."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", type=Path)
    parser.add_argument("posterior", type=Path)
    parser.add_argument("scenarios", type=Path, nargs="+")
    parser.add_argument("--draws", type=int, default=8)
    parser.add_argument("--people-scale", type=float, default=0.5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    posterior = pd.read_csv(args.posterior).drop(columns="draw", errors="ignore")
    jobs = [(str(args.targets), str(s), i, {k: float(v) for k, v in posterior.iloc[i].items()},
             args.people_scale)
            for i in range(min(args.draws, len(posterior))) for s in args.scenarios]
    with worker_pool(args.workers) as pool:
        rows = pd.DataFrame(list(pool.map(_statistics, jobs)))
    table = rows.drop(columns="draw").groupby("scenario", sort=False).median().T
    spec, _ = load_targets(args.targets)
    table.insert(0, "observed", [next(t.observed for t in spec.targets if t.name == name)
                                 for name in table.index])
    print("| target | " + " | ".join(Path(c).name if c != "observed" else c for c in table)
          + " |")
    print("| --- " * (table.shape[1] + 1) + "|")
    for name, row in table.iterrows():
        print(f"| {name} | " + " | ".join(f"{v:.3f}" for v in row) + " |")


if __name__ == "__main__":
    main()
