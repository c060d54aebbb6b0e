"""Global sensitivity analysis with SALib: Morris screening and Sobol indices.

An experiment file with ``design.method = "morris"`` or ``"saltelli"`` and parameter
ranges (:mod:`empower.experiment_file`) asks which assumptions move an outcome most.
Steps of :func:`sensitivity`:

1. SALib's sample over the ranges (log-scale ranges sampled on the logarithm):
   Morris trajectories (``samples`` trajectories, 4 levels) or Saltelli's scheme for
   first-order and total Sobol indices (``samples`` base points, 2^k-friendly).
2. Run every scenario at every sample point through the sweep engine
   (:func:`empower.sweep.sweep`: keyed, resumable, any executor), with the same
   replicate seeds at every point (common random numbers keep the differences between
   points free of seed noise).
3. The outcome per point: the metric and group of ``[outcome]``, summed over its years,
   averaged over replicates.
4. SALib's analysis per scenario: Morris ``mu_star`` (mean absolute elementary effect,
   the ranking), ``sigma`` (interaction or non-linearity) and ``mu_star_conf``; or
   Sobol ``S1`` and ``ST`` with their confidence intervals.
5. ``indices.csv``, ``sensitivity.json`` and a tornado plot per scenario
   (``figures/tornado_SCENARIO.png`` and ``.svg``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from empower.experiment_file import ExperimentFile, load_experiment
from empower.scenario import ConfigError

__all__ = ["salib_problem", "salib_points", "sensitivity", "tornado"]

MORRIS_LEVELS = 4


def salib_problem(spec: ExperimentFile) -> dict:
    """SALib's problem: names and bounds (the logarithm of log-scale ranges)."""
    bounds = [[math.log(p.low), math.log(p.high)] if p.scale == "log" else [p.low, p.high]
              for p in spec.parameters]
    return {"num_vars": len(spec.parameters), "names": [p.name for p in spec.parameters],
            "bounds": bounds}


def _sample(spec: ExperimentFile) -> np.ndarray:
    problem = salib_problem(spec)
    if spec.design.method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, spec.design.samples, num_levels=MORRIS_LEVELS,
                             seed=spec.design.seed)
    from SALib.sample import sobol

    return sobol.sample(problem, spec.design.samples, calc_second_order=False,
                        seed=spec.design.seed)


def salib_points(spec: ExperimentFile) -> list[dict[str, float]]:
    """The override set of every SALib sample point (log ranges exponentiated)."""
    rows = _sample(spec)
    # clipped: exp(log(high)) may round a hair above high, outside a parameter's range
    return [{p.name: float(min(max(math.exp(v) if p.scale == "log" else v, p.low), p.high))
             for p, v in zip(spec.parameters, row, strict=True)} for row in rows]


def _outcome(table: pd.DataFrame, spec: ExperimentFile) -> pd.DataFrame:
    """Per scenario and point: the outcome summed over its years, mean over replicates."""
    o = spec.outcome
    rows = table[(table.metric == o.metric) & (table.group == o.group)]
    if o.years is not None:
        rows = rows[rows.year.between(o.years[0], o.years[-1])]
    per_run = rows.groupby(["scenario", "point", "replicate"]).value.sum()
    return per_run.groupby(["scenario", "point"]).mean().reset_index(name="outcome")


