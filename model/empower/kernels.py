"""Numba kernels: arrays in, arrays out, pure functions.

Randomness enters only through :mod:`empower.rng`, whose numbers are pure functions
of (stream key, step, uid, draw), so a kernel's output depends only on its arguments.
Each kernel is tested against its pure-Python ``py_func``.

Contacts of one week are parallel arrays: ``a`` (the receptive partner: the sex
worker, or a client's wife or partner), ``b`` (the insertive partner: client, intimate
partner, or the client in a client-partner tie), ``draw`` (distinguishes two contacts
of the same pair in a week), ``n_acts`` and ``n_protected`` (acts with a condom).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from empower.core.status_bits import HAS_HIV, HAS_STI, MAX_STIS
from empower.rng import pair_uniform, poisson_from, uniform

__all__ = [
    "alias_table",
    "alias_draw",
    "alias_draws",
    "alias_pick",
    "HAS_HIV",
    "HAS_STI",
    "MAX_STIS",
    "sti_bit",
    "pair_status",
    "live_contacts",
    "with_bit",
    "count_hiv_susceptible",
    "one_off_contacts",
    "acts_per_contact",
    "protected_acts",
    "odds_times",
    "odds_times_at",
    "odds_times_propensity",
    "hiv_transmission",
    "sti_transmission",
    "per_contact_probability",
    "first_infections",
]


@nb.njit(nb.types.Tuple((nb.float64[:], nb.int64[:]))(nb.float64[:]), cache=True)
def alias_table(weights):
    """Vose's alias table for drawing index i with probability weights[i] / sum.

    Built in O(n); each draw then costs one uniform and two reads
    (:func:`alias_draw`). All-zero weights give an all-zero ``prob`` (callers check).
    """
    n = weights.shape[0]
    prob = np.empty(n, dtype=np.float64)  # holds the scaled weights until finalised
    alias = np.empty(n, dtype=np.int64)
    total = 0.0
    for i in range(n):
        total += weights[i]
        alias[i] = i
    if n == 0 or total <= 0.0:
        prob[:] = 0.0
        return prob, alias
    # One stack: indices with scaled weight < 1 from the left, the rest from the right.
    stack = np.empty(n, dtype=np.int64)
    n_small = 0
    top_large = n
    factor = n / total
    for i in range(n):
        prob[i] = weights[i] * factor
        if prob[i] < 1.0:
            stack[n_small] = i
            n_small += 1
        else:
            top_large -= 1
            stack[top_large] = i
    while n_small > 0 and top_large < n:
        n_small -= 1
        small = stack[n_small]
        large = stack[top_large]
        alias[small] = large
        prob[large] = prob[large] + prob[small] - 1.0
        if prob[large] < 1.0:
            top_large += 1
            stack[n_small] = large
            n_small += 1
    for k in range(top_large, n):
        prob[stack[k]] = 1.0
    for k in range(n_small):
        prob[stack[k]] = 1.0
    return prob, alias


@nb.njit("int64(float64[:], int64[:], float64)", cache=True, inline="always")
def alias_draw(prob, alias, u):
    """An index drawn from an alias table with one uniform ``u``."""
    n = prob.shape[0]
    x = u * n
    i = int(x)
    if i >= n:
        i = n - 1
    return i if x - i < prob[i] else alias[i]


@nb.njit("int64(float64[:], int64[:], int64[:], float64)", cache=True, inline="always")
def alias_pick(prob, values, alias_values, u):
    """``values[alias_draw(prob, alias, u)]`` with ``alias_values = values[alias]``.

    Reads only position ``i`` of each array, so the reads do not wait on each other.
    """
    n = prob.shape[0]
    x = u * n
    i = int(x)
    if i >= n:
        i = n - 1
    return values[i] if x - i < prob[i] else alias_values[i]


@nb.njit("int64[:](float64[:], int64[:], float64[:])", cache=True)
def alias_draws(prob, alias, u):
    """One index per uniform (vector form of :func:`alias_draw`)."""
    out = np.empty(u.shape[0], dtype=np.int64)
    for i in range(u.shape[0]):
        out[i] = alias_draw(prob, alias, u[i])
    return out


@nb.njit("uint8(int64)", cache=True, inline="always")
def sti_bit(k):
    """The status bit of STI number ``k`` (0 to ``MAX_STIS - 1``)."""
    return np.uint8(2 << k)


@nb.njit(nb.types.Tuple((nb.uint8[:], nb.uint8[:]))(nb.int64[:], nb.int64[:], nb.uint8[:]),
         cache=True, parallel=True)
def pair_status(a, b, infections):
    """Per contact, the infection bytes of ``a`` and of ``b``.

    ``infections`` is the population's column of that name: bit ``HAS_HIV`` for HIV,
    bit :func:`sti_bit` ``(k)`` for STI ``k``.
    """
    status_a = np.empty(a.shape[0], dtype=np.uint8)
    status_b = np.empty(a.shape[0], dtype=np.uint8)
    for i in nb.prange(a.shape[0]):
        status_a[i] = infections[a[i]]
        status_b[i] = infections[b[i]]
    return status_a, status_b


@nb.njit(nb.types.Tuple((nb.int64[:], nb.uint8[:], nb.uint8[:]))(nb.uint8[:], nb.uint8[:]),
         cache=True)
def _nonzero_pairs(status_a, status_b):
    """Positions where either byte is non-zero, and both bytes there."""
    n = 0
    for i in range(status_a.shape[0]):
        if status_a[i] | status_b[i]:
            n += 1
    index = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(status_a.shape[0]):
        if status_a[i] | status_b[i]:
            index[k] = i
            k += 1
    return index, status_a[index], status_b[index]


def live_contacts(a: np.ndarray, b: np.ndarray, infections: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The contacts through which something can pass, and who has what.

    Returns:
        The positions of contacts where either partner has HIV or an STI, and for
        each, the infection bytes of ``a`` and of ``b`` (:func:`pair_status`).
    """
    return _nonzero_pairs(*pair_status(a, b, infections))


