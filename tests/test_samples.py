"""Sample sets: round trips, appends in place, bad files, crash safety, and image import."""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import h5py
import numpy as np
import pytest

from model.imagefolders import import_images, load_dataset, load_images
from model.labels import validate_label
from model.preprocess import EmptyGlyphError, working_image
from model.samplefile import FORMAT_VERSION
from model.samples import SampleSet, SampleSetError
from tests.glyphs import glyph, write_folder

ROOT = Path(__file__).resolve().parents[1]
LABELS = ["ß", "ж", "あ", "10", "🙂", "A"]


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def filled(tmp_path, rng, labels=LABELS) -> SampleSet:
    samples = SampleSet(tmp_path / "samples.h5")
    for i, label in enumerate(labels):
        samples.add(glyph(("bar", "ring", "cross")[i % 3], rng), label)
    return samples


def test_round_trip_with_unicode_labels(tmp_path, rng):
    samples = filled(tmp_path, rng)
    again = SampleSet(samples.path)
    assert len(again) == len(LABELS)
    assert again.labels() == LABELS
    assert np.array_equal(again.images(), samples.images())
    assert again.sources() == ["drawn"] * len(LABELS)
    first = again.sample(0)
    assert first.label == "ß" and first.image.shape == (64, 64) and first.image.dtype == np.uint8
    datetime.fromisoformat(first.added)
    assert [s.label for s in again] == LABELS
    assert again.counts() == dict(sorted((label, 1) for label in LABELS))


def test_add_stores_the_working_image_and_returns_the_index(tmp_path, rng):
    samples = SampleSet(tmp_path / "s.h5")
    image = glyph("ring", rng)
    assert samples.add(image, "o", source="/some/file.png") == 0
    assert samples.add(np.asarray(image), "o") == 1
    assert np.array_equal(samples.sample(0).image, working_image(image))
    assert samples.sample(0).source == "/some/file.png"
    assert samples.sample(-1).label == "o"
    with pytest.raises(IndexError):
        samples.sample(2)
    with pytest.raises(ValueError):
        samples.images()[0, 0, 0] = 1  # a read-only view


def test_blank_image_is_refused_and_nothing_is_written(tmp_path):
    samples = SampleSet(tmp_path / "s.h5")
    with pytest.raises(EmptyGlyphError):
        samples.add(np.full((30, 30), 255, np.uint8), "a")
    assert len(samples) == 0 and not samples.path.exists()


@pytest.mark.parametrize("label", ["", "   ", "a\x00", "tab\tbed", "x" * 33, 5])
def test_invalid_labels(tmp_path, rng, label):
    samples = SampleSet(tmp_path / "s.h5")
    with pytest.raises(SampleSetError):
        samples.add(glyph("bar", rng), label)
    assert len(samples) == 0


def test_labels_are_stripped_and_normalised():
    assert validate_label("  a ") == "a"
    assert validate_label("e\u0301") == "\u00e9"  # NFC
    assert validate_label("👩‍💻") == "👩‍💻"  # joiners are fine


def test_delete_relabel_merge_export_survive_reopening(tmp_path, rng):
    samples = filled(tmp_path, rng)
    samples.delete([0, 2])
    samples.relabel([0, 1], "new")
    expected = ["new", "new", "🙂", "A"]
    assert samples.labels() == expected
    assert SampleSet(samples.path).labels() == expected
    other = SampleSet()
    other.add(glyph("cross", rng), "x", source="elsewhere.png")
    assert samples.merge(other) == 1
    assert SampleSet(samples.path).labels() == [*expected, "x"]
    assert SampleSet(samples.path).sample(-1).source == "elsewhere.png"
    samples.export(tmp_path / "copy.h5")
    copy = SampleSet(tmp_path / "copy.h5")
    assert copy.labels() == samples.labels()
    assert np.array_equal(copy.images(), samples.images())
    with pytest.raises(SampleSetError, match="out of range"):
        samples.delete([99])


def test_in_memory_set_writes_nothing(tmp_path, rng, monkeypatch):
    monkeypatch.chdir(tmp_path)
    samples = SampleSet()
    samples.add(glyph("bar", rng), "a")
    samples.delete([0])
    assert samples.path is None and len(samples) == 0 and not list(tmp_path.iterdir())


def test_add_appends_in_place_without_rewriting(tmp_path, rng):
    samples = filled(tmp_path, rng)
    inode = samples.path.stat().st_ino
    samples.add(glyph("bar", rng), "b")
    assert samples.path.stat().st_ino == inode  # a rewrite would have renamed a new file in
    with h5py.File(samples.path, "r") as f:
        assert f.attrs["count"] == len(LABELS) + 1
        assert f["images"].chunks == (1, 64, 64)


