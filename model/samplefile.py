"""The sample-set file: layout, checked reading, atomic rewrites and crash-safe appends.

File layout (format ``charrec-samples``, version 1)
---------------------------------------------------
``/images``
    uint8 (n, 64, 64) working images (ink = 255), one gzip-compressed chunk per sample.
``/labels``, ``/sources``, ``/added``
    UTF-8 strings (n,): the label, ``"drawn"`` or the file a sample was imported from, and the
    ISO 8601 time it was added.
attributes
    ``format`` = "charrec-samples", ``format_version``, ``count``.

Crash safety
------------
``count`` is the commit point: readers use the first ``count`` rows and ignore any beyond. An
append opens the file in HDF5's single-writer/multiple-reader (SWMR) mode, in which the library
writes metadata in dependency order so that the file on disk is a valid HDF5 file at every
moment, even when the writer dies. It reserves the disk space it needs, resizes the datasets and
writes the new rows, flushes, and only then raises ``count`` and flushes again: a writer killed
at any point loses at most the rows it was adding, and Ctrl+C waits for the commit. A killed
writer leaves the file's "open for writing" flags set, and may leave half-written metadata
after the committed rows; the next charrec that opens the file, once it holds the write lock
(:mod:`model.filelock`, the proof that the writer is gone), replaces it by a copy of its
committed samples, which plain h5py reads again. Writes that replace the whole file (the first
write, delete, relabel, export and that repair) are built in memory and renamed over the old
file (:func:`model.h5io.hdf5_writer`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from .atomic import interrupts_deferred
from .errors import first_line
from .fileformat import SAMPLES_FORMAT, check_header, not_hdf5, open_for_write
from .filelock import write_lock
from .h5checks import UnsafeFileError, check_file, checked_dataset
from .h5io import hdf5_writer, open_for_append, reserve_space, write_flags_set
from .labels import LabelError, check_stored_labels
from .preprocess import WORKING_SIZE

FORMAT_NAME = SAMPLES_FORMAT
FORMAT_VERSION = 1
IMAGE_SHAPE = (WORKING_SIZE, WORKING_SIZE)
TEXT_COLUMNS = ("labels", "sources", "added")
STRING = h5py.string_dtype("utf-8")
TEXT_CHUNK = 256
MAX_SAMPLES = 1_000_000  # 4 GB of working images in memory
MIN_BYTES_PER_SAMPLE = 48  # three stored strings take 16 bytes each, whatever the image
APPEND_RESERVE = 1 << 20  # room for the metadata an append adds (chunk index, string heaps)
BYTES_PER_ROW = IMAGE_SHAPE[0] * IMAGE_SHAPE[1] + 256  # an image stored raw, and its index
BUSY_SECONDS = 10.0  # how long to wait while another process is opening or reading the file


class SampleSetError(Exception):
    """A sample set cannot be read or changed as asked; the one-line message says why."""


class SampleRows:
    """Samples as columns, the one place a sample set keeps them.

    Parameters
    ----------
    images : ndarray of shape (n, 64, 64), uint8, optional
    labels, sources, added : sequence of str, each of length n
        The label, where the sample came from ("drawn" or a file) and when it was added.

    The image buffer grows by doubling, so that adding rows one at a time stays cheap.
    """

    def __init__(self, images: np.ndarray | None = None, labels=(), sources=(), added=()):
        self._images = (np.zeros((0, *IMAGE_SHAPE), np.uint8) if images is None
                        else np.array(images, np.uint8).reshape(-1, *IMAGE_SHAPE))
        self.labels, self.sources, self.added = list(labels), list(sources), list(added)
        if not len(self._images) == len(self.labels) == len(self.sources) == len(self.added):
            raise SampleSetError(f"{len(self._images)} images, {len(self.labels)} labels, "
                                 f"{len(self.sources)} sources and {len(self.added)} times "
                                 "do not match")

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def images(self) -> np.ndarray:
        """Read-only view of the working images, shape (n, 64, 64), uint8."""
        view = self._images[:len(self)]
        view.flags.writeable = False
        return view

    def text(self) -> dict[str, list[str]]:
        """The string columns by their dataset name."""
        return {"labels": self.labels, "sources": self.sources, "added": self.added}

    def extend(self, other: SampleRows) -> None:
        """Append the rows of ``other`` in place."""
        n, k = len(self), len(other)
        if n + k > len(self._images):
            grown = np.zeros((max(2 * len(self._images), n + k, 64), *IMAGE_SHAPE), np.uint8)
            grown[:n] = self._images[:n]
            self._images = grown
        self._images[n:n + k] = other.images
        for name, column in self.text().items():
            column += other.text()[name]

    def take(self, indices: np.ndarray) -> SampleRows:
        """A new store of the rows at ``indices``, in that order."""
        return SampleRows(self.images[indices], *([column[i] for i in indices]
                                                  for column in self.text().values()))

    def relabelled(self, indices: np.ndarray, label: str) -> SampleRows:
        """A copy in which the rows at ``indices`` have the label ``label``."""
        labels = list(self.labels)
        for i in indices:
            labels[i] = label
        return SampleRows(self.images, labels, self.sources, self.added)

    def storage_bytes(self) -> int:
        """Most bytes these rows can take in a file (images uncompressed)."""
        text = sum(len(value.encode("utf-8", "replace")) + 64 for column in self.text().values()
                   for value in column)
        return len(self) * BYTES_PER_ROW + text


@dataclass(frozen=True)
class FileState:
    """What a sample-set file looked like when read: which file (a rewrite makes a new one)
    and how many committed samples it had."""

    device: int
    inode: int
    count: int


def read_rows(path: Path, start: int = 0) -> tuple[SampleRows, FileState]:
    """Validate ``path`` and read its committed samples from ``start`` on."""
    with _reading(path) as (f, state):
        images, text = _columns(f, start, state.count)
    try:
        check_stored_labels(text[0], f"{path.name}: the label of sample", start)
    except LabelError as exc:
        raise SampleSetError(str(exc)) from None
    return SampleRows(images, *text), state


def file_state(path: Path) -> FileState | None:
    """The state of the file at ``path`` now, or None when there is none."""
    if not path.exists():
        return None
    with _reading(path) as (_, state):
        return state


def write_rows(path: Path, rows: SampleRows) -> FileState:
    """Write ``rows`` as a complete sample-set file, replacing ``path`` atomically."""
    try:
        with hdf5_writer(path, libver="latest") as f:
            f.attrs["format"] = FORMAT_NAME
            f.attrs["format_version"] = FORMAT_VERSION
            f.create_dataset("images", data=rows.images, maxshape=(None, *IMAGE_SHAPE),
                             chunks=(1, *IMAGE_SHAPE), compression="gzip")
            for name, values in rows.text().items():
                f.create_dataset(name, data=values, dtype=STRING,
                                 maxshape=(None,), chunks=(TEXT_CHUNK,))
            f.attrs["count"] = len(rows)
    except OSError as exc:
        raise SampleSetError(f"cannot write {path}: {first_line(exc)}") from None
    return _state(path, len(rows))


def append_rows(path: Path, rows: SampleRows) -> FileState:
    """Append ``rows`` to the file in place, committing them by raising ``count`` last.

    The caller holds the file's write lock.
    """
    try:
        if write_flags_set(path):  # left by a killed writer: the lock proves it is gone
            _repair(path)
        reserve_space(path, rows.storage_bytes() + APPEND_RESERVE)
        with interrupts_deferred(), _when_free(lambda: open_for_append(path)) as f:
            n = _committed(f, path)
            k = len(rows)
            for name, values in (("images", rows.images), *rows.text().items()):
                f[name].resize(n + k, axis=0)
                f[name][n:n + k] = values
            f.flush()
            f.attrs["count"] = n + k
            f.flush()
    except SampleSetError:
        raise
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise SampleSetError(f"cannot add to {path.name}: {first_line(exc)}") from None
    return _state(path, n + k)


@contextlib.contextmanager
def _reading(path: Path) -> Iterator[tuple[h5py.File, FileState]]:
    """The checked, open file and its state; any failure becomes one SampleSetError.

    Ctrl+C waits until the file is closed again (a read takes milliseconds).
    """
    if not path.is_file():
        raise SampleSetError(f"{path} is not a file")
    if not h5py.is_hdf5(path):
        raise SampleSetError(not_hdf5(path.name, FORMAT_NAME))
    try:
        with interrupts_deferred(), _open_for_reading(path) as f:
            yield f, _state(path, _committed(f, path))
    except SampleSetError:
        raise
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise SampleSetError(f"{path.name} is damaged and cannot be read "
                             f"({first_line(exc)})") from None


def _open_for_reading(path: Path) -> h5py.File:
    """Open ``path`` read-only, first clearing the flags a killed writer left; SWMR only while
    a live writer has the file open.

    A plain open comes first: an SWMR read retries damaged metadata for minutes before it
    gives up, so a truncated file would hang it.
    """
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        if not (open_for_write(exc) or _busy(exc)):
            raise
        flagged = open_for_write(exc)
    if flagged and _repaired_if_unlocked(path):
        return h5py.File(path, "r")
    return _when_free(lambda: h5py.File(path, "r", libver="latest", swmr=True))


def _repaired_if_unlocked(path: Path) -> bool:
    """Repair a dead writer's file when no process holds the write lock; False if one does."""
    try:
        with write_lock(path, timeout=0):
            _repair(path)
    except OSError:  # LockBusyError: a live writer; other errors: a folder we cannot lock in
        return False
    return True


