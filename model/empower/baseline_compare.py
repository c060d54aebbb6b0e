"""Compare a run with its baseline: a verdict per scenario, metric, group and year.

Steps of :func:`compare`:

1. For each record of the baseline, the same record of the new run: replicate values
   side by side. A record with values on one side and none on the other, or one that
   is gone or new, fails ("missing"); a replicate without a value (a zero denominator
   in a small group) is left out of the test (with its pair, when paired).
2. The shift: the new mean minus the baseline mean, against the metric's tolerance
   ``max(relative x |baseline mean|, absolute)`` (:class:`Tolerances`).
3. A two-sample test of the shift: paired (a one-sample t-test of the replicate
   differences) when the run used the baseline's seeds, so common random numbers
   cancel the noise the scenarios share; Welch's t-test when the seeds differ. Equal
   values give p = 1; a constant non-zero difference p = 0.
4. Benjamini-Hochberg over every tested record of the check at ``alpha``.
5. Verdict: ``fail`` when the shift is beyond tolerance *and* significant; ``pass``
   otherwise (the reason says which held). With ``exact``, each replicate's digest of
   its whole table must equal the baseline's, or the scenario fails ("not identical").

The result is a table (scenario, metric, group, year, baseline, now, ratio, tolerance,
p, verdict, reason), shown as text for a terminal and as Markdown for a CI job summary,
with the resolved parameters that changed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from empower.baseline import Rerun
from empower.baseline_file import Baseline, MetricRecord, split_key

__all__ = ["Comparison", "compare", "changed_parameters"]

COLUMNS = ["scenario", "metric", "group", "year", "baseline", "now", "ratio", "tolerance",
           "p_value", "verdict", "reason"]


@dataclass
class Comparison:
    """A check's outcome: every record's row, identical digests, changed parameters."""

    rows: pd.DataFrame
    paired: bool
    alpha: float
    not_identical: dict[str, list[int]] = field(default_factory=dict)  # scenario -> reps
    parameters: dict[str, list[tuple[str, Any, Any]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # e.g. the benchmark guard's

    @property
    def failed(self) -> pd.DataFrame:
        """The rows that failed."""
        return self.rows[self.rows["verdict"] == "fail"]

    @property
    def ok(self) -> bool:
        """Whether everything is within tolerance (and identical, if checked)."""
        return self.failed.empty and not self.not_identical

    def text(self, limit: int = 40) -> str:
        """The verdict for a terminal: counts, failed rows (most significant first)."""
        test = "paired t-test (same seeds)" if self.paired else "Welch t-test (other seeds)"
        lines = [f"{len(self.rows)} records compared; {len(self.failed)} failed "
                 f"({test}, Benjamini-Hochberg at {self.alpha:g})"]
        for scenario, reps in self.not_identical.items():
            lines.append(f"{scenario}: replicates {reps} not identical to the baseline")
        if not self.failed.empty:
            lines.append(_aligned(self.failed.head(limit)))
            if len(self.failed) > limit:
                lines.append(f"... and {len(self.failed) - limit} more (see --markdown)")
        lines += self._parameter_lines()
        lines.append("PASS" if self.ok else "FAIL")
        return "\n".join(lines)

    def markdown(self) -> str:
        """The verdict as Markdown (a CI job summary): failed rows, then every row."""
        test = "paired t-test (same seeds)" if self.paired else "Welch t-test (other seeds)"
        out = [f"## empower baseline check: {'pass' if self.ok else '**fail**'}", "",
               f"{len(self.rows)} records compared, {len(self.failed)} failed; {test}, "
               f"Benjamini-Hochberg at {self.alpha:g}.", ""]
        for scenario, reps in self.not_identical.items():
            out.append(f"- {scenario}: replicates {reps} not identical to the baseline")
        out += [f"- {note}" for note in self.notes]
        if self.parameters:
            out += ["", "### Resolved parameters that changed", "",
                    "| scenario | parameter | baseline | now |", "| --- | --- | --- | --- |"]
            for scenario, changes in self.parameters.items():
                out += [f"| {scenario} | `{k}` | {b} | {n} |" for k, b, n in changes]
        for title, rows in (("Failed", self.failed), ("All records", self.rows)):
            if title == "Failed" and rows.empty:
                continue
            out += ["", f"### {title}", "", "| " + " | ".join(COLUMNS) + " |",
                    "|" + " --- |" * len(COLUMNS)]
            out += ["| " + " | ".join(_cell(r[c]) for c in COLUMNS) + " |"
                    for _, r in rows.iterrows()]
        return "\n".join(out) + "\n"

    def _parameter_lines(self, limit: int = 10) -> list[str]:
        lines = []
        for scenario, changes in self.parameters.items():
            lines.append(f"{scenario}: {len(changes)} resolved parameter(s) changed")
            lines += [f"  {k}: {b} -> {n}" for k, b, n in changes[:limit]]
        return lines


def compare(baseline: Baseline, runs: dict[str, Rerun], seeds: list[int],
            exact: bool = False) -> Comparison:
    """Compare ``runs`` (from :func:`empower.baseline.rerun`) with ``baseline``."""
    paired = list(seeds) == list(baseline.seeds)
    tol = baseline.tolerances
    rows = []
    not_identical: dict[str, list[int]] = {}
    parameters = {}
    for name, sb in baseline.scenarios.items():
        now = runs[name]
        if exact:
            bad = [r for r, (a, b) in enumerate(zip(sb.digests, now.digests, strict=False))
                   if a != b]
            if bad or len(sb.digests) != len(now.digests):
                not_identical[name] = bad
        changes = changed_parameters(sb.parameters, now.scenario.params.model_dump(mode="json"))
        if changes:
            parameters[name] = changes
        for key in sorted(set(sb.metrics) | set(now.metrics)):
            metric, group, year = split_key(key)
            rows.append({"scenario": name, "metric": metric, "group": group, "year": year,
                         **_row(sb.metrics.get(key), now.metrics.get(key), paired,
                                tol.of(metric).relative, tol.of(metric).absolute)})
    table = pd.DataFrame(rows, columns=[c for c in COLUMNS if c != "verdict"] + ["_fail"])
    _decide(table, tol.alpha)
    table = table.sort_values(["verdict", "p_value"], ascending=[True, True], kind="mergesort")
    return Comparison(table[COLUMNS].reset_index(drop=True), paired, tol.alpha,
                      not_identical, parameters)


def _row(base: MetricRecord | None, now: MetricRecord | None, paired: bool,
         relative: float, absolute: float) -> dict[str, Any]:
    """One record's shift, tolerance and test (``_fail``: None, or a missing reason)."""
    if base is None or now is None:
        side = "baseline" if base is None else "this run"
        return {"baseline": _mean(base), "now": _mean(now), "ratio": math.nan,
                "tolerance": math.nan, "p_value": 0.0, "reason": f"missing: not in {side}",
                "_fail": True}
    b = np.array([math.nan if v is None else v for v in base.values], dtype=float)
    n = np.array([math.nan if v is None else v for v in now.values], dtype=float)
    b_mean, n_mean = _mean(base), _mean(now)
    tolerance = max(relative * abs(b_mean), absolute) if b_mean is not None else math.nan
    out = {"baseline": b_mean, "now": n_mean, "tolerance": tolerance,
           "ratio": n_mean / b_mean if b_mean and n_mean is not None else math.nan}
    if (b_mean is None) != (n_mean is None):
        return {**out, "p_value": 0.0, "reason": "missing: values on one side only",
                "_fail": True}
    if b_mean is None:
        return {**out, "p_value": 1.0, "reason": "no value on either side", "_fail": False}
    p = _p_value(b, n, paired)
    within = abs(n_mean - b_mean) <= tolerance
    return {**out, "p_value": p, "reason": "within tolerance" if within else "", "_fail": None}


