"""Images in the app: opened, pasted and dropped, read as one character or several; broken files."""

import numpy as np
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QClipboard, QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolButton

from model.builtin import builtin_path
from model.strokes import CANVAS_SIZE, Stroke, render_strokes
from tests.glyphs import shape_points, text_image
from tests.gui_helpers import WAIT_MS, patch_dialog, prediction


def test_open_image_classifies_it_and_reads_several_characters(qtbot, window, monkeypatch,
                                                                tmp_path):
    one = render_strokes([Stroke([(140, 40), (140, 240)], 20)])
    path = tmp_path / "bar.png"
    one.save(path)
    patch_dialog(monkeypatch, "getOpenFileName", path)
    window.action_set.open_image.trigger()
    assert prediction(qtbot, window) == "|"
    assert window.canvas.drawing.background is not None
    assert not window.prediction.reading.isVisible()
    assert window.prediction.seen_view.isVisible()  # the image and its ink map

    row = Image.new("L", (600, 200), 255)
    for i, label in enumerate("|o-"):
        glyph = render_strokes([Stroke(shape_points(label, np.random.default_rng(i)), 16)])
        row.paste(glyph.resize((180, 180)), (10 + i * 195, 10))
    path = tmp_path / "row.png"
    row.save(path)
    window.images.open_file(path)
    qtbot.waitUntil(lambda: window.prediction.reading.isVisible(), timeout=WAIT_MS)
    assert window.prediction.best.text() == "| o -"  # far apart: words
    # three shapes side by side are none of the shapes as a whole
    assert window.prediction.reading.text() == "As one character: none of this model's labels"
    assert window.prediction.top_heading.text() == "Closest as one character"


def test_a_line_that_is_no_character_as_a_whole_says_so(qtbot, window, tmp_path):
    """The printed model's "none of these" output takes a word as a whole: its top 5 as one
    character were five labels at 0.0%."""
    assert window.files.open_file(builtin_path("printed"))
    path = tmp_path / "word.png"
    text_image("Hello").save(path)
    window.images.open_file(path)
    qtbot.waitUntil(lambda: window.prediction.reading.isVisible(), timeout=WAIT_MS)
    assert window.prediction.best.text() == "Hello"
    assert window.prediction.reading.text() == "As one character: none of this model's labels"
    assert window.prediction.top_heading.text() == "Closest as one character"


def test_paste_and_drop_an_image(qtbot, window, tmp_path):
    image = render_strokes([Stroke([(40, 140), (240, 140)], 20)])
    qimage = QImage(np.asarray(image).tobytes(), CANVAS_SIZE, CANVAS_SIZE, CANVAS_SIZE,
                    QImage.Format.Format_Grayscale8).copy()
    QGuiApplication.clipboard().setImage(qimage)
    QTest.keyClick(window, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert prediction(qtbot, window) == "-"
    window.action_set.clear.trigger()
    path = tmp_path / "o.png"
    render_strokes([Stroke(shape_points("o", np.random.default_rng(5)), 14)]).save(path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    centre = window.canvas.rect().center()  # QDragEnterEvent takes a QPoint, QDropEvent a QPointF
    enter = QDragEnterEvent(centre, Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window.canvas, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(window.canvas, QDropEvent(
        QPointF(centre), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier))
    assert prediction(qtbot, window) == "o"
    assert "o.png" in window.statusBar().currentMessage()


def test_paste_from_a_clipboard_without_data_says_it_holds_no_image(qtbot, window,
                                                                     monkeypatch, messages):
    monkeypatch.setattr(QClipboard, "mimeData", lambda *args: None)  # as on offscreen Qt
    paste_button = next(button for button in window.findChildren(QToolButton)
                        if button.defaultAction() is window.action_set.paste)
    paste_button.click()
    assert window.statusBar().currentMessage() == "The clipboard holds no image."
    assert window.canvas.is_blank() and not messages.boxes


def test_corrupt_image_and_corrupt_model_show_messages(qtbot, window, messages, tmp_path,
                                                       monkeypatch):
    bad_image = tmp_path / "broken.png"
    bad_image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)
    patch_dialog(monkeypatch, "getOpenFileName", bad_image)
    window.action_set.open_image.trigger()
    assert len(messages.boxes) == 1 and "broken.png" in messages.texts[0]
    assert "\n" not in messages.texts[0]

    bad_model = tmp_path / "broken.h5"
    bad_model.write_bytes(b"not a model at all")
    patch_dialog(monkeypatch, "getOpenFileName", bad_model)
    window.action_set.open.trigger()
    assert len(messages.boxes) == 2 and "broken.h5" in messages.texts[1]
    assert window.classifier is not None and window.classifier.name == "shapes"  # kept
