"""The benchmark scripts run and print what docs/performance.md quotes from them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("extra", "expected"), [
    ([], ["process steps (s, share):", "Partnerships", "Violence", "alias_table"]),
    (["--cprofile", "3"], ["Ordered by: internal time", "tottime"]),
])
def test_profile_run_prints_its_breakdown(extra, expected, child_env):
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "profile_run.py"), "--people", "2000",
         *extra],
        capture_output=True, text=True, timeout=300, check=False, env=child_env)
    assert done.returncode == 0, done.stderr
    for text in expected:
        assert text in done.stdout, done.stdout


@pytest.mark.parametrize("script", ["mesa_contacts.py", "numba_contacts.py"])
def test_the_contact_process_benchmarks_run_a_year_of_weeks_and_report_hiv(script, child_env):
    import json

    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / script), "900", "1"],
                          capture_output=True, text=True, timeout=300, check=False,
                          env=child_env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["weeks"] == 52 and report["run_s"] > 0
    # about 20% of 100 sex workers and 2% of 800 clients at the start; nobody leaves
    assert 10 <= report["hiv_end"] <= 900


def test_side_by_side_reports_medians_and_ratios_round_by_round_and_records_once(tmp_path):
    sys.path.insert(0, str(REPO / "benchmarks"))
    from side_by_side import Run, record, report

    def run(wall, compute, people=1000, steps=10):
        return Run(wall, wall * 2, 100.0, {"run_s": compute, "people_start": people,
                                           "steps": steps})

    runs = {("empower", 10): [run(1.0, 0.5), run(2.0, 1.0)],
            ("stisim_hiv", 10): [run(3.0, 1.5), run(4.0, 2.0)],
            ("plain_mesa", 10): [run(10.0, 9.0), run(30.0, 19.0)],
            ("bare_numba", 10): [run(0.5, 0.1), run(0.5, 0.2)]}
    text = report(runs, [10], 20, 2, True, (1.0, 1.0, 1.0), (2.0, 2.0, 2.0))
    # STIsim/empower: 3/1 and 4/2 round by round, median 2.5
    assert "| STIsim / empower | 10 | 2.50 (2.00-3.00) |" in text
    assert "| plain Mesa / empower | 10 | 12.50 (10.00-15.00) |" in text
    assert "| empower / bare numba | 10 | 3.00 (2.00-4.00) |" in text
    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\nbefore\n")
    record(doc, text, "python benchmarks/run_benchmarks.py --compare")
    record(doc, text.replace("2.50", "9.99"), "python benchmarks/run_benchmarks.py --compare")
    written = doc.read_text()
    assert written.count("## Side by side") == 1 and "9.99" in written
    assert "2.50 (2.00" not in written and written.startswith("# Performance\n\nbefore\n")
