"""Simulated cross-sectional surveys of sex workers, measured as the field studies measured.

An IBBA-style survey (integrated biological and behavioural assessment, as in Mysore
2004 and 2006, Reza-Paul et al. 2008, and Karnataka 2005-2009, Beattie et al. 2010):
on a fieldwork date, a sample of the sex workers who are working is tested and asked
about their recent behaviour. Everything is measured on the respondents, with the
studies' definitions, recall periods and denominators, never read from a model-wide
counter.

Steps of a survey (:func:`survey_model`):

1. Before fieldwork, a :class:`BehaviourRecorder` watches every contact of every sex
   worker (an observer of :class:`empower.processes.partnerships.process.Partnerships`): for
   each week, her acts and protected acts with one-off clients, regular clients and
   her intimate partner. Acts and condom use are drawn with the model's own streams,
   so they are the very acts transmission uses, and recording changes nothing else.
2. Fieldwork is at mid-year (``year + 0.5``). The sampling frame is every sex worker
   present and working that week (not paused, not detained): those a survey team finds
   at venues. The sample is drawn without replacement (stream ``survey.sample``):
   ``simple`` (equal chances) or ``venue`` (stratified by venue type, proportional
   allocation, largest remainders).
3. Each respondent is measured (:data:`MEASURES`):

   * ``hiv``, and each STI by name: infected at fieldwork (a perfect test; assumption);
   * ``condom_last_sex_one_off``, ``..._regular_client``, ``..._intimate_partner``:
     whether the last act with that kind of partner in the last
     :data:`LAST_SEX_WINDOW_WEEKS` weeks was protected (the last week with such acts;
     one of its acts at random, stream ``survey.last_act``); missing if none;
   * ``consistent_condom_clients``: every act with clients (one-off and regular) in the
     recall period protected ("zero unprotected sex acts with clients in the previous
     month", Beattie et al. 2010); missing if she had no act with a client in it;
   * ``violence_client``, ``violence_partner``, ``violence_police``, ``violence_any``
     and ``violence_non_police`` (client or partner): in the past year;
   * ``arrested``, ``condoms_confiscated``: in the past year; ``repressive_policing``:
     any of arrest, confiscation or police violence in the past year (the exposures
     Platt et al. 2018 pooled);
   * ``member`` (of a community group now) and ``years_in_sex_work``.

4. Estimates (:func:`survey_estimates`): each measure's proportion among respondents who
   answered, with a Wilson 95% interval.
5. Odds ratios (:func:`survey_odds_ratios`): for each of :data:`ANALYSES`, a logistic
   regression of the outcome on the exposure (statsmodels), crude and adjusted for
   years in sex work, with 95% Wald intervals, beside the published value it is
   compared with (a calibration target or a result, as the analysis says).

The model does not represent individual outreach contact, so "ever contacted by a peer
educator" is not measured; group membership stands for programme exposure.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from empower.core.infection_bits_kernels import sti_bit
from empower.core.status_bits import HAS_HIV
from empower.population import SEX_WORKER
from empower.processes.partnerships.kernels import acts_per_contact, protected_acts
from empower.units import STEPS_PER_YEAR

if TYPE_CHECKING:
    from empower.model import EmpowerModel
    from empower.scenario import Scenario

__all__ = [
    "SurveyDesign",
    "BehaviourRecorder",
    "Analysis",
    "ANALYSES",
    "MEASURES",
    "LAST_SEX_WINDOW_WEEKS",
    "survey_model",
    "run_surveys",
    "survey_estimates",
    "survey_odds_ratios",
    "wilson_interval",
]

# "Last sex" with a kind of partner is looked for in this many weeks before fieldwork.
LAST_SEX_WINDOW_WEEKS = 13
KIND_NAMES = ("one_off", "regular_client", "intimate_partner")  # partnership kinds 0-2
CLIENT_KINDS = (0, 1)

Sampling = Literal["simple", "venue"]


@dataclass(frozen=True)
class SurveyDesign:
    """One survey: when, how many, how sampled, and the recall period.

    Attributes:
        year: Calendar year of the survey; fieldwork is at mid-year (``year + 0.5``).
        sample_size: Respondents wanted (fewer if fewer sex workers are working).
        recall_days: Recall period for consistent condom use (days; 30 = the previous
            month, as in Beattie et al. 2010); rounded to whole weeks.
        sampling: ``simple`` (equal chances) or ``venue`` (stratified by venue type,
            proportional allocation).
        fieldwork_fraction: When in the year fieldwork happens (0.5: mid-year).
    """

    year: int
    sample_size: int = 400
    recall_days: int = 30
    sampling: Sampling = "simple"
    fieldwork_fraction: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 <= self.fieldwork_fraction < 1.0:
            raise ValueError(f"fieldwork fraction must be from 0 to below 1, got "
                             f"{self.fieldwork_fraction}")
        if self.sample_size < 1:
            raise ValueError(f"sample size must be at least 1, got {self.sample_size}")
        if not 7 <= self.recall_days <= 7 * LAST_SEX_WINDOW_WEEKS:
            raise ValueError(f"recall period must be from 7 to {7 * LAST_SEX_WINDOW_WEEKS} "
                             f"days, got {self.recall_days}")
        if self.sampling not in ("simple", "venue"):
            raise ValueError(f"sampling must be 'simple' or 'venue', got {self.sampling!r}")

    @property
    def fieldwork_year(self) -> float:
        """The fieldwork date: ``year + fieldwork_fraction`` (mid-year by default)."""
        return self.year + self.fieldwork_fraction

    @property
    def recall_weeks(self) -> int:
        """The recall period in whole weeks (at least one)."""
        return max(1, round(self.recall_days / 7))

    def fieldwork_step(self, start_year: int) -> int:
        """The model step at whose start fieldwork happens."""
        return round((self.fieldwork_year - start_year) * STEPS_PER_YEAR)


class BehaviourRecorder:
    """Records sex workers' acts and protected acts by partnership kind before fieldwork.

    An observer of :class:`empower.processes.partnerships.process.Partnerships`: called with
    every contact of the week (before the contacts without infection are dropped) while
    some survey's window is open. It draws each contact's acts and protected acts with
    the model's streams (``acts``, ``condom``), the same numbers transmission uses.

    Per sex worker (by row; moved with the rows, :meth:`remap_rows`) it keeps, for
    each survey: acts and unprotected acts with clients in the recall period; for each
    kind, the last week with acts in the last-sex window and that week's acts and
    protected acts.
    """

    def __init__(self, designs: list[SurveyDesign], start_year: int):
        self.designs = list(designs)
        self.start_year = start_year
        self.windows = []
        for d in self.designs:
            end = d.fieldwork_step(start_year)
            self.windows.append((end - LAST_SEX_WINDOW_WEEKS, end - d.recall_weeks, end))
        self._size = 0
        self.client_acts = [np.zeros(0) for _ in self.designs]
        self.client_unprotected = [np.zeros(0) for _ in self.designs]
        self.last_step = [np.full((len(KIND_NAMES), 0), -1, dtype=np.int64)
                          for _ in self.designs]
        self.last_acts = [np.zeros((len(KIND_NAMES), 0)) for _ in self.designs]
        self.last_protected = [np.zeros((len(KIND_NAMES), 0)) for _ in self.designs]

    def _grow(self, n: int) -> None:
        if n <= self._size:
            return
        new = max(n, 2 * self._size, 1024)
        extra = new - self._size
        for i in range(len(self.designs)):
            self.client_acts[i] = np.r_[self.client_acts[i], np.zeros(extra)]
            self.client_unprotected[i] = np.r_[self.client_unprotected[i], np.zeros(extra)]
            k = len(KIND_NAMES)
            self.last_step[i] = np.hstack([self.last_step[i],
                                           np.full((k, extra), -1, dtype=np.int64)])
            self.last_acts[i] = np.hstack([self.last_acts[i], np.zeros((k, extra))])
            self.last_protected[i] = np.hstack([self.last_protected[i], np.zeros((k, extra))])
        self._size = new

    def remap_rows(self, new_of_old: np.ndarray) -> None:
        """Rows moved (the population was compacted): move each kept row's records."""
        self._grow(new_of_old.size)
        kept = np.flatnonzero(new_of_old >= 0)
        k = kept.size
        for i in range(len(self.designs)):
            for values, empty in ((self.client_acts[i], 0.0), (self.client_unprotected[i], 0.0),
                                  (self.last_step[i], -1), (self.last_acts[i], 0.0),
                                  (self.last_protected[i], 0.0)):
                values[..., :k] = values[..., kept]
                values[..., k:] = empty

    def active(self, step: int) -> list[int]:
        """The surveys whose last-sex window holds ``step``."""
        return [i for i, (first, _, end) in enumerate(self.windows) if first <= step < end]

    def __call__(self, model: EmpowerModel, kind: int, a: np.ndarray, b: np.ndarray,
                 draw: np.ndarray, mean_acts: float, minimum: int,
                 p_condom: np.ndarray | float) -> None:
        """Record one kind of the week's contacts (``a`` is the sex worker for kinds 0-2)."""
        step = model.step_index
        surveys = self.active(step)
        if kind >= len(KIND_NAMES) or not surveys or a.size == 0:
            return
        s = model.streams
        uid = model.pop.uid
        uid_a, uid_b = uid[a].astype(np.int64), uid[b].astype(np.int64)  # the draws' keys
        n_acts = acts_per_contact(uid_a, uid_b, draw, mean_acts, minimum, s["acts"], step)
        p = (np.full(a.size, float(p_condom)) if np.ndim(p_condom) == 0
             else np.ascontiguousarray(p_condom, dtype=np.float64))
        n_protected = protected_acts(uid_a, uid_b, draw, n_acts, p, s["condom"], step)
        self._grow(model.pop.n)
        n = self._size
        week_acts = np.bincount(a, weights=n_acts, minlength=n)
        week_protected = np.bincount(a, weights=n_protected, minlength=n)
        had = np.flatnonzero(week_acts > 0)
        for i in surveys:
            self.last_step[i][kind, had] = step
            self.last_acts[i][kind, had] = week_acts[had]
            self.last_protected[i][kind, had] = week_protected[had]
            if kind in CLIENT_KINDS and step >= self.windows[i][1]:
                self.client_acts[i] += week_acts
                self.client_unprotected[i] += week_acts - week_protected


