"""The desktop app driven like a person would: mouse strokes, keys, menus, buttons, dialogs."""


import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import (
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
    QMouseEvent,
    QPointingDevice,
    QTabletEvent,
)
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QLabel, QMessageBox

from app.canvas import Canvas
from app.mainwindow import MainWindow
from model.modelfile import load_model
from model.samples import SampleSet
from model.strokes import CANVAS_SIZE, Stroke, render_strokes
from tests.glyphs import STROKE_SHAPES as SHAPES
from tests.glyphs import shape_images, shape_points

TRAIN_TIMEOUT_MS = 60_000


# --- helpers ----------------------------------------------------------------------------------

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
    qtbot.waitUntil(lambda: not panel.showing_message(), timeout=2000)
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


# --- drawing and live prediction --------------------------------------------------------------

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
    qtbot.waitUntil(panel.showing_message, timeout=2000)
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
    qtbot.waitUntil(window.prediction.showing_message, timeout=2000)
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


# --- images -----------------------------------------------------------------------------------

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
    qtbot.waitUntil(lambda: window.prediction.reading.isVisible(), timeout=2000)
    assert window.prediction.best.text() == "| o -"  # far apart: words
    assert window.prediction.reading.text().startswith("As one character: ")
    assert window.prediction.top_heading.text() == "Top 5 as one character"


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


# --- samples ----------------------------------------------------------------------------------

def test_add_samples_by_drawing_and_find_them_after_a_restart(qtbot, make_window, data_dir):
    window = make_window()
    add_drawn_samples(qtbot, window, 2)
    assert window.store.samples.counts() == {"-": 2, "o": 2, "|": 2}
    panel = window.samples_panel
    assert panel.proxy.rowCount() == 6
    assert "6 samples" in panel.summary.text()
    panel.filter.setCurrentIndex(panel.filter.findData("o"))
    assert panel.proxy.rowCount() == 2
    assert panel.filter.currentText() == "o (2)"

    window.label_edit.clear()
    QTest.keyClicks(window.label_edit, "be")  # B and E are tool shortcuts, but not while typing
    assert window.label_edit.text() == "be" and not window.canvas.eraser
    window.label_edit.setText("   ")
    draw_shape(window.canvas, "|")
    window.add_button.click()
    assert len(window.store.samples) == 6  # a blank label is refused at the field
    assert "border" in window.label_edit.styleSheet()
    window.close()

    again = make_window()
    assert again.store.samples.counts() == {"-": 2, "o": 2, "|": 2}
    assert again.samples_panel.proxy.rowCount() == 6
    assert (data_dir / "samples.h5").is_file()


def test_a_damaged_sample_file_is_kept_aside(qtbot, make_window, data_dir, messages):
    data_dir.mkdir()
    (data_dir / "samples.h5").write_bytes(b"this is not HDF5")
    window = make_window()
    assert len(window.store.samples) == 0
    assert "could not be read" in messages.texts[-1]
    (kept,) = data_dir.glob("samples-damaged-*.h5")
    assert kept.read_bytes() == b"this is not HDF5"
    add_drawn_samples(qtbot, window, 1)
    assert SampleSet(data_dir / "samples.h5").counts() == {"-": 1, "o": 1, "|": 1}


def test_relabel_and_delete_selected_samples(qtbot, make_window, monkeypatch, messages):
    window = make_window()
    fill_samples(window, 2)
    panel = window.samples_panel
    panel.filter.setCurrentIndex(panel.filter.findData("o"))
    panel.view.selectAll()
    assert panel.selected_indices() == [4, 5]
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("0", True)))
    panel.relabel_button.click()
    assert window.store.samples.counts() == {"-": 2, "0": 2, "|": 2}
    assert panel.filter.currentText().startswith("All labels")  # "o" is gone

    panel.filter.setCurrentIndex(panel.filter.findData("|"))
    panel.view.selectAll()
    messages.answer = QMessageBox.StandardButton.Yes
    QTest.keyClick(panel.view, Qt.Key.Key_Delete)
    assert window.store.samples.counts() == {"-": 2, "0": 2}
    assert not window.canvas.drawing.can_undo()  # Delete did not reach the canvas


