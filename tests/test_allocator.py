"""The allocator setting: accepted on Linux with glibc, harmless elsewhere."""

from __future__ import annotations

import platform
import sys

from empower import allocator


def test_keep_freed_memory_is_accepted_on_glibc_and_idempotent():
    first = allocator.keep_freed_memory()
    if sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc":
        assert first is True
    assert allocator.keep_freed_memory() is first