@nb.njit("int64[:](int64[:], uint8[:], uint8)", cache=True)
def with_bit(uids, infections, bit):
    """Those of ``uids`` whose infections byte has ``bit`` (order kept).

    Every uid is written and the count advanced only for a match: no branch to
    mispredict when matches are scattered.
    """
    out = np.empty(uids.shape[0], dtype=np.int64)
    k = 0
    for i in range(uids.shape[0]):
        uid = uids[i]
        out[k] = uid
        k += (infections[uid] & bit) != 0
    return out[:k].copy()


@nb.njit("int64[:](int64[:], uint8[:], int8[:])", cache=True, parallel=True)
def count_hiv_susceptible(uids, infections, gender):
    """How many of ``uids`` do not have HIV (bit ``HAS_HIV`` of ``infections``), by gender.

    Returns:
        Three counts: female, trans and male (``gender`` 0, 1, 2 indexed by uid).
    """
    n_female = 0
    n_trans = 0
    n_male = 0
    for i in nb.prange(uids.shape[0]):
        uid = uids[i]
        if (infections[uid] & HAS_HIV) == 0:
            g = gender[uid]
            n_female += g == 0
            n_trans += g == 1
            n_male += g == 2
    return np.array([n_female, n_trans, n_male], dtype=np.int64)


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


@nb.njit("float64(float64, float64)", cache=True, inline="always")
def _odds_times_one(base, m):
    """``base`` with its odds times ``m``: ``base`` exactly at 1, 0 at 0 or below."""
    if m == 1.0:
        return base
    if m > 0.0:
        return base * m / (1.0 - base + base * m)
    return 0.0


@nb.njit("float64[:](float64, float64[:])", cache=True)
def odds_times(base, mult):
    """A probability ``base`` with its odds multiplied by each of ``mult``.

    ``mult`` 1 gives ``base`` exactly, 0 (or below) gives 0, otherwise
    ``base * m / (1 - base + base * m)``. One pass, instead of numpy's three ``where``.
    """
    out = np.empty(mult.shape[0], dtype=np.float64)
    for i in range(mult.shape[0]):
        out[i] = _odds_times_one(base, mult[i])
    return out


@nb.njit(nb.types.Tuple((nb.float64[:], nb.boolean))(nb.float64, nb.float64[:], nb.int64[:]),
         cache=True)
def odds_times_at(base, factor, uids):
    """:func:`odds_times` of ``base`` by ``factor[uids]``, and whether any factor is not 1.

    One pass that reads each factor where it lies, instead of gathering them first.
    """
    out = np.empty(uids.shape[0], dtype=np.float64)
    varies = False
    for i in range(uids.shape[0]):
        m = factor[uids[i]]
        varies |= m != 1.0
        out[i] = _odds_times_one(base, m)
    return out, varies


