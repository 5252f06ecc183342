"""HDF5 writes that survive crashes, full disks and Ctrl+C.

* :func:`hdf5_writer` builds a whole file in memory and then replaces the target atomically
  (:mod:`model.atomic`): HDF5 itself never writes to disk, so a full disk is a plain OSError
  and never leaves the library with a half-flushed file it would crash on at exit.
* :func:`open_for_append` opens a file in single-writer/multiple-reader (SWMR) mode, in which
  HDF5 writes metadata in dependency order, so the file on disk is valid at every moment.
  :func:`reserve_space` claims the disk space an append needs before HDF5 writes anything.
* A writer that is killed leaves the file's "open for writing" flags set (plain h5py then
  refuses the file) and may leave half-written metadata beyond what it committed, so the file
  must be copied before anyone writes to it again; :func:`write_flags_set` tells.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import h5py

from .atomic import atomic_write_bytes, interrupts_deferred

SIGNATURE = b"\x89HDF\r\n\x1a\n"
FLAGS_OFFSET = 11  # superblock version 2 and 3: signature, version, two sizes, then the flags


@contextlib.contextmanager
def hdf5_writer(path: str | os.PathLike, libver: str | None = None) -> Iterator[h5py.File]:
    """Yield a new, empty in-memory HDF5 file; when the block ends it replaces ``path``.

    Ctrl+C is held back until the file is in place or the write has failed.
    """
    with interrupts_deferred():
        with h5py.File(f"memory:{path}", "w", driver="core", backing_store=False,
                       libver=libver) as f:
            yield f
            f.flush()
            image = f.id.get_file_image()
        atomic_write_bytes(path, image)


def open_for_append(path: Path) -> h5py.File:
    """Open ``path`` read-write in SWMR mode (the file must have been written with
    ``libver="latest"``); OSError as h5py raises it."""
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    fapl.set_libver_bounds(h5py.h5f.LIBVER_LATEST, h5py.h5f.LIBVER_LATEST)
    fapl.set_fclose_degree(h5py.h5f.CLOSE_STRONG)
    flags = h5py.h5f.ACC_RDWR | h5py.h5f.ACC_SWMR_WRITE
    return h5py.File(h5py.h5f.open(os.fsencode(path), flags, fapl))


def reserve_space(path: Path, nbytes: int) -> None:
    """Allocate ``nbytes`` of disk space after the end of ``path``.

    HDF5 puts new data at the end of the file, so an append that fits in the reserve never
    meets a full disk half-way; HDF5 trims the file back to its contents when it closes it.

    Raises
    ------
    OSError
        ENOSPC (or EFBIG beyond a file size limit) when the space is not there.
    """
    with open(path, "rb+") as f:
        size = os.fstat(f.fileno()).st_size
        os.posix_fallocate(f.fileno(), size, nbytes)


def write_flags_set(path: Path) -> bool:
    """True when the superblock of ``path`` says a writer has the file open: one does, or one
    was killed (then only a copy of the committed data is safe to go on writing to)."""
    with open(path, "rb") as f:
        head = f.read(FLAGS_OFFSET + 1)
    return (len(head) > FLAGS_OFFSET and head[:8] == SIGNATURE and head[8] in (2, 3)
            and head[FLAGS_OFFSET] != 0)


def utf8(text: str) -> str:
    """``text`` with the undecodable bytes of a file name replaced, so that HDF5 can store it
    as UTF-8."""
    return os.fsencode(text).decode("utf-8", "replace")
