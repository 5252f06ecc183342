"""The open model as a document: which classifier, from which file, saved or not, recent files.

:class:`ModelDocument` is to models what :class:`~app.samples_panel.SampleStore` is to samples:
the window asks it to open and save and listens to ``changed``; questions and file dialogs stay
in the window.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Signal

from model.builtin import NEVER_OVERWRITTEN, is_builtin, is_builtin_folder
from model.classifier import Classifier
from model.fileformat import MODEL_FORMAT, check_replaceable
from model.modelfile import load_model, save_model

from .places import Places

MODEL_SUFFIX = ".h5"


class BuiltinModelError(OSError):
    """Saving would overwrite a built-in model (they ship with charrec and stay as shipped)."""


def documents_folder() -> Path:
    """The user's documents folder (their home folder where the platform has none)."""
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(location) if location and Path(location).is_dir() else Path.home()


class ModelDocument(QObject):
    """The current classifier (None: no model), the file it came from and whether it changed.

    Signals
    -------
    changed
        Another classifier, another file or another saved/unsaved state.
    """

    changed = Signal()

    def __init__(self, places: Places, parent: QObject | None = None):
        super().__init__(parent)
        self.places = places
        self.classifier: Classifier | None = None
        self.path: Path | None = None
        self.modified = False

    def set(self, classifier: Classifier | None, path: Path | None = None,
            modified: bool = False) -> None:
        """Make ``classifier`` (from ``path``, if it is saved there) the current model."""
        self.classifier, self.path, self.modified = classifier, path, modified
        self.changed.emit()

    def open(self, path: Path) -> Classifier:
        """Load ``path`` as the current model.

        Raises
        ------
        ModelFileError
            The file is missing, damaged or not a charrec model (the document is unchanged).
        """
        path = Path(path)
        classifier = load_model(path)
        self._remember(path)
        self.set(classifier, path)
        return classifier

    def changed_in_place(self) -> None:
        """The current classifier itself was changed (e.g. its reject threshold): unsaved."""
        if self.classifier is not None and not self.modified:
            self.modified = True
            self.changed.emit()

    def has_unsaved_changes(self) -> bool:
        return self.classifier is not None and self.modified

    def needs_new_file(self) -> bool:
        """True when "Save" must ask where: never saved, or opened from a built-in model."""
        return self.path is None or is_builtin(self.path)

    def suggested_path(self) -> Path:
        """Where "Save as" proposes to save: the folder models were last opened from or saved
        to, the documents folder at first; never the built-in models' folder."""
        folder = Path(self.places.folder("models", documents_folder()))
        if not folder.is_dir() or is_builtin_folder(folder):
            folder = documents_folder()
        name = self.classifier.name if self.classifier is not None else "model"
        return folder / f"{name}{MODEL_SUFFIX}"

    def save(self, path: Path) -> Path:
        """Write the model to ``path`` (``.h5`` added without a suffix); return where.

        Raises
        ------
        BuiltinModelError
            ``path`` is in the built-in models' folder.
        OSError
            The file cannot be written, or is a file of another kind such as a sample set
            (nothing is changed then).
        """
        path = Path(path)
        if not path.suffix:
            path = path.with_suffix(MODEL_SUFFIX)
        if is_builtin(path):
            raise BuiltinModelError(NEVER_OVERWRITTEN)
        if self.classifier is None:
            raise ValueError("there is no model to save")
        check_replaceable(path, MODEL_FORMAT, OSError)
        if path != self.path:
            self.classifier.name = path.stem
        save_model(self.classifier, path)
        self._remember(path)
        self.set(self.classifier, path)
        return path

    def recent_files(self) -> list[Path]:
        return [Path(text) for text in self.places.recent_files()]

    def _remember(self, path: Path) -> None:
        self.places.remember(path, "models")
        if not is_builtin(path):
            self.places.add_recent(path)
