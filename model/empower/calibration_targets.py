"""Calibration targets files: the scenario, priors and targets of a calibration.

A targets file (TOML) names the scenario to run (the programme as it happened), the
survey design, the priors (each a dotted setting parameter with a range from its
sources, uniform or log-uniform, and the parameters tied to it) and the targets
(survey measures with their observed value and 95% interval, or survey odds ratios).
:func:`load_targets` validates it against the scenario: every problem names the file,
the key and what is allowed. A target's standardised error is the distance's term
(:meth:`Target.error`); :mod:`empower.calibrate` runs the fit.

Outcomes a policy question asks about (the HIV and STI odds ratios of empowerment) are
never targets: :class:`Target` refuses them.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from empower.scenario import ConfigError, load_scenario
from empower.survey import ANALYSES, MEASURES, wilson_interval

__all__ = ["Tie", "Prior", "Target", "TargetsFile", "load_targets", "load_conditional",
           "RESULT_ANALYSES", "Z95"]

# Odds ratios that are results (never calibration targets)
RESULT_ANALYSES = frozenset(a.name for a in ANALYSES if a.role == "result")
Z95 = 1.959963984540054


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tie(_Strict):
    """A setting parameter that moves with a prior's: its value is the draw times ``factor``."""

    parameter: str
    factor: float = 1.0
    source: str

    @field_validator("factor")
    @classmethod
    def _positive(cls, v: float) -> float:
        if not (math.isfinite(v) and v > 0):
            raise ValueError(f"factor must be a finite number above 0, got {v}")
        return v


class Prior(_Strict):
    """A prior over one setting parameter: uniform or log-uniform on [low, high].

    ``tied`` parameters are not free: each is set to the draw times its factor (a
    sourced ratio, such as female-to-male over male-to-female per-act risk), which keeps
    the number of free parameters, and so the calibration's cost, down.
    """

    parameter: str
    low: float
    high: float
    scale: Literal["linear", "log"] = "linear"
    source: str
    tied: list[Tie] = []

    @model_validator(mode="after")
    def _range(self) -> Prior:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.scale == "log" and self.low <= 0:
            raise ValueError("a log-uniform prior needs low above 0")
        return self


class Target(_Strict):
    """An observed survey estimate with its 95% interval.

    ``measure`` is a survey measure (:data:`empower.survey.MEASURES`, or an STI's name)
    or ``odds_ratio:ANALYSIS`` (:data:`empower.survey.ANALYSES`, adjusted for years in
    sex work, pooled over ``years``). Give the interval as ``low`` and ``high``, or,
    for a proportion, the survey's sample size ``n`` (Wilson interval).
    """

    name: str
    measure: str
    years: list[int]
    observed: float
    low: float | None = None
    high: float | None = None
    n: int | None = None
    fitted: bool = True  # False: reported beside the fit, left out of the distance
    source: str

    @field_validator("years")
    @classmethod
    def _years(cls, v: list[int]) -> list[int]:
        if not v:
            raise ValueError("at least one survey year")
        return v

    @model_validator(mode="after")
    def _interval(self) -> Target:
        if self.measure.startswith("odds_ratio:"):
            name = self.measure.split(":", 1)[1]
            if name in RESULT_ANALYSES:
                raise ValueError(f"{name} is a result, never a calibration target")
            if name not in {a.name for a in ANALYSES}:
                raise ValueError(f"unknown analysis {name!r}; known: "
                                 f"{', '.join(a.name for a in ANALYSES)}")
            if self.low is None or self.high is None or not 0 < self.low < self.high:
                raise ValueError("an odds ratio needs 0 < low < high")
            return self
        if (self.low is None or self.high is None) and self.n is None:
            raise ValueError("give low and high, or n (a proportion's sample size)")
        if not 0 <= self.observed <= 1:
            raise ValueError(f"a proportion must be from 0 to 1, got {self.observed}")
        return self

    def interval(self) -> tuple[float, float]:
        """The 95% interval: as given, or Wilson's from ``observed`` and ``n``."""
        if self.low is not None and self.high is not None:
            return self.low, self.high
        return wilson_interval(self.observed * self.n, self.n)

    def standard_error(self) -> float:
        """The target's standard error (log scale for odds ratios) from its interval."""
        low, high = self.interval()
        if self.measure.startswith("odds_ratio:"):
            return (math.log(high) - math.log(low)) / (2 * Z95)
        return max((high - low) / (2 * Z95), 1e-6)

    def error(self, simulated: float) -> float:
        """Standardised error of a simulated value (a missing value counts as far off)."""
        if not math.isfinite(simulated):
            return 10.0
        if self.measure.startswith("odds_ratio:"):
            if simulated <= 0:
                return 10.0
            return (math.log(simulated) - math.log(self.observed)) / self.standard_error()
        return (simulated - self.observed) / self.standard_error()


