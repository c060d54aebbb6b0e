"""What every process of the model declares and does: the process protocol.

A process is one folder under ``processes/`` with a class derived from
:class:`Process`. The class declares, as class attributes:

* ``name``: the process's name: its folder, its attribute on each site (``site.hiv``;
  ``model.hiv`` in a one-site model) and the first word of its phases in
  :data:`empower.phases.PHASES`;
* ``sections``: the parameter sections of the setting it reads (``params.hiv``);
* ``columns``: the population columns it owns (it alone writes them);
* ``factors``: the week's structural factor columns it starts or multiplies (several
  processes write one factor in a declared order; :data:`empower.phases.FACTORS`);
* ``reads``: columns of other processes, and factors, that it reads;
* ``streams``: the random streams it draws from (each declared once in
  :mod:`empower.core.stream_names`);
* ``publishes`` and ``uses``: the week's products (:class:`empower.week.Week`) it
  sets for later phases, and those of earlier phases it reads.

And it does, as methods called by the model, each given the site it acts at
(:class:`empower.site.Site`: that place's people, streams, parameters now and week's
products; a process never sees another site):

* ``init(site)``: its starting state, after the processes before it in
  :data:`empower.phases.PROCESSES` (the order of first appearance in ``PHASES``);
* one method per phase of the week it has in ``PHASES`` (most have one, ``step``);
* ``record()``: its yearly reporters, ``{(metric, group): function of the site}``,
  which Mesa's ``DataCollector`` calls at each year's end;
* ``reset_year()``: start a new year of its counters, after the year is recorded;
* ``remap_rows(site, new_of_old)``: the population's rows have moved (at the start of
  a year, :meth:`empower.population.Population.compact`): a process that keeps rows
  from one week to the next (ties, a calendar) maps each old row to its new one
  (``new_of_old[row]``, -1 for someone who left and was dropped).

A process reads other processes only through the week's products and declared
columns: never another process's attributes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    import numpy as np

    from empower.site import Site

__all__ = ["Process", "Reporters"]

Reporters = dict[tuple[str, str], Callable[["Site"], float]]


class Process:
    """Base of the model's processes: declarations and the methods the model calls.

    Subclasses set the class attributes (module docstring) and override what they do;
    the defaults do nothing, so a process with no yearly counters needs no
    ``reset_year`` and one with no outputs no ``record``.
    """

    name: ClassVar[str] = ""
    sections: ClassVar[tuple[str, ...]] = ()
    columns: ClassVar[tuple[str, ...]] = ()
    factors: ClassVar[tuple[str, ...]] = ()
    reads: ClassVar[tuple[str, ...]] = ()
    streams: ClassVar[tuple[str, ...]] = ()
    publishes: ClassVar[tuple[str, ...]] = ()
    uses: ClassVar[tuple[str, ...]] = ()

    def __init__(self, site: Site) -> None:
        """Hold nothing yet: ``init`` makes the starting state."""

    def init(self, site: Site) -> None:
        """Make the starting state (default: nothing)."""

    def step(self, site: Site) -> None:
        """The process's week (default: nothing)."""

    def record(self) -> Reporters:
        """Yearly reporters (default: none)."""
        return {}

    def reset_year(self) -> None:
        """Start a new year of counters (default: nothing to reset)."""

    def remap_rows(self, site: Site, new_of_old: np.ndarray) -> None:
        """Rows have moved: map the rows it keeps (default: it keeps none)."""
