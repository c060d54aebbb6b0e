"""Result files of a run: the tidy table, its metadata, and reproducibility across workers."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import empower
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from empower.cli import main
from empower.experiment import replicate_seeds, run_replicates
from empower.output_folder import FolderRefused
from empower.results import OUTPUT_FILES, TIDY_COLUMNS, command_line, read_csv_exact, write_results
from empower.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
MYSORE = REPO / "seeds" / "mysore.toml"
SHORT = f'name = "short"\nsetting = "{MYSORE}"\nstart_year = 2004\nend_year = 2006\n'
YEARS = [2004, 2005]
REPLICATES = [0, 1]

REQUIRED = {
    "population": ["sex_workers", "clients", "partners"],
    "hiv_prevalence": ["sex_workers", "clients", "partners"],
    "hiv_incidence_per_100py": ["sex_workers", "clients", "partners"],
    "new_hiv_infections": ["sex_workers", "clients", "partners", "all"],
    "new_hiv_infections_by_route": [
        "client_to_sex_worker", "sex_worker_to_client", "client_to_partner",
        "partner_to_sex_worker", "sex_worker_to_partner", "partner_to_client",
    ],
    "gonorrhoea_prevalence": ["sex_workers", "clients"],
    "chlamydia_prevalence": ["sex_workers", "clients"],
    "condom_use": ["one_off", "regular_client", "intimate_partner", "client_partner"],
}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """The folder of a small CLI run: 2 replicates, seed 1, people scale 0.1, 2004-2006."""
    root = tmp_path_factory.mktemp("outputs")
    scenario = root / "short.toml"
    scenario.write_text(SHORT)
    out = root / "out"
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["run", str(scenario), "--out", str(out), "--replicates", "2",
                     "--people-scale", "0.1", "--quiet"])
    assert code == 0
    return out


@pytest.fixture(scope="module")
def table(run_dir):
    return pd.read_parquet(run_dir / "results.parquet")


def test_a_run_writes_exactly_the_four_output_files_and_no_temporary_files(run_dir):
    assert sorted(p.name for p in run_dir.iterdir()) == sorted(OUTPUT_FILES)
    assert set(OUTPUT_FILES) == {"results.parquet", "results.csv", "parameters.json",
                                 "run.json"}


def test_table_has_exactly_the_tidy_columns_in_order(table):
    assert list(table.columns) == TIDY_COLUMNS
    assert TIDY_COLUMNS == ["scenario", "replicate", "seed", "site", "year", "metric", "group",
                           "value"]


def test_table_column_types_are_integer_years_and_float_values(table):
    assert pd.api.types.is_integer_dtype(table["replicate"])
    assert pd.api.types.is_integer_dtype(table["seed"])
    assert pd.api.types.is_integer_dtype(table["year"])
    assert pd.api.types.is_float_dtype(table["value"])


def test_table_names_the_scenario_and_pairs_each_replicate_with_seed_base_plus_r(table):
    assert set(table["scenario"]) == {"short"}
    pairs = table[["replicate", "seed"]].drop_duplicates().sort_values("replicate")
    assert pairs.values.tolist() == [[0, 1], [1, 2]]


@pytest.mark.parametrize("metric", sorted(REQUIRED))
def test_table_contains_every_required_group_of_each_metric(table, metric):
    groups = set(table.loc[table["metric"] == metric, "group"])
    missing = set(REQUIRED[metric]) - groups
    assert not missing, f"{metric}: missing groups {sorted(missing)}"


def test_table_has_one_row_per_year_replicate_metric_and_group(table):
    counts = table.groupby(["replicate", "year", "metric", "group"]).size()
    assert (counts == 1).all()
    keys = table[["metric", "group"]].drop_duplicates()
    assert len(table) == len(keys) * len(YEARS) * len(REPLICATES)
    assert sorted(table["year"].unique()) == YEARS
    assert sorted(table["replicate"].unique()) == REPLICATES


def test_table_years_run_from_start_year_to_the_year_before_end_year(table):
    assert table["year"].min() == 2004
    assert table["year"].max() == 2005


def test_shares_lie_between_0_and_1_and_counts_are_whole_and_not_negative(table):
    shares = table[table["metric"].str.endswith("_prevalence") | (table["metric"] == "condom_use")]
    assert shares["value"].dropna().between(0, 1).all()
    counts = table[table["metric"].isin(["population", "new_hiv_infections",
                                          "new_hiv_infections_by_route"])]["value"]
    assert counts.notna().all()
    assert (counts >= 0).all()
    assert (counts == counts.round()).all()


def test_parquet_and_csv_hold_the_same_data(run_dir, table):
    csv = read_csv_exact(run_dir / "results.csv")
    assert list(csv.columns) == TIDY_COLUMNS
    pd.testing.assert_frame_equal(csv, table, check_dtype=False, check_exact=True)


def test_parquet_metadata_carries_the_run_and_the_resolved_parameters(run_dir):
    meta = pq.read_schema(run_dir / "results.parquet").metadata
    run = json.loads(meta[b"empower.run"])
    assert run["empower_version"] == empower.__version__
    assert run["seeds"] == [1, 2]
    params = json.loads(meta[b"empower.parameters"])
    assert params == json.loads((run_dir / "parameters.json").read_text())


def test_run_json_has_version_seeds_people_scale_and_libraries(run_dir):
    run = json.loads((run_dir / "run.json").read_text())
    assert run["empower_version"] == empower.__version__
    assert run["seeds"] == [1, 2]
    assert run["people_scale"] == 0.1
    assert run["scenario"] == "short"
    assert run["setting"] == "mysore"
    for library in ("python", "mesa", "numpy", "numba", "pandas"):
        assert run[library]
    assert run["elapsed_seconds"] >= 0


def test_run_json_names_the_commit_of_the_code_that_ran(run_dir):
    import subprocess
    run = json.loads((run_dir / "run.json").read_text())
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True,
                          text=True)
    if head.returncode != 0:  # not a checkout (an sdist or wheel): said so, not invented
        assert run["git"] == {"commit": None, "dirty": None}
    else:
        assert run["git"]["commit"] == head.stdout.strip()
        assert isinstance(run["git"]["dirty"], bool)


def test_run_json_holds_the_sha256_of_every_setting_and_scenario_file_read(run_dir):
    import hashlib
    run = json.loads((run_dir / "run.json").read_text())
    files = run["files_sha256"]
    scenario = load_scenario(run_dir.parent / "short.toml")
    assert set(files) == {str(f) for f in scenario.files} and len(files) >= 2
    for path, digest in files.items():
        assert digest == hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_parameters_json_is_the_resolved_scenario(run_dir):
    written = json.loads((run_dir / "parameters.json").read_text())
    scenario = load_scenario(run_dir.parent / "short.toml")
    assert written == scenario.resolved()
    assert written["parameters"]["condom"]["prop_condom_one_off"]["source"]


def test_write_results_refuses_existing_results_and_leaves_them(run_dir, tmp_path):
    scenario = load_scenario(run_dir.parent / "short.toml")
    table = pd.DataFrame({c: [] for c in TIDY_COLUMNS})
    first = write_results(table, tmp_path, scenario, {"n": 1})
    assert [p.name for p in first] == list(OUTPUT_FILES)
    before = (tmp_path / "run.json").read_bytes()
    with pytest.raises(FolderRefused, match="--overwrite"):
        write_results(table, tmp_path, scenario, {"n": 2})
    assert (tmp_path / "run.json").read_bytes() == before
    write_results(table, tmp_path, scenario, {"n": 3}, overwrite=True)
    assert json.loads((tmp_path / "run.json").read_text()) == {"n": 3}


# ---------------------------------------------------------------------------- replicates

def test_replicate_seeds_are_base_plus_replicate_index():
    assert replicate_seeds(10, 3) == [10, 11, 12]
    assert replicate_seeds(0, 1) == [0]


@pytest.mark.parametrize(("base", "n", "message"), [(1, 0, "at least one replicate"),
                                                    (-1, 2, "must not be negative")])
def test_replicate_seeds_rejects_no_replicates_and_negative_seeds(base, n, message):
    with pytest.raises(ValueError, match=message):
        replicate_seeds(base, n)


def test_results_are_identical_with_one_worker_and_with_two(tmp_path):
    path = tmp_path / "short.toml"
    path.write_text(SHORT)
    scenario = load_scenario(path)
    seeds = replicate_seeds(3, 2)
    one = run_replicates(scenario, seeds, people_scale=0.05, workers=1)
    two = run_replicates(scenario, seeds, people_scale=0.05, workers=2)
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    assert one["replicate"].drop_duplicates().tolist() == [0, 1]
    assert one["seed"].drop_duplicates().tolist() == [3, 4]
    # the two replicates are different runs, not copies
    a = one[one.replicate == 0]["value"].to_numpy()
    b = one[one.replicate == 1]["value"].to_numpy()
    assert not pd.Series(a).equals(pd.Series(b))


def test_a_burn_in_runs_before_the_first_reported_year_and_is_not_reported(make_model):
    model = make_model({"burn_in_years": 2}, people_scale=0.1, end_year=2006)
    assert model.start_year == 2002 and model.year == 2002.0
    assert model.n_steps == 4 * 52
    model.run()
    table = model.datacollector.get_model_vars_dataframe()
    assert list(table["year"]) == [2004, 2005]
    # the burn-in happened: people entered and were infected before 2004
    pop = model.pop
    assert np.nanmin(pop.entry_year[: pop.n]) < 2002.01
    assert np.any((pop.hiv_infected_year[: pop.n] > 2002) & (pop.hiv_infected_year[: pop.n] < 2004))


def test_a_released_model_is_freed_when_its_caller_drops_it(make_model):
    # Mesa's class-level agent ids kept every model alive (mesa/mesa#3179): a
    # calibration worker grew about 40 MB a run until it ran out of memory
    import gc
    import weakref

    model = make_model(people_scale=0.05, end_year=2005)
    model.run()
    ref = weakref.ref(model)
    model.release()
    del model
    gc.collect()
    assert ref() is None


@pytest.mark.parametrize("program", ["/opt/venv/bin/empower", "/src/model/empower/cli.py",
                                     "empower"])
def test_the_recorded_command_names_the_program_without_the_folder_it_lives_in(program):
    assert command_line([program, "run", "status_quo", "--out", "x"]) == (
        "empower run status_quo --out x")
