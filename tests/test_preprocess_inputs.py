"""Ink maps from any input: colours, polarity, image modes, numpy arrays, noise and frames."""

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from model.preprocess import normalize_glyph, preprocess, to_ink
from tests.glyphs import FONT
from tests.preprocess_helpers import REFERENCE, correlation, draw_two, ink_box

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
