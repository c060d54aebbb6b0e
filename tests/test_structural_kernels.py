"""The structural layer's numba kernels: each agrees with its pure-Python ``py_func`` on
random states (the columns it writes included), and behaves as its docstring says."""

from __future__ import annotations

import math

import numpy as np
import pytest
from empower.processes.mobilisation.kernels import empowerment_week, group_counts, membership_week
from empower.processes.violence.kernels import (
    ARRESTED,
    CLIENT_EVENT,
    PARTNER_EVENT,
    POLICE_EVENT,
    RESPONDED,
    VIOLENCE_STREAMS,
    violence_week,
)
from empower.rng import stream_key
from kernel_testing import both

N_PEOPLE = 500
YEAR, STEP = 2010.5, 338
KEYS = np.array([stream_key(11, name) for name in VIOLENCE_STREAMS], dtype=np.uint64)
N_GROUPS = 2  # and a last slot for "no group"
CLIENT_POLICING, DUR_DISPLACEMENT, OR_DISPLACED = 0.5, 0.1, 0.5


def state(seed: int) -> dict[str, np.ndarray]:
    """Sex workers (a sorted subset of rows) with random columns, some of them NaN."""
    rng = np.random.default_rng(seed)
    sw = np.sort(rng.choice(N_PEOPLE, 300, replace=False)).astype(np.int64)
    member = rng.random(N_PEOPLE) < 0.5
    partner = np.where(rng.random(N_PEOPLE) < 0.4, rng.integers(0, N_PEOPLE, N_PEOPLE), -1)
    return {
        "sw": sw,
        "uid": np.arange(N_PEOPLE, dtype=np.int32) * 3 + 5,  # draws' keys, not the rows
        "group": rng.integers(-1, N_GROUPS, sw.size).astype(np.int64),
        "pause_until_year": np.where(rng.random(N_PEOPLE) < 0.2, YEAR + 0.1, -math.inf),
        "exit_year": np.where(rng.random(N_PEOPLE) < 0.1, YEAR - 0.1, math.inf),
        "partner_row": partner.astype(np.int64),
        "venue": rng.integers(0, 3, N_PEOPLE).astype(np.int8),
        "member_since_year": np.where(member, YEAR - rng.random(N_PEOPLE) * 5, math.nan),
        "empowerment": rng.random(N_PEOPLE),
        "effect_until_year": np.where(rng.random(N_PEOPLE) < 0.2, YEAR + 0.05, -math.inf),
        "detained_until_year": np.where(rng.random(N_PEOPLE) < 0.05, YEAR + 0.02, -math.inf),
        "confiscated_until_year": np.where(rng.random(N_PEOPLE) < 0.1, YEAR + 0.01,
                                           -math.inf),
        "displaced_until_year": np.where(rng.random(N_PEOPLE) < 0.15, YEAR + 0.03, -math.inf),
        "police_exposure": rng.lognormal(-0.3, 0.77, N_PEOPLE),
    }


def violence_args(s: dict[str, np.ndarray], rates=(0.8, 0.5, 0.6, 0.4, 3.0), p_conf=0.3,
                  reach=0.9):
    """violence_week's arguments over copies of the state's columns, and the columns."""
    n = s["exit_year"].size
    cols = {name: np.full(n, -math.inf) for name in
            ("violence_client_year", "violence_partner_year", "violence_police_year")}
    for name in ("effect_until_year", "detained_until_year", "confiscated_until_year",
                 "displaced_until_year", "pause_until_year"):
        cols[name] = s[name].copy()
    for name in ("condom_odds", "service_factor", "art_dropout_factor"):
        cols[name] = np.ones(n)
    args = (
        s["sw"], s["uid"], YEAR, STEP, KEYS, cols["pause_until_year"], s["exit_year"],
        s["partner_row"],
        s["venue"], s["police_exposure"], np.array([1.0, 1.5, 0.5]), s["group"],
        s["member_since_year"],
        np.array([0.8, 0.3, 0.0]), np.array([1.0, 2.0, 1.5]), CLIENT_POLICING, *rates, p_conf,
        reach, 0.25, 0.04, 0.04, 0.02, DUR_DISPLACEMENT, 0.4, 0.2, OR_DISPLACED, 2.0, 0.7, 1.5,
        cols["violence_client_year"], cols["violence_partner_year"],
        cols["violence_police_year"], cols["effect_until_year"], cols["detained_until_year"],
        cols["confiscated_until_year"], cols["displaced_until_year"], cols["condom_odds"],
        cols["service_factor"], cols["art_dropout_factor"],
    )
    return args, cols


