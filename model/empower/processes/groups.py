"""Groups of people as reported in outputs, and counting people by group."""

from __future__ import annotations

import numpy as np

from empower.population import (
    CLIENT,
    GROUP_NAMES,
    PARTNER_OF_CLIENT,
    PARTNER_OF_SEX_WORKER,
    SEX_WORKER,
)

__all__ = ["METRIC_GROUPS", "group_counts"]

# Output group name -> population groups it adds up
METRIC_GROUPS: dict[str, tuple[int, ...]] = {
    "sex_workers": (SEX_WORKER,),
    "clients": (CLIENT,),
    "partners": (PARTNER_OF_SEX_WORKER, PARTNER_OF_CLIENT),
    "all": (SEX_WORKER, CLIENT, PARTNER_OF_SEX_WORKER, PARTNER_OF_CLIENT),
}


def group_counts(groups: np.ndarray) -> np.ndarray:
    """How many of the given people are in each population group."""
    return np.bincount(groups.astype(np.int64), minlength=len(GROUP_NAMES))
