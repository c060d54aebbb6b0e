"""The ``empower`` command: exit codes, messages on user errors, never clobbering results."""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
from pathlib import Path

import empower
import pytest
from empower.cli import main
from empower.results import OUTPUT_FILES

REPO = Path(__file__).resolve().parents[1]
MYSORE = REPO / "seeds" / "mysore.toml"
STATUS_QUO = REPO / "scenarios" / "status_quo.toml"
SHORT = f'name = "short"\nsetting = "{MYSORE}"\nstart_year = 2004\nend_year = 2006\n'
SMALL_RUN = ["--replicates", "2", "--people-scale", "0.1", "--quiet"]


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """One small successful run through the CLI: (scenario file, out folder, code, stdout)."""
    root = tmp_path_factory.mktemp("cli_run")
    scenario = write(root / "short.toml", SHORT)
    out = root / "out"
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(["run", str(scenario), "--out", str(out), *SMALL_RUN])
    return scenario, out, code, stdout.getvalue()


@pytest.fixture()
def existing_results(finished_run, tmp_path):
    """A copy of a finished run's folder, and the scenario that made it."""
    scenario, out, _, _ = finished_run
    folder = tmp_path / "results"
    shutil.copytree(out, folder)
    return scenario, folder, snapshot(folder)


# ---------------------------------------------------------------------------- validate

def test_validate_of_the_repository_scenario_and_setting_exits_0(capsys):
    code = main(["validate", str(STATUS_QUO), str(MYSORE)])
    out, err = capsys.readouterr()
    assert code == 0
    assert err == ""
    assert f"{STATUS_QUO}: ok (scenario 'status_quo': setting 'mysore', 2004-2014)" in out
    assert f"{MYSORE}: ok (setting 'mysore': 2 STIs, 4 venue types)" in out


def test_validate_with_an_unknown_key_exits_2_and_names_the_key(tmp_path, capsys):
    bad = write(tmp_path / "bad.toml", SHORT + "[parameters.condom]\nprop_condom_one_of = 0.7\n")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "error: " in err
    assert "parameters.condom.prop_condom_one_of: unknown key" in err
    assert str(bad.resolve()) in err


def test_validate_with_a_probability_of_1_5_exits_2_and_names_the_key(tmp_path, capsys):
    bad = write(tmp_path / "bad.toml", SHORT + "[parameters.condom]\nprop_condom_one_off = 1.5\n")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "parameters.condom.prop_condom_one_off: 1.5 is outside the allowed range" in err


def test_validate_reports_problems_of_every_file_and_ok_for_the_good_ones(tmp_path, capsys):
    bad1 = write(tmp_path / "bad1.toml", SHORT + "colour = 1\n")
    bad2 = write(tmp_path / "bad2.toml", SHORT + "[parameters.hiv]\ndur_acute_years = -1\n")
    assert main(["validate", str(bad1), str(STATUS_QUO), str(bad2)]) == 2
    out, err = capsys.readouterr()
    assert f"{STATUS_QUO}: ok" in out
    assert len(err.strip().splitlines()) == 2
    assert "colour: unknown key" in err and "parameters.hiv.dur_acute_years" in err


