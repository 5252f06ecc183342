"""The charrec command line, run as a user runs it: ``python -m app.main <command>``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
from PIL import Image

from model.modelfile import load_model
from tests.glyphs import SHAPES, text_image, write_folder

ROOT = Path(__file__).resolve().parents[1]
GLYPHS = ROOT / "tests" / "data" / "glyphs"
ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
SMALL = ["--hidden", "16", "--epochs", "3", "--batch-size", "8"]
COMMANDS = ("import", "train", "evaluate", "predict", "info")


def charrec(*args, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``charrec ARGS`` in a fresh process; never from a terminal."""
    return subprocess.run([sys.executable, "-m", "app.main", *map(str, args)], cwd=ROOT,
                          env=ENV, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def ok(*args) -> subprocess.CompletedProcess:
    result = charrec(*args)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def as_json(result: subprocess.CompletedProcess) -> dict:
    """The single JSON object on stdout."""
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    data = json.loads(lines[0])
    assert isinstance(data, dict)
    return data


def fails(*args, status: int | None = None) -> str:
    """Run a command that must fail with one ``error:`` line; return that line."""
    result = charrec(*args)
    assert result.returncode != 0
    if status is not None:
        assert result.returncode == status
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert len(lines[0]) > len("error: ") + 5
    return lines[0]


# --- data --------------------------------------------------------------------------------------

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
    out = tmp / "shapes.h5"
    ok("train", folder, "--out", out, *SMALL, "--seed", "1")
    return out


@pytest.fixture(scope="module")
def bad(tmp) -> dict[str, Path]:
    """Files that are not usable images or models."""
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


def text_file(path: Path, text: str) -> Path:
    """``text`` rendered by :func:`tests.glyphs.text_image`, saved to ``path``."""
    text_image(text).save(path)
    return path


# --- help and usage ----------------------------------------------------------------------------

@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_command_has_help(command):
    result = ok(*([command] if command else []), "--help")
    assert result.stdout.startswith("usage: charrec" + (f" {command}" if command else ""))
    if command is None:
        for name in COMMANDS:
            assert name in result.stdout


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag):
    from model import __version__

    assert ok(flag).stdout == f"charrec {__version__}\n"
    assert "-V, --version" in ok("--help").stdout


def test_an_unknown_option_is_named_and_agrees_with_help():
    line = fails("--foo", status=2)
    assert line == "error: unrecognized arguments: --foo (see 'charrec --help')"
    assert "[COMMAND ...]" in ok("--help").stdout  # no command opens the app, as help says


def test_the_command_line_without_a_command_says_how_to_open_the_app(capsys):
    from app.cli import main

    assert main([]) == 2
    assert "without arguments to open the app" in capsys.readouterr().err


def test_unknown_command_is_one_error_line():
    line = fails("bogus", status=2)
    assert "bogus" in line and "train" in line


def test_cli_never_imports_qt():
    code = ("import sys, app.cli; from app.main import main; status = main(['info']); "
            "assert status == 0, status; "
            "assert 'PySide6' not in sys.modules, 'PySide6 imported'; print('no qt')")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=ENV,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "no qt"


# --- import ------------------------------------------------------------------------------------

