"""empower init: a new city's setting and scenarios, copied, renamed, valid, never overwriting."""

from __future__ import annotations

from empower.cli import main
from empower.init_cli import TEMPLATES
from empower.scenario import load_scenario, load_setting


def test_init_writes_a_renamed_valid_setting_and_every_scenario_template(tmp_path, capsys):
    folder = tmp_path / "pune"
    assert main(["init", str(folder), "--name", "pune"]) == 0
    params, _ = load_setting(folder / "seeds" / "pune.toml")
    assert params.name == "pune"
    assert "STILL MYSORE'S" in (folder / "seeds" / "pune.toml").read_text()
    for name in TEMPLATES:
        sc = load_scenario(folder / "scenarios" / f"{name}.toml")
        assert sc.params.name == "pune" and sc.setting_path == folder / "seeds" / "pune.toml"
    assert "empower validate" in capsys.readouterr().out


def test_init_never_writes_into_a_folder_that_holds_files(tmp_path, capsys):
    (tmp_path / "keep.txt").write_text("mine")
    assert main(["init", str(tmp_path), "--name", "pune"]) == 2
    assert "init never overwrites" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_init_refuses_a_bad_name_or_an_unknown_source_setting(tmp_path, capsys):
    assert main(["init", str(tmp_path / "a"), "--name", "Pune City"]) == 2
    assert main(["init", str(tmp_path / "b"), "--name", "pune", "--from", "atlantis"]) == 2
    err = capsys.readouterr().err
    assert "--name: 'Pune City'" in err and "--from: no setting named 'atlantis'" in err