def sensitivity(experiment: Path | str, out: Path | str, *,
                kind: Literal["local", "dask"] = "local", workers: int | None = None,
                scheduler: str | None = None,
                progress: Callable[[str, int], None] | None = None) -> pd.DataFrame:
    """Run an experiment file's sensitivity analysis into ``out``; return the indices.

    Raises:
        ConfigError: If the file's design is not ``morris`` or ``saltelli``, or SALib
            is missing.
    """
    from empower.sweep import load_sweep, sweep

    path = Path(experiment)
    spec = load_experiment(path)
    if spec.design.method not in ("morris", "saltelli"):
        raise ConfigError([f"{path}: design.method: a sensitivity analysis needs morris or "
                           f"saltelli, got {spec.design.method}"])
    try:
        import SALib  # noqa: F401
    except ImportError:
        raise ConfigError(["empower sensitivity needs SALib: pip install "
                           "'empower[sensitivity]'"]) from None
    out = Path(out)
    manifest = sweep(path, out, kind=kind, workers=workers, scheduler=scheduler,
                     progress=progress)
    if (manifest.status != "done").any():
        raise ConfigError([f"{out}: {int((manifest.status != 'done').sum())} runs failed "
                           f"(see {out / 'failed'}); re-run the command to retry them"])
    values = _outcome(load_sweep(out), spec)
    problem = salib_problem(spec)
    X = _sample(spec)
    rows = []
    for scenario, part in values.groupby("scenario", sort=False):
        Y = part.sort_values("point")["outcome"].to_numpy()
        if spec.design.method == "morris":
            from SALib.analyze import morris

            res = morris.analyze(problem, X, Y, num_levels=MORRIS_LEVELS, seed=spec.design.seed)
            for i, name in enumerate(problem["names"]):
                rows.append({"scenario": scenario, "parameter": name,
                             "mu_star": float(res["mu_star"][i]),
                             "mu_star_conf": float(res["mu_star_conf"][i]),
                             "sigma": float(res["sigma"][i]), "mu": float(res["mu"][i])})
        else:
            from SALib.analyze import sobol

            res = sobol.analyze(problem, Y, calc_second_order=False, seed=spec.design.seed)
            for i, name in enumerate(problem["names"]):
                rows.append({"scenario": scenario, "parameter": name,
                             "S1": float(res["S1"][i]), "S1_conf": float(res["S1_conf"][i]),
                             "ST": float(res["ST"][i]), "ST_conf": float(res["ST_conf"][i])})
    indices = pd.DataFrame(rows)
    indices.to_csv(out / "indices.csv", index=False)
    meta = {"method": spec.design.method, "outcome": spec.outcome.model_dump(),
            "points": int(len(X)), "runs": int(len(manifest)),
            "problem": problem, "parameters": [p.model_dump() for p in spec.parameters]}
    (out / "sensitivity.json").write_text(json.dumps(meta, indent=2) + "\n")
    for scenario in indices.scenario.unique():
        tornado(indices[indices.scenario == scenario], spec, out / "figures", scenario)
    return indices


def tornado(indices: pd.DataFrame, spec: ExperimentFile, folder: Path, scenario: str
            ) -> list[Path]:
    """The parameters ranked by their index, largest at the top, with its interval."""
    import matplotlib.pyplot as plt

    from empower.plots import OKABE_ITO, _save, _style

    _style()
    morris = "mu_star" in indices.columns
    key, conf = ("mu_star", "mu_star_conf") if morris else ("ST", "ST_conf")
    ranked = indices.sort_values(key, ascending=True)
    fig, ax = plt.subplots(figsize=(6.5, 0.9 + 0.4 * len(ranked)))
    ax.barh(ranked.parameter, ranked[key], xerr=ranked[conf], color=OKABE_ITO[4],
            ecolor="#333333", capsize=2)
    if not morris:
        ax.barh(ranked.parameter, ranked["S1"], color=OKABE_ITO[2], height=0.4,
                label="first order (S1)")
        ax.legend(loc="lower right", fontsize=8)
    o = spec.outcome
    years = "" if o.years is None else f", {o.years[0]}-{o.years[-1]}"
    what = (f"Morris mu* (mean |elementary effect|) on {o.metric} ({o.group}{years})"
            if morris else f"total Sobol index (ST) of {o.metric} ({o.group}{years})")
    ax.set_xlabel(what)
    ax.set_title(f"Sensitivity, {scenario}: parameters ranked")
    return _save(fig, folder, f"tornado_{scenario}")
