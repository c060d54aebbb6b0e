"""Curable STIs (gonorrhoea and chlamydia by default; any list): susceptible-infected-susceptible.

Infection status is defined by two times per person and STI: infected while
``sti_infected_year <= t < sti_clear_year``; susceptible again afterwards. The
population's ``infections`` byte is an index of it kept here (bit ``sti_bit(k)``), so
that the week's contacts read one byte per partner: the bit is set at infection and
cleared at the first week whose start is at or after the clearance year (a calendar
of pending clearances, :class:`ClearanceCalendar`).

Steps of :meth:`STIs.infect` for STI ``k``:

1. Record the infection year.
2. Decide whether the infection is symptomatic (by anatomical site: rectal, or genital by sex;
   stream ``sti.NAME.symptoms``) and, if so, whether it is treated
   (``prop_symptomatic_treated``).
3. Draw when it ends: treated infections after an exponential delay with mean
   ``dur_symptoms_to_treatment_years``; the rest clear naturally after an exponential
   duration with mean ``dur_untreated_{female,male,rectal}_years`` (stream
   ``sti.NAME.duration``).
4. Set the infection bit and put the clearance in the calendar.

Steps of :meth:`STIs.step` (each week, after HIV's, before the week's contacts):

1. STIs at entry (:meth:`STIs.seed_entrants`): of the week's ``entrants`` (the starting
   population at ``init``), a share ``prevalence_at_entry`` of each group
   (``initial_prevalence`` at the start) has each STI (:meth:`STIs.seed`).
2. Clear the bits of the infections that have ended.

Later phases: :meth:`STIs.treat_found` cures the infections found at the clinics this
week (``found_at_clinic``, processes/clinics/); :meth:`STIs.seed_entrants` runs again
after new intimate partners enter; :meth:`STIs.infect_new` applies the week's new
infections from transmission (``new_sti``).

Biology by anatomical site and sex: an infection acquired through receptive anal sex is rectal
(``*_rectal`` values; per act ``p_per_act_receptive_anal``); other infections are
genital, women's with the ``female`` values, trans women's and men's with the ``male``
values (an assumption: no separate estimates for trans women are used). Insertive anal
acts use ``p_per_act_insertive_anal``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from empower.core.infection_bits_kernels import sti_bit
from empower.core.process import Process, Reporters
from empower.core.report_groups import (
    N_CELLS,
    cell_counts,
    members_of,
    report_groups,
)
from empower.population import FEMALE, GROUP_NAMES, SEX_WORKER
from empower.rng import exponentials
from empower.units import DT_YEARS

if TYPE_CHECKING:
    from empower.site import Site

__all__ = ["STIs", "ClearanceCalendar"]


class ClearanceCalendar:
    """Pending STI clearances, each filed under the week it falls due.

    An entry (row, STI, clearance year) is filed under the first week whose start is
    at or after its clearance year (computed with a margin, so never late). When its
    week comes, :meth:`due` returns it if the person's clearance year is still the
    entry's and has come; an entry whose year has not quite come (the margin) moves
    to the next week; an entry whose person has a different clearance year now (a
    later infection, or a treatment that filed its own entry) is dropped.

    Entries are flat arrays, scanned once a week (about as long as the number of
    infections in progress); new entries wait in an inbox until then.
    """

    # Weeks of margin when filing: float error in (year - start) / week is far smaller.
    _MARGIN_WEEKS = 1e-6

    def __init__(self, start_year: float):
        self.start_year = float(start_year)
        self._row = np.empty(0, dtype=np.int64)
        self._sti = np.empty(0, dtype=np.int64)
        self._clear_year = np.empty(0, dtype=np.float64)
        self._week = np.empty(0, dtype=np.int64)
        self._inbox: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def file(self, step: int, uids: np.ndarray, k: int, clear_year: np.ndarray) -> None:
        """File clearances of STI ``k`` for ``uids``, made at ``step`` (never: not filed)."""
        ends = np.isfinite(clear_year)
        uids, clear_year = uids[ends], clear_year[ends]
        if uids.size == 0:
            return
        weeks = (clear_year - self.start_year) / DT_YEARS - self._MARGIN_WEEKS
        week = np.maximum(np.ceil(weeks).astype(np.int64), step + 1)
        self._inbox.append((uids, np.full(uids.size, k, dtype=np.int64), clear_year, week))

    def due(self, step: int, year: float, current_clear_year: np.ndarray
            ) -> list[tuple[np.ndarray, int]]:
        """The (uids, STI) whose infections end by ``year``, the start of ``step``."""
        self._merge_inbox()
        now = self._week <= step
        if not now.any():
            return []
        uid, sti, clear = self._row[now], self._sti[now], self._clear_year[now]
        keep = ~now
        self._row, self._sti = self._row[keep], self._sti[keep]
        self._clear_year, self._week = self._clear_year[keep], self._week[keep]
        current = current_clear_year[uid, sti] == clear
        ended = current & (clear <= year)
        early = current & ~ended
        if early.any():
            self._inbox.append((uid[early], sti[early], clear[early],
                                np.full(int(early.sum()), step + 1, dtype=np.int64)))
        n_sti = current_clear_year.shape[1]
        return [(uid[ended & (sti == k)], k) for k in range(n_sti)]

    def remap_rows(self, new_of_old: np.ndarray) -> None:
        """Rows moved: map every entry's row; drop the entries of people dropped."""
        self._merge_inbox()
        row = new_of_old[self._row]
        keep = row >= 0
        self._row, self._sti = row[keep], self._sti[keep]
        self._clear_year, self._week = self._clear_year[keep], self._week[keep]

    def _merge_inbox(self) -> None:
        if self._inbox:
            parts = [(self._row, self._sti, self._clear_year, self._week), *self._inbox]
            self._row, self._sti, self._clear_year, self._week = (
                np.concatenate(x) for x in zip(*parts, strict=True))
            self._inbox = []

    @property
    def pending(self) -> int:
        """Number of entries filed and not yet due."""
        return self._row.size + sum(entry[0].size for entry in self._inbox)


