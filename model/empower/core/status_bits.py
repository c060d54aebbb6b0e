"""The bits of the population's ``infections`` column: one per infection.

Bit 0 (``HAS_HIV``) is HIV; bits 1 to 7 are the setting's STIs in their order, STI
number ``k`` at ``2 << k`` (``sti_bit`` in :mod:`empower.core.infection_bits_kernels`),
so a setting holds at most ``MAX_STIS``. Plain integers, importable without numba:
the parameters check a setting's number of STIs against ``MAX_STIS`` without
compiling a kernel.
"""

from __future__ import annotations

__all__ = ["HAS_HIV", "HAS_STI", "MAX_STIS"]

HAS_HIV = 1
MAX_STIS = 7
HAS_STI = 0xFE  # any of the STI bits
