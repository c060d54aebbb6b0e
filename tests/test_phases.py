"""The process protocol and the PHASES table: the one place the week's order is written.

Proves that the model, its docstring and docs/model.md follow PHASES; that every
process declares what it owns, draws and hands on (checked against what a run does);
and that adding a process is one folder and one PHASES line.
"""

from __future__ import annotations

import re
import sys
import textwrap
import typing
from pathlib import Path

import numpy as np
from empower import phases
from empower.core.process import Process
from empower.core.stream_names import STREAMS
from empower.model import EmpowerModel
from empower.parameters import SettingParams
from empower.phases import FACTORS, PHASES, PROCESSES, SHARED_COLUMNS, Phase, phase_table
from empower.population import COLUMNS
from empower.process_docs import readme
from empower.rng import Streams
from empower.scenario import load_scenario
from empower.week import Week

ROOT = Path(__file__).resolve().parents[1]
SCALE = 0.1


def test_the_model_docstring_lists_the_phases_in_the_order_of_PHASES():
    listed = re.findall(r"^\s+\d+\. ``([a-z_]+\.[a-z_]+)``", EmpowerModel.__doc__, re.M)
    assert listed == [p.name for p in PHASES]


def test_docs_model_md_holds_the_phase_table_of_PHASES():
    assert phase_table() in (ROOT / "docs" / "model.md").read_text(encoding="utf-8")


def test_every_phase_is_a_method_of_its_process_and_every_process_has_a_folder():
    package = ROOT / "model" / "empower" / "processes"
    for phase in PHASES:
        assert callable(getattr(phase.process, phase.method, None)), phase.name
    for cls in PROCESSES:
        assert issubclass(cls, Process)
        folder = package / cls.name
        assert (folder / "process.py").is_file() and (folder / "README.md").is_file(), cls.name
        assert cls.__module__ == f"empower.processes.{cls.name}.process"


def test_every_parameter_section_is_declared_in_the_folder_of_the_first_process_using_it():
    sections = {name: field.annotation for name, field in SettingParams.model_fields.items()
                if name in {s for cls in PROCESSES for s in cls.sections}}
    first_user = {}
    for cls in PROCESSES:
        for section in cls.sections:
            first_user.setdefault(section, cls.name)
    for section, annotation in sections.items():
        section_class = typing.get_args(annotation)[-1] if typing.get_args(annotation) \
            else annotation
        assert section_class.__module__ == \
            f"empower.processes.{first_user[section]}.parameters", section
    # and every section of a setting belongs to some process
    assert set(SettingParams.model_fields) - set(sections) == {
        "name", "description", "burn_in_years"}


def test_each_process_folder_readme_is_the_one_made_from_its_declarations():
    """``python -m empower.process_docs`` writes them; run it after changing a process."""
    for cls in PROCESSES:
        path = ROOT / "model" / "empower" / "processes" / cls.name / "README.md"
        assert path.read_text(encoding="utf-8") == readme(cls), cls.name


def test_processes_are_in_order_of_first_appearance_in_PHASES():
    assert PROCESSES == tuple(dict.fromkeys(p.process for p in PHASES))
    assert len({cls.name for cls in PROCESSES}) == len(PROCESSES)


def test_every_population_column_has_one_owner():
    owners: dict[str, list[str]] = {}
    for cls in PROCESSES:
        for column in cls.columns:
            owners.setdefault(column, []).append(cls.name)
    for column, _ in (*FACTORS, *SHARED_COLUMNS):
        owners.setdefault(column, []).append("phases")
    assert {c.name for c in COLUMNS} == set(owners)
    assert {c: o for c, o in owners.items() if len(o) > 1} == {}


def test_every_factor_is_written_before_it_is_read():
    factor_names = {name for name, _ in FACTORS}
    first_phase = {cls: min(i for i, p in enumerate(PHASES) if p.process is cls)
                   for cls in PROCESSES}
    for name in factor_names:
        writers = [cls for cls in PROCESSES if name in cls.factors]
        readers = [cls for cls in PROCESSES if name in cls.reads]
        assert writers and readers, name
        last_write = max(i for i, p in enumerate(PHASES) if p.process in writers)
        for reader in readers:
            assert first_phase[reader] > last_write, (name, reader.name)
    for cls in PROCESSES:
        assert set(cls.factors) <= factor_names, cls.name


def test_every_declared_stream_is_in_the_registry_and_declared_by_one_process():
    declared = [s for cls in PROCESSES for s in cls.streams]
    assert len(declared) == len(set(declared))
    assert set(declared) <= set(STREAMS)
    assert set(STREAMS) - set(declared) == {s for s in STREAMS if s.startswith("survey.")}


class Trace:
    """Which process runs now, and what it draws and hands on (for the tests below)."""

    def __init__(self):
        self.process: str | None = None
        self.streams: dict[str, set[str]] = {}
        self.events: list[tuple[str | None, str, str]] = []  # (process, "set"/"get", product)


