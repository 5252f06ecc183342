"""The main window's rough edges a first-time user meets: keys in the label field, where Save
proposes to save, quitting with an unsaved model, the shortcut sheet, what the canvas holds, the
window at its minimum size."""

from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QTextDocumentFragment
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QMessageBox, QToolButton

import app.model_document
import model.builtin
from app.actions import plain_action_text
from app.mainwindow import CANVAS_MIN_SIDE, DOCK_WIDTH
from app.prediction import PANEL_WIDTH, PredictionPanel
from app.widgets import FittedLabel
from model.labels import MAX_LABEL_LENGTH
from model.recognition import Recognition
from tests.gui_helpers import TRAIN_TIMEOUT_MS, WAIT_MS, draw_shape, fill_samples, quick_settings


def test_esc_in_the_label_field_leaves_it_and_keeps_the_drawing(qtbot, window):
    draw_shape(window.canvas, "|")
    window.label_edit.setFocus()
    qtbot.waitUntil(window.label_edit.hasFocus, timeout=WAIT_MS)
    QTest.keyClicks(window.label_edit, "a")
    QTest.keyClick(window.label_edit, Qt.Key.Key_Escape)
    assert len(window.canvas.drawing.strokes) == 1
    assert window.label_edit.text() == "a"
    assert not window.label_edit.hasFocus()
    QTest.keyClick(window, Qt.Key.Key_Escape)  # outside the field Esc still clears
    assert window.canvas.is_blank()


def test_esc_and_del_clear_the_canvas_only_when_the_drawing_area_has_the_focus(qtbot, window):
    canvas = window.canvas
    window.training_dock.raise_()
    form, panel = window.training_panel.form, window.training_panel
    clear_button = next(button for button in window.findChildren(QToolButton)
                        if button.defaultAction() is window.action_set.clear)
    form.hidden.setFocus()
    draw_shape(canvas, "|")
    assert canvas.hasFocus()  # drawing took the focus from the panel
    for widget in (form.hidden, form.epochs, panel.train_button, window.prediction.sensitivity,
                   window.samples_panel.filter, window.samples_panel.view):
        widget.setFocus()
        qtbot.waitUntil(widget.hasFocus, timeout=WAIT_MS)
        for key in (Qt.Key.Key_Escape, Qt.Key.Key_Delete):
            QTest.keyClick(widget, key)
            assert len(canvas.drawing.strokes) == 1, (widget, key)
    clear_button.click()  # the toolbar button clears wherever the focus is
    assert canvas.is_blank()
    canvas.undo()
    window.menuBar().setFocus()
    edit = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    next(a for a in edit.actions() if a is window.action_set.clear).trigger()  # Edit ▸ Clear
    assert canvas.is_blank()

    form.epochs.setFocus()
    draw_shape(canvas, "-")
    assert canvas.hasFocus()
    QTest.keyClick(canvas, Qt.Key.Key_Escape)
    assert canvas.is_blank()
    draw_shape(canvas, "-")
    QTest.keyClick(canvas, Qt.Key.Key_Delete)
    assert canvas.is_blank()


def test_ctrl_z_in_the_label_field_undoes_typing_then_strokes(qtbot, window):
    draw_shape(window.canvas, "|")
    window.canvas.clear()
    window.label_edit.setFocus()
    qtbot.waitUntil(window.label_edit.hasFocus, timeout=WAIT_MS)
    QTest.keyClicks(window.label_edit, "b")
    undo = (Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(window.label_edit, *undo)
    assert window.label_edit.text() == "" and window.canvas.is_blank()
    QTest.keyClick(window.label_edit, *undo)  # nothing typed left to undo: the clear is undone
    assert len(window.canvas.drawing.strokes) == 1


def capture_save_dialog(monkeypatch, answer: str = "") -> list[str]:
    suggested = []

    def dialog(parent, title, path, filter_):
        suggested.append(path)
        return answer, ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(dialog))
    return suggested


