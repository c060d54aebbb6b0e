"""The cascade's kernels: each agrees with its ``py_func`` and with the cascade's steps
done one at a time over everyone (numpy), on random states, bit for bit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from empower import rng
from empower.processes.cascade.kernels import care_cascade, cascade_counts, cascade_rows
from kernel_testing import KEY, KEY2, assert_same, both, f64, i64

KEY3 = rng.stream_key(7, "test.kernel.third")
YEAR, DELAY, RR, STEP = 2010.5, 0.5, 0.25, 339
ELIGIBLE_SHARE, DUR_LATE = 0.5, 0.75
COLUMNS = ("diagnosed_year", "art_start_year", "art_stopped", "hiv_death_year",
           "survival_left", "art_factor", "infected_year")


def random_state(seed: int, n_rows: int = 600, n_hiv: int = 400) -> tuple[np.ndarray, dict]:
    """People with HIV (rows, order kept) in every state, including one the model never
    reaches: on ART though undiagnosed. Their uids (``cols["uid"]``), the draws' keys,
    are not their rows."""
    g = np.random.default_rng(seed)
    uids = np.sort(g.choice(n_rows, n_hiv, replace=False)).astype(np.int64)
    diagnosed = YEAR - g.random(n_rows) * 3
    diagnosed[g.random(n_rows) < 0.4] = math.nan
    diagnosed[g.random(n_rows) < 0.05] = YEAR  # diagnosed at this week's start already
    started = YEAR - g.random(n_rows) * 2
    started[g.random(n_rows) < 0.5] = math.nan
    started[g.random(n_rows) < 0.05] = YEAR - DELAY  # suppressed from exactly now
    survival = g.random(n_rows) * 10
    cols = {
        "diagnosed_year": diagnosed,
        "art_start_year": started,
        "art_stopped": g.random(n_rows) < 0.3,
        "hiv_death_year": np.where(np.isnan(started), YEAR + survival, math.inf),
        "survival_left": np.where(np.isnan(started), math.nan, survival),
        "art_factor": np.where(g.random(n_rows) < 0.5, 1.0, RR),
        # infected 0-8 years ago: some before, some after half their survival
        "infected_year": YEAR - g.random(n_rows) * 8,
        "uid": np.arange(n_rows, dtype=np.int32) * 3 + 5,
    }
    return uids, cols


def reference(uids, cols, p_test, p_start, p_restart, p_dropout):
    """The cascade's steps one at a time over everyone, as numpy (the former code)."""
    diagnosed, started = cols["diagnosed_year"], cols["art_start_year"]
    undiagnosed = np.isnan(diagnosed[uids])
    p = p_test if p_test.size == 1 else p_test[undiagnosed]
    candidates = uids[undiagnosed]
    uid = cols["uid"].astype(np.int64)  # the draws' keys
    diagnosed_now = candidates[rng.uniforms(KEY, STEP, uid[candidates], 0) < p]
    on = ~np.isnan(started[uids])
    on_art = uids[on]
    off_art = uids[np.isnan(started[uids]) & (diagnosed[uids] < YEAR)]
    diagnosed[diagnosed_now] = YEAR
    infected, death = cols["infected_year"][off_art], cols["hiv_death_year"][off_art]
    eligible = ((YEAR - infected >= ELIGIBLE_SHARE * (death - infected))
                | (YEAR >= death - DUR_LATE))
    p = np.where(cols["art_stopped"][off_art], p_restart, np.where(eligible, p_start, 0.0))
    starting = off_art[rng.uniforms(KEY2, STEP, uid[off_art], 0) < p]
    started[starting] = YEAR
    cols["survival_left"][starting] = cols["hiv_death_year"][starting] - YEAR
    cols["hiv_death_year"][starting] = math.inf
    p = p_dropout if p_dropout.size == 1 else p_dropout[on]
    stopping = on_art[rng.uniforms(KEY3, STEP, uid[on_art], 0) < p]
    started[stopping] = math.nan
    cols["art_stopped"][stopping] = True
    cols["hiv_death_year"][stopping] = YEAR + cols["survival_left"][stopping]
    cols["survival_left"][stopping] = math.nan
    cols["art_factor"][uids] = np.where(YEAR >= started[uids] + DELAY, RR, 1.0)
    return starting, stopping


