"""Numba kernels of community mobilisation: counts, membership and empowerment.

:mod:`empower.processes.mobilisation.process` describes the steps; these kernels do
them for every sex worker in one loop each, drawing their random numbers inside from
the counter-based streams (:func:`empower.rng.uniform`: a pure function of stream key,
step, uid and draw), so the numbers do not depend on who else is drawn or on the
number of threads. Each iteration writes only its own sex worker's row.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from empower.rng import uniform

__all__ = ["group_counts", "membership_week", "empowerment_week"]


@nb.njit(cache=True)
def group_counts(sw, group, member_since_year, n_groups):
    """Sex workers covered by each group, and its members among them."""
    covered = np.zeros(n_groups, dtype=np.int64)
    members = np.zeros(n_groups, dtype=np.int64)
    for i in range(sw.shape[0]):
        g = group[i]
        if g >= 0:
            covered[g] += 1
            if not math.isnan(member_since_year[sw[i]]):
                members[g] += 1
    return covered, members


@nb.njit(cache=True, parallel=True)
def membership_week(sw, uid, group, year, step, key_join, key_attrition, join_probability,
                    leave_probability, member_since_year):
    """Outreach recruits non-members; members (at the week's start) may leave.

    A covered non-member joins if her ``mobilisation.join`` uniform is below her group's
    ``join_probability``; a member leaves if her ``mobilisation.attrition`` uniform is
    below ``leave_probability``. Nobody both joins and leaves in one week. ``sw`` are
    rows, drawn with their ``uid``.
    """
    for i in nb.prange(sw.shape[0]):
        g = group[i]
        if g < 0:
            continue
        row = sw[i]
        if math.isnan(member_since_year[row]):
            p = join_probability[g]
            if p > 0 and uniform(key_join, step, uid[row], 0) < p:
                member_since_year[row] = year
        elif (leave_probability > 0
              and uniform(key_attrition, step, uid[row], 0) < leave_probability):
            member_since_year[row] = math.nan


@nb.njit(cache=True, parallel=True)
def empowerment_week(sw, group, member_since_year, cohesion_by_group, supply_by_group,
                     testing_by_group, support_by_group, community_odds_by_group, gain, loss,
                     or_empowered, or_without_supply, rr_testing, rr_dropout,
                     empowerment, condom_odds, hiv_testing_factor, art_dropout_factor):
    """Empowerment moves, and multiplies into the week's factors, per sex worker.

    A member's empowerment E moves toward her group's cohesion by ``gain`` (a weekly
    share), a non-member's decays by ``loss``. Then condom odds with clients x
    ``or_empowered ** E``, and x her group's ``community_odds_by_group`` (members or
    not: the community's norms; 1 for no group); for members of a group (0-1 shares of
    its condom supply s,
    clinic capacity c and peer support k): condom odds x ``or_without_supply ** (1 - s)``,
    HIV testing factor 1 + (``rr_testing`` - 1) c (non-members 1), ART dropout x
    1 + (``rr_dropout`` - 1) k.
    """
    # Per group, once: the condom odds of a supply shortfall
    supply_odds = np.empty(supply_by_group.shape[0])
    for k in range(supply_by_group.shape[0]):
        supply_odds[k] = or_without_supply ** (1.0 - supply_by_group[k])
    for i in nb.prange(sw.shape[0]):
        uid = sw[i]
        g = group[i]
        member = g >= 0 and not math.isnan(member_since_year[uid])
        e = empowerment[uid]
        if member:
            e = e + (cohesion_by_group[g] - e) * gain
        else:
            e = e - e * loss
        empowerment[uid] = e
        odds = or_empowered ** e
        if g >= 0:
            odds *= community_odds_by_group[g]
        if member:
            odds *= supply_odds[g]
            hiv_testing_factor[uid] = 1.0 + (rr_testing - 1.0) * testing_by_group[g]
            art_dropout_factor[uid] *= 1.0 + (rr_dropout - 1.0) * support_by_group[g]
        else:
            hiv_testing_factor[uid] = 1.0
        condom_odds[uid] *= odds
