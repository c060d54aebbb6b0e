"""Past-year violence is reported among those exposed for the whole past year."""

from __future__ import annotations

import numpy as np
from empower.processes.violence.process import _past_year


def test_past_year_violence_leaves_out_sex_workers_in_sex_work_for_less_than_a_year(
        make_model):
    model = make_model(end_year=2007)
    while model.year < 2006.0:
        model.step()
    pop, sw, since = model.pop, model.members[0], model.year - 1.0
    recent = sw[pop.entry_year[sw] > since]
    settled = sw[pop.entry_year[sw] <= since]
    assert recent.size > 0 and settled.size > 0
    pop.violence_client_year[recent] = model.year - 0.1  # recent entrants all hurt ...
    pop.violence_client_year[settled] = -np.inf  # ... and nobody else
    assert _past_year(model, ("client",)) == 0.0
    pop.violence_client_year[settled[:10]] = model.year - 0.5
    assert _past_year(model, ("client",)) == 10 / settled.size
