"""charrec predict: built-in and trained models, strings, unknown drawings, bad images."""

from pathlib import Path

import pytest
from PIL import Image

from tests.cli_helpers import GLYPHS, as_json, charrec, fails, ok
from tests.glyphs import SHAPES, text_image


def text_file(path: Path, text: str) -> Path:
    """``text`` rendered by :func:`tests.glyphs.text_image`, saved to ``path``."""
    text_image(text).save(path)
    return path


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


def test_a_line_read_by_a_model_marks_the_glyphs_that_are_none_of_its_labels(tmp, model):
    """A model of three shapes reading letters: each is "?" (it had read them as its shapes,
    whatever --reject-threshold said); with threshold 0 nothing is refused."""
    letters = text_file(tmp / "xkw.png", "x k w")
    report = as_json(ok("predict", letters, "--model", model, "--split", "--json"))
    reading = report["predictions"][0]
    assert [g["known"] for g in reading["glyphs"]] == [False] * 3
    assert reading["text"] == "? ? ?"
    never = as_json(ok("predict", letters, "--model", model, "--split", "--json",
                       "--reject-threshold", "0"))["predictions"][0]
    assert all(g["known"] for g in never["glyphs"]) and "?" not in never["text"]


def test_predict_points_to_split_for_an_image_of_several_characters(tmp):
    """Without --split a line of text is one unknown character ("?"); a note says why."""
    line = text_file(tmp / "word.png", "abc")
    result = ok("predict", line, "--model", "printed")
    assert result.stderr == f"note: {line} looks like 3 characters; --split reads them as text\n"
    assert ok("predict", GLYPHS / "printed-lower-b.png", "--model", "printed").stderr == ""
    assert ok("predict", line, "--model", "printed", "--split").stderr == ""


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


def test_a_model_or_sample_set_given_as_an_image_is_named_for_what_it_is(tmp, folder, model):
    samples = tmp / "not-an-image.h5"
    ok("import", folder, "--out", samples)
    assert fails("predict", model).endswith(f"cannot read {model.name}: it is a charrec model "
                                            "file, not an image")
    assert fails("predict", samples).endswith("it is a charrec sample set, not an image")


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
