"""Faults: two writers at once, a full disk, Ctrl+C, hostile paths and names, killed saves.

Signals, limits and locks are tested on real processes: ``python -m app.main`` as a user runs
it, or a small script.
"""

from __future__ import annotations

import os
import resource
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from model.atomic import interrupts_deferred, remove_stale_temporaries
from model.fileformat import SAMPLES_FORMAT, has_format
from model.imagefolders import IMPORT_BATCH
from model.modelfile import load_model, save_model
from model.samples import SampleSet, SampleSetError
from tests.cli_helpers import ENV, ROOT, SMALL, charrec, fails, ok
from tests.glyphs import glyph
from tests.test_modelfile import make_classifier

BAR = np.zeros((64, 64), np.uint8)
BAR[8:56, 28:36] = 255

HOLDS_THE_LOCK = """
import sys, time
import numpy as np
from model.samples import SampleSet

samples = SampleSet(sys.argv[1])
image = np.zeros((64, 64), np.uint8)
image[8:56, 28:36] = 255
with samples.writing():
    print("locked", flush=True)
    for _ in range(int(sys.argv[2])):
        samples.add(image, "a")
        time.sleep(0.05)
    if sys.argv[3:] == ["hold"]:
        sys.stdin.readline()  # keep the lock until told to let go
"""


def script(code: str, *args, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], cwd=ROOT, env=ENV,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


@pytest.fixture
def one_png(tmp_path) -> Path:
    path = tmp_path / "one.png"
    glyph("bar", np.random.default_rng(0)).save(path)
    return path


@pytest.fixture
def base(tmp_path) -> Path:
    samples = SampleSet(tmp_path / "s.h5")
    samples.add_many([BAR] * 5, ["b"] * 5)
    return samples.path


# --- two writers -----------------------------------------------------------------------------

def test_a_second_writer_waits_for_the_first_and_no_sample_is_lost(base, one_png, tmp_path):
    first = script(HOLDS_THE_LOCK, base, 8, "hold")
    assert first.stdout.readline() == "locked\n"
    err_path = tmp_path / "second.err"
    with open(err_path, "w") as err_file:
        second = subprocess.Popen([sys.executable, "-m", "app.main", "import", str(one_png),
                                   "--label", "3", "--out", str(base)], cwd=ROOT, env=ENV,
                                  stdout=subprocess.PIPE, stderr=err_file, text=True)
        deadline = time.monotonic() + 60
        while "waiting" not in err_path.read_text() and time.monotonic() < deadline:
            assert second.poll() is None, err_path.read_text()
            time.sleep(0.02)
        first.communicate("go\n", timeout=60)  # the first writer finishes and lets go
        out, _ = second.communicate(timeout=60)
    err = err_path.read_text()
    assert first.returncode == 0 and second.returncode == 0, err
    assert err == (f"waiting for another program (process {first.pid}) to finish writing "
                   "s.h5...\n")
    assert "(now 14)" in out  # 5 before, 8 from the first writer, 1 from the second
    assert SampleSet(base).labels() == ["b"] * 5 + ["a"] * 8 + ["3"]


def test_a_writer_that_will_not_wait_fails_with_one_clear_line(base):
    first = script(HOLDS_THE_LOCK, base, 10, "hold")
    assert first.stdout.readline() == "locked\n"
    impatient = SampleSet(base, lock_timeout=0.2)
    with pytest.raises(SampleSetError, match=rf"s\.h5 is being changed by another program "
                       rf"\(process {first.pid}\); try again when it has finished"):
        impatient.add(BAR, "x")
    first.communicate("go\n", timeout=60)
    impatient.add(BAR, "x")  # the lock is free again; the other writer's samples are kept
    assert SampleSet(base).labels() == ["b"] * 5 + ["a"] * 10 + ["x"]


def test_the_app_store_reads_in_what_a_command_added(qapp, base, one_png):
    from app.samples_panel import SampleStore

    store = SampleStore(base)
    ok("import", one_png, "--label", "3", "--out", base)
    store.add(glyph("ring", np.random.default_rng(1)), "o")  # catches up, then appends
    assert store.samples.labels() == ["b"] * 5 + ["3", "o"]
    assert SampleSet(base).labels() == store.samples.labels()
    store.delete([0])
    assert SampleSet(base).labels() == ["b"] * 4 + ["3", "o"]


