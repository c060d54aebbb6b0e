"""Numba kernel of the week's violence, arrest and confiscation: one pass over sex workers.

:mod:`empower.processes.violence.process` describes the steps; :func:`violence_week`
does them for every present sex worker in one loop, drawing its random numbers inside
from the counter-based streams (:func:`empower.rng.uniform`: a pure function of stream
key, step, uid and draw), so the numbers do not depend on who else is drawn or on the
number of threads. Each iteration writes only its own sex worker's row.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from empower.core.rate_kernels import rate_to_prob
from empower.rng import uniform
from empower.units import DT_YEARS

__all__ = ["VIOLENCE_STREAMS", "violence_week", "CLIENT_EVENT", "PARTNER_EVENT",
           "POLICE_EVENT", "ARRESTED", "RESPONDED", "CONFISCATED"]

# Bits of violence_week's per-sex-worker result
CLIENT_EVENT, PARTNER_EVENT, POLICE_EVENT, ARRESTED, RESPONDED, CONFISCATED = 1, 2, 4, 8, 16, 32


VIOLENCE_STREAMS = ("violence.client", "violence.partner", "violence.police",
                    "violence.arrest", "violence.encounter", "violence.confiscation",
                    "violence.crisis_response")


@nb.njit(cache=True, parallel=True)
def violence_week(sw, uid, year, step, keys, pause_until_year, exit_year, partner_row, venue,
                  police_exposure, rr_client_by_venue, group, member_since_year,
                  capacity_by_group,
                  policing_by_group, client_policing, rate_client, rate_partner, rate_police,
                  rate_arrest, rate_encounter, p_confiscation, reach, dur_effect,
                  dur_effect_responded, dur_detention, dur_confiscation, dur_displacement,
                  or_violence, or_confiscation, or_displaced, rr_client_displaced,
                  rr_services, rr_dropout, violence_client_year, violence_partner_year,
                  violence_police_year, effect_until_year, detained_until_year,
                  confiscated_until_year, displaced_until_year, condom_odds, service_factor,
                  art_dropout_factor):
    """The week's violence, arrests and confiscations, and their effects, per sex worker.

    For each of ``sw`` (rows of present sex workers, drawn with their ``uid``;
    ``group`` is each one's community group index, -1 for none, and the
    ``*_by_group`` arrays have a last slot for none):

    1. Working (``pause_until_year <= year``): client violence at ``rate_client`` x her
       venue's multiplier (x ``rr_client_displaced`` while she is displaced); police
       violence and arrest at their rates x her group's local policing; police
       encounters at their rate x (local policing + ``client_policing``); the three
       police hazards also x her own ``police_exposure``. With a
       partner present: partner violence at ``rate_partner``. One uniform each
       (``keys`` in :data:`VIOLENCE_STREAMS` order).
    2. After violence: a member gets crisis response with probability ``reach`` x her
       group's crisis-response capacity (its funded share); the effect lasts
       ``dur_effect`` (``dur_effect_responded`` with a response) from now, unless one
       already lasts longer.
    3. Arrest: detained and paused until ``year + dur_detention``.
    4. A police encounter displaces her (hidden places, rushed negotiation) for
       ``dur_displacement`` from now, and confiscates her condoms with
       ``p_confiscation``, for ``dur_confiscation``.
    5. Effects on the week's factors: while an effect lasts, condom odds x
       ``or_violence``, service use x ``rr_services``, ART dropout x ``rr_dropout``;
       while condoms are confiscated, condom odds x ``or_confiscation``; while
       displaced, condom odds x ``or_displaced``; detained, service use x 0.

    Returns:
        Per sex worker, a byte of CLIENT_EVENT | PARTNER_EVENT | POLICE_EVENT |
        ARRESTED | RESPONDED | CONFISCATED bits.
    """
    # Client violence: weekly probabilities once per venue type, displaced or not (the
    # same numbers the loop would compute for each sex worker from her venue). Police
    # hazards depend on each sex worker's own exposure, so they are computed in the loop.
    p_client = np.empty(rr_client_by_venue.shape[0])
    p_client_displaced = np.empty(rr_client_by_venue.shape[0])
    for v in range(rr_client_by_venue.shape[0]):
        p_client[v] = rate_to_prob(rate_client * rr_client_by_venue[v], DT_YEARS)
        p_client_displaced[v] = rate_to_prob(rate_client * rr_client_by_venue[v]
                                             * rr_client_displaced, DT_YEARS)
    p_partner = rate_to_prob(rate_partner, DT_YEARS)

    n = sw.shape[0]
    out = np.zeros(n, dtype=np.uint8)
    for i in nb.prange(n):
        row = sw[i]
        key_uid = uid[row]
        g = group[i]
        working = pause_until_year[row] <= year
        flags = 0
        displaced = displaced_until_year[row] > year
        if working:
            p = p_client_displaced[venue[row]] if displaced else p_client[venue[row]]
            if p > 0 and uniform(keys[0], step, key_uid, 0) < p:
                flags |= CLIENT_EVENT
        partner = partner_row[row]
        if partner >= 0 and exit_year[partner] > year and rate_partner > 0:
            if uniform(keys[1], step, key_uid, 0) < p_partner:
                flags |= PARTNER_EVENT
        met = False
        if working:
            exposure = police_exposure[row]
            p = rate_to_prob(rate_police * policing_by_group[g] * exposure, DT_YEARS)
            if p > 0 and uniform(keys[2], step, key_uid, 0) < p:
                flags |= POLICE_EVENT
            p = rate_to_prob(rate_arrest * policing_by_group[g] * exposure, DT_YEARS)
            if p > 0 and uniform(keys[3], step, key_uid, 0) < p:
                flags |= ARRESTED
            p = rate_to_prob(rate_encounter * (policing_by_group[g] + client_policing) * exposure,
                             DT_YEARS)
            met = p > 0 and uniform(keys[4], step, key_uid, 0) < p
        if flags & CLIENT_EVENT:
            violence_client_year[row] = year
        if flags & PARTNER_EVENT:
            violence_partner_year[row] = year
        if flags & POLICE_EVENT:
            violence_police_year[row] = year
        if flags & (CLIENT_EVENT | PARTNER_EVENT | POLICE_EVENT):
            dur = dur_effect
            if g >= 0 and not math.isnan(member_since_year[row]):
                if uniform(keys[6], step, key_uid, 0) < reach * capacity_by_group[g]:
                    flags |= RESPONDED
                    dur = dur_effect_responded
            effect_until_year[row] = max(effect_until_year[row], year + dur)
        if flags & ARRESTED:
            until = year + dur_detention
            detained_until_year[row] = until
            pause_until_year[row] = max(pause_until_year[row], until)
        if met:
            displaced_until_year[row] = max(displaced_until_year[row], year + dur_displacement)
            if p_confiscation > 0 and uniform(keys[5], step, key_uid, 0) < p_confiscation:
                confiscated_until_year[row] = year + dur_confiscation
                flags |= CONFISCATED
        out[i] = flags
        hurt = effect_until_year[row] > year
        taken = confiscated_until_year[row] > year
        displaced = displaced_until_year[row] > year
        if hurt or taken or displaced:
            odds = 1.0
            if hurt:
                odds = or_violence
            if taken:
                odds *= or_confiscation
            if displaced:
                odds *= or_displaced
            condom_odds[row] *= odds
        if detained_until_year[row] > year:
            service_factor[row] *= 0.0
        elif hurt:
            service_factor[row] *= rr_services
        if hurt:
            art_dropout_factor[row] *= rr_dropout
    return out
