"""STIsim's HIV model with its defaults, for the side-by-side benchmark.

    python benchmarks/stisim_hiv.py PEOPLE YEARS

``stisim.Sim(diseases="hiv", n_agents=PEOPLE, start=2000, stop=2000 + YEARS)``: its
default structured sexual network and maternal network, monthly steps, no
demographics. Needs the ``bench`` extra (``pip install -e ".[bench]"``). Prints one
JSON line: compute time (``run_s``, ``sim.run`` after ``sim.init``) and steps.
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("STARSIM_INSTALL_FONTS", "0")

import stisim as sti  # noqa: E402


def main() -> None:
    n_people, years = int(sys.argv[1]), int(sys.argv[2])
    sim = sti.Sim(diseases="hiv", n_agents=n_people, start=2000, stop=2000 + years,
                  verbose=0)
    sim.init()
    t0 = time.perf_counter()
    sim.run(verbose=0)
    run_s = time.perf_counter() - t0
    print(json.dumps({"run_s": run_s, "steps": int(sim.t.npts)}))


if __name__ == "__main__":
    main()
