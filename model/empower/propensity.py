"""Person-level condom-use propensity: the per-act chance at propensity 0 that keeps a mean.

Each sex worker's chance that an act is protected is ``expit(logit(b) + s z)`` (times
the week's structural odds multipliers), with ``z`` her own standard normal and ``s``
the setting's spread (``condom.sd_logit_condom_*``). A setting gives the *mean* chance
over sex workers (what "condom at last sex" measures), so ``b`` is solved for once:
``E_z[expit(logit(b) + s z)] = mean`` (:func:`base_for_mean`).
"""

from __future__ import annotations

import functools
import math

import numpy as np

__all__ = ["base_for_mean", "mean_for_base"]

_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(64)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()  # expectations over a standard normal


def mean_for_base(base: float, sd_logit: float) -> float:
    """The mean over a standard-normal propensity of ``expit(logit(base) + sd_logit z)``."""
    if base <= 0.0 or base >= 1.0 or sd_logit == 0.0:
        return float(base)
    logit = math.log(base / (1.0 - base))
    return float(np.dot(_WEIGHTS, 1.0 / (1.0 + np.exp(-(logit + sd_logit * _NODES)))))


@functools.lru_cache(maxsize=256)
def base_for_mean(mean: float, sd_logit: float) -> float:
    """The per-act chance at propensity 0 whose mean over sex workers is ``mean``.

    Exactly ``mean`` when ``sd_logit`` is 0 or ``mean`` is 0 or 1; otherwise found by
    bisection on the log-odds scale (the mean rises with the base), to 1e-12.
    """
    if mean <= 0.0 or mean >= 1.0 or sd_logit == 0.0:
        return float(mean)
    low, high = -60.0, 60.0
    for _ in range(200):
        mid = 0.5 * (low + high)
        if mean_for_base(1.0 / (1.0 + math.exp(-mid)), sd_logit) < mean:
            low = mid
        else:
            high = mid
        if high - low < 1e-12:
            break
    return 1.0 / (1.0 + math.exp(-0.5 * (low + high)))
