"""The legal section: the regime in force (a name or a step timeline) and what each does."""

from __future__ import annotations

from pydantic import model_validator

from empower.core.parameter_types import Positive, Prob, Section, category

__all__ = ["REGIMES", "Regime", "RegimeComponents", "LegalParams"]


# Legal regimes, in order from most to least punitive.
REGIMES = ("criminalised", "partial", "end_demand", "decriminalised")
Regime = category(REGIMES, "a legal regime")


class RegimeComponents(Section):
    """What a legal regime does; each component may be a timeline (processes/legal/).

    ``policing_intensity`` (of sex workers), ``client_policing_intensity`` (of clients,
    which also brings police to where sex workers work), ``or_condom_bargaining`` and
    ``rr_service_access`` are relative to the conditions under which the setting's
    baseline rates were observed (1 = as observed; client policing adds to the
    encounters that policing of sex workers brings); ``prop_condom_confiscation`` and
    ``prop_organising_capacity`` are absolute. Displacement and rushed negotiation are
    not a regime constant: they follow each police encounter (processes/violence/).
    """

    policing_intensity: Positive
    client_policing_intensity: Positive
    prop_condom_confiscation: Prob
    or_condom_bargaining: Positive
    rr_service_access: Positive
    prop_organising_capacity: Prob

class LegalParams(Section):
    """The legal regime now (a name or a step timeline of names) and what each does."""

    regime: Regime
    regimes: dict[str, RegimeComponents]

    @model_validator(mode="after")
    def _every_regime(self) -> LegalParams:
        missing = [r for r in REGIMES if r not in self.regimes]
        unknown = [r for r in self.regimes if r not in REGIMES]
        if missing or unknown:
            raise ValueError(f"legal.regimes must describe exactly {', '.join(REGIMES)}; "
                             f"missing: {missing or 'none'}, unknown: {unknown or 'none'}")
        return self
