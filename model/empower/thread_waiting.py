"""How the kernels' idle threads wait: asleep, not spinning (unless the user says otherwise).

Numba's parallel kernels run on OpenMP threads here (numba's ``omp`` threading layer,
GNU libgomp). Between parallel loops libgomp's threads spin, by default, before they
sleep. On a machine whose other cores are busy (a shared server, a laptop running a
sweep) a spinning thread takes a core another process needs, and waits for one itself:
measured at 100,000 people over 20 years on 2 cores with one other busy process, two
threads took 2.5 times as long as one (37 s against 15 s), and even a spin count of
10,000 took 2.9 times as long; with ``OMP_WAIT_POLICY=PASSIVE``, 1.05 times as long. On
an idle machine passive waiting takes about 5% more wall time than spinning, for a
third less CPU (docs/performance.md, "Threads that do not hurt").

:func:`wait_passively` sets ``OMP_WAIT_POLICY=PASSIVE`` unless the environment already
sets it. It must run before the OpenMP library starts (numba starts it at the first
parallel kernel or ``numba.set_num_threads``), so ``import empower`` runs it. It
changes when threads wake, never what they compute: results do not depend on it.
"""

from __future__ import annotations

import os

__all__ = ["wait_passively", "WAIT_POLICY"]

WAIT_POLICY = "OMP_WAIT_POLICY"


def wait_passively() -> None:
    """Idle OpenMP threads sleep, unless ``OMP_WAIT_POLICY`` is already set."""
    os.environ.setdefault(WAIT_POLICY, "PASSIVE")