# Measures: name -> what it is (the survey question, as a study would report it)
MEASURES: dict[str, str] = {
    "hiv": "HIV infection at fieldwork",
    "condom_last_sex_one_off": "condom at last sex with an occasional (one-off) client",
    "condom_last_sex_regular_client": "condom at last sex with a repeat (regular) client",
    "condom_last_sex_intimate_partner": "condom at last sex with a regular non-paying partner",
    "consistent_condom_clients": "zero unprotected acts with clients in the recall period",
    "violence_client": "violence by a client in the past year",
    "violence_partner": "violence by an intimate partner in the past year",
    "violence_police": "violence by police in the past year",
    "violence_any": "beaten or raped by anyone in the past year",
    "violence_non_police": "violence by a client or partner in the past year",
    "arrested": "arrested in the past year",
    "condoms_confiscated": "condoms taken by police in the past year",
    "repressive_policing": "arrest, condom confiscation or police violence in the past year",
    "member": "member of a community group",
}


@dataclass(frozen=True)
class Analysis:
    """An odds ratio as a study reported it: outcome, exposure and the published value.

    ``role`` is ``target`` (a behavioural association calibration may fit) or
    ``result`` (an outcome a policy question asks about: reported, never tuned to).
    """

    name: str
    outcome: str
    exposure: str
    published: tuple[float, float, float] | None
    source: str
    role: Literal["target", "result"]


