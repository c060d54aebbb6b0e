"""The compile notice: shown when a kernel module's cache is missing or older than it."""

from __future__ import annotations

import io
import os

from empower.jit_cache import KERNEL_MODULES, cache_is_warm, warn_if_compiling


def _package(tmp_path, with_index: bool):
    for name in KERNEL_MODULES:
        (tmp_path / f"{name}.py").write_text("")
    (tmp_path / "__pycache__").mkdir()
    if with_index:
        for name in KERNEL_MODULES:
            (tmp_path / "__pycache__" / f"{name}.f-1.py311.nbi").write_text("")
    return tmp_path


def test_a_cache_with_every_index_newer_than_its_source_is_warm(tmp_path, monkeypatch):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    assert cache_is_warm(_package(tmp_path, with_index=True))


def test_a_missing_or_stale_index_is_cold(tmp_path, monkeypatch):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    pkg = _package(tmp_path, with_index=False)
    assert not cache_is_warm(pkg)
    (pkg / "__pycache__" / "kernels.f-1.py311.nbi").write_text("")
    assert not cache_is_warm(pkg)  # the other modules still have none
    (tmp_path / "b").mkdir()
    pkg2 = _package(tmp_path / "b", with_index=True)
    src = pkg2 / "rng.py"
    os.utime(src, (src.stat().st_atime, src.stat().st_mtime + 100))  # edited after caching
    assert not cache_is_warm(pkg2)


def test_the_notice_is_printed_only_when_compiling(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr("empower.jit_cache.cache_is_warm", lambda: False)
    assert warn_if_compiling(out) and "compiling the model (first run only" in out.getvalue()
    monkeypatch.setattr("empower.jit_cache.cache_is_warm", lambda: True)
    assert not warn_if_compiling(io.StringIO())
