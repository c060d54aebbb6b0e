"""Each process on small runs: demography, pauses, ties, condoms, HIV, STIs, views.

Runs use the Mysore setting at ``people_scale`` 0.3 (300 sex workers, 2400 clients)
for one to three years; each takes well under a second.
"""

from __future__ import annotations

import math

import mesa
import numpy as np
import pytest
from conftest import neutral_structure
from empower.agents import Client, Partner, SexWorker
from empower.population import (
    CLIENT,
    FEMALE,
    MALE,
    PARTNER_OF_CLIENT,
    PARTNER_OF_SEX_WORKER,
    SEX_WORKER,
    Column,
)
from empower.processes.partnerships.process import KINDS
from empower.results import tidy_from_model
from empower.site import Site
from empower.units import DT_YEARS, STEPS_PER_YEAR

SCALE = 0.3
N_SW = round(1000 * SCALE)
N_CLIENTS = round(8000 * SCALE)
EPS = 1e-9


def step_weeks(model, weeks: int, check=None) -> None:
    """Step ``weeks`` times (not past the end), calling ``check(model)`` after each."""
    for _ in range(weeks):
        if model.finished:
            break
        model.step()
        if check is not None:
            check(model)


# ---------------------------------------------------------------------------- demography

def test_group_sizes_are_back_at_target_after_every_weekly_entry(make_model):
    model = make_model(people_scale=SCALE, end_year=2007)
    assert model.members[SEX_WORKER].size == N_SW
    assert model.members[CLIENT].size == N_CLIENTS
    sizes = []

    def check(m):
        # members are refilled at each week's demography step and only thinned again
        # at the next one (or at the year-end record): in between they are at target
        if m.step_index % STEPS_PER_YEAR != 0:
            sizes.append((m.members[SEX_WORKER].size, m.members[CLIENT].size))

    step_weeks(model, 3 * STEPS_PER_YEAR, check)
    assert len(sizes) == 3 * (STEPS_PER_YEAR - 1)
    assert all(s == (N_SW, N_CLIENTS) for s in sizes)


def test_yearly_population_of_sex_workers_and_clients_stays_at_target(make_model):
    model = make_model(people_scale=SCALE, end_year=2008)
    model.run()
    table = tidy_from_model(model, replicate=0)
    pop = table[table["metric"] == "population"].pivot(index="year", columns="group",
                                                       values="value")
    assert list(pop.index) == [2004, 2005, 2006, 2007]
    # recorded at the year's end, after the last week's exits and before the next
    # week's entries: at most the target, and short by no more than about a week's
    # exits (sex workers leave at ~0.2/year: 300 * 0.2 / 52 ~ 1.2 a week; clients at
    # ~0.1/year: 2400 * 0.1 / 52 ~ 4.6 a week); allow 1% + 3
    for group, target in (("sex_workers", N_SW), ("clients", N_CLIENTS)):
        shortfall = target - pop[group]
        assert (shortfall >= 0).all(), group
        assert (shortfall <= 0.01 * target + 3).all(), (group, shortfall.tolist())


def test_a_rising_size_timeline_raises_the_number_of_sex_workers(make_model):
    model = make_model({"population": {"n_sex_workers": {2005: 1500}}}, people_scale=SCALE,
                       end_year=2006)
    step_weeks(model, STEPS_PER_YEAR + 1)
    assert model.members[SEX_WORKER].size == round(1500 * SCALE)


def test_partners_leave_when_their_sex_worker_or_client_leaves(make_model):
    model = make_model(people_scale=SCALE, end_year=2007)
    model.run()
    pop, n = model.pop, model.pop.n
    uids = np.arange(n)
    partners = uids[np.isin(pop.group[:n], (PARTNER_OF_SEX_WORKER, PARTNER_OF_CLIENT))]
    linked = pop.partner_row[partners]
    assert np.all(linked >= 0)
    # the linked person is a sex worker (partners of sex workers) or a client
    np.testing.assert_array_equal(
        pop.group[linked],
        np.where(pop.group[partners] == PARTNER_OF_SEX_WORKER, SEX_WORKER, CLIENT))
    # everyone whose linked person left at least a week ago has left by the next step
    gone = pop.exit_year[linked] <= model.year - DT_YEARS
    assert gone.sum() > 50  # enough cases to mean something
    assert np.all(pop.exit_year[partners[gone]] < pop.exit_year[linked[gone]] + DT_YEARS + EPS)
    for g in (PARTNER_OF_SEX_WORKER, PARTNER_OF_CLIENT):
        assert not np.isin(model.members[g], partners[gone]).any()


