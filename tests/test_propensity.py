"""Person-level condom-use propensity: the mean over sex workers stays the setting's value."""

from __future__ import annotations

import math

import numpy as np
import pytest
from empower.core.odds_kernels import odds_times, odds_times_propensity
from empower.propensity import base_for_mean, mean_for_base
from kernel_testing import both, f64, i64


def expit(x):
    return 1.0 / (1.0 + np.exp(-x))


@pytest.mark.parametrize("mean", [0.05, 0.53, 0.65, 0.9])
@pytest.mark.parametrize("sd", [0.5, 2.5, 4.0])
def test_the_base_gives_the_settings_mean_over_a_normal_propensity(mean, sd):
    base = base_for_mean(mean, sd)
    z = np.random.default_rng(1).standard_normal(400_000)
    sampled = expit(math.log(base / (1 - base)) + sd * z).mean()
    assert sampled == pytest.approx(mean, abs=0.002)
    assert mean_for_base(base, sd) == pytest.approx(mean, abs=1e-9)


def test_the_base_is_the_mean_itself_without_spread_or_at_zero_and_one():
    assert base_for_mean(0.65, 0.0) == 0.65
    assert base_for_mean(0.0, 2.5) == 0.0 and base_for_mean(1.0, 2.5) == 1.0


def test_spread_pulls_the_base_away_from_the_mean_towards_its_own_side():
    assert base_for_mean(0.65, 2.5) > 0.65 and base_for_mean(0.07, 2.5) < 0.07


def test_odds_times_propensity_compiled_equals_py_func_and_is_odds_times_without_spread():
    factor = f64(1.0, 2.0, 0.5, 0.0, 3.0)
    z = f64(0.0, 1.0, -1.0, 2.0, -0.3)
    uids = i64(4, 0, 1, 2, 3)
    c, p = both(odds_times_propensity, 0.6, factor, 1.0, z, 1.5, uids)
    np.testing.assert_allclose(c, p)
    m = factor[uids] * np.exp(1.5 * z[uids])
    np.testing.assert_allclose(c, 0.6 * m / (1 - 0.6 + 0.6 * m))
    plain = odds_times(0.6, factor[uids])
    np.testing.assert_array_equal(odds_times_propensity(0.6, factor, 1.0, z, 0.0, uids),
                                  plain)


def test_odds_times_propensity_takes_the_power_of_the_structural_factor_only():
    factor = f64(1.0, 4.0, 0.25, 9.0)
    z = f64(0.5, 1.0, -1.0, 0.0)
    uids = i64(3, 0, 1, 2)
    c, p = both(odds_times_propensity, 0.4, factor, 0.5, z, 2.0, uids)
    np.testing.assert_allclose(c, p)
    m = np.sqrt(factor[uids]) * np.exp(2.0 * z[uids])
    np.testing.assert_allclose(c, 0.4 * m / (1 - 0.4 + 0.4 * m))
    no_reach = odds_times_propensity(0.4, factor, 0.0, z, 0.0, uids)
    np.testing.assert_array_equal(no_reach, np.full(4, 0.4))


def test_sex_workers_differ_in_condom_use_so_some_protect_every_act_in_a_month(make_model):
    """With the setting's spread, a sex worker's chance with one-off clients ranges from
    nearly never to nearly always; a coin flip per act at the mean gives everyone 65%."""
    model = make_model(people_scale=1.0, end_year=2005)
    model.step()
    sw = model.members[0]
    p = model.partnerships.condom_probability(model, sw, 0)
    assert np.mean(p > 0.97) > 0.15 and np.mean(p < 0.3) > 0.1
    assert abs(np.mean(p) - 0.65) < 0.04
