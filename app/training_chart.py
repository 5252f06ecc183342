"""Live chart of a model's training: loss on the left axis, accuracy in % on the right.

A recurrent network's mean relaxation steps per epoch get a third axis of their own.
"""

from __future__ import annotations

import html

from PySide6.QtCharts import QChart, QChartView, QLineSeries, QValueAxis
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from model.progress import History, Progress

RELAXATION = "mean_iterations"
COLOURS = {"loss": "#d9534f", "accuracy": "#7fa7e0", "val_accuracy": "#1f5fbf",
           RELAXATION: "#3a9a5b"}


def _series(name: str, key: str, dashed: bool = False) -> QLineSeries:
    series = QLineSeries()
    series.setName(name)
    pen = QPen(QColor(COLOURS[key]), 2)
    if dashed:
        pen.setStyle(Qt.PenStyle.DashLine)
    series.setPen(pen)
    return series


class TrainingChart(QWidget):
    """Per-epoch curves of the whole history of the current model, with a legend below that
    wraps onto a second line rather than cutting its names short."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.view = QChartView()
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        chart = QChart()
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setBackgroundRoundness(0)
        chart.legend().hide()
        self.view.setChart(chart)
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.legend.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.legend)
        self.loss = _series("training loss", "loss")
        self.accuracy = _series("training accuracy", "accuracy", dashed=True)
        self.val_accuracy = _series("validation accuracy", "val_accuracy")
        self.relaxation = _series("mean relaxation steps", RELAXATION)
        self.epoch_axis = self._axis("epoch", Qt.AlignmentFlag.AlignBottom, "%d")
        self.loss_axis = self._axis("loss", Qt.AlignmentFlag.AlignLeft, "%.1f")
        self.accuracy_axis = self._axis("accuracy %", Qt.AlignmentFlag.AlignRight, "%d")
        self.accuracy_axis.setRange(0, 100)
        # No title of its own (a third one has no room in a narrow dock): its labels take the
        # colour of its curve, which the legend names.
        self.relaxation_axis = self._axis("", Qt.AlignmentFlag.AlignRight, "%d")
        self.relaxation_axis.setLabelsColor(QColor(COLOURS[RELAXATION]))
        for series, axis in ((self.loss, self.loss_axis), (self.accuracy, self.accuracy_axis),
                             (self.val_accuracy, self.accuracy_axis),
                             (self.relaxation, self.relaxation_axis)):
            chart.addSeries(series)
            series.attachAxis(self.epoch_axis)
            series.attachAxis(axis)
        self.view.setMinimumHeight(200)
        self.show_history(History())

    def chart(self) -> QChart:
        return self.view.chart()

    def _axis(self, title: str, side: Qt.AlignmentFlag, label_format: str) -> QValueAxis:
        axis = QValueAxis()
        axis.setTitleText(title)
        axis.setLabelFormat(label_format)
        self.chart().addAxis(axis, side)
        return axis

    def show_history(self, history: History, planned_epochs: int = 0) -> None:
        """Draw ``history`` afresh; leave room on the epoch axis for ``planned_epochs`` more."""
        self.loss.replace([])
        self.accuracy.replace([])
        self.val_accuracy.replace([])
        self.relaxation.replace([])
        self._top_loss = self._top_steps = 0.0
        relaxation = history.extras.get(RELAXATION, [])
        for epoch in range(len(history)):
            self._append(epoch + 1, history.loss[epoch], history.accuracy[epoch],
                         history.val_accuracy[epoch] if epoch < len(history.val_accuracy)
                         else None,
                         relaxation[epoch] if epoch < len(relaxation) else None)
        self._set_epoch_range(len(history) + planned_epochs)

    def add_epoch(self, epoch: int, progress: Progress) -> None:
        """Append the end-of-epoch report ``progress`` as epoch number ``epoch``."""
        self._append(epoch, progress.loss, progress.accuracy, progress.val_accuracy,
                     progress.extras.get(RELAXATION))
        self._set_epoch_range(max(epoch, round(self.epoch_axis.max())))

    def _append(self, epoch: int, loss: float, accuracy: float, val_accuracy: float | None,
                relaxation: float | None) -> None:
        self.loss.append(epoch, loss)
        self.accuracy.append(epoch, accuracy * 100)
        if val_accuracy is not None:
            self.val_accuracy.append(epoch, val_accuracy * 100)
        if relaxation is not None:
            self.relaxation.append(epoch, relaxation)
        self._top_loss = max(self._top_loss, loss)
        self.loss_axis.setRange(0, max(self._top_loss * 1.1, 0.1))
        self.loss_axis.applyNiceNumbers()
        if relaxation is not None:
            self._top_steps = max(self._top_steps, relaxation)
            self.relaxation_axis.setRange(0, max(self._top_steps * 1.1, 1))

    def _set_epoch_range(self, last: int) -> None:
        self.epoch_axis.setRange(1, max(last, 2))
        self.epoch_axis.setTickCount(min(max(last, 2), 6))
        has_relaxation = self.relaxation.count() > 0
        self.relaxation.setVisible(has_relaxation)
        self.relaxation_axis.setVisible(has_relaxation)
        self.val_accuracy.setVisible(self.val_accuracy.count() > 0)
        self.legend.setText(" &nbsp; ".join(
            f"<span style='color:{series.pen().color().name()}'>&#9632;</span>&nbsp;"
            f"{html.escape(series.name()).replace(' ', '&nbsp;')}"
            for series in (self.loss, self.accuracy, self.val_accuracy, self.relaxation)
            if series.isVisible()))
