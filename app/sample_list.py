"""The sample browser's list: one row per sample, its label, and a thumbnail made when shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QKeySequence, QPaintEvent, QPixmap
from PySide6.QtWidgets import QListView

from .qtimages import ink_pixmap
from .widgets import paint_placeholder, plain_tip

if TYPE_CHECKING:
    from .samples_panel import SampleStore

NO_PARENT = QModelIndex()
LABEL_ROLE = Qt.ItemDataRole.UserRole + 1


class SampleListModel(QAbstractListModel):
    """One row per sample: the label as text, a thumbnail made when first shown."""

    def __init__(self, store: SampleStore, parent: QObject | None = None):
        super().__init__(parent)
        self.store = store
        self._thumbnails: dict[int, QPixmap] = {}
        # The labels as of the last reset: the sort and filter ask for them tens of thousands
        # of times per change of a large set, and the row count is theirs.
        self._labels = store.samples.labels()
        store.changed.connect(self._reset)

    def _reset(self) -> None:
        labels, old = self.store.samples.labels(), self._labels
        if len(labels) > len(old) and labels[:len(old)] == old:  # samples added at the end
            self.beginInsertRows(NO_PARENT, len(old), len(labels) - 1)
            self._labels = labels
            self.endInsertRows()
            return
        self.beginResetModel()
        self._thumbnails.clear()
        self._labels = labels
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._labels)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0):
        if not index.isValid():
            return None
        row = index.row()
        if role in (Qt.ItemDataRole.DisplayRole, LABEL_ROLE):
            return self._labels[row]
        if role == Qt.ItemDataRole.DecorationRole:
            if row not in self._thumbnails:
                self._thumbnails[row] = ink_pixmap(self.store.samples.sample(row).image)
            return self._thumbnails[row]
        if role == Qt.ItemDataRole.ToolTipRole:
            sample = self.store.samples.sample(row)
            return plain_tip(f"{sample.label}\nfrom: {sample.source}\nadded: {sample.added}")
        return None


class SampleListView(QListView):
    """Thumbnails in a grid; the Delete key asks to delete the selection."""

    deletePressed = Signal()
    EMPTY = ("No samples yet.\n\nDraw a character, type its label under the canvas and "
             "press Enter; or import a folder of images.")

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.model() is not None and self.model().rowCount() == 0:
            paint_placeholder(self, self.EMPTY)

    def event(self, event: QEvent) -> bool:
        # Keep Delete for this view rather than the window's "Clear canvas" shortcut.
        if (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and event.matches(QKeySequence.StandardKey.Delete)):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Delete):
            self.deletePressed.emit()
        else:
            super().keyPressEvent(event)
