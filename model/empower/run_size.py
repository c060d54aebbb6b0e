"""How big a run is, checked before anything is allocated.

A run needs a row of the population table for everyone ever in it
(:func:`expected_rows`), and each week's contact lists. :func:`check_run_size` refuses,
with the parameters that make it so, a run that would have no one in a group (people
scale too small) or need more memory than the machine has (a typo such as
``n_clients = 1e8``), instead of failing with MemoryError after minutes.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from empower.timeline import value_at

if TYPE_CHECKING:
    from empower.parameters import SettingParams
    from empower.scenario import Scenario

__all__ = ["expected_rows", "check_run_size", "RunTooLarge", "available_memory_bytes"]

CONTACT_BYTES = 48  # a week's contact: two ids, acts, condom use, kind (see partnerships)
MEMORY_SHARE = 0.8  # of the memory available, what one run may plan to use


class RunTooLarge(ValueError):
    """A run that cannot be made: no one in a group, or more memory than there is."""


def expected_rows(scenario: Scenario, people_scale: float,
                  params: SettingParams | None = None) -> int:
    """Rows the run is expected to need, so the columns are allocated once.

    The table holds the people present plus those who left in the last year (rows
    are compacted at the start of each year: :meth:`empower.population.Population.compact`):
    each group's largest size over the run plus a year of replacements (leaving at
    1 / mean duration plus the death rate, per year), each with their share of
    intimate partners. Those durations and rates at the start year, times 1.15 for
    what the sum leaves out (partnerships formed later, HIV deaths). A run that needs
    more grows the columns (:meth:`empower.population.Population.add`), which costs a
    copy, not correctness. ``params``: a site's parameters (default: the scenario's
    first site's).
    """
    p, year = params or scenario.params, scenario.run_start_year
    years = range(year, scenario.end_year + 1)

    def rows(n, dur_years, rate_death, prop_partner):
        turnover = 1.0 / value_at(dur_years, year) + value_at(rate_death, year)
        largest = max(value_at(n, y) for y in years)
        return largest * (1.0 + min(turnover, 1.0)) * (1.0 + value_at(prop_partner, year))

    expected = (
        rows(p.population.n_sex_workers, p.sex_workers.dur_career_years,
             p.sex_workers.rate_death_per_year,
             p.population.prop_sex_workers_with_intimate_partner)
        + rows(p.population.n_clients, p.clients.dur_client_years,
               p.clients.rate_death_per_year, p.population.prop_clients_with_partner)
    )
    return int(1.15 * expected * people_scale) + 1024


def available_memory_bytes() -> int | None:
    """Memory available now (Linux ``MemAvailable``, else physical memory), or None."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_run_size(scenario: Scenario, people_scale: float,
                   available: int | None = None) -> None:
    """RunTooLarge naming the cause if the run has an empty group or cannot fit.

    Every site of the setting is checked for empty groups (its keys prefixed
    ``sites.NAME.`` when there are several); the memory needed is all sites' together.
    """
    sites, year = scenario.sites, scenario.run_start_year
    need = 0.0
    for name, p in sites.items():
        where = f"sites.{name}." if len(sites) > 1 else ""
        for key, n in (("population.n_sex_workers", p.population.n_sex_workers),
                       ("population.n_clients", p.population.n_clients)):
            people = round(value_at(n, year) * people_scale)
            if people < 1:
                raise RunTooLarge(f"{where}{key} ({value_at(n, year):g}) times the people "
                                  f"scale ({people_scale:g}) leaves no one; use a larger "
                                  "people scale")
        need += _bytes_needed(scenario, people_scale, p)
    available = available_memory_bytes() if available is None else available
    if available is not None and need > MEMORY_SHARE * available:
        p = scenario.params
        several = f" over {len(sites)} sites, the first with" if len(sites) > 1 else ""
        raise RunTooLarge(
            f"the run would need about {need / 2**30:.1f} GiB{several} (population.n_sex_workers "
            f"{value_at(p.population.n_sex_workers, year):g}, population.n_clients "
            f"{value_at(p.population.n_clients, year):g}, people scale {people_scale:g}, "
            f"up to {_one_off_per_week(p, year):g} one-off clients a week); "
            f"{available / 2**30:.1f} GiB is available. Use a smaller people scale or "
            "smaller groups")


def _one_off_per_week(p: SettingParams, year: int) -> float:
    return max(value_at(v.one_off_clients_per_week, year)
               for v in p.sex_workers.venues.values())


def _bytes_needed(scenario: Scenario, people_scale: float, p: SettingParams) -> float:
    """One site's population table (twice: it doubles once while growing) and contacts."""
    from empower.population import bytes_per_row

    year = scenario.run_start_year
    table = expected_rows(scenario, people_scale, p) * bytes_per_row(len(p.stis))
    n_sw = value_at(p.population.n_sex_workers, year) * people_scale
    contacts = n_sw * (_one_off_per_week(p, year) + value_at(
        p.partnerships.regular_clients_per_sex_worker, year) + 1.0) * CONTACT_BYTES
    return 2 * table + contacts
