"""One full run in this process: load, build, run (for A/B timing).

    python benchmarks/full_run_once.py [MODEL_SOURCE_FOLDER] [--people N]

Without ``--people``: the status quo scenario at the setting's size. With it:
``benchmarks/scenario_20y.toml`` at the people scale that gives about N people at the
start (as ``benchmarks/run_benchmarks.py`` sizes its runs).

Times nothing itself: time the whole process from outside (``/usr/bin/time -v`` gives
wall, CPU and peak memory), alternating the two versions of the code being compared,
each from its own checkout's ``model`` folder, after a warm-up run that fills numba's
cache.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("model_folder", nargs="?", default=str(ROOT / "model"))
parser.add_argument("--people", type=int, default=None)
args = parser.parse_args()
sys.path.insert(0, args.model_folder)
sys.path.insert(1, str(ROOT / "benchmarks"))

from empower.allocator import keep_freed_memory  # noqa: E402
from empower.model import EmpowerModel  # noqa: E402
from empower.scenario import load_scenario  # noqa: E402

keep_freed_memory()
if args.people is None:
    model = EmpowerModel(load_scenario(ROOT / "scenarios" / "status_quo.toml"), seed=1)
else:
    from run_benchmarks import SCENARIO, people_per_unit_scale

    model = EmpowerModel(load_scenario(SCENARIO), seed=1,
                         people_scale=args.people / people_per_unit_scale(SCENARIO))
model.run(None)
