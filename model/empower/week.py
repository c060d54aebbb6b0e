"""The week's products: what a phase hands to the later phases of the same week.

Processes do not read each other's attributes. A phase that makes something another
process needs publishes it here, under a name declared by its process
(``publishes``); a later phase that reads it declares it (``uses``), and
:data:`empower.phases.PHASES` is tested to put every publisher before its users. The
model starts a new :class:`Week` at the start of each step, so a product never
outlives its week (the last week's stay readable after a run, for inspection).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from empower.processes.legal.process import LegalNow
    from empower.processes.partnerships.process import Contacts

__all__ = ["Entrants", "GroupServices", "NewInfections", "Week"]


@dataclass(frozen=True)
class Entrants:
    """People who just entered, by population group, whose infections are still to draw.

    ``initial``: the starting population (drawn with ``initial_prevalence``), not
    entrants during the run (``prevalence_at_entry``).
    """

    batches: tuple[tuple[np.ndarray, int], ...]  # (uids, population group)
    initial: bool


@dataclass(frozen=True)
class GroupServices:
    """What the community groups offer this week, and where their costs are booked.

    Arrays are per group index with a last slot for sex workers in no group (a
    setting without groups has only that slot).
    """

    group_of_venue: np.ndarray  # group index of each venue type (last slot: -1)
    policing: np.ndarray  # local policing intensity after the groups' advocacy
    funded_share: dict[str, np.ndarray]  # per spending item: allocation over need
    prep_slots: np.ndarray  # PrEP users each group can pay for (last slot: 0)
    book: Callable[[str, np.ndarray], None]  # book(item, usd per group)
    add_member_cases: Callable[[np.ndarray], None]  # violence against members, per group

    @property
    def n_groups(self) -> int:
        """Number of community groups in the setting."""
        return int(self.policing.size - 1)

    def group_of(self, venue: np.ndarray) -> np.ndarray:
        """Each sex worker's group index (-1: none), from her venue type."""
        return self.group_of_venue[venue]


@dataclass(frozen=True)
class NewInfections:
    """Infections passed this week, one per newly infected person.

    ``rectal`` (STIs only): whether the infection is of the rectum (receptive anal).
    """

    targets: np.ndarray
    sources: np.ndarray
    rectal: np.ndarray | None = None


@dataclass
class Week:
    """The products of one week, set by the phase that makes each (None until then)."""

    entrants: Entrants | None = None
    legal: LegalNow | None = None
    groups: GroupServices | None = None
    found_at_clinic: list[np.ndarray] = field(default_factory=list)  # per STI: to cure
    forming_intimate: np.ndarray | None = None  # sex workers starting a partnership
    contacts: Contacts | None = None
    new_hiv: NewInfections | None = None
    new_sti: list[NewInfections] = field(default_factory=list)  # per STI
