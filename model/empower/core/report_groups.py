"""Groups of people as reported in outputs, and counting people by group and gender.

Every person is in one *cell*: their population group (sex worker, client, partner of
a sex worker, partner of a client) crossed with their gender (female, trans, male),
``cell = group * 3 + gender``. A reported group (:class:`ReportGroup`) is a set of
cells, so flow counters kept per cell (:func:`cell_counts`) add up to any reported
group, and no aggregate hides its parts: sex workers are reported as a whole and by
gender (``female_sex_workers``, ``trans_sex_workers``, ``male_sex_workers``), each
gender only when the setting has any (:func:`report_groups`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from empower.population import (
    CLIENT,
    FEMALE,
    GENDER_NAMES,
    GROUP_NAMES,
    MALE,
    PARTNER_OF_CLIENT,
    PARTNER_OF_SEX_WORKER,
    SEX_WORKER,
    TRANS,
)

if TYPE_CHECKING:
    from empower.site import Site

__all__ = [
    "N_CELLS",
    "N_GENDERS",
    "ReportGroup",
    "REPORT_GROUPS",
    "report_groups",
    "cell_counts",
    "group_counts",
    "members_of",
]

N_GENDERS = len(GENDER_NAMES)
N_CELLS = len(GROUP_NAMES) * N_GENDERS


@dataclass(frozen=True)
class ReportGroup:
    """A group as reported in outputs: population groups, optionally of one gender."""

    name: str
    groups: tuple[int, ...]
    gender: int | None = None  # None: every gender

    @property
    def cells(self) -> list[int]:
        """The cells (``group * 3 + gender``) this group adds up."""
        genders = range(N_GENDERS) if self.gender is None else (self.gender,)
        return [g * N_GENDERS + s for g in self.groups for s in genders]

    def total(self, counts: np.ndarray) -> np.ndarray:
        """Sum of per-cell ``counts`` (last axis of length N_CELLS) over this group."""
        return counts[..., self.cells].sum(axis=-1)


REPORT_GROUPS: tuple[ReportGroup, ...] = (
    ReportGroup("sex_workers", (SEX_WORKER,)),
    ReportGroup("female_sex_workers", (SEX_WORKER,), FEMALE),
    ReportGroup("trans_sex_workers", (SEX_WORKER,), TRANS),
    ReportGroup("male_sex_workers", (SEX_WORKER,), MALE),
    ReportGroup("clients", (CLIENT,)),
    ReportGroup("partners", (PARTNER_OF_SEX_WORKER, PARTNER_OF_CLIENT)),
    ReportGroup("all", (SEX_WORKER, CLIENT, PARTNER_OF_SEX_WORKER, PARTNER_OF_CLIENT)),
)


def report_groups(site: Site) -> tuple[ReportGroup, ...]:
    """The reported groups of this model's setting.

    Sex workers of one gender are reported when the setting gives that gender a share
    above zero (gender shares are constants, so this holds for the whole run).
    """
    shares = site.params.sex_workers.gender
    present = {FEMALE: shares.prop_female.value, TRANS: shares.prop_trans.value,
               MALE: shares.prop_male.value}
    return tuple(rg for rg in REPORT_GROUPS if rg.gender is None or present[rg.gender] > 0)


def cell_counts(group: np.ndarray, gender: np.ndarray) -> np.ndarray:
    """How many of the given people are in each cell (group by gender)."""
    cell = group.astype(np.int64) * N_GENDERS + gender.astype(np.int64)
    return np.bincount(cell, minlength=N_CELLS)


def group_counts(groups: np.ndarray) -> np.ndarray:
    """How many of the given people are in each population group."""
    return np.bincount(groups.astype(np.int64), minlength=len(GROUP_NAMES))


def members_of(site: Site, rg: ReportGroup) -> np.ndarray:
    """The uids of the people in ``rg`` at the last update of ``site.members``."""
    uids = np.concatenate([site.members[g] for g in rg.groups])
    if rg.gender is not None:
        uids = uids[site.pop.gender[uids] == rg.gender]
    return uids
