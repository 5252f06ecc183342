"""Preprocessing: ink maps, glyph normalisation, blank images, loading files, splitting strings."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image, ImageDraw, ImageFont

from model.ink import stroke_width
from model.preprocess import (
    MAX_IMAGE_PIXELS,
    WORKING_SIZE,
    EmptyGlyphError,
    ImageError,
    PreprocessConfig,
    crop,
    load_image,
    normalize_glyph,
    preprocess,
    preprocess_many,
    rank_filter,
    split_glyphs,
    to_ink,
    working_image,
)
from tests.glyphs import FONT, text_image

CONFIG = PreprocessConfig()


def draw_two(size=(200, 200), box=(50, 40, 150, 160), width=12, ink=0, paper=255, mode="L"):
    """A '2'-like glyph: an upper arc, a diagonal and a base line inside ``box``."""
    image = Image.new(mode, size, paper)
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = box
    mid = top + (bottom - top) * 2 // 5
    draw.arc((left, top, right, mid + (mid - top)), 180, 20, fill=ink, width=width)
    draw.line([(right - width // 2, mid), (left, bottom - width // 2)], fill=ink, width=width)
    draw.line([(left, bottom - width // 2), (right, bottom - width // 2)], fill=ink, width=width)
    return image


def draw_ring(size=(120, 120), box=(30, 20, 90, 100), width=8, ink=0, paper=255, mode="L"):
    image = Image.new(mode, size, paper)
    ImageDraw.Draw(image).ellipse(box, outline=ink, width=width)
    return image


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def ink_box(glyph: np.ndarray, level: float = 0.05) -> tuple[int, int]:
    """Height and width of the part of ``glyph`` above ``level``."""
    rows = np.flatnonzero(glyph.max(axis=1) > level)
    cols = np.flatnonzero(glyph.max(axis=0) > level)
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def centre_of_mass(glyph: np.ndarray) -> np.ndarray:
    ys, xs = np.indices(glyph.shape)
    return np.array([(ys * glyph).sum(), (xs * glyph).sum()]) / glyph.sum()


REFERENCE = preprocess(draw_two())


# --------------------------------------------------------------------------- output contract

def test_output_is_a_float32_vector_in_the_unit_interval():
    assert REFERENCE.shape == (784,) and REFERENCE.dtype == np.float32
    assert REFERENCE.min() >= 0 and REFERENCE.max() == pytest.approx(1)
    many = preprocess_many([draw_two(), draw_ring()], CONFIG)
    assert many.shape == (2, 784) and many.dtype == np.float32
    np.testing.assert_array_equal(many[0], REFERENCE)
    assert preprocess_many([], CONFIG).shape == (0, 784)


@pytest.mark.parametrize("size, box", [(28, 20), (16, 12), (64, 56)])
def test_longer_side_fills_the_box_and_centre_of_mass_is_central(size, box):
    config = PreprocessConfig(size=size, box=box)
    for image in (draw_two(), draw_ring(), draw_two(box=(10, 80, 190, 120), width=6)):
        glyph = normalize_glyph(image, config)
        assert glyph.shape == (size, size)
        assert abs(max(ink_box(glyph)) - box) <= 1
        assert np.abs(centre_of_mass(glyph) - (size - 1) / 2).max() <= 1


@pytest.mark.parametrize("canvas, box, width", [
    ((300, 300), (140, 150, 150, 162), 2),        # tiny glyph in a big image
    ((1600, 1200), (100, 100, 1100, 1500), 90),   # huge glyph, reduced before the work
])
def test_tiny_and_huge_glyphs_fill_the_box(canvas, box, width):
    glyph = normalize_glyph(draw_two(canvas, box, width))
    assert abs(max(ink_box(glyph)) - CONFIG.box) <= 1


def test_position_and_canvas_size_do_not_matter():
    moved = preprocess(draw_two(size=(300, 250), box=(170, 20, 270, 140)))
    np.testing.assert_allclose(moved, REFERENCE, atol=1e-5)


def test_scale_hardly_matters():
    bigger = preprocess(draw_two(size=(400, 400), box=(100, 80, 300, 320), width=24))
    assert correlation(bigger, REFERENCE) > 0.97


# ------------------------------------------------------------------- colour, polarity, modes

def test_inverted_glyph_gives_the_same_ink():
    normal = draw_two()
    inverted = draw_two(ink=255, paper=0)
    np.testing.assert_array_equal(to_ink(inverted), to_ink(normal))
    np.testing.assert_array_equal(preprocess(inverted), REFERENCE)


def test_low_contrast_grey_on_grey_is_stretched():
    faint = draw_two(ink=90, paper=160)
    assert correlation(preprocess(faint), REFERENCE) > 0.99
    assert to_ink(faint).max() == 1


@pytest.mark.parametrize("ink", [(0, 0, 0, 255), (255, 255, 255, 255), (200, 30, 30, 255)])
def test_ink_on_a_transparent_background(ink):
    image = draw_two(ink=ink, paper=(0, 0, 0, 0), mode="RGBA")
    assert correlation(preprocess(image), REFERENCE) > 0.99


def test_opaque_rgba_and_rgb_colours():
    rgba = draw_two(ink=(20, 20, 120, 255), paper=(250, 240, 200, 255), mode="RGBA")
    assert correlation(preprocess(rgba), REFERENCE) > 0.99
    rgb = draw_two(ink=(250, 250, 250), paper=(10, 60, 10), mode="RGB")
    assert correlation(preprocess(rgb), REFERENCE) > 0.99


def test_palette_with_transparency():
    image = draw_two(ink=1, paper=0, mode="P")
    image.putpalette([255, 0, 0, 0, 0, 255])  # transparent red paper, blue ink
    image.info["transparency"] = 0
    assert correlation(preprocess(image), REFERENCE) > 0.99
    image.info.pop("transparency")
    assert correlation(preprocess(image), REFERENCE) > 0.99


@pytest.mark.parametrize("convert", [
    lambda im: Image.fromarray(np.asarray(im).astype(np.uint16) * 257),           # I;16
    lambda im: Image.fromarray(np.asarray(im).astype(np.int32) * 100),            # I
    lambda im: Image.fromarray(np.asarray(im).astype(np.float32) / 255 - 3),      # F
    lambda im: im.convert("CMYK"),
    lambda im: im.convert("1"),
    lambda im: im.convert("LA"),
    lambda im: im.convert("RGB").convert("YCbCr"),
    lambda im: im.convert("RGB").convert("HSV"),
])
def test_image_modes(convert):
    image = convert(draw_two())
    assert correlation(preprocess(image), REFERENCE) > 0.98, image.mode


@pytest.mark.parametrize("convert", [
    lambda a: a < 128,                                  # bool, ink True
    lambda a: a.astype(np.uint16) * 257,                # full-range uint16
    lambda a: a.astype(np.float64) / 255,               # float in [0, 1]
    lambda a: a.astype(np.float32) * 0.07 - 5,          # float, arbitrary range
    lambda a: a.astype(np.int64) - 1000,                # signed integers
    lambda a: np.repeat(a[:, :, None], 3, axis=2),      # RGB
    lambda a: np.dstack([a, a, a, np.full_like(a, 255)]),  # RGBA
    lambda a: np.dstack([np.zeros_like(a), 255 - a]),   # grey + alpha: black ink, transparent
])
def test_numpy_arrays(convert):
    array = convert(np.asarray(draw_two()))
    assert correlation(preprocess(array), REFERENCE) > 0.98, array.dtype


def test_small_arbitrary_range_array_like_sklearn_digits():
    zero = np.zeros((8, 8))
    zero[1:7, 2] = zero[1:7, 5] = zero[1, 2:6] = zero[6, 2:6] = 16
    glyph = normalize_glyph(zero)
    assert glyph[14, 14] < 0.2 and glyph.max() == 1   # a hollow box, not a filled one
    assert abs(max(ink_box(glyph)) - 20) <= 1


@pytest.mark.parametrize("char", "aoS3gk")
def test_tight_crop_keeps_its_polarity(char):
    image = Image.new("L", (120, 120), 255)
    ImageDraw.Draw(image).text((60, 60), char, font=ImageFont.truetype(str(FONT), 64), fill=0,
                               anchor="mm")
    tight = image.crop(image.point(lambda v: 255 - v).getbbox())
    for picture in (tight, Image.eval(tight, lambda v: 255 - v)):
        ink = to_ink(picture)
        assert (ink > 0.5).mean() < 0.5, char


# --------------------------------------------------------------------------- noise

def test_thin_frame_along_the_border_is_ignored():
    framed = draw_two()
    ImageDraw.Draw(framed).rectangle((0, 0, 199, 199), outline=0, width=3)
    np.testing.assert_allclose(preprocess(framed), REFERENCE, atol=1e-5)


def test_glyph_that_is_a_frame_is_kept():
    box = draw_two(box=(0, 0, 199, 199))
    ImageDraw.Draw(box).rectangle((0, 0, 199, 199), outline=0, width=3)
    square = Image.new("L", (50, 50), 255)
    ImageDraw.Draw(square).rectangle((0, 0, 49, 49), outline=0, width=3)
    assert to_ink(square)[0].mean() == 1


def test_salt_noise_speckles_are_ignored():
    noisy = np.array(draw_two())
    rng = np.random.default_rng(1)
    noisy[rng.integers(0, 200, 150), rng.integers(0, 200, 150)] = 0
    assert correlation(preprocess(noisy), REFERENCE) > 0.98
    assert ink_box(normalize_glyph(noisy)) == ink_box(normalize_glyph(draw_two()))


def test_grey_paper_texture_is_cleared():
    rng = np.random.default_rng(2)
    textured = np.asarray(draw_two(ink=40, paper=200), dtype=np.float64)
    textured += rng.normal(0, 8, textured.shape)
    ink = to_ink(np.clip(textured, 0, 255).astype(np.uint8))
    assert (ink[:30] == 0).mean() > 0.99
    assert correlation(preprocess(np.clip(textured, 0, 255).astype(np.uint8)), REFERENCE) > 0.98


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


# --------------------------------------------------------------------------- deskew, strokes

def slanted_bar(slant: float) -> Image.Image:
    image = Image.new("L", (200, 200), 255)
    ImageDraw.Draw(image).line([(100 - slant * 70, 170), (100 + slant * 70, 30)], fill=0,
                               width=14)
    return image


def test_deskew_straightens_a_slanted_stroke():
    config = PreprocessConfig(deskew=True)
    upright = preprocess(slanted_bar(0), config)
    slanted = slanted_bar(0.5)
    assert correlation(preprocess(slanted, CONFIG), upright) < 0.5
    assert correlation(preprocess(slanted, config), upright) > 0.85
    assert correlation(preprocess(draw_two(), config), REFERENCE) > 0.9


def test_stroke_width_is_normalised():
    config = PreprocessConfig(stroke_width=2.5)
    thin, thick = draw_two(width=4), draw_two(width=22)
    before = [stroke_width(normalize_glyph(im)) for im in (thin, thick)]
    after = [stroke_width(normalize_glyph(im, config)) for im in (thin, thick)]
    assert before[0] < 1.5 and before[1] > 2.8
    assert abs(after[0] - 2.5) < abs(before[0] - 2.5) and abs(after[1] - 2.5) < abs(before[1] - 2.5)
    assert abs(max(ink_box(normalize_glyph(thick, config))) - 20) <= 2


def test_stroke_width_estimate():
    bar = np.zeros((60, 60), dtype=np.float32)
    bar[10:50, 20:24] = 1
    assert stroke_width(bar) == pytest.approx(4, rel=0.15)


@pytest.mark.parametrize("size", [2, 3])
def test_rank_filter_matches_a_sliding_window(size):
    from numpy.lib.stride_tricks import sliding_window_view

    images = np.random.default_rng(3).random((4, 9, 11)).astype(np.float32)
    before, after = size // 2, (size - 1) // 2
    padded = np.pad(images, ((0, 0), (before, after), (before, after)))
    windows = sliding_window_view(padded, (size, size), axis=(1, 2))
    np.testing.assert_array_equal(rank_filter(images, np.maximum, size), windows.max(axis=(3, 4)))
    np.testing.assert_array_equal(rank_filter(images, np.minimum, size), windows.min(axis=(3, 4)))


# --------------------------------------------------------------------------- working images

@pytest.mark.parametrize("image", [draw_two(), draw_ring(), slanted_bar(0.3),
                                   draw_two((400, 300), (20, 100, 380, 160), 10)])
def test_working_image_preprocesses_like_the_original(image):
    work = working_image(image)
    assert work.shape == (WORKING_SIZE, WORKING_SIZE) and work.dtype == np.uint8
    assert work.max() == 255 and work[0].max() == work[-1].max() == 0
    for config in (CONFIG, PreprocessConfig(16, 12), PreprocessConfig(32, 24, deskew=True)):
        direct, stored = preprocess(image, config), preprocess(work, config)
        assert correlation(direct, stored) > 0.97
        assert np.abs(direct - stored).max() < 0.35


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


# --------------------------------------------------------------------------- several glyphs

def render(text: str, size: int = 60) -> Image.Image:
    return text_image(text, size)


def test_split_glyphs_reads_a_string_left_to_right():
    image = render("ab=i%")
    boxes = split_glyphs(image)
    assert len(boxes) == 5
    assert [b[0] for b in boxes] == sorted(b[0] for b in boxes)
    assert all(b[2] <= c[0] for b, c in itertools.pairwise(boxes))
    i_box = boxes[3]
    assert i_box[3] - i_box[1] > 2 * (i_box[2] - i_box[0])   # the dot is part of the 'i'
    for box, char in zip(boxes, "ab=i%", strict=True):
        alone = preprocess(render(char))
        assert correlation(preprocess(crop(to_ink(image), box)), alone) > 0.95, char
        assert correlation(preprocess(image.crop(box)), alone) > 0.95, char


@pytest.mark.parametrize("text", ["ABDEHKMNRUZ", "hknuzmw"])
def test_split_boxes_have_margins_so_crops_keep_their_polarity(text):
    image = render(text, size=40)
    boxes = split_glyphs(image)
    assert len(boxes) == len(text)
    for box, char in zip(boxes, text, strict=True):
        assert (to_ink(image.crop(box)) > 0.5).mean() < 0.5, char


def test_split_glyphs_inverted_and_noisy():
    image = np.array(render("ab=i"))
    rng = np.random.default_rng(4)
    image[rng.integers(0, image.shape[0], 80), rng.integers(0, image.shape[1], 80)] = 0
    assert len(split_glyphs(255 - image)) == 4


def test_split_glyphs_min_gap_joins_close_pieces():
    image = Image.new("L", (200, 60), 255)
    draw = ImageDraw.Draw(image)
    for left in (20, 34, 120):
        draw.rectangle((left, 10, left + 10, 50), fill=0)
    assert len(split_glyphs(image)) == 3
    assert len(split_glyphs(image, min_gap=5)) == 2


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
