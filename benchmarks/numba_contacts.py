"""The core contact process (contact_process.py) as one bare numba kernel: the floor.

    python benchmarks/numba_contacts.py PEOPLE YEARS [SEED]

Arrays for HIV flags and cumulative client weights; each week one compiled loop over
sex workers draws clients by binary search of the cumulative weights and plays their
acts with numba's own generator (seeded in the kernel). No model, no outputs: what the
process costs with nothing around it. Prints one JSON line like mesa_contacts.py
(``run_s`` after a compiling call on a tiny population).
"""

# numba's kernels draw from its own seeded generator through numpy's legacy functions
# ruff: noqa: NPY002
from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import numba as nb
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import contact_process as cp  # noqa: E402


@nb.njit(cache=True)
def run_weeks(sw_hiv, client_hiv, cum_weights, weeks, seed):
    """``weeks`` weeks of the contact process; updates the HIV flags in place."""
    np.random.seed(seed)
    n_sw, n_cl = sw_hiv.shape[0], client_hiv.shape[0]
    new_sw = np.zeros(n_sw, dtype=np.bool_)
    new_cl = np.zeros(n_cl, dtype=np.bool_)
    total = cum_weights[-1]
    for _ in range(weeks):
        for i in range(n_sw):
            for _ in range(np.random.poisson(cp.CLIENTS_PER_SW_WEEK)):
                j = min(np.searchsorted(cum_weights, np.random.random() * total), n_cl - 1)
                if sw_hiv[i] == client_hiv[j]:
                    continue
                acts = 1 + np.random.poisson(cp.EXTRA_ACTS_MEAN)
                p = cp.P_SW_TO_CLIENT if sw_hiv[i] else cp.P_CLIENT_TO_SW
                for _ in range(acts):
                    if np.random.random() >= cp.P_CONDOM and np.random.random() < p:
                        if sw_hiv[i]:
                            new_cl[j] = True
                        else:
                            new_sw[i] = True
                        break
        for i in range(n_sw):
            if new_sw[i]:
                sw_hiv[i], new_sw[i] = True, False
        for j in range(n_cl):
            if new_cl[j]:
                client_hiv[j], new_cl[j] = True, False
    return sw_hiv.sum() + client_hiv.sum()


def population(n_people: int, seed: int):
    rng = np.random.default_rng(seed)
    n_sw, n_cl = cp.sizes(n_people)
    sigma = math.sqrt(math.log(1 + cp.WEIGHT_CV**2))
    weights = rng.lognormal(-sigma**2 / 2, sigma, n_cl)
    return (rng.random(n_sw) < cp.PREV_SW, rng.random(n_cl) < cp.PREV_CLIENT,
            np.cumsum(weights))


def main() -> None:
    n_people, years = int(sys.argv[1]), int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    run_weeks(*population(100, seed), 1, seed)  # compile (or load the cache)
    sw, cl, cum = population(n_people, seed)
    weeks = years * cp.WEEKS_PER_YEAR
    t0 = time.perf_counter()
    hiv_end = run_weeks(sw, cl, cum, weeks, seed)
    run_s = time.perf_counter() - t0
    print(json.dumps({"run_s": run_s, "weeks": weeks, "hiv_end": int(hiv_end)}))


if __name__ == "__main__":
    main()
