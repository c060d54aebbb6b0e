"""Common random numbers: results are a function of the seed alone, and scenarios
that share a seed share every draw their differences do not touch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from empower.population import CLIENT, SEX_WORKER, Population
from empower.results import tidy_from_model
from empower.rng import Streams

SCALE = 0.3


def run_table(make_model, parameters=None, *, seed=1, **kwargs) -> pd.DataFrame:
    model = make_model(parameters, seed=seed, people_scale=SCALE, name="crn", **kwargs)
    model.run()
    return tidy_from_model(model, replicate=0)


# ---------------------------------------------------------------------------- whole runs

def test_same_seed_gives_identical_tables_from_separate_runs(make_model):
    first = run_table(make_model, seed=11)
    second = run_table(make_model, seed=11)
    pd.testing.assert_frame_equal(first, second)
    assert len(first) > 0 and first["value"].notna().any()


def test_results_do_not_depend_on_the_number_of_numba_threads(make_model):
    import numba

    threads = min(2, numba.config.NUMBA_NUM_THREADS)
    one = run_table(make_model, seed=5, threads=1)
    many = run_table(make_model, seed=5, threads=threads)
    pd.testing.assert_frame_equal(one, many)


def test_different_seeds_give_different_tables(make_model):
    a = run_table(make_model, seed=11)
    b = run_table(make_model, seed=12)
    assert (a["seed"] == 11).all() and (b["seed"] == 12).all()
    values = a["value"].to_numpy(), b["value"].to_numpy()
    differ = ~np.isclose(*values, equal_nan=True)
    # the seed decides nearly everything that is random: many metrics differ
    assert differ.sum() > len(a) // 4


@pytest.mark.parametrize("override", [
    {"condom": {"prop_condom_one_off": 0.65}},                         # the setting's value
    {"condom": {"prop_condom_one_off": {2010: 0.99}}},                 # starts after the end
    {"hiv": {"p_per_act_male_to_female": {"years": [2008, 2010], "values": [0.01, 0.02]}}},
], ids=["same_value", "step_after_end", "linear_after_end"])
def test_scenario_that_changes_nothing_reproduces_the_baseline_exactly(make_model, override):
    baseline = run_table(make_model)
    null = run_table(make_model, override)
    pd.testing.assert_frame_equal(baseline, null)


def test_scenario_changing_condom_use_from_2005_leaves_2004_identical_and_changes_later(
        make_model):
    baseline = run_table(make_model, end_year=2007)
    changed = run_table(make_model, {"condom": {"prop_condom_one_off": {2005: 0.95}}},
                        end_year=2007)
    key = ["year", "metric", "group"]
    pd.testing.assert_frame_equal(baseline[baseline["year"] == 2004].reset_index(drop=True),
                                  changed[changed["year"] == 2004].reset_index(drop=True))
    merged = baseline.merge(changed, on=key, suffixes=("_base", "_new"))
    later = merged[merged["year"] >= 2005]
    condom = later[(later["metric"] == "condom_use") & (later["group"] == "one_off")]
    assert (condom["value_new"] > condom["value_base"] + 0.2).all()
    infections = later[later["metric"].str.startswith("new_")]
    assert not np.allclose(infections["value_new"], infections["value_base"])


# ---------------------------------------------------------------------------- draws

def test_order_of_uids_does_not_change_anyones_draw():
    s = Streams(5)
    uids = np.arange(5000, dtype=np.int64)
    perm = np.random.default_rng(1).permutation(uids)
    base = s.uniforms("sw.volume", 17, uids, 1)
    permuted = s.uniforms("sw.volume", 17, perm, 1)
    np.testing.assert_array_equal(permuted, base[perm])
    # a subset gets the same numbers as in the full set
    np.testing.assert_array_equal(s.uniforms("sw.volume", 17, perm[:10], 1), base[perm[:10]])


def test_adding_people_to_a_population_changes_nobody_elses_draws():
    pop = Population(n_sti=1, capacity=16)
    s = Streams(3)
    old = pop.add(20, SEX_WORKER)
    before = s.uniforms("sw.age", 0, old)
    pop.add(1, CLIENT)
    pop.add(200, CLIENT)  # grows the table
    everyone = np.arange(pop.n, dtype=np.int64)
    np.testing.assert_array_equal(s.uniforms("sw.age", 0, everyone)[:20], before)


def test_one_more_sex_worker_leaves_existing_sex_workers_draws_unchanged(make_model):
    # 1000 and 1005 sex workers at scale 0.2: 200 and 201; sex workers get uids first
    small = make_model(people_scale=0.2)
    large = make_model({"population": {"n_sex_workers": 1005}}, people_scale=0.2)
    sw_small = small.members[SEX_WORKER]
    assert sw_small.size == 200 and large.members[SEX_WORKER].size == 201
    np.testing.assert_array_equal(sw_small, large.members[SEX_WORKER][:200])
    for name in ("gender", "venue", "one_off_clients_per_week", "regular_clients_target",
                 "birth_year", "entry_year", "exit_year", "death_year",
                 "hiv_infected_year", "hiv_death_year"):
        np.testing.assert_array_equal(getattr(small.pop, name)[sw_small],
                                      getattr(large.pop, name)[sw_small], err_msg=name)
