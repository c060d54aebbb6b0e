"""The population's ``infections`` byte: who has what, read one byte per person.

Bit ``HAS_HIV`` is HIV, bit :func:`sti_bit` ``(k)`` STI ``k``
(:mod:`empower.core.status_bits`). These kernels read it for many people at once: the
people with a bit, and the people without HIV by gender. The week's contacts read the
partners' bytes in their own kernel
(:func:`empower.processes.partnerships.kernels.live_contacts_with_acts`).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from empower.core.status_bits import HAS_HIV

__all__ = ["sti_bit", "with_bit", "count_hiv_susceptible"]


@nb.njit("uint8(int64)", cache=True, inline="always")
def sti_bit(k):
    """The status bit of STI number ``k`` (0 to ``MAX_STIS - 1``)."""
    return np.uint8(2 << k)


@nb.njit("int64[:](int64[:], uint8[:], uint8)", cache=True)
def with_bit(uids, infections, bit):
    """Those of ``uids`` whose infections byte has ``bit`` (order kept).

    Every uid is written and the count advanced only for a match: no branch to
    mispredict when matches are scattered.
    """
    out = np.empty(uids.shape[0], dtype=np.int64)
    k = 0
    for i in range(uids.shape[0]):
        uid = uids[i]
        out[k] = uid
        k += (infections[uid] & bit) != 0
    return out[:k].copy()


@nb.njit("int64[:](int64[:], uint8[:], int8[:])", cache=True, parallel=True)
def count_hiv_susceptible(uids, infections, gender):
    """How many of ``uids`` do not have HIV (bit ``HAS_HIV`` of ``infections``), by gender.

    Returns:
        Three counts: female, trans and male (``gender`` 0, 1, 2 indexed by uid).
    """
    n_female = 0
    n_trans = 0
    n_male = 0
    for i in nb.prange(uids.shape[0]):
        uid = uids[i]
        if (infections[uid] & HAS_HIV) == 0:
            g = gender[uid]
            n_female += g == 0
            n_trans += g == 1
            n_male += g == 2
    return np.array([n_female, n_trans, n_male], dtype=np.int64)
