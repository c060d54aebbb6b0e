"""The legal environment: which regime holds, and what it does.

A regime acts on policing, condoms, services and organising.

Four regimes (:data:`empower.processes.legal.parameters.REGIMES`):

* ``criminalised``: selling, buying and organising are all offences;
* ``partial``: selling is legal, but soliciting, brothels and organising are not (India
  under the Immoral Traffic (Prevention) Act; Mysore's regime);
* ``end_demand``: buying is an offence, selling is not (the "Nordic" model);
* ``decriminalised``: none of these is an offence (New Zealand since 2003).

``legal.regime`` names the regime in force, a name or a step timeline of names
(``{2004 = "partial", 2010 = "decriminalised"}``), so a scenario changes the law at any
year. Each regime sets six named components (``legal.regimes.NAME``, each a constant
or a timeline that a scenario may override, e.g. a crackdown raises
``policing_intensity``):

========================== ===========================================================
``policing_intensity``     multiplies police violence, arrests and police encounters
                           (1 = as when the setting's rates were observed)
``client_policing_intensity`` policing of clients, which adds police encounters where
                           sex workers work (end demand)
``prop_condom_confiscation`` chance that a police encounter takes a sex worker's condoms
``or_condom_bargaining``   odds multiplier on condom use with clients: clients'
                           bargaining power
``rr_service_access``      multiplies sex workers' HIV testing, clinic visits and PrEP
                           uptake
``prop_organising_capacity`` multiplies community groups' recruitment and cohesion growth
========================== ===========================================================

Steps of :meth:`Legal.step` (each week, first of the structural layer):

1. Look up the regime in force and its components at this year (:attr:`Legal.now`),
   published as the week's ``legal``.
2. Start the week's structural factors of every present sex worker from the law:
   ``condom_odds_clients`` = bargaining; ``service_factor`` = service access;
   ``art_dropout_factor`` = 1. Displacement and rushed negotiation are no regime
   constant: each police encounter displaces a sex worker for a while
   (:mod:`empower.processes.violence`), so policing, advocacy and the regime all move
   them. Mobilisation and violence then multiply their
   own effects into these columns, which partnerships (condom use with clients) and
   the cascade (testing, dropout) read.

With every component at 1 (and confiscation irrelevant because nobody meets police),
the law changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from empower.core.process import Process, Reporters
from empower.core.resolved import resolve
from empower.population import SEX_WORKER

if TYPE_CHECKING:
    from empower.site import Site

__all__ = ["Legal", "LegalNow"]


@dataclass(frozen=True)
class LegalNow:
    """The regime in force this week and its components' values."""

    regime: str
    policing_intensity: float
    client_policing_intensity: float
    prop_condom_confiscation: float
    or_condom_bargaining: float
    rr_service_access: float
    prop_organising_capacity: float


class Legal(Process):
    """The legal regime and the structural factors it starts each week with."""

    name = "legal"
    sections = ("legal",)
    factors = ("condom_odds_clients", "service_factor", "art_dropout_factor")
    publishes = ("legal",)

    def init(self, site: Site) -> None:
        """Look up the regime at the start year."""
        self.now = self.at(site, site.year)

    @staticmethod
    def at(site: Site, year: float) -> LegalNow:
        """The regime in force at ``year`` and its components."""
        p = site.now.legal if year == site.year else resolve(site.params.legal, year)
        regime = str(p.regime)
        c = p.regimes[regime]
        return LegalNow(
            regime=regime,
            policing_intensity=c.policing_intensity,
            client_policing_intensity=c.client_policing_intensity,
            prop_condom_confiscation=c.prop_condom_confiscation,
            or_condom_bargaining=c.or_condom_bargaining,
            rr_service_access=c.rr_service_access,
            prop_organising_capacity=c.prop_organising_capacity,
        )

    def step(self, site: Site) -> None:
        """Look up the regime; start the sex workers' structural factors from it."""
        self.now = now = self.at(site, site.year)
        site.week.legal = now
        pop, sw = site.pop, site.members[SEX_WORKER]
        pop.condom_odds_clients[sw] = now.or_condom_bargaining
        pop.service_factor[sw] = now.rr_service_access
        pop.art_dropout_factor[sw] = 1.0

    def record(self) -> Reporters:
        """Yearly reporters of the regime in force at the year's end.

        ``policing_intensity|sex_workers`` (the regime's, before groups' advocacy) and
        ``decriminalised|sex_workers`` (1 if so, else 0).
        """
        return {
            ("policing_intensity", "sex_workers"): lambda m: self.now.policing_intensity,
            ("decriminalised", "sex_workers"): lambda m: float(
                self.now.regime == "decriminalised"),
        }