def test_save_suggests_documents_then_the_last_folder_never_built_in_models(
        qtbot, make_window, tiny_model_path, tmp_path, monkeypatch):
    documents = tmp_path / "Documents"
    documents.mkdir()
    monkeypatch.setattr(app.model_document, "documents_folder", lambda: documents)
    builtin = tmp_path / "builtin"
    builtin.mkdir()
    (builtin / "digits.h5").write_bytes(tiny_model_path.read_bytes())
    monkeypatch.setattr(model.builtin, "BUILTIN_FOLDER", builtin)
    window = make_window(builtin / "digits.h5")  # the last folder a model came from
    suggested = capture_save_dialog(monkeypatch, str(tmp_path / "elsewhere" / "mine.h5"))
    (tmp_path / "elsewhere").mkdir()
    window.action_set.save.trigger()
    assert Path(suggested[-1]) == documents / "shapes.h5"  # named after the model
    assert (tmp_path / "elsewhere" / "mine.h5").is_file()

    window.action_set.save_as.trigger()
    assert Path(suggested[-1]) == tmp_path / "elsewhere" / "mine.h5"


def test_a_failed_save_while_quitting_says_charrec_stays_open(qtbot, make_window, messages,
                                                              tiny_model_path, tmp_path,
                                                              monkeypatch):
    window = make_window(tiny_model_path)
    window.document.set(window.classifier, None, modified=True)  # trained, never saved
    capture_save_dialog(monkeypatch, str(tmp_path / "no such folder" / "model.h5"))
    messages.answer = QMessageBox.StandardButton.Save
    assert not window.close()
    assert window.isVisible()
    title, text = messages.boxes[-1]
    assert title == "Cannot save model" and "still open" in text


def test_the_shortcut_sheet_lists_every_action_shortcut_in_a_table(qtbot, window, messages):
    window.action_set.shortcuts.trigger()
    ((title, sheet),) = messages.boxes
    assert title == "Keyboard shortcuts" and sheet.startswith("<table")
    with_keys = [a for a in window.action_set.in_sheet_order() if a.shortcuts()]
    assert sheet.count("<tr>") == len(with_keys) + 2  # and Enter, Esc in the label field
    for action in with_keys:
        assert f"<td>{plain_action_text(action)}" in sheet
    assert "<td>Clear (on the canvas, which drawing gives the keyboard focus)</td>" in sheet
    assert "Ctrl+Y, Ctrl+Shift+Z" in sheet and "Save model as" in sheet


def test_training_messages_reach_the_status_bar(qtbot, make_window):
    window = make_window()
    fill_samples(window, 4)
    quick_settings(window, epochs=1)
    with qtbot.waitSignal(window.runner.finished, timeout=TRAIN_TIMEOUT_MS):
        window.training_panel.train_button.click()
    assert window.statusBar().currentMessage() == window.training_panel.status.text()
    assert window.statusBar().currentMessage().startswith("Finished after 1 epoch in ")


def test_drawing_over_an_opened_image_is_pointed_out(qtbot, window, tmp_path):
    path = tmp_path / "photo.png"
    Image.new("L", (60, 60), 255).save(path)
    window.images.open_file(path)
    note = window.canvas_note
    assert note.isVisible() and note.text() == "Showing photo.png."
    draw_shape(window.canvas, "|")
    assert note.text() == "Drawn over photo.png: the network reads both (Del clears)."
    assert "color" in note.styleSheet()
    window.canvas.clear()
    assert note.text() == ""


def test_at_the_minimum_size_the_canvas_keeps_a_usable_size(qtbot, window):
    window.resize(window.minimumSize())
    qtbot.waitUntil(lambda: window.size() == window.minimumSize(), timeout=WAIT_MS)
    QApplication.processEvents()
    canvas = window.canvas.paper_rect()
    assert canvas.width() >= CANVAS_MIN_SIDE - 2, canvas
    assert window.samples_dock.width() < DOCK_WIDTH  # the dock gave way, not the canvas
    window.training_dock.raise_()
    QApplication.processEvents()
    panel = window.training_panel  # but no further than its own fields need
    assert panel.width() >= panel.minimumSizeHint().width()
    assert panel.height() >= panel.minimumSizeHint().height() - 1
    for widget in (window.label_edit, window.add_button, window.prediction):
        assert widget.isVisible() and widget.width() > 0
        right = widget.mapTo(window, widget.rect().topRight()).x()
        assert right <= window.width()


