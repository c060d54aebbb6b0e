"""Where the time of one run goes: seconds per process step and per numba kernel.

Usage (from the repository root, with the package installed):

    python benchmarks/profile_run.py --people 1000000

Runs ``benchmarks/scenario_20y.toml`` once at about the given number of people, timing
every process's ``step`` and every call of the main kernels with ``time.perf_counter``.
Compilation is excluded if numba's cache is warm (run any benchmark once first).

``--cprofile N`` instead runs the same model under :mod:`cProfile` (the run only, not
building the model) and prints the N functions with the most time of their own; numba
kernels appear as single functions.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import pstats
import time
from pathlib import Path

import empower.processes.partnerships.process as partnerships
import empower.processes.transmission.process as transmission
from empower.allocator import keep_freed_memory
from empower.model import EmpowerModel
from empower.phases import PHASES
from empower.scenario import load_scenario

keep_freed_memory()  # as the runners do (empower.experiment.run_replicate)

HERE = Path(__file__).resolve().parent
KERNELS = {
    partnerships: ("one_off_contacts", "live_contacts_with_acts", "alias_table"),
    transmission: ("hiv_transmission", "sti_transmission", "first_infections"),
}


def _timed(table: collections.Counter, name: str, func):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        out = func(*args, **kwargs)
        table[name] += time.perf_counter() - start
        return out
    return wrapper


def main(argv: list[str] | None = None) -> int:
    """Run once and print the breakdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--scenario", type=Path, default=HERE / "scenario_20y.toml")
    parser.add_argument("--cprofile", type=int, metavar="N",
                        help="profile with cProfile and print the N costliest functions")
    args = parser.parse_args(argv)

    from run_benchmarks import people_per_unit_scale

    if args.cprofile is not None:
        model = EmpowerModel(load_scenario(args.scenario), seed=1,
                             people_scale=args.people / people_per_unit_scale(args.scenario))
        profile = cProfile.Profile()
        profile.runcall(model.run)
        pstats.Stats(profile).sort_stats("tottime").print_stats(args.cprofile)
        return 0

    kernel_time: collections.Counter = collections.Counter()
    for module, names in KERNELS.items():
        for name in names:
            setattr(module, name, _timed(kernel_time, name, getattr(module, name)))
    model = EmpowerModel(load_scenario(args.scenario), seed=1,
                         people_scale=args.people / people_per_unit_scale(args.scenario))
    step_time: collections.Counter = collections.Counter()  # by process, over its phases
    for phase in PHASES:
        process = getattr(model, phase.process.name)
        setattr(process, phase.method, _timed(step_time, phase.process.__name__,
                                              getattr(process, phase.method)))
    start = time.perf_counter()
    model.run()
    total = time.perf_counter() - start
    print(f"{sum(m.size for m in model.members)} people at the end, {model.pop.n} rows, "
          f"{model.threads} thread(s), {total:.1f} s in all")
    print("process steps (s, share):")
    for name, seconds in step_time.most_common():
        print(f"  {name:<16}{seconds:8.2f}  {seconds / total:5.0%}")
    print("kernels, included above (s, share):")
    for name, seconds in kernel_time.most_common():
        print(f"  {name:<20}{seconds:8.2f}  {seconds / total:5.0%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
