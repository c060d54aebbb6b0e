"""Kernels of the week's contacts: one-off clients, acts per contact, condom use.

:func:`live_contacts_with_acts` does for one kind of contact, in one kernel: the
partners' infection bytes, the condom probability
(:func:`~empower.core.odds_kernels.odds_times_propensity_one`), and for the contacts in
which something can pass their acts and protected acts (:func:`acts_of`,
:func:`protected_of`; over other contacts, a survey draws the same numbers with
:func:`acts_per_contact` and :func:`protected_acts`).

Randomness enters only through :mod:`empower.rng`, whose numbers are pure functions of
(stream key, step, uid, draw), so acts and condom use are pure functions of the pair,
the draw index and the week (a survey that draws them again gets the same numbers).
People are rows of the population table; the kernels draw with their uids (the
column ``uid``), which do not change when rows move.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from empower.core.alias_kernels import alias_pick
from empower.core.odds_kernels import odds_times_propensity_one
from empower.population import FEMALE
from empower.rng import pair_uniform, poisson_from, uniform

__all__ = ["one_off_contacts", "acts_per_contact", "protected_acts", "live_contacts_with_acts"]


@nb.njit(
    nb.types.Tuple((nb.int64[:], nb.int64[:], nb.int64[:]))(
        nb.int64[:], nb.int32[:], nb.float64[:], nb.float64[:], nb.int64[:], nb.int64[:],
        nb.uint64, nb.uint64, nb.int64,
    ),
    cache=True, parallel=True,
)
def one_off_contacts(sw_rows, uid, clients_per_week, prob, client_rows, alias_rows, key_count,
                     key_choice, step):
    """The week's one-off contacts.

    Steps:
    1. Each sex worker's number of one-off clients this week is Poisson with her mean
       (``clients_per_week`` indexed by row; stream ``key_count``, drawn with her
       ``uid``).
    2. Each contact's client is chosen in proportion to clients' visit frequency
       with the alias table over ``client_rows`` (``prob``, and ``alias_rows``: the
       client row of each position's alias; :func:`alias_pick`) and one uniform
       (stream ``key_choice``, draw = contact number).

    Returns:
        (sex worker row, client row, contact number) per contact, ordered by sex worker.
    """
    n_sw = sw_rows.shape[0]
    counts = np.zeros(n_sw, dtype=np.int64)
    n_clients = client_rows.shape[0]
    if n_clients == 0 or prob.max() <= 0.0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty.copy(), empty.copy()
    for i in nb.prange(n_sw):
        row = sw_rows[i]
        counts[i] = poisson_from(clients_per_week[row], uniform(key_count, step, uid[row], 0))
    start = np.zeros(n_sw + 1, dtype=np.int64)
    for i in range(n_sw):
        start[i + 1] = start[i] + counts[i]
    total = start[n_sw]
    sw = np.empty(total, dtype=np.int64)
    client = np.empty(total, dtype=np.int64)
    slot = np.empty(total, dtype=np.int64)
    for i in nb.prange(n_sw):
        row = sw_rows[i]
        key_uid = uid[row]
        k = start[i]
        for j in range(counts[i]):
            sw[k + j] = row
            client[k + j] = alias_pick(prob, client_rows, alias_rows,
                                       uniform(key_choice, step, key_uid, j))
            slot[k + j] = j
    return sw, client, slot


@nb.njit("int64(int64, int64, int64, float64, int64, uint64, int64)", cache=True,
         inline="always")
def acts_of(a, b, draw, mean_acts, minimum, key, step):
    """Acts in one contact this week: ``minimum`` plus Poisson(``mean_acts - minimum``).

    ``a`` and ``b`` are the partners' uids (as in :func:`protected_of`).
    """
    extra = mean_acts - minimum
    if extra > 0.0:
        return minimum + poisson_from(extra, pair_uniform(key, step, a, b, draw))
    return minimum


@nb.njit("int64(int64, int64, int64, int64, float64, uint64, int64)", cache=True,
         inline="always")
def protected_of(a, b, draw, n_acts, p_condom, key, step):
    """How many of one contact's ``n_acts`` acts use a condom (one uniform per act)."""
    base = draw * 256
    out = 0
    for act in range(n_acts):
        if pair_uniform(key, step, a, b, base + act) < p_condom:
            out += 1
    return out


@nb.njit("int64[:](int64[:], int64[:], int64[:], float64, int64, uint64, int64)",
         cache=True, parallel=True)
def acts_per_contact(a, b, draw, mean_acts, minimum, key, step):
    """Acts in each contact this week: ``minimum`` plus Poisson(``mean_acts - minimum``).

    ``a`` and ``b``: the partners' uids, the keys of the draws (as in :func:`protected_acts`).
    """
    out = np.empty(a.shape[0], dtype=np.int64)
    for i in nb.prange(a.shape[0]):
        out[i] = acts_of(a[i], b[i], draw[i], mean_acts, minimum, key, step)
    return out


@nb.njit("int64[:](int64[:], int64[:], int64[:], int64[:], float64[:], uint64, int64)",
         cache=True, parallel=True)
def protected_acts(a, b, draw, n_acts, p_condom, key, step):
    """How many of each contact's acts use a condom.

    Each act is protected with probability ``p_condom`` of its contact (one uniform
    per act, drawn with the partners' uids ``a`` and ``b``).
    """
    out = np.zeros(a.shape[0], dtype=np.int64)
    for i in nb.prange(a.shape[0]):
        out[i] = protected_of(a[i], b[i], draw[i], n_acts[i], p_condom[i], key, step)
    return out


@nb.njit(
    nb.types.Tuple((nb.int64[:], nb.int64[:], nb.int64[:], nb.int64[:], nb.int64[:],
                    nb.int64[:], nb.int64[:], nb.boolean[:], nb.uint8[:], nb.uint8[:],
                    nb.float64[:], nb.boolean))(
        nb.int64[:], nb.int64[:], nb.int64[:], nb.int64, nb.int32[:], nb.uint8[:], nb.int8[:],
        nb.boolean, nb.float64, nb.boolean, nb.float64[:], nb.float64, nb.float64[:],
        nb.float64, nb.float64, nb.int64, nb.uint64, nb.uint64, nb.int64,
    ),
    cache=True, parallel=True,
)
def live_contacts_with_acts(a, b, draw, draw_offset, uid, infections, gender, may_be_anal,
                            base, has_factor, factor, power, z, sd_logit,
                            mean_acts, minimum, key_acts, key_condom, step):
    """One kind of the week's contacts: condom probabilities, and the live ones' acts.

    Steps:
    1. For every contact, the probability that an act is protected: ``base`` with its
       odds times the sex worker's (``a``'s) ``factor ** power * exp(sd_logit * z)``
       (:func:`~empower.core.odds_kernels.odds_times_propensity_one`), or ``base`` for
       all without ``has_factor``; whether any of the contacts' factors is not 1.
    2. Keep the live contacts: those where ``a`` or ``b`` has HIV or an STI (their
       ``infections`` bytes), in contact order.
    3. For each live contact, its draw index (``draw + draw_offset``), acts
       (:func:`acts_of`), protected acts (:func:`protected_of`), drawn with the
       partners' ``uid``, and whether it is anal (``may_be_anal`` and ``a`` is not
       female).

    Returns:
        For the live contacts: ``a``, ``b``, their uids (so later kernels draw without
        reading the column again), draw index, acts, protected acts, anal, ``a``'s and
        ``b``'s infection bytes. For all contacts: the condom probability (empty
        without ``has_factor``), and whether any factor is not 1.
    """
    n = a.shape[0]
    p_all = np.empty(n if has_factor else 0, dtype=np.float64)
    status_a_all = np.empty(n, dtype=np.uint8)
    status_b_all = np.empty(n, dtype=np.uint8)
    n_not_one = 0
    for i in nb.prange(n):
        status_a_all[i] = infections[a[i]]
        status_b_all[i] = infections[b[i]]
        if has_factor:
            p_all[i] = odds_times_propensity_one(base, factor, power, z, sd_logit, a[i])
            n_not_one += factor[a[i]] != 1.0
    n_live = 0
    for i in range(n):
        n_live += (status_a_all[i] | status_b_all[i]) != 0
    index = np.empty(n_live, dtype=np.int64)
    k = 0
    for i in range(n):
        index[k] = i
        k += (status_a_all[i] | status_b_all[i]) != 0
    live_a = np.empty(n_live, dtype=np.int64)
    live_b = np.empty(n_live, dtype=np.int64)
    live_uid_a = np.empty(n_live, dtype=np.int64)
    live_uid_b = np.empty(n_live, dtype=np.int64)
    live_draw = np.empty(n_live, dtype=np.int64)
    n_acts = np.empty(n_live, dtype=np.int64)
    n_protected = np.empty(n_live, dtype=np.int64)
    anal = np.empty(n_live, dtype=np.bool_)
    status_a = np.empty(n_live, dtype=np.uint8)
    status_b = np.empty(n_live, dtype=np.uint8)
    for j in nb.prange(n_live):
        i = index[j]
        ia, ib = a[i], b[i]
        d = draw[i] + draw_offset
        p = p_all[i] if has_factor else base
        ua, ub = np.int64(uid[ia]), np.int64(uid[ib])
        acts = acts_of(ua, ub, d, mean_acts, minimum, key_acts, step)
        live_a[j], live_b[j], live_draw[j], n_acts[j] = ia, ib, d, acts
        live_uid_a[j], live_uid_b[j] = ua, ub
        n_protected[j] = protected_of(ua, ub, d, acts, p, key_condom, step)
        anal[j] = may_be_anal and gender[ia] != FEMALE
        status_a[j], status_b[j] = status_a_all[i], status_b_all[i]
    return (live_a, live_b, live_uid_a, live_uid_b, live_draw, n_acts, n_protected, anal,
            status_a, status_b, p_all, n_not_one > 0)
