"""Reading image folders and files into labelled working images, and importing them.

A folder is read as ``ROOT/<label>/<image files>``: the folder name is the label (an optional
``ROOT/labels.json`` maps folder names to labels, e.g. ``{"a_upper": "A"}``). Entries whose name
starts with a dot are hidden and skipped; every file or folder that is skipped is reported with
the reason. :func:`load_images` reports how many files it has read and can be stopped half-way
(then it raises :class:`ReadStopped` and returns nothing).
"""

from __future__ import annotations

import json
import os
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from .errors import first_line
from .preprocess import EmptyGlyphError, ImageError, load_image, working_image
from .progress import CancelToken
from .samples import SampleRows, SampleSet, SampleSetError, checked_label, new_rows

LABELS_FILE = "labels.json"
IMPORT_BATCH = 512  # images read, then written, at a time: Ctrl+C keeps the batches written
HIDDEN = "hidden (the name starts with a dot)"


class ReadStopped(Exception):
    """:func:`load_images` was cancelled before it had read every file."""


@dataclass
class LoadedImages:
    """Images read from files, as working images with labels.

    Attributes
    ----------
    rows : SampleRows
        Working images (n, 64, 64) uint8, labels and the file of every image.
    skipped : list of (path, reason)
        Files and folders that were not read, and why.
    damaged : list of (path, warning)
        Files that were read although the image library found damaged data in them.
    """

    rows: SampleRows
    skipped: list[tuple[str, str]] = field(default_factory=list)
    damaged: list[tuple[str, str]] = field(default_factory=list)

    @property
    def images(self) -> np.ndarray:
        return self.rows.images

    @property
    def labels(self) -> list[str]:
        return self.rows.labels

    @property
    def sources(self) -> list[str]:
        return self.rows.sources


@dataclass
class ImportReport:
    """What :func:`import_images` did: samples added per label, what it skipped and why, and
    which files it read despite damaged data."""

    added: dict[str, int]
    skipped: list[tuple[str, str]]
    damaged: list[tuple[str, str]] = field(default_factory=list)


