"""Experiment files: which scenarios, which parameter values, how many replicates.

An experiment file (TOML, validated: every problem is named with the file and key)
describes a sweep (``empower sweep``) or a sensitivity analysis (``empower
sensitivity``)::

    name = "scale_up_options"
    scenarios = ["status_quo", "../scenarios/scale_up.toml"]  # names or paths
    replicates = 5
    seed = 1
    posterior = false          # true: the posterior stored beside the setting
    people_scale = 1.0

    [design]
    method = "grid"            # grid, lhs (Latin hypercube), sobol (scrambled), or for
                               # empower sensitivity: morris or saltelli (SALib)
    samples = 16               # points, for lhs and sobol
    seed = 7                   # the sample's own seed

    [[parameters]]
    name = "mobilisation.coverage_target"
    values = [0.3, 0.5, 0.8]   # grid
    [[parameters]]
    name = "legal.regimes.partial.policing_intensity"
    low = 0.5                  # lhs and sobol: a range
    high = 2.0
    scale = "log"

    [outcome]                  # what a sensitivity analysis explains
    metric = "new_hiv_infections"
    group = "all"
    years = [2009, 2013]       # summed over these years, inclusive

Design points are override sets (:meth:`empower.scenario.Scenario.with_overrides`);
every scenario runs at every point, every point with the same replicate seeds.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

__all__ = ["SweepParameter", "Design", "Outcome", "ExperimentFile", "load_experiment",
           "design_points"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SweepParameter(_Strict):
    """One parameter the experiment varies: listed values (grid) or a range.

    Grid values are what a scenario file could hold: a number, a name (a legal
    regime) or a timeline (``{years = [2005, 2009], values = [0.3, 0.8]}``).
    """

    name: str
    values: list[float | str | dict[str, Any]] | None = None
    low: float | None = None
    high: float | None = None
    scale: Literal["linear", "log"] = "linear"

    @model_validator(mode="after")
    def _given(self) -> SweepParameter:
        if self.values is not None:
            if not self.values or not all(math.isfinite(v) for v in self.values
                                          if isinstance(v, float | int)):
                raise ValueError("values: a non-empty list of finite numbers, names or "
                                 "timelines")
            if self.low is not None or self.high is not None:
                raise ValueError("give values, or low and high, not both")
            return self
        if self.low is None or self.high is None:
            raise ValueError("give values (a grid), or low and high (a range)")
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.scale == "log" and self.low <= 0:
            raise ValueError("a log scale needs low above 0")
        return self


class Design(_Strict):
    """How parameter values are combined into design points."""

    method: Literal["grid", "lhs", "sobol", "morris", "saltelli"] = "grid"
    samples: int = 16
    seed: int = 1

    @model_validator(mode="after")
    def _positive(self) -> Design:
        if self.samples < 1:
            raise ValueError(f"samples: at least 1, got {self.samples}")
        return self


class Outcome(_Strict):
    """The output a sensitivity analysis explains: a metric summed over years."""

    metric: str = "new_hiv_infections"
    group: str = "all"
    years: list[int] | None = None  # [first, last], inclusive; None: every reported year


class ExperimentFile(_Strict):
    """A sweep or sensitivity analysis: scenarios, a design, replicates."""

    name: str
    description: str = ""
    scenarios: list[str]
    replicates: int = 1
    seed: int = 1
    posterior: bool | str = False
    people_scale: float = 1.0
    design: Design = Design()
    parameters: list[SweepParameter] = []
    outcome: Outcome = Outcome()

    @model_validator(mode="after")
    def _consistent(self) -> ExperimentFile:
        if not self.scenarios:
            raise ValueError("scenarios: name at least one scenario")
        if self.replicates < 1:
            raise ValueError(f"replicates: at least 1, got {self.replicates}")
        if not (self.people_scale > 0 and math.isfinite(self.people_scale)):
            raise ValueError(f"people_scale: a finite number above 0, got {self.people_scale}")
        names = [p.name for p in self.parameters]
        if dupes := sorted({n for n in names if names.count(n) > 1}):
            raise ValueError(f"parameters: each once; repeated: {', '.join(dupes)}")
        grid = self.design.method == "grid"
        for p in self.parameters:
            if grid and p.values is None:
                raise ValueError(f"parameters: {p.name}: a grid needs values")
            if not grid and p.values is not None:
                raise ValueError(f"parameters: {p.name}: a {self.design.method} design "
                                 "needs low and high, not values")
        if not grid and not self.parameters:
            raise ValueError(f"a {self.design.method} design needs parameters")
        return self


def load_experiment(path: Path | str) -> ExperimentFile:
    """Read and validate an experiment file.

    Raises:
        ConfigError: Naming the file, the key and what is allowed.
    """
    from empower.toml_input import load_toml_model

    return load_toml_model(path, ExperimentFile)


def _scaled(unit: float, p: SweepParameter) -> float:
    if p.scale == "log":
        value = math.exp(math.log(p.low) + unit * (math.log(p.high) - math.log(p.low)))
    else:
        value = p.low + unit * (p.high - p.low)
    return float(min(max(value, p.low), p.high))  # no rounding outside the range


def design_points(spec: ExperimentFile) -> list[dict[str, Any]]:
    """The override set of every design point, in a fixed order.

    ``grid``: every combination of the listed values (the last parameter varies
    fastest); ``lhs`` and ``sobol``: ``samples`` points from scipy's Latin hypercube or
    scrambled Sobol sequence with the design's seed, mapped onto each range;
    ``morris`` and ``saltelli``: SALib's samples (:mod:`empower.sensitivity`). With no
    parameters: one point with no overrides.
    """
    params = spec.parameters
    if not params:
        return [{}]
    if spec.design.method == "grid":
        return [dict(zip((p.name for p in params), combo, strict=True))
                for combo in itertools.product(*(p.values for p in params))]
    if spec.design.method in ("morris", "saltelli"):
        from empower.sensitivity import salib_points

        return salib_points(spec)
    from scipy.stats import qmc

    sampler = (qmc.LatinHypercube(d=len(params), seed=spec.design.seed)
               if spec.design.method == "lhs"
               else qmc.Sobol(d=len(params), scramble=True, seed=spec.design.seed))
    units = sampler.random(spec.design.samples)
    return [{p.name: _scaled(u, p) for p, u in zip(params, row, strict=True)} for row in units]
