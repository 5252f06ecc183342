"""charrec import and train: sample sets from image folders, models trained on them, bad input."""

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from model.modelfile import load_model
from tests.cli_helpers import ENV, GLYPHS, ROOT, SMALL, as_json, fails, ok
from tests.glyphs import SHAPES, write_folder

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
    # not a terminal: plain progress lines on stderr, the first epoch's and the last one's
    progress = result.stderr.splitlines()
    assert [line.split("  ")[0] for line in progress] == ["epoch 1/3", "epoch 3/3"]
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
    line = next(line for line in text.splitlines() if line.startswith("validation"))
    head, figure = line.split(": ", 1)  # the best epoch before the colon, not a second (...)
    assert re.fullmatch(r"validation \(best epoch \d\)", head), line
    assert "too few held-out samples" in figure and figure.count("(") == 1
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


def test_progress_in_a_log_is_a_line_every_few_seconds_and_the_last(tmp, folder):
    result = ok("train", folder, "--out", tmp / "long.h5", "--hidden", "8", "--batch-size",
                "8", "--epochs", "300", "--max-seconds", "3", "--json")
    epochs = as_json(result)["epochs"]
    progress = result.stderr.splitlines()
    assert 2 <= len(progress) <= 3, result.stderr  # 3 s at most: the first, maybe one more
    assert progress[0].startswith("epoch 1/300  ")
    assert progress[-1].startswith(f"epoch {epochs}/300  ")
    assert all("at most " in line for line in progress if line.endswith(" left"))


def test_progress_says_how_long_the_run_may_still_take_at_most(monkeypatch):
    import io

    from app.cli_train import ProgressPrinter
    from model.progress import Progress

    now = [50.0]
    monkeypatch.setattr("app.cli_train.time.perf_counter", lambda: now[0])
    stream = io.StringIO()
    printer = ProgressPrinter(stream, live=False)
    for seconds, epoch in ((60.0, 1), (90.0, 4)):  # 10 s of preparing, then 3 epochs in 30 s
        now[0] = seconds
        printer(Progress(epoch=epoch, epochs=10, batch=5, batches=5, loss=0.5, accuracy=0.9,
                         samples_per_second=100.0, epoch_done=True))
    printer.finish()
    first, last = stream.getvalue().splitlines()
    assert "left" not in first and last.endswith("at most 1 min 00 s left")


def test_train_without_hidden_layers_as_the_help_says(tmp, folder):
    report = as_json(ok("train", folder, "--out", tmp / "single.h5", "--hidden", "",
                        "--epochs", "1", "--json"))
    assert report["summary"].startswith("static 784-3 ")


def test_train_init_warns_of_the_labels_the_samples_lack(tmp, folder, model):
    partial = write_folder(tmp / "partial", per_class=4, shapes=("bar", "ring"))
    forgotten = sorted(set(SHAPES) - {"bar", "ring"})
    result = ok("train", partial, "--out", tmp / "partial.h5", "--init", model, "--epochs", "1",
                "--val", "0")
    warning = next(line for line in result.stderr.splitlines() if line.startswith("warning:"))
    assert f"none of the model's labels {', '.join(map(repr, forgotten))}:" in warning
    assert "forget" in warning
    assert "warning:" not in ok("train", folder, "--out", tmp / "whole.h5", "--init", model,
                                "--epochs", "1", "--val", "0").stderr


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
    (["--type", "recurrent", "--max-iter", "0"], "iterations"),
    (["--type", "recurrent", "--tol", "-1"], "tolerance"),
    (["--max-iter", "5"], "--max-iter: for recurrent networks only"),
    (["--type", "static", "--tol", "0.1"], "--tol: for recurrent networks only"),
    (["--conv", "8,,16"], "'8,,16'"),
    (["--hidden", ","], "','"),
    (["--hidden", "16,"], "'16,'"),
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
