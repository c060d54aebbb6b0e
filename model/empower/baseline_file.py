"""The baseline file of ``empower baseline``: its schema, reading and writing.

A baseline records, per scenario, every output of a few replicates at chosen years
(each replicate's value, their mean and 10th/90th percentiles), the measures and odds
ratios of simulated surveys fielded in each replicate, a digest of each
replicate's whole table (for ``--exact``), the resolved parameters, and how the run was
made (package version, commit, seeds, people scale, platform), with the tolerances a
check uses. It is JSON with sorted keys and one line per metric, so a change to a
baseline reads as a diff in a commit.

Reading refuses, with one message naming the file and what is wrong (exit 2 on the
command line): a missing, empty, truncated or corrupted file, another file format or
format version, and a record whose fields do not fit the schema.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from empower.scenario import ConfigError
from empower.validation_messages import problems_of

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "Tolerance",
    "Tolerances",
    "MetricRecord",
    "Timing",
    "ScenarioBaseline",
    "Baseline",
    "metric_key",
    "split_key",
    "read_baseline",
    "write_baseline",
]

FORMAT = "empower-baseline"
FORMAT_VERSION = 1
ALL_YEARS = "all"  # the year field of a metric's mean over every recorded year


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tolerance(_Strict):
    """How far a metric's mean may move: ``max(relative x |baseline|, absolute)``."""

    relative: float = Field(ge=0)
    absolute: float = Field(ge=0)


class Tolerances(_Strict):
    """The tolerances of a check: the test's false-alarm rate and the allowed moves.

    A metric fails when its mean moved by more than its tolerance *and* the two-sample
    test (paired with the same seeds, Welch's otherwise) finds the shift significant
    at the false discovery rate ``alpha`` over every metric of the check
    (Benjamini-Hochberg; when nothing changed every null is true and ``alpha`` is the
    chance that any metric fails).
    """

    alpha: float = Field(gt=0, lt=1)
    default: Tolerance
    by_metric: dict[str, Tolerance] = {}

    def of(self, metric: str) -> Tolerance:
        """The tolerance of ``metric`` (its own, else the default)."""
        return self.by_metric.get(metric, self.default)


DEFAULT_TOLERANCES = Tolerances(
    alpha=0.05,
    default=Tolerance(relative=0.05, absolute=0.002),
    by_metric={
        # counts a year: a few events either way are noise at small sizes
        **{m: Tolerance(relative=0.05, absolute=2.0) for m in (
            "new_hiv_infections", "new_hiv_infections_by_route", "new_gonorrhoea_infections",
            "new_chlamydia_infections", "entrants", "arrests", "crisis_responses",
            "gonorrhoea_cured_at_clinic", "chlamydia_cured_at_clinic", "clinic_visits",
            "hiv_diagnosed", "members")},
        "budget_usd": Tolerance(relative=0.05, absolute=100.0),
        "spending_usd": Tolerance(relative=0.05, absolute=100.0),
        "unspent_usd": Tolerance(relative=0.05, absolute=100.0),
        "hiv_incidence_per_100py": Tolerance(relative=0.05, absolute=0.2),
    },
)


class MetricRecord(_Strict):
    """One metric, group and year of a scenario: each replicate's value and a summary.

    ``values`` holds one number per replicate (None where the model has no value: a
    zero denominator); ``mean``, ``p10`` and ``p90`` are over the finite ones (None if
    there are none).
    """

    values: list[float | None]
    mean: float | None
    p10: float | None
    p90: float | None


class ScenarioBaseline(_Strict):
    """A scenario's records, digests and resolved parameters."""

    scenario_file: str  # relative to the baseline file's folder, or absolute
    metrics: dict[str, MetricRecord]
    digests: list[str]  # per replicate: SHA-256 of its whole tidy table
    parameters: dict[str, Any]


class Timing(_Strict):
    """The benchmark guard: the runs' CPU time over a quick CPU score of the machine.

    ``cpu_seconds``: CPU time of the baseline's runs in one process (None when they ran
    in worker processes); ``score_seconds``: :func:`empower.baseline.cpu_score` on the
    same machine; ``normalised``: their ratio, comparable between machines.
    """

    cpu_seconds: float | None
    score_seconds: float
    normalised: float | None


class Baseline(_Strict):
    """A whole baseline file."""

    format: str
    format_version: int
    empower_version: str
    git: dict[str, Any]
    platform: dict[str, str]
    created_utc: str
    command: str
    seeds: list[int] = Field(min_length=1)
    people_scale: float = Field(gt=0)
    years: list[int]
    survey_years: list[int] = []  # surveys fielded in every replicate (mid-year, everyone)
    tolerances: Tolerances
    slowdown_warning: float = Field(default=1.5, gt=1)  # normalised time, now/baseline
    timing: Timing | None = None
    scenarios: dict[str, ScenarioBaseline]


def metric_key(metric: str, group: str, year: int | str) -> str:
    """``metric|group|year``: a record's key (year ``all``: the mean over the years)."""
    return f"{metric}|{group}|{year}"


def split_key(key: str) -> tuple[str, str, str]:
    """The (metric, group, year) of a record's key."""
    metric, group, year = key.split("|")
    return metric, group, year


def read_baseline(path: Path) -> Baseline:
    """The baseline in ``path``.

    Raises:
        ConfigError: Naming the file and each problem: missing, unreadable, not JSON
            (truncated or corrupted), another format or format version, or fields that
            do not fit the schema.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: no such baseline file (make one with "
                           "empower baseline save)"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot read the baseline file: {exc}"]) from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError([f"{path}: not a baseline file: invalid JSON at line {exc.lineno} "
                           f"column {exc.colno} ({exc.msg}); the file may be truncated or "
                           "corrupted: make it again with empower baseline save"]) from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ConfigError([f"{path}: not a baseline file (its 'format' is not {FORMAT!r})"])
    version = raw.get("format_version")
    if version != FORMAT_VERSION:
        raise ConfigError([f"{path}: format_version {version!r} is not supported (this "
                           f"empower reads version {FORMAT_VERSION}): make the baseline "
                           "again with empower baseline save"])
    try:
        return Baseline.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(problems_of(exc, Baseline, path)) from None


def write_baseline(path: Path, baseline: Baseline) -> None:
    """Write ``baseline`` into ``path`` as one unit (a partial file never replaces it)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        tmp.write_text(diff_friendly_json(baseline.model_dump(mode="json")) + "\n",
                       encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def diff_friendly_json(data: Any, inline_below: int = 4, _depth: int = 0) -> str:
    """JSON with sorted keys, objects indented to ``inline_below`` levels.

    Anything deeper (a metric's record) is written on one line.
    """
    if isinstance(data, dict) and data and _depth < inline_below:
        pad = " " * (_depth + 1)
        items = [f"{pad}{json.dumps(k)}: {diff_friendly_json(data[k], inline_below, _depth + 1)}"
                 for k in sorted(data)]
        return "{\n" + ",\n".join(items) + "\n" + " " * _depth + "}"
    return json.dumps(_finite(data), sort_keys=True, allow_nan=False)


def _finite(data: Any) -> Any:
    """``data`` with NaN and infinities as None (JSON has no such numbers)."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_finite(v) for v in data]
    return data
