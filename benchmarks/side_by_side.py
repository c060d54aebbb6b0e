"""Side by side: empower's full model, STIsim's HIV model, plain Mesa and bare numba.

Used by ``python benchmarks/run_benchmarks.py --compare``. Steps:

1. Warm up each implementation once at the smallest size (numba's caches, STIsim's
   first import), uncounted.
2. For each round (``--repeats``), for each size, run in turn, each in a fresh
   process: empower's full model (``benchmarks/scenario_20y.toml``, weekly), STIsim's
   HIV model with its defaults (``stisim_hiv.py``, monthly), and at the smallest size
   the plain Mesa and bare numba contact process (``mesa_contacts.py``,
   ``numba_contacts.py``), all over the same years. Alternating this way, a change in
   the machine's speed hits every implementation alike.
3. Per run, the whole process's wall time, CPU time (user + system) and peak memory
   from the operating system (``os.wait4``), and the compute time the child reports
   (its steps, after building; warm: empower runs a small population for 60 weeks
   first and the numba kernel is called once on a tiny one, so neither counts loading
   or compiling kernels).
4. Medians per implementation and size; ratios as medians of the ratios within a round;
   empower's compute time per person-step at each size against the smallest; the
   load average before and after, and the machine.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass
class Run:
    """One finished child process."""

    wall_s: float
    cpu_s: float
    peak_mib: float
    report: dict


def measure(argv: list[str]) -> Run:
    """Run ``argv`` to its end: its wall and CPU time, peak memory and JSON report.

    The child's own resource use comes from ``os.wait4`` (user and system time, and the
    peak resident memory of that process alone).
    """
    env = {**os.environ, "STARSIM_INSTALL_FONTS": "0"}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        child = subprocess.Popen(argv, stdout=out, stderr=err, text=True, env=env)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - t0
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({child.returncode}):\n"
                               f"{err.read()[-2000:]}")
        report = json.loads(out.read().strip().splitlines()[-1])
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0, report)


def commands(empower_child: str, scenario: Path, unit_people: float, size: int,
             years: int, smallest: bool, stisim: bool) -> dict[str, list[str]]:
    """The command of each implementation at ``size`` people."""
    py = sys.executable
    out = {"empower": [py, "-c", empower_child, str(scenario), repr(size / unit_people),
                       str(years), "warm"]}
    if stisim:
        out["stisim_hiv"] = [py, str(HERE / "stisim_hiv.py"), str(size), str(years)]
    if smallest:
        out["plain_mesa"] = [py, str(HERE / "mesa_contacts.py"), str(size), str(years)]
        out["bare_numba"] = [py, str(HERE / "numba_contacts.py"), str(size), str(years)]
    return out


def has_stisim() -> bool:
    try:
        version("stisim")
    except PackageNotFoundError:
        return False
    return True


def machine() -> str:
    libs = []
    for name in ("numpy", "numba", "mesa", "stisim", "starsim"):
        try:
            libs.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            pass
    cpu = platform.processor() or platform.machine()
    return (f"{platform.system()} {platform.machine()} ({cpu}), {os.cpu_count()} cores, "
            f"Python {platform.python_version()}; {', '.join(libs)}")


def compare(empower_child: str, scenario: Path, unit_people: float, sizes: list[int],
            years: int, repeats: int) -> str:
    """Run the comparison; return its report as Markdown."""
    stisim = has_stisim()
    load_before = os.getloadavg()
    smallest = min(sizes)
    for argv in commands(empower_child, scenario, unit_people, smallest, 1, True,
                         stisim).values():
        measure(argv)  # warm-up
    runs: dict[tuple[str, int], list[Run]] = {}
    for _ in range(repeats):
        for size in sorted(sizes):
            for name, argv in commands(empower_child, scenario, unit_people, size, years,
                                       size == smallest, stisim).items():
                runs.setdefault((name, size), []).append(measure(argv))
                print(f"  {name} {size:,}: {runs[name, size][-1].wall_s:.1f} s",
                      file=sys.stderr)
    load_after = os.getloadavg()
    return report(runs, sizes, years, repeats, stisim, load_before, load_after)


def _ratio_row(label: str, size: int, a: list[Run], b: list[Run]) -> str:
    """A table row of a/b, round by round (median, then range): wall, CPU and compute."""
    def spread(figure, digits: int) -> str:
        r = [figure(x) / figure(y) for x, y in zip(a, b, strict=True)]
        return f"{statistics.median(r):.{digits}f} ({min(r):.{digits}f}-{max(r):.{digits}f})"

    return (f"| {label} | {size:,} | {spread(lambda r: r.wall_s, 2)} | "
            f"{spread(lambda r: r.cpu_s, 2)} | {spread(lambda r: r.report['run_s'], 1)} |")


def report(runs: dict[tuple[str, int], list[Run]], sizes: list[int], years: int,
           repeats: int, stisim: bool, load_before, load_after) -> str:
    med = statistics.median
    lines = [f"{repeats} round(s), {years} years; machine: {machine()}; load average "
             f"(1, 5, 15 min) {', '.join(f'{x:.2f}' for x in load_before)} before, "
             f"{', '.join(f'{x:.2f}' for x in load_after)} after.", "",
             "| implementation | people | steps | wall s | compute s | CPU s | peak MiB |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for (name, size), rs in sorted(runs.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        steps = rs[0].report.get("steps", rs[0].report.get("weeks", ""))
        lines.append(f"| {name} | {size:,} | {steps} | {med(r.wall_s for r in rs):.2f} | "
                     f"{med(r.report['run_s'] for r in rs):.2f} | "
                     f"{med(r.cpu_s for r in rs):.2f} | {med(r.peak_mib for r in rs):.0f} |")
    lines += ["", "| ratio | people | wall | CPU | compute |",
              "| --- | ---: | ---: | ---: | ---: |"]
    if stisim:
        lines += [_ratio_row("STIsim / empower", size, runs["stisim_hiv", size],
                             runs["empower", size]) for size in sorted(sizes)]
    smallest = min(sizes)
    e = runs["empower", smallest]
    lines.append(_ratio_row("plain Mesa / empower", smallest, runs["plain_mesa", smallest], e))
    lines.append(_ratio_row("empower / bare numba", smallest, e, runs["bare_numba", smallest]))
    lines += ["", "| empower | people at start | ns per person-step | against the smallest |",
              "| --- | ---: | ---: | ---: |"]
    per = {}
    for size in sorted(sizes):
        rs = runs["empower", size]
        per[size] = med(r.report["run_s"] / (r.report["people_start"] * r.report["steps"])
                        for r in rs) * 1e9
        lines.append(f"| {size:,} | {rs[0].report['people_start']:,} | {per[size]:.0f} | "
                     f"{per[size] / per[smallest]:.2f} |")
    if not stisim:
        lines += ["", "STIsim is not installed (`pip install -e \".[bench]\"`): its rows "
                  "are left out."]
    return "\n".join(lines)


MARK_BEGIN = "<!-- side-by-side: written by benchmarks/run_benchmarks.py --compare --record -->"
MARK_END = "<!-- end of side-by-side -->"


def record(doc: Path, text: str, command: str) -> None:
    """Put the report in ``doc`` between the markers (appended the first time)."""
    block = (f"{MARK_BEGIN}\n\n    {command}\n\n{text}\n\n{MARK_END}")
    old = doc.read_text() if doc.exists() else ""
    if MARK_BEGIN in old and MARK_END in old:
        head, rest = old.split(MARK_BEGIN, 1)
        new = head + block + rest.split(MARK_END, 1)[1]
    else:
        new = old.rstrip("\n") + ("\n\n## Side by side: empower, STIsim, plain Mesa, bare "
                                  "numba\n\n" if old else "") + block + "\n"
    doc.write_text(new)