def test_import_counts_labels_skips_bad_files_and_appends(tmp, folder, bad):
    source = write_folder(tmp / "import-src", per_class=3, shapes=("bar", "ring"))
    (source / "labels.json").write_text(json.dumps({"bar": "|", "ring": "o"}))
    for name in ("corrupt.png", "bomb.png"):
        (source / "bar" / name).write_bytes(bad[name].read_bytes())
    out = tmp / "samples.h5"

    report = as_json(ok("import", source, "--out", out, "--json"))
    assert report["added"] == {"|": 3, "o": 3}
    assert report["total"] == 6
    skipped = {Path(s["path"]).name: s["reason"] for s in report["skipped"]}
    assert set(skipped) == {"corrupt.png", "bomb.png"}
    assert "too large" in skipped["bomb.png"]
    assert "cannot read corrupt.png" in skipped["corrupt.png"]

    text = ok("import", folder, GLYPHS / "drawn-3.png", "--out", out, "--label", "3").stdout
    assert "added 25 samples" in text and "now 31" in text
    for label, count in (("bar", 8), ("cross", 8), ("ring", 8), ("3", 1)):
        assert any(line.split() == [label, str(count)] for line in text.splitlines()), text

    info = as_json(ok("info", out, "--json"))
    assert info["kind"] == "samples"
    assert info["n"] == 31
    assert info["counts"] == {"|": 3, "o": 3, "bar": 8, "cross": 8, "ring": 8, "3": 1}


def test_import_of_nothing_usable_fails(tmp, bad):
    out = tmp / "nothing.h5"
    line = fails("import", bad["text.png"], "--out", out, "--label", "x")
    assert "no images were imported" in line
    line = fails("import", GLYPHS / "drawn-3.png", "--out", out)
    assert "label" in line
    assert fails("import", bad["missing.png"], "--out", out, "--label", "x")
    assert "foreign.h5" in fails("import", GLYPHS / "drawn-3.png", "--label", "3",
                                 "--out", bad["foreign.h5"])


# --- train -------------------------------------------------------------------------------------

def test_train_static_reports_json_and_saves_a_loadable_model(tmp, folder):
    out = tmp / "static.h5"
    result = ok("train", folder, "--out", out, *SMALL, "--activation", "tanh",
                "--optimizer", "sgd", "--lr", "0.05", "--val", "0.25", "--no-augment",
                "--seed", "3", "--json")
    report = as_json(result)
    assert report["epochs"] == 3
    assert report["stopped"] == "completed"
    assert report["n_samples"] == 24
    assert report["classes"] == sorted(SHAPES)
    assert report["train_seconds"] > 0
    assert report["samples_per_second"] > 0
    assert np.isfinite(report["loss"]) and report["loss"] > 0
    assert 0 <= report["val_accuracy"] <= 1
    assert 0 <= report["accuracy"] <= 1
    assert report["summary"].startswith("static 784-16-3 tanh")
    # not a terminal: one plain progress line per epoch on stderr
    progress = result.stderr.splitlines()
    assert [line.split("  ")[0] for line in progress] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"]
    assert "\r" not in result.stderr
    classifier = load_model(out)
    assert classifier.labels == sorted(SHAPES)
    assert classifier.network.summary() == report["summary"]
    assert len(classifier.history.loss) == 3


def test_train_recurrent_from_a_sample_set(tmp, folder):
    samples = tmp / "train-samples.h5"
    ok("import", folder, "--out", samples)
    out = tmp / "recurrent.h5"
    report = as_json(ok("train", samples, "--out", out, "--type", "recurrent", *SMALL,
                        "--max-iter", "20", "--tol", "1e-3", "--json"))
    assert report["summary"].startswith("recurrent 784-16-3 relu")
    assert report["n_samples"] == 24
    classifier = load_model(out)
    assert classifier.labels == sorted(SHAPES)
    assert classifier.describe()["type"] == "recurrent"


def test_train_human_output(tmp, folder):
    out = tmp / "human.h5"
    text = ok("train", folder, "--out", out, *SMALL, "--name", "Shapes").stdout
    assert "on 24 samples (3 classes)" in text
    assert "3 epochs (completed): final loss" in text
    # 24 samples: automatic validation holds none out, and says so instead of a figure
    assert "validation: no held-out samples to estimate accuracy" in text
    assert "reject threshold 0." in text
    assert text.splitlines()[-1] == f"saved {out}"
    assert load_model(out).name == "Shapes"
    text = ok("train", folder, "--out", out, *SMALL, "--val", "0.25").stdout
    line = next(line for line in text.splitlines() if line.startswith("validation:"))
    assert "too few held-out samples to estimate accuracy (6 samples; 30 needed)" in line
    assert "%" not in line


