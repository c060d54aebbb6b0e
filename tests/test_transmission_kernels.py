"""HIV and STI transmission kernels: agreement with ``py_func`` and documented behaviour.

Inputs are hand-built people and contacts whose right answer is known, including
controls where every contact must transmit.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
from empower import rng
from empower.core.infection_bits_kernels import sti_bit
from empower.core.status_bits import HAS_HIV
from empower.core.transmission_kernels import (
    first_infections,
    hiv_transmission,
    per_contact_probability,
    sti_transmission,
)
from kernel_testing import INF, KEY, KEY2, NAN, f64, i64

# ---------------------------------------------------------------------------- HIV

def call_by_name(kernel, values: dict, py: bool = False):
    """Call a kernel with arguments looked up by its parameter names."""
    names = inspect.signature(kernel.py_func).parameters
    args = [values[name] for name in names]
    if py:
        with np.errstate(over="ignore"):
            return kernel.py_func(*args)
    return kernel(*args)


def status_bytes(infected_year, sti_infected_year, sti_clear_year, a, b, year=2005.0):
    """The partners' infection bytes per contact, from the infection times at ``year``."""
    n = sti_infected_year.shape[0]
    infections = np.zeros(n, dtype=np.uint8)
    if infected_year is not None:
        infections[infected_year <= year] |= HAS_HIV
    for k in range(sti_infected_year.shape[1]):
        has = (sti_infected_year[:, k] <= year) & (year < sti_clear_year[:, k])
        infections[has] |= sti_bit(k)
    return infections[a], infections[b]


HIV_PARAMS = dict(
    p_male_to_female=0.01, p_female_to_male=0.005, p_receptive_anal=0.02,
    p_insertive_anal=0.003, dur_acute=0.25, rr_acute=9.2, dur_late=0.75, rr_late=7.3,
    dur_terminal=0.5, rr_terminal=0.1, rr_circumcised=0.4, condom_efficacy=0.8, year=2005.0,
)


def hiv_people(n: int) -> dict:
    """A blank table of ``n`` uninfected people for the HIV kernel (two STIs)."""
    return dict(
        uid=np.arange(n, dtype=np.int64) * 3 + 5,  # the draws' keys, not the rows
        infected_year=np.full(n, NAN), death_year=np.full(n, INF),
        art_factor=np.ones(n), prep_factor=np.ones(n), circumcised=np.zeros(n, dtype=bool),
        sti_infected_year=np.full((n, 2), NAN), sti_clear_year=np.full((n, 2), -INF),
        sti_rr_susceptibility=f64(2.0, 1.5), sti_rr_infectiousness=f64(2.0, 1.5),
    )


def run_hiv(contacts, people, *, key=KEY, step=0, py=False, status=None, **params):
    """The HIV kernel; partners' status bytes from ``people`` unless ``status`` is given."""
    a, b, draw, n_acts, n_protected, anal = contacts
    values = dict(a=a, b=b, draw=draw, n_acts=n_acts, n_protected=n_protected, anal=anal,
                  uid_a=people["uid"][a], uid_b=people["uid"][b],
                  key=key, step=step, **people, **{**HIV_PARAMS, **params})
    if status is None:
        status = status_bytes(people["infected_year"], people["sti_infected_year"],
                              people["sti_clear_year"], a, b, values["year"])
    values["status_a"], values["status_b"] = status
    return call_by_name(hiv_transmission, values, py)