@nb.njit("float64[:](float64, float64[:], float64, float64[:], float64, int64[:])",
         cache=True)
def odds_times_propensity(base, factor, power, z, sd_logit, uids):
    """:func:`odds_times` of ``base`` by ``factor[uid] ** power * exp(sd_logit * z[uid])``.

    A person's condom-use propensity ``z`` (standard normal) moves her log-odds by
    ``sd_logit * z``; ``factor`` is the week's structural odds multiplier (pass ones
    for none), of which ``power`` reaches this kind of partner (1: all of it). With
    ``sd_logit`` 0 and ``power`` 1 this is :func:`odds_times_at` exactly.
    """
    out = np.empty(uids.shape[0], dtype=np.float64)
    for i in range(uids.shape[0]):
        uid = uids[i]
        m = factor[uid]
        if power != 1.0:
            m = m ** power
        if sd_logit != 0.0:
            m *= math.exp(sd_logit * z[uid])
        out[i] = _odds_times_one(base, m)
    return out


@nb.njit("float64(float64, int64, int64, float64)", cache=True, inline="always")
def per_contact_probability(p_act, n_acts, n_protected, condom_efficacy):
    """Probability of transmission in a contact: 1 - prod over acts of (1 - p).

    Unprotected acts pass at ``p_act``, protected acts at ``p_act * (1 - efficacy)``.
    """
    if p_act <= 0.0 or n_acts <= 0:
        return 0.0
    p = min(p_act, 1.0)
    q_unprotected = 1.0 - p
    q_protected = 1.0 - p * (1.0 - condom_efficacy)
    escape = 1.0
    if n_acts <= 16:  # a few multiplications are cheaper than pow
        for _ in range(n_acts - n_protected):
            escape *= q_unprotected
        for _ in range(n_protected):
            escape *= q_protected
    else:
        escape = q_unprotected ** (n_acts - n_protected) * q_protected ** n_protected
    return 1.0 - escape


@nb.njit(
    "int8[:](int64[:], int64[:], int64[:], int64[:], int64[:], boolean[:], uint8[:], uint8[:], "
    "float64[:], float64[:], float64[:], float64[:], boolean[:], float64[:], float64[:], "
    "float64, float64, float64, float64, float64, float64, float64, float64, float64, float64, "
    "float64, float64, float64, uint64, int64)",
    cache=True, parallel=True,
)
def hiv_transmission(a, b, draw, n_acts, n_protected, anal, status_a, status_b,
                     infected_year, death_year, art_factor, prep_factor, circumcised,
                     sti_rr_susceptibility, sti_rr_infectiousness,
                     p_male_to_female, p_female_to_male, p_receptive_anal, p_insertive_anal,
                     dur_acute, rr_acute, dur_late, rr_late, dur_terminal, rr_terminal,
                     rr_circumcised, condom_efficacy, year, key, step):
    """HIV transmission over one week's contacts, with the state at the week's start.

    Who has HIV and which STIs comes from the partners' infection bytes at the week's
    start (``status_a``, ``status_b``; :func:`pair_status`), so contacts without
    exactly one partner with HIV are skipped without reading anyone's row. Steps, for
    each contact with one partner infected and the other not:
    1. Base per-act probability by route: to ``a`` (receptive) male-to-female or
       receptive anal; to ``b`` (insertive) female-to-male or insertive anal.
    2. Multiply by the infector's stage (acute: the first ``dur_acute`` years; terminal:
       the last ``dur_terminal`` years before HIV death; late: the ``dur_late`` years
       before that; acute wins where they overlap), ART slot and STI infectiousness
       multipliers, and the susceptible's STI susceptibility multipliers, PrEP slot and
       circumcision (insertive men).
    3. Per-contact probability over unprotected and protected acts
       (:func:`per_contact_probability`).
    4. Infect if the pair's uniform (stream ``key``, draw ``draw``) is below it.

    Returns:
        Per contact: 0 no transmission, 1 ``a`` infected, 2 ``b`` infected.
    """
    n = a.shape[0]
    n_sti = sti_rr_susceptibility.shape[0]
    out = np.zeros(n, dtype=np.int8)
    for i in nb.prange(n):
        a_inf = (status_a[i] & HAS_HIV) != 0
        b_inf = (status_b[i] & HAS_HIV) != 0
        if n_acts[i] <= 0 or a_inf == b_inf:
            continue
        ia, ib = a[i], b[i]
        if a_inf:
            src, dst = ia, ib
            src_status, dst_status = status_a[i], status_b[i]
            p = p_insertive_anal if anal[i] else p_female_to_male
            if circumcised[dst]:
                p *= rr_circumcised
        else:
            src, dst = ib, ia
            src_status, dst_status = status_b[i], status_a[i]
            p = p_receptive_anal if anal[i] else p_male_to_female
        since = year - infected_year[src]
        if since < dur_acute:
            p *= rr_acute
        elif year >= death_year[src] - dur_terminal:
            p *= rr_terminal
        elif year >= death_year[src] - dur_terminal - dur_late:
            p *= rr_late
        p *= art_factor[src] * prep_factor[dst]
        if (src_status | dst_status) & HAS_STI:
            for k in range(n_sti):
                if src_status & sti_bit(k):
                    p *= sti_rr_infectiousness[k]
                if dst_status & sti_bit(k):
                    p *= sti_rr_susceptibility[k]
        prob = per_contact_probability(p, n_acts[i], n_protected[i], condom_efficacy)
        if prob > 0.0 and pair_uniform(key, step, ia, ib, draw[i]) < prob:
            out[i] = 1 if dst == ia else 2
    return out


