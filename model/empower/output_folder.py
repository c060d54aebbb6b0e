"""Output folders: written as one unit, locked while in use, never half old and half new.

``empower run``, ``compare`` and ``survey`` write a set of files that belong together
(a table, its parameters, its metadata, figures). :func:`output_folder` makes the set
appear at once:

1. Take the folder's lock (``.NAME.lock`` beside it, ``flock``), before any work, so a
   second command aimed at the same folder stops at once instead of after its runs.
   Leftovers of a command killed earlier are tidied under the lock: its private
   temporary folder is removed, and a previous folder it had moved aside is put back
   if nothing replaced it.
2. Check the folder can be written: its parent is created, and an existing folder
   holding results is kept unless ``overwrite``; one holding files the command did
   not write is never replaced.
3. The caller writes everything into a private temporary folder beside the target
   (``tempfile.mkdtemp``: mode 0700, an unpredictable name, created exclusively, so a
   planted link cannot redirect a write).
4. On success every file and the folder are fsynced and the temporary folder takes
   the target's place: on Linux in one atomic exchange (``renameat2``), elsewhere by
   moving the old folder aside, renaming, and removing the old one. On any failure,
   interruption included, the temporary folder is removed and the old one stays.

Incremental outputs (a sweep's runs, a calibration's database) take only the lock
(:func:`folder_lock`), and write each file with :func:`atomic_write`.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

__all__ = ["FolderInUse", "FolderRefused", "output_folder", "folder_lock", "atomic_write"]

_TMP = ".tmp-"
_OLD = ".old-"


class FolderInUse(RuntimeError):
    """Another command holds the output folder's lock."""


class FolderRefused(RuntimeError):
    """The output folder exists and may not be replaced (results, or foreign files)."""


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """``write(tmp)`` to a new file beside ``path`` (created exclusively), then rename."""
    path = Path(path)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}{_TMP}")
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@contextlib.contextmanager
def folder_lock(target: Path) -> Iterator[None]:
    """Hold ``target``'s lock file for the duration; FolderInUse if another holds it."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    lock = target.parent / f".{target.name}.lock"
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise FolderInUse(f"{target} is in use by another empower command (its lock "
                              f"{lock.name} is held); wait for it or choose another folder"
                              ) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if same:  # not a lock file its last holder removed after we opened it
            break
        os.close(fd)
    try:
        _tidy_leftovers(target)
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()
        os.close(fd)


def _tidy_leftovers(target: Path) -> None:
    """Remove a killed command's temporary folders; put back a folder it moved aside."""
    for tmp in target.parent.glob(f".{target.name}{_TMP}*"):
        _remove(tmp)
    for old in sorted(target.parent.glob(f".{target.name}{_OLD}*")):
        kept = old / "kept"
        if kept.is_dir() and not target.exists():
            os.rename(kept, target)
        _remove(old)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


@contextlib.contextmanager
def output_folder(target: Path | str, *, overwrite: bool, ours: Iterable[str],
                  what: str = "results") -> Iterator[Path]:
    """A private folder to write into, which replaces ``target`` when the block ends.

    Args:
        target: The output folder (``--out``).
        overwrite: Replace a folder that holds results already.
        ours: Names (files or folders) this command writes; a folder holding anything
            else is never replaced, since removing it would lose a user's file.
        what: Named in messages ("results", "a comparison").

    Raises:
        FolderInUse: Another command holds the lock.
        FolderRefused: Results are there and ``overwrite`` is False, or the folder holds
            files this command did not write, or ``target`` is a file.
    """
    target = Path(target).absolute()
    ours = set(ours)
    with folder_lock(target):
        _check_replaceable(target, overwrite, ours, what)
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}{_TMP}"))
        try:
            yield tmp
            _fsync_tree(tmp)
            _swap_into_place(tmp, target)
        finally:
            _remove(tmp)


def _check_replaceable(target: Path, overwrite: bool, ours: set[str], what: str) -> None:
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise FolderRefused(f"{target} is a file or a link, not a folder")
    if not target.exists():
        return
    present = {p.name for p in target.iterdir()}
    foreign = sorted(present - ours)
    if foreign:
        raise FolderRefused(f"{target} holds files empower did not write "
                            f"({', '.join(foreign[:5])}); choose an empty or new folder")
    if present and not overwrite:
        raise FolderRefused(f"{target} already holds {what} ({', '.join(sorted(present))}); "
                            "choose another folder or pass --overwrite")
    if not os.access(target, os.W_OK):
        raise FolderRefused(f"{target} cannot be written")


def _fsync_tree(folder: Path) -> None:
    for root, _, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(root))


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap_into_place(tmp: Path, target: Path) -> None:
    """Put ``tmp`` at ``target``; the old ``target`` is removed only once it is replaced."""
    os.chmod(tmp, 0o777 & ~_umask())
    if not target.exists():
        os.rename(tmp, target)
    elif _exchange(tmp, target):  # tmp now holds the old folder
        _remove(tmp)
    else:
        aside = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}{_OLD}"))
        os.rename(target, aside / "kept")
        try:
            os.rename(tmp, target)
        except BaseException:
            os.rename(aside / "kept", target)
            raise
        finally:
            if target.exists():
                _remove(aside)
    _fsync_dir(target.parent)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``).

    False if the system cannot, so the caller falls back to two renames.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))