def _repair(path: Path) -> None:
    """Replace the file a killed writer left by a copy of its committed samples (the caller
    holds the write lock)."""
    with h5py.File(path, "r", libver="latest", swmr=True) as f:
        images, text = _columns(f, 0, _committed(f, path))
    write_rows(path, SampleRows(images, *text))


def _columns(f: h5py.File, start: int, stop: int) -> tuple[np.ndarray, list[list[str]]]:
    """Rows ``start`` to ``stop`` of an open, checked file: images and the string columns."""
    return (f["images"][start:stop],
            [list(f[key].asstr()[start:stop]) for key in TEXT_COLUMNS])


def _committed(f: h5py.File, path: Path) -> int:
    """Check an open sample-set file; return its number of committed samples."""
    check_header(f.attrs, path.name, FORMAT_NAME, FORMAT_VERSION, SampleSetError)
    try:
        check_file(f)
        images = checked_dataset(f, "images", "images", (MAX_SAMPLES, *IMAGE_SHAPE), "u")
        columns = [checked_dataset(f, key, key, (MAX_SAMPLES,), "T") for key in TEXT_COLUMNS]
    except UnsafeFileError as exc:
        raise SampleSetError(f"{path.name} {exc}") from None
    if images.dtype != np.uint8:
        raise SampleSetError(f"{path.name}: images have type {images.dtype}, expected uint8")
    count = int(f.attrs.get("count", -1))
    if not 0 <= count <= min(len(data) for data in (images, *columns)):
        raise SampleSetError(f"{path.name} has an invalid sample count {count}")
    if count * MIN_BYTES_PER_SAMPLE > path.stat().st_size:
        raise SampleSetError(f"{path.name} claims {count} samples, more than a file of "
                             f"{path.stat().st_size} bytes can hold")
    return count


def _state(path: Path, count: int) -> FileState:
    info = path.stat()
    return FileState(info.st_dev, info.st_ino, count)


def _when_free(open_file: Callable[[], h5py.File]) -> h5py.File:
    """``open_file()``, retried for up to BUSY_SECONDS while HDF5's own lock is taken: a reader
    holds it while it reads, a writer while it opens the file."""
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            return open_file()
        except OSError as exc:
            if not _busy(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _busy(exc: OSError) -> bool:
    """True for HDF5's refusal of a file another process has locked this moment."""
    return "unable to lock file" in str(exc)

