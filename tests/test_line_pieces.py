"""The line-reader candidates the printed model learns from (resources/line_pieces.py)."""

import sys
from pathlib import Path

import numpy as np
from PIL import ImageFont

from model.glyph import PreprocessConfig

from .glyphs import FONT

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "resources"))
from line_pieces import labelled_candidates, line_pieces, render_line


def candidates(text: str, squeeze: float) -> tuple[np.ndarray, list[str]]:
    font = ImageFont.truetype(str(FONT), 40)
    image, places = render_line(text, font, squeeze)
    return labelled_candidates(image, places, font, PreprocessConfig(), "none")


def test_each_glyph_of_a_spaced_line_is_labelled_with_its_character():
    vectors, labels = candidates("Hi k", 0.0)
    assert labels == ["H", "i", "k"]  # the dot of the i joined to its stem, the space no glyph
    assert vectors.shape == (3, PreprocessConfig().n_inputs)


def test_a_piece_holding_two_touching_letters_is_none_of_them():
    _, apart = candidates("rn", 0.0)
    _, touching = candidates("rn", 0.08)
    assert [label for label in apart if label != "none"] == ["r", "n"]
    assert "none" in apart  # the r with the n, or with a part of it
    assert touching and set(touching) == {"none"}


def test_line_pieces_are_glyph_images_with_both_kinds_of_label_and_seeded():
    families = {"DejaVu Sans": [str(FONT)]}
    images, labels = line_pieces(families, "rnmwoc", 12, 5, PreprocessConfig(), "none")
    again, same_labels = line_pieces(families, "rnmwoc", 12, 5, PreprocessConfig(), "none")
    assert len(images) == len(labels) > 12
    assert {"none"} < set(labels) <= set("rnmwoc") | {"none"}
    assert all(image.shape == (28, 28) and image.dtype == np.uint8 for image in images)
    assert labels == same_labels
    assert all(np.array_equal(a, b) for a, b in zip(images, again, strict=True))