def test_import_and_export_samples(qtbot, make_window, monkeypatch, tmp_path, messages):
    window = make_window()
    root = tmp_path / "folder"
    for label in ("a", "b"):
        (root / label).mkdir(parents=True)
        for i in range(3):
            render_strokes([Stroke([(40 + 30 * i, 40), (200, 220)], 15)]).save(
                root / label / f"{i}.png")
    (root / "a" / "junk.png").write_bytes(b"nope")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(root)))
    window.samples_panel.import_action.trigger()
    assert window.store.samples.counts() == {"a": 3, "b": 3}
    assert "junk.png" in messages.texts[-1]
    exported = tmp_path / "out.h5"
    patch_dialog(monkeypatch, "getSaveFileName", exported)
    window.samples_panel.export_action.trigger()
    assert exported.is_file()
    patch_dialog(monkeypatch, "getOpenFileName", exported)
    window.samples_panel.open_action.trigger()
    assert window.store.samples.counts() == {"a": 6, "b": 6}


# --- training ---------------------------------------------------------------------------------

def test_train_on_drawn_samples_then_predict(qtbot, make_window):
    window = make_window()
    add_drawn_samples(qtbot, window, 3)
    fill_samples(window, 6)
    quick_settings(window)
    panel = window.training_panel
    assert panel.form.validation.text() == "Auto"  # 27 samples: Auto would hold none out
    panel.form.validation.setValue(20)
    assert panel.train_button.isEnabled() and not panel.continue_button.isEnabled()
    progressed = []
    window.runner.progressed.connect(progressed.append)
    with qtbot.waitSignal(window.runner.finished, timeout=TRAIN_TIMEOUT_MS):
        panel.train_button.click()
        assert not panel.train_button.isEnabled() and panel.cancel_button.isEnabled()
        draw_shape(window.canvas, "|")  # the GUI keeps working during training
    assert sum(p.epoch_done for p in progressed) == 12
    assert window.classifier is not None and window.isWindowModified()
    assert "*" in window.windowTitle() or window.windowTitle().startswith("untitled")
    assert panel.chart.loss.count() == 12
    assert panel.chart.val_accuracy.count() == 12
    assert panel.confusion.model.rowCount() == 3
    # 6 held-out samples: the panel says they are too few instead of showing a percentage
    assert "too few held-out samples" in panel.confusion.caption.text()
    assert "too few held-out samples" in panel.status.text() and "%" not in panel.status.text()
    qtbot.waitUntil(lambda: not panel.cancel_button.isEnabled(), timeout=5000)
    assert panel.continue_button.isEnabled()
    window.action_set.clear.trigger()
    for label in SHAPES:
        draw_shape(window.canvas, label, seed=99)
        assert prediction(qtbot, window) == label
        window.action_set.clear.trigger()
        qtbot.waitUntil(window.prediction.showing_message, timeout=2000)


def test_continue_training_with_a_new_label_grows_the_output(qtbot, window, tiny_model_path):
    fill_samples(window, 4)
    images = [render_strokes([Stroke([(60, 60), (220, 220)], 16)]),
              render_strokes([Stroke([(70, 50), (210, 230)], 12)])]
    window.store.samples.add_many(images, ["\\", "\\"])
    window.store.changed.emit()
    quick_settings(window, epochs=3)
    before = window.classifier
    with qtbot.waitSignal(window.runner.finished, timeout=TRAIN_TIMEOUT_MS):
        window.training_panel.continue_button.click()
    assert window.classifier is not before
    assert window.classifier.labels == [*before.labels, "\\"]
    assert len(window.classifier.history) == len(before.history) + 3
    assert window.model_path == tiny_model_path  # Save writes back to the file it came from


def test_cancel_keeps_the_previous_model(qtbot, window):
    fill_samples(window, 10)
    quick_settings(window, epochs=2000)
    window.training_panel.form.keep_best.setChecked(False)
    before = window.classifier
    with qtbot.waitSignal(window.runner.finished, timeout=TRAIN_TIMEOUT_MS):
        with qtbot.waitSignal(window.runner.progressed, timeout=TRAIN_TIMEOUT_MS):
            window.training_panel.train_button.click()
        window.training_panel.cancel_button.click()
    assert window.classifier is before and not window.isWindowModified()
    assert "Cancelled" in window.training_panel.status.text()
    assert "previous model was kept" in window.training_panel.status.text()


