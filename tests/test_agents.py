"""Mesa agents are thin, cached views over population rows, made only on request."""

from __future__ import annotations

import math
from pathlib import Path

import mesa
import numpy as np
import pytest
from empower.agents import Client, CommunityGroup, Partner, PersonView, SexWorker
from empower.model import EmpowerModel
from empower.population import (
    CLIENT,
    PARTNER_OF_CLIENT,
    PARTNER_OF_SEX_WORKER,
    SEX_WORKER,
)
from empower.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
MYSORE = REPO / "seeds" / "mysore.toml"
SHORT = f'name = "short"\nsetting = "{MYSORE}"\nstart_year = 2004\nend_year = 2006\n'


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    path = tmp_path_factory.mktemp("agents") / "short.toml"
    path.write_text(SHORT)
    return load_scenario(path)


@pytest.fixture()
def model(scenario):
    """A fresh model run to its end (2006), nobody inspected."""
    m = EmpowerModel(scenario, seed=5, people_scale=0.1)
    m.run()
    return m


def present_uids(m: EmpowerModel, group: int) -> set[int]:
    pop, n = m.pop, m.pop.n
    mask = ((pop.group[:n] == group) & (pop.entry_year[:n] <= m.year)
            & (m.year < pop.exit_year[:n]))
    return set(pop.uid[np.flatnonzero(mask)].tolist())


def first(m: EmpowerModel, group: int) -> tuple[int, int]:
    """The row and the uid of the first member of ``group`` (rows move; uids do not)."""
    row = int(m.members[group][0])
    return row, int(m.pop.uid[row])


def test_a_plain_run_makes_no_person_agents_only_the_community_groups(model):
    assert model.finished
    assert model.pop.n > 0
    assert len(model.agents) == len(model.params.mobilisation.groups) > 0
    assert all(isinstance(a, CommunityGroup) for a in model.agents)


def test_a_new_model_has_only_its_community_groups_as_agents(scenario):
    model = EmpowerModel(scenario, seed=1, people_scale=0.05)
    assert sorted(a.name for a in model.agents_by_type[CommunityGroup]) == sorted(
        model.params.mobilisation.groups)
    assert len(model.agents) == len(model.params.mobilisation.groups)


@pytest.mark.parametrize(("group", "cls"), [(SEX_WORKER, SexWorker), (CLIENT, Client),
                                            (PARTNER_OF_SEX_WORKER, Partner),
                                            (PARTNER_OF_CLIENT, Partner)])
def test_person_returns_the_view_class_of_the_persons_group(model, group, cls):
    row, uid = first(model, group)
    view = model.person(uid)
    assert type(view) is cls
    assert isinstance(view, PersonView) and isinstance(view, mesa.Agent)
    assert view.uid == uid
    assert view.group == ("sex_workers", "clients", "partners_of_sex_workers",
                          "partners_of_clients")[group]


def test_person_views_are_cached_and_never_registered_among_the_models_agents(model):
    before = set(model.agents)
    _, uid = first(model, SEX_WORKER)
    view = model.person(uid)
    assert model.person(uid) is view
    model.views(SEX_WORKER)
    assert set(model.agents) == before  # the community groups only
    assert all(isinstance(a, CommunityGroup) for a in model.agents)


def test_person_with_an_unknown_uid_is_an_index_error(model):
    with pytest.raises(IndexError, match="no person with uid"):
        model.person(model.pop.next_uid)
    with pytest.raises(IndexError):
        model.person(-1)


def test_sex_worker_working_follows_the_pause_until_year_array(model):
    row, uid = first(model, SEX_WORKER)
    view = model.person(uid)
    model.pop.pause_until_year[row] = -math.inf
    assert view.working is True
    model.pop.pause_until_year[row] = model.year + 0.5
    assert view.working is False
    model.pop.pause_until_year[row] = model.year
    assert view.working is True


def test_present_and_working_follow_the_exit_year_array(model):
    row, uid = first(model, SEX_WORKER)
    view = model.person(uid)
    model.pop.pause_until_year[row] = -math.inf
    assert view.present and view.working
    model.pop.exit_year[row] = model.year
    assert not view.present
    assert not view.working


def test_sex_worker_attributes_read_venue_entry_and_gender_arrays(model):
    row, uid = first(model, SEX_WORKER)
    view = model.person(uid)
    model.pop.venue[row] = 3
    assert view.venue == "brothel"
    model.pop.venue[row] = 0
    assert view.venue == "street"
    model.pop.entry_year[row] = model.year - 2.5
    assert view.years_in_sex_work == pytest.approx(2.5)
    model.pop.birth_year[row] = model.year - 30
    assert view.age_years == pytest.approx(30)
    model.pop.gender[row] = 1
    assert view.gender == "trans"


