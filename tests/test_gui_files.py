"""Model files from the app: save and reopen, unsaved changes, built-in models kept unchanged."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from model.modelfile import load_model
from model.samples import SampleSet
from tests.glyphs import glyph
from tests.gui_helpers import TRAIN_TIMEOUT_MS, fill_samples, patch_dialog, quick_settings


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
    import model.builtin

    builtin = tmp_path / "builtin"
    builtin.mkdir()
    (builtin / "digits.h5").write_bytes(tiny_model_path.read_bytes())
    monkeypatch.setattr(model.builtin, "BUILTIN_FOLDER", builtin)
    window = make_window(builtin / "digits.h5")
    window.document.modified = True
    before = (builtin / "digits.h5").read_bytes()
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: asked.append(a) or ("", "")))
    window.action_set.save.trigger()
    assert asked, "Save on a built-in model asks where to save"
    assert (builtin / "digits.h5").read_bytes() == before
    link = tmp_path / "link.h5"  # a link elsewhere to the built-in file itself
    link.symlink_to(builtin / "digits.h5")
    with pytest.raises(OSError, match="built-in models are never overwritten"):
        window.document.save(link)
    assert (builtin / "digits.h5").read_bytes() == before


def test_a_changed_reject_threshold_is_an_unsaved_change_asked_about(qtbot, make_window, messages,
                                                                    tiny_model_path, tmp_path):
    path = tmp_path / "mine.h5"
    path.write_bytes(tiny_model_path.read_bytes())
    window = make_window(path)
    sensitivity = window.prediction.sensitivity
    chosen = 0.5 if sensitivity.value() != 0.5 else 0.6
    sensitivity.setValue(chosen)
    assert window.isWindowModified() and window.document.has_unsaved_changes()
    messages.answer = QMessageBox.StandardButton.Cancel
    window.action_set.new.trigger()
    assert messages.boxes[-1][0] == "Unsaved model"
    assert window.classifier is not None  # cancelled: the model with its new threshold stays
    messages.answer = QMessageBox.StandardButton.Save
    window.action_set.new.trigger()
    assert load_model(path).reject.threshold == pytest.approx(chosen)


def test_training_a_new_model_asks_about_the_unsaved_one_first(qtbot, window, messages):
    fill_samples(window, 4)
    quick_settings(window, epochs=2)
    with qtbot.waitSignal(window.runner.finished, timeout=TRAIN_TIMEOUT_MS):
        window.training_panel.train_button.click()
    trained = window.classifier
    assert window.document.has_unsaved_changes()
    messages.answer = QMessageBox.StandardButton.Cancel
    window.training_panel.train_button.click()
    assert messages.boxes[-1][0] == "Unsaved model"
    assert not window.runner.is_running() and window.classifier is trained
    messages.answer = QMessageBox.StandardButton.Discard
    with qtbot.waitSignal(window.runner.finished, timeout=TRAIN_TIMEOUT_MS):
        window.training_panel.train_button.click()
    assert window.classifier is not trained


def test_saving_into_a_missing_folder_says_so(qtbot, window, messages, monkeypatch, tmp_path):
    patch_dialog(monkeypatch, "getSaveFileName", tmp_path / "gone" / "mine.h5")
    window.action_set.save_as.trigger()
    assert messages.texts[-1] == (f"Cannot save the model to {tmp_path / 'gone' / 'mine.h5'}: "
                                  f"the folder {tmp_path / 'gone'} does not exist.")


def test_a_model_is_never_saved_over_a_sample_set(window, tmp_path):
    samples = tmp_path / "samples.h5"
    SampleSet(samples).add(glyph("bar", np.random.default_rng(0)), "a")
    with pytest.raises(OSError, match=r"samples\.h5 is a charrec sample set, not a model"):
        window.document.save(samples)
    assert SampleSet(samples).labels() == ["a"]


def test_a_model_name_with_the_title_placeholder_shows_as_typed(window, monkeypatch, tmp_path):
    """Qt reads "[*]" in a window title as the unsaved-changes mark: a model saved as "a[*]b"
    lost it (title "ab — charrec")."""
    patch_dialog(monkeypatch, "getSaveFileName", tmp_path / "a[*]b.h5")
    assert window.files.save_as()
    assert window.windowHandle().title() == "a[*]b — charrec"
    window.setWindowModified(True)
    assert window.windowHandle().title() == "a[*]b* — charrec"


@pytest.mark.parametrize("answer", [QMessageBox.StandardButton.Yes,
                                    QMessageBox.StandardButton.Cancel])
def test_a_sample_set_opened_as_model_is_offered_as_samples(window, monkeypatch, tmp_path,
                                                            messages, answer):
    """File ▸ Open model on a sample set had said to train with 'charrec train', a command
    line the app's user may never have seen."""
    other = tmp_path / "letters.h5"
    rng = np.random.default_rng(0)
    for label in "ab":
        SampleSet(other).add(glyph("bar", rng), label)
    window.document.modified = True  # the current model is kept, so nothing is asked about it
    messages.answer = answer
    patch_dialog(monkeypatch, "getOpenFileName", other)
    window.action_set.open.trigger()

    ((_, text),) = messages.boxes
    assert "letters.h5 is a sample set, not a model" in text and "charrec train" not in text
    assert window.classifier.name == "shapes" and window.document.modified
    added = answer == QMessageBox.StandardButton.Yes
    assert window.store.samples.counts() == ({"a": 1, "b": 1} if added else {})
    assert ("Added 2 samples from letters.h5" if added else "was not opened") in \
        window.statusBar().currentMessage()
