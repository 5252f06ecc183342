"""Driving the main window in GUI tests: strokes, the prediction, samples, settings, dialogs."""

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog

from app.canvas import Canvas
from app.mainwindow import MainWindow
from model.strokes import CANVAS_SIZE
from tests.glyphs import STROKE_SHAPES as SHAPES
from tests.glyphs import shape_images, shape_points

TRAIN_TIMEOUT_MS = 60_000
# The longest a GUI test waits for what takes milliseconds (a prediction, a focus change, a
# resize): generous for a busy CI machine, and free when the wait ends at once.
WAIT_MS = 10_000


def widget_point(canvas: Canvas, x: float, y: float) -> QPoint:
    rect = canvas.paper_rect()
    k = rect.width() / CANVAS_SIZE
    return QPoint(round(rect.left() + x * k), round(rect.top() + y * k))


def draw(canvas: Canvas, points) -> None:
    """One stroke with the left mouse button through ``points`` (canvas coordinates)."""
    pixels = [widget_point(canvas, x, y) for x, y in points]
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     pixels[0])
    for pos in pixels[1:]:
        # QTest.mouseMove carries no buttons: send a move with the left button held.
        move = QMouseEvent(QEvent.Type.MouseMove, QPointF(pos), canvas.mapToGlobal(QPointF(pos)),
                           Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton,
                           Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(canvas, move)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       pixels[-1])


def draw_shape(canvas: Canvas, label: str, seed: int = 1) -> None:
    draw(canvas, shape_points(label, np.random.default_rng(seed))[::2])


def prediction(qtbot, window: MainWindow) -> str:
    """The big label of the prediction panel once the live prediction has run."""
    panel = window.prediction
    qtbot.waitUntil(lambda: not panel.showing_message(), timeout=WAIT_MS)
    return panel.best.text()


def add_drawn_samples(qtbot, window: MainWindow, per_label: int) -> None:
    """Draw every shape ``per_label`` times and add each drawing with its label (Enter)."""
    for label in SHAPES:
        window.label_edit.setText(label)
        for seed in range(per_label):
            draw_shape(window.canvas, label, seed + 10)
            QTest.keyClick(window.label_edit, Qt.Key.Key_Return)
            assert window.canvas.is_blank()


def fill_samples(window: MainWindow, per_label: int, seed: int = 0) -> None:
    """Add rendered shapes straight to the sample set (faster than drawing them)."""
    images, labels = shape_images(per_label, seed)
    window.store.samples.add_many(images, labels)
    window.store.changed.emit()


def quick_settings(window: MainWindow, epochs: int = 12) -> None:
    form = window.training_panel.form
    form.hidden.setText("32")
    form.epochs.setValue(epochs)
    form.batch_size.setValue(8)
    form.learning_rate.setText("0.003")
    form.augment.setChecked(False)


def patch_dialog(monkeypatch, name: str, path) -> None:
    monkeypatch.setattr(QFileDialog, name, staticmethod(lambda *args, **kwargs: (str(path), "")))
