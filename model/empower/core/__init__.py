"""Shared building blocks of the processes, one idea per module.

A module here is used by more than one process. Modules named ``*_kernels`` hold numba
kernels; the others import no numba, so parameter validation and ``empower validate``
never compile a kernel.
"""
