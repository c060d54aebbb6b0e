"""Dense rows: the table drops leavers' rows each year, and no number or output moves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from empower.population import CLIENT, PARTNER_OF_CLIENT, Population
from empower.results import tidy_from_model
from empower.scenario import load_scenario
from empower.site import Site
from empower.survey import SurveyDesign, run_surveys


def test_compact_drops_leavers_keeps_order_and_points_partners_at_their_new_rows():
    pop = Population(n_sti=2, capacity=4)  # grows while people are added
    clients = pop.add(6, CLIENT)
    wives = pop.add(2, PARTNER_OF_CLIENT)
    pop.partner_row[clients[[1, 4]]] = wives
    pop.partner_row[wives] = clients[[1, 4]]
    pop.exit_year[: pop.n] = 2030.0
    pop.exit_year[clients[[0, 4]]] = 2010.0  # client 4 leaves; his wife stays a while
    pop.sti_clear_year[clients, 1] = np.arange(6) + 0.5
    new_of_old = pop.compact(2010.0)
    np.testing.assert_array_equal(new_of_old, [-1, 0, 1, 2, -1, 3, 4, 5])
    assert pop.n == 6 and pop.next_uid == 8
    np.testing.assert_array_equal(pop.uid[: pop.n], [1, 2, 3, 5, 6, 7])
    np.testing.assert_array_equal(pop.partner_row[: pop.n], [4, -1, -1, -1, 0, -1])
    np.testing.assert_array_equal(pop.sti_clear_year[:4, 1], [1.5, 2.5, 3.5, 5.5])
    assert (pop.uid[pop.n: 8] == -1).all()  # freed rows are blank again
    np.testing.assert_array_equal(pop.rows_of(np.array([0, 1, 7, 4, 99])), [-1, 0, 5, -1, -1])
    assert pop.compact(2010.0) is None  # nobody else has left: nothing moves
    later = pop.add(1, CLIENT)
    assert later[0] == 6 and pop.uid[6] == 8  # new people take the next uid at the end


def _run(make_model, compact: bool, monkeypatch, **kwargs):
    monkeypatch.setattr(Site, "compact_rows", compact)
    model = make_model(end_year=2009, seed=5, **kwargs)
    model.run()
    return model


def test_compacting_rows_changes_no_output(make_model, monkeypatch):
    dense = _run(make_model, True, monkeypatch)
    sparse = _run(make_model, False, monkeypatch)
    assert dense.pop.n < 0.8 * sparse.pop.n  # the control: rows were dropped
    assert dense.pop.next_uid == sparse.pop.next_uid == sparse.pop.n
    pd.testing.assert_frame_equal(tidy_from_model(dense, 0).drop(columns="scenario"),
                                  tidy_from_model(sparse, 0).drop(columns="scenario"))
    # everyone present has the same row contents, found by uid
    present = sparse.pop.exit_year[: sparse.pop.n] > sparse.year
    rows = dense.pop.rows_of(np.flatnonzero(present))
    assert (rows >= 0).all()
    for name in ("birth_year", "hiv_infected_year", "regular_clients", "member_since_year"):
        np.testing.assert_array_equal(getattr(dense.pop, name)[rows],
                                      getattr(sparse.pop, name)[: sparse.pop.n][present],
                                      err_msg=name)


def test_rows_stay_in_uid_order_and_hold_everyone_present_in_the_last_week(make_model):
    model = make_model(end_year=2008, seed=2)
    for _ in range(3 * 52 + 1):  # three year ends; the first week of the fourth compacts
        model.step()
    pop = model.pop
    assert np.all(np.diff(pop.uid[: pop.n]) > 0)
    assert pop.n < pop.next_uid
    last_week_year = model.year - 2 / 52
    assert (pop.exit_year[: pop.n] > last_week_year).all()
    members = np.concatenate(model.members)
    assert members.max() < pop.n and (pop.uid[members] >= 0).all()


def test_a_view_follows_its_person_across_compaction_and_refuses_one_who_left(make_model):
    model = make_model(end_year=2008, seed=3)
    stayer = int(model.pop.uid[np.flatnonzero(model.pop.exit_year[: model.pop.n] > 2009)[0]])
    leaver = int(model.pop.uid[np.argmin(model.pop.exit_year[: model.pop.n])])
    born = model.year - model.person(stayer).age_years
    model.run()
    assert model.pop.rows_of(np.array([stayer]))[0] != stayer  # the row moved
    assert model.year - model.person(stayer).age_years == pytest.approx(born)
    with pytest.raises(IndexError, match="left"):
        model.person(leaver)


def test_a_survey_across_a_compaction_is_the_one_without_it(tmp_path, monkeypatch):
    from conftest import write_scenario

    scenario = load_scenario(write_scenario(tmp_path / "s.toml", end_year=2008))
    # fieldwork in February: its 13-week window spans the year end, when rows move
    designs = [SurveyDesign(2006, 120, fieldwork_fraction=0.1),
               SurveyDesign(2007, 120, sampling="venue")]
    monkeypatch.setattr(Site, "compact_rows", False)
    sparse = run_surveys(scenario, designs, seed=3, people_scale=0.2)
    monkeypatch.setattr(Site, "compact_rows", True)
    dense = run_surveys(scenario, designs, seed=3, people_scale=0.2)
    pd.testing.assert_frame_equal(dense, sparse)
    assert dense["consistent_condom_clients"].notna().sum() > 50


def test_uids_past_four_bytes_are_refused_before_any_row_is_added():
    pop = Population(n_sti=1)
    pop.next_uid = np.iinfo(np.int32).max - 1
    with pytest.raises(OverflowError, match="uids are 4 bytes"):
        pop.add(5, CLIENT)
    assert pop.n == 0


def test_streams_draw_a_row_with_its_uid_and_check_the_draw_indices():
    from empower.rng import Streams, uniforms

    pop = Population(n_sti=1)
    pop.add(6, CLIENT)
    pop.exit_year[: pop.n] = np.array([1.0, 9.0, 1.0, 9.0, 9.0, 9.0])
    pop.compact(2.0)  # rows 0-3 now hold uids 1, 3, 4, 5
    streams = Streams(3, pop=pop)
    rows = np.array([0, 3, 1], dtype=np.int64)
    expected = uniforms(streams["hiv.survival"], 7, np.array([1, 5, 3], dtype=np.int64), 2)
    np.testing.assert_array_equal(streams.uniforms("hiv.survival", 7, rows, 2), expected)
    with pytest.raises(ValueError, match="one per row"):
        streams.uniforms("hiv.survival", 7, rows, np.array([0, 1]))
