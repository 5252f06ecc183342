"""Training from the app: the form, progress, cancel, continue, errors, results and the worker."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QLineEdit, QMessageBox

from app.training_panel import TrainingPanel
from app.worker import FinishedRun, TrainingJob
from model.fit import ModelSettings, fit_and_validate
from model.progress import History, Progress
from model.strokes import Stroke, render_strokes
from model.train import TrainingConfig
from tests.glyphs import STROKE_SHAPES as SHAPES
from tests.glyphs import shape_images
from tests.gui_helpers import (
    TRAIN_TIMEOUT_MS,
    WAIT_MS,
    add_drawn_samples,
    draw_shape,
    fill_samples,
    prediction,
    quick_settings,
)


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
    qtbot.waitUntil(lambda: not panel.cancel_button.isEnabled(), timeout=WAIT_MS)
    assert panel.continue_button.isEnabled()
    window.action_set.clear.trigger()
    for label in SHAPES:
        draw_shape(window.canvas, label, seed=99)
        assert prediction(qtbot, window) == label
        window.action_set.clear.trigger()
        qtbot.waitUntil(window.prediction.showing_message, timeout=WAIT_MS)


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


def test_continuing_without_samples_of_some_labels_asks_first(qtbot, window, messages):
    images, labels = shape_images(4, seed=0)
    kept = labels[0]
    window.store.samples.add_many([im for im, label in zip(images, labels, strict=True)
                                   if label == kept], [kept] * 4)
    strokes = [render_strokes([Stroke([(60, 60), (220, 220)], 16)])] * 4
    window.store.samples.add_many(strokes, ["\\"] * 4)
    window.store.changed.emit()
    quick_settings(window, epochs=2)
    before = window.classifier
    forgotten = [label for label in before.labels if label != kept]
    messages.answer = QMessageBox.StandardButton.Cancel
    window.training_panel.continue_button.click()
    assert messages.boxes[-1][0] == "Continue training"
    text = messages.texts[-1]
    assert f"labels {', '.join(map(repr, forgotten))}:" in text and "forget" in text
    assert not window.runner.is_running() and window.classifier is before
    messages.answer = QMessageBox.StandardButton.Yes
    with qtbot.waitSignal(window.runner.finished, timeout=TRAIN_TIMEOUT_MS):
        window.training_panel.continue_button.click()
    assert window.classifier.labels == [*before.labels, "\\"]


def test_progress_says_how_long_the_run_may_still_take_at_most(qtbot, window, monkeypatch):
    panel = window.training_panel
    now = [100.0]
    monkeypatch.setattr("app.training_panel.time.monotonic", lambda: now[0])
    panel.start_run(History(), 10)

    def report(seconds: float, epoch: int) -> str:
        now[0] = seconds
        panel.show_progress(Progress(epoch=epoch, epochs=10, batch=5, batches=5, loss=0.5,
                                     accuracy=0.9, samples_per_second=100.0, epoch_done=True))
        return panel.status.text()

    # The first report comes after 20 s of preparing the samples: no rate to go by yet.
    assert "left" not in report(120.0, 1)
    # Then 3 epochs in 30 s; 6 more to go. Early stopping may end the run before that.
    assert report(150.0, 4).endswith("· at most 1 min 00 s left")


def finished_run(config: TrainingConfig) -> FinishedRun:
    """A real run of a small network on the shapes (4 of each), as the worker reports it."""
    images, labels = shape_images(4, seed=0)
    settings = ModelSettings(hidden=(8,))
    outcome = fit_and_validate(np.stack([np.asarray(im) for im in images]), labels, settings,
                               config)
    return FinishedRun(TrainingJob(np.zeros((1, 2, 2)), labels, settings, config), outcome)


def test_an_early_stop_ends_the_bar_and_the_time_is_the_whole_wait(qtbot, window, monkeypatch):
    run = finished_run(TrainingConfig(epochs=500, early_stopping=1))
    assert run.outcome.result.stopped == "early stopping"
    panel, now = window.training_panel, [100.0]
    monkeypatch.setattr("app.training_panel.time.monotonic", lambda: now[0])
    panel.start_run(History(), 500)
    now[0] = 112.0  # preparing the samples and calibrating count too, not only the epochs
    panel.show_outcome(run)
    assert panel.progress.value() == panel.progress.maximum()
    assert " in 12 s." in panel.status.text()


def test_a_long_result_stays_on_one_line_and_the_results_do_not_move(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.resize(400, 700)  # the width of the dock beside the canvas
    panel.show()
    qtbot.waitExposed(panel)
    tabs_top, height = panel.tabs.y(), panel.status.height()
    panel.start_run(History(), 5)
    panel.show_outcome(finished_run(TrainingConfig(epochs=5, validation_split=0.25)))
    text = panel.status.text()
    assert "too few held-out samples to estimate accuracy (" in text
    qtbot.wait(1)  # the layout settles
    assert (panel.tabs.y(), panel.status.height()) == (tabs_top, height)
    shown = panel.status.shown_text()
    assert shown.startswith("Finished after 5 epochs in ") and shown.endswith("…")
    assert panel.status.fontMetrics().horizontalAdvance(shown) <= panel.status.width()
    assert text in panel.status.toolTip()  # the whole message, a hover away


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
    status = window.training_panel.status.text()
    assert status.startswith("Cancelled after ")
    # what became of the model comes before the figures, which a narrow panel cuts first
    assert status.index("The previous model was kept.") < status.index("Validation:")


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
    assert not panel.train_button.isEnabled()
    assert form.error.isVisibleTo(form) and "Hidden layers" in form.error.text()
    window.action_set.train.trigger()  # Ctrl+T trains a new model: it says why it does not
    assert not window.runner.is_running()
    assert window.statusBar().currentMessage().startswith("Not trained: Hidden layers: whole")
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


def retype(field: QLineEdit, text: str) -> None:
    """Replace what ``field`` holds by typing, as a user does."""
    field.selectAll()
    QTest.keyClick(field, Qt.Key.Key_Backspace)
    QTest.keyClicks(field, text)


def test_continuing_needs_only_the_training_fields(qtbot):
    """The model keeps its network when training continues: a wrong network field stops
    Train new model, not Continue training; a wrong training field stops both."""
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    form = panel.form
    panel.set_model(History())  # a model is open
    for field, text in ((form.hidden, "8,,16"), (form.conv, "abc")):
        retype(field, text)
        assert field.property("invalid") is True and form.error.isVisibleTo(form)
        assert not panel.train_button.isEnabled() and panel.continue_button.isEnabled()
    assert "Hidden layers" in form.error.text() and "Conv blocks" in form.error.text()
    with pytest.raises(ValueError, match="whole numbers"):
        form.model_settings()
    # what continuing takes from the form: the augmentation, never the network fields
    assert form.model_settings(continuing=True) == ModelSettings(augment=True)
    assert form.check(continuing=True) and not form.check()
    with qtbot.waitSignal(panel.trainRequested) as request:
        QTest.mouseClick(panel.continue_button, Qt.MouseButton.LeftButton)
    assert request.args == [True]
    retype(form.learning_rate, "fast")
    assert not panel.continue_button.isEnabled() and not form.check(continuing=True)
    assert "Learning rate must be a number" in form.error.text()
    retype(form.learning_rate, "0.01")
    assert panel.continue_button.isEnabled() and not panel.train_button.isEnabled()
    retype(form.hidden, "16")
    retype(form.conv, "")
    assert panel.train_button.isEnabled() and form.error.isHidden()
    panel.set_model(None)
    assert not panel.continue_button.isEnabled()


def test_continue_training_ignores_a_wrong_network_field(qtbot, window):
    """The window, too, reads only the training fields when it continues."""
    fill_samples(window, 4)
    quick_settings(window, epochs=3)
    retype(window.training_panel.form.hidden, "8,,16")
    before = window.classifier
    with qtbot.waitSignal(window.runner.finished, timeout=TRAIN_TIMEOUT_MS):
        QTest.mouseClick(window.training_panel.continue_button, Qt.MouseButton.LeftButton)
    assert len(window.classifier.history) == len(before.history) + 3


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
    worker.done.connect(outcomes.append)
    worker.run()  # in this thread: signals arrive directly
    (run,) = outcomes
    assert run.job is job and run.kept
    outcome = run.outcome
    assert sum(r.epoch_done for r in reports) == 4
    seconds = outcome.result.seconds
    assert len(reports) - 4 <= seconds * REPORTS_PER_SECOND + 4 < 4 * 24  # 24 batches an epoch
    assert outcome.evaluation.n == len(outcome.result.validation_indices) == 6


def test_the_misclassified_tab_says_why_it_is_empty_and_a_new_model_clears_the_status(
        qtbot, window, tiny_model_path):
    from app.results import NOT_HELD_OUT, MistakesView

    panel = window.training_panel
    assert panel.mistakes.placeholder == MistakesView.EMPTY
    fill_samples(window, 4)  # 12 samples: too few to hold any out
    quick_settings(window, epochs=2)
    with qtbot.waitSignal(window.runner.finished, timeout=TRAIN_TIMEOUT_MS):
        panel.train_button.click()
    assert panel.mistakes.count() == 0 and panel.mistakes.placeholder == NOT_HELD_OUT
    panel.tabs.setCurrentWidget(panel.mistakes)
    shown = panel.mistakes.viewport().grab().toImage()
    assert any(shown.pixelColor(x, y).lightness() < 200 for y in range(0, shown.height(), 2)
               for x in range(0, shown.width(), 2))  # the text is painted, not only kept
    assert panel.status.text().startswith("Finished") and panel.progress.value() > 0

    window.document.modified = False
    assert window.files.open_file(tiny_model_path)  # another model: the run was not its own
    assert panel.status.text() == "Not training." and panel.progress.value() == 0
    assert panel.mistakes.placeholder == MistakesView.EMPTY
