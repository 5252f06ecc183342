"""One writer at a time: an advisory lock (``flock``) on a small lock file beside the data file.

The lock belongs to an open file of the process that holds it, so the kernel releases it the
moment that process ends, however it ends: a lock is never left behind by a crash, and a file
whose lock can be taken has no live writer. The lock file (``.NAME.lock``, holding the writer's
process id for the message others see) stays in the folder; it is empty of meaning when unlocked.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

POLL_SECONDS = 0.05


class LockBusyError(OSError):
    """Another process kept the lock for longer than the caller was willing to wait."""


def lock_path(path: str | os.PathLike) -> Path:
    """The lock file of ``path`` (of its target when it is a symlink)."""
    target = Path(os.path.realpath(path))
    return target.with_name(f".{target.name}.lock")


@contextlib.contextmanager
def write_lock(path: str | os.PathLike, timeout: float | None = None,
               on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the write lock of ``path`` while inside.

    Parameters
    ----------
    path : path
        The data file (it need not exist yet).
    timeout : float, optional
        Seconds to wait for another writer; None waits as long as it takes.
    on_wait : callable, optional
        Called once with a one-line description of the other writer when the lock is busy.

    Raises
    ------
    LockBusyError
        The lock was still held after ``timeout`` seconds.
    OSError
        The lock file cannot be created (e.g. the folder is read-only).
    """
    lock = lock_path(path)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        _acquire(fd, lock, path, timeout, on_wait)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # closing the file releases the lock


def _acquire(fd: int, lock: Path, path, timeout: float | None,
             on_wait: Callable[[str], None] | None) -> None:
    deadline = None if timeout is None else time.monotonic() + timeout
    waited = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        holder = _holder(lock)
        if deadline is not None and time.monotonic() >= deadline:
            raise LockBusyError(f"{Path(path).name} is being changed by {holder}; try again "
                                "when it has finished")
        if not waited and on_wait is not None:
            on_wait(f"waiting for {holder} to finish writing {Path(path).name}")
        waited = True
        time.sleep(POLL_SECONDS)


def _holder(lock: Path) -> str:
    try:
        pid = int(lock.read_text().strip())
    except (OSError, ValueError):
        return "another program"
    return f"another program (process {pid})"
