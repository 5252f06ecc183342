"""Blank images, loading image files and preprocessing settings: what is refused, and how."""

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from model.preprocess import (
    MAX_IMAGE_PIXELS,
    EmptyGlyphError,
    ImageError,
    PreprocessConfig,
    load_image,
    preprocess,
    preprocess_many,
    split_glyphs,
    to_ink,
)
from tests.preprocess_helpers import CONFIG, REFERENCE, correlation, draw_two

# --------------------------------------------------------------------------- blank images

def few_pixels(value: int) -> np.ndarray:
    image = np.full((100, 100), 255, dtype=np.uint8)
    image[[10, 40, 70], [20, 50, 80]] = value
    return image


@pytest.mark.parametrize("image", [
    Image.new("L", (280, 280), 255),
    Image.new("L", (280, 280), 0),
    Image.new("L", (50, 30), 128),
    Image.new("RGB", (40, 40), (200, 30, 90)),
    Image.new("RGBA", (40, 40), (0, 0, 0, 0)),
    Image.new("1", (10, 10), 1),
    Image.fromarray(np.full((20, 20), 40000, dtype=np.uint16)),
    np.zeros((5, 5), dtype=bool),
    np.full((1, 1), 0.3),
    few_pixels(240),              # faint
    few_pixels(0),                # dark but isolated specks
    np.clip(np.random.default_rng(0).normal(200, 4, (64, 64)), 0, 255).astype(np.uint8),
], ids=["white", "black", "grey", "colour", "transparent", "1-bit", "16-bit", "bool", "1x1",
        "faint pixels", "specks", "paper noise"])
def test_blank_images_raise(image):
    with pytest.raises(EmptyGlyphError, match=r"^the image is blank"):
        preprocess(image)
    with pytest.raises(EmptyGlyphError):
        to_ink(image)
    assert split_glyphs(image) == []


def test_preprocess_many_names_the_blank_image():
    with pytest.raises(EmptyGlyphError, match=r"\(image 1\)$"):
        preprocess_many([draw_two(), Image.new("L", (9, 9), 255)], CONFIG)


def test_unsupported_arrays_raise_image_error():
    for bad in (np.zeros((4, 4, 5)), np.zeros((0, 3)), np.array([[np.nan, 1.0]]),
                np.zeros((2, 2, 2, 2)), np.array([["a"]])):
        with pytest.raises(ImageError):
            to_ink(bad)


@settings(max_examples=150, deadline=None)
@given(hnp.arrays(st.sampled_from([np.uint8, np.float32, np.uint16, np.int16, bool]),
                  hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=40),
                  elements={"allow_nan": False, "allow_infinity": False}),
       st.sampled_from([CONFIG, PreprocessConfig(16, 12, deskew=True, stroke_width=2)]))
def test_preprocess_never_crashes(array, config):
    h, w = array.shape
    for left, top, right, bottom in split_glyphs(array):
        assert 0 <= left < right <= w and 0 <= top < bottom <= h
    try:
        vector = preprocess(array, config)
    except EmptyGlyphError:
        return
    assert vector.shape == (config.n_inputs,) and vector.dtype == np.float32
    assert np.isfinite(vector).all() and vector.min() >= 0 and vector.max() <= 1
    assert vector.max() > 0


# --------------------------------------------------------------------------- loading files

@pytest.fixture(scope="module")
def bad_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("images")
    files = {name: folder / f"{name}.png" for name in
             ("empty", "text", "truncated", "corrupt", "bomb", "big", "missing")}
    files["folder"] = folder
    files["empty"].write_bytes(b"")
    files["text"].write_text("this is not a picture\n")
    draw_two().save(folder / "good.png")
    good = (folder / "good.png").read_bytes()
    files["truncated"].write_bytes(good[:400])
    files["corrupt"].write_bytes(good[:300] + bytes(200) + good[500:])
    Image.new("1", (20000, 20000)).save(files["bomb"])   # beyond Pillow's own limit
    Image.new("1", (8000, 6000)).save(files["big"])      # beyond ours only
    return files


@pytest.mark.parametrize("kind, message", [
    ("missing", "no such file"), ("empty", "empty"), ("text", "not an image"),
    ("truncated", "damaged or truncated"), ("corrupt", "damaged or truncated"),
    ("bomb", "too large"), ("big", "too large"), ("folder", "folder"),
])
def test_load_image_errors(bad_files, kind, message):
    path = bad_files[kind]
    with pytest.raises(ImageError, match=message) as info:
        load_image(path)
    assert path.name in str(info.value) and "\n" not in str(info.value)


def test_huge_images_are_refused_from_their_header(bad_files):
    assert bad_files["bomb"].stat().st_size < 100_000 and MAX_IMAGE_PIXELS < 8000 * 6000
    with pytest.raises(ImageError, match="8000×6000 pixels"):
        load_image(bad_files["big"])


def test_load_image_round_trip(tmp_path):
    path = tmp_path / "glyph.png"
    draw_two(ink=(0, 0, 0, 255), paper=(0, 0, 0, 0), mode="RGBA").save(path)
    image = load_image(path)
    assert image.mode == "RGBA" and image.size == (200, 200)
    assert correlation(preprocess(image), REFERENCE) > 0.99


# --------------------------------------------------------------------------- config checks

BAD_CONFIGS = [
    ({"size": 0}, "size"), ({"size": -28}, "size"), ({"size": 28.0}, "size"),
    ({"size": "28"}, "size"), ({"size": None}, "size"), ({"size": True}, "size"),
    ({"size": 100_000}, "size"), ({"box": 0}, "box"), ({"box": -5}, "box"),
    ({"box": 20.5}, "box"), ({"box": "20"}, "box"), ({"box": 29}, "box"),
    ({"deskew": "yes"}, "deskew"), ({"deskew": 1}, "deskew"),
    ({"stroke_width": -1.0}, "stroke width"), ({"stroke_width": float("nan")}, "stroke width"),
    ({"stroke_width": "2"}, "stroke width"), ({"stroke_width": 15}, "stroke width"),
    ({"size": "x" * 100_000}, "size"),
]


@pytest.mark.parametrize(("fields", "named"), BAD_CONFIGS)
def test_bad_preprocess_settings_are_one_clear_error(fields, named):
    with pytest.raises(ValueError, match=f"^preprocessing {named} must be") as info:
        PreprocessConfig(**fields)
    message = str(info.value)
    assert "\n" not in message and len(message) < 120


@pytest.mark.parametrize(("fields", "named"), BAD_CONFIGS[:12:3])
def test_a_model_file_with_bad_preprocess_settings_is_refused_on_load(tmp_path, fields, named):
    import h5py

    from model.classifier import Classifier
    from model.modelfile import ModelFileError, load_model, save_model
    from model.network import StaticNetwork

    config = PreprocessConfig(size=8, box=6)
    network = StaticNetwork(config.n_inputs, (4,), 2, rng=np.random.default_rng(0))
    path = tmp_path / "m.h5"
    save_model(Classifier(network, ["a", "b"], config), path)
    with h5py.File(path, "r+") as f:
        f.attrs["preprocess"] = json.dumps({**config.to_dict(), **fields})
    with pytest.raises(ModelFileError, match=f"m.h5 has invalid preprocessing settings: "
                                             f"preprocessing {named} must be"):
        load_model(path)


def test_good_preprocess_settings_are_accepted():
    config = PreprocessConfig(size=8, box=8, deskew=True, stroke_width=4)
    assert PreprocessConfig.from_dict(config.to_dict()) == config
    assert PreprocessConfig(stroke_width=2).stroke_width == 2