def test_everyone_in_members_is_present_and_of_that_group(make_model):
    model = make_model(people_scale=SCALE)

    def check(m):
        for g, uids in enumerate(m.members):
            assert np.all(m.pop.group[uids] == g)
            assert np.unique(uids).size == uids.size
            # members are thinned at the start of each week: present at the last step
            assert np.all(m.pop.exit_year[uids] > m.year - DT_YEARS - EPS)

    step_weeks(model, 60, check)


def test_no_one_paused_when_pause_rate_is_zero(make_model):
    model = make_model(neutral_structure({"sex_workers": {"rate_pause_per_year": 0.0}}),
                       people_scale=SCALE)  # neutral: no arrests, which also pause

    def check(m):
        sw = m.members[SEX_WORKER]
        assert np.all(np.isneginf(m.pop.pause_until_year[sw]))
        np.testing.assert_array_equal(m.pop.working(m.members[SEX_WORKER], m.year), sw)

    step_weeks(model, 30, check)


def test_paused_sex_workers_have_no_client_contacts(make_model):
    model = make_model({"sex_workers": {"rate_pause_per_year": 5.0, "dur_pause_years": 0.5}},
                       people_scale=SCALE)
    n_paused, n_client_contacts = [], []

    def check(m):
        pop, c = m.pop, m.week.contacts
        sw = m.members[SEX_WORKER]
        # m.year has moved on a week: the contacts were made at m.year - DT_YEARS
        paused = sw[pop.pause_until_year[sw] > m.year - DT_YEARS]
        n_paused.append(paused.size)
        client_kinds = (c.kind == KINDS.index("one_off")) | (c.kind == KINDS.index(
            "regular_client"))
        n_client_contacts.append(int(client_kinds.sum()))
        assert not np.isin(c.a[client_kinds], paused).any()

    step_weeks(model, 20, check)
    # rate 5/year, 0.5 years: about 5 * 0.5 / (1 + 2.5) ~ 70% paused at equilibrium
    assert max(n_paused) > N_SW // 5
    assert min(n_client_contacts) > 0


# ---------------------------------------------------------------------------- ties

def test_regular_clients_count_equals_ties_per_sex_worker_and_stays_within_target(make_model):
    model = make_model(people_scale=SCALE)
    p = model.partnerships

    def check(m):
        pop, n = m.pop, m.pop.n
        np.testing.assert_array_equal(np.bincount(p.tie_sw, minlength=n)[:n],
                                      pop.regular_clients[:n])
        sw = m.members[SEX_WORKER]
        assert np.all(pop.regular_clients[sw] <= pop.regular_clients_target[sw])
        assert np.all(pop.group[p.tie_sw] == SEX_WORKER)
        assert np.all(pop.group[p.tie_client] == CLIENT)

    check(model)
    assert p.tie_sw.size > N_SW  # mean target 2 per sex worker
    step_weeks(model, 60, check)


def test_regular_ties_of_leavers_end(make_model):
    model = make_model(people_scale=SCALE)
    step_weeks(model, 40)
    p, pop, year = model.partnerships, model.pop, model.year
    # ties are ended at the start of each week's partnership step: those kept were
    # between people present then
    assert np.all(pop.exit_year[p.tie_sw] > year - DT_YEARS - EPS)
    assert np.all(pop.exit_year[p.tie_client] > year - DT_YEARS - EPS)


def test_no_regular_ties_when_sex_workers_keep_none(make_model):
    model = make_model({"partnerships": {"regular_clients_per_sex_worker": 0.0}},
                       people_scale=SCALE)
    step_weeks(model, 20)
    assert model.partnerships.tie_sw.size == 0
    assert not np.any(model.week.contacts.kind == KINDS.index("regular_client"))


