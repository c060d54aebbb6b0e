"""Kernels of the week's contacts: one-off clients, acts per contact, condom use.

Randomness enters only through :mod:`empower.rng`, whose numbers are pure functions of
(stream key, step, uid, draw), so acts and condom use are pure functions of the pair,
the draw index and the week (a survey that draws them again gets the same numbers).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from empower.core.alias_kernels import alias_pick
from empower.rng import pair_uniform, poisson_from, uniform

__all__ = ["one_off_contacts", "acts_per_contact", "protected_acts"]


@nb.njit(
    nb.types.Tuple((nb.int64[:], nb.int64[:], nb.int64[:]))(
        nb.int64[:], nb.float64[:], nb.float64[:], nb.int64[:], nb.int64[:],
        nb.uint64, nb.uint64, nb.int64,
    ),
    cache=True, parallel=True,
)
def one_off_contacts(sw_uids, clients_per_week, prob, client_uids, alias_uids, key_count,
                     key_choice, step):
    """The week's one-off contacts.

    Steps:
    1. Each sex worker's number of one-off clients this week is Poisson with her mean
       (``clients_per_week`` indexed by uid; stream ``key_count``).
    2. Each contact's client is chosen in proportion to clients' visit frequency
       with the alias table over ``client_uids`` (``prob``, and ``alias_uids``: the
       client uid of each position's alias; :func:`alias_pick`) and one uniform
       (stream ``key_choice``, draw = contact number).

    Returns:
        (sex worker uid, client uid, contact number) per contact, ordered by sex worker.
    """
    n_sw = sw_uids.shape[0]
    counts = np.zeros(n_sw, dtype=np.int64)
    n_clients = client_uids.shape[0]
    if n_clients == 0 or prob.max() <= 0.0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty.copy(), empty.copy()
    for i in nb.prange(n_sw):
        uid = sw_uids[i]
        counts[i] = poisson_from(clients_per_week[uid], uniform(key_count, step, uid, 0))
    start = np.zeros(n_sw + 1, dtype=np.int64)
    for i in range(n_sw):
        start[i + 1] = start[i] + counts[i]
    total = start[n_sw]
    sw = np.empty(total, dtype=np.int64)
    client = np.empty(total, dtype=np.int64)
    slot = np.empty(total, dtype=np.int64)
    for i in nb.prange(n_sw):
        uid = sw_uids[i]
        k = start[i]
        for j in range(counts[i]):
            sw[k + j] = uid
            client[k + j] = alias_pick(prob, client_uids, alias_uids,
                                       uniform(key_choice, step, uid, j))
            slot[k + j] = j
    return sw, client, slot


@nb.njit("int64[:](int64[:], int64[:], int64[:], float64, int64, uint64, int64)",
         cache=True, parallel=True)
def acts_per_contact(a, b, draw, mean_acts, minimum, key, step):
    """Acts in each contact this week: ``minimum`` plus Poisson(``mean_acts - minimum``)."""
    out = np.empty(a.shape[0], dtype=np.int64)
    extra = mean_acts - minimum
    for i in nb.prange(a.shape[0]):
        if extra > 0.0:
            out[i] = minimum + poisson_from(extra, pair_uniform(key, step, a[i], b[i], draw[i]))
        else:
            out[i] = minimum
    return out


@nb.njit("int64[:](int64[:], int64[:], int64[:], int64[:], float64[:], uint64, int64)",
         cache=True, parallel=True)
def protected_acts(a, b, draw, n_acts, p_condom, key, step):
    """How many of each contact's acts use a condom.

    Each act is protected with probability ``p_condom`` of its contact (one uniform
    per act).
    """
    out = np.zeros(a.shape[0], dtype=np.int64)
    for i in nb.prange(a.shape[0]):
        base = draw[i] * 256
        for act in range(n_acts[i]):
            if pair_uniform(key, step, a[i], b[i], base + act) < p_condom[i]:
                out[i] += 1
    return out