def run_both(kernel, make_args, s):
    """The kernel and its py_func, each on its own copy; their results and columns."""
    out = []
    for run in (kernel, kernel.py_func):
        args, cols = make_args(s)
        with np.errstate(over="ignore"):
            result = run(*args)
        out.append((result, cols))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_violence_week_compiled_equals_py_func_with_the_columns_it_writes(seed):
    s = state(seed)
    (flags, cols), (flags_py, cols_py) = run_both(violence_week, violence_args, s)
    np.testing.assert_array_equal(flags, flags_py)
    for name in cols:
        np.testing.assert_array_equal(cols[name], cols_py[name], err_msg=name)
    assert flags.any(), "the rates should make some events"


def test_violence_week_at_zero_rates_changes_no_one_and_keeps_factors_of_past_effects():
    s = state(4)
    args, cols = violence_args(s, rates=(0.0, 0.0, 0.0, 0.0, 0.0), p_conf=0.0)
    flags = violence_week(*args)
    assert not flags.any()
    np.testing.assert_array_equal(cols["pause_until_year"], s["pause_until_year"])
    sw = s["sw"]
    hurt = s["effect_until_year"][sw] > YEAR
    assert (cols["art_dropout_factor"][sw][hurt] == 1.5).all()
    assert (cols["art_dropout_factor"][sw][~hurt] == 1.0).all()


def test_violence_week_events_follow_their_rules():
    s = state(5)
    s["police_exposure"][:] = 1.0
    # weekly probabilities 1 - exp(-5000 / 52 x multipliers of at least 0.5): certain
    args, cols = violence_args(s, rates=(5000.0,) * 5, p_conf=1.0)
    flags = violence_week(*args)
    sw = s["sw"]
    working = s["pause_until_year"][sw] <= YEAR
    partner = s["partner_row"][sw]
    has_partner = (partner >= 0) & (s["exit_year"][np.maximum(partner, 0)] > YEAR)
    # Weekly probabilities near 1: every working sex worker meets clients and police
    assert ((flags[working] & CLIENT_EVENT) != 0).all()
    assert ((flags[working] & ARRESTED) != 0).all()
    assert not (flags[~working] & (CLIENT_EVENT | POLICE_EVENT | ARRESTED)).any()
    np.testing.assert_array_equal((flags & PARTNER_EVENT) != 0, has_partner)
    # Crisis response only for members of a group
    member = (s["group"] >= 0) & ~np.isnan(s["member_since_year"][sw])
    assert not (flags[~member] & RESPONDED).any()
    assert (flags[member & working] & RESPONDED).any()
    # The arrested are detained and paused; detention zeroes service use
    arrested = (flags & ARRESTED) != 0
    assert (cols["pause_until_year"][sw][arrested] >= YEAR + 0.04).all()
    assert (cols["service_factor"][sw][arrested] == 0.0).all()
    # Every working sex worker met police: displaced from now, condom odds x 0.5 in it
    assert (cols["displaced_until_year"][sw][working] == YEAR + DUR_DISPLACEMENT).all()
    np.testing.assert_array_equal(cols["displaced_until_year"][sw][~working],
                                  s["displaced_until_year"][sw][~working])


def test_displacement_lowers_condom_odds_and_raises_client_violence():
    s = state(6)
    s["effect_until_year"][:] = -math.inf
    s["confiscated_until_year"][:] = -math.inf
    s["pause_until_year"][:] = -math.inf
    sw = s["sw"]
    displaced = s["displaced_until_year"][sw] > YEAR
    args, cols = violence_args(s, rates=(3.0, 0.0, 0.0, 0.0, 0.0), p_conf=0.0)
    flags = violence_week(*args)
    odds = cols["condom_odds"][sw]
    hurt = (flags & CLIENT_EVENT) != 0
    np.testing.assert_array_equal(odds[displaced & ~hurt], OR_DISPLACED)
    np.testing.assert_array_equal(odds[~displaced & ~hurt], 1.0)
    # client violence at rr 2 while displaced, over many draws of the same week
    hits = np.zeros(sw.size)
    for step in range(400):
        a, _ = violence_args(s, rates=(3.0, 0.0, 0.0, 0.0, 0.0), p_conf=0.0)
        a = (*a[:3], step, *a[4:])
        hits += (violence_week(*a) & CLIENT_EVENT) != 0
    ratio = hits[displaced].mean() / hits[~displaced].mean()
    assert 1.6 < ratio < 2.4, ratio


def moved(s: dict[str, np.ndarray], gap: int) -> dict[str, np.ndarray]:
    """The same people ``gap`` rows further down (blank rows before them), same uids."""
    out = {}
    for name, values in s.items():
        if name in ("sw", "group"):
            out[name] = values + gap if name == "sw" else values
        else:
            out[name] = np.concatenate([np.repeat(values[:1], gap), values])
    out["partner_row"] = np.where(out["partner_row"] >= 0, out["partner_row"] + gap, -1)
    return out


def test_violence_week_draws_with_uids_so_moving_rows_changes_no_event():
    s = state(4)
    here_args, here = violence_args(s)
    flags = violence_week(*here_args)
    there_args, there = violence_args(moved(s, 9))
    np.testing.assert_array_equal(violence_week(*there_args), flags)
    assert (flags != 0).any()
    for name, values in here.items():
        np.testing.assert_array_equal(there[name][9:], values, err_msg=name)