def shown(qtbot, widget, width: int, height: int = 600):
    """``widget`` on screen at ``width`` × ``height``."""
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def fits(label: QLabel, text: str) -> bool:
    """Whether ``text`` as ``label`` lays it out (wrapped at its width) fits inside it."""
    box = label.contentsRect()
    needed = QFontMetrics(label.font()).boundingRect(box, int(Qt.TextFlag.TextWordWrap), text)
    return needed.width() <= box.width() and needed.height() <= label.height()


def test_long_labels_are_never_cut_in_the_big_display(qtbot):
    panel = shown(qtbot, PredictionPanel(), PANEL_WIDTH)
    seen = np.zeros((28, 28), np.float32)
    for label in ("7", "triangle", "Rumpelstilzchen", "x" * MAX_LABEL_LENGTH):
        panel.show_recognition(Recognition([(label, 0.9)], seen))
        QApplication.processEvents()
        assert panel.best.fitted_text() == label
        assert panel.best.text().replace(FittedLabel.BREAK, "") == label
        assert fits(panel.best, panel.best.text()), label
    panel.show_recognition(Recognition([("7", 0.9)], seen))
    big = panel.best.font().pointSizeF()
    panel.show_recognition(Recognition([("triangle", 0.9)], seen))
    assert panel.best.font().pointSizeF() < big  # smaller, not cut


def test_long_labels_in_the_top_five_are_cut_in_the_middle_and_stay_apart(qtbot):
    panel = shown(qtbot, PredictionPanel(), PANEL_WIDTH)
    long_label, other = "a label far too long for the column", "a label far too long, other"
    panel.show_recognition(Recognition([("7", 0.6), (long_label, 0.3), (other, 0.1)],
                                       np.zeros((28, 28), np.float32)))
    QApplication.processEvents()
    (first, _, _), (second, bar, _), (third, _, _) = panel.rows[:3]
    assert first.shown_text() == "7"
    start, end = second.shown_text().split("…")
    assert long_label.startswith(start) and long_label.endswith(end) and start and end
    assert second.shown_text() != third.shown_text()
    assert long_label in second.toolTip()
    assert bar.width() >= 40  # the bar keeps room beside the name


def test_the_prediction_column_grows_in_a_wide_window(qtbot, window):
    narrow = window.prediction.width()
    window.resize(1800, 900)
    qtbot.waitUntil(lambda: window.width() == 1800, timeout=WAIT_MS)
    QApplication.processEvents()
    assert window.prediction.width() > narrow
    assert window.prediction.width() > PANEL_WIDTH


def test_a_long_status_message_stops_short_of_the_sample_counter(qtbot, window):
    window.resize(window.minimumSize())
    qtbot.waitUntil(lambda: window.size() == window.minimumSize(), timeout=WAIT_MS)
    text = "Opened a model with a long name: " + "it knows many characters, " * 8
    window.status(text)
    shown = window.statusBar().currentMessage()
    assert shown.endswith("…") and text.startswith(shown[:-1])
    assert window.statusBar().toolTip() == text
    width = window.statusBar().fontMetrics().horizontalAdvance(shown)
    assert width < window.summary.geometry().left()
    window.status("Saved.")
    assert window.statusBar().currentMessage() == "Saved." and not window.statusBar().toolTip()


def test_form_messages_name_the_field_once(qtbot, window):
    form = window.training_panel.form
    form.hidden.setText("many")
    form.learning_rate.setText("fast")
    assert not form.check()
    assert form.error.text().splitlines() == [
        "Hidden layers: whole numbers separated by commas, e.g. 256,128",
        "Learning rate must be a number, e.g. 0.001"]
    assert form.learning_rate.toolTip() == "Learning rate must be a number, e.g. 0.001"


def test_adding_one_sample_says_one_sample(qtbot, make_window):
    window = make_window()
    draw_shape(window.canvas, "|")
    window.label_edit.setText("|")
    window.add_button.click()
    assert window.statusBar().currentMessage().endswith("1 sample in all.")


