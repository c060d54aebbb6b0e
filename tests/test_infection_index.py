"""The ``infections`` byte is an index of the infection times, and never disagrees.

The times (``hiv_infected_year``, ``sti_infected_year``, ``sti_clear_year``) define who
has what; the byte is kept at infection and clearance so that the week's contacts
read one byte per partner. These tests check the calendar of clearances on its own and
the byte against the times at every week of real runs.
"""

from __future__ import annotations

import numpy as np
import pytest
from empower.core.infection_bits_kernels import sti_bit
from empower.core.status_bits import HAS_HIV, HAS_STI
from empower.processes.stis.process import ClearanceCalendar
from empower.units import DT_YEARS

START = 2004.0


def year_at(step: int) -> float:
    """The model's year at the start of ``step`` (the same expression as the model's)."""
    return START + step * DT_YEARS


def test_calendar_returns_an_entry_at_the_first_week_that_starts_at_or_after_its_year():
    calendar = ClearanceCalendar(START)
    clear = np.array([year_at(3), year_at(3) + 1e-9, year_at(5) - 1e-9,
                      year_at(9) + 0.5 * DT_YEARS])
    current = clear.reshape(-1, 1).copy()
    uids = np.arange(4, dtype=np.int64)
    calendar.file(0, uids, 0, clear)
    due = {}
    for step in range(1, 12):
        for got, k in calendar.due(step, year_at(step), current):
            assert k == 0
            for uid in got:
                due[int(uid)] = step
    assert due == {0: 3, 1: 4, 2: 5, 3: 10}
    assert calendar.pending == 0


def test_calendar_never_files_an_entry_for_the_week_it_was_made_or_before():
    calendar = ClearanceCalendar(START)
    clear = np.array([year_at(2) - 0.5])  # already past: due at the next week
    calendar.file(5, np.array([0]), 0, clear)
    assert calendar.due(5, year_at(5), clear.reshape(-1, 1)) == []
    (uids, _), = calendar.due(6, year_at(6), clear.reshape(-1, 1))
    assert list(uids) == [0]


def test_calendar_drops_an_entry_whose_person_has_a_different_clearance_year_now():
    calendar = ClearanceCalendar(START)
    calendar.file(0, np.array([0, 1]), 1, np.array([year_at(2), year_at(2)]))
    current = np.full((2, 2), np.nan)
    current[:, 1] = [year_at(2), year_at(8)]  # person 1 was infected again since
    due = [(list(u), k) for step in range(1, 10)
           for u, k in calendar.due(step, year_at(step), current) if u.size]
    assert due == [([0], 1)]
    assert calendar.pending == 0


def test_calendar_files_nothing_for_an_infection_that_never_ends():
    calendar = ClearanceCalendar(START)
    calendar.file(0, np.array([0]), 0, np.array([np.inf]))
    assert calendar.pending == 0


def derived_infections(pop, uids: np.ndarray, year: float) -> np.ndarray:
    """The infections byte computed from the times alone."""
    out = np.where(pop.hiv_infected_year[uids] <= year, HAS_HIV, 0).astype(np.uint8)
    for k in range(pop.n_sti):
        has = (pop.sti_infected_year[uids, k] <= year) & (year < pop.sti_clear_year[uids, k])
        out[has] |= sti_bit(k)
    return out


@pytest.mark.parametrize("parameters", [
    None,
    # fast treatment: many clearances within a week or two of infection
    {"stis": {"gonorrhoea": {"dur_symptoms_to_treatment_years": 0.01,
                             "prop_symptomatic_treated": 1.0}}},
], ids=["mysore", "fast_treatment"])
def test_infections_byte_equals_the_times_for_everyone_present_every_week(make_model,
                                                                           parameters):
    model = make_model(parameters, people_scale=0.05, end_year=2007)
    checked = []

    def check_then_step(m, step=model.partnerships.contacts):
        uids = np.concatenate(m.members)
        np.testing.assert_array_equal(m.pop.infections[uids],
                                      derived_infections(m.pop, uids, m.year))
        checked.append(int(np.count_nonzero(m.pop.infections[uids] & HAS_STI)))
        step(m)

    model.partnerships.contacts = check_then_step
    model.run()
    assert len(checked) == model.n_steps
    assert min(checked) > 0  # STIs were present throughout, so the check had work to do
