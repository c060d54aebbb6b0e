"""Numba kernels: each agrees with its pure-Python ``py_func``, and behaves as documented.

The ``py_func`` of a kernel is the same source run by the Python interpreter (calling the
compiled helpers it uses), so agreement shows that compilation (types, integer
overflow, ``searchsorted``, casts) changes nothing. Behaviour tests use hand-built
inputs whose right answer is known.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from empower import population, rng
from empower.core.alias_kernels import alias_draw, alias_draws, alias_pick, alias_table
from empower.core.infection_bits_kernels import count_hiv_susceptible, sti_bit, with_bit
from empower.core.odds_kernels import odds_times, odds_times_propensity
from empower.core.status_bits import HAS_HIV, HAS_STI, MAX_STIS
from empower.core.transmission_kernels import per_contact_probability
from empower.processes.partnerships.kernels import (
    acts_per_contact,
    live_contacts_with_acts,
    one_off_contacts,
    protected_acts,
)
from kernel_testing import INF, KEY, KEY2, assert_same, both, f64, i64

# ---------------------------------------------------------------------------- rng kernels

@pytest.mark.parametrize("uid", [0, 1, 17, 2**40 + 3])
@pytest.mark.parametrize("step", [0, 1, 519])
@pytest.mark.parametrize("draw", [0, 1, 1 << 20])
def test_uniform_compiled_equals_py_func(uid, step, draw):
    assert_same(*both(rng.uniform, KEY, step, uid, draw))


def test_mix64_compiled_equals_py_func():
    for z in (0, 1, 2**63, 2**64 - 1, 0x1234567890ABCDEF):
        c, p = both(rng.mix64, np.uint64(z))
        assert int(c) == int(p)


@pytest.mark.parametrize("pair", [(0, 1), (5, 3), (1000, 2**33), (7, 7)])
@pytest.mark.parametrize("draw", [0, 3, 3 << 20])
def test_pair_uniform_compiled_equals_py_func(pair, draw):
    assert_same(*both(rng.pair_uniform, KEY, 11, pair[0], pair[1], draw))


def test_uniforms_and_uniforms_each_compiled_equal_py_func():
    uids = i64(0, 3, 2, 99, 100000, 3)
    assert_same(*both(rng.uniforms, KEY, 4, uids, 2))
    assert_same(*both(rng.uniforms_each, KEY, 4, uids, i64(0, 1, 2, 3, 4, 5)))
    assert_same(*both(rng.uniforms, KEY, 4, i64(), 0))


@pytest.mark.parametrize("lam", [0.0, -1.0, 0.3, 4.0, 30.0, 59.99, 60.01, 100.0, 1e4])
@pytest.mark.parametrize("u", [0.0, 1e-13, 0.01, 0.5, 0.731, 0.999999])
def test_poisson_from_compiled_equals_py_func(lam, u):
    assert_same(*both(rng.poisson_from, lam, u))


def test_poissons_and_normal_from_compiled_equal_py_func():
    lam = f64(0.0, 0.5, 4.0, 70.0, 100.0)
    u = f64(0.2, 0.9, 0.5, 0.1, 0.99)
    assert_same(*both(rng.poissons, lam, u))
    for u1, u2 in [(0.0, 0.0), (0.3, 0.7), (0.999, 0.25)]:
        assert_same(*both(rng.normal_from, u1, u2))


# ---------------------------------------------------------------------------- population

def test_filter_present_compiled_equals_py_func_and_keeps_order():
    exit_year = f64(2005.0, INF, 2004.5, 2006.0, 2005.0)
    uids = i64(4, 1, 0, 2, 3)
    c, p = both(population.filter_present, uids, exit_year, 2005.0)
    assert_same(c, p)
    # present means exit_year > year; leaving exactly at the year counts as gone
    np.testing.assert_array_equal(c, i64(1, 3))
    assert population.filter_present(i64(), exit_year, 2005.0).size == 0


def test_present_mask_compiled_equals_py_func_and_marks_exit_after_the_year():
    exit_year = f64(2005.0, INF, 2004.5, 2006.0, 2005.0)
    uids = i64(4, 1, 0, 2, 3, 1)
    c, p = both(population.present_mask, uids, exit_year, 2005.0)
    assert_same(c, p)
    np.testing.assert_array_equal(c, [False, True, False, False, True, True])


# ---------------------------------------------------------------------------- alias tables

ALIAS_WEIGHTS = [
    f64(1.0),
    f64(1.0, 1.0, 1.0, 1.0),
    f64(0.5, 0.0, 3.0, 0.25, 0.0, 1.25),
    f64(1e-9, 1.0, 1e9),
    np.linspace(0.0, 2.0, 37),
]


def alias_probabilities(prob: np.ndarray, alias: np.ndarray) -> np.ndarray:
    """The exact probability of each index under an alias table."""
    n = prob.size
    out = prob / n
    np.add.at(out, alias, (1.0 - prob) / n)
    return out


@pytest.mark.parametrize("weights", ALIAS_WEIGHTS, ids=lambda w: f"n{w.size}")
def test_alias_table_compiled_equals_py_func_and_reproduces_weights(weights):
    c, p = both(alias_table, weights)
    assert_same(c, p)
    prob, alias = c
    assert np.all((prob >= 0) & (prob <= 1))
    np.testing.assert_allclose(alias_probabilities(prob, alias), weights / weights.sum(),
                               rtol=1e-9, atol=1e-12)


def test_alias_table_never_draws_an_index_of_zero_weight():
    weights = f64(0.0, 2.0, 0.0, 1.0, 0.0)
    prob, alias = alias_table(weights)
    u = rng.uniforms(KEY, 0, np.arange(20000, dtype=np.int64), 0)
    idx = alias_draws(prob, alias, u)
    assert set(np.unique(idx)) == {1, 3}
    # 20000 draws with p = 2/3: standard error 0.0033; allow 4 SE
    assert abs(np.mean(idx == 1) - 2 / 3) < 4 * math.sqrt(2 / 9 / 20000)


def test_alias_table_of_all_zero_weights_has_zero_prob():
    prob, _ = alias_table(f64(0.0, 0.0, 0.0))
    assert np.all(prob == 0.0)
    prob, alias = alias_table(f64())
    assert prob.size == 0 and alias.size == 0


def test_alias_draw_and_draws_compiled_equal_py_func():
    prob, alias = alias_table(f64(0.5, 0.0, 3.0, 0.25, 0.0, 1.25))
    us = f64(0.0, 0.1, 0.33, 0.5, 0.74, 0.9999999999)
    for u in us:
        assert_same(*both(alias_draw, prob, alias, float(u)))
    assert_same(*both(alias_draws, prob, alias, us))


# ---------------------------------------------------------------------------- infection masks

def test_live_contacts_read_each_partners_infection_byte():
    h, s0, s1 = HAS_HIV, sti_bit(0), sti_bit(1)
    # people: 0 HIV; 1 STI 0; 2-5 nothing; 6 HIV and STIs 0 and 1; 7 STI 1
    infections = np.array([h, s0, 0, 0, 0, 0, h | s0 | s1, s1], dtype=np.uint8)
    a = i64(0, 5, 2, 3, 4, 5, 5, 6)
    b = i64(5, 1, 3, 2, 5, 5, 0, 1)
    out = live_contacts_with_acts(a, b, i64(*range(8)), 0, np.arange(8, dtype=np.int32),
                                  infections, np.zeros(8, dtype=np.int8), False, 0.5, False,
                                  f64(), 1.0, f64(), 0.0, 1.0, 1, KEY, KEY2, 0)
    live_a, live_b, status_a, status_b = out[0], out[1], out[8], out[9]
    index = [0, 1, 6, 7]
    np.testing.assert_array_equal(live_a, a[index])
    np.testing.assert_array_equal(live_b, b[index])
    np.testing.assert_array_equal(status_a, [h, 0, 0, h | s0 | s1])
    np.testing.assert_array_equal(status_b, [0, s0, h, s0])


def test_sti_bits_are_distinct_for_every_supported_sti():
    bits = [int(sti_bit(k)) for k in range(MAX_STIS)]
    assert len(set(bits)) == MAX_STIS
    assert all(bit & HAS_STI == bit and not bit & HAS_HIV for bit in bits)


def test_live_contacts_keep_the_positions_with_any_bit_in_order():
    status_a = np.array([0, 1, 0, 4, 0, 0], dtype=np.uint8)
    status_b = np.array([0, 0, 2, 4, 0, 1], dtype=np.uint8)
    a, b = i64(*range(6)), i64(*range(6, 12))  # person i's byte is status_a[i], etc.
    args = (a, b, i64(*range(6)), 0, np.arange(12, dtype=np.int32),
            np.concatenate([status_a, status_b]), np.zeros(12, dtype=np.int8), False, 0.5,
            False, f64(), 1.0, f64(), 0.0, 1.0, 1, KEY, KEY2, 0)
    c, p = both(live_contacts_with_acts, *args)
    assert_same(c, p)
    np.testing.assert_array_equal(c[0], [1, 2, 3, 5])
    np.testing.assert_array_equal(c[8], [1, 0, 4, 0])
    np.testing.assert_array_equal(c[9], [0, 2, 4, 1])


def test_count_hiv_susceptible_compiled_equals_py_func_and_counts_the_uninfected_by_gender():
    h, s0 = HAS_HIV, sti_bit(0)
    infections = np.array([h, 0, s0, h | s0, 0, 0], dtype=np.uint8)
    gender = np.array([0, 0, 1, 2, 2, 0], dtype=np.int8)
    c, p = both(count_hiv_susceptible, i64(0, 1, 2, 3, 4), infections, gender)
    np.testing.assert_array_equal(c, [1, 1, 1])
    np.testing.assert_array_equal(p, c)
    np.testing.assert_array_equal(
        count_hiv_susceptible(i64(0, 3), infections, gender), [0, 0, 0])


# ---------------------------------------------------------------------------- contacts

def client_table(weights, uids):
    """(prob, client uids, alias client uids): the table one_off_contacts draws from."""
    prob, alias = alias_table(f64(*weights))
    return prob, uids, uids[alias]


def test_alias_pick_is_the_value_at_alias_draw_and_equals_py_func():
    prob, alias = alias_table(f64(1.0, 0.0, 2.5, 0.5, 4.0))
    values = i64(10, 11, 12, 13, 14)
    for u in np.linspace(0.0, 0.9999999, 41):
        expected = values[alias_draw(prob, alias, float(u))]
        assert_same(*both(alias_pick, prob, values, values[alias], float(u)))
        assert alias_pick(prob, values, values[alias], float(u)) == expected


def test_one_off_contacts_compiled_equals_py_func():
    sw = i64(0, 2, 5)
    clients_per_week = np.zeros(20)
    clients_per_week[[0, 2, 5]] = [3.0, 0.0, 8.0]
    table = client_table([1.0, 0.0, 2.5, 0.5], i64(10, 11, 12, 13))
    for step in (0, 1, 77):
        assert_same(*both(one_off_contacts, sw, np.arange(20, dtype=np.int32) * 3 + 5,
                          clients_per_week, *table, KEY, KEY2, step))


def test_one_off_contacts_counts_are_poisson_draws_of_each_sex_worker_ordered_by_sex_worker():
    sw = i64(3, 1, 4)
    uid = np.array([40, 41, 42, 43, 44], dtype=np.int32)  # each row's uid: her draws' key
    cpw = np.zeros(5)
    cpw[[3, 1, 4]] = [2.0, 5.0, 0.0]
    table = client_table([1.0, 1.0, 1.0], i64(7, 8, 9))
    a, b, slot = one_off_contacts(sw, uid, cpw, *table, KEY, KEY2, 12)
    expected_counts = [rng.poisson_from(cpw[r], rng.uniform(KEY, 12, uid[r], 0)) for r in sw]
    expected_a = np.repeat(sw, expected_counts)
    np.testing.assert_array_equal(a, expected_a)
    np.testing.assert_array_equal(slot, np.concatenate([np.arange(k) for k in expected_counts]))
    assert set(b) <= {7, 8, 9}


def test_one_off_contacts_choose_clients_in_proportion_to_weight():
    n_sw = 4000
    sw = np.arange(n_sw, dtype=np.int64)
    cpw = np.full(n_sw, 5.0)
    weights = [1.0, 0.0, 3.0, 6.0]
    table = client_table(weights, i64(100, 101, 102, 103))
    _, b, _ = one_off_contacts(sw, sw.astype(np.int32), cpw, *table, KEY, KEY2, 0)
    n = b.size
    share = np.array([np.mean(b == c) for c in (100, 101, 102, 103)])
    expected = np.array(weights) / sum(weights)
    assert share[1] == 0.0
    # binomial standard error of each share; allow 4 SE
    se = np.sqrt(expected * (1 - expected) / n)
    assert np.all(np.abs(share - expected) <= 4 * se + 1e-12)


def test_one_off_contacts_with_no_weight_or_no_clients_is_empty():
    sw = i64(0, 1)
    cpw = f64(5.0, 5.0)
    table = client_table([0.0, 0.0], i64(5, 6))
    for out in (
        one_off_contacts(sw, sw.astype(np.int32), cpw, *table, KEY, KEY2, 0),
        one_off_contacts(sw, sw.astype(np.int32), cpw, f64(), i64(), i64(), KEY, KEY2, 0),
    ):
        assert all(x.size == 0 for x in out)


def test_acts_per_contact_compiled_equals_py_func():
    a, b, draw = i64(0, 1, 2, 3), i64(4, 5, 6, 7), i64(0, 0, 1, 1 << 20)
    for mean, minimum in [(1.0, 1), (2.5, 1), (0.5, 0), (0.0, 0), (3.0, 0)]:
        assert_same(*both(acts_per_contact, a, b, draw, mean, minimum, KEY, 5))


def test_acts_per_contact_is_minimum_plus_poisson_of_the_excess():
    n = 40000
    a = np.arange(n, dtype=np.int64)
    b = a + n
    draw = np.zeros(n, dtype=np.int64)
    # mean at or below the minimum: exactly the minimum
    np.testing.assert_array_equal(acts_per_contact(a, b, draw, 1.0, 1, KEY, 0), 1)
    np.testing.assert_array_equal(acts_per_contact(a, b, draw, 0.5, 1, KEY, 0), 1)
    acts = acts_per_contact(a, b, draw, 3.0, 1, KEY, 0)
    assert acts.min() >= 1
    extra = acts - 1
    # Poisson(2): mean 2, variance 2; SE of the mean sqrt(2/n) = 0.007; allow 4 SE
    assert abs(extra.mean() - 2.0) < 4 * math.sqrt(2.0 / n)
    # SE of the sample variance of a Poisson(2) ~ sqrt((mu4 - s^4)/n) ~ 0.017; allow 4 SE
    assert abs(extra.var() - 2.0) < 4 * math.sqrt((2.0 + 3 * 4.0 - 4.0) / n)


def test_acts_per_contact_is_the_same_whichever_partner_is_named_first():
    a, b, draw = i64(0, 1, 2, 3), i64(4, 5, 6, 7), i64(0, 1, 2, 3)
    np.testing.assert_array_equal(acts_per_contact(a, b, draw, 4.0, 0, KEY, 3),
                                  acts_per_contact(b, a, draw, 4.0, 0, KEY, 3))


def test_protected_acts_compiled_equals_py_func():
    a, b, draw = i64(0, 1, 2, 3), i64(4, 5, 6, 7), i64(0, 0, 1, 5)
    n_acts = i64(0, 1, 5, 12)
    for p in (0.0, 0.3, 1.0):
        p_condom = np.full(4, p)
        assert_same(*both(protected_acts, a, b, draw, n_acts, p_condom, KEY, 9))


def test_protected_acts_bounded_by_acts_and_binomial_in_mean():
    n = 20000
    a = np.arange(n, dtype=np.int64)
    b = a + n
    draw = np.zeros(n, dtype=np.int64)
    n_acts = np.full(n, 4, dtype=np.int64)
    zero = protected_acts(a, b, draw, n_acts, np.zeros(n), KEY, 0)
    one = protected_acts(a, b, draw, n_acts, np.ones(n), KEY, 0)
    assert np.all(zero == 0) and np.all(one == 4)
    prot = protected_acts(a, b, draw, n_acts, np.full(n, 0.3), KEY, 0)
    assert prot.min() >= 0 and prot.max() <= 4
    # Binomial(4, 0.3): mean 1.2, variance 0.84; allow 4 SE
    assert abs(prot.mean() - 1.2) < 4 * math.sqrt(0.84 / n)


# ---------------------------------------------------------------------------- probabilities

@pytest.mark.parametrize("p", [0.0, 1e-4, 0.0014, 0.05, 0.5, 1.0])
@pytest.mark.parametrize("n_acts,n_protected", [(0, 0), (1, 0), (1, 1), (5, 2), (30, 30)])
@pytest.mark.parametrize("eff", [0.0, 0.8, 1.0])
def test_per_contact_probability_is_one_minus_product_of_escapes(p, n_acts, n_protected, eff):
    c, pure = both(per_contact_probability, p, n_acts, n_protected, eff)
    # 1 - escape is computed from numbers near 1: agreement to a few ulps of 1.0
    assert c == pytest.approx(pure, rel=1e-12, abs=1e-15)
    expected = 1.0 - (1.0 - p) ** (n_acts - n_protected) * (1.0 - p * (1.0 - eff)) ** n_protected
    assert c == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_per_contact_probability_caps_the_per_act_probability_at_one():
    assert per_contact_probability(3.0, 2, 0, 0.8) == 1.0
    # protected acts at p = 1 pass with probability 1 - efficacy each
    assert per_contact_probability(5.0, 1, 1, 0.8) == pytest.approx(1.0 - 0.8)
    assert per_contact_probability(-0.1, 5, 0, 0.8) == 0.0


def test_with_bit_compiled_equals_py_func_and_keeps_order():
    h, s0 = HAS_HIV, sti_bit(0)
    infections = np.array([h, 0, s0, h | s0, 0, h], dtype=np.uint8)
    uids = i64(5, 4, 3, 2, 1, 0)
    c, p = both(with_bit, uids, infections, np.uint8(h))
    assert_same(c, p)
    np.testing.assert_array_equal(c, [5, 3, 0])
    np.testing.assert_array_equal(with_bit(uids, infections, np.uint8(s0)), [3, 2])


def test_odds_times_compiled_equals_py_func_and_keeps_one_and_zero_exact():
    mult = np.array([1.0, 0.0, -1.0, 0.5, 2.0, 18.0, 1e-300])
    got = odds_times(0.3, mult)
    np.testing.assert_array_equal(got, odds_times.py_func(0.3, mult))
    assert got[0] == 0.3 and got[1] == 0.0 and got[2] == 0.0
    odds = got[3:7] / (1 - got[3:7])
    np.testing.assert_allclose(odds, (0.3 / 0.7) * mult[3:7], rtol=1e-12)


def _fused_inputs():
    h, s0 = HAS_HIV, sti_bit(0)
    infections = np.array([h, 0, s0, 0, 0, h | s0, 0, 0, 0, s0], dtype=np.uint8)
    gender = np.array([0, 2, 1, 0, 2, 0, 2, 1, 2, 2], dtype=np.int8)
    a = i64(0, 1, 3, 3, 2, 4, 7, 5)
    b = i64(6, 8, 4, 9, 6, 8, 8, 1)
    draw = i64(0, 1, 0, 2, 3, 0, 1, 4)
    factor = f64(1.0, 2.0, 0.5, 1.0, 3.0, 1.0, 1.0, 0.7, 1.0, 1.0)
    z = f64(0.1, -1.0, 0.5, 2.0, -0.3, 0.0, 1.2, -2.0, 0.4, 0.9)
    return a, b, draw, infections, gender, factor, z


UID = np.arange(10, dtype=np.int32) * 3 + 5  # the fused inputs' uids: draws' keys, not rows


@pytest.mark.parametrize("has_factor, power, sd", [(True, 1.0, 0.0), (True, 0.5, 1.5),
                                                   (False, 1.0, 0.0)])
def test_live_contacts_with_acts_compiled_equals_py_func(has_factor, power, sd):
    a, b, draw, infections, gender, factor, z = _fused_inputs()
    args = (a, b, draw, 3 << 20, UID, infections, gender, True, 0.6, has_factor,
            factor if has_factor else f64(), power, z, sd, 2.5, 1, KEY, KEY2, 7)
    assert_same(*both(live_contacts_with_acts, *args))


def test_live_contacts_with_acts_gives_what_the_separate_kernels_give():
    """Live contacts, condom probabilities, acts and protected acts are exactly those of
    a numpy filter on the infection bytes, odds_times_propensity, acts_per_contact and
    protected_acts in turn."""
    a, b, draw, infections, gender, factor, z = _fused_inputs()
    offset, base, power, sd, mean, minimum, step = 3 << 20, 0.6, 0.5, 1.5, 2.5, 1, 7
    out = live_contacts_with_acts(a, b, draw, offset, UID, infections, gender, True, base,
                                  True, factor, power, z, sd, mean, minimum, KEY, KEY2, step)
    (live_a, live_b, live_uid_a, live_uid_b, live_draw, n_acts, n_protected, anal, status_a,
     status_b, p_all, varies) = out
    index = np.flatnonzero((infections[a] | infections[b]) != 0)
    expect_status_a, expect_status_b = infections[a[index]], infections[b[index]]
    p = odds_times_propensity(base, factor, power, z, sd, a)
    # acts and condoms are drawn with the uids
    ua, ub = UID[a[index]].astype(np.int64), UID[b[index]].astype(np.int64)
    expect_acts = acts_per_contact(ua, ub, draw[index] + offset, mean, minimum, KEY, step)
    np.testing.assert_array_equal(p_all, p)
    np.testing.assert_array_equal(live_a, a[index])
    np.testing.assert_array_equal(live_b, b[index])
    np.testing.assert_array_equal(live_uid_a, ua)
    np.testing.assert_array_equal(live_uid_b, ub)
    np.testing.assert_array_equal(live_draw, draw[index] + offset)
    np.testing.assert_array_equal(n_acts, expect_acts)
    np.testing.assert_array_equal(n_protected, protected_acts(
        ua, ub, draw[index] + offset, expect_acts, p[index], KEY2, step))
    np.testing.assert_array_equal(anal, gender[a[index]] != population.FEMALE)
    np.testing.assert_array_equal(status_a, expect_status_a)
    np.testing.assert_array_equal(status_b, expect_status_b)
    assert varies
    # a kind that is never anal, without a factor: base everywhere, no probabilities out
    out = live_contacts_with_acts(a, b, draw, 0, UID, infections, gender, False, 1.0, False,
                                  f64(), 1.0, z, 0.0, mean, minimum, KEY, KEY2, step)
    assert out[10].size == 0 and not out[11] and not out[7].any()
    np.testing.assert_array_equal(out[6], out[5])  # every act protected at probability 1