def test_contacts_of_one_pair_in_a_week_have_distinct_draws(make_model):
    # two clients only: sex workers keeping 3 regular clients must tie to one twice
    model = make_model({"population": {"n_clients": 20},
                        "partnerships": {"regular_clients_per_sex_worker": 3.0}},
                       people_scale=0.1, end_year=2005)
    step_weeks(model, 1)
    c = model.week.contacts
    keys = np.stack([c.a, c.b, c.draw], axis=1)
    assert np.unique(keys, axis=0).shape[0] == keys.shape[0]


# ---------------------------------------------------------------------------- intimate partners

def sw_partner_share(model) -> float:
    pop, sw = model.pop, model.members[SEX_WORKER]
    lovers = model.members[PARTNER_OF_SEX_WORKER]
    with_partner = np.unique(pop.partner_row[lovers])
    return np.isin(sw, with_partner).mean()


def test_initial_share_of_sex_workers_with_intimate_partner_matches_setting(make_model):
    model = make_model(people_scale=1.0)
    share = sw_partner_share(model)
    # 1000 sex workers, p = 0.4: SE 0.015; allow 4 SE
    assert abs(share - 0.4) < 4 * math.sqrt(0.24 / 1000)


def test_share_of_sex_workers_with_intimate_partner_stays_near_setting(make_model):
    model = make_model(people_scale=SCALE, end_year=2014)
    model.run()
    # 300 sex workers: SE of a share near 0.4 is 0.028; allow 0.1 (3.5 SE)
    assert abs(sw_partner_share(model) - 0.4) < 0.1


def test_starting_intimate_partnerships_end_after_a_drawn_duration(make_model):
    model = make_model({"hiv": {"initial_prevalence": {"partners_of_sex_workers": 0.0}}},
                       people_scale=1.0)
    pop = model.pop
    lovers = model.members[PARTNER_OF_SEX_WORKER]
    sw = pop.partner_row[lovers]
    other_end = np.minimum(pop.death_year[lovers], pop.exit_year[sw])
    # with a mean duration of 10.8 years, a third or more end by duration first
    assert np.mean(pop.exit_year[lovers] < other_end - EPS) > 0.2


# ---------------------------------------------------------------------------- condoms

def add_modifier(model, value: float, monkeypatch) -> None:
    """Make every kind of contact read one constant condom factor column, ``value``."""
    import empower.processes.partnerships.process as partnerships

    model.pop.add_column(Column("test_mod", np.float64, value, "test condom factor"))
    monkeypatch.setattr(partnerships, "CONDOM_FACTORS", ("test_mod",) * len(KINDS))


def condom_use(model) -> dict[str, float]:
    table = tidy_from_model(model, replicate=0)
    rows = table[table["metric"] == "condom_use"]
    return dict(zip(rows["group"], rows["value"], strict=True))


def test_condom_factor_of_zero_makes_condom_use_zero(make_model, monkeypatch):
    model = make_model(people_scale=SCALE, end_year=2005)
    add_modifier(model, 0.0, monkeypatch)
    protected = []
    model.run(progress=lambda _: protected.append(model.week.contacts.n_protected.sum()))
    assert sum(protected) == 0
    assert all(v == 0.0 for v in condom_use(model).values())


def test_condom_factor_huge_makes_condom_use_nearly_one(make_model, monkeypatch):
    model = make_model(people_scale=SCALE, end_year=2005)
    add_modifier(model, 1e12, monkeypatch)
    unprotected = []
    model.run(progress=lambda _: unprotected.append(
        (model.week.contacts.n_acts - model.week.contacts.n_protected).sum()))
    assert sum(unprotected) == 0
    assert all(v > 0.999 for v in condom_use(model).values())


NO_PROPENSITY = {"condom": {"sd_logit_condom_clients": 0.0,
                            "sd_logit_condom_intimate_partner": 0.0}}


