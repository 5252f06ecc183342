"""charrec evaluate and info: a model's scores on a folder, and what model and sample files hold."""

import numpy as np
import pytest
from PIL import Image

from app.cli_evaluate import EVALUATED
from model.validation import accuracy_text
from tests.cli_helpers import GLYPHS, as_json, fails, ok
from tests.glyphs import SHAPES, write_folder

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
    assert text.startswith(f"model {model}\naccuracy: too few ")
    assert "confusion matrix" in text
    for label in SHAPES:
        assert any(line.split()[:3] == [label, "8", "too"] for line in text.splitlines()), text


def test_evaluate_shows_accuracy_as_every_accuracy_is_shown(tmp, folder, model):
    """Through accuracy_text: "too few" below MIN_HELD_OUT samples, never a bare 100%."""
    one = tmp / "one-sample"
    (one / "ring").mkdir(parents=True)
    (one / "ring" / "0.png").write_bytes((folder / "ring" / "0.png").read_bytes())
    lines = ok("evaluate", one, "--model", model).stdout.splitlines()
    assert lines[1] == f"accuracy: {accuracy_text(1.0, 1, EVALUATED)}"
    assert "too few" in lines[1] and "1 samples" not in lines[1] and "100" not in lines[1]
    thirty = write_folder(tmp / "thirty", per_class=10)
    scores = as_json(ok("evaluate", thirty, "--model", model, "--json"))
    lines = ok("evaluate", thirty, "--model", model).stdout.splitlines()
    assert lines[1] == f"accuracy: {accuracy_text(scores['accuracy'], 30, EVALUATED)}"
    assert lines[3] == f"known and right: {accuracy_text(scores['known_right'], 30, EVALUATED)}"


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


def test_evaluate_counts_labels_the_model_does_not_know(folder):
    scores = as_json(ok("evaluate", folder, "--json"))  # the built-in digits model
    assert scores["accuracy"] == 0
    assert scores["unknown_labels"] == sorted(SHAPES)
    assert scores["classes"] == [*"0123456789", *sorted(SHAPES)]
    text = ok("evaluate", folder).stdout
    assert "labels the model does not know (counted as errors): bar cross ring" in text


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


def test_train_and_evaluate_on_nothing_usable_say_why_like_import(tmp, folder, model):
    unusable = tmp / "unusable"
    (unusable / "a\tb").mkdir(parents=True)
    (unusable / "a\tb" / "0.png").write_bytes((folder / "bar" / "0.png").read_bytes())
    why = fails("import", unusable, "--out", tmp / "unused.h5").split("; ", 1)[1]
    assert why.startswith("1 skipped (") and "control characters" in why
    for command in (["train", unusable, "--out", tmp / "unused.h5"],
                    ["evaluate", unusable, "--model", model]):
        assert fails(*command).endswith(f"; {why}")
