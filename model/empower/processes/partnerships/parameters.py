"""The partnerships sections: ties and acts, and condom use by partnership type."""

from __future__ import annotations

from empower.core.parameter_types import (
    ActsPerContact,
    Dur,
    PerSexWorker,
    PerWeek,
    Positive,
    Prob,
    Rate,
    Section,
)

__all__ = ["PartnershipParams", "CondomParams"]


class PartnershipParams(Section):
    """Ties and acts: one-off clients, regular clients, intimate partners, clients' partners."""

    acts_per_one_off_contact: ActsPerContact
    regular_clients_per_sex_worker: PerSexWorker
    rate_regular_client_formation_per_year: Rate
    dur_regular_client_years: Dur
    acts_per_week_regular_client: PerWeek
    dur_intimate_partnership_years: Dur
    acts_per_week_intimate_partner: PerWeek
    acts_per_week_client_partner: PerWeek

class CondomParams(Section):
    """Condom use by partnership type: the mean share of acts protected, and its spread.

    ``prop_condom_*`` is the mean over sex workers of the chance that an act is
    protected (what "condom at last sex" measures). Sex workers differ: each has a
    condom-use propensity on the log-odds scale, ``sd_logit_*`` times her own standard
    normal (one for clients, one for her intimate partner), so some nearly always and
    some nearly never use condoms (processes/partnerships/). 0 makes every act an
    independent coin flip at the mean.

    ``power_odds_regular_client`` is how much of a sex worker's week's condom odds
    multiplier with clients (law, programme, violence: ``condom_odds_clients``) reaches
    her repeat clients, as a power on the multiplier: 1 the same as with one-off
    clients, 0 none (condom use with repeat clients stays at its baseline).
    """

    prop_condom_one_off: Prob
    prop_condom_regular_client: Prob
    prop_condom_intimate_partner: Prob
    prop_condom_client_partner: Prob
    sd_logit_condom_clients: Positive
    sd_logit_condom_intimate_partner: Positive
    power_odds_regular_client: Prob
