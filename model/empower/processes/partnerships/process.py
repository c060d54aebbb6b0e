"""Partnerships and acts: the week's contacts and their condom use.

Four kinds of partnership (``KINDS``):

* ``one_off``: a working sex worker's one-off clients this week, a Poisson count with
  her mean; each client chosen in proportion to clients' visit frequency.
* ``regular_client``: persistent ties between a sex worker and a client. A working sex
  worker with fewer regular clients than she keeps forms one at
  ``rate_regular_client_formation_per_year``; a tie lasts an exponential time with mean
  ``dur_regular_client_years`` or until either leaves. Acts only while she works.
* ``intimate_partner``: a sex worker's non-paying partner, a person in the model. A sex
  worker without one forms one at the rate that keeps the share
  ``prop_sex_workers_with_intimate_partner`` steady given the mean duration
  (rate = share / (1 - share) / duration).
* ``client_partner``: a client's wife or regular partner, for as long as he is a client.

Condom use: each act is protected with the partnership type's baseline probability,
moved on the log-odds scale by the sex worker's own propensity (``sd_logit_condom_*``
times her standard normal ``condom_z_*``; the baseline at propensity 0 is set so that
the mean over sex workers is the setting's ``prop_condom_*``, :mod:`empower.propensity`),
and multiplied on the odds by the sex worker's structural factor of the week
(:data:`CONDOM_FACTORS`): ``condom_odds_clients`` with clients (law, empowerment,
condom supply, violence, confiscation; with repeat clients raised to
``condom.power_odds_regular_client``) and ``condom_odds_partner`` with her intimate
partner (the community's norms). A contact whose multiplier is 1 keeps the baseline
exactly.

Steps of :meth:`Partnerships.form_ties`:

1. End regular ties that expired or lost a member.
2. Form new regular ties; choose the single sex workers who form an intimate
   partnership this week (``forming_intimate``: demography adds their partners next).

Steps of :meth:`Partnerships.contacts`:

3. Build the week's contacts in a fixed order (one-off, regular, intimate, client-partner),
   each with its acts (Poisson with the type's weekly mean; one-off contacts at least 1).
4. Add each type's expected acts and expected protected acts to the yearly counts
   (``condom_use`` is their ratio).
5. Keep only contacts in which someone has HIV or an STI (nothing can pass in the
   others); draw their acts and, per act, condom use. These are the week's
   ``contacts`` (:class:`Contacts`), read by transmission.

Observers (:attr:`Partnerships.observers`, for example a simulated survey's behaviour
recorder) see every contact of the week before step 5, with its condom probability;
acts and condom use are pure functions of the pair, the draw index and the week, so an
observer that draws them for all contacts gets, for the live ones, the very numbers
transmission uses, and observing changes nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from empower.core.alias_kernels import alias_draws, alias_table
from empower.core.odds_kernels import odds_times, odds_times_propensity
from empower.core.process import Process, Reporters
from empower.core.resolved import resolve
from empower.population import (
    CLIENT,
    PARTNER_OF_CLIENT,
    PARTNER_OF_SEX_WORKER,
    SEX_WORKER,
    Population,
    present_mask,
)
from empower.processes.partnerships.kernels import live_contacts_with_acts, one_off_contacts
from empower.propensity import base_for_mean
from empower.rng import exponentials
from empower.units import DT_YEARS, prob_per_step

if TYPE_CHECKING:
    from empower.site import Site

__all__ = ["Contacts", "Partnerships", "KINDS"]

KINDS = ("one_off", "regular_client", "intimate_partner", "client_partner")
ONE_OFF, REGULAR, INTIMATE, CLIENT_PARTNER = range(4)
# The sex worker's structural factor on condom odds, by kind (None: no factor)
CONDOM_FACTORS = ("condom_odds_clients", "condom_odds_clients", "condom_odds_partner", None)
_DRAW_OFFSET = 1 << 20  # keeps draws of different kinds of contact apart
_NO_VALUES = np.empty(0, dtype=np.float64)  # a kernel's column argument where none is read


@dataclass
class Contacts:
    """The week's contacts in which someone is infected, with their acts.

    ``a`` is the receptive partner, ``b`` the insertive one (rows); ``uid_a`` and
    ``uid_b`` their uids, the keys of the pair's draws; ``draw`` tells apart two
    contacts of one pair in a week.
    """

    a: np.ndarray
    b: np.ndarray
    uid_a: np.ndarray
    uid_b: np.ndarray
    kind: np.ndarray
    draw: np.ndarray
    n_acts: np.ndarray
    n_protected: np.ndarray
    anal: np.ndarray
    status_a: np.ndarray  # per contact: a's infections byte when the contacts were built
    status_b: np.ndarray  # and b's (population column ``infections``)

    @property
    def size(self) -> int:
        """Number of contacts."""
        return int(self.a.size)


class Partnerships(Process):
    """Ties, the week's contacts, acts and condom use."""

    name = "partnerships"
    sections = ("partnerships", "condom")
    columns = ("regular_clients", "regular_ties_formed")
    reads = ("condom_odds_clients", "condom_odds_partner", "pause_until_year", "infections")
    streams = ("regular.client", "regular.duration", "regular.formation", "intimate.formation",
               "one_off.count", "one_off.client", "acts", "condom")
    publishes = ("forming_intimate", "contacts")

    def __init__(self, site: Site) -> None:
        # called as observer(model, kind, a, b, draw, mean_acts, minimum, p_condom)
        self.observers: list = []

    def init(self, site: Site) -> None:
        """Start each sex worker with the regular clients she keeps."""
        self.tie_sw = np.empty(0, dtype=np.int64)
        self.tie_client = np.empty(0, dtype=np.int64)
        self.tie_end_year = np.empty(0, dtype=np.float64)
        self.tie_draw = np.empty(0, dtype=np.int64)
        self.venue_names = list(site.now.sex_workers.venues)
        self.reset_year()
        self._build_client_table(site)
        sw = site.members[SEX_WORKER]
        targets = site.pop.regular_clients_target[sw].astype(np.int64)
        self._form_regular(site, np.repeat(sw, targets))

    def reset_year(self) -> None:
        """Start a new year of counts: acts, contacts, sex-worker weeks, ties."""
        self.acts = np.zeros(len(KINDS), dtype=np.float64)
        self.protected = np.zeros(len(KINDS), dtype=np.float64)
        self.live_contact_count = np.zeros(len(KINDS), dtype=np.float64)
        self.live_acts = np.zeros(len(KINDS), dtype=np.float64)
        n_venues = len(self.venue_names)
        self.one_off_by_venue = np.zeros(n_venues, dtype=np.float64)
        self.working_weeks_by_venue = np.zeros(n_venues, dtype=np.float64)
        self.ties_ended = 0
        self.tie_weeks = 0.0

    def remap_rows(self, site: Site, new_of_old: np.ndarray) -> None:
        """Rows moved: map the ties' members and observers' rows; rebuild the client table.

        A tie whose member was dropped ends (none should be left: only people gone all
        of the last week are dropped, and that week's :meth:`form_ties` ended their ties).
        """
        self.tie_sw, self.tie_client = new_of_old[self.tie_sw], new_of_old[self.tie_client]
        self._end_ties(site.pop, (self.tie_sw >= 0) & (self.tie_client >= 0))
        self._build_client_table(site)
        for observer in self.observers:
            remap = getattr(observer, "remap_rows", None)
            if remap is not None:
                remap(new_of_old)

    # ------------------------------------------------------------------ ties
    def _build_client_table(self, site: Site) -> None:
        """Build the alias table over present clients, weighted by visit frequency."""
        self.clients = site.members[CLIENT]
        self.client_prob, self.client_alias = alias_table(
            np.ascontiguousarray(site.pop.visits_per_week[self.clients])
        )
        self.client_alias_rows = self.clients[self.client_alias]

    def _choose_clients(self, site: Site, sw: np.ndarray, draw: np.ndarray,
                        stream: str) -> np.ndarray:
        """A client for each (sex worker, draw), in proportion to visit frequency."""
        if self.clients.size == 0 or self.client_prob.max(initial=0.0) <= 0:
            return np.full(sw.size, -1, dtype=np.int64)
        u = site.streams.uniforms(stream, site.step_index, sw, draw)
        return self.clients[alias_draws(self.client_prob, self.client_alias, u)]

    def _form_regular(self, site: Site, sw: np.ndarray) -> None:
        """Tie each of ``sw`` (a sex worker may appear several times) to a new client.

        A tie's draw index is the number of ties its sex worker had formed before, so
        every tie of a sex worker has its own numbers, even two with one client.
        """
        if sw.size == 0:
            return
        pop, year = site.pop, site.year
        draw = pop.regular_ties_formed[sw].astype(np.int64) + _rank_within(sw)
        np.add.at(pop.regular_ties_formed, sw, 1)
        client = self._choose_clients(site, sw, draw, "regular.client")
        ok = client >= 0
        sw, client, draw = sw[ok], client[ok], draw[ok]
        dur = site.now.partnerships.dur_regular_client_years
        u = site.streams.uniforms("regular.duration", site.step_index, sw, draw)
        end = np.minimum(year + exponentials(u, dur), np.minimum(pop.exit_year[sw],
                                                                pop.exit_year[client]))
        self.tie_sw = np.concatenate([self.tie_sw, sw])
        self.tie_client = np.concatenate([self.tie_client, client])
        self.tie_end_year = np.concatenate([self.tie_end_year, end])
        self.tie_draw = np.concatenate([self.tie_draw, draw])
        np.add.at(pop.regular_clients, sw, 1)

    def _end_regular(self, site: Site) -> None:
        pop, year = site.pop, site.year
        keep = (
            (self.tie_end_year > year)
            & present_mask(self.tie_sw, pop.exit_year, year)
            & present_mask(self.tie_client, pop.exit_year, year)
        )
        self.tie_weeks += self.tie_sw.size
        self._end_ties(pop, keep)

    def _end_ties(self, pop: Population, keep: np.ndarray) -> None:
        """End the ties where ``keep`` is False: count them, free their sex workers' slots."""
        if keep.all():
            return
        self.ties_ended += int(self.tie_sw.size - keep.sum())
        sw = self.tie_sw[~keep]
        np.subtract.at(pop.regular_clients, sw[sw >= 0], 1)  # -1: she was dropped
        self.tie_sw, self.tie_client = self.tie_sw[keep], self.tie_client[keep]
        self.tie_end_year, self.tie_draw = self.tie_end_year[keep], self.tie_draw[keep]

    def _form_intimate(self, site: Site) -> np.ndarray:
        """The single sex workers who form an intimate partnership this week."""
        p = site.now
        share = p.population.prop_sex_workers_with_intimate_partner
        dur = p.partnerships.dur_intimate_partnership_years
        if share <= 0 or dur <= 0:
            return np.empty(0, dtype=np.int64)
        rate = math.inf if share >= 1 else share / (1.0 - share) / dur
        sw = site.members[SEX_WORKER]
        single = sw[~_has_present_partner(site, sw)]
        u = site.streams.uniforms("intimate.formation", site.step_index, single)
        return single[u < prob_per_step(rate)]

    # ------------------------------------------------------------------ the week
    def form_ties(self, site: Site) -> None:
        """End and form regular ties; publish who forms an intimate partnership."""
        pop, year, step = site.pop, site.year, site.step_index
        rate = site.now.partnerships.rate_regular_client_formation_per_year
        self._end_regular(site)
        self._build_client_table(site)
        working = pop.working(site.members[SEX_WORKER], year)
        wanting = working[pop.regular_clients[working] < pop.regular_clients_target[working]]
        u = site.streams.uniforms("regular.formation", step, wanting)
        self._form_regular(site, wanting[u < prob_per_step(rate)])
        site.week.forming_intimate = self._form_intimate(site)

    def contacts(self, site: Site) -> None:
        """Build the week's contacts with acts and condom use; publish them."""
        working = site.pop.working(site.members[SEX_WORKER], site.year)
        site.week.contacts = self._week_contacts(site, working)

    def _week_contacts(self, site: Site, working: np.ndarray) -> Contacts:
        """Pairs of the week by kind; count expected acts; keep and draw the live ones."""
        pop, year, step, s = site.pop, site.year, site.step_index, site.streams
        p = site.now.partnerships
        one_off = one_off_contacts(working, pop.uid, pop.one_off_clients_per_week,
                                   self.client_prob,
                                   self.clients, self.client_alias_rows, s["one_off.count"],
                                   s["one_off.client"], step)
        n_venues = len(self.venue_names)
        self.one_off_by_venue += np.bincount(pop.venue[one_off[0]], minlength=n_venues)
        self.working_weeks_by_venue += np.bincount(pop.venue[working], minlength=n_venues)
        tie_working = pop.pause_until_year[self.tie_sw] <= year
        lovers = site.members[PARTNER_OF_SEX_WORKER]
        wives = site.members[PARTNER_OF_CLIENT]
        pairs = (
            (one_off[0], one_off[1], one_off[2]),
            (self.tie_sw[tie_working], self.tie_client[tie_working], self.tie_draw[tie_working]),
            (pop.partner_row[lovers], lovers, np.zeros(lovers.size, dtype=np.int64)),
            (wives, pop.partner_row[wives], np.zeros(wives.size, dtype=np.int64)),
        )
        means = (p.acts_per_one_off_contact, p.acts_per_week_regular_client,
                 p.acts_per_week_intimate_partner, p.acts_per_week_client_partner)
        parts = []
        for k, (a, b, draw) in enumerate(pairs):
            minimum = 1 if k == ONE_OFF else 0
            mean_acts = max(means[k], minimum)
            base, factor, power, z, sd = self.condom_terms(site, k)
            has_factor = factor is not None
            *live, p_all, varies = live_contacts_with_acts(
                a, b, draw, k * _DRAW_OFFSET, pop.uid, pop.infections, pop.gender,
                k != CLIENT_PARTNER, base, has_factor,
                factor if has_factor else _NO_VALUES, power,
                z if z is not None else _NO_VALUES, sd, mean_acts, minimum,
                s["acts"], s["condom"], step)
            # the probability per contact, or one number when every multiplier is 1
            per_contact = has_factor and (sd != 0.0 or power != 1.0 or varies)
            p_condom = p_all if per_contact else base
            for observer in self.observers:
                observer(site, k, a, b, draw + k * _DRAW_OFFSET, mean_acts, minimum, p_condom)
            self.acts[k] += a.size * mean_acts
            if per_contact:
                self.protected[k] += float(p_all.sum()) * mean_acts
            else:
                self.protected[k] += a.size * float(base) * mean_acts
            self.live_contact_count[k] += live[0].size
            self.live_acts[k] += float(live[5].sum())
            parts.append(live)
        a, b, uid_a, uid_b, draw, n_acts, n_protected, anal, status_a, status_b = (
            np.concatenate(x) for x in zip(*parts, strict=True)
        )
        kind = np.repeat(np.arange(len(KINDS), dtype=np.int8), [x[0].size for x in parts])
        return Contacts(a, b, uid_a, uid_b, kind, draw, n_acts, n_protected, anal, status_a,
                        status_b)

    def condom_terms(self, site: Site, kind: int
                     ) -> tuple[float, np.ndarray | None, float, np.ndarray | None, float]:
        """What sets the probability that an act of ``kind`` is protected.

        Returns ``(base, factor, power, z, sd)``: the kind's baseline at propensity 0
        (so that the mean over sex workers is the setting's ``prop_condom_*``), the
        sex worker's structural factor column (:data:`CONDOM_FACTORS`; None for
        clients' wives) and the power of it that reaches this kind of partner
        (``condom.power_odds_regular_client`` with repeat clients, otherwise 1), and
        her propensity normals with their spread (:meth:`propensity`).
        """
        c = site.now.condom
        mean = (c.prop_condom_one_off, c.prop_condom_regular_client,
                c.prop_condom_intimate_partner, c.prop_condom_client_partner)[kind]
        sd, z = self.propensity(site, kind)
        base = base_for_mean(mean, sd)
        column = CONDOM_FACTORS[kind]
        factor = None if column is None else getattr(site.pop, column)
        power = c.power_odds_regular_client if kind == REGULAR else 1.0
        return base, factor, power, z, sd

    def condom_probability(self, site: Site, a: np.ndarray, kind: int) -> np.ndarray | float:
        """Probability that an act is protected, for contacts of one kind.

        The kind's baseline, with the odds multiplied by the sex worker's (``a``'s)
        propensity and structural factor, as the week's contacts use it
        (:meth:`condom_terms`); the baseline itself (a number) for clients' wives.
        """
        base, factor, power, z, sd = self.condom_terms(site, kind)
        if factor is None:
            return base
        return odds_times_propensity(base, factor, power, z if z is not None else _NO_VALUES,
                                     sd, a)

    @staticmethod
    def propensity(site: Site, kind: int) -> tuple[float, np.ndarray | None]:
        """The spread of condom-use propensity for ``kind`` and the sex workers' normals.

        Clients (one-off and regular) share each sex worker's ``condom_z_clients``; her
        intimate partner has ``condom_z_partner``; clients' wives have no spread.
        """
        c = site.now.condom
        if kind in (ONE_OFF, REGULAR):
            return c.sd_logit_condom_clients, site.pop.condom_z_clients
        if kind == INTIMATE:
            return c.sd_logit_condom_intimate_partner, site.pop.condom_z_partner
        return 0.0, None

    def record(self) -> Reporters:
        """Yearly reporters.

        ``condom_use|KIND``: the expected share of acts protected, each contact's
        probability weighted by its expected acts, over the year.
        ``consistent_condom_use|members`` (``non_members``, ``sex_workers``): among
        working sex workers at the year's end, the expected share whose acts with
        clients in one week were all protected (:func:`consistent_condom_use`).
        """
        out = {
            ("condom_use", kind): lambda m, k=k: (
                float(self.protected[k] / self.acts[k]) if self.acts[k] > 0 else math.nan
            )
            for k, kind in enumerate(KINDS)
        }
        for who in ("members", "non_members", "sex_workers"):
            out[("consistent_condom_use", who)] = lambda m, w=who: consistent_condom_use(m, w)
        out.update(self.invariant_reporters())
        return out

    def invariant_reporters(self) -> dict[tuple[str, str], callable]:
        """Yearly reporters of the partnership structure (a regression check's invariants).

        ``one_off_clients_per_sex_worker_week|VENUE`` (and ``all``): one-off contacts
        over the working sex workers' weeks in the year; ``regular_clients_per_sex_worker``
        and ``intimate_partner_share`` (``sex_workers``): among working and present sex
        workers at the year's end; ``acts_per_contact|KIND``: acts drawn over contacts
        in which something could pass (the live contacts transmission reads);
        ``regular_tie_duration_years|all``: tie-years over ties ended in the year (the
        exposure estimate of the mean duration).
        """
        def per_week(counts: np.ndarray, weeks: np.ndarray) -> float:
            total = float(weeks.sum())
            return float(counts.sum()) / total if total > 0 else math.nan

        out: dict[tuple[str, str], callable] = {}
        for v, venue in enumerate(self.venue_names):
            out[("one_off_clients_per_sex_worker_week", venue)] = lambda m, v=v: per_week(
                self.one_off_by_venue[v:v + 1], self.working_weeks_by_venue[v:v + 1])
        out[("one_off_clients_per_sex_worker_week", "all")] = lambda m: per_week(
            self.one_off_by_venue, self.working_weeks_by_venue)
        for k, kind in enumerate(KINDS):
            out[("acts_per_contact", kind)] = lambda m, k=k: (
                float(self.live_acts[k] / self.live_contact_count[k])
                if self.live_contact_count[k] > 0 else math.nan)
        out[("regular_clients_per_sex_worker", "sex_workers")] = lambda m: _mean_or_nan(
            m.pop.regular_clients[m.pop.working(m.members[SEX_WORKER], m.year)])
        out[("intimate_partner_share", "sex_workers")] = lambda m: _partnered_share(m)
        out[("regular_tie_duration_years", "all")] = lambda m: (
            self.tie_weeks / 52.0 / self.ties_ended if self.ties_ended else math.nan)
        return out


