"""``empower validate`` checks a file without numba, pandas or the model.

Importing a kernel module compiles its kernels when numba's cache is empty (20-30 s),
so validation must not import one; nor does it need pandas, pyarrow or Mesa. Each test
runs in a fresh interpreter, so what it imports is all its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numba", "pandas", "pyarrow", "mesa", "scipy")

_PROBE = """
import json, sys
from empower.cli import main
code = main(["validate", *sys.argv[1:]])
print(json.dumps({"code": code, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def _validate_in_fresh_interpreter(*files: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _PROBE, *map(str, files)],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_validate_of_a_scenario_and_a_setting_imports_no_heavy_module():
    probe = _validate_in_fresh_interpreter(ROOT / "scenarios/status_quo.toml",
                                           ROOT / "seeds/mysore.toml")
    assert probe["code"] == 0
    assert not set(HEAVY) & set(probe["modules"]), probe["modules"]


def test_validate_of_a_bad_file_imports_no_heavy_module(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\nsetting = "nowhere.toml"\n')
    probe = _validate_in_fresh_interpreter(bad)
    assert probe["code"] == 2
    assert not set(HEAVY) & set(probe["modules"]), probe["modules"]


def test_parameters_and_scenarios_import_no_numba():
    code = ("import sys, empower.parameters, empower.scenario; "
            "print(int(any(m.split('.')[0] == 'numba' for m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.strip() == "0"