def test_a_delete_after_another_program_replaced_the_file_is_refused(base):
    stale, other = SampleSet(base), SampleSet(base)
    other.delete([0, 1])
    with pytest.raises(SampleSetError, match="replaced by another program meanwhile"):
        stale.delete([4])
    assert len(stale) == 3 and SampleSet(base).labels() == ["b"] * 3  # read again, unchanged


def test_a_live_writers_file_is_never_rewritten_by_a_reader(base):
    first = script(HOLDS_THE_LOCK, base, 6)
    assert first.stdout.readline() == "locked\n"
    inode = base.stat().st_ino
    deadline = time.monotonic() + 30
    while first.poll() is None and time.monotonic() < deadline:
        assert 5 <= len(SampleSet(base)) <= 11  # readers see committed samples only
        time.sleep(0.02)
    first.communicate(timeout=60)
    assert base.stat().st_ino == inode and len(SampleSet(base)) == 11


OPENS_FOR_APPEND = """
import sys
from pathlib import Path
from model.h5io import open_for_append

appending = open_for_append(Path(sys.argv[1]))
print("open", flush=True)
sys.stdin.readline()
"""


@pytest.mark.parametrize("writer", ["alive", "killed"])
def test_out_to_a_sample_set_a_writer_has_open_adds_to_it(base, one_png, writer):
    holder = script(OPENS_FOR_APPEND, base)
    assert holder.stdout.readline() == "open\n"  # HDF5 now flags the file as open for write
    if writer == "alive":
        assert has_format(base, SAMPLES_FORMAT)  # what `--out` and the app check first
        holder.communicate("go\n", timeout=60)
    else:
        holder.kill()
        holder.communicate(timeout=60)
    out = ok("import", one_png, "--label", "3", "--out", base).stdout
    assert "(now 6)" in out and SampleSet(base).labels() == ["b"] * 5 + ["3"]


# --- full disk -------------------------------------------------------------------------------

def file_size_limit(limit: int):
    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of death, like ENOSPC
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return limit_file_size


def test_a_full_disk_during_an_append_is_one_error_line_and_no_crash(base, one_png):
    size = base.stat().st_size
    result = subprocess.run(
        [sys.executable, "-m", "app.main", "import", str(one_png), "--label", "3",
         "--out", str(base)], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=60,
        preexec_fn=file_size_limit(size + 8192))
    assert result.returncode == 1, (result.returncode, result.stderr)  # not -11 (SIGSEGV)
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("error: cannot add to s.h5: ")
    assert "File too large" in result.stderr
    with h5py.File(base, "r") as f:  # the file is intact and plain h5py still opens it
        assert f.attrs["count"] == 5
    assert SampleSet(base).labels() == ["b"] * 5


SAVES = """
import sys
from model.modelfile import save_model
from model.samples import SampleSet
from tests.test_modelfile import make_classifier
import numpy as np
image = np.zeros((64, 64), np.uint8)
image[8:56, 28:36] = 255
try:
    if sys.argv[1] == "model":
        save_model(make_classifier(), sys.argv[2])
    else:
        SampleSet(sys.argv[2]).add_many([image] * 50, ["a"] * 50)
except Exception as exc:
    print(type(exc).__name__, exc)
"""


@pytest.mark.parametrize("kind", ["model", "samples"])
def test_a_full_disk_while_a_file_is_written_whole(tmp_path, kind):
    target = tmp_path / "new.h5"
    result = subprocess.run([sys.executable, "-c", SAVES, kind, str(target)], cwd=ROOT, env=ENV,
                            capture_output=True, text=True, timeout=60,
                            preexec_fn=file_size_limit(4096))
    assert result.returncode == 0, result.stderr  # no crash at exit
    assert "File too large" in result.stdout and result.stderr == ""
    left = [path.name for path in tmp_path.iterdir()]
    assert left in ([], [".new.h5.lock"])  # no half-written file, no temporary


# --- Ctrl+C ----------------------------------------------------------------------------------

