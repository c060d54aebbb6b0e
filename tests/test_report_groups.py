"""Outputs by gender: no aggregate of sex workers hides a sub-epidemic of one gender."""

from __future__ import annotations

import numpy as np
import pytest
from empower.core.report_groups import N_CELLS, REPORT_GROUPS, cell_counts
from empower.results import tidy_from_model

MIXED = {"sex_workers": {"gender": {"prop_female": 0.6, "prop_trans": 0.2, "prop_male": 0.2}}}
WOMEN_ONLY = {"sex_workers": {"gender": {"prop_female": 1.0, "prop_trans": 0.0,
                                         "prop_male": 0.0}}}
GENDERS = ("female_sex_workers", "trans_sex_workers", "male_sex_workers")


@pytest.fixture(scope="module")
def mixed_table(tmp_path_factory):
    from conftest import write_scenario
    from empower.model import EmpowerModel
    from empower.scenario import load_scenario

    path = write_scenario(tmp_path_factory.mktemp("groups") / "mixed.toml", MIXED)
    model = EmpowerModel(load_scenario(path), seed=3, people_scale=0.3)
    model.run()
    return tidy_from_model(model, 0)


def _value(table, metric, group, year):
    rows = table[(table.metric == metric) & (table.group == group) & (table.year == year)]
    assert len(rows) == 1, (metric, group, year)
    return float(rows["value"].iloc[0])


def test_every_person_falls_in_exactly_one_cell_of_group_by_gender():
    group = np.array([0, 0, 0, 1, 2, 3, 3], dtype=np.int8)
    gender = np.array([0, 1, 2, 2, 2, 0, 0], dtype=np.int8)
    counts = cell_counts(group, gender)
    assert counts.shape == (N_CELLS,) and counts.sum() == group.size
    by_name = {rg.name: int(rg.total(counts)) for rg in REPORT_GROUPS}
    assert by_name == {"sex_workers": 3, "female_sex_workers": 1, "trans_sex_workers": 1,
                       "male_sex_workers": 1, "clients": 1, "partners": 3, "all": 7}


@pytest.mark.parametrize("metric", ["population", "new_hiv_infections",
                                    "new_gonorrhoea_infections", "new_chlamydia_infections"])
def test_sex_workers_of_each_gender_add_up_to_all_sex_workers(mixed_table, metric):
    for year in (2004, 2005):
        parts = sum(_value(mixed_table, metric, g, year) for g in GENDERS)
        assert parts == _value(mixed_table, metric, "sex_workers", year)


def test_sex_worker_prevalence_is_the_gender_prevalences_weighted_by_numbers(mixed_table):
    year = 2005
    n = {g: _value(mixed_table, "population", g, year) for g in GENDERS}
    weighted = sum(n[g] * _value(mixed_table, "hiv_prevalence", g, year) for g in GENDERS)
    total = _value(mixed_table, "hiv_prevalence", "sex_workers", year)
    assert weighted / sum(n.values()) == pytest.approx(total, rel=1e-12)


def test_incidence_by_gender_has_its_own_denominator(mixed_table):
    rates = [_value(mixed_table, "hiv_incidence_per_100py", g, 2005) for g in GENDERS]
    assert all(np.isfinite(rates))
    # trans and male sex workers' acts with clients are receptive anal: a higher rate
    assert max(rates[1:]) > rates[0]


def test_a_setting_without_trans_or_male_sex_workers_reports_only_women(make_model):
    model = make_model(WOMEN_ONLY, end_year=2005)
    model.run()
    table = tidy_from_model(model, 0)
    groups = set(table.loc[table.metric == "hiv_prevalence", "group"])
    assert "female_sex_workers" in groups
    assert not groups & {"trans_sex_workers", "male_sex_workers"}
