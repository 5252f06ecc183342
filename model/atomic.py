"""Crash-safe file replacement: write a temporary file beside the target, fsync, rename.

A symlink is written through: its target is replaced and the link stays. Anything at the path
that is not a regular file (a folder, a device such as /dev/null, a pipe, a socket) is refused,
never replaced. Temporary files carry their writer's process id, so that the next save can
remove those a killed save left behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read once: os.umask can only be read by setting it
NEW_FILE_MODE = 0o666 & ~_UMASK
TMP_SUFFIX = ".tmp"
FILE_KINDS = ((stat.S_ISDIR, "folder"), (stat.S_ISCHR, "character device"),
              (stat.S_ISBLK, "block device"), (stat.S_ISFIFO, "named pipe"),
              (stat.S_ISSOCK, "socket"))


class NotRegularFileError(OSError):
    """The path names something other than a regular file; it is never replaced."""


def replace_target(path: str | os.PathLike) -> Path:
    """The file a write to ``path`` replaces: ``path`` or, for a symlink, the file it names.

    Raises
    ------
    NotRegularFileError
        Something other than a regular file is there.
    """
    target = Path(os.path.realpath(path))
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return target
    for is_kind, kind in FILE_KINDS:
        if is_kind(mode):
            raise NotRegularFileError(f"{path} is a {kind}, not a regular file")
    return target


def check_folder(target: Path) -> None:
    """Raise FileNotFoundError, saying so, when the folder ``target`` would be written in does
    not exist (rather than name a temporary file that could not be made)."""
    if not target.parent.is_dir():
        raise FileNotFoundError(f"the folder {target.parent} does not exist")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success it replaces ``path``.

    Whatever is written to the yielded path is flushed to disk and then renamed over ``path`` in
    one step, so a crash at any moment leaves either the old file or the new one, never a mix.
    On an exception the temporary file is removed and ``path`` is untouched.
    """
    target = replace_target(path)
    check_folder(target)
    remove_stale_temporaries(target)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.{os.getpid()}.",
                                    suffix=TMP_SUFFIX)
    os.close(fd)
    tmp = Path(tmp_name)
    # mkstemp makes the file private (0600); give it the mode a plain open() would, or keep the
    # mode of the file it replaces.
    os.chmod(tmp, target.stat().st_mode & 0o7777 if target.exists() else NEW_FILE_MODE)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        with interrupts_deferred():
            os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        f.write(data)


def remove_stale_temporaries(target: Path) -> None:
    """Delete the temporary files of saves to ``target`` whose process no longer runs."""
    prefix = f".{target.name}."
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    for entry in entries:
        if not (entry.name.startswith(prefix) and entry.name.endswith(TMP_SUFFIX)):
            continue
        pid = entry.name[len(prefix):].split(".", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold back Ctrl+C (SIGINT) while inside, so that a write is never cut in the middle.

    A Ctrl+C that arrives inside is handled as usual (KeyboardInterrupt by default) as soon as
    the block is left. Outside the main thread, where Python delivers no signals, a no-op.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            if callable(previous):
                previous(signal.SIGINT, None)
            elif previous == signal.SIG_DFL:
                os.kill(os.getpid(), signal.SIGINT)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