def test_client_attributes_read_visits_and_circumcision_arrays(model):
    row, uid = first(model, CLIENT)
    view = model.person(uid)
    model.pop.visits_per_week[row] = 1.25
    model.pop.circumcised[row] = True
    assert view.visits_per_week == 1.25
    assert view.circumcised is True
    model.pop.circumcised[row] = False
    assert view.circumcised is False


def test_partner_uid_reads_the_array_and_points_to_a_sex_worker_or_client(model):
    for group, partner_group in ((PARTNER_OF_SEX_WORKER, SEX_WORKER),
                                 (PARTNER_OF_CLIENT, CLIENT)):
        row, uid = first(model, group)
        view = model.person(uid)
        assert model.pop.group[model.pop.rows_of([view.partner_uid])[0]] == partner_group
        model.pop.partner_row[row] = 12
        assert view.partner_uid == model.pop.uid[12]


def test_hiv_stage_is_derived_from_infection_and_death_times(model):
    row, uid = first(model, CLIENT)
    view, pop, year = model.person(uid), model.pop, model.year
    pop.hiv_infected_year[row] = math.nan
    assert view.hiv_stage == "none"
    pop.hiv_infected_year[row] = year + 1  # infected in the future: not yet
    assert view.hiv_stage == "none"
    pop.hiv_infected_year[row] = year - 0.1
    pop.hiv_death_year[row] = year + 10
    assert view.hiv_stage == "acute"  # within dur_acute_years (0.25)
    pop.hiv_infected_year[row] = year - 2
    assert view.hiv_stage == "chronic"
    pop.hiv_death_year[row] = year + 1.2  # 0.83 terminal + 0.75 late before death
    assert view.hiv_stage == "late"
    pop.hiv_death_year[row] = year + 0.5  # within dur_terminal_years (0.83) of death
    assert view.hiv_stage == "terminal"


def test_stis_list_the_infections_current_in_the_arrays(model):
    row, uid = first(model, SEX_WORKER)
    view, pop, year = model.person(uid), model.pop, model.year
    pop.sti_infected_year[row, :] = math.nan
    pop.sti_clear_year[row, :] = -math.inf
    assert view.stis == []
    pop.sti_infected_year[row, 1] = year - 0.1
    pop.sti_clear_year[row, 1] = year + 0.1
    assert view.stis == ["chlamydia"]
    pop.sti_clear_year[row, 1] = year
    assert view.stis == []


def test_row_returns_every_column_of_the_person(model):
    row, uid = first(model, CLIENT)
    row = model.person(uid).row()
    assert row["uid"] == uid
    assert set(model.pop.columns) <= set(row)
    assert row["group"] == CLIENT


def test_views_is_an_agent_set_with_one_view_per_present_sex_worker(model):
    views = model.views(SEX_WORKER)
    assert isinstance(views, mesa.agent.AgentSet)
    uids = [a.uid for a in views]
    assert len(uids) == len(set(uids))
    assert set(uids) == present_uids(model, SEX_WORKER)
    assert all(type(a) is SexWorker and a.present for a in views)


def test_views_reuse_the_cached_person_views(model):
    row, uid = first(model, SEX_WORKER)
    view = model.person(uid)
    assert any(a is view for a in model.views(SEX_WORKER))
    n = len(model._views)
    model.views(SEX_WORKER)
    assert len(model._views) == n  # no new objects the second time


def test_views_support_mesa_select_and_agg(model):
    views = model.views(SEX_WORKER)
    pop, year = model.pop, model.year
    uids = pop.rows_of(np.array([a.uid for a in views]))  # their rows
    working = views.select(lambda a: a.working)
    assert len(working) == int(np.count_nonzero(pop.pause_until_year[uids] <= year))
    assert views.agg("age_years", max) == pytest.approx(float(np.max(year - pop.birth_year[uids])))
    street = views.select(lambda a: a.venue == "street")
    assert len(street) == int(np.count_nonzero(pop.venue[uids] == 0))


def test_views_of_clients_are_client_views_of_present_clients(model):
    views = model.views(CLIENT)
    assert {a.uid for a in views} == present_uids(model, CLIENT)
    assert all(type(a) is Client for a in views)


def test_views_between_steps_hold_only_people_present_now(scenario):
    m = EmpowerModel(scenario, seed=1, people_scale=0.2)
    for _ in range(10):
        m.step()
        assert {a.uid for a in m.views(SEX_WORKER)} == present_uids(m, SEX_WORKER)
