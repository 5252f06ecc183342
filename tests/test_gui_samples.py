"""The sample set in the app: adding drawings, a damaged file, relabel, delete, import, export."""

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QLineEdit, QMessageBox

from model.labels import MAX_LABEL_LENGTH
from model.samples import SampleSet
from model.strokes import Stroke, render_strokes
from tests.gui_helpers import WAIT_MS, add_drawn_samples, draw_shape, fill_samples, patch_dialog


def test_add_samples_by_drawing_and_find_them_after_a_restart(qtbot, make_window, data_dir):
    window = make_window()
    add_drawn_samples(qtbot, window, 2)
    assert window.store.samples.counts() == {"-": 2, "o": 2, "|": 2}
    panel = window.samples_panel
    assert panel.proxy.rowCount() == 6
    assert "6 samples" in panel.summary.text()
    panel.filter.setCurrentIndex(panel.filter.findData("o"))
    assert panel.proxy.rowCount() == 2
    assert panel.filter.currentText() == "o (2)"

    window.label_edit.clear()
    QTest.keyClicks(window.label_edit, "be")  # B and E are tool shortcuts, but not while typing
    assert window.label_edit.text() == "be" and not window.canvas.eraser
    window.label_edit.setText("   ")
    draw_shape(window.canvas, "|")
    window.add_button.click()
    assert len(window.store.samples) == 6  # a blank label is refused at the field
    assert "border" in window.label_edit.styleSheet()
    window.close()

    again = make_window()
    assert again.store.samples.counts() == {"-": 2, "o": 2, "|": 2}
    assert again.samples_panel.proxy.rowCount() == 6
    assert (data_dir / "samples.h5").is_file()


def test_a_damaged_sample_file_is_kept_aside(qtbot, make_window, data_dir, messages):
    data_dir.mkdir()
    (data_dir / "samples.h5").write_bytes(b"this is not HDF5")
    window = make_window()
    assert len(window.store.samples) == 0
    assert "could not be read" in messages.texts[-1]
    (kept,) = data_dir.glob("samples-damaged-*.h5")
    assert kept.read_bytes() == b"this is not HDF5"
    add_drawn_samples(qtbot, window, 1)
    assert SampleSet(data_dir / "samples.h5").counts() == {"-": 1, "o": 1, "|": 1}


def relabel_with(panel, *typed: str) -> str:
    """Click Relabel, type the ``typed`` pieces one after the other over the label in its
    dialog and press Enter; return what the dialog's field held then."""
    held = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QInputDialog)
        field = dialog.findChild(QLineEdit)
        field.selectAll()
        for piece in typed:
            field.insert(piece)  # not keyClicks: an emoji is one piece, as when pasted
        held.append(field.text())
        QTest.keyClick(field, Qt.Key.Key_Return)

    QTimer.singleShot(0, answer)
    panel.relabel_button.click()
    return held[0]


def test_the_label_field_takes_as_many_characters_as_a_label_emoji_too(qtbot, window):
    field = window.label_edit
    field.insert("🙂" * MAX_LABEL_LENGTH)  # two UTF-16 units each, one character
    assert field.text() == "🙂" * MAX_LABEL_LENGTH
    field.insert("x")
    assert len(field.text()) == MAX_LABEL_LENGTH


def test_relabel_and_delete_selected_samples(qtbot, make_window, messages):
    window = make_window()
    fill_samples(window, 2)
    panel = window.samples_panel
    panel.filter.setCurrentIndex(panel.filter.findData("o"))
    panel.view.selectAll()
    assert panel.selected_indices() == [4, 5]
    assert relabel_with(panel, "0") == "0"
    assert window.store.samples.counts() == {"-": 2, "0": 2, "|": 2}
    assert window.statusBar().currentMessage() == "Relabelled 2 samples as “0”."
    assert panel.filter.currentText().startswith("All labels")  # "o" is gone

    panel.filter.setCurrentIndex(panel.filter.findData("|"))
    panel.view.selectAll()
    messages.answer = QMessageBox.StandardButton.Yes
    QTest.keyClick(panel.view, Qt.Key.Key_Delete)
    assert window.store.samples.counts() == {"-": 2, "0": 2}
    assert window.statusBar().currentMessage() == "Deleted 2 samples."
    assert not window.canvas.drawing.can_undo()  # Delete did not reach the canvas


