"""Ink map -> lines, pieces and cuts; and lines read by recognition: touching glyphs split,
broken ones joined, italics, several lines top to bottom."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from model.builtin import builtin_path
from model.components import components
from model.ink import to_ink
from model.lines import cut_candidates, deslant, estimate_slant, split_lines
from model.modelfile import load_model
from model.segment import ink_pieces
from tests.glyphs import squeezed, text_image

OBLIQUE = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf"


@pytest.fixture(scope="module")
def printed():
    return load_model(builtin_path("printed"))


def lines_image(lines: list[str], gap: int = 20) -> Image.Image:
    images = [text_image(line) for line in lines]
    page = Image.new("L", (max(i.width for i in images), sum(i.height + gap for i in images)),
                     255)
    y = 0
    for image in images:
        page.paste(image, (0, y))
        y += image.height + gap
    return page


def test_lines_are_found_top_to_bottom_and_dots_stay_with_their_line():
    ink = to_ink(lines_image(["ij Hello", "jig 42", "Quiet"]))
    spans = split_lines(ink)
    assert len(spans) == 3
    assert [a for a, _ in spans] == sorted(a for a, _ in spans)
    assert all(b > a for a, b in spans)


def test_a_line_keeps_its_thin_rows_and_two_joined_lines_part_at_the_thinnest():
    ink = np.zeros((90, 200), dtype=np.float32)
    ink[10:30, 10:190] = 1  # a line of text ...
    ink[30:38, 50:53] = 1   # ... with one lone descender, too thin to make its rows busy
    ink[50:70, 10:190] = 1  # a second line, joined to the first by a thin stroke
    ink[38:50, 150:152] = 1  # thinner than the descender
    assert split_lines(ink) == [(10, 38), (38, 70)]
    ink[38:50] = 0
    assert split_lines(ink) == [(10, 38), (50, 70)]


def test_the_dot_of_an_i_is_part_of_its_piece():
    pieces = ink_pieces(to_ink(text_image("i")))
    assert len(pieces) == 1


def test_a_touching_pair_gets_a_cut_between_its_glyphs():
    image = squeezed("oo", 0.12)
    ink = to_ink(image)
    pieces = ink_pieces(ink)
    assert len(pieces) == 1  # they touch
    left, top, right, bottom = pieces[0]
    cuts = cut_candidates(ink, left, right, bottom - top)
    middle = (left + right) / 2
    assert any(abs(c - middle) < 0.1 * (right - left) for c, _ in cuts)


def test_italic_slant_is_estimated_and_undone():
    bars = np.zeros((60, 200), np.float32)
    for x0 in (30, 80, 130):
        for y in range(60):
            x = x0 + round(0.3 * (59 - y))
            bars[y, x:x + 5] = 1
    assert estimate_slant(bars) == pytest.approx(0.3, abs=0.05)
    upright, _ = deslant(bars, 0.3)
    columns = (upright > 0.5).sum(axis=0)
    assert columns.max() >= 55  # each bar now stands in a few columns


@pytest.mark.parametrize("text", ["Quartz", "HELLO"])
def test_touching_letters_are_split_by_recognition(printed, text):
    image = squeezed(text, 0.08)
    assert len(ink_pieces(to_ink(image))) < len(text)  # some letters do touch
    reading = printed.recognize(image)
    assert len(reading.glyphs) == len(text)
    assert reading.text.lower() == text.lower()


def broken_t_and_h() -> Image.Image:
    """A 'T' whose stem is broken off its bar (a 3-pixel gap), then an 'H'."""
    image = Image.new("L", (140, 100), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 60, 26), fill=0)  # the bar
    draw.rectangle((37, 30, 43, 76), fill=0)  # the stem, 3 pixels below it
    for rectangle in ((70, 20, 76, 76), (104, 20, 110, 76), (70, 45, 110, 51)):
        draw.rectangle(rectangle, fill=0)
    return image


def test_a_broken_glyph_is_joined(printed):
    image = broken_t_and_h()
    assert len(components(to_ink(image) > 0)) == 3
    reading = printed.recognize(image)
    assert reading.text == "TH"
    assert len(reading.glyphs) == 2


def test_an_italic_line_is_read(printed):
    font = ImageFont.truetype(OBLIQUE, 48)
    image = Image.new("L", (340, 100), 255)
    ImageDraw.Draw(image).text((20, 20), "Hello 42", font=font, fill=0)
    assert printed.recognize(image).text == "Hello 42"


def test_several_lines_are_read_top_to_bottom(printed):
    reading = printed.recognize(lines_image(["Hello World", "Charrec 42"]))
    assert reading.text == "Hello World\nCharrec 42"
    tops = [g.box[1] for g in reading.glyphs]
    assert tops[:10] < tops[10:] or max(tops[:10]) < min(tops[10:])


def test_clean_lines_read_as_before(printed):
    for text in ("Charrec 42", "Hello World", "Sow Cows Zoo", "xoxo vs XOXO"):
        assert printed.recognize(text_image(text)).text == text
