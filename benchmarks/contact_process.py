"""The core contact process, as the plain Mesa and bare numba benchmarks both run it.

A stripped-down week of empower's one-off contacts and HIV transmission, the part that
dominates a full run, written once here so that the two implementations run the same
process (the same in distribution, not draw for draw):

1. Population: ``N`` people, one ninth sex workers and the rest clients (Mysore's 1000
   to 8000); each client has a visit weight (lognormal, mean 1, coefficient of
   variation 1). HIV at the start: 20% of sex workers, 2% of clients.
2. Each week, each sex worker has Poisson(4) one-off clients, each drawn from all
   clients with probability proportional to the visit weight.
3. Each contact has 1 + Poisson(0.5) acts; each act is protected with probability 0.6.
4. If exactly one partner has HIV, each unprotected act passes it with probability
   0.002 (sex worker to client) or 0.001 (client to sex worker); an infection takes
   effect at the week's end.

Nothing else: no entry, exit, treatment or structure. The numbers are assumptions for
a timing benchmark, not the model's parameters.
"""

from __future__ import annotations

SW_SHARE = 1 / 9
CLIENTS_PER_SW_WEEK = 4.0
EXTRA_ACTS_MEAN = 0.5
P_CONDOM = 0.6
P_SW_TO_CLIENT = 0.002
P_CLIENT_TO_SW = 0.001
PREV_SW, PREV_CLIENT = 0.20, 0.02
WEIGHT_CV = 1.0
WEEKS_PER_YEAR = 52


def sizes(n_people: int) -> tuple[int, int]:
    """Sex workers and clients for ``n_people``."""
    n_sw = max(1, round(n_people * SW_SHARE))
    return n_sw, n_people - n_sw
