"""The main window: canvas and prediction in the middle, Samples and Training docks, menus."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QSettings, QSize, Qt, QUrl
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QGuiApplication,
    QIcon,
    QImage,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QToolBar,
    QToolButton,
    QWidget,
)

from model import __version__
from model.builtin import BUILTIN_FOLDER, BUILTIN_NAMES, builtin_path
from model.classifier import Classifier
from model.errors import first_line
from model.fit import FitOutcome
from model.modelfile import ModelFileError, load_model, save_model
from model.preprocess import EmptyGlyphError, ImageError, load_image
from model.samples import SampleSetError
from model.train import History

from .canvas import Canvas
from .errors import log, message_box, show_error
from .places import Places
from .prediction import PredictionPanel
from .predictor import LivePredictor
from .qtimages import pil_from_qimage
from .samples_panel import SamplesPanel, SampleStore
from .training_panel import TrainingPanel
from .widgets import SquareColumn, menu_text, plain_tip, plural
from .worker import TrainingJob, TrainingRunner

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SAMPLES_FILE = "samples.h5"
STATUS_MS = 8000
DEFAULT_SIZE = QSize(1100, 720)
DOCK_WIDTH = 410
PEN_WIDTHS = {"Thin": 8.0, "Medium": 16.0, "Thick": 24.0, "Very thick": 34.0}
MODEL_FILTER = "charrec models (*.h5);;All files (*)"
IMAGE_FILTER = ("Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp *.pbm *.pgm *.ppm);;"
                "All files (*)")
LABEL_TIP = ("The character the drawing shows: any text up to 32 characters. Enter adds the "
             "drawing as a sample.")
SHORTCUTS = """\
Ctrl+N\tNew model
Ctrl+O\tOpen model
Ctrl+S\tSave model
Ctrl+Shift+S\tSave model as
Ctrl+I\tOpen image
Ctrl+V\tPaste an image
Ctrl+Z\tUndo the last stroke
Ctrl+Y, Ctrl+Shift+Z\tRedo
Del, Esc\tClear the canvas
Enter (in the label field)\tAdd the drawing as a sample
Ctrl+L\tGo to the label field
B, E\tPen, eraser
Ctrl+T\tTrain a new model
Ctrl+Q\tQuit"""


def icon(name: str) -> QIcon:
    return QIcon(str(ICONS / f"{name}.svg"))


def is_builtin(path: Path) -> bool:
    return path.resolve().parent == BUILTIN_FOLDER.resolve()


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
        self.classifier: Classifier | None = None
        self.model_path: Path | None = None
        self._continuing = False
        self._keep_best = True
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
        self.predictor.thresholdChanged.connect(lambda: self.setWindowModified(True))
        self.label_edit = QLineEdit()
        self.add_button = QPushButton("Add as sample")

        self._make_actions()
        self._make_central()
        self._make_docks()
        self._make_menus()
        self._connect()
        self._restore_window()
        self._update_model_state()
        self.predictor.update_now()
        self._update_edit_actions()

    # --- building ---------------------------------------------------------------------------

    def _action(self, text: str, slot, shortcut=None, tip: str = "",
                icon_name: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        if icon_name:
            action.setIcon(icon(icon_name))
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _make_actions(self) -> None:
        key = QKeySequence.StandardKey
        a = self._action
        self.new_action = a("&New model", self.new_model, key.New,
                            "Start without a model (your samples stay)")
        self.open_action = a("&Open model…", self.open_model, key.Open, "Open a model file")
        self.save_action = a("&Save model", self.save_model, key.Save, "Save the model")
        self.save_as_action = a("Save model &as…", self.save_model_as, key.SaveAs,
                                "Save the model to a new file")
        self.open_image_action = a("Open &image…", self.open_image, "Ctrl+I",
                                   "Classify an image file", "image")
        self.quit_action = a("&Quit", self.close, key.Quit, "Quit charrec")
        self.undo_action = a("&Undo", self.canvas.undo, key.Undo, "Undo the last stroke", "undo")
        self.redo_action = a("&Redo", self.canvas.redo, ["Ctrl+Y", "Ctrl+Shift+Z"],
                             "Redo the stroke", "redo")
        self.clear_action = a("&Clear", self.canvas.clear, ["Del", "Esc"],
                              "Clear the canvas", "clear")
        self.paste_action = a("&Paste image", self.paste_image, key.Paste,
                              "Classify the image on the clipboard", "paste")
        self.label_action = a("Go to &label", self.focus_label, "Ctrl+L",
                              "Type the label for the next sample")
        self.train_action = a("&Train new model", lambda: self.start_training(False), "Ctrl+T",
                              "Train a new model on your samples")
        self.pen_action = a("&Pen", lambda: self.canvas.set_eraser(False), "B", "Draw", "pen")
        self.eraser_action = a("&Eraser", lambda: self.canvas.set_eraser(True), "E", "Erase",
                               "eraser")
        tools = QActionGroup(self)
        for action in (self.pen_action, self.eraser_action):
            action.setCheckable(True)
            tools.addAction(action)
        self.pen_action.setChecked(True)
        self.pen_widths = QActionGroup(self)
        for name, width in PEN_WIDTHS.items():
            action = QAction(name, self)
            action.setCheckable(True)
            action.setData(width)
            action.setChecked(width == self.canvas.pen_width)
            action.triggered.connect(lambda _=False, w=width: self.canvas.set_pen_width(w))
            self.pen_widths.addAction(action)
        self.shortcuts_action = a("&Keyboard shortcuts", self.show_shortcuts, key.HelpContents)
        self.about_action = a("&About charrec", self.show_about)
        self._model_actions = [self.new_action, self.open_action]

    def _make_central(self) -> None:
        tools = QToolBar("Canvas tools")
        tools.setIconSize(QSize(20, 20))
        tools.addActions([self.pen_action, self.eraser_action])
        width_button = QToolButton()
        width_button.setIcon(icon("width"))
        width_button.setToolTip("Pen width")
        width_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.width_menu = QMenu("Pen &width", self)
        self.width_menu.addActions(self.pen_widths.actions())
        width_button.setMenu(self.width_menu)
        tools.addWidget(width_button)
        tools.addSeparator()
        tools.addActions([self.undo_action, self.redo_action, self.clear_action])
        tools.addSeparator()
        tools.addActions([self.open_image_action, self.paste_action])

        self.label_edit.setPlaceholderText("Label, e.g. a")
        self.label_edit.setToolTip(LABEL_TIP)
        self.label_edit.setMaxLength(32)
        self.label_edit.setClearButtonEnabled(True)
        self.add_button.setToolTip("Store the drawing with this label in your samples (Enter)")
        add_row = QWidget()
        row = QHBoxLayout(add_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label_edit, 1)
        row.addWidget(self.add_button)

        line = QFrame()
        line.setFrameShape(QFrame.Shape.VLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(10, 8, 4, 10)
        layout.setSpacing(8)
        layout.addWidget(SquareColumn(tools, self.canvas, add_row), 1)
        layout.addWidget(line)
        layout.addWidget(self.prediction)
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
        widget.setMinimumWidth(360)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        return dock

    def _make_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        file.addActions([self.new_action, self.open_action])
        self.builtin_menu = file.addMenu("Open &built-in model")
        for path in (builtin_path(name) for name in BUILTIN_NAMES):
            if path.is_file():
                action = self.builtin_menu.addAction(path.stem.capitalize())
                action.setStatusTip(f"Open the built-in model {path.name}")
                action.triggered.connect(lambda _=False, p=path: self.open_model_path(p))
        if not self.builtin_menu.actions():
            self.builtin_menu.addAction("No built-in models installed").setEnabled(False)
        file.addActions([self.save_action, self.save_as_action])
        file.addSeparator()
        file.addAction(self.open_image_action)
        file.addActions(self.samples_panel.file_actions)
        file.addSeparator()
        self.recent_menu = file.addMenu("&Recent files")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file.addSeparator()
        file.addAction(self.quit_action)

        edit = bar.addMenu("&Edit")
        edit.addActions([self.undo_action, self.redo_action, self.clear_action])
        edit.addSeparator()
        edit.addActions([self.paste_action, self.pen_action, self.eraser_action])
        edit.addSeparator()
        edit.addActions([self.label_action, self.train_action])

        view = bar.addMenu("&View")
        view.addAction(self.samples_dock.toggleViewAction())
        view.addAction(self.training_dock.toggleViewAction())
        view.addSeparator()
        view.addMenu(self.width_menu)

        help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.shortcuts_action, self.about_action])
        self._model_actions.append(self.builtin_menu.menuAction())
        self._model_actions.append(self.recent_menu.menuAction())

        self.summary = QPushButton()
        self.summary.setFlat(True)
        self.summary.setToolTip("Show the samples")
        self.summary.clicked.connect(lambda: (self.samples_dock.show(),
                                              self.samples_dock.raise_()))
        self.statusBar().addPermanentWidget(self.summary)

    def _connect(self) -> None:
        self.canvas.changed.connect(self._update_edit_actions)
        self.canvas.fileDropped.connect(self.open_image_file)
        self.canvas.imageDropped.connect(self._show_qimage)
        self.label_edit.returnPressed.connect(self.add_sample)
        self.label_edit.textChanged.connect(lambda: self._flag_label(""))
        self.add_button.clicked.connect(self.add_sample)
        self.samples_panel.message.connect(self.status)
        self.store.changed.connect(self._update_summary)
        self.training_panel.trainRequested.connect(self.start_training)
        self.training_panel.cancelRequested.connect(self.runner.cancel)
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
            kept = path.with_name(f"{path.stem}-damaged-{time.strftime('%Y%m%d-%H%M%S')}.h5")
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
        if not self.maybe_save():
            event.ignore()
            return
        self._save_window()
        event.accept()

    def status(self, text: str) -> None:
        self.statusBar().showMessage(text, STATUS_MS)

    # --- the model ----------------------------------------------------------------------------

    def _update_model_state(self) -> None:
        name = self.classifier.name if self.classifier is not None else "No model"
        self.setWindowTitle(f"{name}[*] — charrec")
        has_model = self.classifier is not None
        self.save_action.setEnabled(has_model)
        self.save_as_action.setEnabled(has_model)
        self._update_summary()

    def _update_summary(self) -> None:
        counts = self.store.samples.counts()
        samples = f"{plural(sum(counts.values()), 'sample')}, {plural(len(counts), 'label')}"
        model = "no model"
        if self.classifier is not None:
            model = f"model: {plural(len(self.classifier.labels), 'class', 'classes')}"
        self.summary.setText(f"{samples} · {model}")

    def _set_classifier(self, classifier: Classifier | None, path: Path | None,
                        modified: bool) -> None:
        self.classifier, self.model_path = classifier, path
        self.setWindowModified(modified)
        self._update_model_state()
        self.predictor.set_classifier(classifier)

    def maybe_save(self) -> bool:
        """Ask about unsaved changes; False if the user cancels (or saving fails)."""
        if not self.isWindowModified() or self.classifier is None:
            return True
        question = message_box(self, QMessageBox.Icon.Question, "Unsaved model",
                               f"The model '{self.classifier.name}' has unsaved changes. "
                               "Save it?",
                               QMessageBox.StandardButton.Save
                               | QMessageBox.StandardButton.Discard
                               | QMessageBox.StandardButton.Cancel)
        question.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = question.exec()
        if answer == QMessageBox.StandardButton.Save:
            return self.save_model()
        return answer == QMessageBox.StandardButton.Discard

    def new_model(self) -> None:
        if self.maybe_save():
            self._set_classifier(None, None, False)
            self.training_panel.set_model(None)
            self.status("No model: add samples and train one, or open a model.")

    def open_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open model", self.places.folder("models"),
                                              MODEL_FILTER)
        if path:
            self.open_model_path(Path(path))

    def open_model_path(self, path: Path) -> None:
        if self.maybe_save():
            self.open_model_file(path)

    def open_model_file(self, path: Path) -> bool:
        """Load ``path`` as the current model (no questions asked); False with a message."""
        path = Path(path)
        try:
            classifier = load_model(path)
        except ModelFileError as exc:
            show_error(self, "Cannot open model", first_line(exc))
            self.status(f"Could not open {path.name}.")
            return False
        self._set_classifier(classifier, path, False)
        self.training_panel.set_model(classifier.history)
        self._remember_model(path)
        labels = classifier.labels
        shown = " ".join(labels[:12]) + (" …" if len(labels) > 12 else "")
        self.status(f"Opened {path.name}: {len(labels)} classes ({shown}), "
                    f"{classifier.network.summary()}.")
        return True

    def save_model(self) -> bool:
        if self.classifier is None:
            return False
        if self.model_path is None or is_builtin(self.model_path):
            return self.save_model_as()
        return self._write_model(self.model_path)

    def save_model_as(self) -> bool:
        if self.classifier is None:
            return False
        suggested = str(Path(self.places.folder("models")) / f"{self.classifier.name}.h5")
        chosen, _ = QFileDialog.getSaveFileName(self, "Save model as", suggested, MODEL_FILTER)
        if not chosen:
            return False
        path = Path(chosen)
        if not path.suffix:
            path = path.with_suffix(".h5")
        if is_builtin(path):
            show_error(self, "Cannot save here",
                       "Built-in models are never overwritten: choose another folder.")
            return False
        self.classifier.name = path.stem
        return self._write_model(path)

    def _write_model(self, path: Path) -> bool:
        try:
            save_model(self.classifier, path)
        except OSError as exc:
            show_error(self, "Cannot save model", f"Cannot write {path}: {first_line(exc)}")
            return False
        self.model_path = path
        self.setWindowModified(False)
        self._update_model_state()
        self._remember_model(path)
        self.status(f"Saved the model to {path}.")
        return True

    # --- recent files -------------------------------------------------------------

    def _remember_model(self, path: Path) -> None:
        self.places.remember(path, "models")
        if not is_builtin(path):
            self.places.add_recent(path)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for text in self.places.recent_files():
            action = self.recent_menu.addAction(menu_text(Path(text).name))
            action.setStatusTip(text)
            action.triggered.connect(lambda _=False, p=Path(text): self.open_model_path(p))
        if not self.recent_menu.actions():
            self.recent_menu.addAction("No recent files").setEnabled(False)

    # --- images -------------------------------------------------------------------------------

    def open_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open image", self.places.folder("images"),
                                              IMAGE_FILTER)
        if path:
            self.open_image_file(path)

    def open_image_file(self, path: str | Path) -> None:
        path = Path(path)
        try:
            image = load_image(path)
        except ImageError as exc:
            show_error(self, "Cannot open image", first_line(exc))
            self.status(f"Could not open {path.name}.")
            return
        self.places.remember(path, "images")
        self._show_image(image, f"{path.name} ({image.width}×{image.height})")

    def paste_image(self) -> None:
        mime = QGuiApplication.clipboard().mimeData()
        files = [QUrl(url).toLocalFile() for url in mime.urls() if url.isLocalFile()]
        if mime.hasImage():
            self._show_qimage(QImage(mime.imageData()))
        elif files:
            self.open_image_file(files[0])
        else:
            self.status("The clipboard holds no image.")

    def _show_qimage(self, image: QImage) -> None:
        if image.isNull():
            self.status("The image could not be read.")
            return
        self._show_image(pil_from_qimage(image), f"the pasted image ({image.width()}×"
                                                 f"{image.height()})")

    def _show_image(self, image: Image.Image, what: str) -> None:
        self.canvas.set_image(image)
        self.predictor.update_now()
        self.status(f"Showing {what}.")

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
        except SampleSetError as exc:
            self._flag_label(first_line(exc))
            self.status(f"Not added: {first_line(exc)}.")
            return
        label = self.store.samples.labels()[-1]
        counts = self.store.samples.counts()
        self.canvas.clear()
        self.label_edit.selectAll()  # Enter adds the next drawing with the same label
        self.status(f"Added a sample of “{label}”: {counts[label]} of “{label}”, "
                    f"{sum(counts.values())} samples in all.")

    def _flag_label(self, problem: str) -> None:
        self.label_edit.setStyleSheet("border: 1px solid #d93025;" if problem else "")
        self.label_edit.setToolTip(plain_tip(problem) if problem else LABEL_TIP)

    # --- training -----------------------------------------------------------------------------

    def start_training(self, continue_current: bool = False) -> None:
        form = self.training_panel.form
        if self.runner.is_running() or not form.check():
            return
        init = self.classifier if continue_current else None
        samples = self.store.samples
        job = TrainingJob(np.array(samples.images()), samples.labels(), form.model_settings(),
                          form.training_config(), init,
                          init.name if init is not None else "untitled")
        self._continuing = init is not None
        self._keep_best = form.keep_best.isChecked()
        self.training_dock.show()
        self.training_dock.raise_()
        self.training_panel.start_run(init.history if init is not None else History(),
                                      job.config.epochs or 0)
        self.runner.start(job)
        self.status(f"Training on {plural(len(samples), 'sample')} of "
                    f"{plural(len(samples.counts()), 'label')}…")

    def _running_changed(self, running: bool) -> None:
        self.training_panel.set_running(running)
        self.train_action.setEnabled(not running)
        for action in self._model_actions:
            action.setEnabled(not running)

    def _training_finished(self, outcome: FitOutcome) -> None:
        cancelled = outcome.result.stopped == "cancelled"
        kept = not cancelled or (self._keep_best and outcome.new_epochs > 0)
        if kept:
            path = self.model_path if self._continuing else None
            self._set_classifier(outcome.classifier, path, True)
        self.training_panel.set_model(self.classifier.history if self.classifier else None)
        self.training_panel.show_outcome(outcome, kept)
        self.status(self.training_panel.status.text())

    def _training_failed(self, message: str) -> None:
        self.training_panel.set_model(self.classifier.history if self.classifier else None)
        self.training_panel.show_failure(message)
        self.status(f"Training failed: {message}")
        show_error(self, "Training failed", message)

    # --- help ---------------------------------------------------------------------------------

    def show_shortcuts(self) -> None:
        message_box(self, QMessageBox.Icon.Information, "Keyboard shortcuts", SHORTCUTS).exec()

    def show_about(self) -> None:
        message_box(self, QMessageBox.Icon.Information, "About charrec",
                    f"charrec {__version__}\n\nDraw a character and a backpropagation neural "
                    "network, written from scratch in numpy, tells you which one it is. Train "
                    "it on your own handwriting.\n\nNetworks: static (feed-forward) and "
                    "recurrent (fixed-point) backpropagation.").exec()

    def _update_edit_actions(self) -> None:
        drawing = self.canvas.drawing
        self.undo_action.setEnabled(drawing.can_undo())
        self.redo_action.setEnabled(drawing.can_redo())
        self.clear_action.setEnabled(not self.canvas.is_blank())