def traced_model(monkeypatch, trace: Trace, **kwargs) -> EmpowerModel:
    """A model whose processes' methods, streams and week products are traced."""
    products = set(Week.__dataclass_fields__)

    class TracedWeek(Week):
        def __setattr__(self, name, value):
            if name in products:
                trace.events.append((trace.process, "set", name))
            super().__setattr__(name, value)

        def __getattribute__(self, name):
            if name in products:
                trace.events.append((trace.process, "get", name))
            return super().__getattribute__(name)

    def traced(cls, method):
        original = getattr(cls, method)

        def run(self, model, *args, **kw):
            outer, trace.process = trace.process, cls.name
            try:
                return original(self, model, *args, **kw)
            finally:
                trace.process = outer
        return run

    for cls in PROCESSES:
        for method in {"init", *(p.method for p in PHASES if p.process is cls)}:
            monkeypatch.setattr(cls, method, traced(cls, method))
    for method in ("uniforms", "__getitem__"):
        original = getattr(Streams, method)

        def draw(self, name, *args, _original=original, **kw):
            trace.streams.setdefault(trace.process, set()).add(
                re.sub(r"^sti\.[^.]+\.", "sti.{sti}.", name))
            return _original(self, name, *args, **kw)
        monkeypatch.setattr(Streams, method, draw)
    monkeypatch.setattr("empower.site.Week", TracedWeek)
    return EmpowerModel(**kwargs)


def test_a_run_draws_only_the_streams_each_process_declares(scenario_file, monkeypatch):
    trace = Trace()
    scenario = load_scenario(scenario_file(None, end_year=2006))
    model = traced_model(monkeypatch, trace, scenario=scenario, seed=3, people_scale=SCALE)
    model.run()
    declared = {cls.name: set(cls.streams) for cls in PROCESSES}
    assert set(trace.streams) <= set(declared)
    for name, drawn in trace.streams.items():
        assert drawn <= declared[name], (name, drawn - declared[name])
    # the run exercised most of what is declared (a declaration that is never drawn
    # would be a stale one)
    assert sum(map(len, trace.streams.values())) >= 0.8 * sum(map(len, declared.values()))


def test_products_are_set_and_read_only_as_declared_and_set_before_read(scenario_file,
                                                                        monkeypatch):
    trace = Trace()
    scenario = load_scenario(scenario_file(None, end_year=2005))
    model = traced_model(monkeypatch, trace, scenario=scenario, seed=3, people_scale=SCALE)
    trace.events.clear()  # from here on: weeks only (init's products are checked below)
    model.step()
    model.step()
    by_name = {cls.name: cls for cls in PROCESSES}
    set_this_week: set[str] = set()
    for process, kind, product in trace.events:
        if process is None:  # the model starting a week
            set_this_week.clear()
            continue
        cls = by_name[process]
        if kind == "set":
            assert product in cls.publishes, (process, product)
            set_this_week.add(product)
        else:
            assert product in cls.publishes or product in cls.uses, (process, product)
            if product not in cls.publishes:
                assert product in set_this_week, (process, product)


def test_a_new_process_is_one_folder_and_one_line_in_PHASES(make_model, monkeypatch,
                                                           tmp_path):
    folder = tmp_path / "example_process"
    folder.mkdir()
    (folder / "__init__.py").write_text('"""A trivial example process."""\n')
    (folder / "process.py").write_text(textwrap.dedent('''
        """Counts the weeks sex workers work: a process with no randomness."""
        from empower.core.process import Process
        from empower.population import SEX_WORKER


        class WorkingWeeks(Process):
            name = "working_weeks"

            def __init__(self, model):
                self.weeks = 0

            def step(self, model):
                sw = model.members[SEX_WORKER]
                self.weeks += int(model.pop.working(sw, model.year).size)

            def record(self):
                return {("working_weeks", "sex_workers"): lambda m: float(self.weeks)}

            def reset_year(self):
                self.weeks = 0
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    from example_process.process import WorkingWeeks

    plain = make_model(people_scale=SCALE, end_year=2006)
    monkeypatch.setattr(phases, "PHASES",
                        (*PHASES, Phase(WorkingWeeks, "step", "count working weeks")))
    counted = make_model(people_scale=SCALE, end_year=2006)
    plain.run()
    counted.run()
    assert counted.working_weeks.weeks == 0  # reset after the last year was recorded
    before = plain.datacollector.get_model_vars_dataframe()
    after = counted.datacollector.get_model_vars_dataframe()
    weeks = after.pop("working_weeks|sex_workers")
    assert before.equals(after)  # nothing else changed
    # about 52 working weeks a year per sex worker present (fewer: pauses, arrests)
    ratio = weeks.to_numpy() / (52 * before["population|sex_workers"].to_numpy())
    assert np.all((ratio > 0.5) & (ratio <= 1.0 + 1e-9))
    sys.modules.pop("example_process.process", None)
    sys.modules.pop("example_process", None)
