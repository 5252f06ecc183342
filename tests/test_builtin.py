"""The built-in models ship, load, and read the team's own test glyphs."""

import json
import string
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench.canvas_digits import make_set
from model.builtin import BUILTIN_NAMES, builtin_path, default_model_path, resolve_model
from model.modelfile import load_model
from model.preprocess import load_image
from model.sketch import place, scribble
from model.strokes import render_strokes

from .test_reject import OTHER_SHAPES, TEST_SHAPES, drawings

GLYPHS = Path(__file__).resolve().parent / "data" / "glyphs"
CLASSES = {"digits": list(string.digits),
           "printed": list(string.digits + string.ascii_uppercase + string.ascii_lowercase)}


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_builtin_model_loads_with_its_documented_classes(name):
    path = builtin_path(name)
    assert path.is_file(), f"resources/models/{name}.h5 is missing"
    # weights (three networks each) and reject prototypes: 7.7 MB (digits) and 9.2 MB (printed)
    assert path.stat().st_size < 10 * 1024 * 1024
    classifier = load_model(resolve_model(name))
    assert classifier.labels == CLASSES[name]
    assert classifier.training["held_out"]


def test_digits_is_the_default_model():
    assert default_model_path() == builtin_path("digits")


@pytest.mark.parametrize(("name", "pattern"), [("digits", "drawn-*.png"),
                                               ("printed", "printed-*.png")])
def test_builtin_models_read_the_test_glyphs(name, pattern):
    classifier = load_model(builtin_path(name))
    paths = sorted(GLYPHS.glob(pattern))
    assert len(paths) == 10
    for path in paths:
        label = classifier.recognize(load_image(path), read_text=False).label
        assert label == path.stem[-1], f"{path.name} read as {label!r}"


def test_predict_without_a_model_uses_the_digits_model():
    result = subprocess.run([sys.executable, "-m", "app.main", "predict", "--json",
                             str(GLYPHS / "drawn-4.png"), str(GLYPHS / "drawn-7.png")],
                            capture_output=True, text=True, timeout=120,
                            cwd=Path(__file__).resolve().parents[1])
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert [p["label"] for p in out["predictions"]] == ["4", "7"]


def test_the_digits_model_refuses_letters_and_scribbles_and_knows_digits():
    classifier = load_model(builtin_path("digits"))
    assert classifier.background
    letters, _ = drawings({**TEST_SHAPES, **OTHER_SHAPES}, 10, seed=31)
    rng = np.random.default_rng(32)
    scribbles = [render_strokes(place(scribble(rng), rng)) for _ in range(20)]
    refused = [not classifier.recognize(image, read_text=False).known
               for image in [*letters, *scribbles]]
    assert np.mean(refused) >= 0.8
    digits = [load_image(path) for path in sorted(GLYPHS.glob("drawn-*.png"))]
    assert all(classifier.recognize(image, read_text=False).known for image in digits)
    results = [(classifier.recognize(image, read_text=False), label)  # pen-drawn, plain "1"s too
               for image, label in make_set(6, 41)]
    assert np.mean([r.known and r.top[0][0] == label for r, label in results]) >= 0.95
