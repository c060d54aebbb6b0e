"""Demography: who is in the model each week.

Sex workers and clients enter, work or buy sex for a while, and leave; non-paying
partners are in the model while they are partnered with a sex worker or a client.

Population rule (documented in docs/model.md): each week, the number of sex workers
entering is the setting's size (times the people scale, at the current year) minus the
number present; likewise for clients. Entry therefore replaces exit, and a timeline on
``population.n_sex_workers`` or ``population.n_clients`` changes the size. When a size
falls, no one is removed: the group shrinks as people leave.

Times drawn at entry (streams in brackets):

* age at entry, normal, clipped to [15, age_max) (``*.age``); age is derived from the
  birth year, and reaching ``age_max_years`` ends the career;
* career length (sex workers) or time as a client, exponential (``*.duration``);
* death from causes other than HIV, exponential with the group's rate (``*.death``);
* sex workers: gender and venue from their shares (``sw.gender``, ``sw.venue``), mean
  one-off clients a week from the venue's mean with lognormal spread between women
  (``sw.volume``), her exposure to police, lognormal with mean 1 and
  ``violence.cv_police_exposure`` (``sw.police_exposure``), her condom-use
  propensities with clients and with an intimate partner, two standard normals
  (``sw.condom_propensity``), how many regular clients
  she keeps, Poisson (``sw.regulars``), and whether she has an intimate partner
  (``sw.intimate_partner``), with the setting's share;
* clients: visits a week, lognormal (skewed; ``client.visits``), circumcision
  (``client.circumcision``) and whether they have a wife or regular partner
  (``client.partnered``).

Steps of :meth:`Demography.step`:

1. Drop from each group those who have left (career end, death, HIV death).
2. Partners whose sex worker or client has left leave too.
3. Working sex workers start a pause at ``rate_pause_per_year`` (``sw.pause``); a pause
   lasts an exponential time with mean ``dur_pause_years``. "Working" is derived:
   present and not paused.
4. New sex workers and clients enter to bring each group back to its size; they are
   the week's ``entrants``, whose HIV and STIs at entry (the setting's
   ``prevalence_at_entry``) the HIV and STI phases draw next.

:meth:`Demography.add_intimate_partners` (a later phase): the partners of the sex
workers who form an intimate partnership this week (``forming_intimate``, from
partnerships) enter, and are the entrants of the phases after it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from empower.core.process import Process, Reporters
from empower.population import (
    CLIENT,
    FEMALE,
    MALE,
    PARTNER_OF_CLIENT,
    PARTNER_OF_SEX_WORKER,
    SEX_WORKER,
    present_mask,
)
from empower.rng import exponentials, lognormals, normals, poissons
from empower.units import prob_per_step
from empower.week import Entrants

if TYPE_CHECKING:
    from empower.site import Site

__all__ = ["Demography"]

MIN_AGE_YEARS = 15.0


def _choice(u: np.ndarray, shares: list[float]) -> np.ndarray:
    cum = np.cumsum(shares)
    cum[-1] = 1.0
    return np.searchsorted(cum, u, side="right").astype(np.int8)


class Demography(Process):
    """Entry, exit, pauses, ageing and deaths; owns the list of who is present."""

    name = "demography"
    sections = ("population", "sex_workers", "clients", "partners")
    columns = ("uid", "group", "gender", "venue", "birth_year", "entry_year", "exit_year",
               "leave_year", "death_year", "pause_until_year", "partner_row",
               "one_off_clients_per_week", "visits_per_week", "circumcised",
               "police_exposure", "condom_z_clients", "condom_z_partner",
               "regular_clients_target")
    streams = ("sw.age", "sw.so_far", "sw.duration", "sw.death", "sw.gender", "sw.venue",
               "sw.volume", "sw.police_exposure", "sw.condom_propensity", "sw.regulars",
               "sw.intimate_partner", "sw.pause", "sw.pause.length", "client.age",
               "client.so_far", "client.duration", "client.death", "client.visits",
               "client.circumcision", "client.partnered", "partner.circumcision",
               "partner.death", "partner.duration")
    publishes = ("entrants",)
    uses = ("forming_intimate",)

    def init(self, site: Site) -> None:
        """Create the starting population at the scenario's start year (the entrants)."""
        p = site.now.population
        scale = site.people_scale
        n_sw = round(p.n_sex_workers * scale)
        n_cl = round(p.n_clients * scale)
        site.members = [np.empty(0, dtype=np.int64) for _ in range(4)]
        self._entered: list[tuple[np.ndarray, int]] = []
        self.add_sex_workers(site, n_sw, initial=True)
        self.add_clients(site, n_cl, initial=True)
        self._publish(site, initial=True)

    def _publish(self, site: Site, initial: bool) -> None:
        """Publish the people who entered since the last publication as ``entrants``."""
        site.week.entrants = Entrants(tuple(self._entered), initial)
        self._entered = []

    # ------------------------------------------------------------------ entry
    def _ages_and_times(
        self, site: Site, uids: np.ndarray, prefix: str, section, dur_mean: float,
        initial: bool,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Birth, entry, exit (career end or death) and non-HIV death years."""
        year, step, streams = site.year, site.step_index, site.streams
        age_mean = section.age_at_entry_mean_years
        age_sd = section.age_at_entry_sd_years
        age_max = section.age_max_years
        z = normals(streams.uniforms(f"{prefix}.age", step, uids, 0),
                    streams.uniforms(f"{prefix}.age", step, uids, 1))
        age_entry = np.clip(age_mean + age_sd * z, MIN_AGE_YEARS,
                            max(age_max - 1e-3, MIN_AGE_YEARS))
        if initial:
            # Time already spent in the group: exponential (the stationary
            # distribution of an exponential duration), capped by the maximum age.
            # Where that would pass the maximum age, the time so far is uniform over
            # the room left instead (so nobody starts at the very end of a career).
            room = np.maximum(age_max - age_entry, 0.0)
            so_far = exponentials(streams.uniforms(f"{prefix}.so_far", step, uids, 0), dur_mean)
            so_far = np.where(so_far < room, so_far,
                              streams.uniforms(f"{prefix}.so_far", step, uids, 1) * room)
        else:
            so_far = np.zeros(uids.size)
        entry = year - so_far
        birth = entry - age_entry
        remaining = exponentials(streams.uniforms(f"{prefix}.duration", step, uids), dur_mean)
        career_end = np.minimum(year + remaining, birth + age_max)
        rate_death = section.rate_death_per_year
        death = year + exponentials(
            streams.uniforms(f"{prefix}.death", step, uids),
            math.inf if rate_death <= 0 else 1.0 / rate_death,
        )
        return birth, entry, np.minimum(career_end, death), death

    def _enter(self, site: Site, uids: np.ndarray, group: int, prefix: str, section,
               dur_mean: float, initial: bool) -> None:
        """Give new sex workers or clients their times and infections; list them."""
        pop = site.pop
        birth, entry, exit_, death = self._ages_and_times(
            site, uids, prefix, section, dur_mean, initial
        )
        pop.birth_year[uids], pop.entry_year[uids] = birth, entry
        pop.exit_year[uids], pop.death_year[uids] = exit_, death
        pop.leave_year[uids] = exit_
        self._entered.append((uids, group))
        site.members[group] = np.concatenate([site.members[group], uids])

    def add_sex_workers(self, site: Site, count: int, initial: bool) -> np.ndarray:
        """Add ``count`` sex workers with drawn attributes; return their uids."""
        pop, streams, step = site.pop, site.streams, site.step_index
        p = site.now.sex_workers
        uids = pop.add(count, SEX_WORKER)
        if count == 0:
            return uids
        shares = [p.gender.prop_female, p.gender.prop_trans, p.gender.prop_male]
        pop.gender[uids] = _choice(streams.uniforms("sw.gender", step, uids), shares)
        venues = list(p.venues.values())
        venue = _choice(streams.uniforms("sw.venue", step, uids),
                        [v.prop_sex_workers for v in venues])
        pop.venue[uids] = venue
        venue_mean = np.array([v.one_off_clients_per_week for v in venues])
        pop.one_off_clients_per_week[uids] = lognormals(
            streams.uniforms("sw.volume", step, uids, 0),
            streams.uniforms("sw.volume", step, uids, 1),
            venue_mean[venue], p.cv_client_volume,
        )
        pop.police_exposure[uids] = lognormals(
            streams.uniforms("sw.police_exposure", step, uids, 0),
            streams.uniforms("sw.police_exposure", step, uids, 1),
            1.0, site.now.violence.cv_police_exposure,
        )
        u = [streams.uniforms("sw.condom_propensity", step, uids, d) for d in range(4)]
        pop.condom_z_clients[uids] = normals(u[0], u[1])
        pop.condom_z_partner[uids] = normals(u[2], u[3])
        mean_regulars = site.now.partnerships.regular_clients_per_sex_worker
        u = streams.uniforms("sw.regulars", step, uids)
        pop.regular_clients_target[uids] = poissons(np.full(u.size, mean_regulars), u)
        self._enter(site, uids, SEX_WORKER, "sw", p, p.dur_career_years,
                    initial)
        # A share of sex workers, starting or entering, has an intimate partner; later
        # partnerships form at the rate that holds this share (see partnerships).
        share = site.now.population.prop_sex_workers_with_intimate_partner
        partnered = uids[streams.uniforms("sw.intimate_partner", step, uids) < share]
        dur = site.now.partnerships.dur_intimate_partnership_years
        self.add_partners(site, partnered, initial, dur_years=dur)
        return uids

    def add_clients(self, site: Site, count: int, initial: bool) -> np.ndarray:
        """Add ``count`` clients (and their wives or regular partners); return their uids."""
        pop, streams, step = site.pop, site.streams, site.step_index
        p = site.now.clients
        uids = pop.add(count, CLIENT)
        if count == 0:
            return uids
        pop.gender[uids] = MALE
        pop.visits_per_week[uids] = lognormals(
            streams.uniforms("client.visits", step, uids, 0),
            streams.uniforms("client.visits", step, uids, 1),
            p.visits_per_week_mean, p.cv_visits_per_week,
        )
        pop.circumcised[uids] = (
            streams.uniforms("client.circumcision", step, uids) < p.prop_circumcised
        )
        self._enter(site, uids, CLIENT, "client", p, p.dur_client_years,
                    initial)
        share = site.now.population.prop_clients_with_partner
        partnered = uids[streams.uniforms("client.partnered", step, uids) < share]
        self.add_partners(site, partnered, initial)
        return uids

    def add_partners(self, site: Site, linked: np.ndarray, initial: bool,
                     dur_years: float | None = None) -> np.ndarray:
        """Add one non-paying partner for each of ``linked`` (sex workers or clients).

        Partners of sex workers are men; partners of clients are women. A partner
        takes the birth year of the person they are linked to (age plays no role in
        transmission here) and leaves the model when the partnership ends: after
        ``dur_years`` if given (intimate partnerships), when the linked person leaves,
        or at their own death.
        """
        pop, streams, step, year = site.pop, site.streams, site.step_index, site.year
        if linked.size == 0:
            return np.empty(0, dtype=np.int64)
        group = PARTNER_OF_SEX_WORKER if pop.group[linked[0]] == SEX_WORKER else PARTNER_OF_CLIENT
        uids = pop.add(linked.size, group)
        pop.partner_row[uids] = linked
        pop.partner_row[linked] = uids
        pop.gender[uids] = MALE if group == PARTNER_OF_SEX_WORKER else FEMALE
        if group == PARTNER_OF_SEX_WORKER:
            pop.circumcised[uids] = streams.uniforms("partner.circumcision", step, uids) < (
                site.now.clients.prop_circumcised
            )
        pop.birth_year[uids] = pop.birth_year[linked]
        pop.entry_year[uids] = year
        rate_death = site.now.partners.rate_death_per_year
        death = year + exponentials(streams.uniforms("partner.death", step, uids),
                                   math.inf if rate_death <= 0 else 1.0 / rate_death)
        pop.death_year[uids] = death
        end = np.minimum(death, pop.leave_year[linked])
        if dur_years is not None:
            end = np.minimum(end, year + exponentials(
                streams.uniforms("partner.duration", step, uids), dur_years))
        pop.leave_year[uids] = end
        pop.exit_year[uids] = np.minimum(end, pop.exit_year[linked])
        self._entered.append((uids, group))
        site.members[group] = np.concatenate([site.members[group], uids])
        return uids

    # ------------------------------------------------------------------ weekly step
    def step(self, site: Site) -> None:
        """Exits, partners following their partner out, pauses, then entries."""
        pop, year = site.pop, site.year
        for g in range(4):
            site.members[g] = pop.present(site.members[g], year)
        for g in (PARTNER_OF_SEX_WORKER, PARTNER_OF_CLIENT):
            uids = site.members[g]
            gone = ~present_mask(pop.partner_row[uids], pop.exit_year, year)
            pop.exit_year[uids[gone]] = pop.leave_year[uids[gone]] = year
            site.members[g] = uids[~gone]
        self._pauses(site)
        p = site.now.population
        n_sw = round(p.n_sex_workers * site.people_scale)
        n_cl = round(p.n_clients * site.people_scale)
        self.add_sex_workers(site, max(0, n_sw - site.members[SEX_WORKER].size), initial=False)
        self.add_clients(site, max(0, n_cl - site.members[CLIENT].size), initial=False)
        self._publish(site, initial=False)

    def add_intimate_partners(self, site: Site) -> None:
        """The partners of this week's ``forming_intimate`` sex workers enter (entrants)."""
        dur = site.now.partnerships.dur_intimate_partnership_years
        self.add_partners(site, site.week.forming_intimate, initial=False, dur_years=dur)
        self._publish(site, initial=False)

    # ------------------------------------------------------------------ outputs
    def record(self) -> Reporters:
        """Yearly reporters of turnover (a regression check's invariants).

        For sex workers and clients: ``entrants`` (people who joined the group in the
        year, initial population excluded) and ``hiv_prevalence_at_entry`` (the share
        of them who had HIV when they joined).
        """
        out: dict[tuple[str, str], callable] = {}
        for group, name in ((SEX_WORKER, "sex_workers"), (CLIENT, "clients")):
            out[("entrants", name)] = lambda m, g=group: float(_entrants(m, g).size)
            out[("hiv_prevalence_at_entry", name)] = lambda m, g=group: _hiv_at_entry(m, g)
        return out

    def _pauses(self, site: Site) -> None:
        pop, year, p = site.pop, site.year, site.now.sex_workers
        sw = site.members[SEX_WORKER]
        working = sw[pop.pause_until_year[sw] <= year]
        prob = prob_per_step(p.rate_pause_per_year)
        if prob <= 0 or working.size == 0:
            return
        u = site.streams.uniforms("sw.pause", site.step_index, working)
        pausing = working[u < prob]
        length = exponentials(
            site.streams.uniforms("sw.pause.length", site.step_index, pausing),
            p.dur_pause_years,
        )
        pop.pause_until_year[pausing] = year + length



def _entrants(site: Site, group: int) -> np.ndarray:
    """Uids of ``group`` who entered in the year just ended (after the start)."""
    pop, year = site.pop, site.year
    n = pop.n
    entry = pop.entry_year[:n]
    joined = (pop.group[:n] == group) & (entry >= year - 1.0) & (entry < year)
    joined &= entry > site.start_year  # the initial population is not entrants
    return np.flatnonzero(joined)


def _hiv_at_entry(site: Site, group: int) -> float:
    uids = _entrants(site, group)
    if uids.size == 0:
        return math.nan
    return float((site.pop.hiv_infected_year[uids] <= site.pop.entry_year[uids]).mean())