def test_a_condom_factor_multiplies_the_odds_of_every_kind_of_contact(make_model,
                                                                      monkeypatch):
    model = make_model(neutral_structure(NO_PROPENSITY), people_scale=SCALE, end_year=2005)
    add_modifier(model, 4.0, monkeypatch)
    model.run()
    use = condom_use(model)
    # odds x 4: p' = 4p / (1 - p + 4p) (the setting's repeat clients take the factor to
    # the power 1); condom use is the expected share, so the only slack is float
    # rounding (0.01 allows a realised share with ~1e4 acts)
    assert model.params.condom.power_odds_regular_client.value == 1.0
    for kind, base in (("one_off", 0.65), ("regular_client", 0.53),
                       ("intimate_partner", 0.07), ("client_partner", 0.05)):
        assert use[kind] == pytest.approx(4 * base / (1 - base + 4 * base), abs=0.01), kind


def test_condom_use_without_modifiers_or_propensity_is_the_setting_baseline(make_model):
    model = make_model(neutral_structure(NO_PROPENSITY), people_scale=SCALE, end_year=2005)
    model.run()
    use = condom_use(model)
    for kind, base in (("one_off", 0.65), ("regular_client", 0.53),
                       ("intimate_partner", 0.07), ("client_partner", 0.05)):
        assert use[kind] == pytest.approx(base, abs=0.01), kind


# ---------------------------------------------------------------------------- HIV

def test_hiv_stage_is_acute_right_after_infection(make_model):
    model = make_model(people_scale=SCALE)
    newly = []

    def check(m):
        infected_now = np.flatnonzero(
            np.abs(m.pop.hiv_infected_year[: m.pop.n] - (m.year - DT_YEARS)) < EPS)
        for uid in infected_now:
            assert m.person(int(uid)).hiv_stage == "acute"
        newly.extend(infected_now.tolist())

    step_weeks(model, 40, check)
    assert len(newly) > 5


def test_hiv_stage_follows_infection_and_death_times(make_model):
    model = make_model(people_scale=SCALE)
    step_weeks(model, 10)
    pop, year = model.pop, model.year
    seen = set()
    for uid in range(pop.n):
        stage = model.person(uid).hiv_stage
        seen.add(stage)
        inf, death = pop.hiv_infected_year[uid], pop.hiv_death_year[uid]
        if math.isnan(inf):
            assert stage == "none"
        elif year - inf < 0.25:
            assert stage == "acute"
        elif year >= death - 0.83:
            assert stage == "terminal"
        elif year >= death - 0.83 - 0.75:
            assert stage == "late"
        else:
            assert stage == "chronic"
    assert seen == {"none", "acute", "chronic", "late", "terminal"}


def test_hiv_death_removes_the_person_at_their_hiv_death_year(make_model, monkeypatch):
    # every row kept, to see the people who died (dropping leavers' rows changes no
    # output: tests/test_dense_rows.py)
    monkeypatch.setattr(Site, "compact_rows", False)
    model = make_model(people_scale=SCALE, end_year=2007)
    model.run()
    pop, n, year = model.pop, model.pop.n, model.year
    infected = np.flatnonzero(~np.isnan(pop.hiv_infected_year[:n]))
    assert np.all(pop.exit_year[infected] <= pop.hiv_death_year[infected])
    died = infected[(pop.hiv_death_year[infected] <= year)
                    & (pop.hiv_death_year[infected] == pop.exit_year[infected])]
    assert died.size > 10  # enough HIV deaths in three years to mean something
    for g in range(4):
        assert not np.isin(model.members[g], died).any()
    # nobody who is still in the model has passed their HIV death year
    everyone = np.concatenate(model.members)
    assert np.all(pop.hiv_death_year[everyone] > year - DT_YEARS)


def test_route_counts_add_up_to_new_hiv_infections(make_model):
    model = make_model(people_scale=SCALE, end_year=2007)
    model.run()
    table = tidy_from_model(model, replicate=0)
    by_route = table[table["metric"] == "new_hiv_infections_by_route"].groupby("year")["value"]
    total = table[(table["metric"] == "new_hiv_infections") & (table["group"] == "all")]
    np.testing.assert_array_equal(by_route.sum().to_numpy(), total["value"].to_numpy())
    assert total["value"].sum() > 0


