"""Importing an image folder in the app: progress while it is read, and stopping it."""

import threading
import time

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog

import model.imagefolders
from app.samples_panel import IMPORT_STOPPED
from app.worker import REPORTS_PER_SECOND
from tests.glyphs import glyph, write_folder
from tests.gui_helpers import WAIT_MS


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """36 small PNGs in ROOT/<shape>/, chosen in the Import dialog."""
    root = write_folder(tmp_path / "shapes", per_class=12)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(root)))
    return root


def test_an_import_shows_its_progress_and_then_the_count(qtbot, make_window, folder):
    window = make_window()
    panel = window.samples_panel
    said = []
    panel.message.connect(said.append)
    with qtbot.waitSignal(panel.reader.progressed, timeout=WAIT_MS):
        panel.import_button.click()
    assert panel.import_progress.isVisible() and panel.import_progress.maximum() == 36
    assert panel.import_button.text() == "Stop import" and not panel.import_action.isEnabled()
    with qtbot.waitSignal(panel.reader.finished, timeout=WAIT_MS):
        pass
    assert said[0] == f"Reading the images of {folder}…"
    assert said[1] == f"Reading images… 0 of 36 from {folder}"  # counted before any is read
    assert said[-2] == f"Reading images… 36 of 36 from {folder}"
    assert window.statusBar().currentMessage() == (
        f"Imported 36 images of 3 labels from {folder}.")
    assert window.store.samples.counts() == {"bar": 12, "cross": 12, "ring": 12}
    assert not panel.import_progress.isVisible()
    assert panel.import_button.text() == "Import folder…" and panel.import_action.isEnabled()


def test_a_stopped_import_adds_nothing_and_the_next_one_works(qtbot, make_window, folder,
                                                               monkeypatch, messages):
    window = make_window()
    panel = window.samples_panel
    reached, release, read = threading.Event(), threading.Event(), []
    original = model.imagefolders.read_image

    def read_image(path):  # in the reading thread: waits at the 6th file until released
        read.append(path)
        if len(read) == 6:
            reached.set()
            release.wait(10)
        return original(path)

    monkeypatch.setattr(model.imagefolders, "read_image", read_image)
    panel.import_button.click()
    qtbot.waitUntil(reached.is_set, timeout=WAIT_MS)
    assert panel.import_button.text() == "Stop import"
    panel.import_button.click()  # Stop import
    assert not panel.import_button.isEnabled()  # until the reading has stopped
    with qtbot.waitSignal(panel.reader.stopped, timeout=WAIT_MS):
        release.set()
    assert len(read) == 6  # it stopped before the next file
    assert len(window.store.samples) == 0
    assert window.statusBar().currentMessage() == IMPORT_STOPPED
    assert messages.boxes == []
    assert panel.import_button.isEnabled() and panel.import_button.text() == "Import folder…"
    assert panel.import_action.isEnabled() and not panel.import_progress.isVisible()

    with qtbot.waitSignal(panel.reader.finished, timeout=WAIT_MS):
        panel.import_action.trigger()
    assert len(window.store.samples) == 36


def test_a_stop_that_comes_after_the_last_file_still_adds_nothing(qtbot, make_window, folder):
    window = make_window()
    panel = window.samples_panel
    with qtbot.waitSignal(panel.reader.progressed, timeout=WAIT_MS,
                          check_params_cb=lambda done, total: done == total):
        panel.import_button.click()
    panel.import_button.click()  # the images are all read, but not yet added
    with qtbot.waitSignal(panel.reader.stopped, timeout=WAIT_MS):
        pass
    assert len(window.store.samples) == 0
    assert window.statusBar().currentMessage() == IMPORT_STOPPED


def test_reading_thousands_of_files_sends_a_few_progress_signals(qtbot, make_window, tmp_path,
                                                                 monkeypatch):
    root = tmp_path / "many"
    (root / "a").mkdir(parents=True)
    for i in range(1500):
        (root / "a" / f"{i}.png").touch()
    image = glyph("ring", np.random.default_rng(0))  # read from every file, quickly
    monkeypatch.setattr(model.imagefolders, "read_image", lambda path: (image, None))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(root)))
    window = make_window()
    panel = window.samples_panel
    reports = []
    panel.reader.progressed.connect(lambda done, total: reports.append(done))
    started = time.monotonic()
    with qtbot.waitSignal(panel.reader.finished, timeout=30_000):
        panel.import_button.click()
    seconds = time.monotonic() - started
    assert reports[0] == 0 and reports[-1] == 1500 and reports == sorted(reports)
    assert len(reports) <= 2 + seconds * REPORTS_PER_SECOND  # not one a file
    assert len(window.store.samples) == 1500