def read_image(path: str | os.PathLike) -> tuple[Image.Image, str | None]:
    """:func:`model.preprocess.load_image`, with the image library's warnings about damaged
    data caught: returns the image and the first warning, or None."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        image = load_image(path)
    return image, (" ".join(str(caught[0].message).split()) if caught else None)


def load_images(sources: Sequence[str | os.PathLike], label: str | None = None,
                progress: Callable[[int, int], None] | None = None,
                cancel: CancelToken | None = None) -> LoadedImages:
    """Read image folders and files into working images and labels.

    Parameters
    ----------
    sources : sequence of path
        Folders laid out as ``ROOT/<label>/<image files>``, or single image files.
    label : str, optional
        Label of the single image files, and of image files lying directly in a ``ROOT``;
        without it such files are skipped.
    progress : callable, optional
        Called as ``progress(done, total)`` with the number of image files read so far and
        the number to read: once the folders are listed (``done`` 0), then after every file.
    cancel : CancelToken, optional
        Checked before every file and at the end; once it is cancelled the reading stops.

    Returns
    -------
    LoadedImages
        Unreadable, blank, hidden and unlabelled files are left out and listed in ``skipped``.

    Raises
    ------
    SampleSetError
        A source does not exist, ``label`` is invalid, or a labels.json cannot be read.
    ReadStopped
        ``cancel`` was cancelled before the reading ended; what was read is dropped.
    """
    loaded = LoadedImages(SampleRows())
    found = _find(sources, label, loaded.skipped)

    def checkpoint(done: int) -> None:
        if progress is not None:
            progress(done, len(found))
        if cancel is not None and cancel.cancelled:
            raise ReadStopped(f"stopped after reading {done} of {len(found)} files")

    loaded.rows.extend(_read(found, loaded, checkpoint))
    return loaded


def import_images(sources: Sequence[str | os.PathLike], sample_set: SampleSet,
                  label: str | None = None) -> ImportReport:
    """Add the images of folders and files to ``sample_set`` (see :func:`load_images`).

    The images are read and written IMPORT_BATCH at a time, holding the file's write lock all
    along; when the import stops half-way (Ctrl+C, a full disk), the batches already written
    stay in the file.
    """
    loaded = LoadedImages(SampleRows())
    found = _find(sources, label, loaded.skipped)
    added: Counter[str] = Counter()
    with sample_set.writing():
        for start in range(0, len(found), IMPORT_BATCH):
            rows = _read(found[start:start + IMPORT_BATCH], loaded)
            sample_set.add_rows(rows)
            added.update(rows.labels)
    return ImportReport(dict(sorted(added.items())), loaded.skipped, loaded.damaged)


def add_loaded(sample_set: SampleSet, loaded: LoadedImages) -> ImportReport:
    """Add images read by :func:`load_images` (e.g. in a background thread) to
    ``sample_set`` in one write; the report of an import."""
    sample_set.add_rows(loaded.rows)
    return ImportReport(dict(sorted(Counter(loaded.labels).items())), loaded.skipped,
                        loaded.damaged)


def load_dataset(path: str | os.PathLike) -> LoadedImages:
    """Training or test data: an image folder (see :func:`load_images`) or a sample-set file."""
    path = Path(path)
    if path.is_dir():
        return load_images([path])
    if not path.exists():
        raise SampleSetError(f"{path}: no such file or folder")
    return LoadedImages(SampleSet(path).rows())


def _find(sources: Sequence[str | os.PathLike], label: str | None,
          skipped: list[tuple[str, str]]) -> list[tuple[Path, str]]:
    """(file, label) of every image file to read; the rest goes to ``skipped``."""
    label = checked_label(label) if label is not None else None
    found: list[tuple[Path, str | None]] = []
    for source in map(Path, sources):
        if source.is_dir():
            found += _scan_folder(source, label, skipped)
        elif source.exists():
            found.append((source, label))
        else:
            raise SampleSetError(f"{source}: no such file or folder")
    labelled = []
    for path, image_label in found:
        if image_label is None:
            skipped.append((str(path), "no label: not in a label folder and no label given"))
        else:
            labelled.append((path, image_label))
    return labelled


def _read(found: Sequence[tuple[Path, str]], loaded: LoadedImages,
          checkpoint: Callable[[int], None] | None = None) -> SampleRows:
    """Working images of ``found``; unreadable and blank files go to ``loaded.skipped``.
    ``checkpoint(done)`` is called before every file and after the last one."""
    images, labels, paths = [], [], []
    for done, (path, label) in enumerate(found):
        if checkpoint is not None:
            checkpoint(done)
        try:
            image, warning = read_image(path)
            images.append(working_image(image))
        except (ImageError, EmptyGlyphError) as exc:
            loaded.skipped.append((str(path), first_line(exc)))
            continue
        if warning is not None:
            loaded.damaged.append((str(path), warning))
        labels.append(label)
        paths.append(str(path))
    if checkpoint is not None:
        checkpoint(len(found))
    return new_rows(np.asarray(images, np.uint8), labels, paths)


def _scan_folder(root: Path, label: str | None, skipped: list[tuple[str, str]]
                 ) -> list[tuple[Path, str | None]]:
    """(file, label) of every visible file under ``root``; bad label folders go to skipped."""
    names = _folder_labels(root)
    found: list[tuple[Path, str | None]] = []
    for entry in _entries(root, skipped):
        if entry.is_file():
            if entry.name != LABELS_FILE:
                found.append((entry, label))
            continue
        try:
            folder_label = checked_label(names.get(entry.name, entry.name))
        except SampleSetError as exc:
            skipped.append((str(entry), str(exc)))
            continue
        found += [(f, folder_label) for f in _files(entry, skipped, set())]
    return found


def _entries(folder: Path, skipped: list[tuple[str, str]]) -> list[Path]:
    """The visible files and folders in ``folder``, sorted; hidden, unreadable and other
    entries (sockets, broken links) are reported in ``skipped``."""
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        skipped.append((str(folder), f"the folder cannot be read ({first_line(exc)})"))
        return []
    visible = []
    for entry in entries:
        if entry.name.startswith("."):
            skipped.append((str(entry), HIDDEN))
        elif entry.is_file() or entry.is_dir():
            visible.append(entry)
        else:
            skipped.append((str(entry), "not a file or folder"))
    return visible


def _files(folder: Path, skipped: list[tuple[str, str]], seen: set[tuple[int, int]]
           ) -> Iterable[Path]:
    """Every visible file under ``folder``; a folder reached twice through links is read once."""
    try:
        info = folder.stat()
    except OSError:
        return
    if (info.st_dev, info.st_ino) in seen:
        return
    seen.add((info.st_dev, info.st_ino))
    for entry in _entries(folder, skipped):
        if entry.is_dir():
            yield from _files(entry, skipped, seen)
        else:
            yield entry


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