def test_no_new_hiv_infections_are_counted_for_seeded_entrants(make_model):
    # no transmission: entrants arrive infected at prevalence_at_entry, uncounted
    zero = {"p_per_act_male_to_female": 0.0, "p_per_act_female_to_male": 0.0,
            "p_per_act_receptive_anal": 0.0, "p_per_act_insertive_anal": 0.0}
    model = make_model({"hiv": zero}, people_scale=SCALE, end_year=2006)
    model.run()
    table = tidy_from_model(model, replicate=0)
    assert (table[table["metric"] == "new_hiv_infections"]["value"] == 0).all()
    entrants = np.flatnonzero(model.pop.entry_year[: model.pop.n] > 2004.0)
    assert np.any(~np.isnan(model.pop.hiv_infected_year[entrants]))


# ---------------------------------------------------------------------------- STIs

NO_GONORRHOEA_SPREAD = {"stis": {"gonorrhoea": {
    "p_per_act_male_to_female": 0.0, "p_per_act_female_to_male": 0.0,
    "prevalence_at_entry": {"sex_workers": 0.0, "clients": 0.0,
                            "partners_of_sex_workers": 0.0, "partners_of_clients": 0.0},
}}}


def test_sti_clears_at_its_clear_year(make_model):
    model = make_model(NO_GONORRHOEA_SPREAD, people_scale=SCALE, end_year=2006)
    pop, k = model.pop, model.stis.names.index("gonorrhoea")
    n0 = pop.n
    clear = pop.sti_clear_year[:n0, k]
    # someone infected at the start who clears between weeks 5 and 20
    candidates = np.flatnonzero((clear > 2004 + 5 * DT_YEARS) & (clear < 2004 + 20 * DT_YEARS))
    assert candidates.size > 3
    uid = int(candidates[0])
    person = model.person(uid)
    while model.year < pop.sti_clear_year[uid, k]:
        assert "gonorrhoea" in person.stis
        assert pop.sti_infected(np.array([uid]), k, model.year)[0]
        model.step()
    assert "gonorrhoea" not in person.stis
    assert not pop.sti_infected(np.array([uid]), k, model.year)[0]


def test_sti_without_spread_or_entry_dies_out_as_infections_clear(make_model):
    model = make_model(NO_GONORRHOEA_SPREAD, people_scale=SCALE, end_year=2009)
    model.run()
    table = tidy_from_model(model, replicate=0)
    prev = table[(table["metric"] == "gonorrhoea_prevalence") & (table["group"] == "all")]
    new = table[table["metric"] == "new_gonorrhoea_infections"]
    assert (new["value"] == 0).all()
    values = prev.sort_values("year")["value"].to_numpy()
    assert np.all(np.diff(values) <= 0)
    # untreated durations 0.71 and 0.5 years: after 5 years ~ e^-7 of the start remain
    assert values[-1] < 0.002


@pytest.mark.parametrize("group,mean", [(SEX_WORKER, 0.71), (CLIENT, 0.5)],
                         ids=["female_sex_workers", "male_clients"])
def test_untreated_sti_durations_are_exponential_with_the_sex_specific_mean(make_model, group,
                                                                            mean):
    model = make_model({
        "sex_workers": {"gender": {"prop_female": 1.0, "prop_trans": 0.0, "prop_male": 0.0}},
        "stis": {"gonorrhoea": {"prop_symptomatic_treated": 0.0,
                                "initial_prevalence": {"sex_workers": 1.0, "clients": 0.5}}},
    }, people_scale=1.0)
    pop, k = model.pop, model.stis.names.index("gonorrhoea")
    uids = model.members[group]
    assert np.all(pop.gender[uids] == (FEMALE if group == SEX_WORKER else MALE))
    infected = uids[pop.sti_infected(uids, k, model.year)]
    dur = pop.sti_clear_year[infected, k] - pop.sti_infected_year[infected, k]
    # exponential: SE of the mean is mean / sqrt(n); allow 4 SE
    assert abs(dur.mean() - mean) < 4 * mean / math.sqrt(dur.size)
    # and the coefficient of variation of an exponential is 1 (SE ~ 1/sqrt(n) too)
    assert abs(dur.std() / dur.mean() - 1.0) < 4 * 1.2 / math.sqrt(dur.size)


