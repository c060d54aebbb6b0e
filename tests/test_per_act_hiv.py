"""One rule for every route's per-act HIV value: stage-averaged in the setting.

A setting's per-act values are averages over an untreated infection's stages (as
Boily et al. 2009's pooled estimates are); the kernels get each route's value divided
by one mean stage multiplier, so that the acute and late multipliers on top give back
the setting's value on average, whatever the route.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np
import pytest
from empower.core.transmission_kernels import hiv_transmission
from empower.processes.hiv.process import mean_stage_multiplier
from empower.processes.transmission import process as transmission
from test_transmission_kernels import hiv_people, run_hiv

REPO = Path(__file__).resolve().parents[1]
MYSORE = tomllib.loads((REPO / "seeds" / "mysore.toml").read_text())
STAGES = dict(survival_median_years=11.1, survival_weibull_shape=2.25, dur_acute_years=0.25,
              rr_acute=9.2, dur_late_years=0.75, rr_late=7.3, dur_terminal_years=0.83,
              rr_terminal=0.0)


def test_mean_stage_multiplier_is_exactly_one_without_stage_multipliers():
    assert mean_stage_multiplier(**{**STAGES, "rr_acute": 1.0, "rr_late": 1.0,
                                    "rr_terminal": 1.0}) == 1.0


def test_mean_stage_multiplier_weighs_each_stage_by_its_time():
    # 0.25 y at 9.2, 0.75 y at 7.3 and 0.83 y at 0 over a mean survival of 11.57 y:
    # about 1.511
    mean_survival = 13.066 * math.gamma(1 + 1 / 2.25)
    expected = 1 + (0.25 * 8.2 + 0.75 * 6.3 - 0.83) / mean_survival
    assert mean_stage_multiplier(**STAGES) == pytest.approx(expected, rel=2e-3)


def test_the_kernel_averaged_over_infected_time_transmits_the_stage_averaged_value():
    """Sources at uniform times through Weibull survivals, one act each: the kernel's
    per-act rate, weighted by survival (person-time), is p times the mean multiplier."""
    m, p = 200_000, 0.01
    rng = np.random.default_rng(5)
    scale = 11.1 / math.log(2.0) ** (1 / 2.25)
    survival = scale * rng.weibull(2.25, m)
    since = rng.uniform(0.0, 1.0, m) * survival
    people = hiv_people(2 * m)
    a = np.arange(0, 2 * m, 2, dtype=np.int64)
    b = a + 1
    people["infected_year"][b] = 2005.0 - since
    people["death_year"][b] = 2005.0 - since + survival
    people["sti_rr_susceptibility"][:] = 1.0
    people["sti_rr_infectiousness"][:] = 1.0
    contacts = (a, b, np.zeros(m, dtype=np.int64), np.ones(m, dtype=np.int64),
                np.zeros(m, dtype=np.int64), np.zeros(m, dtype=bool))
    flags = run_hiv(contacts, people, p_male_to_female=p, dur_terminal=0.83, rr_terminal=0.0)
    rate = np.average(flags == 1, weights=survival) / p
    se = math.sqrt(p * 1.6 / m) / p * 1.3  # binomial, inflated for the weights
    assert abs(rate - mean_stage_multiplier(**STAGES)) < 4 * se
    assert abs(rate - 1.0) > 10 * se  # the stages do raise it: the check can fail


def test_transmission_gives_the_kernel_every_route_over_the_same_stage_multiplier(
        make_model, monkeypatch):
    seen = {}

    def capture(*args):
        names = list(hiv_transmission.py_func.__code__.co_varnames[:len(args)])
        seen.update(zip(names, args, strict=True))
        return np.zeros(args[0].shape[0], dtype=np.int8)

    monkeypatch.setattr(transmission, "hiv_transmission", capture)
    model = make_model(end_year=2005)
    model.step()
    hp = model.params.hiv
    factor = mean_stage_multiplier(**{k: getattr(hp, k).value for k in STAGES})
    assert factor > 1.2
    for route in ("male_to_female", "female_to_male", "receptive_anal", "insertive_anal"):
        setting = getattr(hp, f"p_per_act_{route}").value
        assert seen[f"p_{route}"] == pytest.approx(setting / factor, rel=1e-12), route


def test_mysore_per_act_values_are_inside_boilys_ranges_and_not_their_lower_bounds():
    hiv = MYSORE["hiv"]
    # Boily et al. 2009: low-income M->F 0.30% (0.14-0.63), F->M 0.38% (0.13-1.10),
    # receptive anal 1.7% (0.3-8.9); the vaginal values are calibrated within them
    ranges = {"male_to_female": (0.0014, 0.0063), "female_to_male": (0.0013, 0.0110),
              "receptive_anal": (0.003, 0.089)}
    for route, (low, high) in ranges.items():
        value = hiv[f"p_per_act_{route}"]["value"]
        assert low < value < high, route
        assert "lower bound" not in hiv[f"p_per_act_{route}"]["source"]
    assert hiv["p_per_act_receptive_anal"]["value"] == 0.017


def test_mysore_switches_off_trans_and_male_sex_workers_until_they_are_sourced():
    gender = MYSORE["sex_workers"]["gender"]
    assert gender["prop_female"]["value"] == 1.0
    assert gender["prop_trans"]["value"] == gender["prop_male"]["value"] == 0.0