def test_cancel_can_keep_the_best_weights_so_far(qtbot, window):
    fill_samples(window, 10)
    quick_settings(window, epochs=2000)
    epochs = []
    window.runner.progressed.connect(lambda p: epochs.append(p) if p.epoch_done else None)
    with qtbot.waitSignal(window.runner.finished, timeout=TRAIN_TIMEOUT_MS):
        window.training_panel.train_button.click()
        qtbot.waitUntil(lambda: len(epochs) >= 2, timeout=TRAIN_TIMEOUT_MS)
        window.runner.cancel()
    assert window.classifier.name == "untitled" and window.isWindowModified()
    assert window.classifier.training["stopped"] == "cancelled"


def test_training_errors_are_messages(qtbot, make_window, messages):
    window = make_window()
    window.store.samples.add_many(shape_images(3)[0][:3], ["|"] * 3)
    window.store.changed.emit()
    quick_settings(window, epochs=2)
    with qtbot.waitSignal(window.runner.failed, timeout=TRAIN_TIMEOUT_MS):
        window.training_panel.train_button.click()
    assert messages.boxes and "two different labels" in messages.texts[-1]
    assert messages.texts[-1].startswith("Training needs")  # a sentence, not a CLI error tail
    assert window.classifier is None
    assert "Training failed" in window.training_panel.status.text()


def test_invalid_fields_are_flagged_and_disable_training(qtbot, window):
    form, panel = window.training_panel.form, window.training_panel
    form.hidden.setText("256,abc")
    assert form.hidden.property("invalid") is True
    assert "whole numbers" in form.hidden.toolTip()
    assert not panel.train_button.isEnabled() and not panel.continue_button.isEnabled()
    assert form.error.isVisibleTo(form) and "Hidden layers" in form.error.text()
    form.hidden.setText("64")
    form.learning_rate.setText("-1")
    assert form.hidden.property("invalid") is False
    assert form.learning_rate.property("invalid") is True
    assert form.learning_rate.toolTip().startswith("Learning rate must be a positive number")
    assert not panel.train_button.isEnabled()
    form.learning_rate.setText("0.01")
    assert panel.train_button.isEnabled() and form.error.isHidden()
    form.learning_rate.setText("x")
    window.start_training(False)  # even a direct call refuses to start with bad settings
    assert not window.runner.is_running()


def test_recurrent_settings_when_available(qtbot, window):
    from model.fit import ModelSettings
    from model.networks import NETWORK_TYPES

    form = window.training_panel.form
    if "recurrent" not in NETWORK_TYPES:
        pytest.skip("no recurrent network type")
    form.network_type.setCurrentIndex(form.network_type.findData("recurrent"))
    assert form.tol.isEnabled() and form.max_iter.isEnabled()
    assert form.hidden.text() == str(ModelSettings().hidden_sizes[0])  # one layer of the default
    form.hidden.setText("32,16")
    assert form.hidden.property("invalid") is True
    form.hidden.setText("32")
    form.tol.setText("0")
    assert form.tol.property("invalid") is True
    form.tol.setText("1e-3")
    assert form.is_valid()
    assert form.model_settings().network_type == "recurrent"


def test_train_a_recurrent_network_and_chart_its_relaxation(qtbot, make_window):
    from model.networks import NETWORK_TYPES

    if "recurrent" not in NETWORK_TYPES:
        pytest.skip("no recurrent network type")
    window = make_window()
    fill_samples(window, 6)
    quick_settings(window, epochs=3)
    form = window.training_panel.form
    form.network_type.setCurrentIndex(form.network_type.findData("recurrent"))
    form.hidden.setText("16")
    with qtbot.waitSignal(window.runner.finished, timeout=TRAIN_TIMEOUT_MS):
        window.training_panel.train_button.click()
    assert window.classifier.network.kind == "recurrent"
    chart = window.training_panel.chart
    assert chart.relaxation.count() == 3 and chart.relaxation.isVisible()
    assert all(point.y() >= 1 for point in chart.relaxation.points())
    draw_shape(window.canvas, "o")
    assert prediction(qtbot, window) in SHAPES


