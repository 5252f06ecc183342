"""Strokes as data and their rendering for the network: pillow only, no Qt, no screen."""

import numpy as np
import pytest
from PIL import Image

from model.strokes import CANVAS_SIZE, Drawing, Stroke, render_strokes


def ink(image: Image.Image) -> np.ndarray:
    """Ink amount in [0, 1] per pixel (0 = paper)."""
    return 1 - np.asarray(image, np.float32) / 255


def test_horizontal_line_has_the_pen_width_and_round_caps():
    image = render_strokes([Stroke([(40, 140), (240, 140)], width=20)])
    assert image.mode == "L" and image.size == (CANVAS_SIZE, CANVAS_SIZE)
    a = ink(image)
    column = a[:, 140]
    assert column[140] == pytest.approx(1, abs=0.01)
    assert 18 <= column.sum() <= 22  # about the pen width
    rows, cols = np.nonzero(a > 0.5)
    # round caps reach half a pen width beyond the end points
    assert cols.min() == pytest.approx(30, abs=2) and cols.max() == pytest.approx(250, abs=2)
    # a round cap is narrower near its tip than a square one
    assert a[:, 32].sum() < a[:, 60].sum() - 4
    assert rows.min() >= 129 and rows.max() <= 151


def test_edges_are_antialiased():
    a = ink(render_strokes([Stroke([(40, 40), (240, 200)], width=9)]))
    grey = (a > 0.05) & (a < 0.95)
    assert grey.sum() > 100


def test_a_single_point_is_a_dot():
    a = ink(render_strokes([Stroke([(100, 100)], width=30)]))
    assert a[100, 100] > 0.99 and a[100, 120] == 0
    area = (a > 0.5).sum()
    assert area == pytest.approx(np.pi * 15 ** 2, rel=0.1)


def test_eraser_paints_paper_and_order_matters():
    line = Stroke([(40, 140), (240, 140)], width=20)
    eraser = Stroke([(140, 100), (140, 180)], width=40, eraser=True)
    a = ink(render_strokes([line, eraser]))
    assert a[140, 140] == 0 and a[140, 60] > 0.99
    assert ink(render_strokes([eraser, line]))[140, 140] > 0.99


def test_pressure_modulates_width():
    points = [(40, 140), (140, 140), (240, 140)]
    a = ink(render_strokes([Stroke(points, width=30, pressures=[0.2, 0.6, 1.0])]))
    assert a[:, 60].sum() < a[:, 140].sum() < a[:, 220].sum()
    assert a[:, 220].sum() == pytest.approx(30 * 0.92, abs=1.5)


def test_output_size_scales_the_canvas():
    small = ink(render_strokes([Stroke([(0, 140), (280, 140)], width=28)], size=28))
    assert small.shape == (28, 28)
    assert small[14, 5] > 0.9 and small[5, 14] == 0


def test_invalid_strokes_are_refused():
    with pytest.raises(ValueError):
        Stroke(np.zeros((0, 2)), width=5)
    with pytest.raises(ValueError):
        Stroke([(1, 2)], width=0)
    with pytest.raises(ValueError):
        Stroke([(1, 2), (3, 4)], width=5, pressures=[0.5])


def test_undo_redo_clear():
    drawing = Drawing()
    assert drawing.is_empty() and not drawing.can_undo()
    a, b = Stroke([(10, 10), (50, 50)], 8), Stroke([(60, 10), (60, 90)], 8)
    drawing.add(a)
    drawing.add(b)
    assert drawing.strokes == (a, b)
    assert drawing.undo() and drawing.strokes == (a,)
    assert drawing.redo() and drawing.strokes == (a, b)
    assert not drawing.redo()
    drawing.clear()
    assert drawing.is_empty() and drawing.can_undo()
    assert drawing.undo() and drawing.strokes == (a, b)  # clear is one undo step
    drawing.undo()
    drawing.add(b)  # a new stroke drops the redo history
    assert not drawing.can_redo() and drawing.strokes == (a, b)


def test_background_image_keeps_its_resolution_and_takes_strokes():
    picture = Image.new("RGBA", (400, 200), (0, 0, 0, 0))  # transparent = paper
    picture.paste((0, 0, 0, 255), (100, 50, 140, 150))
    drawing = Drawing()
    drawing.add(Stroke([(10, 10)], 5))
    drawing.set_background(picture)
    assert drawing.strokes == ()
    image = drawing.image()
    assert image.size == (400, 200) and image.mode == "L"
    assert ink(image)[100, 120] == 1 and ink(image)[10, 10] == 0
    assert drawing.background_box() == (0, 70, 280, 140)
    drawing.add(Stroke([(140, 140)], 14))  # the centre of the canvas
    image = drawing.image()
    assert image.size == (400, 400)
    assert ink(image)[200, 200] > 0.99 and ink(image)[100 + 100, 120] == 1
    assert drawing.undo() and drawing.image().size == (400, 200)


def test_large_backgrounds_are_scaled_down():
    drawing = Drawing()
    drawing.set_background(Image.new("RGB", (4000, 1000), "white"))
    assert drawing.background.size == (1600, 400)
    assert drawing.image().size == (1600, 400)
