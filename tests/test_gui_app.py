"""The app as a whole: start-up, settings, the data folder, uncaught errors, long sessions."""

from PySide6.QtWidgets import QApplication

from app.mainwindow import MainWindow


def test_geometry_and_settings_persist(qtbot, make_window, settings):
    window = make_window()
    window.training_dock.toggleViewAction().trigger()  # View ▸ Training off
    assert window.training_dock.isHidden()
    window.close()
    assert settings.value("geometry") is not None
    again = make_window()
    assert again.training_dock.isHidden() and not again.samples_dock.isHidden()


def test_uncaught_exceptions_become_one_line_messages(tmp_path, messages, monkeypatch):
    import logging
    import sys

    from app.errors import install_excepthook, setup_logging

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    log = setup_logging(tmp_path)
    install_excepthook(log)
    try:
        raise ValueError("the sky fell\nwith details")
    except ValueError:
        sys.excepthook(*sys.exc_info())
    assert messages.texts[-1].startswith("the sky fell\n\nThe details were written to")
    assert "Traceback" in log.read_text()
    logging.getLogger("charrec").handlers.clear()


def test_the_app_starts_with_the_default_model_and_quits(qtbot, tmp_path, monkeypatch,
                                                          tiny_model_path):
    import logging
    import sys

    from PySide6.QtCore import QSettings, QTimer

    import app.gui

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope,
                      str(tmp_path / "config"))
    monkeypatch.setattr(app.gui, "default_model_path", lambda: tiny_model_path)
    seen = []

    def look_and_quit():
        (window,) = [w for w in QApplication.topLevelWidgets()
                     if isinstance(w, MainWindow) and w.isVisible()]
        seen.append((window.classifier.name, window.data_dir))
        window.close()

    QTimer.singleShot(300, look_and_quit)
    try:
        assert app.gui.run_gui(["charrec"]) == 0
    finally:
        logging.getLogger("charrec").handlers.clear()
    ((name, data_dir),) = seen
    assert name == "shapes"
    assert data_dir == tmp_path / "data" / "charrec"
    assert (data_dir / "charrec.log").is_file()
    assert (tmp_path / "config" / "charrec" / "charrec.conf").is_file()


def test_long_sessions_do_not_run_out_of_references_to_none(qtbot):
    import sys

    from PySide6.QtWidgets import QLabel

    label = QLabel()
    qtbot.addWidget(label)
    calls = 2_000  # each would drop a reference to None with the PySide6 6.12 bug on 3.11
    before = sys.getrefcount(None)
    for i in range(calls):
        label.setText(str(i % 10))
    assert sys.getrefcount(None) > before - calls // 2


def test_samples_in_the_doubled_data_folder_of_earlier_versions_move_up(tmp_path, monkeypatch):
    from app.gui import data_folder

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    earlier = tmp_path / "charrec" / "charrec"
    earlier.mkdir(parents=True)
    (earlier / "samples.h5").write_bytes(b"the user's samples")
    assert data_folder() == tmp_path / "charrec"
    assert (tmp_path / "charrec" / "samples.h5").read_bytes() == b"the user's samples"
    assert not earlier.exists()
    assert data_folder() == tmp_path / "charrec"


def test_two_damaged_sample_files_in_one_second_are_both_kept(qtbot, make_window, data_dir,
                                                              messages, monkeypatch):
    monkeypatch.setattr("app.mainwindow.time.strftime", lambda *args: "20261207-223000")
    data_dir.mkdir()
    for damage in (b"first damage", b"second damage"):
        (data_dir / "samples.h5").write_bytes(damage)
        make_window()
    kept = {path.name: path.read_bytes() for path in data_dir.glob("samples-damaged-*.h5")}
    assert kept == {"samples-damaged-20261207-223000.h5": b"first damage",
                    "samples-damaged-20261207-223000-2.h5": b"second damage"}


def test_a_damaged_recent_model_gives_way_to_the_default_at_start(qtbot, make_window, messages,
                                                                  tiny_model_path, tmp_path,
                                                                  monkeypatch):
    import app.gui

    damaged = tmp_path / "damaged.h5"
    damaged.write_bytes(tiny_model_path.read_bytes()[:2000])
    window = make_window()
    window.places.add_recent(damaged)
    monkeypatch.setattr(app.gui, "default_model_path", lambda: tiny_model_path)
    app.gui.open_startup_model(window)
    assert messages.boxes[-1][0] == "Cannot open model"
    assert window.classifier is not None and window.model_path == tiny_model_path


def test_a_busy_sample_file_is_not_shown_as_a_bad_label(qtbot, window, monkeypatch):
    from model.samples import SampleSetError
    from tests.gui_helpers import draw_shape

    def busy(*args, **kwargs):
        raise SampleSetError("samples.h5 is being changed by another program (process 42)")

    monkeypatch.setattr(window.store.samples, "add_rows", busy)  # the write; labels come first
    draw_shape(window.canvas, "|")
    window.label_edit.setText("a")
    window.add_button.click()
    assert window.statusBar().currentMessage().startswith("Not added: samples.h5 is being")
    assert window.label_edit.styleSheet() == ""  # the label is fine
    window.label_edit.setText("a\u202e")
    window.add_button.click()
    assert "border" in window.label_edit.styleSheet()  # this one is not


def test_background_work_ends_with_its_result_or_one_line_saying_why_not(caplog):
    from app.worker import attempt
    from model.errors import TrainingError

    def fails(error):
        raise error

    assert attempt(lambda: 5, TrainingError, "training") == 5
    assert attempt(lambda: fails(TrainingError("too few samples\ndetail")), TrainingError,
                   "training") == "too few samples"
    assert attempt(lambda: 1 / 0, TrainingError, "reading the folder") == (
        "reading the folder stopped unexpectedly: division by zero")
    assert "ZeroDivisionError" in caplog.text  # logged in full
