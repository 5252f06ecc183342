"""Reading a line of characters through Classifier.recognize: glyph order, spaces, and case from
glyph height."""

import string

import numpy as np
import pytest
from PIL import Image

from model.builtin import builtin_path
from model.linetext import _in_context
from model.modelfile import load_model
from model.preprocess import EmptyGlyphError
from model.reading import _glyph_starts, _shape_weighted
from tests.glyphs import squeezed, text_image

DEJAVU = "/usr/share/fonts/truetype/dejavu/"
MONO = DEJAVU + "DejaVuSansMono.ttf"


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


@pytest.mark.parametrize("word", ["Garden", "quartz", "Fjord", "kept", "brown", "Minute"])
def test_a_single_word_is_not_split_at_its_widest_letter_gap(printed, word):
    assert printed.recognize(text_image(word)).text == word


@pytest.mark.parametrize("text", ["letter", "garden", "bridge", "market", "jump box"])
def test_a_monospaced_word_is_not_split_before_its_narrow_letters(printed, text):
    """In a fixed-pitch typeface an r or an i leaves a wide gap beside it; only a gap of a
    whole extra pitch parts words."""
    assert printed.recognize(squeezed(text, 0, 40, MONO)).text == text


@pytest.mark.parametrize(("text", "squeeze", "font"), [
    ("winter", 0.12, "DejaVuSerif.ttf"), ("five", 0.08, "DejaVuSerif-Bold.ttf"),
    ("nymph", 0.08, "DejaVuSerif-Bold.ttf")])
def test_letters_pushed_into_one_piece_still_show_the_x_height(printed, text, squeeze, font):
    image = squeezed(text, squeeze, 40, DEJAVU + font)
    assert printed.recognize(image).text == text


def test_a_glyph_never_begins_under_the_columns_of_the_atoms_before_it():
    # (left, right, piece, cut cost): a W and the dot of an i in one piece, the i's stem under
    # the dot in the next piece, then an n.
    atoms = [(0, 20, 0, 0.0), (20, 28, 0, 1.5), (20, 27, 1, 0.0), (28, 40, 1, 1.5)]
    assert _glyph_starts(atoms) == [0, 1, 3]


def test_a_short_glyph_is_not_read_as_a_tall_letter():
    labels = ["p", "P", "u", "U", "7"]
    pieces = [(0, 0, 10, 30), (12, 10, 22, 30), (24, 10, 34, 38)]  # an h, an o, a p
    probs = np.array([[0.3, 0.7, 0, 0, 0], [0, 0, 0.4, 0.6, 0], [0, 0.5, 0, 0, 0.5]])
    boxes = [(24, 10, 34, 38), (36, 10, 46, 30), (0, 0, 10, 30)]  # a p, a u, a tall 7
    weighted = _shape_weighted(probs, boxes, pieces, 30.0, labels)
    assert weighted[0].argmax() == 0 and weighted[1].argmax() == 2
    assert weighted[2, 4] == 0.5  # a tall glyph keeps its tall labels


def test_a_glyph_ending_on_the_baseline_is_not_a_letter_that_always_descends():
    pieces = [(0, 0, 10, 30), (12, 10, 22, 30), (24, 10, 34, 38)]  # an h, an o, a p
    weighted = _shape_weighted(np.array([[0.6, 0.4]]), [(40, 0, 46, 30)], pieces, 30.0,
                               ["j", "l"])
    assert weighted[0].argmax() == 1


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


def test_a_symbol_of_separate_strokes_is_one_character_not_a_line():
    """A model of =, ÷ and + reads a drawn = as "=" at 99%; the segmenter sees two glyphs in
    it, and the app showed them as a line of text ("÷÷")."""
    from model.fit import ModelSettings, fit_classifier
    from model.sketch import line, place
    from model.strokes import render_strokes
    from model.train import TrainingConfig

    shapes = {"=": lambda: [line((0, 0.35), (0.6, 0.35)), line((0, 0.65), (0.6, 0.65))],
              "÷": lambda: [line((0, 0.5), (0.6, 0.5)), np.array([[0.3, 0.2]]),
                            np.array([[0.3, 0.8]])],
              "+": lambda: [line((0, 0.5), (0.6, 0.5)), line((0.3, 0.2), (0.3, 0.8))]}
    rng = np.random.default_rng(1)

    def drawings(n: int) -> list[tuple[np.ndarray, str]]:
        return [(np.asarray(render_strokes(place(make(), rng, rotation=5))), label)
                for label, make in shapes.items() for _ in range(n)]

    train = drawings(20)
    classifier, _ = fit_classifier([im for im, _ in train], [label for _, label in train],
                                   ModelSettings(hidden=(32,)),
                                   TrainingConfig(epochs=150, validation_split=0, seed=0))
    sure_pieces = 0
    for image, label in drawings(4):
        result = classifier.recognize(image)
        if len(result.glyphs) > 1 and result.known and result.probability >= 0.99:
            sure_pieces += 1
            assert result.reading is None and result.label == label
        elif len(result.glyphs) > 1:  # not sure enough to be one character: a line
            assert result.reading == result.text
    assert sure_pieces >= 2  # several glyphs to the segmenter, one sure character to the net
