"""Preprocessing: the output vector, size and centring, deskew, working images, split strings."""

import itertools

import numpy as np
import pytest
from PIL import Image, ImageDraw

from model.ink import stroke_width
from model.preprocess import (
    WORKING_SIZE,
    PreprocessConfig,
    crop,
    normalize_glyph,
    preprocess,
    preprocess_many,
    rank_filter,
    split_glyphs,
    to_ink,
    working_image,
)
from tests.glyphs import text_image
from tests.preprocess_helpers import CONFIG, REFERENCE, correlation, draw_two, ink_box


def draw_ring(size=(120, 120), box=(30, 20, 90, 100), width=8, ink=0, paper=255, mode="L"):
    image = Image.new(mode, size, paper)
    ImageDraw.Draw(image).ellipse(box, outline=ink, width=width)
    return image


def centre_of_mass(glyph: np.ndarray) -> np.ndarray:
    ys, xs = np.indices(glyph.shape)
    return np.array([(ys * glyph).sum(), (xs * glyph).sum()]) / glyph.sum()


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