def _decide(table: pd.DataFrame, alpha: float) -> None:
    """Benjamini-Hochberg over the tested rows; write ``verdict`` and ``reason``."""
    from statsmodels.stats.multitest import multipletests

    tested = table["_fail"].isna()
    significant = pd.Series(False, index=table.index)
    if tested.any():
        reject, _, _, _ = multipletests(table.loc[tested, "p_value"].to_numpy(), alpha,
                                        method="fdr_bh")
        significant[tested] = reject
    beyond = tested & (table["reason"] == "")
    fail = (table["_fail"] == True) | (beyond & significant)  # noqa: E712 (object column)
    table["verdict"] = np.where(fail, "fail", "pass")
    table.loc[beyond & significant, "reason"] = "beyond tolerance and significant"
    table.loc[beyond & ~significant, "reason"] = "beyond tolerance, not significant"


def _p_value(b: np.ndarray, n: np.ndarray, paired: bool) -> float:
    import warnings

    with warnings.catch_warnings():  # nearly equal values: scipy warns of precision
        warnings.simplefilter("ignore", RuntimeWarning)
        return _test(b, n, paired)


def _test(b: np.ndarray, n: np.ndarray, paired: bool) -> float:
    from scipy import stats

    if paired and b.size == n.size:  # pairs with a value on both sides
        d = (n - b)[np.isfinite(n - b)]
        if d.size == 0 or np.all(d == 0):
            return 1.0
        if d.size < 2 or np.all(d == d[0]):
            return 0.0
        return float(stats.ttest_1samp(d, 0.0).pvalue)
    b, n = b[np.isfinite(b)], n[np.isfinite(n)]
    if b.size < 2 or n.size < 2 or (b.var() == 0 and n.var() == 0):
        return 1.0 if b.mean() == n.mean() else 0.0
    return float(stats.ttest_ind(n, b, equal_var=False).pvalue)


def _mean(record: MetricRecord | None) -> float | None:
    return None if record is None else record.mean


def changed_parameters(before: dict, after: dict, prefix: str = ""
                       ) -> list[tuple[str, Any, Any]]:
    """(dotted key, before, after) of every resolved parameter value that differs.

    Only values are compared (a ``source`` text that changed is not a change).
    """
    out = []
    for key in sorted(set(before) | set(after)):
        if key == "source":
            continue
        b, a = before.get(key), after.get(key)
        if isinstance(b, dict) and isinstance(a, dict):
            out += changed_parameters(b, a, f"{prefix}{key}.")
        elif b != a:
            out.append((f"{prefix}{key}", _short(b), _short(a)))
    return out


def _short(value: Any, width: int = 60) -> Any:
    text = str(value)
    return value if len(text) <= width else text[:width - 3] + "..."


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.4g}"
    return "" if value is None else str(value)


def _aligned(rows: pd.DataFrame) -> str:
    shown = rows.copy()
    for c in ("baseline", "now", "ratio", "tolerance", "p_value"):
        shown[c] = shown[c].map(_cell)
    return shown.to_string(index=False)