def test_the_chart_legend_wraps_rather_than_cutting_names(qtbot):
    from app.training_chart import TrainingChart
    from model.progress import History

    chart = shown(qtbot, TrainingChart(), 280, 320)
    history = History(loss=[1.0, 0.5], accuracy=[0.5, 0.7], val_accuracy=[0.4, 0.6],
                      extras={"mean_iterations": [12.0, 9.0]})
    chart.show_history(history)
    QApplication.processEvents()
    legend = chart.legend
    text = QTextDocumentFragment.fromHtml(legend.text()).toPlainText().replace("\xa0", " ")
    for name in ("training loss", "training accuracy", "validation accuracy",
                 "mean relaxation steps"):
        assert name in text
    assert legend.height() >= legend.heightForWidth(legend.width())  # room for every line
    assert legend.heightForWidth(legend.width()) > legend.fontMetrics().height() * 1.5


def test_confusion_headers_show_whole_labels(qtbot):
    from app.results import HEADER_CHARS, HEADER_PADDING, ConfusionView
    from model.evaluation import Evaluation

    view = shown(qtbot, ConfusionView(), 240, 300)
    classes = ["triangle", "square", "circle", "star"]
    view.set_evaluation(Evaluation(accuracy=0.5, n=4, per_class=dict.fromkeys(classes, 0.5),
                                   confusion=np.eye(4, dtype=np.int64), classes=classes,
                                   unknown_labels=[], known_rate=1.0, known_right=0.5))
    QApplication.processEvents()
    header = view.table.horizontalHeader()
    for column, label in enumerate(classes):
        assert header.sectionSize(column) > header.fontMetrics().horizontalAdvance(label)
    long = ["a label of twenty-five ch", "another label of 25 chars"]  # cut, not a column each
    view.set_evaluation(Evaluation(accuracy=0.5, n=2, per_class=dict.fromkeys(long, 0.5),
                                   confusion=np.eye(2, dtype=np.int64), classes=long,
                                   unknown_labels=[], known_rate=1.0, known_right=0.5))
    QApplication.processEvents()
    cap = header.fontMetrics().averageCharWidth() * HEADER_CHARS + HEADER_PADDING
    assert header.minimumSectionSize() <= cap and view.table.verticalHeader().width() <= cap
    # Stretched, the two columns share the view's width; neither is as wide as its label.
    assert header.sectionSize(0) < header.fontMetrics().horizontalAdvance(long[0])
    assert "twenty-five" in view.model.headerData(0, Qt.Orientation.Horizontal,
                                                  Qt.ItemDataRole.ToolTipRole)


def test_the_first_status_message_is_whole(qtbot, make_window, tiny_model_path):
    window = make_window(tiny_model_path)  # opened before the window first shows
    assert window.statusBar().currentMessage().startswith("Opened shapes.h5: it knows 3 ")


def test_a_recent_model_that_is_gone_is_said_once_and_taken_off_the_list(
        qtbot, window, messages, tmp_path, tiny_model_path):
    gone, kept = tmp_path / "gone.h5", tmp_path / "kept.h5"
    for path in (gone, kept):
        path.write_bytes(tiny_model_path.read_bytes())
        window.files.open_file(path)
    gone.unlink()
    window.document.modified = True  # nothing to ask about: there is nothing to open
    menu = window.action_set.recent_menu
    menu.popup(window.mapToGlobal(window.rect().center()))
    qtbot.waitUntil(menu.isVisible, timeout=WAIT_MS)
    names = [action.text() for action in menu.actions()]
    assert names[:2] == ["kept.h5", "gone.h5"]
    QTest.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(
        menu.actions()[1]).center())
    assert messages.boxes == [("Cannot open model",
                               f"{gone} no longer exists, so it was taken off the recent files.")]
    assert window.model_path == kept
    menu.popup(window.mapToGlobal(window.rect().center()))
    qtbot.waitUntil(menu.isVisible, timeout=WAIT_MS)
    assert "gone.h5" not in [action.text() for action in menu.actions()]
    menu.close()