def test_the_relabel_dialog_takes_no_more_characters_than_a_label(qtbot, make_window,
                                                                  messages):
    window = make_window()
    fill_samples(window, 1)
    panel = window.samples_panel
    panel.filter.setCurrentIndex(panel.filter.findData("o"))
    panel.view.selectAll()
    longest = "🙂" * MAX_LABEL_LENGTH  # two UTF-16 units each, one character
    assert relabel_with(panel, longest, "x") == longest  # the x is refused as it is typed
    assert window.store.samples.counts() == {"-": 1, longest: 1, "|": 1}
    assert messages.boxes == []  # nothing was refused when applied


def test_import_and_export_samples(qtbot, make_window, monkeypatch, tmp_path, messages):
    window = make_window()
    root = tmp_path / "folder"
    for label in ("a", "b"):
        (root / label).mkdir(parents=True)
        for i in range(3):
            render_strokes([Stroke([(40 + 30 * i, 40), (200, 220)], 15)]).save(
                root / label / f"{i}.png")
    (root / "a" / "junk.png").write_bytes(b"nope")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(root)))
    panel = window.samples_panel
    with qtbot.waitSignal(panel.reader.finished, timeout=WAIT_MS):
        panel.import_action.trigger()
        assert panel.reader.is_running() and not panel.import_action.isEnabled()
        assert panel.import_button.text() == "Stop import"
    assert panel.import_action.isEnabled() and panel.import_button.text() == "Import folder…"
    assert window.store.samples.counts() == {"a": 3, "b": 3}
    assert "junk.png" in messages.texts[-1]
    exported = tmp_path / "out.h5"
    patch_dialog(monkeypatch, "getSaveFileName", exported)
    window.samples_panel.export_action.trigger()
    assert exported.is_file()
    patch_dialog(monkeypatch, "getOpenFileName", exported)
    window.samples_panel.open_action.trigger()
    assert window.store.samples.counts() == {"a": 6, "b": 6}


def test_a_folder_still_being_read_when_the_window_closes_is_added(
        qtbot, make_window, monkeypatch, tmp_path, data_dir):
    window = make_window()
    root = tmp_path / "folder"
    (root / "a").mkdir(parents=True)
    for i in range(40):
        render_strokes([Stroke([(40 + 3 * i, 40), (200, 220)], 15)]).save(root / "a" / f"{i}.png")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(root)))
    window.samples_panel.import_action.trigger()
    assert window.samples_panel.reader.is_running()
    assert window.close()
    assert SampleSet(data_dir / "samples.h5").counts() == {"a": 40}


def test_adding_to_a_set_inserts_rows_instead_of_rebuilding_the_list(qtbot, make_window):
    window = make_window()
    fill_samples(window, 3)
    model, proxy = window.samples_panel.model, window.samples_panel.proxy
    events = []
    model.modelReset.connect(lambda: events.append("reset"))
    model.rowsInserted.connect(lambda _parent, first, last: events.append((first, last)))
    before = proxy.rowCount()
    window.store.add(render_strokes([Stroke([(60, 60), (200, 220)], 15)]), "new")
    assert events == [(before, before)] and proxy.rowCount() == before + 1
    window.store.delete([0])  # anything else rebuilds it
    assert events[-1] == "reset" and proxy.rowCount() == before


def test_your_own_sample_file_is_neither_exported_onto_nor_opened(
        qtbot, make_window, monkeypatch, data_dir, tmp_path, messages):
    window = make_window()
    fill_samples(window, 2)
    own = data_dir / "samples.h5"
    link = tmp_path / "link.h5"
    link.symlink_to(own)
    for path in (own, link):
        before = own.stat()
        patch_dialog(monkeypatch, "getSaveFileName", path)
        window.samples_panel.export_action.trigger()
        assert messages.boxes[-1] == ("Cannot export samples",
                                      f"{path.name} is the file these samples are kept in: "
                                      "export them to another file")
        assert (own.stat().st_ino, own.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
        patch_dialog(monkeypatch, "getOpenFileName", path)
        window.samples_panel.open_action.trigger()
        assert "your own sample set" in window.statusBar().currentMessage()
        assert len(window.store.samples) == 6
    panel = window.samples_panel
    panel.view.selectAll()
    messages.answer = QMessageBox.StandardButton.Yes
    panel.delete_button.click()  # the file was left alone: deleting works
    assert len(window.store.samples) == 0 and len(SampleSet(own)) == 0
    assert messages.boxes[-1][0] == "Delete samples"
