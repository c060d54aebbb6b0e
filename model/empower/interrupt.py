"""Stopping a command: Ctrl-C and SIGTERM become one exception, answered with one line.

:func:`empower.cli.main` turns SIGTERM into ``KeyboardInterrupt`` (as Ctrl-C is), so
both unwind the same way: worker pools stop their workers
(:func:`empower.workers.worker_pool`), output folders keep their old contents
(:func:`empower.output_folder.output_folder`), and the command that knows what it kept
(a sweep's finished runs, a calibration's generations) raises :class:`Interrupted`
saying so. The command exits with :data:`EXIT_CODE`.
"""

from __future__ import annotations

import signal
import threading

__all__ = ["Interrupted", "EXIT_CODE", "terminate_as_interrupt"]

EXIT_CODE = 130  # the shell's code for a command stopped by SIGINT


class Interrupted(Exception):
    """Ctrl-C or SIGTERM stopped a command; the message says what was kept."""


def _raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def terminate_as_interrupt() -> None:
    """Make SIGTERM raise KeyboardInterrupt in the main thread (elsewhere: no change)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_interrupt)
