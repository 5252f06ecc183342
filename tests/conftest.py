"""Shared fixtures. GUI tests run offscreen, with their own settings file and data folder;
command-line tests get, once per module, a folder of shapes, a model trained on it and bad files.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.glyphs import shape_images, write_folder

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory) -> Path:
    """A small classifier of "|", "-" and "o" trained on rendered strokes, saved to a file."""
    from model.fit import ModelSettings, fit_classifier
    from model.modelfile import save_model
    from model.train import TrainingConfig

    images, labels = shape_images(20)
    classifier, _ = fit_classifier(images, labels, ModelSettings(hidden=(32,), augment=False),
                                   TrainingConfig(epochs=25, batch_size=16, learning_rate=3e-3,
                                                  validation_split=0),
                                   name="shapes")
    path = tmp_path_factory.mktemp("models") / "shapes.h5"
    save_model(classifier, path)
    return path


@dataclass
class MessageRecorder:
    """Stands in for QMessageBox.exec: records every box and answers with ``answer``."""

    boxes: list[tuple[str, str]] = field(default_factory=list)
    answer: object = None

    @property
    def texts(self) -> list[str]:
        return [text for _, text in self.boxes]


@pytest.fixture
def messages(monkeypatch) -> MessageRecorder:
    from PySide6.QtWidgets import QMessageBox

    recorder = MessageRecorder(answer=QMessageBox.StandardButton.Ok)

    def fake_exec(box):
        recorder.boxes.append((box.windowTitle(), box.text()))
        return recorder.answer

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    return recorder


@pytest.fixture
def settings(tmp_path):
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def make_window(qtbot, data_dir, settings, messages):
    """Opens main windows on the test's data folder; closes them without questions."""
    from app.mainwindow import MainWindow

    windows = []

    def make(model_path: Path | None = None) -> MainWindow:
        window = MainWindow(data_dir, settings)
        qtbot.addWidget(window)
        if model_path is not None:
            window.files.open_file(model_path)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.runner.stop()
        window.document.modified = False
        window.close()


@pytest.fixture
def window(make_window, tiny_model_path):
    """A main window with the tiny shapes model open."""
    return make_window(tiny_model_path)


# --- command line ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tmp(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cli")


@pytest.fixture(scope="module")
def folder(tmp) -> Path:
    """ROOT/<shape>/<i>.png with 8 images of each of the three shapes."""
    return write_folder(tmp / "shapes", per_class=8)


@pytest.fixture(scope="module")
def model(tmp, folder) -> Path:
    """A small static model of the three shapes, trained by the command line."""
    # Imported here, not at the top: its ENV copies os.environ, which must by then hold the
    # QT_QPA_PLATFORM default set above.
    from tests.cli_helpers import SMALL, ok

    out = tmp / "shapes.h5"
    ok("train", folder, "--out", out, *SMALL, "--seed", "1")
    return out


@pytest.fixture(scope="module")
def bad(tmp) -> dict[str, Path]:
    """Files that are not usable images or models."""
    import h5py
    import numpy as np
    from PIL import Image

    root = tmp / "bad"
    root.mkdir()
    files = {name: root / name for name in
             ("corrupt.png", "text.png", "empty.png", "bomb.png", "notmodel.h5", "foreign.h5")}
    files["corrupt.png"].write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    files["text.png"].write_text("this is not an image\n")
    files["empty.png"].write_bytes(b"")
    Image.new("1", (20000, 20000)).save(files["bomb.png"])
    files["notmodel.h5"].write_text("not a model\n")
    with h5py.File(files["foreign.h5"], "w") as f:
        f["random"] = np.random.default_rng(0).random((4, 4))
    files["missing.png"] = root / "missing.png"
    return files