def consistent_condom_use(site: Site, who: str) -> float:
    """Expected share of working sex workers who protected every act with clients in a week.

    For a sex worker with mean one-off clients L a week, R regular clients, acts a
    contact A (one-off) and a week W (regular), and protection probabilities p1 and p2
    (baseline with her week's ``condom_odds_clients``, raised to
    ``power_odds_regular_client`` for repeat clients), acts with clients form Poisson
    processes, so the chance that none in a week is unprotected is
    exp(-L A (1 - p1) - R W (1 - p2)). ``who``: members, non_members or sex_workers.
    """
    pop = site.pop
    sw = pop.working(site.members[SEX_WORKER], site.year)
    member = ~np.isnan(pop.member_since_year[sw])
    if who == "members":
        sw = sw[member]
    elif who == "non_members":
        sw = sw[~member]
    if sw.size == 0:
        return math.nan
    # the parameters of the last week of the recorded year (model.now is the new year's)
    c, p = resolve(site.params.condom, site.year - DT_YEARS), resolve(
        site.params.partnerships, site.year - DT_YEARS)
    sd, z = Partnerships.propensity(site, ONE_OFF)  # clients share one propensity
    spread = np.exp(sd * z[sw])
    factor = pop.condom_odds_clients[sw]
    power = c.power_odds_regular_client
    p1 = odds_times(base_for_mean(c.prop_condom_one_off, sd), factor * spread)
    p2 = odds_times(base_for_mean(c.prop_condom_regular_client, sd),
                    factor ** power * spread)
    acts_one_off = max(p.acts_per_one_off_contact, 1.0)
    acts_regular = p.acts_per_week_regular_client
    unprotected = (pop.one_off_clients_per_week[sw] * acts_one_off * (1.0 - p1)
                   + pop.regular_clients[sw] * acts_regular * (1.0 - p2))
    return float(np.exp(-unprotected).mean())


def _has_present_partner(site: Site, uids: np.ndarray) -> np.ndarray:
    """For each of ``uids``, whether their partner (``partner_row``) is present now."""
    partner = site.pop.partner_row[uids]
    return (partner >= 0) & (site.pop.exit_year[np.maximum(partner, 0)] > site.year)


def _partnered_share(site: Site) -> float:
    """Share of present sex workers whose intimate partner is present."""
    return _mean_or_nan(_has_present_partner(site, site.members[SEX_WORKER]))


def _mean_or_nan(values: np.ndarray) -> float:
    return float(values.mean()) if values.size else math.nan


def _rank_within(sorted_ids: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each run of equal ids (ids sorted)."""
    if sorted_ids.size == 0:
        return np.empty(0, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_ids)) + 1]
    run = np.repeat(starts, np.diff(np.r_[starts, sorted_ids.size]))
    return np.arange(sorted_ids.size) - run
