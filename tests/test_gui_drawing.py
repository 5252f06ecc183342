"""Drawing with mouse and tablet: the live prediction, undo, eraser, unsure and unknown drawings."""

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QPointingDevice, QTabletEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.glyphs import STROKE_SHAPES as SHAPES
from tests.glyphs import shape_points
from tests.gui_helpers import WAIT_MS, draw, draw_shape, prediction, widget_point


def test_drawing_updates_the_prediction_live(qtbot, window):
    panel = window.prediction
    assert panel.showing_message() and "Draw" in panel.message.text()
    draw_shape(window.canvas, "|")
    assert prediction(qtbot, window) == "|"
    names = [name.text() for name, _, _ in panel.rows if not name.isHidden()]
    assert sorted(names) == sorted(SHAPES)
    assert panel.rows[0][1].value() > 500
    assert not panel.seen.pixmap().isNull()
    assert not panel.seen_view.isVisible()  # one drawn character: its image would repeat it
    window.action_set.clear.trigger()
    qtbot.waitUntil(panel.showing_message, timeout=WAIT_MS)
    draw_shape(window.canvas, "o")
    assert prediction(qtbot, window) == "o"
    assert window.windowTitle().startswith("shapes")


def test_prediction_runs_while_the_stroke_is_drawn(qtbot, window):
    canvas = window.canvas
    points = [widget_point(canvas, x, y) for x, y in shape_points("-", np.random.default_rng(3))]
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[0])
    for pos in points[1:]:
        QApplication.sendEvent(canvas, QMouseEvent(
            QEvent.Type.MouseMove, QPointF(pos), canvas.mapToGlobal(QPointF(pos)),
            Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    assert canvas.stroke_in_progress() is not None
    assert prediction(qtbot, window) == "-"  # the mouse button is still down
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       points[-1])
    assert len(canvas.drawing.strokes) == 1


def test_a_low_probability_shows_as_unsure(qtbot):
    from app.prediction import PredictionPanel
    from model.recognition import Recognition

    panel = PredictionPanel()
    qtbot.addWidget(panel)
    seen = np.zeros((28, 28), np.float32)
    panel.show_recognition(Recognition([("a", 0.41), ("o", 0.39), ("e", 0.2)], seen))
    assert panel.best.text() == "a" and panel.caption.text().startswith("Unsure")
    assert [name.isHidden() for name, _, _ in panel.rows] == [False] * 3 + [True] * 2
    panel.show_recognition(Recognition([("<i>b</i>", 0.93)], seen))
    assert panel.caption.text() == "93% sure"
    panel.show_recognition(Recognition([("b", 0.9996), ("d", 0.0004)], seen))
    assert panel.caption.text() == "99% sure"  # never 100% short of certain, as the bar says
    assert [value.text() for _, _, value in panel.rows[:2]] == ["99.9%", "0.0%"]
    assert panel.best.textFormat() == Qt.TextFormat.PlainText


def test_no_model_gives_a_clear_message(qtbot, make_window):
    window = make_window()
    draw_shape(window.canvas, "|")
    qtbot.wait(200)
    assert window.prediction.showing_message()
    assert "No model" in window.prediction.message.text()
    assert window.windowTitle().startswith("No model")
    assert not window.action_set.save.isEnabled()


def test_undo_redo_clear_with_keys(qtbot, window):
    canvas = window.canvas
    draw_shape(canvas, "|")
    draw_shape(canvas, "-")
    assert len(canvas.drawing.strokes) == 2
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(canvas.drawing.strokes) == 1
    assert prediction(qtbot, window) == "|"
    QTest.keyClick(window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert len(canvas.drawing.strokes) == 2
    QTest.keyClick(window, Qt.Key.Key_Escape)
    assert canvas.is_blank()
    qtbot.waitUntil(window.prediction.showing_message, timeout=WAIT_MS)
    assert window.action_set.undo.isEnabled() and not window.action_set.clear.isEnabled()
    window.action_set.undo.trigger()
    assert len(canvas.drawing.strokes) == 2


def test_eraser_and_pen_width(qtbot, window):
    canvas = window.canvas
    wide = next(a for a in window.action_set.pen_widths.actions() if a.text() == "Very thick")
    wide.trigger()
    assert canvas.pen_width == wide.data()
    draw(canvas, [(140, 40), (140, 240)])
    window.action_set.eraser.trigger()
    draw(canvas, [(100, 140), (180, 140)])
    strokes = canvas.drawing.strokes
    assert [s.eraser for s in strokes] == [False, True]
    ink = 255 - np.asarray(canvas.image())
    assert ink[140, 140] == 0 and ink[60, 140] > 200
    window.action_set.pen.trigger()
    assert not canvas.eraser


def test_tablet_pressure_varies_the_stroke(qtbot, window):
    canvas = window.canvas
    device = QPointingDevice.primaryPointingDevice()
    for kind, x, pressure in ((QEvent.Type.TabletPress, 40, 0.2),
                              (QEvent.Type.TabletMove, 140, 0.6),
                              (QEvent.Type.TabletMove, 240, 1.0),
                              (QEvent.Type.TabletRelease, 240, 1.0)):
        pos = QPointF(widget_point(canvas, x, 140))
        event = QTabletEvent(kind, device, pos, canvas.mapToGlobal(pos), pressure, 0, 0, 0, 0,
                             0, Qt.KeyboardModifier.NoModifier, Qt.MouseButton.LeftButton,
                             Qt.MouseButton.LeftButton)
        QApplication.sendEvent(canvas, event)
    (stroke,) = canvas.drawing.strokes
    assert stroke.pressures is not None and list(np.round(stroke.pressures, 1)) == [0.2, 0.6, 1.0]
    ink = 255 - np.asarray(canvas.image())
    assert (ink[:, 60] > 128).sum() < (ink[:, 220] > 128).sum()


def test_digits_drawn_with_the_mouse_are_read_by_the_default_model(qtbot, make_window):
    """Drawings made through the real canvas widget, read by the shipped digits model."""
    from bench.canvas_digits import draw_digit
    from model.builtin import default_model_path

    window = make_window(default_model_path())
    rng = np.random.default_rng(31)
    for digit in "0123456789":
        window.action_set.clear.trigger()
        qtbot.waitUntil(window.prediction.showing_message, timeout=WAIT_MS)
        strokes, _pen = draw_digit(digit, rng)
        for stroke in strokes:
            draw(window.canvas, stroke.points[::2])
        assert prediction(qtbot, window) == digit


def test_a_drawing_of_none_of_the_labels_shows_as_unknown_with_the_closest_in_grey(qtbot, window):
    from app.prediction import NOT_KNOWN
    from model.sketch import line

    panel = window.prediction
    assert panel.sensitivity.isEnabled() and panel.sensitivity.value() > 0.5
    draw(window.canvas, line((60, 60), (220, 60), (60, 220), (220, 220)))  # a Z
    assert prediction(qtbot, window) == NOT_KNOWN
    assert panel.caption.text().startswith("closest: ")
    assert panel.top_heading.text() == "Closest labels"
    assert "palette(mid)" in panel.rows[0][0].styleSheet()
    assert not window.isWindowModified()
    panel.sensitivity.setValue(0)  # never reject: the closest label is the answer again
    qtbot.waitUntil(lambda: panel.best.text() in SHAPES, timeout=WAIT_MS)
    assert panel.rows[0][0].styleSheet() == "" and window.isWindowModified()
    assert window.classifier.reject.threshold == 0
    window.action_set.clear.trigger()
    qtbot.waitUntil(panel.showing_message, timeout=WAIT_MS)
    assert "Draw" in panel.message.text()  # a blank canvas stays "nothing drawn"


def test_a_click_leaves_a_visible_dot_as_the_network_sees_it(qtbot, window):
    """The dots of i, j, "." and ":" are single clicks: one-point strokes."""
    canvas = window.canvas
    at = widget_point(canvas, 140, 140)
    beside = widget_point(canvas, 140, 140 + canvas.pen_width)  # a pen width away: paper

    def shown(pos) -> int:
        return canvas.grab().toImage().pixelColor(pos).lightness()

    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    assert shown(at) < 60  # painted into the buffer as the button goes down
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    (stroke,) = canvas.drawing.strokes
    assert len(stroke.points) == 1
    assert shown(at) < 60 and shown(beside) > 240  # and by the full repaint: a round dot
    ink = 255 - np.asarray(canvas.image())
    assert ink[140, 140] > 200 and ink[140 + round(canvas.pen_width), 140] == 0
