"""The prep section: uptake, adherence, efficacy, discontinuation."""

from __future__ import annotations

from pydantic import model_validator

from empower.core.parameter_types import Prob, Rate, Section, constant

__all__ = ["PrepParams"]


class PrepParams(Section):
    """Oral PrEP offered to members by their group (processes/prep/)."""

    rate_uptake_per_year: Rate
    rate_discontinuation_per_year: Rate
    prop_adherence_high: Prob
    prop_adherence_medium: Prob
    efficacy_high_adherence: Prob
    efficacy_medium_adherence: Prob
    efficacy_low_adherence: Prob

    @model_validator(mode="after")
    def _shares(self) -> PrepParams:
        total = (constant(self.prop_adherence_high, "prop_adherence_high")
                 + constant(self.prop_adherence_medium, "prop_adherence_medium"))
        if total > 1 + 1e-9:
            raise ValueError("prop_adherence_high + prop_adherence_medium must be at most 1 "
                             f"(the rest have low adherence), not {total:g}")
        return self
