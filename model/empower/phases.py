"""The order of the model's week: the one place it is written.

:data:`PHASES` lists the week's phases in order: a process's name and the method of
it that runs. :meth:`empower.model.EmpowerModel.step` runs them in this order, the
model's docstring and docs/model.md are tested against it, and
:data:`PROCESSES` (the processes in order of first appearance) sets the order of
``init`` and of the output tables. Adding a process is one folder under
``processes/`` and one line here.

:data:`FACTORS` declares the structural factor columns that several processes write
in one week (the law starts them, mobilisation and violence multiply theirs in) and
that later phases read; the order of their writers is the order of their phases.
"""

from __future__ import annotations

from dataclasses import dataclass

from empower.core.process import Process
from empower.processes.cascade.process import Cascade
from empower.processes.clinics.process import Clinics
from empower.processes.demography.process import Demography
from empower.processes.hiv.process import HIV
from empower.processes.legal.process import Legal
from empower.processes.mobilisation.process import Mobilisation
from empower.processes.partnerships.process import Partnerships
from empower.processes.prep.process import Prep
from empower.processes.stis.process import STIs
from empower.processes.transmission.process import Transmission
from empower.processes.violence.process import Violence

__all__ = ["FACTORS", "PHASES", "PROCESSES", "SHARED_COLUMNS", "Phase", "phase_table",
           "processes_in"]


@dataclass(frozen=True)
class Phase:
    """One phase of the week: ``process.method(model)``, and what it does."""

    process: type[Process]
    method: str
    does: str

    @property
    def name(self) -> str:
        """``process.method``, as in logs and docs (``hiv.step``)."""
        return f"{self.process.name}.{self.method}"


PHASES: tuple[Phase, ...] = (
    Phase(Demography, "step", "people leave, sex workers pause, new people enter"),
    Phase(HIV, "step", "HIV at entry for the week's entrants; susceptible person-time"),
    Phase(STIs, "step", "STIs at entry for the week's entrants; infections that ended"),
    Phase(Legal, "step", "the regime in force; it starts the week's structural factors"),
    Phase(Mobilisation, "step", "community groups: budget, outreach, members, cohesion, "
          "empowerment, advocacy with police"),
    Phase(Violence, "step", "client, partner and police violence, arrest, confiscation"),
    Phase(Clinics, "step", "members' clinic visits: who is found with an STI"),
    Phase(STIs, "treat_found", "cure the infections found at the clinics"),
    Phase(Partnerships, "form_ties", "regular ties end and form; who forms an intimate "
          "partnership"),
    Phase(Demography, "add_intimate_partners", "the new intimate partners enter"),
    Phase(HIV, "seed_entrants", "HIV at entry for the new partners"),
    Phase(STIs, "seed_entrants", "STIs at entry for the new partners"),
    Phase(Partnerships, "contacts", "the week's contacts, acts and condom use"),
    Phase(Cascade, "step", "HIV testing, ART start, dropout, viral suppression"),
    Phase(Prep, "step", "PrEP: stop, start within funded slots, efficacy"),
    Phase(Transmission, "step", "HIV and STIs pass within the week's contacts"),
    Phase(HIV, "infect_new", "the week's new HIV infections: survival, HIV death"),
    Phase(STIs, "infect_new", "the week's new STI infections: symptoms, duration"),
)



def processes_in(phases: tuple[Phase, ...]) -> tuple[type[Process], ...]:
    """The processes of ``phases`` in order of first appearance (init and output order)."""
    return tuple(dict.fromkeys(p.process for p in phases))


#: The processes of PHASES in order of first appearance: the order of init and outputs.
PROCESSES: tuple[type[Process], ...] = processes_in(PHASES)

#: Structural factor columns: (column, what it multiplies). Written in PHASES order by
#: the processes that declare it in ``factors`` (the first sets it), read by those
#: that declare it in ``reads``.
FACTORS: tuple[tuple[str, str], ...] = (
    ("condom_odds_clients", "the odds of condom use with clients"),
    ("condom_odds_partner", "the odds of condom use with her intimate partner"),
    ("service_factor", "HIV testing, clinic visits and PrEP uptake"),
    ("hiv_testing_factor", "HIV testing (members' clinics)"),
    ("art_dropout_factor", "the rate of stopping ART"),
)


#: Population columns that several processes keep, each for its own part.
SHARED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("infections", "the infection index, one bit each (core/status_bits.py): hiv sets "
     "HAS_HIV, stis the STI bits"),
)


def phase_table() -> str:
    """The week as a Markdown table (docs/model.md holds a copy, tested equal)."""
    rows = ["| # | phase | what it does |", "| --- | --- | --- |"]
    rows += [f"| {i} | `{p.name}` | {p.does} |" for i, p in enumerate(PHASES, 1)]
    return "\n".join(rows)
