"""The user's labelled samples: one HDF5 file that grows one sample at a time.

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
moment, even when the writer dies. It resizes the datasets and writes the new rows, flushes, and
only then raises ``count`` and flushes again: a writer killed at any point loses at most the rows
it was adding. A killed SWMR writer leaves the file's "open for writing" flags set; SWMR readers
are allowed past them, and the next append rewrites such a file atomically, which clears them.
Writes that replace the whole file (the first write, delete, relabel, export and that recovery)
go to a temporary file that is renamed over the old one (:func:`model.atomic.atomic_path`).

A :class:`SampleSet` keeps its samples in memory and writes every change through to its file, so
one program at a time should change a given file.
"""

from __future__ import annotations

import json
import os
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

from .atomic import atomic_path
from .classifier import now_iso
from .errors import first_line
from .fileformat import check_header
from .preprocess import WORKING_SIZE, EmptyGlyphError, ImageError, load_image, working_image

FORMAT_NAME = "charrec-samples"
FORMAT_VERSION = 1
IMAGE_SHAPE = (WORKING_SIZE, WORKING_SIZE)
TEXT_COLUMNS = ("labels", "sources", "added")
MAX_LABEL_LENGTH = 32
STRING = h5py.string_dtype("utf-8")
TEXT_CHUNK = 256
BUSY_SECONDS = 2.0  # how long to wait for another program's write before assuming it died
LABELS_FILE = "labels.json"


class SampleSetError(Exception):
    """A sample set cannot be read or changed as asked; the one-line message says why."""


@dataclass(frozen=True)
class Sample:
    """One labelled sample.

    Attributes
    ----------
    image : ndarray of shape (64, 64), uint8
        Working image, ink = 255 on 0.
    label : str
    source : str
        ``"drawn"`` or the path of the imported file.
    added : str
        ISO 8601 time the sample was added.
    """

    image: np.ndarray
    label: str
    source: str
    added: str


@dataclass
class _Rows:
    """Samples as columns: images (n, 64, 64) uint8 and three lists of n strings."""

    images: np.ndarray
    labels: list[str]
    sources: list[str]
    added: list[str]

    def __len__(self) -> int:
        return len(self.labels)

    def text(self) -> dict[str, list[str]]:
        return {"labels": self.labels, "sources": self.sources, "added": self.added}

    def concat(self, other: _Rows) -> _Rows:
        return _Rows(np.concatenate([self.images, other.images]),
                     *(a + b for a, b in zip(self.text().values(), other.text().values(),
                                             strict=True)))

    def take(self, indices: np.ndarray) -> _Rows:
        return _Rows(self.images[indices], *([column[i] for i in indices]
                                             for column in self.text().values()))


def validate_label(label: str) -> str:
    """Return ``label`` in Unicode NFC form without surrounding whitespace.

    Any Unicode text of 1 to 32 characters is a label ("ß", "ж", "あ", "10", "🙂").

    Raises
    ------
    SampleSetError
        Not a string, empty or blank, too long, or containing control characters.
    """
    if not isinstance(label, str):
        raise SampleSetError(f"a label must be text, got {type(label).__name__}")
    text = unicodedata.normalize("NFC", label).strip()
    if not text:
        raise SampleSetError("a label cannot be empty")
    if len(text) > MAX_LABEL_LENGTH:
        raise SampleSetError(f"label {text[:MAX_LABEL_LENGTH]!r}... is longer than "
                             f"{MAX_LABEL_LENGTH} characters")
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in text):
        raise SampleSetError(f"label {text!r} contains control characters")
    return text