ANALYSES: tuple[Analysis, ...] = (
    Analysis("empowerment_condom", "consistent_condom_clients", "member", (3.27, 2.32, 4.6),
             "Kerrigan et al. 2015: consistent condom use with clients, community "
             "empowerment (upper bound 4.6x, not fully read)", "target"),
    Analysis("violence_condom", "consistent_condom_clients", "violence_any", (0.4, 0.3, 0.5),
             "Beattie et al. 2010: zero unprotected acts with clients in the previous "
             "month vs beaten or raped in the past year, AOR", "target"),
    Analysis("violence_gonorrhoea", "gonorrhoea", "violence_any", (1.9, 1.1, 3.3),
             "Beattie et al. 2010: gonorrhoea vs violence in the past year, AOR", "result"),
    Analysis("policing_condomless", "condomless_clients", "repressive_policing",
             (1.42, 1.03, 1.94),
             "Platt et al. 2018: condomless sex vs repressive policing, pooled OR", "target"),
    Analysis("policing_violence", "violence_non_police", "repressive_policing",
             (2.99, 1.96, 4.57),
             "Platt et al. 2018: sexual or physical violence vs repressive policing, pooled "
             "OR", "target"),
    Analysis("empowerment_hiv", "hiv", "member", None,
             "result: HIV vs community group membership", "result"),
    Analysis("empowerment_gonorrhoea", "gonorrhoea", "member", None,
             "result: gonorrhoea vs community group membership", "result"),
    Analysis("empowerment_chlamydia", "chlamydia", "member", None,
             "result: chlamydia vs community group membership", "result"),
)


