"""Ask the C allocator to keep freed memory for reuse (Linux with glibc only).

Every weekly step allocates and frees arrays of a few megabytes (the week's contacts,
the client table, masks). By default glibc gives blocks that large back to the
operating system as soon as they are freed (they are mapped with ``mmap`` above a
threshold, and the heap's top is trimmed), so every week maps fresh pages again and
pays a page fault per 4 KiB page. Raising both thresholds keeps freed memory in the
process for the next week's arrays. It changes when memory is returned to the
operating system, not how much a run needs at its peak.

Measured in docs/performance.md. Elsewhere (other C libraries, macOS, Windows) this
does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

__all__ = ["keep_freed_memory"]

# From glibc's malloc.h.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# The largest mmap threshold glibc accepts on 64-bit systems (32 MiB).
_MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024
_TRIM_THRESHOLD_BYTES = 2**31 - 1

_done = False


def keep_freed_memory() -> bool:
    """Raise glibc's trim and mmap thresholds, once per process.

    Returns:
        Whether the allocator accepted the settings (False where it is not glibc).
    """
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    _done = bool(mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD_BYTES)) and bool(
        mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES))
    return _done