def test_trans_and_male_sex_workers_sti_infections_are_rectal(make_model):
    # all their acts are receptive anal: starting infections take the rectal duration
    model = make_model({
        "sex_workers": {"gender": {"prop_female": 0.0, "prop_trans": 0.5, "prop_male": 0.5}},
        "stis": {"gonorrhoea": {"prop_symptomatic_treated": 0.0,
                                "dur_untreated_rectal_years": 0.2,
                                "initial_prevalence": {"sex_workers": 1.0}}},
    }, people_scale=1.0)
    pop, k = model.pop, model.stis.names.index("gonorrhoea")
    uids = model.members[SEX_WORKER]
    infected = uids[pop.sti_infected(uids, k, model.year)]
    dur = pop.sti_clear_year[infected, k] - pop.sti_infected_year[infected, k]
    assert abs(dur.mean() - 0.2) < 4 * 0.2 / math.sqrt(dur.size)


def test_an_sti_acquired_through_receptive_anal_sex_is_rectal(make_model):
    model = make_model({"stis": {"gonorrhoea": {"prop_symptomatic_treated": 0.0,
                                                "dur_untreated_rectal_years": 5.0}}},
                       people_scale=0.1)
    pop, k = model.pop, model.stis.names.index("gonorrhoea")
    uids = model.members[CLIENT][:400]
    pop.sti_infected_year[uids, k] = math.nan
    rectal = np.zeros(uids.size, dtype=bool)
    rectal[::2] = True
    model.stis.infect(model, k, uids, None, rectal)
    dur = pop.sti_clear_year[uids, k] - pop.sti_infected_year[uids, k]
    # rectal 5 years against men's genital 0.5: far apart
    assert dur[rectal].mean() > 3.0 and dur[~rectal].mean() < 1.0


def test_treated_sti_infections_end_after_the_treatment_delay(make_model):
    model = make_model({"stis": {"gonorrhoea": {
        "prop_symptomatic_female": 1.0, "prop_symptomatic_male": 1.0,
        "prop_symptomatic_treated": 1.0,
        "initial_prevalence": {"sex_workers": 1.0, "clients": 1.0}}}}, people_scale=0.2)
    pop, k = model.pop, model.stis.names.index("gonorrhoea")
    uids = np.concatenate([model.members[SEX_WORKER], model.members[CLIENT]])
    dur = pop.sti_clear_year[uids, k] - pop.sti_infected_year[uids, k]
    assert abs(dur.mean() - 0.04) < 4 * 0.04 / math.sqrt(dur.size)


# ---------------------------------------------------------------------------- Mesa views

def test_person_is_a_view_of_the_right_class_for_each_group(make_model):
    model = make_model(people_scale=0.1)
    for group, cls in ((SEX_WORKER, SexWorker), (CLIENT, Client),
                       (PARTNER_OF_SEX_WORKER, Partner), (PARTNER_OF_CLIENT, Partner)):
        uid = int(model.members[group][0])
        view = model.person(uid)
        assert type(view) is cls and view.uid == uid
        assert model.person(uid) is view


def test_views_is_an_agent_set_of_the_present_sex_workers(make_model):
    model = make_model(people_scale=0.1)
    step_weeks(model, 10)
    views = model.views(SEX_WORKER)
    assert isinstance(views, mesa.agent.AgentSet)
    present = model.pop.present(model.members[SEX_WORKER], model.year)
    assert sorted(v.uid for v in views) == sorted(present.tolist())
    assert all(isinstance(v, SexWorker) for v in views)


def test_views_agent_set_can_be_shuffled(make_model):
    model = make_model(people_scale=0.1)
    views = model.views(SEX_WORKER)
    assert len(views.shuffle()) == len(views)
