"""The Python API: load a scenario, change it, run it, compare it, in a few lines.

    import empower
    sq = empower.load("status_quo")                      # a name or a path
    more = sq.with_overrides({"condom.prop_condom_one_off": 0.8})
    table = empower.run(more, replicates=5, seed=1)      # the tidy results table
    result = empower.compare(["scale_up", "funding_cut"], reference="status_quo",
                             replicates=10, posterior=True)
    result.summary, result.cost_effectiveness            # the comparison's tables

Everything here is what the command line uses; docs/api.md describes it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from empower.scenario import Scenario, load_scenario

__all__ = ["load", "run"]


def load(name_or_path: str | Path) -> Scenario:
    """A scenario, resolved and validated, by name or by path.

    A name (``"status_quo"``) is looked up in scenarios/ here, in the checkout, then in
    the installed package.

    Raises:
        ConfigError: Naming every problem with its file and key.
    """
    return load_scenario(name_or_path)


def run(scenario: Scenario | str | Path, replicates: int = 1, seed: int = 1, *,
        people_scale: float = 1.0, workers: int = 1, posterior: Path | bool | None = None,
        progress: Callable[[int], None] | None = None) -> pd.DataFrame:
    """Run replicates of a scenario; return the tidy table ``empower run`` writes.

    Args:
        scenario: A :class:`Scenario` (e.g. from :func:`load`, with overrides) or a
            name or path.
        replicates: Replicates; replicate r has seed ``seed + r`` (common random
            numbers: the same seeds give the same chance events in any scenario).
        seed: Seed of replicate 0.
        people_scale: Multiplies the setting's group sizes.
        workers: Worker processes (1: in this process).
        posterior: Sample the calibrated parameters: True for the posterior stored
            beside the setting, or a path; replicate r uses the draw its seed picks.
        progress: Called with a number of finished weeks.

    Returns:
        Columns ``scenario, replicate, seed, site, year, metric, group, value``.
    """
    from empower.experiment import replicate_seeds, run_replicates
    from empower.posterior import posterior_runs

    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    seeds = replicate_seeds(seed, replicates)
    if posterior is not None and sc.path is None:
        raise ValueError("a posterior needs a scenario read from a file")
    runs, _ = posterior_runs(sc.path, sc, seeds, posterior)
    return run_replicates(runs, seeds, people_scale, workers, progress)
