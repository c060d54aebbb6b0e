"""Mesa conventions: rng= as the seed, a scenario name or path where a Scenario goes."""

from __future__ import annotations

import pytest
from conftest import write_scenario
from empower.model import EmpowerModel
from empower.results import tidy_from_model
from empower.scenario import load_scenario


def _run(model: EmpowerModel):
    model.run()
    return tidy_from_model(model, 0)


def test_rng_is_the_seed_and_a_path_is_a_scenario(tmp_path):
    path = write_scenario(tmp_path / "s.toml", end_year=2005)
    by_seed = _run(EmpowerModel(load_scenario(path), seed=7, people_scale=0.05))
    by_rng = _run(EmpowerModel(path, rng=7, people_scale=0.05))
    assert by_seed.equals(by_rng)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"seed": 1, "rng": 2}, "differ: give one of them"),
    ({"rng": 1.5}, "rng must be an integer seed"),
])
def test_a_conflicting_or_non_integer_rng_is_refused(tmp_path, kwargs, message):
    path = write_scenario(tmp_path / "s.toml", end_year=2005)
    with pytest.raises(ValueError, match=message):
        EmpowerModel(path, people_scale=0.05, **kwargs)
