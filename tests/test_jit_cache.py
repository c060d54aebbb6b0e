"""The compile notice: shown when numba's cache holds no index for a kernel's source."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from empower.jit_cache import cache_is_warm, warn_if_compiling


def test_the_packages_kernels_are_cached_once_they_have_run():
    import empower.rng  # noqa: F401  (explicit signatures: compiled or loaded on import)

    assert cache_is_warm(modules=("rng",))


def test_a_kernel_module_is_cold_until_run_and_cold_again_when_edited(tmp_path):
    source = tmp_path / "coldmod.py"
    source.write_text("from numba import njit\n\n@njit(cache=True)\ndef f(x):\n"
                      "    return x + 1\n")
    assert not cache_is_warm(tmp_path, ("coldmod",))
    subprocess.run([sys.executable, "-c", "import coldmod; coldmod.f(1)"], cwd=tmp_path,
                   check=True, env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert cache_is_warm(tmp_path, ("coldmod",))
    source.write_text(source.read_text().replace("x + 1", "x + 2"))
    assert not cache_is_warm(tmp_path, ("coldmod",))


def test_the_notice_is_printed_only_when_compiling(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr("empower.jit_cache.cache_is_warm", lambda: False)
    assert warn_if_compiling(out) and "compiling the model (first run only" in out.getvalue()
    monkeypatch.setattr("empower.jit_cache.cache_is_warm", lambda: True)
    assert not warn_if_compiling(io.StringIO())