def _sample(model: EmpowerModel, design: SurveyDesign, frame: np.ndarray) -> np.ndarray:
    """Respondents: the frame's uids with the smallest uniforms (per stratum)."""
    u = model.streams.uniforms("survey.sample", model.step_index, frame, design.year)
    # (the draw index is the year: two surveys of one year differ by their week)
    n = min(design.sample_size, frame.size)
    if design.sampling == "simple":
        return np.sort(frame[np.argsort(u, kind="stable")[:n]])
    venue = model.pop.venue[frame]
    strata, sizes = np.unique(venue, return_counts=True)
    quota = n * sizes / sizes.sum()
    take = np.floor(quota).astype(np.int64)
    short = n - take.sum()
    take[np.argsort(-(quota - take), kind="stable")[:short]] += 1
    chosen = []
    for v, t in zip(strata, take, strict=True):
        inside = np.flatnonzero(venue == v)
        chosen.append(frame[inside[np.argsort(u[inside], kind="stable")[:t]]])
    return np.sort(np.concatenate(chosen))


def survey_model(model: EmpowerModel, recorder: BehaviourRecorder, index: int) -> pd.DataFrame:
    """Field survey ``index`` of ``recorder`` now (at its fieldwork step); one row a respondent.

    Missing answers (no such partner in the window, no client act in the recall
    period) are NaN; every other measure is 0 or 1.
    """
    design = recorder.designs[index]
    step = model.step_index
    if step != recorder.windows[index][2]:
        raise RuntimeError(f"survey of {design.year} is fielded at step "
                           f"{recorder.windows[index][2]}, not {step}")
    pop, year = model.pop, model.year
    sw = model.members[SEX_WORKER]
    frame = sw[(pop.exit_year[sw] > year) & (pop.pause_until_year[sw] <= year)]
    uids = _sample(model, design, frame)
    recorder._grow(pop.n)
    out: dict[str, np.ndarray] = {"uid": pop.uid[uids].astype(np.int64),
                                  "venue": pop.venue[uids].astype(np.int64)}
    out["years_in_sex_work"] = year - pop.entry_year[uids]
    out["hiv"] = ((pop.infections[uids] & HAS_HIV) != 0).astype(float)
    for k, name in enumerate(model.stis.names):
        out[name] = ((pop.infections[uids] & sti_bit(k)) != 0).astype(float)
    u_last = model.streams.uniforms("survey.last_act", step, uids, design.year)
    for kind, kind_name in enumerate(KIND_NAMES):
        acts = recorder.last_acts[index][kind, uids]
        protected = recorder.last_protected[index][kind, uids]
        had = recorder.last_step[index][kind, uids] >= 0
        share = np.divide(protected, acts, out=np.zeros(uids.size), where=acts > 0)
        out[f"condom_last_sex_{kind_name}"] = np.where(had, (u_last < share).astype(float),
                                                       np.nan)
    acts = recorder.client_acts[index][uids]
    unprotected = recorder.client_unprotected[index][uids]
    consistent = np.where(acts > 0, (unprotected == 0).astype(float), np.nan)
    out["consistent_condom_clients"] = consistent
    out["condomless_clients"] = 1.0 - consistent

    def past_year(column: np.ndarray) -> np.ndarray:
        return ((column > year - 1.0) & (column <= year)).astype(float)

    out["violence_client"] = past_year(pop.violence_client_year[uids])
    out["violence_partner"] = past_year(pop.violence_partner_year[uids])
    out["violence_police"] = past_year(pop.violence_police_year[uids])
    out["violence_any"] = np.maximum.reduce([out["violence_client"], out["violence_partner"],
                                             out["violence_police"]])
    out["violence_non_police"] = np.maximum(out["violence_client"], out["violence_partner"])
    out["arrested"] = past_year(pop.arrest_year[uids])
    out["condoms_confiscated"] = past_year(pop.confiscation_year[uids])
    out["repressive_policing"] = np.maximum.reduce([out["arrested"], out["condoms_confiscated"],
                                                    out["violence_police"]])
    out["member"] = (~np.isnan(pop.member_since_year[uids])).astype(float)
    table = pd.DataFrame(out)
    table.insert(0, "survey_year", design.year)
    table.attrs["history_years"] = float(year - model.start_year)
    return table


def run_surveys(scenario: Scenario, designs: list[SurveyDesign], seed: int,
                people_scale: float = 1.0, replicate: int = 0,
                threads: int | None = None) -> pd.DataFrame:
    """Run ``scenario`` up to its last survey and field every survey; the respondents.

    Raises:
        ValueError: If a survey's fieldwork falls outside the run, or its last-sex
            window before the run's start.
    """
    from empower.allocator import keep_freed_memory
    from empower.model import EmpowerModel
    from empower.survey_fielding import FieldedSurveys

    keep_freed_memory()
    model = EmpowerModel(scenario, seed=seed, people_scale=people_scale, threads=threads)
    try:
        surveys = FieldedSurveys(model, designs)  # checks every survey fits the run
        while True:  # up to the last survey only
            surveys.field_due()
            if not surveys.due:
                break
            model.step()
    finally:
        model.release()
    table = surveys.respondents
    table.insert(0, "replicate", replicate)
    table.insert(1, "seed", seed)
    table.insert(0, "scenario", scenario.name)
    return table