def test_train_init_continues_and_adds_labels(tmp, folder, model):
    extra = write_folder(tmp / "more", per_class=4, shapes=("bar", "ring"))
    write_folder(extra, per_class=1, shapes=("cross",))
    (extra / "dot").mkdir()
    Image.open(GLYPHS / "drawn-0.png").save(extra / "dot" / "0.png")
    Image.open(GLYPHS / "drawn-1.png").save(extra / "dot" / "1.png")
    out = tmp / "continued.h5"
    report = as_json(ok("train", extra, "--out", out, "--init", model, "--epochs", "2",
                        "--val", "0", "--json"))
    assert report["epochs"] == 2
    assert report["classes"] == [*sorted(SHAPES), "dot"]
    assert report["summary"].startswith("static 784-16-4")
    continued = load_model(out)
    assert continued.labels == [*sorted(SHAPES), "dot"]
    assert len(continued.history.loss) == 3 + 2
    assert continued.name == load_model(model).name
    assert load_model(model).labels == sorted(SHAPES)  # the --init file is unchanged


def test_train_init_keeps_the_network(tmp, folder, model):
    line = fails("train", folder, "--out", tmp / "x.h5", "--init", model, "--hidden", "8",
                 "--type", "recurrent")
    assert "--type" in line and "--hidden" in line and "--init" in line
    assert not (tmp / "x.h5").exists()


def test_train_never_overwrites_its_own_sample_set(tmp, folder):
    samples = tmp / "own.h5"
    ok("import", folder, "--out", samples)
    before = samples.read_bytes()
    line = fails("train", samples, "--out", samples, *SMALL)
    assert "sample set" in line and "another file name" in line
    assert samples.read_bytes() == before
    assert as_json(ok("info", samples, "--json"))["n"] == 24


def test_evaluate_counts_labels_the_model_does_not_know(folder):
    scores = as_json(ok("evaluate", folder, "--json"))  # the built-in digits model
    assert scores["accuracy"] == 0
    assert scores["unknown_labels"] == sorted(SHAPES)
    assert scores["classes"] == [*"0123456789", *sorted(SHAPES)]
    text = ok("evaluate", folder).stdout
    assert "labels the model does not know (counted as errors): bar cross ring" in text


def test_train_on_one_class_fails(tmp):
    one = write_folder(tmp / "one-class", per_class=4, shapes=("ring",))
    line = fails("train", one, "--out", tmp / "one.h5", *SMALL)
    assert "two different labels" in line
    assert not (tmp / "one.h5").exists()


@pytest.mark.parametrize(("flags", "message"), [
    (["--lr", "-1"], "learning rate"),
    (["--lr", "nan"], "learning rate"),
    (["--lr", "inf"], "learning rate"),
    (["--epochs", "0"], "epochs"),
    (["--epochs", "two"], "--epochs"),
    (["--hidden", "abc"], "hidden"),
    (["--hidden", "0"], "hidden"),
    (["--hidden", "16,-3"], "hidden"),
    (["--val", "1.5"], "validation"),
    (["--val", "-0.1"], "validation"),
    (["--batch-size", "0"], "batch size"),
    (["--type", "quantum"], "quantum"),
    (["--optimizer", "magic"], "magic"),
    (["--activation", "cosine"], "cosine"),
    (["--type", "recurrent", "--hidden", ""], "recurrent"),
    (["--type", "recurrent", "--hidden", "256,128"], "exactly one hidden layer"),
    (["--max-iter", "0"], "iterations"),
    (["--tol", "-1"], "tolerance"),
    (["--seed", "-1"], "seed"),
])
def test_train_rejects_impossible_settings(tmp, folder, flags, message):
    out = tmp / "impossible.h5"
    line = fails("train", folder, "--out", out, *flags)
    assert message in line
    assert "unexpected" not in line
    assert not out.exists()