class SampleSet:
    """Labelled samples, kept in memory and, given a path, in an HDF5 file.

    Parameters
    ----------
    path : str or os.PathLike, optional
        An existing sample-set file is read (and validated); a missing one is created on the
        first write. None keeps the samples in memory only.

    Raises
    ------
    SampleSetError
        ``path`` is not a charrec sample-set file, is damaged, or was written by a newer charrec.
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path is not None else None
        self._images = np.zeros((0, *IMAGE_SHAPE), np.uint8)  # capacity grows by doubling
        self._labels: list[str] = []
        self._sources: list[str] = []
        self._added: list[str] = []
        if self.path is not None and (self.path.exists() or self.path.is_symlink()):
            self._replace(_read_file(self.path))

    def __len__(self) -> int:
        return len(self._labels)

    def __iter__(self) -> Iterator[Sample]:
        return (self.sample(i) for i in range(len(self)))

    def __repr__(self) -> str:
        return f"SampleSet({str(self.path) if self.path else None!r}, {len(self)} samples)"

    def labels(self) -> list[str]:
        """The label of every sample, in order."""
        return list(self._labels)

    def sources(self) -> list[str]:
        """Where every sample came from ("drawn" or a file path), in order."""
        return list(self._sources)

    def images(self) -> np.ndarray:
        """Read-only view of all working images, shape (n, 64, 64), uint8."""
        view = self._images[:len(self)]
        view.flags.writeable = False
        return view

    def sample(self, index: int) -> Sample:
        """The sample at ``index`` (negative counts from the end); IndexError if out of range."""
        label = self._labels[index]
        index = index % len(self)
        return Sample(self.images()[index], label, self._sources[index], self._added[index])

    def counts(self) -> dict[str, int]:
        """Number of samples per label, sorted by label."""
        return dict(sorted(Counter(self._labels).items()))

    def add(self, image, label: str, source: str = "drawn") -> int:
        """Add one sample and write it to the file; return its index.

        Parameters
        ----------
        image : PIL image or ndarray
            Anything :func:`model.preprocess.working_image` accepts, working images included;
            its working image is stored.
        label : str
            See :func:`validate_label`.
        source : str, default "drawn"
            ``"drawn"`` or the path the image came from.

        Raises
        ------
        EmptyGlyphError
            The image is blank.
        SampleSetError
            Invalid label, or the file cannot be written.
        """
        self.add_many([image], [label], [source])
        return len(self) - 1

    def add_many(self, images: Iterable, labels: Sequence[str],
                 sources: Sequence[str] | None = None) -> None:
        """Add several samples in one write; all or none are added.

        ``images`` as for :meth:`add`; ``sources`` defaults to "drawn" for every sample.
        """
        labels = [validate_label(label) for label in labels]
        sources = list(sources) if sources is not None else ["drawn"] * len(labels)
        stack = [working_image(image) for image in images]
        if not len(stack) == len(labels) == len(sources):
            raise SampleSetError(f"{len(stack)} images, {len(labels)} labels and "
                                 f"{len(sources)} sources do not match")
        stamp = now_iso()
        self._append(_Rows(np.asarray(stack, np.uint8).reshape(-1, *IMAGE_SHAPE), labels,
                           sources, [stamp] * len(labels)))

    def merge(self, other: SampleSet) -> int:
        """Append the samples of ``other`` (with their sources and times); return how many."""
        rows = other._rows()
        self._append(_Rows(rows.images.copy(), *(list(c) for c in rows.text().values())))
        return len(rows)

    def delete(self, indices: Iterable[int]) -> None:
        """Remove the samples at ``indices`` (rewrites the file atomically)."""
        drop = self._checked(indices)
        keep = np.setdiff1d(np.arange(len(self)), drop)
        self._rewrite(self._rows().take(keep))

    def relabel(self, indices: Iterable[int], label: str) -> None:
        """Give the samples at ``indices`` the label ``label`` (rewrites the file atomically)."""
        label = validate_label(label)
        rows = self._rows()
        labels = list(rows.labels)
        for i in self._checked(indices):
            labels[i] = label
        self._rewrite(_Rows(rows.images, labels, list(rows.sources), list(rows.added)))

    def export(self, path: str | os.PathLike) -> None:
        """Write all samples to a new sample-set file at ``path`` (atomically)."""
        _write_file(Path(path), self._rows())

    def _rows(self) -> _Rows:
        return _Rows(self.images(), self._labels, self._sources, self._added)

    def _checked(self, indices: Iterable[int]) -> np.ndarray:
        picked = np.unique(np.asarray(list(indices), dtype=np.int64))
        if len(picked) and (picked[0] < 0 or picked[-1] >= len(self)):
            raise SampleSetError(f"sample index out of range (there are {len(self)} samples)")
        return picked

    def _append(self, rows: _Rows) -> None:
        if not len(rows):
            return
        rows.sources = [_storable(source) for source in rows.sources]
        if self.path is not None:
            if self.path.exists():
                _append_file(self.path, rows)
            else:
                _write_file(self.path, self._rows().concat(rows))
        n, k = len(self), len(rows)
        if n + k > len(self._images):
            grown = np.zeros((max(2 * len(self._images), n + k, 64), *IMAGE_SHAPE), np.uint8)
            grown[:n] = self._images[:n]
            self._images = grown
        self._images[n:n + k] = rows.images
        self._labels += rows.labels
        self._sources += rows.sources
        self._added += rows.added

    def _rewrite(self, rows: _Rows) -> None:
        if self.path is not None:
            _write_file(self.path, rows)
        self._replace(rows)

    def _replace(self, rows: _Rows) -> None:
        self._images = np.array(rows.images, np.uint8)
        self._labels, self._sources, self._added = (list(c) for c in rows.text().values())


@dataclass
class LoadedImages:
    """Images read from files, as working images with labels.

    Attributes
    ----------
    images : ndarray of shape (n, 64, 64), uint8
    labels : list of str
    sources : list of str
        The file of every image.
    skipped : list of (path, reason)
        Files and folders that were not read, and why.
    """

    images: np.ndarray
    labels: list[str]
    sources: list[str]
    skipped: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ImportReport:
    """What :func:`import_images` did: samples added per label, and what it skipped and why."""

    added: dict[str, int]
    skipped: list[tuple[str, str]]


def load_images(sources: Sequence[str | os.PathLike], label: str | None = None) -> LoadedImages:
    """Read image folders and files into working images and labels.

    Parameters
    ----------
    sources : sequence of path
        Folders laid out as ``ROOT/<label>/<image files>`` (the folder name is the label; an
        optional ``ROOT/labels.json`` maps folder names to labels, e.g. ``{"a_upper": "A"}``), or
        single image files.
    label : str, optional
        Label of the single image files, and of image files lying directly in a ``ROOT``;
        without it such files are skipped.

    Returns
    -------
    LoadedImages
        Unreadable, blank and unlabelled files are left out and listed in ``skipped``.

    Raises
    ------
    SampleSetError
        A source does not exist, ``label`` is invalid, or a labels.json cannot be read.
    """
    label = validate_label(label) if label is not None else None
    found: list[tuple[Path, str | None]] = []
    skipped: list[tuple[str, str]] = []
    for source in map(Path, sources):
        if source.is_dir():
            found += _scan_folder(source, label, skipped)
        elif source.exists():
            found.append((source, label))
        else:
            raise SampleSetError(f"{source}: no such file or folder")
    images, labels, paths = [], [], []
    for path, image_label in found:
        if image_label is None:
            skipped.append((str(path), "no label: not in a label folder and no label given"))
            continue
        try:
            images.append(working_image(load_image(path)))
        except (ImageError, EmptyGlyphError) as exc:
            skipped.append((str(path), first_line(exc)))
            continue
        labels.append(image_label)
        paths.append(str(path))
    stack = np.asarray(images, np.uint8).reshape(-1, *IMAGE_SHAPE)
    return LoadedImages(stack, labels, paths, skipped)


def import_images(sources: Sequence[str | os.PathLike], sample_set: SampleSet,
                  label: str | None = None) -> ImportReport:
    """Add the images of folders and files to ``sample_set`` (see :func:`load_images`)."""
    loaded = load_images(sources, label)
    stamp = now_iso()
    sample_set._append(_Rows(loaded.images, loaded.labels, loaded.sources,
                             [stamp] * len(loaded.labels)))
    return ImportReport(dict(sorted(Counter(loaded.labels).items())), loaded.skipped)


def load_dataset(path: str | os.PathLike) -> LoadedImages:
    """Training or test data: an image folder (see :func:`load_images`) or a sample-set file."""
    path = Path(path)
    if path.is_dir():
        return load_images([path])
    if not path.exists():
        raise SampleSetError(f"{path}: no such file or folder")
    samples = SampleSet(path)
    return LoadedImages(samples.images(), samples.labels(), samples.sources())


def _scan_folder(root: Path, label: str | None, skipped: list[tuple[str, str]]
                 ) -> list[tuple[Path, str | None]]:
    """(file, label) of every non-hidden file under ``root``; bad label folders go to skipped."""
    names = _folder_labels(root)
    found: list[tuple[Path, str | None]] = []
    for entry in _visible(root.iterdir()):
        if entry.is_file():
            if entry.name != LABELS_FILE:
                found.append((entry, label))
            continue
        try:
            folder_label = validate_label(names.get(entry.name, entry.name))
        except SampleSetError as exc:
            skipped.append((str(entry), str(exc)))
            continue
        found += [(f, folder_label) for f in _visible(entry.rglob("*")) if f.is_file()]
    return found


def _visible(paths: Iterable[Path]) -> list[Path]:
    return sorted(p for p in paths if not p.name.startswith("."))


def _folder_labels(root: Path) -> dict[str, str]:
    """The folder-name -> label map of ``root/labels.json``, or {} without one."""
    path = root / LABELS_FILE
    if not path.is_file():
        return {}
    try:
        names = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SampleSetError(f"{path} cannot be read: {first_line(exc)}") from None
    if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
        raise SampleSetError(f"{path} must be a JSON object mapping folder names to labels")
    return names


def _storable(text: str) -> str:
    """``text`` with undecodable file-name bytes replaced, so that it can be stored as UTF-8."""
    return os.fsencode(text).decode("utf-8", "replace") if isinstance(text, str) else str(text)


# --- the file --------------------------------------------------------------------------------

def _write_file(path: Path, rows: _Rows) -> None:
    """Write ``rows`` as a complete sample-set file, replacing ``path`` atomically."""
    try:
        with atomic_path(path) as tmp, h5py.File(tmp, "w", libver="latest") as f:
            f.attrs["format"] = FORMAT_NAME
            f.attrs["format_version"] = FORMAT_VERSION
            f.create_dataset("images", data=np.asarray(rows.images, np.uint8),
                             maxshape=(None, *IMAGE_SHAPE), chunks=(1, *IMAGE_SHAPE),
                             compression="gzip")
            for name, values in rows.text().items():
                f.create_dataset(name, data=list(values), dtype=STRING, maxshape=(None,),
                                 chunks=(TEXT_CHUNK,))
            f.attrs["count"] = len(rows)
    except OSError as exc:
        raise SampleSetError(f"cannot write {path}: {first_line(exc)}") from None


def _append_file(path: Path, rows: _Rows) -> None:
    """Append ``rows`` to the file in place, committing them by raising ``count`` last."""
    try:
        with _open_for_append(path) as f:
            n = _committed(f, path.name)
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


def _open_for_append(path: Path) -> h5py.File:
    """Open ``path`` in SWMR-write mode; a file left flagged by a dead writer is rewritten first."""
    def swmr_write() -> h5py.File:
        fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
        fapl.set_libver_bounds(h5py.h5f.LIBVER_LATEST, h5py.h5f.LIBVER_LATEST)
        fapl.set_fclose_degree(h5py.h5f.CLOSE_STRONG)
        flags = h5py.h5f.ACC_RDWR | h5py.h5f.ACC_SWMR_WRITE
        return h5py.File(h5py.h5f.open(os.fsencode(path), flags, fapl))

    try:
        return _when_free(swmr_write)
    except OSError as exc:
        if not _flagged(exc):
            raise
    _write_file(path, _read_file(path))  # the writer died: copying clears the flags
    return _when_free(swmr_write)


def _read_file(path: Path) -> _Rows:
    """Validate and read the committed samples of a sample-set file."""
    if not path.is_file():
        raise SampleSetError(f"{path} is not a file")
    if not h5py.is_hdf5(path):
        raise SampleSetError(f"{path.name} is not a charrec sample-set file (not an HDF5 file)")
    try:
        with _open_for_reading(path) as f:
            n = _committed(f, path.name)
            return _Rows(f["images"][:n], *(list(f[key].asstr()[:n]) for key in TEXT_COLUMNS))
    except SampleSetError:
        raise
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise SampleSetError(f"{path.name} is damaged and cannot be read "
                             f"({first_line(exc)})") from None


def _open_for_reading(path: Path) -> h5py.File:
    """Open ``path`` read-only; SWMR only when a writer has it open or died doing so.

    A plain open comes first: an SWMR read retries damaged metadata for minutes before it
    gives up, so a truncated file would hang it.
    """
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        if not (_flagged(exc) or "unable to lock file" in str(exc)):
            raise
    return _when_free(lambda: h5py.File(path, "r", libver="latest", swmr=True))


def _committed(f: h5py.File, name: str) -> int:
    """Check the format of an open sample-set file; return its number of committed samples."""
    check_header(f.attrs, name, FORMAT_NAME, FORMAT_VERSION, SampleSetError)
    for key in ("images", *TEXT_COLUMNS):
        if not isinstance(f.get(key), h5py.Dataset):
            raise SampleSetError(f"{name} has no '{key}' dataset")
    images = f["images"]
    if images.shape[1:] != IMAGE_SHAPE or images.dtype != np.uint8:
        raise SampleSetError(f"{name}: images have shape {images.shape} and type {images.dtype}, "
                             f"expected (n, {WORKING_SIZE}, {WORKING_SIZE}) uint8")
    count = int(f.attrs.get("count", -1))
    if not 0 <= count <= min(f[key].shape[0] for key in ("images", *TEXT_COLUMNS)):
        raise SampleSetError(f"{name} has an invalid sample count {count}")
    return count


def _when_free(open_file: Callable[[], h5py.File]) -> h5py.File:
    """``open_file()``, retried for up to BUSY_SECONDS while another program is writing."""
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            return open_file()
        except OSError as exc:
            if not (_flagged(exc) or "unable to lock file" in str(exc)):
                raise
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _flagged(exc: OSError) -> bool:
    """True for HDF5's refusal of a file whose flags say a writer has it open."""
    return "already open for write" in str(exc)

