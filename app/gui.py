"""Start the desktop app: application object, data folder, settings, error handling."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QApplication

from model import __version__
from model.builtin import default_model_path

from .actions import icon
from .errors import install_excepthook, setup_logging
from .mainwindow import SAMPLES_FILE, MainWindow

ORGANIZATION = "charrec"
APPLICATION = "charrec"


def data_folder() -> Path:
    """Where the user's samples and the log live: ``charrec`` in the platform's data folder
    (``~/.local/share/charrec`` on Linux).

    Qt's own app data folder names the organisation and the application, both "charrec"
    (``…/charrec/charrec``); a folder left there by an earlier version is moved up once.
    """
    generic = QStandardPaths.StandardLocation.GenericDataLocation
    folder = Path(QStandardPaths.writableLocation(generic)) / APPLICATION
    earlier = folder / APPLICATION
    if earlier.is_dir() and not (folder / SAMPLES_FILE).exists():
        for item in earlier.iterdir():
            item.rename(folder / item.name)
        earlier.rmdir()
    return folder


def open_startup_model(window: MainWindow) -> None:
    """Open the most recently used model if it still exists, else the default built-in model;
    also the default when the recent one cannot be read (after saying why)."""
    recent = [Path(p) for p in window.places.recent_files() if Path(p).is_file()]
    choices = [*recent[:1], default_model_path()]
    for path in dict.fromkeys(path for path in choices if path is not None):
        if window.files.open_file(path):
            return


def run_gui(argv: list[str]) -> int:
    """Run the app until its window closes; return the exit code."""
    app = QApplication.instance() or QApplication(argv)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(__version__)
    app.setWindowIcon(icon("charrec"))
    folder = data_folder()
    install_excepthook(setup_logging(folder))
    window = MainWindow(folder, QSettings())
    open_startup_model(window)
    window.show()
    return app.exec()
