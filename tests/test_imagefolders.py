"""Reading an image folder reports its progress and can be stopped (model.imagefolders)."""

import pytest

from model.imagefolders import ReadStopped, load_images
from model.progress import CancelToken
from tests.glyphs import write_folder


def test_load_images_reports_every_file_read(tmp_path):
    root = write_folder(tmp_path / "shapes", per_class=4)
    (root / "ring" / "junk.png").write_bytes(b"not an image")  # skipped, and counted as read
    reports = []
    loaded = load_images([root], progress=lambda done, total: reports.append((done, total)))
    assert reports == [(done, 13) for done in range(14)]
    assert len(loaded.labels) == 12 and [name for name, _ in loaded.skipped] == [
        str(root / "ring" / "junk.png")]


def test_a_cancelled_read_stops_before_its_next_file_and_returns_nothing(tmp_path):
    root = write_folder(tmp_path / "shapes", per_class=4)
    token, reports = CancelToken(), []

    def progress(done: int, total: int) -> None:
        reports.append(done)
        if done == 5:
            token.cancel()

    with pytest.raises(ReadStopped, match="after reading 5 of 12 files"):
        load_images([root], progress=progress, cancel=token)
    assert reports == [0, 1, 2, 3, 4, 5]


def test_a_read_cancelled_before_it_starts_reads_nothing(tmp_path):
    root = write_folder(tmp_path / "shapes", per_class=2)
    token, reports = CancelToken(), []
    token.cancel()
    with pytest.raises(ReadStopped):
        load_images([root], progress=lambda done, total: reports.append(done), cancel=token)
    assert reports == [0]  # the files were counted, none was read
