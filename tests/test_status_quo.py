"""The shipped status-quo scenario stays plausible: Mysore's 2004 epidemic holds.

Bounds are plausibility bands around the Mysore 2004 survey (Reza-Paul et al. 2008:
HIV 26%, gonorrhoea 5%, chlamydia 11% among female sex workers), wide enough for
Monte Carlo noise at full size and narrow enough to catch a broken calibration
(see docs/calibration.md for the measured trajectories).

Issue 8 made the status quo's epidemic an outcome, not an input: per-act HIV values are
Boily's central values for every route, and condom use, violence and policing are
sized to surveys on behaviour only. HIV is no longer held near 26%: female sex workers'
prevalence rises to about 38% and clients' to about 14% by 2013 without a calibration
of the epidemic's own uncertain values (entrant prevalence, starting client prevalence,
per-act values within their ranges), which issue 8 still asks for. Until then the HIV
bands only catch a broken model (prevalence collapsing or exploding), 18-45% and 2-18%.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from empower.experiment import run_replicates
from empower.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]

BANDS = {
    ("hiv_prevalence", "sex_workers"): (0.18, 0.45),
    ("hiv_prevalence", "clients"): (0.02, 0.18),
    ("gonorrhoea_prevalence", "sex_workers"): (0.01, 0.10),
    ("chlamydia_prevalence", "sex_workers"): (0.04, 0.18),
}


@pytest.fixture(scope="module")
def status_quo_table():
    scenario = load_scenario(ROOT / "scenarios" / "status_quo.toml")
    return run_replicates(scenario, seeds=[1, 2], people_scale=1.0)


@pytest.mark.parametrize(("metric", "group"), list(BANDS), ids=lambda x: str(x))
def test_status_quo_prevalence_stays_in_its_plausible_band_every_year(
        status_quo_table, metric, group):
    low, high = BANDS[(metric, group)]
    rows = status_quo_table[(status_quo_table.metric == metric)
                            & (status_quo_table.group == group)]
    yearly = rows.groupby("year")["value"].mean()
    assert len(yearly) == 10
    assert yearly.between(low, high).all(), yearly.round(3).to_dict()


def test_status_quo_sex_worker_hiv_prevalence_starts_near_the_2004_survey(status_quo_table):
    rows = status_quo_table[(status_quo_table.metric == "hiv_prevalence")
                            & (status_quo_table.group == "sex_workers")
                            & (status_quo_table.year == 2004)]
    assert abs(rows["value"].mean() - 0.26) < 0.04


def test_status_quo_holds_group_sizes(status_quo_table):
    rows = status_quo_table[(status_quo_table.metric == "population")
                            & (status_quo_table.group == "sex_workers")]
    assert rows["value"].between(980, 1000).all()