def test_train_rejects_bad_data_and_outputs(tmp, folder, bad):
    assert "no such file" in fails("train", tmp / "nowhere", "--out", tmp / "x.h5")
    assert "folder" in fails("train", folder, "--out", tmp)
    assert "does not exist" in fails("train", folder, "--out", tmp / "no" / "x.h5")
    assert "notmodel.h5" in fails("train", bad["notmodel.h5"], "--out", tmp / "x.h5")
    assert "foreign.h5" in fails("train", bad["foreign.h5"], "--out", tmp / "x.h5")
    assert "foreign.h5" in fails("train", folder, "--out", tmp / "x.h5",
                                 "--init", bad["foreign.h5"])
    assert "notmodel.h5" in fails("train", folder, "--out", tmp / "x.h5",
                                  "--init", bad["notmodel.h5"])
    assert not (tmp / "x.h5").exists()


def test_output_read_only_in_part_ends_quietly():
    """'charrec info | head -1': the reader goes away before charrec writes."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        result = subprocess.run([sys.executable, "-m", "app.main", "info", "digits"], cwd=ROOT,
                                env=ENV, stdin=subprocess.DEVNULL, stdout=writer,
                                stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(writer)
    assert result.stderr == ""
    assert result.returncode == 141


def test_ctrl_c_stops_training_and_saves_nothing(tmp):
    data = write_folder(tmp / "bigger", per_class=40)
    out = tmp / "cancelled.h5"
    process = subprocess.Popen(
        [sys.executable, "-m", "app.main", "train", str(data), "--out", str(out),
         "--hidden", "64", "--epochs", "100000", "--batch-size", "8"],
        cwd=ROOT, env=ENV, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        first = process.stderr.readline()
        assert first.startswith("epoch 1/100000"), first
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130
    assert "Traceback" not in stderr
    assert stdout == ""
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    assert stderr.splitlines()[-1] == errors[0]
    assert "cancelled" in errors[0] and "nothing was saved" in errors[0]
    assert all(line.startswith("epoch ") for line in stderr.splitlines()[:-1])
    assert not out.exists()


# --- evaluate ----------------------------------------------------------------------------------

def test_evaluate_json_and_human_output(folder, model):
    scores = as_json(ok("evaluate", folder, "--model", model, "--json"))
    assert scores["n"] == 24
    assert scores["classes"] == sorted(SHAPES)
    assert set(scores["per_class"]) == set(SHAPES)
    confusion = np.array(scores["confusion"])
    assert confusion.shape == (3, 3) and confusion.sum() == 24
    assert (confusion.sum(axis=1) == 8).all()
    assert scores["accuracy"] == pytest.approx(np.trace(confusion) / 24)
    for i, label in enumerate(scores["classes"]):
        assert scores["per_class"][label] == pytest.approx(confusion[i, i] / 8)

    text = ok("evaluate", folder, "--model", model).stdout
    assert text.startswith(f"accuracy {scores['accuracy']:.2%} on 24 samples")
    assert "confusion matrix" in text
    for label in SHAPES:
        assert any(line.split()[:2] == [label, "8"] for line in text.splitlines()), text


def test_evaluate_defaults_to_the_builtin_digits_model(tmp):
    digits = tmp / "digits"
    for digit in "0123456789":
        (digits / digit).mkdir(parents=True)
        Image.open(GLYPHS / f"drawn-{digit}.png").save(digits / digit / "a.png")
    scores = as_json(ok("evaluate", digits, "--json"))
    assert scores["model"].endswith("digits.h5")
    assert scores["n"] == 10
    assert scores["classes"] == list("0123456789")
    assert scores["accuracy"] >= 0.8
    assert as_json(ok("evaluate", digits, "--model", "digits", "--json")) == scores


def test_evaluate_errors(tmp, folder, bad):
    assert "no such file" in fails("evaluate", tmp / "nowhere")
    assert "foreign.h5" in fails("evaluate", folder, "--model", bad["foreign.h5"])
    assert "notmodel.h5" in fails("evaluate", folder, "--model", bad["notmodel.h5"])
    assert "missing.png" in fails("evaluate", folder, "--model", bad["missing.png"])
    assert "nonsense" in fails("evaluate", folder, "--model", "nonsense")


# --- predict -----------------------------------------------------------------------------------

def test_predict_builtin_models():
    text = ok("predict", GLYPHS / "drawn-3.png", GLYPHS / "drawn-7.png").stdout.splitlines()
    assert len(text) == 2
    assert text[0].split(": ")[1].split()[0] == "3"
    assert text[1].split(": ")[1].split()[0] == "7"
    assert text[0].count("%") == 3  # --top 3 by default

    report = as_json(ok("predict", GLYPHS / "printed-upper-A.png", GLYPHS / "printed-lower-b.png",
                        "--model", "printed", "--top", "2", "--json"))
    assert report["model"].endswith("printed.h5")
    predictions = report["predictions"]
    assert [p["label"] for p in predictions] == ["A", "b"]
    for p in predictions:
        assert len(p["top"]) == 2
        assert p["top"][0] == {"label": p["label"], "probability": p["probability"]}
        assert 0.5 < p["probability"] <= 1
        assert p["top"][1]["probability"] <= p["probability"]


def test_predict_with_a_trained_model(folder, model):
    image = folder / "ring" / "0.png"
    report = as_json(ok("predict", image, "--model", model, "--top", "5", "--json"))
    top = report["predictions"][0]["top"]
    assert len(top) == 3  # only three classes
    assert sorted(t["label"] for t in top) == sorted(SHAPES)
    assert sum(t["probability"] for t in top) == pytest.approx(1, abs=1e-4)


def test_predict_split_reads_strings(tmp):
    digits = as_json(ok("predict", text_file(tmp / "123.png", "1 2 3"), "--split", "--json"))
    reading = digits["predictions"][0]
    assert reading["text"] == "1 2 3"
    assert len(reading["glyphs"]) == 3
    boxes = [g["box"] for g in reading["glyphs"]]
    assert boxes == sorted(boxes)  # left to right

    text = ok("predict", text_file(tmp / "ab.png", "ab"), "--split", "--model", "printed").stdout
    assert text.startswith(f"{tmp / 'ab.png'}: ab ")


@pytest.mark.parametrize(("name", "reason"), [
    ("corrupt.png", "cannot read corrupt.png"),
    ("text.png", "not an image"),
    ("empty.png", "empty"),
    ("bomb.png", "too large"),
    ("missing.png", "no such file"),
])
def test_predict_bad_images(bad, name, reason):
    line = fails("predict", bad[name])
    assert line.startswith(f"error: {bad[name]}: ")
    assert reason in line


def test_predict_reports_each_bad_image_and_still_reads_the_good_ones(bad):
    result = charrec("predict", GLYPHS / "drawn-3.png", bad["text.png"], bad["bomb.png"],
                     "--json")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = result.stderr.splitlines()
    assert len(errors) == 2
    assert errors[0].startswith(f"error: {bad['text.png']}: ")
    assert errors[1].startswith(f"error: {bad['bomb.png']}: ")
    predictions = as_json(result)["predictions"]
    assert predictions[0]["label"] == "3"
    assert "error" in predictions[1] and "error" in predictions[2]


def test_predict_marks_what_is_none_of_the_models_labels(folder, model):
    digit, ring = GLYPHS / "drawn-3.png", folder / "ring" / "0.png"
    report = as_json(ok("predict", digit, ring, "--model", model, "--json"))
    assert [p["known"] for p in report["predictions"]] == [False, True]
    text = ok("predict", digit, ring, "--model", model).stdout.splitlines()
    assert text[0].startswith(f"{digit}: ?  closest: ") and "?" not in text[1]
    never = as_json(ok("predict", digit, "--model", model, "--reject-threshold", "0", "--json"))
    assert never["predictions"][0]["known"] is True


@pytest.mark.parametrize("threshold", ["1.5", "-0.1", "nan", "inf", "high"])
def test_a_bad_reject_threshold_is_one_clear_error(folder, model, threshold):
    for command in ("predict", "evaluate"):
        target = GLYPHS / "drawn-3.png" if command == "predict" else folder
        line = fails(command, target, "--model", model, "--reject-threshold", threshold,
                     status=2)
        assert "reject threshold must be a number from 0 to 1" in line


def test_evaluate_reports_the_known_rate(folder, model):
    scores = as_json(ok("evaluate", folder, "--model", model, "--json"))
    assert 0 < scores["known_rate"] <= 1 and scores["known_right"] <= scores["known_rate"]
    never = as_json(ok("evaluate", folder, "--model", model, "--reject-threshold", "0",
                       "--json"))
    assert never["known_rate"] == 1 and never["known_right"] == never["accuracy"]
    strict = as_json(ok("evaluate", folder, "--model", model, "--reject-threshold", "1",
                        "--json"))
    assert strict["known_rate"] == 0 and strict["accuracy"] == scores["accuracy"]
    assert "known " in ok("evaluate", folder, "--model", model).stdout


def test_predict_blank_image_with_split(tmp):
    blank = tmp / "blank.png"
    Image.new("L", (80, 40), 255).save(blank)
    assert "blank.png" in fails("predict", blank, "--split")


def test_predict_errors(bad):
    assert "--top" in fails("predict", GLYPHS / "drawn-3.png", "--top", "0")
    assert "--top" in fails("predict", GLYPHS / "drawn-3.png", "--top", "x")
    assert "notmodel.h5" in fails("predict", GLYPHS / "drawn-3.png", "--model",
                                  bad["notmodel.h5"])
    assert "foreign.h5" in fails("predict", GLYPHS / "drawn-3.png", "--model", bad["foreign.h5"])
    assert "IMAGE" in fails("predict", status=2)


# --- info --------------------------------------------------------------------------------------

def test_info_default_and_builtin_models():
    default = ok("info").stdout
    assert default == ok("info", "digits").stdout
    assert "digits.h5" in default.splitlines()[0]
    assert "classes     10: 0 1 2 3 4 5 6 7 8 9" in default
    assert "input       28x28 pixels" in default
    assert "network     3 × static 784-" in default  # three networks averaged
    assert "trained     " in default and "epochs" in default

    info = as_json(ok("info", "printed", "--json"))
    assert info["path"].endswith("printed.h5")
    assert info["type"] == "static"
    assert info["input_size"] == [28, 28]
    assert {"A", "b", "7"} <= set(info["classes"])
    assert info["n_classes"] == len(info["classes"])
    assert info["architecture"]["n_inputs"] == 784


def test_info_of_a_trained_model(model):
    info = as_json(ok("info", model, "--json"))
    assert info["classes"] == sorted(SHAPES)
    assert info["architecture"]["hidden"] == [16]
    assert info["epochs_trained"] == 3
    assert info["training"]["n_samples"] == 24
    text = ok("info", model).stdout
    assert "static 784-16-3" in text
    assert "3 epochs" in text


def test_info_errors(tmp, bad):
    assert "foreign.h5" in fails("info", bad["foreign.h5"])
    assert "notmodel.h5" in fails("info", bad["notmodel.h5"])
    assert "nowhere.h5" in fails("info", tmp / "nowhere.h5")
    assert "quantum" in fails("info", "quantum")



def test_the_app_without_a_display_says_so_instead_of_aborting():
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-m", "app.main"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith("error: no display")
    assert len(result.stderr.strip().splitlines()) == 1
