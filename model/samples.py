"""The user's labelled samples: kept in memory, written through to one HDF5 file.

The file's layout and crash safety are in :mod:`model.samplefile`; importing image folders is
in :mod:`model.imagefolders`.

Concurrent use
--------------
Every change takes the file's write lock (:mod:`model.filelock`) for the whole write, so
programs that change one file at the same time take turns and no sample is lost. Before it
writes, a :class:`SampleSet` catches up with the file: samples another program appended are
read in, and a delete or relabel of a file another program replaced meanwhile is refused (its
sample numbers may no longer mean the same samples).
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .atomic import interrupts_deferred, replace_target
from .classifier import now_iso
from .fileformat import SAMPLES_FORMAT, check_replaceable
from .filelock import LockBusyError, write_lock
from .h5io import utf8
from .labels import LabelError, validate_label
from .preprocess import working_image
from .samplefile import (
    FileState,
    SampleRows,
    SampleSetError,
    append_rows,
    file_state,
    read_rows,
    write_rows,
)

__all__ = ["Sample", "SampleLabelError", "SampleRows", "SampleSet", "SampleSetError",
           "checked_label", "new_rows"]


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


class SampleLabelError(SampleSetError, LabelError):
    """A sample's label is refused: a SampleSetError that callers can also tell apart as a
    LabelError (the label is wrong, not the file)."""


def checked_label(label: str) -> str:
    """:func:`model.labels.validate_label`, raising SampleLabelError."""
    try:
        return validate_label(label)
    except LabelError as exc:
        raise SampleLabelError(str(exc)) from None


def new_rows(images: np.ndarray, labels: Sequence[str], sources: Sequence[str]) -> SampleRows:
    """Rows of working images added now: labels checked, file names made storable as UTF-8."""
    labels = [checked_label(label) for label in labels]
    stamp = now_iso()
    return SampleRows(images, labels, [utf8(str(source)) for source in sources],
                      [stamp] * len(labels))


class SampleSet:
    """Labelled samples, kept in memory and, given a path, in an HDF5 file.

    Parameters
    ----------
    path : str or os.PathLike, optional
        An existing sample-set file is read (and validated); a missing one is created on the
        first write; a symlink is written through. None keeps the samples in memory only.
    lock_timeout : float, optional
        Seconds a change waits while another program writes the file, then fails with
        SampleSetError; None waits as long as it takes.
    on_wait : callable, optional
        Called with a one-line message when a change has to wait for another program.

    Raises
    ------
    SampleSetError
        ``path`` is not a charrec sample-set file, is damaged, or was written by a newer charrec.
    """

    def __init__(self, path: str | os.PathLike | None = None, lock_timeout: float | None = None,
                 on_wait: Callable[[str], None] | None = None):
        self.path = Path(path) if path is not None else None
        self.lock_timeout, self.on_wait = lock_timeout, on_wait
        self._rows = SampleRows()
        self._state: FileState | None = None
        self._lock_depth = 0
        if self.path is not None:
            try:
                replace_target(self.path)
            except OSError as exc:
                raise SampleSetError(str(exc)) from None
            if self.path.exists():
                self._rows, self._state = read_rows(self.path)

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[Sample]:
        return (self.sample(i) for i in range(len(self)))

    def __repr__(self) -> str:
        return f"SampleSet({str(self.path) if self.path else None!r}, {len(self)} samples)"

    def labels(self) -> list[str]:
        """The label of every sample, in order."""
        return list(self._rows.labels)

    def sources(self) -> list[str]:
        """Where every sample came from ("drawn" or a file path), in order."""
        return list(self._rows.sources)

    def images(self) -> np.ndarray:
        """Read-only view of all working images, shape (n, 64, 64), uint8."""
        return self._rows.images

    def rows(self) -> SampleRows:
        """A copy of all samples as columns."""
        return self._rows.take(np.arange(len(self)))

    def sample(self, index: int) -> Sample:
        """The sample at ``index`` (negative counts from the end); IndexError if out of range."""
        rows = self._rows
        label = rows.labels[index]
        index = index % len(self)
        return Sample(rows.images[index], label, rows.sources[index], rows.added[index])

    def counts(self) -> dict[str, int]:
        """Number of samples per label, sorted by label."""
        return dict(sorted(Counter(self._rows.labels).items()))

    def add(self, image, label: str, source: str = "drawn") -> int:
        """Add one sample and write it to the file; return its index.

        Parameters
        ----------
        image : PIL image or ndarray
            Anything :func:`model.preprocess.working_image` accepts, working images included;
            its working image is stored.
        label : str
            See :func:`model.labels.validate_label`.
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
        sources = list(sources) if sources is not None else ["drawn"] * len(labels)
        stack = [working_image(image) for image in images]
        if not len(stack) == len(labels) == len(sources):
            raise SampleSetError(f"{len(stack)} images, {len(labels)} labels and "
                                 f"{len(sources)} sources do not match")
        self.add_rows(new_rows(np.asarray(stack, np.uint8), labels, sources))

    def add_rows(self, rows: SampleRows) -> None:
        """Append ``rows`` (working images with checked labels, see :func:`new_rows`) in one
        write that commits all of them or none."""
        if not len(rows):
            return
        if self.path is None:
            self._rows.extend(rows)
            return
        with self.writing(), interrupts_deferred():  # Ctrl+C once file and memory agree
            self._catch_up()
            if self._state is None:
                combined = self.rows()
                combined.extend(rows)
                self._state = write_rows(self.path, combined)
            else:
                self._state = append_rows(self.path, rows)
            self._rows.extend(rows)

    def merge(self, other: SampleSet) -> int:
        """Append the samples of ``other`` (with their sources and times); return how many."""
        rows = other.rows()
        self.add_rows(rows)
        return len(rows)

    def delete(self, indices: Iterable[int]) -> None:
        """Remove the samples at ``indices`` (rewrites the file atomically)."""
        drop = self._checked(indices)
        with self._same_samples():
            self._rewrite(self._rows.take(np.setdiff1d(np.arange(len(self)), drop)))

    def relabel(self, indices: Iterable[int], label: str) -> None:
        """Give the samples at ``indices`` the label ``label`` (rewrites the file atomically)."""
        label = checked_label(label)
        picked = self._checked(indices)
        with self._same_samples():
            self._rewrite(self._rows.relabelled(picked, label))

    def is_own_file(self, path: str | os.PathLike) -> bool:
        """Whether ``path`` is the file this set is kept in (also by another name, such as a
        symlink to it)."""
        if self.path is None:
            return False
        try:
            return os.path.samefile(path, self.path)
        except OSError:  # one of them does not exist (the set's file is made by its first write)
            return Path(path).resolve() == self.path.resolve()

    def export(self, path: str | os.PathLike) -> None:
        """Write all samples to a new sample-set file at ``path`` (atomically); the set's own
        file, or a file of another kind such as a model, is refused with SampleSetError."""
        if self.is_own_file(path):
            raise SampleSetError(f"{Path(path).name} is the file these samples are kept in: "
                                 "export them to another file")
        with _locked(path, self.lock_timeout, self.on_wait):
            check_replaceable(replace_target(path), SAMPLES_FORMAT, SampleSetError)
            write_rows(Path(path), self._rows)

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the file's write lock while inside, across several changes (re-entrant)."""
        if self.path is None or self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        with _locked(self.path, self.lock_timeout, self.on_wait):
            self._lock_depth = 1
            try:
                yield
            finally:
                self._lock_depth = 0

    def _catch_up(self) -> bool:
        """Read in what another program changed in the file; False if it replaced the file
        (the sample numbers may have changed), True if it only appended or changed nothing."""
        state = file_state(self.path)
        if state == self._state:
            return True
        old = self._state
        if state is None:  # the file was removed: the next write makes it again
            self._state = None
            return True
        if old is not None and (state.device, state.inode) == (old.device, old.inode):
            appended, self._state = read_rows(self.path, old.count)
            self._rows.extend(appended)
            return True
        self._rows, self._state = read_rows(self.path)
        return False

    @contextlib.contextmanager
    def _same_samples(self) -> Iterator[None]:
        """Lock, catch up, and go on only if the sample numbers still mean the same samples."""
        with self.writing():
            if self.path is not None and not self._catch_up():
                raise SampleSetError(f"{self.path.name} was replaced by another program "
                                     "meanwhile; its samples were read again and nothing was "
                                     "changed, so please try again")
            yield

    def _checked(self, indices: Iterable[int]) -> np.ndarray:
        picked = np.unique(np.asarray(list(indices), dtype=np.int64))
        if len(picked) and (picked[0] < 0 or picked[-1] >= len(self)):
            raise SampleSetError(f"sample index out of range (there are {len(self)} samples)")
        return picked

    def _rewrite(self, rows: SampleRows) -> None:
        with interrupts_deferred():
            if self.path is not None:
                self._state = write_rows(self.path, rows)
            self._rows = rows


@contextlib.contextmanager
def _locked(path: str | os.PathLike, timeout: float | None,
            on_wait: Callable[[str], None] | None) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(write_lock(path, timeout, on_wait))
        except LockBusyError as exc:
            raise SampleSetError(str(exc)) from None
        except OSError as exc:
            raise SampleSetError(f"cannot lock {Path(path).name} for writing: {exc}") from None
        yield

