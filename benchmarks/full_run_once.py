"""One full-size status quo run in this process: load, build, run (for A/B timing).

    python benchmarks/full_run_once.py [MODEL_SOURCE_FOLDER]

Times nothing itself: time the whole process from outside (``/usr/bin/time -v`` gives
wall, CPU and peak memory), alternating the two versions of the code being compared,
each from its own checkout's ``model`` folder, after a warm-up run that fills numba's
cache.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "model"))

from empower.allocator import keep_freed_memory  # noqa: E402
from empower.model import EmpowerModel  # noqa: E402
from empower.scenario import load_scenario  # noqa: E402

keep_freed_memory()
model = EmpowerModel(load_scenario(ROOT / "scenarios" / "status_quo.toml"), seed=1)
model.run(None)
