"""The people of a run as one struct-of-arrays table: a row per person present.

Every person has a uid, given once at entry and never reused: the key of all their
random draws (:mod:`empower.rng`), so where their row is never changes a number. Rows
are dense: at the first week of each year (:meth:`Population.compact`, called by
:meth:`empower.site.Site.compact`) the rows of people who left are dropped and the
others move up, keeping their order, so the table holds the people present plus one
year's leavers, not everyone ever in the run. Row order
is uid order at every moment (rows are added at the end and compaction keeps order),
so sorting by row is sorting by uid. Processes work on rows; the few that keep rows
from one week to the next (member lists, ties, calendars) are given the move at each
compaction (``remap_rows``). The table grows by doubling its capacity when needed.

All columns are declared once, in :data:`COLUMNS`, with dtype, default and meaning.
Processes may declare more columns at set-up with :meth:`Population.add_column`.
What can be derived is not stored: "present", "currently working", HIV stage and STI
infection status are computed from times. The one exception is an index kept for
speed: ``infections`` holds, in one byte per person, who has HIV and which STIs now,
so the week's contacts read one byte per partner (tests check it against the times).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba as nb
import numpy as np

__all__ = [
    "Column",
    "COLUMNS",
    "bytes_per_row",
    "Population",
    "SEX_WORKER",
    "CLIENT",
    "PARTNER_OF_SEX_WORKER",
    "PARTNER_OF_CLIENT",
    "GROUP_NAMES",
    "FEMALE",
    "TRANS",
    "MALE",
    "GENDER_NAMES",
    "filter_present",
    "present_mask",
]

# Groups (column ``group``)
SEX_WORKER, CLIENT, PARTNER_OF_SEX_WORKER, PARTNER_OF_CLIENT = 0, 1, 2, 3
GROUP_NAMES = ("sex_workers", "clients", "partners_of_sex_workers", "partners_of_clients")

# Gender (column ``gender``)
FEMALE, TRANS, MALE = 0, 1, 2
GENDER_NAMES = ("female", "trans", "male")

NEVER = math.inf
MAX_UID = np.iinfo(np.int32).max  # uids are 4 bytes (column ``uid``)


@dataclass(frozen=True)
class Column:
    """One column of the population table."""

    name: str
    dtype: type
    default: float | int | bool
    description: str
    per_sti: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("uid", np.int32, -1, "the person's id, the key of their random draws; never "
           "reused, and unchanged when rows move (4 bytes: the week's contacts read it)"),
    Column("group", np.int8, -1, "SEX_WORKER, CLIENT, PARTNER_OF_SEX_WORKER or PARTNER_OF_CLIENT"),
    Column("gender", np.int8, MALE, "FEMALE, TRANS or MALE"),
    Column("birth_year", np.float64, math.nan, "calendar year of birth"),
    Column("entry_year", np.float64, math.nan, "year the person joined their group"),
    Column("exit_year", np.float64, NEVER, "year the person leaves the model (any cause)"),
    Column("leave_year", np.float64, NEVER,
           "year the person leaves for any cause but HIV death (career end, age, other "
           "death, partnership end); exit_year is this or the HIV death, if sooner"),
    Column("death_year", np.float64, NEVER, "year of death from causes other than HIV"),
    Column("venue", np.int8, -1, "sex workers: index of venue type; others -1"),
    Column("one_off_clients_per_week", np.float64, 0.0, "sex workers: mean one-off clients a week"),
    Column("regular_clients_target", np.int16, 0, "sex workers: regular clients she keeps"),
    Column("regular_clients", np.int16, 0, "sex workers: regular clients now"),
    Column("regular_ties_formed", np.int32, 0, "sex workers: regular ties formed so far"),
    Column("pause_until_year", np.float64, -NEVER, "sex workers: not working before this year"),
    Column("visits_per_week", np.float64, 0.0, "clients: mean visits to sex workers a week"),
    Column("circumcised", np.bool_, False, "men: circumcised"),
    Column("partner_row", np.int64, -1,
           "row of the intimate partner, wife or husband; -1 none (or left and dropped)"),
    Column("hiv_infected_year", np.float64, math.nan, "year of HIV infection; NaN if never"),
    Column("hiv_death_year", np.float64, NEVER, "year of HIV death without treatment"),
    Column("hiv_diagnosed_year", np.float64, math.nan, "year HIV was diagnosed; NaN if not"),
    Column("art_start_year", np.float64, math.nan, "year the current ART began; NaN if off ART"),
    Column("art_stopped", np.bool_, False, "has stopped ART at least once"),
    Column("hiv_survival_left_years", np.float64, math.nan,
           "on ART: untreated survival left when ART began (progression is halted)"),
    Column("hiv_art_factor", np.float64, 1.0, "HIV infectiousness multiplier from ART"),
    Column("hiv_prep_factor", np.float64, 1.0, "HIV susceptibility multiplier from PrEP"),
    # Structural layer (legal, mobilisation, violence, clinics, PrEP): sex workers only
    Column("condom_odds_clients", np.float64, 1.0,
           "sex workers: this week's odds multiplier on condom use with clients (law, "
           "empowerment, condom supply, violence, confiscation)"),
    Column("condom_odds_partner", np.float64, 1.0,
           "sex workers: this week's odds multiplier on condom use with her intimate "
           "partner (the community's norms: mobilisation)"),
    Column("service_factor", np.float64, 1.0,
           "sex workers: this week's multiplier on service use (law, violence, detention)"),
    Column("hiv_testing_factor", np.float64, 1.0,
           "this week's HIV testing multiplier from a group's outreach and clinics"),
    Column("art_dropout_factor", np.float64, 1.0,
           "this week's ART dropout multiplier (peer support, violence)"),
    Column("condom_z_clients", np.float64, 0.0,
           "sex workers: standard normal condom-use propensity with clients (log-odds "
           "scale, times condom.sd_logit_condom_clients)"),
    Column("condom_z_partner", np.float64, 0.0,
           "sex workers: standard normal condom-use propensity with the intimate partner"),
    Column("member_since_year", np.float64, math.nan,
           "sex workers: year they joined their community group; NaN if not a member"),
    Column("empowerment", np.float64, 0.0, "sex workers: empowerment score, 0 to 1"),
    Column("violence_client_year", np.float64, -NEVER, "year of the last violence by a client"),
    Column("violence_partner_year", np.float64, -NEVER,
           "year of the last violence by an intimate partner"),
    Column("violence_police_year", np.float64, -NEVER, "year of the last violence by police"),
    Column("violence_effect_until_year", np.float64, -NEVER,
           "the last violence lowers condom and service use until this year"),
    Column("detained_until_year", np.float64, -NEVER, "arrested: out of work and services until"),
    Column("confiscated_until_year", np.float64, -NEVER,
           "condoms confiscated by police: fewer condoms until this year"),
    Column("police_exposure", np.float64, 1.0,
           "sex workers: her own multiplier on police violence, arrest and encounters "
           "(how visible her work is to police; mean 1)"),
    Column("displaced_until_year", np.float64, -NEVER,
           "after a police encounter: working displaced (hidden places, rushed "
           "negotiation) until this year"),
    Column("arrest_year", np.float64, -NEVER, "year of the last arrest"),
    Column("confiscation_year", np.float64, -NEVER, "year police last took her condoms"),
    Column("prep_start_year", np.float64, math.nan, "year the current PrEP began; NaN if off"),
    Column("prep_adherence", np.int8, -1, "PrEP adherence level: 0 high, 1 medium, 2 low"),
    Column("infections", np.uint8, 0,
           "index: what the person has now, one bit each: HAS_HIV and sti_bit(k) "
           "(empower.core.status_bits); set at infection, STI bits cleared at clearance"),
    Column("sti_infected_year", np.float64, math.nan, "year of the current or last STI infection",
           per_sti=True),
    Column("sti_clear_year", np.float64, -NEVER, "year the current or last STI infection ends",
           per_sti=True),
)


@nb.njit("boolean[:](int64[:], float64[:], float64)", cache=True, parallel=True)
def present_mask(rows, exit_year, year):
    """For each of ``rows``, whether they are still present at ``year``."""
    out = np.empty(rows.shape[0], dtype=np.bool_)
    for i in nb.prange(rows.shape[0]):
        out[i] = exit_year[rows[i]] > year
    return out


@nb.njit("int64[:](int64[:], float64[:], float64)", cache=True)
def filter_present(rows, exit_year, year):
    """Those of ``rows`` who are still present at ``year`` (order kept)."""
    keep = present_mask(rows, exit_year, year)
    out = np.empty(rows.shape[0], dtype=np.int64)
    k = 0
    for i in range(rows.shape[0]):
        if keep[i]:
            out[k] = rows[i]
            k += 1
    return out[:k]


def bytes_per_row(n_sti: int) -> int:
    """Bytes one person's row takes in the table (every column, each STI's columns)."""
    return sum(np.dtype(c.dtype).itemsize * (n_sti if c.per_sti else 1) for c in COLUMNS)


class Population:
    """The table of people. Columns are attributes: ``pop.exit_year[row]``.

    Args:
        n_sti: Number of STIs (width of the per-STI columns).
        capacity: Rows to allocate at first; grows by doubling.
    """

    def __init__(self, n_sti: int, capacity: int = 1024):
        self.n_sti = n_sti
        self.n = 0  # rows in use
        self.next_uid = 0  # the uid the next person to enter gets
        self._capacity = max(int(capacity), 16)
        self._columns: dict[str, Column] = {}
        for column in COLUMNS:
            self.add_column(column)

    # ------------------------------------------------------------------ columns
    def add_column(self, column: Column) -> None:
        """Declare a column (at set-up, before people are added, or after: filled)."""
        if column.name in self._columns:
            raise ValueError(f"column {column.name!r} is already declared")
        self._columns[column.name] = column
        shape = (self._capacity, self.n_sti) if column.per_sti else (self._capacity,)
        setattr(self, column.name, np.full(shape, column.default, dtype=column.dtype))

    @property
    def columns(self) -> dict[str, Column]:
        """The declared columns by name."""
        return dict(self._columns)

    # ------------------------------------------------------------------ rows
    def add(self, count: int, group: int) -> np.ndarray:
        """Add ``count`` people of ``group`` with default values; return their rows.

        Each gets the next uid; their rows are the last ones, so row order stays uid
        order.
        """
        count = int(count)
        if count < 0:
            raise ValueError("cannot add a negative number of people")
        if self.next_uid + count > MAX_UID:
            raise OverflowError(f"more than {MAX_UID:,} people in one run: uids are 4 bytes")
        needed = self.n + count
        if needed > self._capacity:
            self._grow(max(needed, 2 * self._capacity))
        rows = np.arange(self.n, needed, dtype=np.int64)
        self.uid[rows] = np.arange(self.next_uid, self.next_uid + count, dtype=np.int32)
        self.next_uid += count
        self.n = needed
        self.group[rows] = group
        return rows

    def rows_of(self, uids: np.ndarray) -> np.ndarray:
        """The row of each of ``uids`` now; -1 for a uid no row holds (left and dropped)."""
        uids = np.asarray(uids, dtype=np.int64)
        held = self.uid[: self.n]
        rows = np.searchsorted(held, uids)
        inside = rows < self.n
        found = np.zeros(uids.shape, dtype=np.bool_)
        found[inside] = held[rows[inside]] == uids[inside]
        return np.where(found, rows, -1)

    def compact(self, year: float) -> np.ndarray | None:
        """Drop the rows of people who left by ``year``; move the others up, in order.

        Steps: keep the rows with ``exit_year > year`` (the people present at
        ``year``), in their order; copy each column's kept rows to the front;
        point ``partner_row`` at the partners' new rows (-1 where the partner was
        dropped). Capacity is unchanged, so the next year's entrants need no copy.

        Returns:
            The new row of each old row (-1: dropped), for whoever keeps rows (None
            when nobody left, and nothing moved).
        """
        keep = self.exit_year[: self.n] > year
        if keep.all():
            return None
        kept = np.flatnonzero(keep)
        new_of_old = np.full(self.n, -1, dtype=np.int64)
        new_of_old[kept] = np.arange(kept.size, dtype=np.int64)
        for column in self._columns.values():
            values = getattr(self, column.name)
            values[: kept.size] = values[kept]
            values[kept.size: self.n] = column.default
        self.n = int(kept.size)
        partner = self.partner_row[: self.n]
        linked = partner >= 0
        partner[linked] = new_of_old[partner[linked]]
        return new_of_old

    def _grow(self, capacity: int) -> None:
        for column in self._columns.values():
            old = getattr(self, column.name)
            shape = (capacity, self.n_sti) if column.per_sti else (capacity,)
            new = np.full(shape, column.default, dtype=column.dtype)
            new[: self.n] = old[: self.n]
            setattr(self, column.name, new)
        self._capacity = capacity

    # ------------------------------------------------------------------ derived state
    def present(self, rows: np.ndarray, year: float) -> np.ndarray:
        """Those of ``rows`` who are in the model at ``year``."""
        return filter_present(rows, self.exit_year, float(year))

    def working(self, sex_workers: np.ndarray, year: float) -> np.ndarray:
        """Those of ``sex_workers`` (present ones) who are not paused at ``year``."""
        return sex_workers[self.pause_until_year[sex_workers] <= year]

    def refresh_exit(self, rows: np.ndarray) -> None:
        """Recompute the exit year of ``rows`` after their HIV death year changed.

        A person leaves at their leave year or HIV death, whichever is sooner; their
        non-paying partner (who leaves with them) at the partner's own leave year or
        HIV death, or when the person leaves.
        """
        self.exit_year[rows] = np.minimum(self.leave_year[rows], self.hiv_death_year[rows])
        partner = self.partner_row[rows]
        partner = partner[partner >= 0]
        partner = partner[(self.group[partner] == PARTNER_OF_SEX_WORKER)
                          | (self.group[partner] == PARTNER_OF_CLIENT)]
        linked = self.partner_row[partner]
        self.exit_year[partner] = np.minimum(
            np.minimum(self.leave_year[partner], self.hiv_death_year[partner]),
            self.exit_year[linked])

    def hiv_infected(self, rows: np.ndarray) -> np.ndarray:
        """Whether each of ``rows`` has HIV."""
        return ~np.isnan(self.hiv_infected_year[rows])

    def sti_infected(self, rows: np.ndarray, sti: int, year: float) -> np.ndarray:
        """Whether each of ``rows`` has STI number ``sti`` at ``year``."""
        inf = self.sti_infected_year[rows, sti]
        return (inf <= year) & (self.sti_clear_year[rows, sti] > year)

    def row(self, row: int) -> dict[str, object]:
        """Every column's value in one row (for inspection, not for the step loop)."""
        if not 0 <= row < self.n:
            raise IndexError(f"no row {row} (0 to {self.n - 1})")
        out: dict[str, object] = {}
        for name, column in self._columns.items():
            value = getattr(self, name)[row]
            out[name] = value.tolist() if column.per_sti else value.item()
        return out