def test_rows_beyond_the_committed_count_are_ignored_and_reused(tmp_path, rng):
    samples = filled(tmp_path, rng, ["a", "b"])
    with h5py.File(samples.path, "r+", libver="latest") as f:  # an append that never committed
        for name in ("images", "labels", "sources", "added"):
            f[name].resize(3, axis=0)
        f["labels"][2] = "half-written"
    assert SampleSet(samples.path).labels() == ["a", "b"]
    samples.add(glyph("ring", rng), "c")
    assert SampleSet(samples.path).labels() == ["a", "b", "c"]


def test_file_left_open_by_a_dead_writer_is_read_and_repaired(tmp_path, rng):
    samples = filled(tmp_path, rng, ["a", "b"])
    dies_while_writing = (
        "import os, sys, h5py\n"
        "from model.h5io import open_for_append\n"
        "f = open_for_append(__import__('pathlib').Path(sys.argv[1]))\n"
        "os._exit(0)\n")
    subprocess.run([sys.executable, "-c", dies_while_writing, str(samples.path)], cwd=ROOT,
                   check=True, timeout=60)
    with pytest.raises(OSError, match="already open"):
        h5py.File(samples.path, "r")  # the "open for writing" flags are still set
    again = SampleSet(samples.path)
    assert again.labels() == ["a", "b"]
    with h5py.File(samples.path, "r") as f:  # reading cleared them: plain h5py opens it again
        assert f.attrs["count"] == 2
    again.add(glyph("cross", rng), "c")
    assert SampleSet(samples.path).labels() == ["a", "b", "c"]


APPENDER = """
import sys
import numpy as np
from model.samples import SampleSet

samples = SampleSet(sys.argv[1])
image = np.zeros((64, 64), np.uint8)
image[8:56, 28:36] = 255
while True:
    samples.add(image, "a" if len(samples) % 2 else "ж")
    print(len(samples), flush=True)
"""


def test_killing_the_writer_never_loses_committed_samples(tmp_path):
    path = tmp_path / "crash.h5"
    rng = np.random.default_rng(1)
    committed = 0
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", APPENDER, str(path)], cwd=ROOT,
                                stdout=subprocess.PIPE, text=True)
        proc.stdout.readline()  # started appending
        time.sleep(rng.uniform(0.0, 0.4))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=60)
        lines = out.split("\n")
        reported = [int(line) for line in lines[:-1] if line]  # the last one may be cut off
        committed = max([committed, *reported])
        samples = SampleSet(path)
        assert committed <= len(samples) <= committed + 1
        assert samples.labels() == ["ж" if i % 2 == 0 else "a" for i in range(len(samples))]
        assert (samples.images()[:, 8:56, 28:36] > 0).all()
        committed = len(samples)
    assert committed > 6


def test_not_hdf5_foreign_and_newer_files_are_refused(tmp_path, rng):
    text = tmp_path / "notes.h5"
    text.write_text("hello")
    with pytest.raises(SampleSetError, match="not an HDF5 file"):
        SampleSet(text)
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["data"] = np.arange(3)
    with pytest.raises(SampleSetError, match="another program"):
        SampleSet(foreign)
    newer = filled(tmp_path, rng, ["a"]).path
    with h5py.File(newer, "r+") as f:
        f.attrs["format_version"] = FORMAT_VERSION + 1
    with pytest.raises(SampleSetError, match="newer charrec"):
        SampleSet(newer)
    with pytest.raises(SampleSetError, match="is a folder, not a regular file"):
        SampleSet(tmp_path)


def test_damaged_file_gives_one_clear_error(tmp_path, rng):
    path = filled(tmp_path, rng, ["a", "b"]).path
    with h5py.File(path, "r+") as f:
        del f["labels"]
    with pytest.raises(SampleSetError, match="no 'labels' dataset"):
        SampleSet(path)
    (tmp_path / "good").mkdir()
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(filled(tmp_path / "good", rng, ["a"]).path.read_bytes()[:2000])
    with pytest.raises(SampleSetError, match="damaged"):
        SampleSet(truncated)