def hiv_mixed_state():
    """24 people in 12 pairs covering every branch of the kernel."""
    n = 24
    people = hiv_people(n)
    inf, death = people["infected_year"], people["death_year"]
    # pairs (2i, 2i+1): a = 2i (receptive), b = 2i+1 (insertive)
    inf[1], death[1] = 2004.95, 2015.0       # 0: b acute
    inf[3], death[3] = 2000.0, 2015.0        # 1: b chronic
    inf[5], death[5] = 1996.0, 2006.0        # 2: b late (1 year before death)
    inf[6], death[6] = 2001.0, 2014.0        # 3: a chronic -> b insertive vaginal
    people["circumcised"][7] = True
    inf[8], death[8] = 2001.0, 2014.0        # 4: a chronic, anal -> b insertive anal
    inf[10] = inf[11] = 2000.0               # 5: both infected
    death[10] = death[11] = 2020.0
    inf[13], death[13] = 2000.0, 2020.0      # 6: b infected, on ART
    people["art_factor"][13] = 0.1
    inf[15], death[15] = 2000.0, 2020.0      # 7: b infected, a on PrEP, a has STI 0
    people["prep_factor"][14] = 0.3
    people["sti_infected_year"][14, 0], people["sti_clear_year"][14, 0] = 2004.9, 2005.2
    inf[17], death[17] = 2000.0, 2020.0      # 8: b infected with STI 1
    people["sti_infected_year"][17, 1], people["sti_clear_year"][17, 1] = 2004.0, 2006.0
    inf[19] = 2005.5                          # 9: b infected later than now: not yet
    inf[21], death[21] = 2000.0, 2020.0      # 10: zero acts
    inf[23], death[23] = 2000.0, 2020.0      # 11: b infected, all acts protected
    a = np.arange(0, n, 2, dtype=np.int64)
    b = a + 1
    draw = np.arange(12, dtype=np.int64)
    n_acts = i64(3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 4)
    n_protected = i64(0, 1, 0, 2, 0, 0, 0, 1, 0, 0, 0, 4)
    anal = np.zeros(12, dtype=bool)
    anal[4] = True
    return (a, b, draw, n_acts, n_protected, anal), people


@pytest.mark.parametrize("step", [0, 1, 2, 3, 50])
@pytest.mark.parametrize("scale", [1.0, 30.0])
def test_hiv_transmission_compiled_equals_py_func(step, scale):
    contacts, people = hiv_mixed_state()
    params = {k: min(HIV_PARAMS[k] * scale, 1.0)
              for k in ("p_male_to_female", "p_female_to_male", "p_receptive_anal",
                        "p_insertive_anal")}
    c = run_hiv(contacts, people, step=step, **params)
    p = run_hiv(contacts, people, step=step, py=True, **params)
    assert c.dtype == np.int8
    np.testing.assert_array_equal(c, p)


def test_hiv_transmission_draws_with_uids_so_moving_rows_changes_no_infection():
    contacts, people = hiv_mixed_state()
    params = dict(p_male_to_female=0.5, p_female_to_male=0.5, p_receptive_anal=0.5,
                  p_insertive_anal=0.5)
    here = run_hiv(contacts, people, step=3, **params)
    gap = 7  # the same people 7 rows further down, with the same uids
    a, b, *rest = contacts
    moved = {name: np.concatenate([np.repeat(v[:1], gap, axis=0), v])
             if name.startswith(("uid", "infected", "death", "art", "prep", "circ", "sti_inf",
                                 "sti_clear")) else v for name, v in people.items()}
    there = run_hiv((a + gap, b + gap, *rest), moved, step=3, **params)
    np.testing.assert_array_equal(there, here)
    assert (here != 0).any() and (here == 0).any()


def certain_params():
    """Per-act probability 1 on every route: every discordant contact with an
    unprotected act transmits."""
    return dict(p_male_to_female=1.0, p_female_to_male=1.0, p_receptive_anal=1.0,
                p_insertive_anal=1.0, rr_acute=1.0, rr_late=1.0, rr_circumcised=1.0)


def test_hiv_transmission_flags_who_is_infected_1_for_a_and_2_for_b():
    contacts, people = hiv_mixed_state()
    flags = run_hiv(contacts, people, **certain_params())
    # certain outcomes: pairs 0-2 and 8 have b infected (flag 1); 3, 4 have a infected
    # (flag 2); 5 concordant; 9 b not yet infected (concordant now); 10 no acts
    certain = [0, 1, 2, 3, 4, 5, 8, 9, 10]
    np.testing.assert_array_equal(flags[certain], [1, 1, 1, 2, 2, 0, 1, 0, 0])
    # uncertain (ART 0.1, PrEP 0.3 x STI 2, all acts protected): b infected, so 0 or 1
    assert set(flags[[6, 7, 11]]) <= {0, 1}


