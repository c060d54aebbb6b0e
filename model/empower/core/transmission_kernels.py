"""Per-act transmission over a week's contacts: HIV and the curable STIs.

Contacts of one week are parallel arrays: ``a`` (the receptive partner: the sex
worker, or a client's wife or partner), ``b`` (the insertive partner: client, intimate
partner, or the client in a client-partner tie), ``draw`` (distinguishes two contacts
of the same pair in a week), ``n_acts`` and ``n_protected`` (acts with a condom).
Randomness enters only through :mod:`empower.rng`, so a kernel's output depends only
on its arguments; each kernel is tested against its pure-Python ``py_func``.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from empower.core.infection_bits_kernels import sti_bit
from empower.core.status_bits import HAS_HIV, HAS_STI
from empower.rng import pair_uniform

__all__ = ["per_contact_probability", "hiv_transmission", "sti_transmission",
           "first_infections"]


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
    "int8[:](int64[:], int64[:], int64[:], int64[:], int64[:], int64[:], int64[:], boolean[:], "
    "uint8[:], uint8[:], float64[:], float64[:], float64[:], float64[:], boolean[:], "
    "float64[:], float64[:], "
    "float64, float64, float64, float64, float64, float64, float64, float64, float64, float64, "
    "float64, float64, float64, uint64, int64)",
    cache=True, parallel=True,
)
def hiv_transmission(a, b, uid_a, uid_b, draw, n_acts, n_protected, anal, status_a, status_b,
                     infected_year, death_year, art_factor, prep_factor, circumcised,
                     sti_rr_susceptibility, sti_rr_infectiousness,
                     p_male_to_female, p_female_to_male, p_receptive_anal, p_insertive_anal,
                     dur_acute, rr_acute, dur_late, rr_late, dur_terminal, rr_terminal,
                     rr_circumcised, condom_efficacy, year, key, step):
    """HIV transmission over one week's contacts, with the state at the week's start.

    Who has HIV and which STIs comes from the partners' infection bytes at the week's
    start (``status_a``, ``status_b``, from the week's contacts), so contacts without
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
    4. Infect if the pair's uniform (stream ``key``, draw ``draw``, the partners' uids
       ``uid_a`` and ``uid_b``) is below it.

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
        if prob > 0.0 and pair_uniform(key, step, uid_a[i], uid_b[i], draw[i]) < prob:
            out[i] = 1 if dst == ia else 2
    return out


@nb.njit(
    "int8[:, :](int64[:], int64[:], int64[:], int64[:], int64[:], int64[:], int64[:], "
    "boolean[:], uint8[:], uint8[:], float64[:], float64[:], float64[:], float64[:], float64[:], "
    "uint64[:], int64)",
    cache=True, parallel=True,
)
def sti_transmission(a, b, uid_a, uid_b, draw, n_acts, n_protected, anal, status_a,
                     status_b, p_to_receptive,
                     p_to_insertive, p_receptive_anal, p_insertive_anal, condom_efficacy,
                     keys, step):
    """Every curable STI's transmission over one week's contacts (state at week start).

    Who has which STI comes from the partners' infection bytes at the week's start
    (``status_a``, ``status_b``, from the week's contacts) and their uids from ``uid_a`` and
    ``uid_b``, so no one's row is read. Steps, for each
    contact and each STI ``k`` with exactly one partner infected:
    1. Per-act probability to ``a`` (receptive) or to ``b`` (insertive): vaginal
       (``p_to_receptive``, ``p_to_insertive``) or, for an anal contact, anal
       (``p_receptive_anal``, ``p_insertive_anal``).
    2. Per-contact probability over unprotected and protected acts.
    3. Infect if the pair's uniform (stream ``keys[k]``, the partners' uids) is below it.

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
            if prob > 0.0 and pair_uniform(keys[k], step, uid_a[i], uid_b[i], draw[i]) < prob:
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