def run(kernel, uids, cols, p_test, p_start, p_restart, p_dropout):
    diagnosed, started = cascade_rows(uids, cols["diagnosed_year"], cols["art_start_year"])
    return kernel(uids, cols["uid"], diagnosed, started, *(cols[c] for c in COLUMNS), p_test,
                  p_start,
                  p_restart, p_dropout, YEAR, DELAY, RR, math.inf, ELIGIBLE_SHARE, DUR_LATE,
                  KEY, KEY2, KEY3, STEP)


def probabilities(uids, per_person: bool, seed: int):
    g = np.random.default_rng(seed)
    if per_person:
        p_test, p_dropout = g.random(uids.size), g.random(uids.size)
        p_test[::7] = 0.0
        p_dropout[::5] = 1.0
    else:
        p_test, p_dropout = f64(0.45), f64(0.35)
    return p_test, 0.5, 0.3, p_dropout


@pytest.mark.parametrize("per_person", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_care_cascade_equals_the_steps_one_at_a_time_bit_for_bit(per_person, seed):
    uids, cols = random_state(seed)
    probs = probabilities(uids, per_person, seed)
    expected = {c: v.copy() for c, v in cols.items()}
    starting, stopping = reference(uids, expected, *probs)
    got_starting, got_stopping = run(care_cascade, uids, cols, *probs)
    assert starting.size > 5 and stopping.size > 5  # a control: the state changes
    np.testing.assert_array_equal(got_starting, starting)
    np.testing.assert_array_equal(got_stopping, stopping)
    for c in COLUMNS:
        assert cols[c].tobytes() == expected[c].tobytes(), c


@pytest.mark.parametrize("per_person", [False, True])
def test_care_cascade_compiled_equals_py_func(per_person):
    uids, cols = random_state(3, n_rows=80, n_hiv=60)
    probs = probabilities(uids, per_person, 3)
    copy = {c: v.copy() for c, v in cols.items()}
    compiled = run(care_cascade, uids, cols, *probs)
    pure = run(care_cascade.py_func, uids, copy, *probs)
    assert_same(compiled, pure)
    for c in COLUMNS:
        assert cols[c].tobytes() == copy[c].tobytes(), c


def test_care_cascade_with_nobody_and_with_zero_rates_changes_nothing_but_suppression():
    uids, cols = random_state(4)
    empty = run(care_cascade, i64(), cols, f64(0.5), 0.5, 0.5, f64(0.5))
    assert empty[0].size == 0 and empty[1].size == 0
    before = {c: v.copy() for c, v in cols.items()}
    starting, stopping = run(care_cascade, uids, cols, f64(0.0), 0.0, 0.0, f64(0.0))
    assert starting.size == 0 and stopping.size == 0
    for c in (c for c in COLUMNS if c != "art_factor"):
        assert cols[c].tobytes() == before[c].tobytes(), c
    suppressed = YEAR >= before["art_start_year"][uids] + DELAY
    np.testing.assert_array_equal(cols["art_factor"][uids], np.where(suppressed, RR, 1.0))


def test_care_cascade_rejects_probabilities_of_the_wrong_length():
    uids, cols = random_state(5, n_rows=20, n_hiv=10)
    with pytest.raises(ValueError):
        run(care_cascade, uids, cols, f64(0.1, 0.2), 0.5, 0.5, f64(0.1))
    with pytest.raises(ValueError):
        run(care_cascade, uids, cols, f64(0.1), 0.5, 0.5, np.zeros(11))


def test_cascade_rows_compiled_equals_py_func_and_reads_each_row():
    uids, cols = random_state(7)
    got = both(cascade_rows, uids, cols["diagnosed_year"], cols["art_start_year"])
    assert_same(*got)
    np.testing.assert_array_equal(got[0][0], cols["diagnosed_year"][uids])
    np.testing.assert_array_equal(got[0][1], cols["art_start_year"][uids])


def test_cascade_counts_compiled_equals_py_func_and_counts_people_with_hiv_only():
    uids, cols = random_state(6)
    infections = np.zeros(600, dtype=np.uint8)
    infections[uids[::2]] = 1
    infections[uids[1::3]] = 2  # an STI only
    members = np.arange(600, dtype=np.int64)
    args = (members, infections, cols["diagnosed_year"], cols["art_start_year"], YEAR, DELAY)
    assert_same(*both(cascade_counts, *args))
    hiv = members[(infections & 1) != 0]
    started = cols["art_start_year"][hiv]
    expected = [hiv.size, np.count_nonzero(~np.isnan(cols["diagnosed_year"][hiv])),
                np.count_nonzero(~np.isnan(started)), np.count_nonzero(YEAR >= started + DELAY)]
    np.testing.assert_array_equal(cascade_counts(*args), expected)
