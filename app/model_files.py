"""The questions around the model file: open and save dialogs, and unsaved changes.

:class:`ModelFiles` asks them for the main window and carries out the answers through the
window's :class:`~app.model_document.ModelDocument`; the File menu and the window's close event
call it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from model.classifier import Classifier
from model.errors import first_line
from model.fileformat import SAMPLES_FORMAT, has_format
from model.modelfile import ModelFileError

from .errors import message_box, show_error
from .model_document import ModelDocument
from .places import Places
from .text import plural

MODEL_FILTER = "charrec models (*.h5);;All files (*)"
NOT_QUITTING = ("charrec is still open so that the model is not lost: save it in another "
                "folder, or quit and choose Discard.")


class ModelFiles:
    """New, open, save and save-as of the model, with the questions they need.

    Parameters
    ----------
    window : QWidget
        Parent of the dialogs and messages.
    document : ModelDocument
        The open model.
    places : Places
        The folders the dialogs start in.
    status : callable
        ``status(text)`` shows what happened in the window's status bar.
    add_samples : callable
        ``add_samples(path)`` adds the samples of a sample-set file to the user's samples; it
        is offered when a sample set is opened as a model.
    """

    def __init__(self, window: QWidget, document: ModelDocument, places: Places,
                 status: Callable[[str], None], add_samples: Callable[[Path], None]):
        self.window, self.document, self.places, self.status = window, document, places, status
        self.add_samples = add_samples
        self._quitting = False

    @property
    def classifier(self) -> Classifier | None:
        return self.document.classifier

    def maybe_save(self) -> bool:
        """Ask about unsaved changes; False if the user cancels (or saving fails)."""
        if not self.document.has_unsaved_changes():
            return True
        question = message_box(self.window, QMessageBox.Icon.Question, "Unsaved model",
                               f"The model '{self.classifier.name}' has unsaved changes. "
                               "Save it?",
                               QMessageBox.StandardButton.Save
                               | QMessageBox.StandardButton.Discard
                               | QMessageBox.StandardButton.Cancel)
        question.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = question.exec()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def settle_before_quitting(self) -> bool:
        """:meth:`maybe_save` for quitting: a save that fails or is cancelled also says that
        charrec stays open, and why."""
        self._quitting = True
        try:
            return self.maybe_save()
        finally:
            self._quitting = False

    def new(self) -> None:
        if self.maybe_save():
            self.document.set(None)
            self.status("No model: add samples and train one, or open a model.")

    def open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open model",
                                              self.places.folder("models"), MODEL_FILTER)
        if path:
            self.open_path(Path(path))

    def open_path(self, path: Path) -> None:
        """Open ``path`` as the model after asking about unsaved changes; a sample set is
        offered to be added to the samples instead (the current model stays)."""
        if has_format(path, SAMPLES_FORMAT):
            self._offer_samples(path)
        elif self.maybe_save():
            self.open_file(path)

    def _offer_samples(self, path: Path) -> None:
        question = message_box(self.window, QMessageBox.Icon.Question, "Open model",
                               f"{path.name} is a sample set, not a model. Add its samples to "
                               "your samples? Then train a model on them in the Training "
                               "panel.",
                               QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
        question.button(QMessageBox.StandardButton.Yes).setText("Add samples")
        if question.exec() == QMessageBox.StandardButton.Yes:
            self.add_samples(path)
        else:
            self.status(f"{path.name} was not opened: it is a sample set, not a model.")

    def open_file(self, path: Path) -> bool:
        """Load ``path`` as the current model (no questions asked); False with a message."""
        path = Path(path)
        try:
            classifier = self.document.open(path)
        except ModelFileError as exc:
            show_error(self.window, "Cannot open model", first_line(exc))
            self.status(f"Could not open {path.name}.")
            return False
        labels = classifier.labels
        shown = " ".join(labels[:12]) + (" …" if len(labels) > 12 else "")
        self.status(f"Opened {path.name}: it knows {plural(len(labels), 'character')} "
                    f"({shown}).")
        return True

    def save(self) -> bool:
        if self.classifier is None:
            return False
        if self.document.needs_new_file():
            return self.save_as()
        return self._write(self.document.path)

    def save_as(self) -> bool:
        if self.classifier is None:
            return False
        chosen, _ = QFileDialog.getSaveFileName(self.window, "Save model as",
                                                str(self.document.suggested_path()),
                                                MODEL_FILTER)
        if not chosen:
            if self._quitting:
                self.status("Not quitting: the model is not saved yet.")
            return False
        return self._write(Path(chosen))

    def _write(self, path: Path) -> bool:
        try:
            path = self.document.save(path)
        except OSError as exc:
            text = f"Cannot save the model to {path}: {first_line(exc)}."
            show_error(self.window, "Cannot save model",
                       f"{text}\n\n{NOT_QUITTING}" if self._quitting else text)
            return False
        self.status(f"Saved the model to {path}.")
        return True
