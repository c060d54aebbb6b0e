"""One rate-to-probability formula: Python, arrays and kernels agree to the bit."""

from __future__ import annotations

import math
import pathlib
import re

import numpy as np
import pytest
from empower.core.rate_kernels import rate_to_prob as compiled_rate_to_prob
from empower.core.rate_kernels import rates_to_probs
from empower.units import DT_YEARS, prob_per_step, rate_to_prob

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "model" / "empower"

# Rates per year from far below to far above the model's, and the edges.
RATES = np.concatenate([[0.0, 1e-300, 5e-324, 1e-12, 1.0, 52.0, 1e6, math.inf],
                        np.random.default_rng(3).lognormal(-1.0, 3.0, 20_000)])


def test_compiled_formula_equals_the_python_formula_to_the_bit():
    for rate in RATES:
        assert compiled_rate_to_prob(rate, DT_YEARS) == rate_to_prob(rate, DT_YEARS)


def test_arrays_and_numbers_give_the_same_bits():
    as_array = prob_per_step(RATES)
    as_numbers = np.array([prob_per_step(float(r)) for r in RATES])
    np.testing.assert_array_equal(as_array, as_numbers)
    np.testing.assert_array_equal(rates_to_probs(RATES, DT_YEARS), as_array)


def test_prob_per_step_keeps_the_shape_of_an_array_and_accepts_other_steps():
    rates = RATES[:12].reshape(3, 4)
    probs = prob_per_step(rates, dt_years=1.0)
    assert probs.shape == (3, 4)
    assert probs[1, 1] == rate_to_prob(float(rates[1, 1]), 1.0)


def test_small_rates_keep_their_digits_and_limits_hold():
    # 1 - exp(-x) would lose about half the digits here; expm1 keeps them all.
    assert prob_per_step(1e-12) == pytest.approx(1e-12 * DT_YEARS, rel=1e-15)
    assert prob_per_step(0.0) == 0.0
    assert prob_per_step(math.inf) == 1.0
    assert prob_per_step(52.0) == pytest.approx(1.0 - math.exp(-1.0), rel=1e-15)


@pytest.mark.parametrize("rates", [-0.1, np.array([0.2, -1e-9])])
def test_a_negative_rate_is_an_error_naming_the_rate(rates):
    with pytest.raises(ValueError, match="a rate cannot be negative"):
        prob_per_step(rates)


def test_no_module_but_units_converts_a_rate_with_its_own_exponential():
    """expm1, or exp of a rate times the step, is written only in empower.units."""
    own_formula = re.compile(r"expm1|exp\([^)]*(DT_YEARS|dt_years)")
    offenders = [f"{path.relative_to(PACKAGE)}:{number}"
                 for path in PACKAGE.rglob("*.py") if path.name != "units.py"
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if own_formula.search(line.split("#")[0])]
    assert offenders == []
