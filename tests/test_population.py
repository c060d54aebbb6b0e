"""The struct-of-arrays population table: uids, growth, columns, derived state."""

from __future__ import annotations

import math

import numpy as np
import pytest
from empower.population import (
    CLIENT,
    COLUMNS,
    PARTNER_OF_CLIENT,
    SEX_WORKER,
    Column,
    Population,
)


def test_add_returns_consecutive_uids_from_zero_and_sets_the_group():
    pop = Population(n_sti=2)
    a = pop.add(3, SEX_WORKER)
    b = pop.add(2, CLIENT)
    c = pop.add(0, CLIENT)
    np.testing.assert_array_equal(a, [0, 1, 2])
    np.testing.assert_array_equal(b, [3, 4])
    assert a.dtype == np.int64 and c.size == 0
    assert pop.n == 5
    np.testing.assert_array_equal(pop.group[:5], [SEX_WORKER] * 3 + [CLIENT] * 2)


def test_add_rejects_a_negative_count():
    pop = Population(n_sti=1)
    with pytest.raises(ValueError):
        pop.add(-1, CLIENT)
    assert pop.n == 0


def test_new_rows_take_every_column_default():
    pop = Population(n_sti=2)
    row = pop.row(int(pop.add(1, PARTNER_OF_CLIENT)[0]))
    for column in COLUMNS:
        if column.name in ("group", "uid"):  # set by add
            continue
        shape = (2,) if column.per_sti else ()
        expected = np.full(shape, column.default, dtype=column.dtype)
        # assert_array_equal treats NaN as equal to NaN
        np.testing.assert_array_equal(np.asarray(row[column.name], dtype=column.dtype),
                                      expected, err_msg=column.name)


def test_growing_keeps_old_values_and_gives_new_rows_defaults():
    pop = Population(n_sti=3, capacity=16)
    first = pop.add(10, SEX_WORKER)
    pop.exit_year[first] = 2000.0 + first
    pop.sti_clear_year[first, 1] = 1.5 * first
    pop.venue[first] = 3
    start_capacity = pop.exit_year.shape[0]
    more = pop.add(100, CLIENT)  # needs far more than double
    assert pop.exit_year.shape[0] >= 110 > start_capacity
    np.testing.assert_array_equal(pop.exit_year[first], 2000.0 + first)
    np.testing.assert_array_equal(pop.sti_clear_year[first, 1], 1.5 * first)
    np.testing.assert_array_equal(pop.venue[first], 3)
    assert np.all(np.isinf(pop.exit_year[more]))
    assert np.all(pop.venue[more] == -1)
    assert np.all(pop.group[more] == CLIENT) and np.all(pop.group[first] == SEX_WORKER)
    assert pop.sti_infected_year.shape == (pop.exit_year.shape[0], 3)


def test_capacity_doubles_when_a_small_add_overflows():
    pop = Population(n_sti=1, capacity=16)
    pop.add(16, CLIENT)
    assert pop.exit_year.shape[0] == 16
    pop.add(1, CLIENT)
    assert pop.exit_year.shape[0] == 32


def test_columns_keep_their_declared_dtype_after_growth():
    pop = Population(n_sti=2, capacity=16)
    pop.add(40, SEX_WORKER)
    for column in COLUMNS:
        assert getattr(pop, column.name).dtype == np.dtype(column.dtype), column.name


def test_columns_are_declared_once_with_dtype_default_and_description():
    names = [c.name for c in COLUMNS]
    assert len(names) == len(set(names))
    for c in COLUMNS:
        assert c.description.strip(), c.name
        np.dtype(c.dtype)  # a real numpy dtype
        assert np.array([c.default]).astype(c.dtype).size == 1
    pop = Population(n_sti=1)
    assert list(pop.columns) == names


def test_add_column_declares_a_new_column_filled_with_its_default_even_after_adds():
    pop = Population(n_sti=1, capacity=16)
    pop.add(5, SEX_WORKER)
    pop.add_column(Column("test_mod", np.float64, 0.5, "a test modifier"))
    assert "test_mod" in pop.columns
    np.testing.assert_array_equal(pop.test_mod[:5], 0.5)
    pop.test_mod[2] = 9.0
    pop.add(50, CLIENT)  # grows: the new column grows too
    assert pop.test_mod[2] == 9.0
    np.testing.assert_array_equal(pop.test_mod[5:55], 0.5)
    assert pop.row(2)["test_mod"] == 9.0


def test_add_column_per_sti_has_one_value_per_sti():
    pop = Population(n_sti=3)
    pop.add(2, CLIENT)
    pop.add_column(Column("test_per_sti", np.int16, 7, "per STI", per_sti=True))
    assert pop.test_per_sti.shape[1] == 3
    assert pop.row(1)["test_per_sti"] == [7, 7, 7]


def test_add_column_rejects_a_name_already_declared():
    pop = Population(n_sti=1)
    with pytest.raises(ValueError, match="already declared"):
        pop.add_column(Column("exit_year", np.float64, 0.0, "again"))


def test_columns_property_is_a_copy():
    pop = Population(n_sti=1)
    cols = pop.columns
    cols.pop("exit_year")
    assert "exit_year" in pop.columns


def test_present_keeps_those_not_yet_left_in_order():
    pop = Population(n_sti=1)
    uids = pop.add(5, SEX_WORKER)
    pop.exit_year[uids] = [2005.0, math.inf, 2004.0, 2006.0, 2005.0 + 1e-9]
    np.testing.assert_array_equal(pop.present(uids[::-1], 2005.0), [4, 3, 1])
    np.testing.assert_array_equal(pop.present(uids, 2003), uids)
    assert pop.present(uids[:0], 2005.0).size == 0


def test_hiv_and_sti_status_are_derived_from_times():
    pop = Population(n_sti=2)
    uids = pop.add(4, SEX_WORKER)
    pop.hiv_infected_year[1] = 2004.0
    np.testing.assert_array_equal(pop.hiv_infected(uids), [False, True, False, False])
    pop.sti_infected_year[[0, 2, 3], 1] = [2004.0, 2004.0, 2005.5]
    pop.sti_clear_year[[0, 2, 3], 1] = [2005.0, 2005.2, 2006.0]
    # infected while infected_year <= t < clear_year
    np.testing.assert_array_equal(pop.sti_infected(uids, 1, 2005.0), [False, False, True, False])
    np.testing.assert_array_equal(pop.sti_infected(uids, 0, 2005.0), [False] * 4)


def test_row_gives_every_column_as_python_values():
    pop = Population(n_sti=2)
    uid = int(pop.add(1, SEX_WORKER)[0])
    pop.venue[uid] = 2
    pop.circumcised[uid] = True
    row = pop.row(uid)
    assert row["uid"] == uid
    assert set(row) == {"uid", *pop.columns}
    assert row["venue"] == 2 and type(row["venue"]) is int
    assert row["circumcised"] is True
    assert isinstance(row["sti_clear_year"], list) and len(row["sti_clear_year"]) == 2


@pytest.mark.parametrize("uid", [-1, 3, 100])
def test_row_of_an_unknown_uid_raises_index_error(uid):
    pop = Population(n_sti=1)
    pop.add(3, CLIENT)
    with pytest.raises(IndexError):
        pop.row(uid)