def test_durations_read_naturally():
    from app.text import duration

    assert [duration(s) for s in (0.42, 12, 185, 3720)] == ["0.4 s", "12 s", "3 min 05 s",
                                                            "1 h 02 min"]


def test_misclassified_samples_open_enlarged(qtbot, monkeypatch):
    from app.results import MistakeDialog, MistakesView
    from model.evaluation import Mistake

    shown = []
    monkeypatch.setattr(MistakeDialog, "exec", lambda dialog: shown.append(dialog))
    view = MistakesView()
    qtbot.addWidget(view)
    image = np.zeros((64, 64), np.uint8)
    view.set_mistakes([Mistake(image, "<b>a</b>", "o", 0.62)])
    view.show()
    item = view.item(0)
    assert item.text() == "<b>a</b> → o"
    assert "&lt;b&gt;" in item.toolTip()  # user text is never rendered as HTML
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     view.visualItemRect(item).center())
    (dialog,) = shown
    texts = [label.text() for label in dialog.findChildren(QLabel) if label.text()]
    assert "True label: <b>a</b>" in texts and "Predicted: o (62%)" in texts


def test_worker_throttles_progress_but_reports_every_epoch(qtbot):
    from app.worker import REPORTS_PER_SECOND, TrainingJob, TrainingWorker
    from model.fit import ModelSettings
    from model.train import TrainingConfig

    images, labels = shape_images(10)
    job = TrainingJob(np.array(images), labels, ModelSettings(hidden=(8,), augment=False),
                      TrainingConfig(epochs=4, batch_size=1, validation_split=0.2))
    worker = TrainingWorker(job)
    reports, outcomes = [], []
    worker.progressed.connect(reports.append)
    worker.finished.connect(outcomes.append)
    worker.run()  # in this thread: signals arrive directly
    (run,) = outcomes
    assert run.job is job and run.kept
    outcome = run.outcome
    assert sum(r.epoch_done for r in reports) == 4
    seconds = outcome.result.seconds
    assert len(reports) - 4 <= seconds * REPORTS_PER_SECOND + 4 < 4 * 24  # 24 batches an epoch
    assert outcome.evaluation.n == len(outcome.result.validation_indices) == 6


# --- model files ------------------------------------------------------------------------------

def test_save_and_reopen_through_the_menus(qtbot, window, monkeypatch, tmp_path, messages):
    fill_samples(window, 4)
    quick_settings(window, epochs=2)
    with qtbot.waitSignal(window.runner.finished, timeout=TRAIN_TIMEOUT_MS):
        window.training_panel.train_button.click()
    assert window.isWindowModified()
    target = tmp_path / "mine"
    patch_dialog(monkeypatch, "getSaveFileName", target)
    QTest.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    saved = tmp_path / "mine.h5"
    assert saved.is_file() and not window.isWindowModified()
    assert window.windowTitle().startswith("mine")
    assert load_model(saved).labels == window.classifier.labels

    window.action_set.new.trigger()
    assert window.classifier is None and not messages.boxes
    patch_dialog(monkeypatch, "getOpenFileName", saved)
    window.action_set.open.trigger()
    assert window.classifier.name == "mine" and window.model_path == saved
    assert window.places.recent_files()[0] == str(saved)
    window.action_set.fill_recent_menu()
    assert window.action_set.recent_menu.actions()[0].text() == "mine.h5"


def test_unsaved_changes_are_asked_about(qtbot, make_window, messages, tiny_model_path,
                                         tmp_path):
    path = tmp_path / "copy.h5"
    path.write_bytes(tiny_model_path.read_bytes())
    window = make_window(path)
    window.classifier.name = "renamed"
    window.document.modified = True
    messages.answer = QMessageBox.StandardButton.Cancel
    assert not window.close() and window.isVisible()
    assert "unsaved changes" in messages.texts[-1]
    messages.answer = QMessageBox.StandardButton.Save
    assert window.close()
    assert load_model(path).name == "renamed"  # saved to the file it came from


