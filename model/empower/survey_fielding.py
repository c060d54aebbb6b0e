"""Surveys fielded during a model run, and their estimates as rows of the outputs.

:class:`FieldedSurveys` attaches a :class:`empower.survey.BehaviourRecorder` to a model
and fields each survey at its step, so a run can go on to its end with surveys taken
along the way (``empower baseline`` records their measures beside the outputs). The
recorder draws acts and condoms with the model's own counter-based streams, so a run
with surveys has the same outputs as one without.

:func:`survey_rows` turns respondents into tidy rows: each measure's proportion among
those who answered (metric ``survey_<measure>``) and each analysis's odds ratio
adjusted for years in sex work (metric ``survey_or_<analysis>``), group
``sex_workers``, at the survey's year.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from empower.survey import (
    LAST_SEX_WINDOW_WEEKS,
    BehaviourRecorder,
    SurveyDesign,
    survey_estimates,
    survey_model,
    survey_odds_ratios,
)

if TYPE_CHECKING:
    from empower.model import EmpowerModel
    from empower.scenario import Scenario

__all__ = ["FieldedSurveys", "check_designs", "survey_rows", "SURVEY_GROUP"]

SURVEY_GROUP = "sex_workers"


def check_designs(scenario: Scenario, designs: list[SurveyDesign]) -> None:
    """Every survey's last-sex window and fieldwork must fall inside the run.

    Raises:
        ValueError: Naming the survey year, its fieldwork date and the run's years.
    """
    if not designs:
        raise ValueError("no survey to field")
    recorder = BehaviourRecorder(designs, scenario.run_start_year)
    for d, (first, _, end) in zip(designs, recorder.windows, strict=True):
        if first < 0 or end > scenario.n_steps:
            raise ValueError(
                f"survey year {d.year}: fieldwork at {d.fieldwork_year} needs "
                f"{LAST_SEX_WINDOW_WEEKS} weeks of the run before it and must fall before "
                f"the run's end; the scenario runs {scenario.run_start_year}-{scenario.end_year}"
                f" (burn-in from {scenario.run_start_year}, reported from {scenario.start_year})")


class FieldedSurveys:
    """Surveys taken during one model's run.

    Steps: attach a behaviour recorder to the model's partnerships (at creation);
    before every step, :meth:`field_due` fields the surveys whose fieldwork step has
    come; :attr:`respondents` stacks what they found.
    """

    def __init__(self, model: EmpowerModel, designs: list[SurveyDesign]):
        model.scenario.one_site("a survey")  # a survey is fielded at one site
        check_designs(model.scenario, designs)
        self.model = model
        self.recorder = BehaviourRecorder(designs, model.scenario.run_start_year)
        model.partnerships.observers.append(self.recorder)
        self.due: dict[int, list[int]] = {}  # fieldwork step -> the surveys fielded then
        for i, (_, _, end) in enumerate(self.recorder.windows):
            self.due.setdefault(end, []).append(i)
        self.parts: list[pd.DataFrame] = []

    def field_due(self) -> None:
        """Field every survey whose fieldwork is at the model's current step."""
        for index in self.due.pop(self.model.step_index, []):
            self.parts.append(survey_model(self.model, self.recorder, index))

    @property
    def respondents(self) -> pd.DataFrame:
        """Every respondent of the surveys fielded so far, in fieldwork order."""
        return pd.concat(self.parts, ignore_index=True)


def survey_rows(respondents: pd.DataFrame, stis: list[str]) -> pd.DataFrame:
    """Tidy rows (year, metric, group, value) of one replicate's surveys.

    Proportions of every measure (NaN where nobody answered) and the odds ratios
    adjusted for years in sex work (NaN where not estimable), one row per survey.
    """
    r = respondents.assign(scenario="", replicate=0, seed=0)
    estimates = survey_estimates(r, stis)
    odds = survey_odds_ratios(r)
    odds = odds[odds.adjusted_for != ""]
    rows = pd.concat([
        pd.DataFrame({"year": estimates.survey_year, "metric": "survey_" + estimates.measure,
                      "value": estimates.value}),
        pd.DataFrame({"year": odds.survey_year, "metric": "survey_or_" + odds.analysis,
                      "value": odds.odds_ratio}),
    ], ignore_index=True)
    rows["group"] = SURVEY_GROUP
    rows["year"] = rows["year"].astype("int64")
    rows["value"] = rows["value"].astype("float64")
    return rows[["year", "metric", "group", "value"]]
