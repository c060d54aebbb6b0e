"""A community group's rules on their own: money, need, allocation, cohesion, reach."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from empower.processes.mobilisation import rules
from empower.units import DT_YEARS

COSTS = SimpleNamespace(cost_outreach_worker_usd_per_year=1200.0, cost_clinic_visit_usd=5.0,
                        cost_condoms_usd_per_member_per_year=10.0,
                        cost_prep_usd_per_person_year=60.0,
                        cost_crisis_response_usd_per_case=40.0)
PRIORITY = ("outreach", "clinic", "condoms", "prep", "crisis_response")


def test_income_scales_donor_and_government_money_but_not_self_generated_income():
    income = rules.income_usd_per_year(1000.0, 500.0, 2.0, members=100, cohesion=0.5,
                                       people_scale=0.1)
    assert income == {"donor": 100.0, "government": 50.0, "self_generated": 100.0}


def test_spendable_money_is_income_plus_money_in_hand_spread_over_the_weeks_left():
    # 52 weeks left: in hand beyond this week's income is spread over the year
    assert rules.spendable_usd_per_year(520.0, 10.0 + 520.0 * DT_YEARS, 52) == pytest.approx(
        520.0 + 10.0 / (52 * DT_YEARS))
    # in the year's last weeks, money in hand is spread over a quarter, not one week
    late = rules.spendable_usd_per_year(0.0, 130.0, 2)
    assert late == pytest.approx(130.0 / (rules.REPLANNING_HORIZON_WEEKS * DT_YEARS))
    assert rules.spendable_usd_per_year(0.0, -50.0, 20) == 0.0  # overspent: nothing


def test_need_is_costed_for_actual_members_and_the_targets_workers():
    need = rules.need_usd_per_year(members=100, target_members=600.0, people_per_worker=60.0,
                                   rate_clinic_visit_per_year=4.0, prop_members_prep_target=0.5,
                                   cases_per_member_year=0.3, prop_crisis_response_reach=0.8,
                                   costs=COSTS)
    assert need == pytest.approx({"outreach": 10 * 1200.0, "clinic": 100 * 4 * 5.0,
                                  "condoms": 100 * 10.0, "prep": 50 * 60.0,
                                  "crisis_response": 100 * 0.3 * 0.8 * 40.0})


def test_allocation_follows_the_priority_until_the_money_runs_out():
    need = {"outreach": 100.0, "clinic": 50.0, "condoms": 30.0, "prep": 0.0,
            "crisis_response": 20.0}
    allocated = rules.allocate(need, 160.0, ("clinic", "outreach", "condoms", "prep",
                                             "crisis_response"))
    assert allocated == {"outreach": 100.0, "clinic": 50.0, "condoms": 10.0, "prep": 0.0,
                         "crisis_response": 0.0}
    assert list(allocated) == list(need)  # need's order, whatever the priority
    shares = rules.funded_shares(need, allocated)
    assert shares == {"outreach": 1.0, "clinic": 1.0, "condoms": pytest.approx(1 / 3),
                      "prep": 1.0, "crisis_response": 0.0}
    assert rules.funded_fraction(need, allocated) == pytest.approx(160.0 / 200.0)
    assert rules.funded_fraction(dict.fromkeys(need, 0.0), dict.fromkeys(need, 0.0)) == 1.0


def test_services_are_the_funded_shares_of_workers_and_prep_slots():
    workers, support, slots = rules.outreach_services(
        {"outreach": 0.5, "prep": 0.25}, target_members=600.0, members=100,
        people_per_worker=60.0, prop_members_prep_target=0.4)
    assert (workers, slots) == pytest.approx((5.0, 10.0))
    assert support == 1.0  # 5 workers x 60 > 100 members
    assert rules.outreach_services({"outreach": 1.0, "prep": 1.0}, 600.0, 0, 60.0, 0.4)[1] == 0.0


def test_expected_cases_use_last_years_rate_once_there_is_one():
    assert rules.expected_cases_per_member_year(None, 0.2, 0.1, 0.3, 2.0) == pytest.approx(0.9)
    assert rules.expected_cases_per_member_year(0.05, 0.2, 0.1, 0.3, 2.0) == 0.05


@pytest.mark.parametrize(("coverage", "funded", "policing", "direction"), [
    (0.8, 1.0, 0.0, "up"),     # organising, funded, no repression: cohesion grows
    (0.0, 0.0, 2.0, "down"),   # no members, no money, repression: it falls
])
def test_cohesion_grows_with_coverage_and_falls_with_repression_and_cuts(coverage, funded,
                                                                         policing, direction):
    after = rules.cohesion_step(0.5, coverage, funded, 1.0, policing, 0.5, 0.2, 0.3, DT_YEARS)
    assert (after > 0.5) if direction == "up" else (after < 0.5)


def test_cohesion_stays_within_zero_and_one():
    assert rules.cohesion_step(0.99, 1.0, 1.0, 1.0, 0.0, 100.0, 0.0, 0.0, 1.0) == 1.0
    assert rules.cohesion_step(0.01, 0.0, 0.0, 1.0, 5.0, 0.0, 100.0, 100.0, 1.0) == 0.0


def test_only_unspent_money_is_carried_over():
    assert rules.carried_over_usd(200.0, 0.5) == 100.0
    assert rules.carried_over_usd(-30.0, 0.5) == 0.0


def test_recruitment_saturates_as_coverage_nears_the_outreach_reach():
    rate = 2.0
    # 5 workers x 60 reach 300 of 1000 covered (reach 0.3)
    assert rules.join_rate_per_year(rate, 5.0, 60.0, 1000, 0.0) == pytest.approx(0.6)
    assert rules.join_rate_per_year(rate, 5.0, 60.0, 1000, 0.3) == 0.0
    assert rules.join_rate_per_year(rate, 5.0, 60.0, 1000, 0.5) == 0.0  # beyond reach
    assert rules.join_rate_per_year(rate, 0.0, 60.0, 1000, 0.0) == 0.0  # no workers
    assert rules.join_rate_per_year(rate, 5.0, 60.0, 0, 0.0) == 0.0  # nobody covered


def test_advocacy_lowers_policing_with_cohesion_and_coverage():
    assert rules.local_policing(2.0, 0.5, 1.0, 1.0) == 1.0
    assert rules.local_policing(2.0, 0.5, 0.0, 1.0) == 2.0


def test_community_norms_reach_only_a_founded_groups_sex_workers():
    assert rules.community_condom_odds(4.0, 0.5, 1.0, founded=True) == pytest.approx(2.0)
    assert rules.community_condom_odds(4.0, 0.5, 1.0, founded=False) == 1.0