def test_hiv_transmission_reads_who_has_hiv_from_the_status_bytes_only():
    contacts, people, _, _ = discordant_contacts(50, "b")
    n = contacts[0].size
    none = np.zeros(n, dtype=np.uint8)
    hiv = np.full(n, HAS_HIV, dtype=np.uint8)
    assert run_hiv(contacts, people, status=(none, hiv), **certain_params()).all()
    # the same infected rows, but status bytes saying b has only an STI: nothing passes
    sti = np.full(n, sti_bit(0), dtype=np.uint8)
    assert not run_hiv(contacts, people, status=(none, sti), **certain_params()).any()


def test_hiv_transmission_never_passes_between_concordant_pairs():
    n = 400
    people = hiv_people(n)
    people["infected_year"][: n // 2] = 2000.0
    people["death_year"][: n // 2] = 2020.0
    a = np.r_[np.arange(0, n // 2, 2), np.arange(n // 2, n, 2)].astype(np.int64)
    b = a + 1  # both infected, or both not
    m = a.size
    contacts = (a, b, np.zeros(m, dtype=np.int64), np.full(m, 50, dtype=np.int64),
                np.zeros(m, dtype=np.int64), np.zeros(m, dtype=bool))
    assert not run_hiv(contacts, people, **certain_params()).any()


def discordant_contacts(m: int, infected_side: str, n_acts=5, n_protected=0, anal=False):
    """``m`` discordant pairs (2i, 2i+1); the infected partner is chronic."""
    people = hiv_people(2 * m)
    a = np.arange(0, 2 * m, 2, dtype=np.int64)
    b = a + 1
    src = a if infected_side == "a" else b
    people["infected_year"][src] = 2000.0
    people["death_year"][src] = 2030.0
    contacts = (a, b, np.zeros(m, dtype=np.int64), np.full(m, n_acts, dtype=np.int64),
                np.full(m, n_protected, dtype=np.int64), np.full(m, anal, dtype=bool))
    return contacts, people, src, (b if infected_side == "a" else a)


@pytest.mark.parametrize("side", ["a", "b"])
def test_hiv_transmission_certain_contacts_all_transmit_as_a_control(side):
    contacts, people, _, _ = discordant_contacts(200, side)
    flags = run_hiv(contacts, people, **certain_params())
    assert np.all(flags == (2 if side == "a" else 1))


@pytest.mark.parametrize("side", ["a", "b"])
def test_hiv_transmission_none_when_infected_partner_art_factor_is_zero(side):
    contacts, people, src, _ = discordant_contacts(200, side)
    people["art_factor"][src] = 0.0
    assert not run_hiv(contacts, people, **certain_params()).any()


@pytest.mark.parametrize("side", ["a", "b"])
def test_hiv_transmission_none_when_susceptible_partner_prep_factor_is_zero(side):
    contacts, people, _, dst = discordant_contacts(200, side)
    people["prep_factor"][dst] = 0.0
    assert not run_hiv(contacts, people, **certain_params()).any()


@pytest.mark.parametrize("side", ["a", "b"])
@pytest.mark.parametrize("anal", [False, True])
def test_hiv_transmission_none_when_all_acts_protected_with_efficacy_one(side, anal):
    contacts, people, _, _ = discordant_contacts(200, side, n_acts=7, n_protected=7, anal=anal)
    assert not run_hiv(contacts, people, condom_efficacy=1.0, **certain_params()).any()


def test_hiv_transmission_rate_matches_per_contact_probability_with_cofactors():
    # b infected and acute, a has STI 0 (rr 2): per act 0.01 * 9.2 * 2 = 0.184, 2 acts
    m = 20000
    contacts, people, src, dst = discordant_contacts(m, "b", n_acts=2)
    people["infected_year"][src] = 2004.9
    people["sti_infected_year"][dst, 0] = 2004.0
    people["sti_clear_year"][dst, 0] = 2006.0
    flags = run_hiv(contacts, people)
    expected = 1.0 - (1.0 - 0.01 * 9.2 * 2.0) ** 2
    # binomial SE over m contacts; allow 4 SE
    assert abs(np.mean(flags == 1) - expected) < 4 * math.sqrt(expected * (1 - expected) / m)


def test_hiv_transmission_circumcision_lowers_insertive_acquisition():
    m = 20000
    contacts, people, _, dst = discordant_contacts(m, "a", n_acts=1)
    base = np.mean(run_hiv(contacts, people, p_female_to_male=0.2) == 2)
    people["circumcised"][dst] = True
    circ = np.mean(run_hiv(contacts, people, p_female_to_male=0.2) == 2)
    # expected 0.2 and 0.08 (rr 0.4); binomial SE <= 0.003; allow 4 SE
    assert abs(base - 0.2) < 4 * math.sqrt(0.16 / m)
    assert abs(circ - 0.08) < 4 * math.sqrt(0.08 * 0.92 / m)


# ---------------------------------------------------------------------------- STI

def run_sti(contacts, inf, clear, *, p_rec=0.3, p_ins=0.2, eff=0.8, year=2005.0, step=0,
            py=False, anal=None, p_rec_anal=0.5, p_ins_anal=0.4):
    """The STI kernel for one STI (column 0 of its two-dimensional form); no anal
    contacts unless ``anal`` is given."""
    a, b, draw, n_acts, n_protected = contacts
    inf2, clear2 = inf.reshape(-1, 1).copy(), clear.reshape(-1, 1).copy()
    status_a, status_b = status_bytes(None, inf2, clear2, a, b, year)
    anal = np.zeros(a.size, dtype=bool) if anal is None else anal
    values = dict(a=a, b=b, draw=draw, n_acts=n_acts, n_protected=n_protected, anal=anal,
                  status_a=status_a, status_b=status_b,
                  uid_a=a * 3 + 5, uid_b=b * 3 + 5,  # the draws' keys, not the rows
                  p_to_receptive=f64(p_rec), p_to_insertive=f64(p_ins),
                  p_receptive_anal=f64(p_rec_anal), p_insertive_anal=f64(p_ins_anal),
                  condom_efficacy=f64(eff), keys=np.array([KEY], dtype=np.uint64), step=step)
    out = call_by_name(sti_transmission, values, py)
    return out[:, 0]


def sti_mixed_state():
    n = 12
    inf, clear = np.full(n, NAN), np.full(n, -INF)
    inf[1], clear[1] = 2004.5, 2005.5        # 0: b infected
    inf[2], clear[2] = 2004.5, 2005.5        # 1: a infected
    inf[4], clear[4] = 2004.0, 2006.0        # 2: both infected
    inf[5], clear[5] = 2004.0, 2006.0
    inf[7], clear[7] = 2004.0, 2005.0        # 3: b cleared exactly now: not infectious
    inf[9], clear[9] = 2005.2, 2006.0        # 4: b infected later
    inf[11], clear[11] = 2004.0, 2006.0      # 5: b infected, all protected
    a = np.arange(0, n, 2, dtype=np.int64)
    b = a + 1
    contacts = (a, b, np.arange(6, dtype=np.int64), i64(2, 2, 2, 2, 2, 3), i64(0, 1, 0, 0, 0, 3))
    return contacts, inf, clear


@pytest.mark.parametrize("step", [0, 1, 2, 9])
@pytest.mark.parametrize("p", [0.3, 1.0])
def test_sti_transmission_compiled_equals_py_func(step, p):
    contacts, inf, clear = sti_mixed_state()
    anal = np.array([True, False, False, False, False, True])
    c = run_sti(contacts, inf, clear, p_rec=p, p_ins=p, step=step, anal=anal)
    pure = run_sti(contacts, inf, clear, p_rec=p, p_ins=p, step=step, py=True, anal=anal)
    assert c.dtype == np.int8
    np.testing.assert_array_equal(c, pure)


def test_sti_transmission_draws_each_pair_with_its_uids_not_its_rows():
    (a, b, draw, n_acts, n_protected), inf, clear = sti_mixed_state()
    values = dict(a=a, b=b, draw=draw, n_acts=n_acts, n_protected=n_protected,
                  anal=np.zeros(a.size, dtype=bool), p_to_receptive=f64(0.5),
                  p_to_insertive=f64(0.5), p_receptive_anal=f64(0.5),
                  p_insertive_anal=f64(0.5), condom_efficacy=f64(0.8),
                  keys=np.array([KEY], dtype=np.uint64), step=4)
    values["status_a"], values["status_b"] = status_bytes(None, inf.reshape(-1, 1),
                                                          clear.reshape(-1, 1), a, b)
    for uid in (np.arange(inf.size) * 3 + 5, np.arange(inf.size) * 7 + 1000):
        flags = call_by_name(sti_transmission, dict(values, uid_a=uid[a], uid_b=uid[b]))[:, 0]
        for i in np.flatnonzero(flags):
            prob = per_contact_probability(0.5, n_acts[i], n_protected[i], 0.8)
            assert rng.pair_uniform(KEY, 4, uid[a[i]], uid[b[i]], draw[i]) < prob
        a_inf = (values["status_a"] & sti_bit(0)) != 0
        b_inf = (values["status_b"] & sti_bit(0)) != 0
        for i in np.flatnonzero((flags == 0) & (a_inf != b_inf) & (n_acts > 0)):
            prob = per_contact_probability(0.5, n_acts[i], n_protected[i], 0.8)
            assert rng.pair_uniform(KEY, 4, uid[a[i]], uid[b[i]], draw[i]) >= prob


def test_sti_transmission_direction_concordance_and_clearance():
    contacts, inf, clear = sti_mixed_state()
    flags = run_sti(contacts, inf, clear, p_rec=1.0, p_ins=1.0, eff=1.0)
    np.testing.assert_array_equal(flags, np.array([1, 2, 0, 0, 0, 0], dtype=np.int8))


def sti_pairs(m: int):
    """``m`` pairs (2i, 2i+1), one unprotected act each, nobody infected yet."""
    a = np.arange(0, 2 * m, 2, dtype=np.int64)
    contacts = (a, a + 1, np.zeros(m, dtype=np.int64), np.ones(m, dtype=np.int64),
                np.zeros(m, dtype=np.int64))
    return contacts, np.full(2 * m, NAN), np.full(2 * m, -INF)


def test_sti_transmission_uses_receptive_and_insertive_probabilities():
    m = 20000
    contacts, inf, clear = sti_pairs(m)
    a, b = contacts[0], contacts[1]
    inf[b], clear[b] = 2004.0, 2006.0
    to_a = np.mean(run_sti(contacts, inf, clear, p_rec=0.3, p_ins=0.1) == 1)
    inf[b], clear[b] = NAN, -INF
    inf[a], clear[a] = 2004.0, 2006.0
    to_b = np.mean(run_sti(contacts, inf, clear, p_rec=0.3, p_ins=0.1) == 2)
    # binomial SEs 0.0032 and 0.0021; allow 4 SE
    assert abs(to_a - 0.3) < 4 * math.sqrt(0.21 / m)
    assert abs(to_b - 0.1) < 4 * math.sqrt(0.09 / m)


def test_sti_transmission_uses_the_anal_probabilities_for_anal_contacts():
    m = 20000
    contacts, inf, clear = sti_pairs(m)
    a, b = contacts[0], contacts[1]
    anal = np.ones(m, dtype=bool)
    inf[b], clear[b] = 2004.0, 2006.0
    to_a = np.mean(run_sti(contacts, inf, clear, p_rec=0.3, anal=anal, p_rec_anal=0.6) == 1)
    inf[b], clear[b] = NAN, -INF
    inf[a], clear[a] = 2004.0, 2006.0
    to_b = np.mean(run_sti(contacts, inf, clear, p_ins=0.1, anal=anal, p_ins_anal=0.25) == 2)
    assert abs(to_a - 0.6) < 4 * math.sqrt(0.24 / m)
    assert abs(to_b - 0.25) < 4 * math.sqrt(0.19 / m)


# ---------------------------------------------------------------------------- first infections

def test_first_infections_counts_each_person_once_through_their_first_contact():
    a = i64(10, 11, 10, 12, 13, 11)
    b = i64(20, 21, 22, 10, 23, 24)
    flags = np.array([1, 0, 1, 2, 0, 1], dtype=np.int8)
    targets, sources = first_infections(flags, a, b)
    # contact 0 infects 10 (from 20); contact 2 would infect 10 again (from 22): dropped;
    # contact 3 infects b=10 again: dropped; contact 5 infects 11 (from 24)
    assert list(targets) == [10, 11]
    assert list(sources) == [20, 24]


def test_first_infections_of_no_flags_is_empty():
    targets, sources = first_infections(np.zeros(3, dtype=np.int8), i64(1, 2, 3),
                                                i64(4, 5, 6))
    assert targets.size == 0 and sources.size == 0


def test_sti_transmission_treats_each_sti_separately():
    # a has STI 0 only, b has STI 1 only: STI 0 passes to b (2), STI 1 to a (1)
    inf = np.array([[2004.0, NAN], [NAN, 2004.0]])
    clear = np.array([[2006.0, -INF], [-INF, 2006.0]])
    status_a, status_b = status_bytes(None, inf, clear, i64(0), i64(1))
    values = dict(a=i64(0), b=i64(1), draw=i64(0), n_acts=i64(1), n_protected=i64(0),
                  anal=np.zeros(1, dtype=bool), status_a=status_a, status_b=status_b,
                  uid_a=i64(0), uid_b=i64(1),
                  p_to_receptive=f64(1.0, 1.0), p_to_insertive=f64(1.0, 1.0),
                  p_receptive_anal=f64(0.0, 0.0), p_insertive_anal=f64(0.0, 0.0),
                  condom_efficacy=f64(0.8, 0.8), keys=np.array([KEY, KEY2], dtype=np.uint64),
                  step=0)
    flags = call_by_name(sti_transmission, values)
    np.testing.assert_array_equal(flags, np.array([[2, 1]], dtype=np.int8))
    np.testing.assert_array_equal(flags, call_by_name(sti_transmission, values, py=True))


def test_hiv_transmission_stages_the_infector_acute_late_terminal_or_chronic():
    """One discordant pair per stage, one unprotected act at per-act probability 1 times
    the stage multiplier (capped by the uniform): terminal-stage sources with rr 0 never
    transmit, and late-stage ones are the dur_late years before the terminal stage."""
    m = 4000
    people = hiv_people(2 * m)
    a = np.arange(0, 2 * m, 2, dtype=np.int64)
    b = a + 1
    # b infected long ago; years to death: 0.2 (terminal), 0.9 (late), 5 (chronic)
    to_death = np.resize(np.array([0.2, 0.9, 5.0]), m)
    people["infected_year"][b] = 1995.0
    people["death_year"][b] = 2005.0 + to_death
    people["sti_rr_susceptibility"][:] = 1.0
    people["sti_rr_infectiousness"][:] = 1.0
    contacts = (a, b, np.arange(m, dtype=np.int64), np.ones(m, dtype=np.int64),
                np.zeros(m, dtype=np.int64), np.zeros(m, dtype=bool))
    flags = run_hiv(contacts, people, p_male_to_female=0.05, rr_late=4.0, dur_late=0.75,
                    dur_terminal=0.5, rr_terminal=0.0)
    rate = {t: float(np.mean(flags[to_death == t] == 1)) for t in (0.2, 0.9, 5.0)}
    assert rate[0.2] == 0.0
    assert 0.15 < rate[0.9] < 0.25  # 0.05 x 4
    assert 0.03 < rate[5.0] < 0.07