@nb.njit(
    "int8[:, :](int64[:], int64[:], int64[:], int64[:], int64[:], boolean[:], uint8[:], "
    "uint8[:], float64[:], float64[:], float64[:], float64[:], float64[:], uint64[:], int64)",
    cache=True, parallel=True,
)
def sti_transmission(a, b, draw, n_acts, n_protected, anal, status_a, status_b, p_to_receptive,
                     p_to_insertive, p_receptive_anal, p_insertive_anal, condom_efficacy,
                     keys, step):
    """Every curable STI's transmission over one week's contacts (state at week start).

    Who has which STI comes from the partners' infection bytes at the week's start
    (``status_a``, ``status_b``; :func:`pair_status`), so no one's row is read. Steps, for each
    contact and each STI ``k`` with exactly one partner infected:
    1. Per-act probability to ``a`` (receptive) or to ``b`` (insertive): vaginal
       (``p_to_receptive``, ``p_to_insertive``) or, for an anal contact, anal
       (``p_receptive_anal``, ``p_insertive_anal``).
    2. Per-contact probability over unprotected and protected acts.
    3. Infect if the pair's uniform (stream ``keys[k]``) is below it.

    Returns:
        Per contact and STI: 0 no transmission, 1 ``a`` infected, 2 ``b`` infected.
    """
    n = a.shape[0]
    n_sti = keys.shape[0]
    out = np.zeros((n, n_sti), dtype=np.int8)
    for i in nb.prange(n):
        if n_acts[i] <= 0 or ((status_a[i] | status_b[i]) & HAS_STI) == 0:
            continue
        for k in range(n_sti):
            a_inf = (status_a[i] & sti_bit(k)) != 0
            b_inf = (status_b[i] & sti_bit(k)) != 0
            if a_inf == b_inf:
                continue
            if anal[i]:
                p = p_insertive_anal[k] if a_inf else p_receptive_anal[k]
            else:
                p = p_to_insertive[k] if a_inf else p_to_receptive[k]
            prob = per_contact_probability(p, n_acts[i], n_protected[i], condom_efficacy[k])
            if prob > 0.0 and pair_uniform(keys[k], step, a[i], b[i], draw[i]) < prob:
                out[i, k] = 2 if a_inf else 1
    return out


def first_infections(
    flags: np.ndarray, a: np.ndarray, b: np.ndarray, with_contacts: bool = False
) -> tuple[np.ndarray, ...]:
    """Turn per-contact flags into (newly infected uid, source uid), each person once.

    A person infected through several contacts in one week is counted once, through
    the first of those contacts in contact order (which is canonical, so the result
    does not depend on how people were processed). With ``with_contacts``, also the
    index of that contact (for the route: which act, which site).
    """
    hit = np.flatnonzero(flags)
    to_a = flags[hit] == 1
    targets = np.where(to_a, a[hit], b[hit])
    sources = np.where(to_a, b[hit], a[hit])
    _, first = np.unique(targets, return_index=True)
    first.sort()
    if with_contacts:
        return targets[first], sources[first], hit[first]
    return targets[first], sources[first]