def test_ctrl_c_during_an_import_keeps_what_was_written_and_says_so(tmp_path):
    png = tmp_path / "one.png"
    glyph("bar", np.random.default_rng(0)).save(png)
    folder = tmp_path / "many" / "7"
    folder.mkdir(parents=True)
    data = png.read_bytes()
    batches = 8  # enough that Ctrl+C lands before the last one, even on an idle machine
    for i in range(batches * IMPORT_BATCH):
        (folder / f"{i}.png").write_bytes(data)
    out = tmp_path / "s.h5"
    proc = subprocess.Popen([sys.executable, "-m", "app.main", "import", str(folder.parent),
                             "--out", str(out)], cwd=ROOT, env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not out.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.splitlines() == [err.strip()] and "Exception ignored" not in err
    assert err.startswith("error: interrupted; the ")
    kept = int(err.split("the ")[1].split()[0])
    assert kept % IMPORT_BATCH == 0 and 0 < kept < batches * IMPORT_BATCH
    with h5py.File(out, "r") as f:  # plain h5py opens it: the append was not cut short
        assert f.attrs["count"] == kept
    assert len(SampleSet(out)) == kept


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads /proc/PID/maps")
@pytest.mark.parametrize("library", ["_multiarray_umath", "libhdf5", "_imaging", "h5py/_objects"])
def test_ctrl_c_while_a_command_loads_its_libraries_is_one_line(library):
    """Ctrl+C the moment a library is loaded (numpy, then HDF5, Pillow, h5py): charrec's
    code is running from the first, and says "interrupted" in one line.

    The interpreter's own start-up, before the first line of charrec runs, is out of reach
    (the editable install's path finder alone takes ~50 ms of it).
    """
    proc = subprocess.Popen([sys.executable, "-m", "app.main", "info"], cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    maps = Path(f"/proc/{proc.pid}/maps")
    deadline = time.monotonic() + 30
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            if library in maps.read_text():
                break
        except OSError:
            break
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (proc.returncode, err)
    assert err == "error: interrupted\n"


def test_ctrl_c_inside_a_write_is_held_until_it_is_done():
    done = []
    with pytest.raises(KeyboardInterrupt), interrupts_deferred():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
        done.append("the write finished")
    assert done == ["the write finished"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


# --- paths and names -------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["import", "train"])
def test_out_to_a_device_or_a_pipe_is_refused(tmp_path, one_png, command):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    for target, kind in (("/dev/null", "character device"), (pipe, "named pipe")):
        args = ([one_png, "--label", "a"] if command == "import" else [tmp_path, *SMALL])
        line = fails(command, *args, "--out", target)
        assert f"{target} is a {kind}, not a regular file" in line
    assert Path("/dev/null").is_char_device() and pipe.is_fifo()


def test_out_through_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path, one_png):
    real = tmp_path / "real.h5"
    link = tmp_path / "link.h5"
    link.symlink_to(real)  # not there yet: the first write makes it
    ok("import", one_png, "--label", "a", "--out", link)
    ok("import", one_png, "--label", "b", "--out", link)
    assert link.is_symlink() and SampleSet(real).labels() == ["a", "b"]
    model_link = tmp_path / "model-link.h5"
    model_link.symlink_to(tmp_path / "model.h5")
    save_model(make_classifier(), model_link)
    save_model(make_classifier(seed=1), model_link)  # a replace, through the link
    assert model_link.is_symlink() and load_model(tmp_path / "model.h5").name == "test model"


def test_non_utf8_file_names_are_printed_escaped(tmp_path, tiny_model_path):
    folder = os.fsencode(tmp_path)
    name = folder + b"/bad\xff.png"
    glyph("bar", np.random.default_rng(0)).save(os.fsdecode(name))
    env = {**ENV, "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": ""}
    result = subprocess.run([sys.executable, "-m", "app.main", "predict", name,
                             "--model", str(tiny_model_path)], cwd=ROOT, env=env,
                            capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert b"bad\\xff.png: " in result.stdout and b"\xff" not in result.stdout
    imported = subprocess.run([sys.executable, "-m", "app.main", "import", name, "--label", "a",
                               "--out", folder + b"/s.h5", "--json"], cwd=ROOT, env=env,
                              capture_output=True, timeout=60)
    assert imported.returncode == 0, imported.stderr
    assert b'"total": 1' in imported.stdout


def test_control_characters_in_model_names_never_reach_the_terminal(tmp_path, one_png):
    classifier = make_classifier()
    classifier.name = "evil\x1b[2J\u202e"
    path = tmp_path / "evil.h5"
    save_model(classifier, path)
    for args in (["info", path], ["predict", one_png, "--model", path, "--json"],
                 ["info", path, "--json"]):
        result = ok(*args)
        assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "evil\\u001b[2J\\u202e" in ok("info", path).stdout


def test_a_stale_temporary_of_a_killed_save_is_removed(tmp_path):
    target = tmp_path / "model.h5"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    stale = tmp_path / f".model.h5.{dead.stdout.strip()}.k1ll3d.tmp"
    live = tmp_path / f".model.h5.{os.getpid()}.saving.tmp"
    other = tmp_path / ".other.h5.1.x.tmp"
    for path in (stale, live, other):
        path.write_bytes(b"\0" * 1000)
    save_model(make_classifier(), target)
    assert not stale.exists() and live.exists() and other.exists()
    remove_stale_temporaries(tmp_path / "other.h5")
    assert other.exists()  # the temporary of process 1, which always runs


def damaged_tiff(path: Path) -> Path:
    """A TIFF whose compression tag claims two values: PIL reads it and warns."""
    glyph("bar", np.random.default_rng(0)).save(path)
    data = bytearray(path.read_bytes())
    ifd = struct.unpack_from("<I", data, 4)[0]
    for k in range(struct.unpack_from("<H", data, ifd)[0]):
        at = ifd + 2 + 12 * k
        if struct.unpack_from("<H", data, at)[0] == 259:
            struct.pack_into("<I", data, at + 4, 2)
    path.write_bytes(data)
    return path


def test_damaged_tiffs_give_one_warning_line(tmp_path, tiny_model_path):
    folder = tmp_path / "data" / "x"
    folder.mkdir(parents=True)
    for i in range(3):
        damaged_tiff(folder / f"{i}.tif")
    result = ok("import", tmp_path / "data", "--out", tmp_path / "s.h5")
    assert result.stderr.splitlines() == [
        f"warning: 3 image files had damaged data and were read anyway: {folder / '0.tif'} "
        "(Metadata Warning, tag 259 had too many entries: 2, expected 1) and 2 more"]
    predicted = ok("predict", folder / "0.tif", "--model", tiny_model_path)
    assert predicted.stderr.count("\n") == 1 and "UserWarning" not in predicted.stderr


def test_a_model_no_better_than_chance_is_not_saved(tmp_path):
    folder = tmp_path / "data"
    rng = np.random.default_rng(0)
    for shape in ("bar", "ring"):
        (folder / shape).mkdir(parents=True)
        for i in range(12):
            glyph(shape, rng).save(folder / shape / f"{i}.png")
    result = charrec("train", folder, "--out", tmp_path / "m.h5", "--lr", "1e6", "--optimizer",
                     "sgd", "--hidden", "16", "--epochs", "3", "--val", "0")
    assert result.returncode == 1
    line = result.stderr.splitlines()[-1]  # after the progress lines
    assert line.startswith("error: training failed: the loss rose from ")
    assert "no better than always answering" in line and "not kept" in line
    assert not (tmp_path / "m.h5").exists()


def test_an_unhandled_case_is_named_not_unexpected(monkeypatch, capsys):
    from app import cli

    def explode(args):
        raise RuntimeError("the impossible happened")

    monkeypatch.setattr(cli, "add_info", lambda commands: commands.add_parser(
        "info").set_defaults(run=explode))
    assert cli.main(["info"]) == 1
    err = capsys.readouterr().err
    assert err == ("error: 'charrec info' failed on a case charrec does not handle yet "
                   "(RuntimeError: the impossible happened); please report it\n")


def test_charrec_runs_as_a_script(tmp_path):
    assert charrec("info").returncode == 0
