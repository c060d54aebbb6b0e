"""Worker processes that die with their parent and leave Ctrl-C to it.

Every pool of local worker processes (``run``, ``compare``, ``sweep``, ``calibrate``)
comes from :func:`worker_pool`:

1. Processes are spawned, not forked: a process that has run numba's threaded kernels
   must not fork.
2. Each worker ignores SIGINT: Ctrl-C in a terminal reaches the whole process group,
   and only the parent should answer it (one message, not one traceback a worker).
   Workers are started with SIGINT blocked (the pool blocks it in the submitting thread
   while ``submit`` may start one, and a child keeps its parent's signal mask), so a
   worker still starting up cannot be interrupted either.
3. ``submit`` on the main thread holds back Ctrl-C and SIGTERM until it returns: another
   thread of the parent (a thread pool a library started at import, with no signal
   blocked) may receive the signal, and Python would then raise ``KeyboardInterrupt``
   inside ``submit``, between starting a worker and sending it its start-up data; the
   worker would die with ``EOFError``. A signal held back is raised again as soon as
   ``submit`` returns.
4. Each worker watches its parent (a daemon thread comparing ``os.getppid()`` with the
   parent's pid twice a second) and exits as soon as the parent is gone, even when the
   parent was killed with SIGKILL and could not clean up; multiprocessing's resource
   tracker then sees its last user go and exits too.
5. Leaving the ``with`` block by an exception (Ctrl-C, SIGTERM, an error) cancels the
   jobs not started and stops the workers at once instead of waiting for their runs,
   then waits for the pool's manager thread to finish: at interpreter exit,
   ``concurrent.futures`` wakes that thread through a pipe without its lock (CPython
   3.11), and a thread still closing the pipe then gives an ``OSError`` traceback.
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
_HELD_BACK = (signal.SIGINT, signal.SIGTERM)


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
    """A process pool whose ``submit`` starts workers as points 2 and 3 above say."""

    def submit(self, fn, /, *args, **kwargs):
        """Submit as ProcessPoolExecutor does, with Ctrl-C and SIGTERM held back."""
        with _signals_held_back():
            held = signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGINT])
            try:
                return super().submit(fn, *args, **kwargs)
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)


@contextlib.contextmanager
def _signals_held_back() -> Iterator[None]:
    """Record SIGINT and SIGTERM inside the block and raise them again after it."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers (and only it runs them)
        return
    arrived: list[int] = []
    previous = {signum: signal.signal(signum, lambda signum, frame: arrived.append(signum))
                for signum in _HELD_BACK}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in dict.fromkeys(arrived):
            signal.raise_signal(signum)  # the restored handler answers it now


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
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=5)
    if manager is not None:
        manager.join(timeout=5)  # it closes its wakeup pipe before it ends
