"""Every random stream's name, declared once, with what it draws.

A stream's name alone decides its numbers (:func:`empower.rng.stream_key`), so two
processes that used one name by mistake would draw the same numbers, and a misspelt
name would silently start a new stream. :class:`empower.rng.Streams` therefore makes a
key only for a name declared here; ``{sti}`` stands for any STI's name from the
setting. A name declared twice is refused when this module is imported.

A new stream is one line below, in its process's block.
"""

from __future__ import annotations

import difflib
import re

__all__ = ["STREAMS", "UnknownStream", "check_stream_name"]

_DECLARED = (
    # demography: sex workers, clients and their partners at entry and exit
    ("sw.age", "sex workers' age at entry (two uniforms: a normal)"),
    ("sw.so_far", "years in sex work already, for those present at the start"),
    ("sw.duration", "years in sex work still to come"),
    ("sw.death", "death from causes other than HIV"),
    ("sw.gender", "gender: female, trans or male"),
    ("sw.venue", "venue type"),
    ("sw.volume", "one-off clients a week (two uniforms: a lognormal)"),
    ("sw.police_exposure", "exposure to policing (two uniforms: a lognormal)"),
    ("sw.condom_propensity", "condom propensity with clients and with partners (four)"),
    ("sw.regulars", "number of regular clients wanted"),
    ("sw.intimate_partner", "whether she has an intimate partner at entry"),
    ("sw.pause", "whether a working sex worker pauses this week"),
    ("sw.pause.length", "how long the pause lasts"),
    ("client.age", "clients' age at entry"),
    ("client.so_far", "years as a client already, for those present at the start"),
    ("client.duration", "years as a client still to come"),
    ("client.death", "death from causes other than HIV"),
    ("client.visits", "visits to sex workers a week (two uniforms: a lognormal)"),
    ("client.circumcision", "whether circumcised"),
    ("client.partnered", "whether he has a wife or regular partner"),
    ("partner.circumcision", "whether a sex worker's intimate partner is circumcised"),
    ("partner.death", "partners' death"),
    ("partner.duration", "how long a partner stays in the population"),
    # partnerships and acts
    ("one_off.count", "one-off contacts of a sex worker this week"),
    ("one_off.client", "which client each one-off contact is with"),
    ("regular.client", "which client a new regular tie is with"),
    ("regular.duration", "how long a regular tie lasts"),
    ("regular.formation", "whether a missing regular client is replaced this week"),
    ("intimate.formation", "whether a single sex worker forms an intimate partnership"),
    ("acts", "acts in a contact (transmission and the survey's recall use the same)"),
    ("condom", "whether each act is protected (transmission and the survey)"),
    # HIV and the care cascade
    ("hiv.seed", "who is infected at the start and at entry"),
    ("hiv.seed.since", "how long ago a seeded infection began"),
    ("hiv.survival", "survival from infection without ART"),
    ("hiv.transmission", "HIV transmission per contact"),
    ("cascade.initial_diagnosis", "who is diagnosed at the start"),
    ("cascade.initial_art", "who is on ART at the start"),
    ("cascade.test", "HIV testing"),
    ("cascade.art_start", "starting ART after diagnosis"),
    ("cascade.art_dropout", "stopping ART"),
    # STIs
    ("sti.{sti}.seed", "who has the STI at the start and at entry"),
    ("sti.{sti}.symptoms", "whether an infection is symptomatic"),
    ("sti.{sti}.duration", "untreated duration of an infection"),
    ("sti.{sti}.transmission", "transmission per contact"),
    # structural layer
    ("mobilisation.initial", "who is a member at the start"),
    ("mobilisation.join", "joining a community group"),
    ("mobilisation.attrition", "leaving a community group"),
    ("violence.client", "violence from clients"),
    ("violence.partner", "violence from intimate partners"),
    ("violence.police", "violence from police"),
    ("violence.arrest", "arrest"),
    ("violence.encounter", "an encounter with police"),
    ("violence.confiscation", "confiscation of condoms"),
    ("violence.crisis_response", "whether the group's crisis response reaches her"),
    ("clinic.visit", "a member's visit to the group's clinic"),
    ("clinic.cure", "whether a clinic visit cures each STI"),
    ("prep.start", "starting PrEP when a slot is funded"),
    ("prep.stop", "stopping PrEP"),
    ("prep.adherence", "adherence group at the start of PrEP"),
    # simulated surveys
    ("survey.sample", "who is sampled"),
    ("survey.last_act", "which act was the last, for condom use at last sex"),
)


def _declare(pairs: tuple[tuple[str, str], ...]) -> dict[str, str]:
    declared: dict[str, str] = {}
    for name, what in pairs:
        if name in declared:
            raise ValueError(f"stream {name!r} is declared twice in empower.core.stream_names")
        declared[name] = what
    return declared


#: name -> what it draws; ``{sti}`` in a name stands for any STI's name
STREAMS: dict[str, str] = _declare(_DECLARED)

_STI_STREAM = re.compile(r"sti\.([^.]+)\.([a-z_]+)")


class UnknownStream(KeyError):
    """A stream name that is not declared in :mod:`empower.core.stream_names`."""

    def __str__(self) -> str:
        return str(self.args[0])


def check_stream_name(name: str) -> None:
    """Nothing if ``name`` is declared (an STI's streams under any STI's name); else raise."""
    if name in STREAMS:
        return
    sti = _STI_STREAM.fullmatch(name)
    if sti and f"sti.{{sti}}.{sti.group(2)}" in STREAMS:
        return
    close = difflib.get_close_matches(name, STREAMS, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise UnknownStream(f"random stream {name!r} is not declared in "
                        f"empower.core.stream_names{hint}")