class STIs(Process):
    """All curable STIs of a setting, indexed 0..n-1 in the setting's order."""

    name = "stis"
    sections = ("stis",)
    columns = ("sti_infected_year", "sti_clear_year")
    streams = ("sti.{sti}.seed", "sti.{sti}.symptoms", "sti.{sti}.duration")
    uses = ("entrants", "found_at_clinic", "new_sti")

    def __init__(self, site: Site) -> None:
        self.names = list(site.now.stis)
        self.calendar = ClearanceCalendar(site.start_year)
        self.groups = report_groups(site)
        self.reset_year()

    def init(self, site: Site) -> None:
        """STIs in the starting population (the entrants of demography's init)."""
        self.seed_entrants(site)

    def reset_year(self) -> None:
        """Start a new year of flow counts."""
        # per STI and group-by-gender cell (core/report_groups.py)
        self.new_infections = np.zeros((len(self.names), N_CELLS), dtype=np.int64)

    def seed_entrants(self, site: Site) -> None:
        """Each STI at entry for the week's ``entrants``, by group."""
        entrants = site.week.entrants
        for uids, group in entrants.batches:
            for k, name in enumerate(self.names):
                sp = site.now.stis[name]
                values = sp.initial_prevalence if entrants.initial else sp.prevalence_at_entry
                self.seed(site, k, uids, getattr(values, GROUP_NAMES[group]),
                          f"sti.{name}.seed")

    def treat_found(self, site: Site) -> None:
        """Cure the infections found at the clinics this week (``found_at_clinic``)."""
        for k, found in enumerate(site.week.found_at_clinic):
            self.treat(site, k, found)

    def infect_new(self, site: Site) -> None:
        """Apply the week's new STI infections (``new_sti``, from transmission)."""
        for k, new in enumerate(site.week.new_sti):
            self.infect(site, k, new.targets, new.sources, new.rectal)

    def _durations(self, site: Site, k: int, uids: np.ndarray,
                   rectal: np.ndarray) -> np.ndarray:
        p = site.now.stis[self.names[k]]
        step = site.step_index
        female = site.pop.gender[uids] == FEMALE
        p_sym = np.where(
            rectal, p.prop_symptomatic_rectal,
            np.where(female, p.prop_symptomatic_female,
                     p.prop_symptomatic_male))
        treated = p.prop_symptomatic_treated
        name = self.names[k]
        u_sym = site.streams.uniforms(f"sti.{name}.symptoms", step, uids)
        u_dur = site.streams.uniforms(f"sti.{name}.duration", step, uids)
        is_treated = u_sym < p_sym * treated
        mean = np.where(
            is_treated,
            p.dur_symptoms_to_treatment_years,
            np.where(
                rectal, p.dur_untreated_rectal_years,
                np.where(female, p.dur_untreated_female_years,
                         p.dur_untreated_male_years)),
        )
        return exponentials(u_dur, mean)

    def infect(
        self, site: Site, k: int, uids: np.ndarray, sources: np.ndarray | None,
        rectal: np.ndarray | None = None,
    ) -> None:
        """Infect ``uids`` with STI ``k`` now; count them when ``sources`` is given.

        ``rectal`` marks infections of the rectum (receptive anal sex), which take the
        rectal natural history; the others are genital (by sex). Default: none.
        """
        if uids.size == 0:
            return
        pop = site.pop
        if rectal is None:
            rectal = np.zeros(uids.size, dtype=bool)
        clear = site.year + self._durations(site, k, uids, rectal)
        pop.sti_infected_year[uids, k] = site.year
        pop.sti_clear_year[uids, k] = clear
        lasting = clear > site.year  # a zero duration is no infection at all
        pop.infections[uids[lasting]] |= sti_bit(k)
        self.calendar.file(site.step_index, uids[lasting], k, clear[lasting])
        if sources is not None:
            self.new_infections[k] += cell_counts(pop.group[uids], pop.gender[uids])

    def seed(
        self, site: Site, k: int, uids: np.ndarray, prevalence: float, stream: str
    ) -> None:
        """Infect a share ``prevalence`` of ``uids`` (a starting or entering epidemic).

        Remaining durations are drawn as for new infections (exponential, so memoryless);
        trans and male sex workers' infections are rectal (all their acts are receptive
        anal), everyone else's genital.
        """
        if uids.size == 0 or prevalence <= 0:
            return
        u = site.streams.uniforms(stream, site.step_index, uids)
        infected = uids[u < prevalence]
        # trans and male sex workers' acts are receptive anal: their infections rectal
        pop = site.pop
        rectal = (pop.group[infected] == SEX_WORKER) & (pop.gender[infected] != FEMALE)
        self.infect(site, k, infected, None, rectal)

    def treat(self, site: Site, k: int, uids: np.ndarray) -> np.ndarray:
        """Cure STI ``k`` now in those of ``uids`` who have it; return who was cured.

        Their infection ends this week (``sti_clear_year`` = now, so the calendar's
        pending entry for them is dropped when it falls due) and the bit is cleared.
        """
        pop = site.pop
        cured = uids[(pop.infections[uids] & sti_bit(k)) != 0]
        pop.sti_clear_year[cured, k] = site.year
        pop.infections[cured] &= np.uint8(0xFF ^ sti_bit(k))
        return cured

    def remap_rows(self, site: Site, new_of_old: np.ndarray) -> None:
        """Rows moved: map the clearance calendar's rows."""
        self.calendar.remap_rows(new_of_old)

    def step(self, site: Site) -> None:
        """STIs at entry for the week's entrants; clear the bits of ended infections."""
        self.seed_entrants(site)
        pop = site.pop
        for uids, k in self.calendar.due(site.step_index, site.year, pop.sti_clear_year):
            pop.infections[uids] &= np.uint8(0xFF ^ sti_bit(k))

    def record(self) -> Reporters:
        """Yearly reporters: ``NAME_prevalence|group`` and ``new_NAME_infections|group``."""
        out = {}
        for k, name in enumerate(self.names):
            for rg in self.groups:
                out[(f"{name}_prevalence", rg.name)] = lambda m, k=k, rg=rg: self.prevalence(
                    m, k, members_of(m, rg))
                out[(f"new_{name}_infections", rg.name)] = lambda m, k=k, rg=rg: int(
                    rg.total(self.new_infections[k]))
        return out

    def prevalence(self, site: Site, k: int, uids: np.ndarray) -> float:
        """Share of ``uids`` (present people) who have STI ``k``."""
        if uids.size == 0:
            return math.nan
        return float(np.count_nonzero(site.pop.sti_infected(uids, k, site.year)) / uids.size)
