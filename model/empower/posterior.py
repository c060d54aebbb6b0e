"""Posterior draws: run a scenario with parameter and stochastic uncertainty together.

A calibration (``empower calibrate ... --store``) leaves ``NAME.posterior.csv`` beside
the setting ``NAME.toml``: one row per equally likely draw, a column per calibrated
parameter (dotted setting keys). With ``empower run --posterior`` replicate ``r``
(seed ``s``) runs with draw ``posterior_draw(s, n)``, a pure function of the seed, so
replicate ``r`` of every scenario uses the same draw (common random numbers for the
parameters too) and scenario differences stay free of parameter noise.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from empower.results import read_csv_exact
from empower.rng import stream_key
from empower.scenario import ConfigError, Scenario, load_scenario

__all__ = ["load_posterior", "posterior_medians", "posterior_draw", "posterior_runs",
           "posterior_scenarios", "stored_posterior"]


def stored_posterior(setting_file: Path) -> Path:
    """Where a setting's posterior is stored: ``NAME.posterior.csv`` beside it."""
    return setting_file.with_name(setting_file.stem + ".posterior.csv")


def load_posterior(path: Path) -> pd.DataFrame:
    """The draws of a posterior file (a ``draw`` column and one per parameter).

    Raises:
        ConfigError: If the file is missing, empty or not numeric.
    """
    if not path.is_file():
        raise ConfigError([f"{path}: no posterior here; make one with "
                           "'empower calibrate SETTING --targets FILE --out DIR --store'"])
    try:
        table = read_csv_exact(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: not a posterior table: {exc}"]) from None
    params = [c for c in table.columns if c != "draw"]
    if table.empty or not params:
        raise ConfigError([f"{path}: a posterior needs at least one draw and one parameter"])
    bad = [c for c in params if not pd.api.types.is_numeric_dtype(table[c])
           or table[c].isna().any()]
    if bad:
        raise ConfigError([f"{path}: {c}: every draw needs a number" for c in bad])
    return table


def posterior_medians(path: Path) -> dict[str, float]:
    """Each parameter's median over a posterior file's draws (a point to trace)."""
    table = load_posterior(path)
    return {k: float(table[k].median()) for k in table.columns if k != "draw"}


def posterior_draw(seed: int, n_draws: int) -> int:
    """The draw a replicate with ``seed`` uses: a pure function of the seed."""
    return int(stream_key(seed, "posterior.draw") % n_draws)


def posterior_scenarios(scenario_path: Path, seeds: list[int], posterior: Path | None = None,
                        overrides: dict | None = None
                        ) -> tuple[list[Scenario], list[int], Path]:
    """One scenario per seed, each with its posterior draw applied to the setting.

    ``overrides`` (:meth:`Scenario.with_overrides`) still win over the draws.

    Returns:
        The scenarios, the draw each uses, and the posterior file read.
    """
    base = load_scenario(scenario_path, overrides=overrides)
    path = posterior or stored_posterior(base.setting_path)
    table = load_posterior(path)
    params = [c for c in table.columns if c != "draw"]
    scenarios, draws = [], []
    for seed in seeds:
        d = posterior_draw(seed, len(table))
        values = {k: float(table.iloc[d][k]) for k in params}
        scenarios.append(load_scenario(scenario_path, values, f"posterior draw {d} of {path.name}",
                                       overrides=overrides))
        draws.append(d)
    return scenarios, draws, path


def posterior_runs(scenario_path: Path, scenario: Scenario, seeds: list[int],
                   option: Path | bool | None) -> tuple[list[Scenario], dict | None]:
    """The scenario of each replicate for a command's ``--posterior`` option.

    ``None`` (no option): ``scenario`` for every seed and no metadata; ``True`` (the
    option alone): the posterior stored beside the setting; a path: that posterior.

    Returns:
        One scenario per seed, and what to record in the run's metadata (the posterior
        file and each replicate's draw) or None.
    """
    if option is None:
        return [scenario] * len(seeds), None
    runs, draws, path = posterior_scenarios(scenario_path, seeds,
                                            None if option is True else option,
                                            scenario.overrides)
    return runs, {"file": str(path), "draws": draws}
