"""The main window: canvas and prediction in the middle, Samples and Training docks, menus.

Its actions live in :mod:`app.actions`, the open model in :class:`~app.model_document.ModelDocument`
(with its file dialogs and questions in :class:`~app.model_files.ModelFiles`) and the samples in
:class:`~app.samples_panel.SampleStore`; the window connects them.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from model.classifier import Classifier
from model.errors import first_line
from model.fit import forgetting_note, forgotten_labels
from model.labels import LabelError
from model.preprocess import EmptyGlyphError
from model.progress import History
from model.samples import SampleSetError

from .actions import WindowActions, icon
from .canvas import Canvas
from .errors import log, message_box, show_error
from .image_input import ImageInput
from .model_document import ModelDocument
from .model_files import ModelFiles
from .places import Places
from .prediction import PANEL_MAX_WIDTH, PredictionPanel
from .predictor import LivePredictor
from .samples_panel import SamplesPanel, SampleStore
from .text import plural, sentence
from .training_panel import TrainingPanel
from .widgets import LabelField, SquareBeside, SquareColumn, plain_label
from .worker import FinishedRun, TrainingJob, TrainingRunner

SAMPLES_FILE = "samples.h5"
STATUS_MS = 8000
STATUS_GAP = 40  # pixels between a status message and the sample counter
DEFAULT_SIZE = QSize(1100, 720)
MINIMUM_SIZE = QSize(860, 560)  # at least; more when the panels need it
DOCK_WIDTH = 410
CANVAS_MIN_SIDE = 300  # at the window's minimum size the docks give way before the canvas
DOCK_MIN_WIDTH = 300
NOTE_COLOUR = "#b26a00"


class MainWindow(QMainWindow):
    """The charrec desktop app.

    Parameters
    ----------
    data_dir : Path
        Where the user's samples (and the log) live; created if missing.
    settings : QSettings
        Window geometry, recent files and last folders.
    """

    def __init__(self, data_dir: Path, settings: QSettings):
        super().__init__()
        self.data_dir, self.settings = Path(data_dir), settings
        self.places = Places(settings)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.document = ModelDocument(self.places, self)
        self.files = ModelFiles(self, self.document, self.places, self.status,
                                lambda path: self.samples_panel.add_file(path))
        self.setWindowIcon(icon("charrec"))
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks
                            | QMainWindow.DockOption.AllowTabbedDocks)

        self.store = self._open_user_samples()
        self.canvas = Canvas()
        self.prediction = PredictionPanel()
        self.samples_panel = SamplesPanel(self.store, self.places)
        self.training_panel = TrainingPanel()
        self.runner = TrainingRunner(self)
        self.predictor = LivePredictor(self.canvas, self.prediction, self)
        self.predictor.thresholdChanged.connect(self.document.changed_in_place)
        self.label_edit = LabelField()
        self.add_button = QPushButton("Add as sample")
        self.canvas_note = plain_label()
        self.images = ImageInput(self.canvas, self.places, self)

        self.action_set = WindowActions(self)
        self._make_central()
        self._make_docks()
        self._make_menus()
        self._connect()
        # Small enough for a laptop screen, large enough that no panel is cut off.
        self.setMinimumSize(MINIMUM_SIZE.expandedTo(self.minimumSizeHint()))
        self._restore_window()
        self._model_changed()
        self.predictor.update_now()
        self._canvas_changed()

    @property
    def classifier(self) -> Classifier | None:
        return self.document.classifier

    @property
    def model_path(self) -> Path | None:
        return self.document.path

    # --- building ---------------------------------------------------------------------------

    def _make_central(self) -> None:
        self.canvas.setMinimumSize(CANVAS_MIN_SIDE, CANVAS_MIN_SIDE)
        self.add_button.setToolTip("Store the drawing with this label in your samples (Enter)")
        self.canvas_note.setWordWrap(True)
        self.canvas_note.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # Room for two lines whether or not there is a note: the column's height stays put.
        self.canvas_note.setFixedHeight(2 * self.canvas_note.fontMetrics().lineSpacing())
        self.canvas_note.setObjectName("canvasNote")
        footer = QWidget()
        column = QVBoxLayout(footer)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        row = QHBoxLayout()
        row.addWidget(self.label_edit, 1)
        row.addWidget(self.add_button)
        column.addLayout(row)
        column.addWidget(self.canvas_note)

        column = SquareColumn(self.action_set.canvas_toolbar(), self.canvas, footer)
        central = SquareBeside(column, self.prediction, PANEL_MAX_WIDTH)
        self.setCentralWidget(central)

    def _make_docks(self) -> None:
        self.samples_dock = self._dock("Samples", self.samples_panel)
        self.training_dock = self._dock("Training", self.training_panel)
        self.setTabPosition(Qt.DockWidgetArea.RightDockWidgetArea, QTabWidget.TabPosition.North)
        self.tabifyDockWidget(self.samples_dock, self.training_dock)
        self.samples_dock.raise_()

    def _dock(self, title: str, widget: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{title.lower()}Dock")
        dock.setWidget(widget)
        dock.setTitleBarWidget(QWidget())  # the dock tabs name them; View shows and hides them
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        widget.setMinimumWidth(max(DOCK_MIN_WIDTH, widget.minimumSizeHint().width()))
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        return dock

    def _make_menus(self) -> None:
        self.action_set.fill_menu_bar(
            self.menuBar(), self.samples_panel.file_actions,
            [self.samples_dock.toggleViewAction(), self.training_dock.toggleViewAction()])

        self.summary = QPushButton()
        self.summary.setFlat(True)
        self.summary.clicked.connect(lambda: (self.samples_dock.show(),
                                              self.samples_dock.raise_()))
        self.statusBar().addPermanentWidget(self.summary)

    def _connect(self) -> None:
        self.canvas.changed.connect(self._canvas_changed)
        self.images.shown.connect(self.predictor.update_now)
        self.images.message.connect(self.status)
        self.label_edit.returnPressed.connect(self.add_sample)
        self.label_edit.left.connect(self.canvas.setFocus)
        self.add_button.clicked.connect(self.add_sample)
        self.samples_panel.message.connect(self.status)
        self.store.changed.connect(self._update_summary)
        self.document.changed.connect(self._model_changed)
        self.training_panel.trainRequested.connect(self.start_training)
        self.training_panel.cancelRequested.connect(self.runner.cancel)
        self.training_panel.message.connect(self.status)
        self.runner.progressed.connect(self.training_panel.show_progress)
        self.runner.finished.connect(self._training_finished)
        self.runner.failed.connect(self._training_failed)
        self.runner.runningChanged.connect(self._running_changed)

    def _open_user_samples(self) -> SampleStore:
        """The user's sample set; a damaged file is moved aside (and kept), not fatal."""
        path = self.data_dir / SAMPLES_FILE
        try:
            return SampleStore(path, self)
        except SampleSetError as exc:
            kept = _unused(path.with_name(f"{path.stem}-damaged-"
                                          f"{time.strftime('%Y%m%d-%H%M%S')}.h5"))
            path.rename(kept)
            log.warning("moved a damaged sample set aside: %s (%s)", kept, exc)
            show_error(self, "Samples", f"Your sample file could not be read ({first_line(exc)})."
                       f"\n\nIt was kept as {kept} and a new, empty sample set was started.")
            return SampleStore(path, self)

    # --- window state -------------------------------------------------------------------------

    def _restore_window(self) -> None:
        geometry = self.settings.value("geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(DEFAULT_SIZE)
            self.resizeDocks([self.samples_dock], [DOCK_WIDTH], Qt.Orientation.Horizontal)
        state = self.settings.value("windowState")
        if state is not None:
            self.restoreState(state)

    def _save_window(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("windowState", self.saveState())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.runner.is_running():
            question = message_box(self, QMessageBox.Icon.Question, "Quit",
                                   "Training is still running. Stop it and quit?",
                                   QMessageBox.StandardButton.Yes
                                   | QMessageBox.StandardButton.Cancel)
            if question.exec() != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            self.runner.stop()
        self.samples_panel.reader.finish()  # an import being read is added, not lost
        if not self.files.settle_before_quitting():
            event.ignore()
            return
        self._save_window()
        event.accept()

    def status(self, text: str) -> None:
        """Show ``text`` for a while, shortened with "…" (whole in the tooltip) rather than
        running into the sample counter on the right."""
        bar = self.statusBar()
        # The bar spans the window (whose width is right even before the window first shows).
        room = max(60, self.width() - self.summary.sizeHint().width() - STATUS_GAP)
        shown = bar.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, room)
        bar.showMessage(shown, STATUS_MS)
        bar.setToolTip(text if shown != text else "")

    # --- the model ----------------------------------------------------------------------------

    def _model_changed(self) -> None:
        """The one place that shows which model is current (title, actions, panels)."""
        classifier = self.classifier
        name = classifier.name if classifier else "No model"
        # Qt shows "[*]" as the unsaved-changes mark and "[*][*]" as a literal "[*]"
        self.setWindowTitle(f"{name.replace('[*]', '[*][*]')}[*] — charrec")
        self.setWindowModified(self.document.has_unsaved_changes())
        self.action_set.save.setEnabled(classifier is not None)
        self.action_set.save_as.setEnabled(classifier is not None)
        self.predictor.set_classifier(classifier)
        self.training_panel.set_model(classifier.history if classifier else None)
        self._update_summary()

    def _update_summary(self) -> None:
        counts = self.store.samples.counts()
        samples = f"{plural(sum(counts.values()), 'sample')}, {plural(len(counts), 'label')}"
        classifier = self.classifier
        model = "no model"
        tip = "Show the samples"
        if classifier is not None:
            model = f"model knows {plural(len(classifier.labels), 'character')}"
            tip += (f"\n\nModel: {classifier.name}, {classifier.network.summary()}\n"
                    "Layers, input to output:\n" + "\n".join(classifier.network.layer_stack()))
        self.summary.setText(f"{samples} · {model}")
        self.summary.setToolTip(tip)

    # --- the canvas ---------------------------------------------------------------------------

    def _canvas_changed(self) -> None:
        """Undo/redo/clear availability, and a note on what the canvas holds besides strokes."""
        drawing = self.canvas.drawing
        self.action_set.undo.setEnabled(drawing.can_undo())
        self.action_set.redo.setEnabled(drawing.can_redo())
        self.action_set.clear.setEnabled(not self.canvas.is_blank())
        note, warning = self.images.note()
        self.canvas_note.setText(note)
        self.canvas_note.setStyleSheet(f"color: {NOTE_COLOUR};" if warning else "")

    # --- samples ------------------------------------------------------------------------------

    def focus_label(self) -> None:
        self.label_edit.setFocus()
        self.label_edit.selectAll()

    def add_sample(self) -> None:
        label = self.label_edit.text()
        image = self.canvas.image()
        if image is None:
            self.status("Draw a character first, then add it as a sample.")
            return
        try:
            self.store.add(image, label)
        except EmptyGlyphError:
            self.status("The drawing is blank: there is nothing to add.")
            return
        except LabelError as exc:  # the sample set's SampleLabelError
            self.label_edit.flag(first_line(exc))
            self.status(f"Not added: {first_line(exc)}.")
            return
        except SampleSetError as exc:  # the file: busy, replaced meanwhile, not writable
            self.status(f"Not added: {first_line(exc)}.")
            return
        label = self.store.samples.labels()[-1]
        counts = self.store.samples.counts()
        self.canvas.clear()
        self.label_edit.selectAll()  # Enter adds the next drawing with the same label
        self.status(f"Added a sample of “{label}”: {counts[label]} of “{label}”, "
                    f"{plural(sum(counts.values()), 'sample')} in all.")

    # --- training -----------------------------------------------------------------------------

    def start_training(self, continue_current: bool = False) -> None:
        form = self.training_panel.form
        if self.runner.is_running():
            return
        if not form.check(continue_current):  # e.g. Ctrl+T, Training tab hidden: say why not
            self.training_dock.show()
            self.training_dock.raise_()
            self.status(f"Not trained: {form.error.text()}")
            return
        init = self.classifier if continue_current else None
        samples = self.store.samples
        if init is None and not self.files.maybe_save():  # the new model will replace it
            return
        if (init is not None and len(samples)
                and not self._train_without(forgotten_labels(init, samples.labels()))):
            return
        job = TrainingJob(np.array(samples.images()), samples.labels(),
                          form.model_settings(continue_current), form.training_config(), init,
                          init.name if init is not None else "untitled",
                          keep_best=form.keeps_best())
        self.training_dock.show()
        self.training_dock.raise_()
        self.training_panel.start_run(init.history if init is not None else History(),
                                      job.config.epochs or 0)
        self.runner.start(job)
        self.status(f"Training on {plural(len(samples), 'sample')} of "
                    f"{plural(len(samples.counts()), 'label')}…")

    def _train_without(self, forgotten: list[str]) -> bool:
        """Whether to continue training although the samples hold none of the ``forgotten``
        labels (asked only when there are such labels)."""
        if not forgotten:
            return True
        question = message_box(self, QMessageBox.Icon.Warning, "Continue training",
                               f"{sentence(forgetting_note(forgotten))}.\n\nTrain anyway?",
                               QMessageBox.StandardButton.Yes
                               | QMessageBox.StandardButton.Cancel)
        question.setDefaultButton(QMessageBox.StandardButton.Cancel)
        question.button(QMessageBox.StandardButton.Yes).setText("Train anyway")
        if question.exec() == QMessageBox.StandardButton.Yes:
            return True
        self.status("Not trained: add samples of the labels the model would forget.")
        return False

    def _running_changed(self, running: bool) -> None:
        self.training_panel.set_running(running)
        self.action_set.while_training(running)

    def _training_finished(self, run: FinishedRun) -> None:
        if run.kept:
            path = self.model_path if run.job.init is not None else None
            self.document.set(run.outcome.classifier, path, modified=True)
        else:
            self._model_changed()
        self.training_panel.show_outcome(run)

    def _training_failed(self, message: str) -> None:
        self._model_changed()
        self.training_panel.show_failure(message)
        show_error(self, "Training failed", sentence(message))


def _unused(path: Path) -> Path:
    """``path``, or the first of NAME-2.EXT, NAME-3.EXT, … that does not exist yet."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate
