"""Worker processes that die with their parent and leave Ctrl-C to it.

Every pool of local worker processes (``run``, ``compare``, ``sweep``, ``calibrate``)
comes from :func:`worker_pool`:

1. Processes are spawned, not forked: a process that has run numba's threaded kernels
   must not fork.
2. Each worker ignores SIGINT: Ctrl-C in a terminal reaches the whole process group,
   and only the parent should answer it (one message, not one traceback a worker).
   Workers are started with SIGINT blocked (the pool blocks it in the submitting thread
   while ``submit`` may start one, and a child keeps its parent's signal mask), so a
   worker still starting up cannot be interrupted either; a Ctrl-C in that moment
   reaches the parent as soon as the signal is unblocked.
3. Each worker watches its parent (a daemon thread comparing ``os.getppid()`` with the
   parent's pid twice a second) and exits as soon as the parent is gone, even when the
   parent was killed with SIGKILL and could not clean up; multiprocessing's resource
   tracker then sees its last user go and exits too.
4. Leaving the ``with`` block by an exception (Ctrl-C, SIGTERM, an error) cancels the
   jobs not started and stops the workers at once instead of waiting for their runs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

__all__ = ["worker_pool", "PARENT_CHECK_SECONDS"]

PARENT_CHECK_SECONDS = 0.5


def _watch_parent(parent_pid: int) -> None:
    while True:
        if os.getppid() != parent_pid:
            os._exit(1)  # the parent is gone: nobody will read this worker's results
        time.sleep(PARENT_CHECK_SECONDS)


def _init_worker(parent_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.getppid() != parent_pid:
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True,
                     name="empower-parent-watch").start()


class _Pool(ProcessPoolExecutor):
    """A process pool whose workers start with SIGINT blocked."""

    def submit(self, fn, /, *args, **kwargs):
        """Submit as ProcessPoolExecutor does, with SIGINT held while workers start."""
        held = signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGINT])
        try:
            return super().submit(fn, *args, **kwargs)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)


@contextlib.contextmanager
def worker_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of ``workers`` spawned processes, stopped at once if the block fails."""
    pool = _Pool(max_workers=workers, mp_context=get_context("spawn"),
                 initializer=_init_worker, initargs=(os.getpid(),))
    try:
        yield pool
    except BaseException:
        stop(pool)
        raise
    else:
        pool.shutdown(wait=True)


def stop(pool: ProcessPoolExecutor) -> None:
    """Cancel the pool's queued jobs and end its workers without waiting for them."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # no public API
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=5)
