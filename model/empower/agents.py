"""Mesa agents. People are thin views over a row of the population table.

A view holds only the model and a uid; every attribute reads the arrays, so a view
is always current and costs nothing while unused. Views are made on demand
(``model.person(uid)``, ``model.views(group)``) for inspection, tests and dashboards;
the step loop never touches them, so a run of a million people makes no objects.
``CommunityGroup`` (with real behaviour) comes with the mobilisation layer.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa

from empower.population import GENDER_NAMES, GROUP_NAMES
from empower.timeline import value_at

if TYPE_CHECKING:
    from empower.model import EmpowerModel

__all__ = ["PersonView", "SexWorker", "Client", "Partner"]


class PersonView(mesa.Agent):
    """A read-only view of one person."""

    def __init__(self, model: EmpowerModel, uid: int):
        super().__init__(model)
        self.uid = int(uid)

    @property
    def group(self) -> str:
        """sex_workers, clients, partners_of_sex_workers or partners_of_clients."""
        return GROUP_NAMES[int(self.model.pop.group[self.uid])]

    @property
    def gender(self) -> str:
        """female, trans or male."""
        return GENDER_NAMES[int(self.model.pop.gender[self.uid])]

    @property
    def age_years(self) -> float:
        """Age now, derived from the birth year."""
        return float(self.model.year - self.model.pop.birth_year[self.uid])

    @property
    def present(self) -> bool:
        """Whether the person is in the model now."""
        pop = self.model.pop
        return bool(pop.entry_year[self.uid] <= self.model.year < pop.exit_year[self.uid])

    @property
    def hiv_stage(self) -> str:
        """none, acute, chronic or late (derived from infection and death times)."""
        pop, year = self.model.pop, self.model.year
        infected = pop.hiv_infected_year[self.uid]
        if math.isnan(infected) or infected > year:
            return "none"
        h = self.model.params.hiv
        if year - infected < value_at(h.dur_acute_years, year):
            return "acute"
        if year >= pop.hiv_death_year[self.uid] - value_at(h.dur_late_years, year):
            return "late"
        return "chronic"

    @property
    def stis(self) -> list[str]:
        """The STIs this person has now."""
        pop, year = self.model.pop, self.model.year
        return [
            name for k, name in enumerate(self.model.stis.names)
            if pop.sti_infected_year[self.uid, k] <= year < pop.sti_clear_year[self.uid, k]
        ]

    def row(self) -> dict[str, object]:
        """Every stored column for this person."""
        return self.model.pop.row(self.uid)

    def step(self) -> None:
        """Views do nothing on their own."""


class SexWorker(PersonView):
    """A sex worker (view)."""

    @property
    def working(self) -> bool:
        """Present and not paused (derived)."""
        pop = self.model.pop
        return self.present and bool(pop.pause_until_year[self.uid] <= self.model.year)

    @property
    def venue(self) -> str:
        """The venue type's name."""
        return list(self.model.params.sex_workers.venues)[int(self.model.pop.venue[self.uid])]

    @property
    def years_in_sex_work(self) -> float:
        """Time since entry into sex work."""
        return float(self.model.year - self.model.pop.entry_year[self.uid])


class Client(PersonView):
    """A client (view)."""

    @property
    def visits_per_week(self) -> float:
        """Mean visits to sex workers a week."""
        return float(self.model.pop.visits_per_week[self.uid])

    @property
    def circumcised(self) -> bool:
        """Whether he is circumcised."""
        return bool(self.model.pop.circumcised[self.uid])


class Partner(PersonView):
    """A non-paying partner of a sex worker or of a client (view)."""

    @property
    def partner_uid(self) -> int:
        """The uid of the sex worker or client this person is partnered with."""
        return int(self.model.pop.partner_uid[self.uid])
