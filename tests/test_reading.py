"""Reading a line of characters through Classifier.recognize: glyph order, spaces, and case from
glyph height."""

import string

import pytest
from PIL import Image

from model.builtin import builtin_path
from model.modelfile import load_model
from model.preprocess import EmptyGlyphError
from model.reading import _in_context
from tests.glyphs import text_image


@pytest.fixture(scope="module")
def printed():
    return load_model(builtin_path("printed"))


@pytest.mark.parametrize("text", ["Charrec 42", "Hello World", "Sow Cows Zoo", "xoxo vs XOXO"])
def test_words_spaces_and_case_are_read(printed, text):
    reading = printed.recognize(text_image(text))
    assert reading.text == text
    assert len(reading.glyphs) == len(text.replace(" ", ""))
    lefts = [g.box[0] for g in reading.glyphs]
    assert lefts == sorted(lefts)


@pytest.mark.parametrize(("read", "meant"), [("HeIIo", "Hello"), ("WlTH", "WITH"),
                                             ("2O25", "2025"), ("III", "III")])
def test_look_alikes_take_the_kind_and_case_of_their_word(read, meant):
    labels = set(string.ascii_letters + string.digits)
    assert "".join(_in_context(list(read), labels)) == meant


def test_without_a_size_reference_the_case_is_left_to_the_network(printed):
    reading = printed.recognize(text_image("ox"))
    assert reading.text.lower() == "ox"
    assert reading.text == "".join(g.label for g in reading.glyphs)


def test_every_glyph_keeps_its_ranked_labels(printed):
    reading = printed.recognize(text_image("ab"), k=4)
    assert all(len(g.top) == 4 for g in reading.glyphs)
    assert all(g.top[0][1] >= g.top[1][1] for g in reading.glyphs)


def test_a_blank_image_has_no_characters(printed):
    with pytest.raises(EmptyGlyphError):
        printed.recognize(Image.new("L", (100, 40), 255))
