"""After training: the confusion matrix on the validation samples and the misclassified ones."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from model.evaluation import Evaluation, Mistake
from model.validation import HOLD_OUT_SHARE, MIN_HELD_OUT, accuracy_text

from .qtimages import ink_pixmap
from .widgets import paint_placeholder, plain_label, plain_tip, scaled_font

NO_PARENT = QModelIndex()
RIGHT = np.array([31, 95, 191])  # blue: right answers on the diagonal
WRONG = np.array([217, 83, 79])  # red: confusions
WHITE = np.array([255, 255, 255])
THUMBNAIL = 56
HEADER_PADDING = 12  # pixels around a column's label
HEADER_CHARS = 10  # a column is at most about this many characters wide; longer labels are cut
MIN_CELL = 18
ENLARGED = 4  # the mistake dialog shows the 64x64 sample this many times larger


class ConfusionModel(QAbstractTableModel):
    """Rows: true label, columns: predicted label; cells coloured by share of the row."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.classes: list[str] = []
        self.counts = np.zeros((0, 0), np.int64)

    def set_evaluation(self, evaluation: Evaluation | None) -> None:
        self.beginResetModel()
        if evaluation is None:
            self.classes, self.counts = [], np.zeros((0, 0), np.int64)
        else:
            self.classes, self.counts = list(evaluation.classes), evaluation.confusion
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.classes)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = NO_PARENT) -> int:
        return self.rowCount(parent)

    def share(self, row: int, column: int) -> float:
        total = self.counts[row].sum()
        return float(self.counts[row, column] / total) if total else 0.0

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0):
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        count = int(self.counts[row, column])
        if role == Qt.ItemDataRole.DisplayRole:
            return str(count) if count else ""
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignCenter
        share = self.share(row, column)
        if role == Qt.ItemDataRole.BackgroundRole:
            tint = RIGHT if row == column else WRONG
            return QColor(*np.round(WHITE + (tint - WHITE) * share).astype(int).tolist())
        if role == Qt.ItemDataRole.ForegroundRole:
            return QColor("white" if share > 0.55 else "black")
        if role == Qt.ItemDataRole.ToolTipRole:
            total = int(self.counts[row].sum())
            return plain_tip(f"true {self.classes[row]}, predicted {self.classes[column]}: "
                             f"{count} of {total} ({share:.0%})")
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0):
        if role == Qt.ItemDataRole.DisplayRole:
            return self.classes[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            side = "predicted" if orientation == Qt.Orientation.Horizontal else "true"
            return plain_tip(f"{side} label {self.classes[section]}")
        return None


NOT_HELD_OUT = ("No samples were held out for validation (Auto holds some out from "
                f"{MIN_HELD_OUT / HOLD_OUT_SHARE:.0f} samples on: a figure from a handful would "
                "mean nothing).")


class ConfusionView(QWidget):
    """Caption with the validation accuracy over a coloured confusion table."""

    EMPTY = "Train a model to see which characters it confuses on the validation samples."

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.caption = plain_label(self.EMPTY)
        self.caption.setWordWrap(True)
        self.model = ConfusionModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setShowGrid(True)
        for header in (self.table.horizontalHeader(), self.table.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)  # fit while it can
            header.setMinimumSectionSize(MIN_CELL)
            header.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # the tooltip has it all
        self.table.horizontalHeader().setToolTip("predicted label")
        self.table.verticalHeader().setToolTip("true label")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 1)

    def clear(self) -> None:
        self.model.set_evaluation(None)
        self.caption.setText(self.EMPTY)

    def set_evaluation(self, evaluation: Evaluation | None) -> None:
        self.model.set_evaluation(evaluation)
        # Columns as wide as their longest label ("triangle"), up to HEADER_CHARS characters:
        # the table scrolls rather than cutting a word short, and a longer label is cut in
        # the middle rather than making every column as wide as itself.
        header = self.table.horizontalHeader()
        metrics = header.fontMetrics()
        labels = evaluation.classes if evaluation is not None else []
        cap = metrics.averageCharWidth() * HEADER_CHARS
        widest = max((metrics.horizontalAdvance(label) for label in labels), default=0)
        header.setMinimumSectionSize(max(MIN_CELL, min(widest, cap) + HEADER_PADDING))
        self.table.verticalHeader().setMaximumWidth(cap + HEADER_PADDING)
        if evaluation is None:
            self.caption.setText(NOT_HELD_OUT)
        else:
            self.caption.setText(f"Validation: {accuracy_text(evaluation.accuracy, evaluation.n)}."
                                 " Rows: true label, columns: predicted.")


class MistakesView(QListWidget):
    """Thumbnails of the misclassified validation samples; a click shows one enlarged. Empty,
    it says why (:attr:`placeholder`)."""

    EMPTY = "Train a model to see the validation samples it reads wrong."
    NONE_WRONG = "Every validation sample was read right."

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.mistakes: list[Mistake] = []
        self.placeholder = self.EMPTY
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.setGridSize(QSize(THUMBNAIL + 30, THUMBNAIL + 26))
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.itemClicked.connect(self._show)

    def set_evaluation(self, evaluation: Evaluation | None) -> None:
        """Show the mistakes of a finished run's validation (None: nothing was held out)."""
        self.set_mistakes(evaluation.mistakes if evaluation is not None else [],
                          NOT_HELD_OUT if evaluation is None else self.NONE_WRONG)

    def set_mistakes(self, mistakes: list[Mistake], placeholder: str = EMPTY) -> None:
        """Show ``mistakes``; with none, ``placeholder`` says why."""
        self.clear()
        self.placeholder = placeholder
        self.mistakes = list(mistakes)
        for i, mistake in enumerate(self.mistakes):
            item = QListWidgetItem(ink_pixmap(mistake.image), f"{mistake.truth} → "
                                                               f"{mistake.predicted}")
            item.setToolTip(plain_tip(f"true {mistake.truth}, predicted {mistake.predicted} "
                                      f"({mistake.probability:.0%})"))
            item.setData(Qt.ItemDataRole.UserRole, i)
            self.addItem(item)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self.mistakes:
            paint_placeholder(self, self.placeholder)

    def _show(self, item: QListWidgetItem) -> None:
        MistakeDialog(self.mistakes[item.data(Qt.ItemDataRole.UserRole)], self).exec()


class MistakeDialog(QDialog):
    """One misclassified sample, enlarged, with its true and predicted label."""

    def __init__(self, mistake: Mistake, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Misclassified sample")
        picture = QLabel()
        picture.setPixmap(ink_pixmap(mistake.image, ENLARGED))
        truth = plain_label(f"True label: {mistake.truth}")
        predicted = plain_label(f"Predicted: {mistake.predicted} ({mistake.probability:.0%})")
        for label in (truth, predicted):
            label.setFont(scaled_font(self, 1.3))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(picture, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(truth)
        layout.addWidget(predicted)
        layout.addWidget(buttons)
