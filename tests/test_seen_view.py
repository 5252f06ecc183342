"""The app shows what the network sees of a loaded image: its glyph boxes and its ink map."""

import numpy as np
import pytest
from PIL import Image

from app.prediction import PredictionPanel
from app.qtimages import pil_from_qimage
from model.builtin import builtin_path
from model.modelfile import load_model
from tests.glyphs import text_image


@pytest.fixture(scope="module")
def printed():
    return load_model(builtin_path("printed"))


def picture(label) -> np.ndarray:
    return np.asarray(pil_from_qimage(label.pixmap().toImage()).convert("RGB"), dtype=float)


def test_a_line_shows_its_boxes_over_the_image_and_the_ink(qtbot, printed):
    panel = PredictionPanel()
    qtbot.addWidget(panel)
    result = printed.recognize(text_image("Hello"))
    panel.show_recognition(result)
    view = panel.seen_view
    assert view.isVisibleTo(panel)
    assert view.boxes_drawn == len(result.glyphs) == 5
    for label in (view.original, view.ink):
        pixels = picture(label)
        red = (pixels[..., 0] > 150) & (pixels[..., 1] < 100)
        assert red.sum() > 20  # the boxes
        assert (pixels.min(axis=2) < 80).any()  # dark ink


def test_the_ink_map_of_an_unevenly_lit_photo_is_clean_paper(qtbot, printed):
    line = np.asarray(text_image("42"), dtype=float)
    light = np.linspace(1.0, 0.45, line.shape[1])[None, :]
    photo = Image.fromarray((line * 0.9 * light).astype(np.uint8))
    panel = PredictionPanel()
    qtbot.addWidget(panel)
    panel.show_recognition(printed.recognize(photo))
    original, ink = picture(panel.seen_view.original), picture(panel.seen_view.ink)
    grey = ~((original[..., 0] > 150) & (original[..., 1] < 100))
    assert original[grey].mean() < ink[grey].mean()  # the dark side of the paper is gone
    assert np.median(ink[..., 1]) > 250