class TargetsFile(_Strict):
    """A calibration: the scenario, survey design, priors and targets."""

    scenario: str
    conditional_on: str | None = None  # a posterior file (CSV) whose draws every run takes
    store_as: str | None = None  # where --store copies the posterior (default: the setting's)
    sample_size: int = 5000
    recall_days: int = 30
    fieldwork: dict[str, float] = {}  # survey year -> fraction of the year (default 0.5)
    priors: list[Prior]
    targets: list[Target]

    @model_validator(mode="after")
    def _unique(self) -> TargetsFile:
        names = [t.name for t in self.targets]
        params = [p.parameter for p in self.priors] + [
            tie.parameter for p in self.priors for tie in p.tied]
        dupes = sorted({x for x in names if names.count(x) > 1}
                       | {x for x in params if params.count(x) > 1})
        if dupes:
            raise ValueError(f"each target and prior once; repeated: {', '.join(dupes)}")
        if not self.priors or not self.targets:
            raise ValueError("at least one prior and one target")
        return self

    def setting_values(self, free: dict[str, float]) -> dict[str, float]:
        """The setting values of a draw of the free parameters, tied ones included."""
        out = {}
        for p in self.priors:
            out[p.parameter] = float(free[p.parameter])
            for tie in p.tied:
                out[tie.parameter] = float(free[p.parameter]) * tie.factor
        return out


def load_targets(path: Path | str) -> tuple[TargetsFile, Path]:
    """Read and validate a targets file; return it and its scenario's path.

    Raises:
        ConfigError: Naming the file, the key and what is allowed.
    """
    from empower.toml_input import load_toml_model

    path = Path(path)
    spec = load_toml_model(path, TargetsFile)
    scenario = (path.parent / spec.scenario).resolve()
    if not scenario.is_file():
        raise ConfigError([f"{path}: scenario: no scenario file at {scenario}"])
    known = {"hiv", *MEASURES, *load_scenario(scenario).one_site("calibration").params.stis}
    problems = [f"{path}: targets.{i}.measure: unknown measure {t.measure!r}; known: "
                f"{', '.join(sorted(known))}, or odds_ratio:ANALYSIS"
                for i, t in enumerate(spec.targets)
                if not t.measure.startswith("odds_ratio:") and t.measure not in known]
    if problems:
        raise ConfigError(problems)
    return spec, scenario


def load_conditional(spec: TargetsFile, targets_path: Path | str) -> pd.DataFrame | None:
    """The draws of the posterior a staged calibration is conditional on, or None.

    A second stage (``conditional_on``) fits its own priors with every run taking one
    draw of an earlier stage's posterior (a "cut": the earlier stage's targets alone
    inform its parameters). The file is relative to the targets file.

    Raises:
        ConfigError: The file is missing or unreadable, or sets a parameter this stage
            also fits.
    """
    if spec.conditional_on is None:
        return None
    from empower.posterior import load_posterior

    path = (Path(targets_path).parent / spec.conditional_on).resolve()
    if not path.is_file():
        raise ConfigError([f"{targets_path}: conditional_on: no posterior file at {path}; "
                           "run the earlier stage's calibration with --store first"])
    table = load_posterior(path).drop(columns="draw")
    mine = spec.setting_values({p.parameter: p.low for p in spec.priors})
    if clash := sorted(set(table.columns) & set(mine)):
        raise ConfigError([f"{targets_path}: conditional_on: {path.name} also sets "
                           f"{', '.join(clash)}, which this stage fits; fit each once"])
    return table
