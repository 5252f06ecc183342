"""HDF5 writes that survive crashes, full disks and Ctrl+C.

* :func:`hdf5_writer` builds a whole file in memory and then replaces the target atomically
  (:mod:`model.atomic`): HDF5 itself never writes to disk, so a full disk is a plain OSError
  and never leaves the library with a half-flushed file it would crash on at exit.
* :func:`open_for_append` opens a file in single-writer/multiple-reader (SWMR) mode, in which
  HDF5 writes metadata in dependency order, so the file on disk is valid at every moment.
  :func:`reserve_space` claims the disk space an append needs before HDF5 writes anything.
* A writer that is killed leaves the file's "open for writing" flags set, and plain h5py then
  refuses the file; :func:`clear_write_flags` clears them (what ``h5clear -s`` does), which is
  safe once no process writes the file (see :mod:`model.filelock`).
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
MASK32 = 0xFFFFFFFF


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


def clear_write_flags(path: Path) -> bool:
    """Clear the "open for writing" flags a killed writer left in the superblock of ``path``.

    Returns True when there were flags to clear. Call it only while holding the file's write
    lock, when no live process can be writing it.
    """
    with open(path, "rb+") as f:
        head = bytearray(f.read(48))
        if head[:8] != SIGNATURE or head[8] not in (2, 3) or not head[FLAGS_OFFSET]:
            return False
        end = 12 + 4 * head[9]  # base, extension, end-of-file and root addresses
        head[FLAGS_OFFSET] = 0
        head[end:end + 4] = lookup3(bytes(head[:end])).to_bytes(4, "little")
        f.seek(0)
        f.write(head[:end + 4])
        f.flush()
        os.fsync(f.fileno())
    return True


def utf8(text: str) -> str:
    """``text`` with the undecodable bytes of a file name replaced, so that HDF5 can store it
    as UTF-8."""
    return os.fsencode(text).decode("utf-8", "replace")


def lookup3(data: bytes, initval: int = 0) -> int:
    """Bob Jenkins' lookup3 ``hashlittle`` (2006), the checksum of HDF5's metadata."""
    length = len(data)
    a = b = c = (0xDEADBEEF + length + initval) & MASK32
    words = data + bytes(-length % 12)
    offset = 0
    while length - offset > 12:
        a, b, c = _add(words, offset, a, b, c)
        a, b, c = _mix(a, b, c)
        offset += 12
    if length == 0:
        return c
    a, b, c = _add(words, offset, a, b, c)
    return _final(a, b, c)


def _add(words: bytes, offset: int, a: int, b: int, c: int) -> tuple[int, int, int]:
    def word(i: int) -> int:
        return int.from_bytes(words[offset + i:offset + i + 4], "little")
    return (a + word(0)) & MASK32, (b + word(4)) & MASK32, (c + word(8)) & MASK32


def _rot(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & MASK32


def _mix(a: int, b: int, c: int) -> tuple[int, int, int]:
    for shift_a, shift_b, shift_c in ((4, 6, 8), (16, 19, 4)):
        a = ((a - c) & MASK32) ^ _rot(c, shift_a)
        c = (c + b) & MASK32
        b = ((b - a) & MASK32) ^ _rot(a, shift_b)
        a = (a + c) & MASK32
        c = ((c - b) & MASK32) ^ _rot(b, shift_c)
        b = (b + a) & MASK32
    return a, b, c


def _final(a: int, b: int, c: int) -> int:
    c = ((c ^ b) - _rot(b, 14)) & MASK32
    a = ((a ^ c) - _rot(c, 11)) & MASK32
    b = ((b ^ a) - _rot(a, 25)) & MASK32
    c = ((c ^ b) - _rot(b, 16)) & MASK32
    a = ((a ^ c) - _rot(c, 4)) & MASK32
    b = ((b ^ a) - _rot(a, 14)) & MASK32
    return ((c ^ b) - _rot(b, 24)) & MASK32
