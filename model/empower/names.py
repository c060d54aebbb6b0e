"""Names a setting or scenario gives, which the outputs and the terminal carry.

An STI's name becomes part of metric names (``NAME_prevalence``), a community group's
name a value of the ``group`` column, a scenario's name a value of the ``scenario``
column and a line of the terminal. So each must be safe to print and to put in a
spreadsheet cell, and must not be a name the model already uses:

* STI, venue and community group names: lowercase letters, digits and ``_``, starting
  with a letter, at most 32 characters (:data:`SAFE_NAME`);
* scenario and setting names: letters, digits, ``_``, ``-`` and ``.``, starting with a
  letter or digit, at most 64 characters (:data:`SCENARIO_NAME`): no spaces, no
  escape codes, no leading ``=``;
* an STI may not be called ``hiv`` (its metrics would replace HIV's), and a community
  group may not take a name the ``group`` column already uses (:data:`RESERVED_GROUPS`:
  ``all`` would vanish into the total).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["SAFE_NAME", "SCENARIO_NAME", "RESERVED_GROUPS", "RESERVED_STIS", "check_names",
           "check_scenario_name"]

SAFE_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
SCENARIO_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")

# Every fixed value of the output's group column (tests/test_names.py checks a run's
# outputs against this list).
RESERVED_GROUPS = frozenset({
    "all", "total", "any", "members", "non_members",
    "sex_workers", "female_sex_workers", "trans_sex_workers", "male_sex_workers",
    "clients", "partners", "partners_of_sex_workers", "partners_of_clients",
    "one_off", "regular_client", "intimate_partner", "client_partner",
    "client", "partner", "police",
    "outreach", "clinic", "condoms", "prep", "crisis_response",
    "sex_worker_to_client", "client_to_sex_worker", "sex_worker_to_partner",
    "partner_to_sex_worker", "client_to_partner", "partner_to_client",
})
RESERVED_STIS = frozenset({"hiv"})


def check_names(names: Iterable[str], what: str, reserved: frozenset[str] = frozenset()
                ) -> None:
    """Raise ValueError naming the first unsafe or reserved name among ``names``.

    ``what`` says what the names are ("an STI", "a community group") in the message.
    """
    for name in names:
        if not SAFE_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not allowed as the name of {what}: use lowercase "
                             "letters, digits and _, starting with a letter, at most 32 "
                             "characters")
        if name in reserved:
            raise ValueError(f"{name!r} cannot name {what}: the outputs already use it "
                             f"(reserved: {', '.join(sorted(reserved))})")


def check_scenario_name(name: str, what: str = "a scenario") -> str:
    """``name`` if it is a safe scenario or setting name, else ValueError."""
    if not SCENARIO_NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not allowed as the name of {what}: use letters, "
                         "digits, _, - and ., starting with a letter or digit, at most 64 "
                         "characters")
    return name
