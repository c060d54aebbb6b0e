"""Calibration: a posterior over a setting's uncertain values, fitted with ABC-SMC (pyabc).

Why ABC-SMC (pyabc) rather than an optimiser (Optuna): the model is a stochastic
simulator whose likelihood cannot be written down, the targets are survey estimates
with intervals, and the answer must be a *posterior* (parameter uncertainty to carry
into every run and comparison), not one best point. pyabc is maintained, runs its
particles in parallel on all cores, stores every generation in a database, and adapts
its tolerance and proposal kernel.

A calibration is described by a targets file (TOML, validated;
:class:`empower.calibration_targets.TargetsFile`):
the scenario to run (the programme as it happened: ``scenarios/history.toml``), the
priors (each a dotted setting parameter with a range from its sources, uniform or
log-uniform) and the targets (survey measures with their observed value and interval,
or survey odds ratios). Steps of :func:`calibrate`:

1. For a parameter draw (free parameters, and the tied ones that move with them),
   load the scenario with the draw applied to the setting
   (:func:`empower.scenario.load_scenario` with ``setting_values``), run it to its
   surveys and field them (:func:`empower.survey.run_surveys`, every working sex worker
   by default); the seed is a hash of the draw, so a draw always gives the same output.
2. Summary statistics: each target's measure, as the study defined it (a proportion
   among respondents who answered; an odds ratio adjusted for years in sex work, pooled
   over the target's survey years).
3. Distance: the root sum of squared standardised errors, each error divided by the
   target's standard error (from its 95% interval; odds ratios on the log scale).
4. ABC-SMC over the priors (pyabc ``ABCSMC``, median epsilon, multivariate normal
   kernels; log-uniform priors are moved as uniform logarithms), for ``generations``
   generations of ``population`` particles.
5. The last generation, resampled by weight into ``draws`` equally likely draws
   (``posterior.csv``), with the targets, priors, epsilons and versions
   (``posterior.json``), the pyabc database, and a fit table and plot of every target
   against the posterior predictive (``fit.csv``, ``fit.png``).

Outcomes a policy question asks about (infections averted, the HIV and STI odds ratios
of empowerment) are never targets: the targets file validation refuses them.
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from empower import __version__
from empower.calibration_targets import (
    RESULT_ANALYSES,
    Prior,
    Target,
    TargetsFile,
    Tie,
    load_conditional,
    load_targets,
)
from empower.results import source_commit
from empower.scenario import ConfigError, load_scenario
from empower.survey import ANALYSES, SurveyDesign
from empower.workers import worker_pool

__all__ = [
    "Prior",
    "Tie",
    "Target",
    "TargetsFile",
    "load_targets",
    "Simulator",
    "calibrate",
    "RESULT_ANALYSES",
    "POSTERIOR_SUFFIX",
]

POSTERIOR_SUFFIX = ".posterior.csv"
# pyabc's default kernel (Silverman's bandwidth, scaling 1) is far too narrow for 100-200
# particles in 5-14 dimensions: the proposal is a bumpy mixture, and importance weights
# collapse (effective sample size 9 of 150 in the joint Mysore calibration). Proposing
# from one half of a generation and weighting the other half, the effective share was
# 6% at scaling 1, 21% at 2, 64% at 4 and 86% at 8 in the 9 behaviour dimensions
# (19%, 52%, 74%, 90% in the 5 epidemic ones): 4 trades a little acceptance for weights
# that stay usable (docs/calibration.md).
KERNEL_SCALING = 4.0


def _seed_of(values: dict[str, float], base_seed: int) -> int:
    """A seed that is a pure function of a parameter draw (and the calibration's seed)."""
    text = json.dumps({k: float(values[k]) for k in sorted(values)}) + f"|{base_seed}"
    return zlib.crc32(text.encode()) + 1


@dataclass
class Simulator:
    """One model run of a calibration: a draw in, its targets' summary statistics out."""

    spec: TargetsFile
    scenario_path: Path
    people_scale: float = 1.0
    base_seed: int = 1
    conditional: pd.DataFrame | None = None  # an earlier stage's posterior draws

    def setting_draw(self, free: dict[str, float]) -> dict[str, float]:
        """Every setting value of a draw of the free parameters.

        The free ones, the tied ones and, in a second stage, the earlier stage's draw
        this one takes (a pure function of the draw).
        """
        values = self.spec.setting_values(free)
        if self.conditional is None:
            return values
        row = self.conditional.iloc[_seed_of(values, self.base_seed) % len(self.conditional)]
        return {**{k: float(v) for k, v in row.items()}, **values}

    @property
    def designs(self) -> list[SurveyDesign]:
        """Every survey the targets need."""
        years = sorted({y for t in self.spec.targets for y in t.years})
        return [SurveyDesign(y, self.spec.sample_size, self.spec.recall_days,
                             fieldwork_fraction=self.spec.fieldwork.get(str(y), 0.5))
                for y in years]

    def respondents(self, values: dict[str, float], seed: int | None = None) -> pd.DataFrame:
        """Run the scenario with ``values`` applied to the setting; the surveys' respondents."""
        from empower.survey import run_surveys

        scenario = load_scenario(self.scenario_path, values, "calibration draw")
        seed = _seed_of(values, self.base_seed) if seed is None else seed
        return run_surveys(scenario, self.designs, seed=seed,
                           people_scale=self.people_scale, threads=1)

    def statistics(self, respondents: pd.DataFrame) -> dict[str, float]:
        """Each target's measure on the respondents, as the study defined it."""
        from empower.survey import survey_odds_ratios

        out = {}
        for t in self.spec.targets:
            rows = respondents[respondents.survey_year.isin(t.years)]
            if t.measure.startswith("odds_ratio:"):
                name = t.measure.split(":", 1)[1]
                analysis = tuple(a for a in ANALYSES if a.name == name)
                table = survey_odds_ratios(rows.assign(survey_year=0), analysis)
                adjusted = table[table.adjusted_for != ""]
                out[t.name] = float(adjusted["odds_ratio"].iloc[0]) if len(adjusted) else math.nan
            else:
                answered = rows[t.measure].dropna()
                out[t.name] = float(answered.mean()) if len(answered) else math.nan
        return out

    def __call__(self, values: dict[str, float]) -> dict[str, float]:
        """Pyabc's model: statistics of one run at ``values``."""
        return self.statistics(self.respondents(dict(values)))

    def distance(self, simulated: dict[str, float], observed: dict[str, float]) -> float:
        """Root sum of squared standardised errors over the targets."""
        errors = [t.error(simulated[t.name]) for t in self.spec.targets if t.fitted]
        return float(math.sqrt(sum(e * e for e in errors)))


def _priors(spec: TargetsFile) -> tuple[Any, dict[str, Prior]]:
    """The prior for pyabc, uniform in every coordinate, and what each coordinate is.

    A log-uniform prior is sampled as the uniform logarithm of the value, so every
    coordinate pyabc's multivariate normal kernels move is on a comparable scale.
    Names are safe (``p0``, ``p1``, ...: pyabc does not allow dots).
    """
    import pyabc

    coords, rvs = {}, {}
    for i, p in enumerate(spec.priors):
        safe = f"p{i}"
        coords[safe] = p
        low, high = (math.log(p.low), math.log(p.high)) if p.scale == "log" else (p.low, p.high)
        rvs[safe] = pyabc.RV("uniform", low, high - low)
    return pyabc.Distribution(**rvs), coords


def _values(par: dict[str, float], coords: dict[str, Prior]) -> dict[str, float]:
    """The free parameters' values of pyabc's coordinates (log coordinates exponentiated)."""
    return {p.parameter: float(math.exp(par[k]) if p.scale == "log" else par[k])
            for k, p in coords.items()}


def calibrate(targets_path: Path | str, out_dir: Path | str, *, population: int = 50,
              generations: int = 4, max_minutes: float | None = None,
              resume: bool = False, generation: int | None = None,
              workers: int = 1, seed: int = 1, kernel_scaling: float = KERNEL_SCALING,
              people_scale: float = 1.0, draws: int = 100, predictive: int = 20,
              progress=None) -> dict[str, Any]:
    """Fit the priors of a targets file to its targets with ABC-SMC; write the posterior.

    Args:
        targets_path: The targets file (:class:`TargetsFile`).
        out_dir: Folder for ``posterior.csv``, ``posterior.json``, ``calibration.db``,
            ``fit.csv`` and ``fit.png``.
        population: Particles per generation.
        generations: Generations of ABC-SMC (at most).
        max_minutes: Wall time after which no new generation starts (pyabc's
            ``max_walltime``); the last finished generation is the posterior.
        resume: Continue the run stored in ``out_dir/calibration.db`` for
            ``generations`` more generations (same targets file), instead of starting
            afresh; the posterior is then the last of all generations. With
            ``resume`` and ``generations`` 0 nothing is run: the outputs are written
            again from the stored run.
        generation: The generation whose particles make the posterior (default: the
            last). An earlier one is a posterior at a looser tolerance, for when the
            last one's weights have collapsed (see its effective sample size).
        workers: Worker processes for pyabc's sampler (1: in this process). With one
            worker and one seed the posterior is reproducible; with more, pyabc accepts
            particles in the order they finish, so it varies a little between runs.
        seed: Seeds pyabc's sampling and, with each draw, the model's runs.
        kernel_scaling: Multiplies the covariance of pyabc's multivariate normal
            proposal kernels (:data:`KERNEL_SCALING`).
        people_scale: Multiplies the setting's group sizes in every run.
        draws: Equally likely draws to resample from the last generation.
        predictive: Posterior draws run again for the fit table and plot.
        progress: Called with a message after each stage, if given.

    Returns:
        The metadata written to ``posterior.json``.
    """
    import pyabc

    from empower.output_folder import folder_lock

    spec, scenario_path = load_targets(targets_path)
    out = Path(out_dir)
    with folder_lock(out):  # a second calibration into out stops at once
        simulator = Simulator(spec, scenario_path, people_scale, seed,
                              load_conditional(spec, targets_path))
        prior, coords = _priors(spec)
        observed = {t.name: t.observed for t in spec.targets}

        def model(par):  # pyabc hands over its coordinates
            return simulator(simulator.setting_draw(_values(par, coords)))

        np.random.seed(seed)  # noqa: NPY002 (pyabc samples its priors from this global one)
        db = out / "calibration.db"
        out.mkdir(parents=True, exist_ok=True)
        if resume and not db.exists():
            raise ConfigError([f"--resume: {db} not found: nothing to continue"])
        if db.exists() and not resume:
            db.unlink()
        # Spawned worker processes (pyabc's multicore samplers fork, which is unsafe once
        # numba's OpenMP threads have run); at most 2 jobs a worker in flight.
        with worker_pool(workers) as pool:
            sampler = (pyabc.sampler.SingleCoreSampler() if workers == 1 else
                       pyabc.sampler.ConcurrentFutureSampler(pool, client_max_jobs=2 * workers))
            abc = pyabc.ABCSMC(model, prior, simulator.distance, population_size=population,
                               sampler=sampler, transitions=pyabc.MultivariateNormalTransition(
                                   scaling=kernel_scaling))
            if resume:
                history = abc.load(f"sqlite:///{db}", 1)
            else:
                abc.new(f"sqlite:///{db}", observed)
            if generations > 0 or not resume:
                history = abc.run(max_nr_populations=generations, max_walltime=None
                                  if max_minutes is None else timedelta(minutes=max_minutes))
        t = history.max_t if generation is None else generation
        if not 0 <= t <= history.max_t:
            raise ConfigError([f"--generation: the stored run has generations 0 to "
                               f"{history.max_t}, not {t}"])
        frame, weights = history.get_distribution(m=0, t=t)
        frame = pd.DataFrame([simulator.setting_draw(_values(row, coords))
                              for row in frame.to_dict("records")])
        ess = float(weights.sum() ** 2 / (weights ** 2).sum())
        rng = np.random.default_rng(seed)
        pick = rng.choice(len(frame), size=draws, replace=True, p=weights / weights.sum())
        posterior = frame.iloc[pick].reset_index(drop=True)
        posterior.insert(0, "draw", np.arange(draws))
        posterior.to_csv(out / "posterior.csv", index=False)
        if progress:
            progress(f"posterior: {draws} draws from generation {t}")

        fit = _fit(simulator, posterior.head(predictive), spec)
        fit.to_csv(out / "fit.csv", index=False)
        _plot_fit(fit, out / "fit.png")
        pops = history.get_all_populations()
        meta = {
            "targets_file": str(targets_path),  # as given (relative paths stay relative)
            "scenario": spec.scenario,  # relative to the targets file
            "population": population, "generations": generations,
            "generations_run": int(history.max_t) + 1, "max_minutes": max_minutes,
            "resumed": resume, "posterior_generation": int(t),
            "workers": workers, "kernel_scaling": kernel_scaling,
            "conditional_on": spec.conditional_on,
            "conditional_meta": _conditional_meta(spec, targets_path),
            "seed": seed, "people_scale": people_scale, "draws": draws,
            "epsilons": [float(e) for e in pops["epsilon"].tolist() if math.isfinite(e)],
            "simulations": int(pops["samples"].sum()),
            "effective_sample_size": ess,
            "priors": [p.model_dump() for p in spec.priors],
            "targets": [t.model_dump() | {"interval": list(t.interval())} for t in spec.targets],
            "pyabc": pyabc.__version__,
            "empower_version": __version__,
            "git": source_commit(),
        }
        (out / "posterior.json").write_text(json.dumps(meta, indent=2) + "\n")
        return meta


def _conditional_meta(spec: TargetsFile, targets_path: Path | str) -> dict[str, Any] | None:
    """The earlier stage's metadata (beside its posterior, as --store writes it), if any."""
    if spec.conditional_on is None:
        return None
    path = (Path(targets_path).parent / spec.conditional_on).resolve().with_suffix(".json")
    return json.loads(path.read_text()) if path.is_file() else None


def _fit(simulator: Simulator, draws: pd.DataFrame, spec: TargetsFile) -> pd.DataFrame:
    """Each target against the model over posterior draws (median and 95% range)."""
    values = []
    for _, row in draws.iterrows():
        values.append(simulator({k: float(v) for k, v in row.items() if k != "draw"}))
    sims = pd.DataFrame(values)
    rows = []
    for t in spec.targets:
        low, high = t.interval()
        s = sims[t.name].dropna()
        q = s.quantile([0.025, 0.5, 0.975]) if len(s) else pd.Series([math.nan] * 3)
        rows.append({"target": t.name, "measure": t.measure, "years": ",".join(map(str, t.years)),
                     "observed": t.observed, "observed_low": low, "observed_high": high,
                     "model_median": float(q.iloc[1]), "model_low": float(q.iloc[0]),
                     "model_high": float(q.iloc[2]),
                     "inside": bool(low <= q.iloc[1] <= high), "fitted": t.fitted,
                     "source": t.source})
    return pd.DataFrame(rows)


def _plot_fit(fit: pd.DataFrame, path: Path) -> None:
    """Every target: observed with its interval beside the model's posterior range."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(fit)
    fig, ax = plt.subplots(figsize=(8, 0.45 * n + 1.2))
    y = np.arange(n)[::-1]
    for yi, (_, r) in zip(y, fit.iterrows(), strict=True):
        ratio = r.measure.startswith("odds_ratio:")
        scale = (lambda v: math.log(v) if v > 0 else math.nan) if ratio else (lambda v: v)
        ax.plot([scale(r.observed_low), scale(r.observed_high)], [yi + 0.15] * 2, color="k")
        ax.plot(scale(r.observed), yi + 0.15, "ko", label="observed" if yi == y[0] else None)
        ax.plot([scale(r.model_low), scale(r.model_high)], [yi - 0.15] * 2, color="C1")
        ax.plot(scale(r.model_median), yi - 0.15, "o", color="C1",
                label="model (posterior)" if yi == y[0] else None)
    ax.set_yticks(y)
    ax.set_yticklabels([f"{r.target} ({'log OR' if r.measure.startswith('odds') else 'share'})"
                        for _, r in fit.iterrows()], fontsize=8)
    ax.set_xlabel("value (proportions; odds ratios on the log scale)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=2, fontsize=8,
              frameon=False)
    ax.set_title("Calibration targets: observed (95% interval) and model (95% range)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
