"""Numba kernels of the HIV care cascade (:mod:`empower.processes.cascade`).

Unlike the shared kernels (:mod:`empower.core`), :func:`care_cascade` writes the
population columns it is given, in place: one call does a group's week of testing,
ART start and restart, dropout and suppression, from the rows :func:`cascade_rows`
read. Uniforms are pure
functions of (stream key, step, uid, draw) (:mod:`empower.rng`), so drawing them here,
for the people who need them, gives the numbers ``model.streams.uniforms(name, step,
uids)`` gives.

Probabilities come in already converted from rates by
:func:`empower.units.prob_per_step` (the model's one formula, compiled), once per group
or per person, instead of once per person per draw here.

The columns are far larger than the cache, so the rows are read in a loop without
branches (many reads in flight), and decisions are made in a second loop over only
the few people whose draw makes a change possible.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from empower.core.status_bits import HAS_HIV
from empower.rng import uniform

__all__ = ["cascade_rows", "care_cascade", "cascade_counts"]


@nb.njit(nb.types.Tuple((nb.float64[:], nb.float64[:]))(nb.int64[:], nb.float64[:], nb.float64[:]),
         cache=True)
def cascade_rows(uids, diagnosed_year, art_start_year):
    """Each of ``uids``' ``diagnosed_year`` and ``art_start_year``, as two arrays.

    A loop without branches, so many reads of the large columns are in flight at once.
    """
    diagnosed = np.empty(uids.shape[0], dtype=np.float64)
    started = np.empty(uids.shape[0], dtype=np.float64)
    for i in range(uids.shape[0]):
        diagnosed[i] = diagnosed_year[uids[i]]
        started[i] = art_start_year[uids[i]]
    return diagnosed, started


@nb.njit(
    nb.types.Tuple((nb.int64[:], nb.int64[:]))(
        nb.int64[:], nb.int32[:], nb.float64[:], nb.float64[:],
        nb.float64[:], nb.float64[:], nb.boolean[:], nb.float64[:], nb.float64[:],
        nb.float64[:], nb.float64[:],
        nb.float64[:], nb.float64, nb.float64, nb.float64[:],
        nb.float64, nb.float64, nb.float64, nb.float64, nb.float64, nb.float64,
        nb.uint64, nb.uint64, nb.uint64, nb.int64,
    ),
    cache=True,
)
def care_cascade(rows, uid, diagnosed, started,
                 diagnosed_year, art_start_year, art_stopped, hiv_death_year, survival_left,
                 art_factor, infected_year,
                 p_test, p_start, p_restart, p_dropout,
                 year, delay, rr_suppressed, never, eligible_share, dur_late,
                 key_test, key_start, key_dropout, step):
    """One week of the cascade for ``rows`` (people with HIV), on the week's start state.

    Each person's uniforms are drawn with their ``uid`` (the column), not their row.

    ``diagnosed`` and ``started`` are their ``diagnosed_year`` and ``art_start_year`` at
    the week's start (:func:`cascade_rows`); ``started`` is updated to the week's end.
    Steps, for each person (each reads the state at the week's start, so someone
    diagnosed this week does not start ART this week, nor does someone who started
    stop):
    1. Test: if undiagnosed (``diagnosed_year`` NaN), diagnosed (``diagnosed_year =
       year``) if their uniform (stream ``key_test``) is below ``p_test``.
    2. ART start: if off ART (``art_start_year`` NaN) and diagnosed before ``year``,
       start (``art_start_year = year``) if their uniform (``key_start``) is below
       ``p_restart`` if they have stopped before (``art_stopped``), else ``p_start``
       and only once eligible: ``eligible_share`` of their untreated survival
       (``hiv_death_year - infected_year``) has passed, or they are in the late or
       terminal stage (the last ``dur_late`` years before HIV death); the untreated survival left,
       ``hiv_death_year - year``, goes to ``survival_left`` and ``hiv_death_year``
       becomes ``never``.
    3. Dropout: if on ART, stop if their uniform (``key_dropout``) is below
       ``p_dropout``: ``art_start_year`` NaN, ``art_stopped`` set, ``hiv_death_year =
       year + survival_left`` and ``survival_left`` NaN.
    4. Suppression: ``art_factor`` is ``rr_suppressed`` if ``year >= art_start_year +
       delay`` after steps 1-3 (NaN, off ART, compares False), else 1.

    ``p_test`` and ``p_dropout`` hold one probability for everyone, or one per person
    (read only for the people tested, or on ART).

    Returns:
        The rows of those who started ART and of those who stopped, in the order of
        ``rows``.
    """
    m = rows.shape[0]
    if diagnosed.shape[0] != m or started.shape[0] != m:
        raise ValueError("diagnosed and started need one value per person")
    if p_test.shape[0] != 1 and p_test.shape[0] != m:
        raise ValueError("p_test needs one probability, or one per person")
    if p_dropout.shape[0] != 1 and p_dropout.shape[0] != m:
        raise ValueError("p_dropout needs one probability, or one per person")
    each_test = 0 if p_test.shape[0] == 1 else 1
    each_dropout = 0 if p_dropout.shape[0] == 1 else 1
    # Draw each person's first uniform (test if undiagnosed, else start or dropout) and
    # flag who might change: the flag is never False for someone who changes.
    maybe = np.empty(m, dtype=np.bool_)
    for i in range(m):
        d = diagnosed[i]
        undiagnosed = math.isnan(d)
        off_art = math.isnan(started[i])
        key = key_test if undiagnosed else (key_start if off_art else key_dropout)
        x = uniform(key, step, uid[rows[i]], 0)
        if undiagnosed:
            # on ART though undiagnosed (not reached by the model): dropout draws apart
            maybe[i] = (x < p_test[i * each_test]) | (not off_art)
        elif off_art:
            maybe[i] = (d < year) & ((x < p_start) | (x < p_restart))
        else:
            maybe[i] = x < p_dropout[i * each_dropout]
    n_maybe = 0
    for i in range(m):
        if maybe[i]:
            n_maybe += 1
    starting = np.empty(n_maybe, dtype=np.int64)
    stopping = np.empty(n_maybe, dtype=np.int64)
    n_start = 0
    n_stop = 0
    for i in range(m):
        if not maybe[i]:
            continue
        row = rows[i]
        key_uid = uid[row]
        d = diagnosed[i]
        # 1. testing
        if math.isnan(d) and uniform(key_test, step, key_uid, 0) < p_test[i * each_test]:
            diagnosed_year[row] = year
        if math.isnan(started[i]):
            # 2. ART start or restart
            if d < year:
                if art_stopped[row]:
                    p = p_restart
                else:
                    death = hiv_death_year[row]
                    since = year - infected_year[row]
                    eligible = (since >= eligible_share * (death - infected_year[row])
                                or year >= death - dur_late)
                    p = p_start if eligible else 0.0
                if uniform(key_start, step, key_uid, 0) < p:
                    art_start_year[row] = year
                    survival_left[row] = hiv_death_year[row] - year
                    hiv_death_year[row] = never
                    started[i] = year
                    starting[n_start] = row
                    n_start += 1
        # 3. dropout
        elif uniform(key_dropout, step, key_uid, 0) < p_dropout[i * each_dropout]:
            art_start_year[row] = math.nan
            art_stopped[row] = True
            hiv_death_year[row] = year + survival_left[row]
            survival_left[row] = math.nan
            started[i] = math.nan
            stopping[n_stop] = row
            n_stop += 1
    # 4. suppression
    for i in range(m):
        art_factor[rows[i]] = rr_suppressed if year >= started[i] + delay else 1.0
    return starting[:n_start].copy(), stopping[:n_stop].copy()


@nb.njit("int64[:](int64[:], uint8[:], float64[:], float64[:], float64, float64)", cache=True)
def cascade_counts(uids, infections, diagnosed_year, art_start_year, year, delay):
    """Of ``uids``: how many have HIV, and how many of those are diagnosed, on ART, suppressed.

    Suppressed: ``year >= art_start_year + delay`` (NaN, off ART, compares False).
    """
    out = np.zeros(4, dtype=np.int64)
    for i in range(uids.shape[0]):
        uid = uids[i]
        if (infections[uid] & HAS_HIV) == 0:
            continue
        started = art_start_year[uid]
        out[0] += 1
        out[1] += not math.isnan(diagnosed_year[uid])
        out[2] += not math.isnan(started)
        out[3] += year >= started + delay
    return out
