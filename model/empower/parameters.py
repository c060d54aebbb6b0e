"""The parameters of a setting: every process's section, put together.

Names carry units: ``rate_*_per_year`` (events per person-year), ``dur_*_years``
(mean durations), ``p_*_per_act`` (per-act probabilities), ``prop_*`` (proportions),
``rr_*`` (relative risks), ``*_per_week`` (counts per week). Rates and durations become
per-step probabilities in one place, :mod:`empower.units`.

Each section is declared in its process's folder (``processes/NAME/parameters.py``);
the value types (``Prob``, ``Rate``, ``Dur`` ...) and the section base are in
:mod:`empower.core.parameter_types`. This module adds what spans sections (the setting's
name, burn-in, the STI table and which venues each group covers). Nothing here imports
numba, so ``empower validate`` compiles no kernel.
"""

from __future__ import annotations

from pydantic import field_validator, model_validator

from empower.core.parameter_types import (
    Count,
    Dur,
    GroupValues,
    Positive,
    Prob,
    Rate,
    Section,
    constant,
)
from empower.core.status_bits import MAX_STIS
from empower.names import RESERVED_STIS, check_names, check_scenario_name
from empower.processes.cascade.parameters import CascadeParams
from empower.processes.demography.parameters import (
    ClientParams,
    PartnerParams,
    PopulationParams,
    SexWorkerParams,
)
from empower.processes.hiv.parameters import HIVParams
from empower.processes.legal.parameters import REGIMES, LegalParams
from empower.processes.mobilisation.parameters import SPENDING_ITEMS, MobilisationParams
from empower.processes.partnerships.parameters import CondomParams, PartnershipParams
from empower.processes.prep.parameters import PrepParams
from empower.processes.stis.parameters import STIParams
from empower.processes.violence.parameters import ViolenceParams

__all__ = [
    "SettingParams",
    "STIParams",
    "GroupValues",
    "Prob",
    "Rate",
    "Dur",
    "Count",
    "Positive",
    "REGIMES",
    "SPENDING_ITEMS",
]


class SettingParams(Section):
    """Everything that describes a place and period."""

    name: str
    description: str = ""
    burn_in_years: Count
    population: PopulationParams
    sex_workers: SexWorkerParams
    clients: ClientParams
    partners: PartnerParams
    partnerships: PartnershipParams
    condom: CondomParams
    hiv: HIVParams
    cascade: CascadeParams
    stis: dict[str, STIParams]
    legal: LegalParams
    violence: ViolenceParams
    mobilisation: MobilisationParams
    prep: PrepParams

    @field_validator("name")
    @classmethod
    def _safe_name(cls, name: str) -> str:
        return check_scenario_name(name, "a setting")

    @field_validator("stis")
    @classmethod
    def _sti_names(cls, stis: dict[str, STIParams]) -> dict[str, STIParams]:
        check_names(stis, "an STI", RESERVED_STIS)
        return stis

    @model_validator(mode="after")
    def _constant_burn_in(self) -> SettingParams:
        constant(self.burn_in_years, "burn_in_years")
        return self

    @model_validator(mode="after")
    def _sti_count(self) -> SettingParams:
        if len(self.stis) > MAX_STIS:
            raise ValueError(f"stis: at most {MAX_STIS} STIs are supported (one status bit each), "
                             f"got {len(self.stis)}")
        return self

    @model_validator(mode="after")
    def _group_venues(self) -> SettingParams:
        venues = set(self.sex_workers.venues)
        seen: dict[str, str] = {}
        for name, group in self.mobilisation.groups.items():
            for v in group.venues:
                if v not in venues:
                    raise ValueError(f"mobilisation.groups.{name}.venues: unknown venue {v!r}; "
                                     f"venues are {', '.join(self.sex_workers.venues)}")
                if v in seen:
                    raise ValueError(f"mobilisation.groups.{name}.venues: venue {v!r} is in two "
                                     f"groups ({seen[v]} and {name}); "
                                     "each venue type belongs to at most one group")
                seen[v] = name
        if len(self.mobilisation.groups) > 100:
            raise ValueError("mobilisation.groups: at most 100 community groups are allowed")
        return self