@pytest.mark.parametrize("seed", [1, 2])
def test_membership_week_compiled_equals_py_func_and_joins_only_the_covered(seed):
    s = state(seed)

    def make(s):
        cols = {"member_since_year": s["member_since_year"].copy()}
        return (s["sw"], s["uid"], s["group"], YEAR, STEP, KEYS[0], KEYS[1],
                np.array([0.5, 0.2, 0.0]), 0.3, cols["member_since_year"]), cols

    (_, cols), (_, cols_py) = run_both(membership_week, make, s)
    np.testing.assert_array_equal(cols["member_since_year"], cols_py["member_since_year"])
    sw, before, after = s["sw"], s["member_since_year"], cols["member_since_year"]
    uncovered = sw[s["group"] < 0]
    np.testing.assert_array_equal(after[uncovered], before[uncovered])
    joined = np.isnan(before[sw]) & ~np.isnan(after[sw])
    left = ~np.isnan(before[sw]) & np.isnan(after[sw])
    assert joined.any() and left.any()
    assert (after[sw][joined] == YEAR).all()


@pytest.mark.parametrize("seed", [1, 2])
def test_empowerment_week_compiled_equals_py_func_with_the_columns_it_writes(seed):
    s = state(seed)

    def make(s):
        cols = {"empowerment": s["empowerment"].copy(), "condom_odds": np.ones(N_PEOPLE),
                "hiv_testing_factor": np.full(N_PEOPLE, 7.0),
                "art_dropout_factor": np.ones(N_PEOPLE)}
        return (s["sw"], s["group"], s["member_since_year"], np.array([0.6, 0.3, 0.0]),
                np.array([0.9, 0.4, 0.0]), np.array([0.7, 0.2, 0.0]), np.array([0.5, 1.0, 0.0]),
                np.array([2.0, 1.5, 1.0]), 0.02, 0.01, 18.0, 0.5, 1.4, 0.6,
                cols["empowerment"], cols["condom_odds"], cols["hiv_testing_factor"],
                cols["art_dropout_factor"]), cols

    (_, cols), (_, cols_py) = run_both(empowerment_week, make, s)
    for name in cols:
        np.testing.assert_array_equal(cols[name], cols_py[name], err_msg=name)
    sw = s["sw"]
    member = (s["group"] >= 0) & ~np.isnan(s["member_since_year"][sw])
    k = np.array([0.9, 0.4, 0.0])[s["group"]]
    e = cols["empowerment"][sw]
    community = np.array([2.0, 1.5, 1.0])[s["group"]]  # last slot (-1): no group
    np.testing.assert_allclose(cols["condom_odds"][sw][~member],
                               18.0 ** e[~member] * community[~member])
    np.testing.assert_allclose(cols["condom_odds"][sw][member],
                               18.0 ** e[member] * 0.5 ** (1 - k[member]) * community[member])
    assert (cols["hiv_testing_factor"][sw][~member] == 1.0).all()
    testing = np.array([0.7, 0.2, 0.0])[s["group"]]
    np.testing.assert_allclose(cols["hiv_testing_factor"][sw][member],
                               1.0 + 0.4 * testing[member])
    support = np.array([0.5, 1.0, 0.0])[s["group"]]
    np.testing.assert_allclose(cols["art_dropout_factor"][sw][member],
                               1.0 - 0.4 * support[member])


def test_group_counts_compiled_equals_py_func_and_counts_members_within_coverage():
    s = state(6)
    got = both(group_counts, s["sw"], s["group"], s["member_since_year"], N_GROUPS)
    for c, p in zip(*got, strict=True):
        np.testing.assert_array_equal(c, p)
    covered, members = got[0]
    for g in range(N_GROUPS):
        in_g = s["sw"][s["group"] == g]
        assert covered[g] == in_g.size
        assert members[g] == np.count_nonzero(~np.isnan(s["member_since_year"][in_g]))


def test_a_sex_workers_police_exposure_multiplies_her_police_hazards():
    s = state(7)
    s["pause_until_year"][:] = -math.inf
    s["police_exposure"][:] = 1.0
    sw = s["sw"]
    s["police_exposure"][sw[::2]] = 3.0  # every other sex worker three times as exposed
    high = np.zeros(sw.size, dtype=bool)
    high[::2] = True
    arrests = np.zeros(sw.size)
    for step in range(300):
        a, _ = violence_args(s, rates=(0.0, 0.0, 0.0, 2.0, 0.0), p_conf=0.0)
        arrests += (violence_week(*(*a[:3], step, *a[4:])) & ARRESTED) != 0
    ratio = arrests[high].mean() / arrests[~high].mean()
    assert 2.4 < ratio < 3.6, ratio
