"""The user's samples: a Qt face on model.samples.SampleSet and the thumbnail browser."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from PIL import Image
from PySide6.QtCore import (
    QObject,
    QRegularExpression,
    QSize,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QListView,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from model.errors import first_line
from model.imagefolders import ImportReport, LoadedImages, add_loaded
from model.samples import SampleSet, SampleSetError

from .errors import message_box, show_error
from .places import Places
from .sample_list import LABEL_ROLE, SampleListModel, SampleListView
from .text import plural
from .widgets import label_validator, plain_label
from .worker import FolderReader

THUMBNAIL = 56
ALL_LABELS = None
SAMPLES_FILTER = "charrec sample sets (*.h5);;All files (*)"
IMPORT_TEXT = "Import folder…"
STOP_TEXT = "Stop import"
IMPORT_STOPPED = "Import stopped; nothing was added."


class SampleStore(QObject):
    """The user's sample set; every change is written to its file at once and announced.

    A change waits at most LOCK_SECONDS while another program (a ``charrec import`` into the
    same file) writes it, then fails with a SampleSetError that says so; samples another
    program added meanwhile are read in before every change.

    Signals
    -------
    changed
        Samples were added, deleted, relabelled or replaced (or read in from the file).
    """

    changed = Signal()
    LOCK_SECONDS = 2.0

    def __init__(self, path: str | os.PathLike, parent: QObject | None = None):
        super().__init__(parent)
        self.samples = SampleSet(path, lock_timeout=self.LOCK_SECONDS)

    @property
    def path(self) -> Path:
        return self.samples.path

    def add(self, image: Image.Image, label: str) -> int:
        """Add a drawn sample; EmptyGlyphError for a blank image, SampleSetError for a bad label."""
        with self._announced():
            return self.samples.add(image, label)

    def delete(self, indices: list[int]) -> None:
        with self._announced():
            self.samples.delete(indices)

    def relabel(self, indices: list[int], label: str) -> None:
        with self._announced():
            self.samples.relabel(indices, label)

    def merge_file(self, path: str | os.PathLike) -> int:
        """Add the samples of another sample-set file; return how many."""
        with self._announced():
            return self.samples.merge(SampleSet(path))

    def add_loaded(self, loaded: LoadedImages) -> ImportReport:
        """Add the images of a folder read in the background (see :class:`FolderReader`)."""
        with self._announced():
            return add_loaded(self.samples, loaded)

    @contextlib.contextmanager
    def _announced(self) -> Iterator[None]:
        """Emit ``changed`` after the block, also when it failed: what another program wrote
        may have been read in even then."""
        try:
            yield
        finally:
            self.changed.emit()


class SamplesPanel(QWidget):
    """Browse the samples by label; delete, relabel, import, open and export them.

    A folder is imported in two steps: its images are read in a background thread (with a
    progress bar and messages; the Import button turns into Stop import meanwhile), then added
    in one write. A stopped import adds nothing.

    Signals
    -------
    message(str)
        What happened, for the status bar.
    """

    message = Signal(str)

    def __init__(self, store: SampleStore, places: Places, parent: QWidget | None = None):
        super().__init__(parent)
        self.store, self.places = store, places
        self.import_action = self._action("&Import image folder…", self.import_folder,
                                          "Add the images of a folder laid out as "
                                          "FOLDER/<label>/<images>")
        self.open_action = self._action("Open &samples…", self.open_samples,
                                        "Add the samples of a sample-set file to yours")
        self.export_action = self._action("&Export samples…", self.export_samples,
                                          "Write your samples to a sample-set file")
        self.file_actions = [self.import_action, self.open_action, self.export_action]
        self.model = SampleListModel(store, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterRole(LABEL_ROLE)
        self.proxy.setSortRole(LABEL_ROLE)
        self.proxy.sort(0)

        self.summary = plain_label()
        self.filter = QComboBox()
        self.filter.setToolTip("Show the samples of one label")
        self.filter.setMinimumContentsLength(12)
        self.filter.currentIndexChanged.connect(self._apply_filter)

        self.view = SampleListView()
        self.view.setModel(self.proxy)
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.view.setGridSize(QSize(THUMBNAIL + 18, THUMBNAIL + 26))
        self.view.setUniformItemSizes(True)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setLayoutMode(QListView.LayoutMode.Batched)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.deletePressed.connect(self.delete_selected)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)

        self.relabel_action = self._action("&Relabel…", self.relabel_selected,
                                           "Give the selected samples another label")
        self.delete_action = self._action("&Delete", self.delete_selected,
                                          "Delete the selected samples (Del)")
        self.view.addActions([self.relabel_action, self.delete_action])
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.relabel_button = QPushButton("Relabel…")
        self.relabel_button.setToolTip(self.relabel_action.toolTip())
        self.relabel_button.clicked.connect(self.relabel_selected)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip(self.delete_action.toolTip())
        self.delete_button.clicked.connect(self.delete_selected)
        self.import_button = QPushButton(IMPORT_TEXT)
        self.import_button.clicked.connect(self._import_or_stop)
        self.import_progress = QProgressBar()
        self.import_progress.setTextVisible(False)
        self.import_progress.setFixedHeight(12)
        self.import_progress.setMaximumWidth(160)
        self.import_progress.hide()
        self.reader = FolderReader(self)  # folders are read off the GUI thread
        self.reader.progressed.connect(self._show_progress)
        self.reader.finished.connect(self._folder_read)
        self.reader.failed.connect(lambda _folder, problem: show_error(self, "Cannot import",
                                                                       problem))
        self.reader.stopped.connect(lambda _folder: self.message.emit(IMPORT_STOPPED))
        self.reader.runningChanged.connect(self._reading_changed)
        self._reading_folder = ""

        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.filter)
        buttons = QHBoxLayout()
        buttons.addWidget(self.relabel_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.import_progress, 1)
        buttons.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)

        store.changed.connect(self._refresh)
        self._refresh()
        self._reading_changed(False)

    def _action(self, text: str, slot, tip: str) -> QAction:
        action = QAction(text, self)
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def selected_indices(self) -> list[int]:
        """Sample indices of the selection, in the sample set's order."""
        rows = self.view.selectionModel().selectedIndexes()
        return sorted(self.proxy.mapToSource(index).row() for index in rows)

    def delete_selected(self) -> None:
        indices = self.selected_indices()
        if not indices:
            return
        question = message_box(self, QMessageBox.Icon.Question, "Delete samples",
                               f"Delete {plural(len(indices), 'sample')}? This cannot be undone.",
                               QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
        if (question.exec() == QMessageBox.StandardButton.Yes
                and self._try(lambda: self.store.delete(indices))):
            self.message.emit(f"Deleted {plural(len(indices), 'sample')}.")

    def relabel_selected(self) -> None:
        indices = self.selected_indices()
        if not indices:
            return
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Relabel samples")
        dialog.setLabelText(f"New label for the {plural(len(indices), 'selected sample')}:")
        dialog.setTextValue(self.store.samples.labels()[indices[0]])
        dialog.findChild(QLineEdit).setValidator(label_validator(dialog))
        if dialog.exec() and self._try(lambda: self.store.relabel(indices, dialog.textValue())):
            self.message.emit(f"Relabelled {plural(len(indices), 'sample')} as "
                              f"“{self.store.samples.labels()[indices[0]]}”.")

    def import_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import image folder",
                                                  self.places.folder("import"))
        if not folder:
            return
        self.places.remember(folder, "import")
        self.reader.start(folder)
        self._reading_folder = folder
        self.message.emit(f"Reading the images of {folder}…")

    def _import_or_stop(self) -> None:
        """The Import button: import a folder, or while one is read, stop that."""
        if self.reader.is_running():
            self.reader.cancel()
            self.import_button.setEnabled(False)  # until the reading has stopped
        else:
            self.import_folder()

    def _show_progress(self, done: int, total: int) -> None:
        self.import_progress.setRange(0, total)
        self.import_progress.setValue(done)
        self.message.emit(f"Reading images… {done:,} of {total:,} from {self._reading_folder}")

    def _reading_changed(self, reading: bool) -> None:
        self.import_action.setEnabled(not reading)
        self.import_button.setEnabled(True)
        self.import_button.setText(STOP_TEXT if reading else IMPORT_TEXT)
        self.import_button.setToolTip("Stop reading the folder; nothing is added" if reading
                                      else self.import_action.toolTip())
        self.import_progress.setRange(0, 0)  # busy until the files are counted
        self.import_progress.setVisible(reading)

    def _folder_read(self, folder: str, loaded: LoadedImages) -> None:
        try:
            report = self.store.add_loaded(loaded)
        except SampleSetError as exc:
            show_error(self, "Cannot import", first_line(exc))
            return
        added = sum(report.added.values())
        text = (f"Imported {plural(added, 'image')} of {plural(len(report.added), 'label')} "
                f"from {folder}.")
        if report.skipped:
            lines = [f"{Path(path).name}: {reason}" for path, reason in report.skipped[:10]]
            more = len(report.skipped) - len(lines)
            skipped = plural(len(report.skipped), "file or folder", "files or folders")
            message_box(self, QMessageBox.Icon.Information, "Import", "\n".join(
                [text, f"Skipped {skipped}:", *lines]
                + ([f"… and {more} more"] if more else []))).exec()
        self.message.emit(text)

    def open_samples(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open samples", self.places.folder("samples"),
                                              SAMPLES_FILTER)
        if path:
            self.add_file(Path(path))

    def add_file(self, path: Path) -> None:
        """Add the samples of the sample-set file ``path`` to the user's, saying how many."""
        if self.store.samples.is_own_file(path):
            self.message.emit("That is your own sample set; it is open already.")
            return
        try:
            added = self.store.merge_file(path)
        except SampleSetError as exc:
            show_error(self, "Cannot open samples", first_line(exc))
            return
        self.places.remember(path, "samples")
        self.message.emit(f"Added {plural(added, 'sample')} from {path.name} to your samples.")

    def export_samples(self) -> None:
        suggested = str(Path(self.places.folder("samples")) / "samples.h5")
        path, _ = QFileDialog.getSaveFileName(self, "Export samples", suggested, SAMPLES_FILTER)
        if not path:
            return
        try:
            self.store.samples.export(path)
        except (SampleSetError, OSError) as exc:
            show_error(self, "Cannot export samples", first_line(exc))
            return
        self.places.remember(path, "samples")
        self.message.emit(f"Exported {len(self.store.samples)} samples to {path}.")

    def _try(self, change) -> bool:
        """Make ``change``; False after saying why it could not be made."""
        try:
            change()
        except SampleSetError as exc:  # a bad label, or the file cannot be written
            show_error(self, "Samples", first_line(exc))
            return False
        return True

    def _refresh(self) -> None:
        counts = self.store.samples.counts()
        total = sum(counts.values())
        self.summary.setText(f"{plural(total, 'sample')} · {plural(len(counts), 'label')}")
        chosen = self.filter.currentData()
        self.filter.blockSignals(True)
        self.filter.clear()
        self.filter.addItem(f"All labels ({total})", ALL_LABELS)
        for label, count in counts.items():
            self.filter.addItem(f"{label} ({count})", label)
        self.filter.setCurrentIndex(max(0, self.filter.findData(chosen)))
        self.filter.blockSignals(False)
        self._apply_filter()

    def _apply_filter(self) -> None:
        label = self.filter.currentData()
        pattern = "" if label is ALL_LABELS else f"^{QRegularExpression.escape(label)}$"
        self.proxy.setFilterRegularExpression(QRegularExpression(pattern))
        self._update_buttons()

    def _update_buttons(self) -> None:
        has_selection = self.view.selectionModel().hasSelection()
        for widget in (self.relabel_button, self.delete_button, self.relabel_action,
                       self.delete_action):
            widget.setEnabled(has_selection)