def test_builtin_models_are_never_overwritten(qtbot, make_window, tiny_model_path, tmp_path,
                                              monkeypatch):
    import app.model_document

    builtin = tmp_path / "builtin"
    builtin.mkdir()
    (builtin / "digits.h5").write_bytes(tiny_model_path.read_bytes())
    monkeypatch.setattr(app.model_document, "BUILTIN_FOLDER", builtin)
    window = make_window(builtin / "digits.h5")
    window.document.modified = True
    before = (builtin / "digits.h5").read_bytes()
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: asked.append(a) or ("", "")))
    window.action_set.save.trigger()
    assert asked, "Save on a built-in model asks where to save"
    assert (builtin / "digits.h5").read_bytes() == before


def test_geometry_and_settings_persist(qtbot, make_window, settings):
    window = make_window()
    window.training_dock.toggleViewAction().trigger()  # View ▸ Training off
    assert window.training_dock.isHidden()
    window.close()
    assert settings.value("geometry") is not None
    again = make_window()
    assert again.training_dock.isHidden() and not again.samples_dock.isHidden()


def test_uncaught_exceptions_become_one_line_messages(tmp_path, messages, monkeypatch):
    import logging
    import sys

    from app.errors import install_excepthook, setup_logging

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    log = setup_logging(tmp_path)
    install_excepthook(log)
    try:
        raise ValueError("the sky fell\nwith details")
    except ValueError:
        sys.excepthook(*sys.exc_info())
    assert messages.texts[-1].startswith("the sky fell\n\nThe details were written to")
    assert "Traceback" in log.read_text()
    logging.getLogger("charrec").handlers.clear()


def test_the_app_starts_with_the_default_model_and_quits(qtbot, tmp_path, monkeypatch,
                                                          tiny_model_path):
    import logging
    import sys

    from PySide6.QtCore import QSettings, QTimer

    import app.gui

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope,
                      str(tmp_path / "config"))
    monkeypatch.setattr(app.gui, "default_model_path", lambda: tiny_model_path)
    seen = []

    def look_and_quit():
        (window,) = [w for w in QApplication.topLevelWidgets()
                     if isinstance(w, MainWindow) and w.isVisible()]
        seen.append((window.classifier.name, window.data_dir))
        window.close()

    QTimer.singleShot(300, look_and_quit)
    try:
        assert app.gui.run_gui(["charrec"]) == 0
    finally:
        logging.getLogger("charrec").handlers.clear()
    ((name, data_dir),) = seen
    assert name == "shapes"
    assert data_dir == tmp_path / "data" / "charrec"
    assert (data_dir / "charrec.log").is_file()
    assert (tmp_path / "config" / "charrec" / "charrec.conf").is_file()


def test_long_sessions_do_not_run_out_of_references_to_none(qtbot):
    import sys

    from PySide6.QtWidgets import QLabel

    label = QLabel()
    qtbot.addWidget(label)
    calls = 2_000  # each would drop a reference to None with the PySide6 6.12 bug on 3.11
    before = sys.getrefcount(None)
    for i in range(calls):
        label.setText(str(i % 10))
    assert sys.getrefcount(None) > before - calls // 2


def test_digits_drawn_with_the_mouse_are_read_by_the_default_model(qtbot, make_window):
    """Drawings made through the real canvas widget, read by the shipped digits model."""
    from bench.canvas_digits import draw_digit
    from model.builtin import default_model_path

    window = make_window(default_model_path())
    rng = np.random.default_rng(31)
    for digit in "0123456789":
        window.action_set.clear.trigger()
        qtbot.waitUntil(window.prediction.showing_message, timeout=2000)
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
    qtbot.waitUntil(lambda: panel.best.text() in SHAPES, timeout=2000)
    assert panel.rows[0][0].styleSheet() == "" and window.isWindowModified()
    assert window.classifier.reject.threshold == 0
    window.action_set.clear.trigger()
    qtbot.waitUntil(panel.showing_message, timeout=2000)
    assert "Draw" in panel.message.text()  # a blank canvas stays "nothing drawn"


def test_samples_in_the_doubled_data_folder_of_earlier_versions_move_up(tmp_path, monkeypatch):
    from app.gui import data_folder

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    earlier = tmp_path / "charrec" / "charrec"
    earlier.mkdir(parents=True)
    (earlier / "samples.h5").write_bytes(b"the user's samples")
    assert data_folder() == tmp_path / "charrec"
    assert (tmp_path / "charrec" / "samples.h5").read_bytes() == b"the user's samples"
    assert not earlier.exists()
    assert data_folder() == tmp_path / "charrec"