def test_validate_of_a_missing_file_exits_2_saying_file_not_found(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nothing.toml")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_validate_user_error_in_a_subprocess_prints_no_traceback(tmp_path, child_env):
    bad = write(tmp_path / "bad.toml", SHORT + "[parameters.condom]\nprop_condom_one_off = 1.5\n")
    proc = subprocess.run([sys.executable, "-m", "empower.cli", "validate", str(bad)],
                          capture_output=True, text=True, timeout=120, env=child_env)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ")
    assert "parameters.condom.prop_condom_one_off" in proc.stderr


def test_run_with_a_bad_option_in_a_subprocess_prints_no_traceback(tmp_path, child_env):
    proc = subprocess.run([sys.executable, "-m", "empower.cli", "run", str(STATUS_QUO),
                           "--replicates", "0", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120, env=child_env)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "--replicates" in proc.stderr
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------- run

def test_small_run_exits_0_and_prints_a_summary_table(finished_run):
    _, out, code, stdout = finished_run
    assert code == 0
    assert "scenario short: 2 replicate(s), 2004-2006" in stdout
    header = next(line for line in stdout.splitlines() if line.startswith("metric"))
    assert header.split() == ["metric", "group", "2004", "2005"]
    for metric, group in [("population", "sex_workers"), ("hiv_prevalence", "clients"),
                          ("new_hiv_infections", "all"), ("condom_use", "one_off")]:
        assert any(line.split()[:2] == [metric, group] for line in stdout.splitlines())
    assert "wrote " + ", ".join(str(out / name) for name in OUTPUT_FILES) in stdout


def test_run_on_a_bad_scenario_exits_2_and_leaves_existing_results_byte_identical(
        existing_results, tmp_path, capsys):
    _, folder, before = existing_results
    bad = write(tmp_path / "bad.toml", SHORT + "[parameters.condom]\nprop_condom_one_off = 1.5\n")
    for extra in ([], ["--overwrite"]):
        code = main(["run", str(bad), "--out", str(folder), *SMALL_RUN, *extra])
        assert code == 2
        assert "parameters.condom.prop_condom_one_off" in capsys.readouterr().err
        assert snapshot(folder) == before


def test_run_refuses_to_overwrite_results_without_overwrite_and_leaves_them(
        existing_results, capsys):
    scenario, folder, before = existing_results
    code = main(["run", str(scenario), "--out", str(folder), *SMALL_RUN, "--seed", "7"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--out" in err and "--overwrite" in err and "results.parquet" in err
    assert snapshot(folder) == before


def test_run_refuses_when_only_one_result_file_is_there(tmp_path, capsys):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "run.json").write_text("{}")
    scenario = write(tmp_path / "short.toml", SHORT)
    assert main(["run", str(scenario), "--out", str(folder), *SMALL_RUN]) == 2
    assert "run.json" in capsys.readouterr().err
    assert snapshot(folder) == {"run.json": b"{}"}


def test_run_with_overwrite_replaces_existing_results(existing_results, capsys):
    scenario, folder, before = existing_results
    code = main(["run", str(scenario), "--out", str(folder), "--replicates", "1",
                 "--people-scale", "0.05", "--seed", "7", "--quiet", "--overwrite"])
    assert code == 0
    after = snapshot(folder)
    assert set(after) == set(before)
    assert after["results.csv"] != before["results.csv"]
    assert b'"seeds": [\n    7\n  ]' in after["run.json"]


@pytest.mark.parametrize(
    ("option", "value"),
    [("--replicates", "0"), ("--people-scale", "0"), ("--people-scale", "-1"),
     ("--people-scale", "nan"), ("--seed", "-1"), ("--workers", "0")],
)
def test_bad_run_option_exits_2_with_a_message_naming_the_option(option, value, tmp_path,
                                                                 capsys):
    out = tmp_path / "out"
    code = main(["run", str(STATUS_QUO), "--out", str(out), "--quiet", option, value])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {option}: ")
    assert value in err
    assert not out.exists()


def test_option_that_is_not_a_number_exits_2_naming_the_option(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", str(STATUS_QUO), "--replicates", "many"])
    assert info.value.code == 2
    assert "--replicates" in capsys.readouterr().err


def test_missing_command_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    assert "usage: empower" in capsys.readouterr().err


def test_version_option_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"empower {empower.__version__}"


def test_infinite_people_scale_exits_2_naming_the_option(tmp_path, capsys):
    scenario = write(tmp_path / "short.toml", SHORT)
    code = main(["run", str(scenario), "--out", str(tmp_path / "out"), "--quiet",
                 "--people-scale", "inf"])
    assert code == 2
    assert "--people-scale" in capsys.readouterr().err


def test_seed_too_large_for_the_streams_exits_2_naming_the_option(tmp_path, capsys):
    scenario = write(tmp_path / "short.toml", SHORT)
    code = main(["run", str(scenario), "--out", str(tmp_path / "out"), "--quiet",
                 "--people-scale", "0.05", "--seed", str(2**63)])
    assert code == 2
    assert "--seed" in capsys.readouterr().err


def test_out_that_is_an_existing_file_exits_2_naming_the_option(tmp_path, capsys):
    scenario = write(tmp_path / "short.toml", SHORT)
    target = write(tmp_path / "taken", "keep me")
    code = main(["run", str(scenario), "--out", str(target), "--quiet",
                 "--people-scale", "0.05"])
    assert code == 2
    assert "--out" in capsys.readouterr().err
    assert target.read_text() == "keep me"