@pytest.fixture
def image_folder(tmp_path):
    root = write_folder(tmp_path / "data", per_class=3, shapes=("bar", "ring"))
    (root / "ring").rename(root / "a_upper")
    (root / "labels.json").write_text(json.dumps({"a_upper": "A"}))
    (root / "bar" / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    (root / "bar" / "text.png").write_text("not an image")
    (root / "bar" / "empty.png").write_bytes(b"")
    glyph("bar", np.random.default_rng(0)).point(lambda v: 255).save(root / "bar" / "blank.png")
    (root / "bar" / ".hidden.png").write_text("ignored")
    glyph("cross", np.random.default_rng(0)).save(root / "loose.png")
    return root


def test_import_folder_with_label_map_and_bad_files(tmp_path, image_folder):
    samples = SampleSet(tmp_path / "s.h5")
    report = import_images([image_folder], samples)
    assert report.added == {"A": 3, "bar": 3}
    reasons = {Path(path).name: reason for path, reason in report.skipped}
    assert set(reasons) == {"corrupt.png", "text.png", "empty.png", "blank.png", "loose.png",
                            ".hidden.png"}
    assert "hidden" in reasons[".hidden.png"]
    assert "empty" in reasons["empty.png"] and "blank" in reasons["blank.png"]
    assert "no label" in reasons["loose.png"]
    assert SampleSet(samples.path).counts() == {"A": 3, "bar": 3}
    assert all(source.endswith(".png") for source in samples.sources())


def test_hidden_folders_and_unreadable_folders_are_skipped_and_reported(
        tmp_path, image_folder, monkeypatch):
    hidden = image_folder / "bar" / ".git"
    hidden.mkdir()
    glyph("ring", np.random.default_rng(1)).save(hidden / "ring.png")
    (image_folder / ".cache").mkdir()
    glyph("ring", np.random.default_rng(2)).save(image_folder / ".cache" / "ring.png")
    locked = image_folder / "locked"
    locked.mkdir()
    glyph("ring", np.random.default_rng(3)).save(locked / "ring.png")
    (image_folder / "bar" / "gone.png").symlink_to(tmp_path / "nowhere.png")
    iterdir = Path.iterdir

    def refuse_locked(self):
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return iterdir(self)

    monkeypatch.setattr(Path, "iterdir", refuse_locked)  # chmod 000 does not stop root
    report = import_images([image_folder], SampleSet(tmp_path / "s.h5"))
    assert report.added == {"A": 3, "bar": 3}
    reasons = {Path(path).name: reason for path, reason in report.skipped}
    assert "hidden" in reasons[".git"] and "hidden" in reasons[".cache"]
    assert "cannot be read" in reasons["locked"] and "Permission denied" in reasons["locked"]
    assert reasons["gone.png"] == "not a file or folder"


def test_import_single_files_needs_a_label(tmp_path, image_folder):
    samples = SampleSet(tmp_path / "s.h5")
    loose = image_folder / "loose.png"
    assert import_images([loose], samples).added == {}
    assert import_images([loose], samples, label="x").added == {"x": 1}
    with pytest.raises(SampleSetError, match="no such file"):
        import_images([tmp_path / "missing.png"], samples, label="x")


def test_bad_labels_json_is_an_error(tmp_path, image_folder):
    (image_folder / "labels.json").write_text("[1, 2]")
    with pytest.raises(SampleSetError, match=r"labels\.json"):
        load_images([image_folder])


def test_load_dataset_reads_folders_and_sample_sets(tmp_path, image_folder, rng):
    folder = load_dataset(image_folder)
    assert folder.images.shape == (6, 64, 64) and sorted(set(folder.labels)) == ["A", "bar"]
    path = filled(tmp_path, rng).path
    stored = load_dataset(path)
    assert stored.labels == LABELS and stored.images.shape == (len(LABELS), 64, 64)
    with pytest.raises(SampleSetError, match="no such file"):
        load_dataset(tmp_path / "nothing")


def test_non_utf8_file_names_can_be_stored(tmp_path, rng):
    if sys.platform == "win32":
        pytest.skip("POSIX file names")
    samples = SampleSet(tmp_path / "s.h5")
    samples.add(glyph("bar", rng), "a", source=os.fsdecode(b"/tmp/caf\xe9.png"))
    assert SampleSet(samples.path).sources()[0].startswith("/tmp/caf")


def test_a_model_file_is_not_taken_for_a_sample_set(tmp_path):
    path = tmp_path / "model.h5"
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "charrec-model"
    with pytest.raises(SampleSetError, match="a charrec model file, not a sample set"):
        SampleSet(path)


def test_export_never_replaces_a_model_file(tmp_path, rng):
    path = tmp_path / "model.h5"
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "charrec-model"
    before = path.read_bytes()
    samples = SampleSet()
    samples.add(glyph("bar", rng), "a")
    with pytest.raises(SampleSetError, match="a charrec model file, not a sample set"):
        samples.export(path)
    assert path.read_bytes() == before


def test_export_never_replaces_the_sets_own_file(tmp_path, rng):
    path = tmp_path / "samples.h5"
    samples = SampleSet(path)
    samples.add(glyph("bar", rng), "a")
    before = path.stat()
    (tmp_path / "link.h5").symlink_to(path)
    for target in (path, tmp_path / "link.h5", tmp_path / "." / "samples.h5"):
        with pytest.raises(SampleSetError, match="the file these samples are kept in"):
            samples.export(target)
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    samples.delete([0])  # the set still knows its file
    assert len(SampleSet(path)) == 0
