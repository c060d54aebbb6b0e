"""Time full runs of the model at several population sizes; print medians and peak memory.

Usage (from the repository root, with the package installed):

    python benchmarks/run_benchmarks.py                      # 10k, 100k, 1M people, 20 years
    python benchmarks/run_benchmarks.py --sizes 10000 100000 --repeats 5
    python benchmarks/run_benchmarks.py --compare            # beside STIsim, Mesa, numba
    python benchmarks/run_benchmarks.py --compare --record docs/performance.md

``--compare`` runs empower's full model, STIsim's HIV model (the ``bench`` extra), a
plain Mesa implementation of the core contact process and a bare numba kernel of it,
alternating, and prints medians, ratios, the load average and the machine
(``benchmarks/side_by_side.py``); ``--record FILE`` also writes that report, with the
command, into FILE. There empower's compute time is warm: a 60-week run of a small
population first loads its kernels, as the bare numba kernel is compiled first.

Each run is a fresh Python process (so peak memory is that run's own) that builds the
model for ``benchmarks/scenario_20y.toml`` at a people scale giving about the requested
number of people at the start, and steps it weekly to the end year. One warm-up run
first fills numba's on-disk cache, so the timings exclude compilation.
Reported per size: median and range of the wall time of the steps, the set-up time, and
peak resident memory (median). The ratio column compares each size with the first.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
SCENARIO = HERE / "scenario_20y.toml"

CHILD = r"""
import json, resource, sys, time
from empower.scenario import load_scenario
from empower.allocator import keep_freed_memory
from empower.model import EmpowerModel

keep_freed_memory()  # as the runners do (empower.experiment.run_replicate)
scenario = load_scenario(sys.argv[1])
scale = float(sys.argv[2])
if len(sys.argv) > 3:  # a number of years instead of the scenario's
    import dataclasses
    scenario = dataclasses.replace(scenario, end_year=scenario.start_year + int(sys.argv[3]))
if len(sys.argv) > 4 and sys.argv[4] == "warm":  # kernels loaded first: a warm process
    small = EmpowerModel(scenario, seed=2, people_scale=0.05)
    for _ in range(60):
        small.step()
    small.release()
t0 = time.perf_counter()
model = EmpowerModel(scenario, seed=1, people_scale=scale)
t1 = time.perf_counter()
start_people = sum(m.size for m in model.members)
model.run()
t2 = time.perf_counter()
print(json.dumps({
    "people_start": int(start_people),
    "rows_end": int(model.pop.n),
    "setup_s": t1 - t0,
    "run_s": t2 - t1,
    "steps": int(model.step_index),
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
}))
"""


def people_per_unit_scale(scenario: Path) -> float:
    """People at the start for people_scale 1 (sex workers, clients and partners)."""
    from empower.scenario import load_scenario
    from empower.timeline import value_at

    sc = load_scenario(scenario)
    p, year = sc.params.population, sc.start_year
    n_sw = value_at(p.n_sex_workers, year)
    n_cl = value_at(p.n_clients, year)
    return (n_sw * (1 + value_at(p.prop_sex_workers_with_intimate_partner, year))
            + n_cl * (1 + value_at(p.prop_clients_with_partner, year)))


def run_once(scenario: Path, scale: float) -> dict:
    """One run in a fresh process; its measurements."""
    out = subprocess.run([sys.executable, "-c", CHILD, str(scenario), repr(scale)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scenario", type=Path, default=SCENARIO)
    parser.add_argument("--json", type=Path, help="also write the raw runs here")
    parser.add_argument("--compare", action="store_true",
                        help="beside STIsim's HIV model, plain Mesa and bare numba")
    parser.add_argument("--years", type=int, default=20,
                        help="years of the other implementations with --compare (20)")
    parser.add_argument("--record", type=Path, help="with --compare: write the report here")
    args = parser.parse_args(argv)

    unit = people_per_unit_scale(args.scenario)
    if args.compare:
        from side_by_side import compare, record

        text = compare(CHILD, args.scenario, unit, args.sizes, args.years, args.repeats)
        print(text)
        if args.record:
            shown = ["python", "benchmarks/run_benchmarks.py", *(argv or sys.argv[1:])]
            record(args.record, text, " ".join(shown))
        return 0
    run_once(args.scenario, args.sizes[0] / unit)  # warm-up: fills numba's cache
    rows, raw = [], {}
    for size in args.sizes:
        runs = [run_once(args.scenario, size / unit) for _ in range(args.repeats)]
        raw[size] = runs
        times = [r["run_s"] for r in runs]
        rows.append((size, runs[0]["people_start"], runs[0]["rows_end"], runs[0]["steps"],
                     statistics.median(times), min(times), max(times),
                     statistics.median(r["setup_s"] for r in runs),
                     statistics.median(r["peak_rss_mb"] for r in runs)))
    base = rows[0][4]
    print(f"scenario {args.scenario.name}, {args.repeats} run(s) per size, weekly steps")
    print(f"{'people':>9} {'rows_end':>9} {'steps':>6} {'median_s':>9} {'min_s':>7} "
          f"{'max_s':>7} {'setup_s':>8} {'peak_MB':>8} {'ratio':>6}")
    for _size, people, rows_end, steps, med, lo, hi, setup, mem in rows:
        print(f"{people:>9} {rows_end:>9} {steps:>6} {med:>9.2f} {lo:>7.2f} {hi:>7.2f} "
              f"{setup:>8.2f} {mem:>8.0f} {med / base:>6.1f}")
    if args.json:
        args.json.write_text(json.dumps(raw, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
