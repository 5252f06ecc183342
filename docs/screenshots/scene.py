"""Start the app as the `charrec` command does, set up for one of the README's screenshots.

    HOME=$(mktemp -d) /work/shared/tools/screenshot.sh docs/screenshots/training.png 14 \
        .venv/bin/python docs/screenshots/scene.py training

Scenes: ``main`` (the default model; the screenshot tool draws the 7 with STROKE), ``smallest``
(the same at the window's minimum size), ``shortcuts`` (the F1 sheet), ``reading``
(an image of a line of text with the printed model), ``training`` (300 of scikit-learn's digits,
mid-run), ``recurrent`` (the same with a recurrent network) and ``confusion`` (after the run).
Run it with a HOME of its own: the samples it adds go to that HOME's data folder.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.gui import run_gui  # noqa: E402
from app.mainwindow import MainWindow  # noqa: E402
from model.builtin import builtin_path  # noqa: E402


def digits(n: int) -> tuple[np.ndarray, list[str]]:
    from sklearn.datasets import load_digits

    data = load_digits()
    images = (255 - data.images[:n] * (255 / 16)).astype(np.uint8)  # dark ink on white
    return np.kron(images, np.ones((4, 4), np.uint8)), [str(t) for t in data.target[:n]]


def train(window: MainWindow, network: str, epochs: int, then=None) -> None:
    images, labels = digits(300)
    window.store.samples.add_many(list(images), labels)
    window.store.changed.emit()
    form = window.training_panel.form
    form.network_type.setCurrentIndex(form.network_type.findData(network))
    form.epochs.setValue(epochs)
    window.document.set(None)
    if then is not None:
        window.runner.finished.connect(lambda _run: then())
    window.start_training(False)


def show_confusion(window: MainWindow) -> None:
    panel = window.training_panel
    panel.tabs.setCurrentWidget(panel.confusion)


def reading(window: MainWindow) -> None:
    from tests.glyphs import text_image

    window.open_model_file(builtin_path("printed"))
    path = Path(tempfile.mkdtemp()) / "hello.png"
    text_image("Hello 42").save(path)
    window.images.open_file(path)


SCENES = {
    "main": lambda window: None,
    "smallest": lambda window: window.resize(window.minimumSize()),
    "shortcuts": lambda window: window.action_set.shortcuts.trigger(),
    "reading": reading,
    "training": lambda window: train(window, "static", 30),
    "recurrent": lambda window: train(window, "recurrent", 30),
    "confusion": lambda window: train(window, "static", 12, lambda: show_confusion(window)),
}


def main(scene: str) -> int:
    app = QApplication(sys.argv[:1])

    def set_up() -> None:
        window = next(w for w in app.topLevelWidgets() if isinstance(w, MainWindow))
        SCENES[scene](window)

    QTimer.singleShot(500, set_up)
    return run_gui(sys.argv[:1])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