def wilson_interval(k: float, n: float) -> tuple[float, float]:
    """Wilson's 95% interval for ``k`` successes in ``n`` (NaN, NaN for n = 0)."""
    if n <= 0:
        return math.nan, math.nan
    z = 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def survey_estimates(respondents: pd.DataFrame, stis: list[str]) -> pd.DataFrame:
    """Each measure's proportion among those who answered, with a Wilson 95% interval.

    One row per scenario, replicate, survey year and measure: ``value``, ``ci_low``,
    ``ci_high``, ``n`` (who answered) and ``n_sample``.
    """
    measures = ["hiv", *stis, *(m for m in MEASURES if m != "hiv")]
    rows = []
    keys = ["scenario", "replicate", "seed", "survey_year"]
    for key, group in respondents.groupby(keys, sort=True):
        for m in measures:
            answered = group[m].dropna()
            n, k = len(answered), float(answered.sum())
            low, high = wilson_interval(k, n)
            rows.append({**dict(zip(keys, key, strict=True)), "measure": m,
                         "value": k / n if n else math.nan, "ci_low": low, "ci_high": high,
                         "n": n, "n_sample": len(group)})
    return pd.DataFrame(rows)


def _logit_or(y: np.ndarray, x: np.ndarray, covariate: np.ndarray | None
              ) -> tuple[float, float, float, str]:
    """Odds ratio of ``x`` (0/1) for ``y`` (0/1), optionally adjusted; 95% Wald interval."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    if len(np.unique(y)) < 2 or len(np.unique(x)) < 2:
        return math.nan, math.nan, math.nan, "no variation in outcome or exposure"
    cols = [np.ones_like(x), x] if covariate is None else [np.ones_like(x), x, covariate]
    design = np.column_stack(cols)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        # near-separation overflows exp inside the fit; caught below as not estimable
        warnings.filterwarnings("ignore", "overflow encountered in exp", RuntimeWarning)
        try:
            fit = sm.Logit(y, design).fit(disp=0, maxiter=200)
        except (PerfectSeparationWarning, np.linalg.LinAlgError) as exc:
            return math.nan, math.nan, math.nan, f"not estimable: {type(exc).__name__}"
    beta, (low, high) = fit.params[1], fit.conf_int()[1]
    if not np.all(np.abs([beta, low, high]) < 700):  # exp would overflow: separation
        return math.nan, math.nan, math.nan, "not estimable: quasi-separation"
    return float(np.exp(beta)), float(np.exp(low)), float(np.exp(high)), ""


def survey_odds_ratios(respondents: pd.DataFrame,
                       analyses: tuple[Analysis, ...] = ANALYSES) -> pd.DataFrame:
    """Every analysis's odds ratio per survey: crude and adjusted for years in sex work.

    Respondents with a missing outcome are left out (as a study leaves out those not
    asked). One row per scenario, replicate, survey year, analysis and adjustment, with
    the published value beside it.
    """
    rows = []
    keys = ["scenario", "replicate", "seed", "survey_year"]
    for key, group in respondents.groupby(keys, sort=True):
        for a in analyses:
            if a.outcome not in group or a.exposure not in group:
                continue
            data = group[[a.outcome, a.exposure, "years_in_sex_work"]].dropna()
            y = data[a.outcome].to_numpy(float)
            x = data[a.exposure].to_numpy(float)
            for adjusted in (False, True):
                cov = data["years_in_sex_work"].to_numpy(float) if adjusted else None
                odds, low, high, note = _logit_or(y, x, cov)
                pub = a.published or (math.nan, math.nan, math.nan)
                rows.append({
                    **dict(zip(keys, key, strict=True)), "analysis": a.name,
                    "outcome": a.outcome, "exposure": a.exposure,
                    "adjusted_for": "years_in_sex_work" if adjusted else "",
                    "odds_ratio": odds, "ci_low": low, "ci_high": high, "n": len(data),
                    "n_exposed": int(x.sum()), "published": pub[0],
                    "published_low": pub[1], "published_high": pub[2],
                    "role": a.role, "source": a.source, "note": note,
                })
    return pd.DataFrame(rows)

