"""Ink that survives light and paper: gradients, vignettes, tints, noise, specks, texture."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image, ImageDraw

from model.builtin import builtin_path
from model.components import component_runs, components, run_pixels
from model.images import EmptyGlyphError
from model.ink import TEXTURE_SHARE, to_ink
from model.modelfile import load_model
from model.preprocess import normalize_glyph
from model.specks import without_strays
from model.strokes import Stroke, render_strokes

SIZE = 400


def glyph_mask() -> np.ndarray:
    """Where a '2'-like glyph drawn with a 22-pixel pen lies on a SIZE×SIZE sheet (bool)."""
    image = Image.new("L", (SIZE, SIZE), 0)
    draw = ImageDraw.Draw(image)
    draw.arc((120, 90, 280, 230), 180, 20, fill=255, width=22)
    draw.line([(270, 170), (130, 300)], fill=255, width=22)
    draw.line([(130, 300), (290, 300)], fill=255, width=22)
    return np.asarray(image) > 128


def photographed(mask: np.ndarray, light: np.ndarray, paper=(245, 240, 225), ink=(70, 70, 90),
                 noise: float = 0.0, jpeg: int | None = None, seed: int = 0) -> Image.Image:
    """An RGB photo of the glyph: tinted paper and grey-blue ink times a light field, noise."""
    colour = np.where(mask[..., None], np.array(ink, float), np.array(paper, float))
    colour = colour * light[..., None]
    colour += np.random.default_rng(seed).normal(0, noise, colour.shape)
    image = Image.fromarray(np.clip(colour, 0, 255).astype(np.uint8), "RGB")
    if jpeg is None:
        return image
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=jpeg)
    return Image.open(io.BytesIO(buffer.getvalue()))


def light_fields() -> dict[str, np.ndarray]:
    y, x = np.mgrid[0:SIZE, 0:SIZE] / (SIZE - 1)
    radius = (x - 0.5) ** 2 + (y - 0.5) ** 2
    return {"gradient": 1 - 0.5 * x,  # paper from 245 down to about 120
            "diagonal": 1 - 0.45 * (x + y) / 2,
            "vignette": 1 - 0.8 * radius,
            "gradient and vignette": (1 - 0.35 * y) * (1 - 0.6 * radius)}


def found(ink: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    """Share of the glyph's pixels (away from its edges) found as ink, and share of the paper
    (farther than 4 pixels from the glyph) wrongly found as ink."""
    grown = mask.copy()
    for dy, dx in itertools.product(range(-4, 5), repeat=2):
        grown |= np.roll(mask, (dy, dx), axis=(0, 1))
    core = mask & np.roll(mask, 3, 0) & np.roll(mask, -3, 0) & np.roll(mask, 3, 1) & \
        np.roll(mask, -3, 1)
    return float((ink[core] > 0.5).mean()), float((ink[~grown] > 0).mean())


@pytest.mark.parametrize("name", list(light_fields()))
@pytest.mark.parametrize("jpeg", [None, 40])
def test_ink_is_found_and_paper_is_not_under_uneven_light(name, jpeg):
    mask = glyph_mask()
    image = photographed(mask, light_fields()[name], noise=4, jpeg=jpeg)
    glyph_share, paper_share = found(to_ink(image), mask)
    assert glyph_share > 0.97
    assert paper_share < 0.002


def test_light_ink_on_dark_uneven_paper_is_found_too():
    mask = glyph_mask()
    image = photographed(mask, light_fields()["gradient"], paper=(60, 50, 40),
                         ink=(230, 230, 200), noise=3)
    glyph_share, paper_share = found(to_ink(image), mask)
    assert glyph_share > 0.97 and paper_share < 0.002


def test_sensor_noise_is_not_ink():
    mask = glyph_mask()
    image = photographed(mask, np.ones((SIZE, SIZE)), noise=25, seed=3)
    glyph_share, paper_share = found(to_ink(image), mask)
    assert glyph_share > 0.95 and paper_share < 0.002


def test_an_evenly_lit_image_keeps_its_ink_map():
    """No regression on clean input: a clean drawing's ink is its own grey levels."""
    mask = glyph_mask()
    clean = np.where(mask, 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(to_ink(clean), mask.astype(np.float32))


def test_the_photo_reaches_the_network_like_the_clean_drawing():
    mask = glyph_mask()
    clean = normalize_glyph(np.where(mask, 0, 255).astype(np.uint8))
    for light in light_fields().values():
        photo = normalize_glyph(photographed(mask, light, noise=4, jpeg=50))
        assert np.corrcoef(clean.ravel(), photo.ravel())[0, 1] > 0.97


def dusty(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A 56×56 digit-like ring, clean and with dust specks and a stray mark away from it."""
    image = Image.new("L", (56, 56), 0)
    ImageDraw.Draw(image).ellipse((16, 8, 40, 48), outline=255, width=5)
    clean = np.asarray(image)
    rng = np.random.default_rng(seed)
    dirty = clean.copy()
    for _ in range(12):
        y, x = rng.integers(0, 54, 2)
        if clean[max(y - 3, 0):y + 5, max(x - 3, 0):x + 5].any():
            continue  # dust on the glyph cannot be told from it
        dirty[y:y + 2, x:x + 2] = 255
    dirty[52, 2:8] = 255  # a stray mark
    return clean, dirty


@pytest.mark.parametrize("seed", range(4))
def test_specks_and_stray_marks_are_removed(seed):
    clean, dirty = dusty(seed)
    np.testing.assert_allclose(normalize_glyph(dirty), normalize_glyph(clean), atol=0.02)


def test_a_speck_next_to_the_glyph_is_removed_too():
    """A speck as big as the stroke is wide, a pixel or two beside the glyph (not above it,
    where the dot of an i would be)."""
    clean, _ = dusty(0)
    dirty = clean.copy()
    dirty[26:31, 42:47] = 255  # the ring's outline ends at column 40
    np.testing.assert_allclose(normalize_glyph(dirty), normalize_glyph(clean), atol=0.02)


def test_a_dot_of_the_pen_is_not_a_speck():
    """The dot of an 'i' drawn with the canvas pen stays part of the glyph."""
    stem = Stroke(points=np.array([[140, 120], [140, 220]], np.float32), width=14)
    dot = Stroke(points=np.array([[140, 85], [140.5, 85]], np.float32), width=14)
    with_dot, without = (normalize_glyph(render_strokes(s)) for s in ([stem, dot], [stem]))
    assert with_dot[:6].sum() > 1 and not np.allclose(with_dot, without, atol=0.1)


@pytest.mark.parametrize("dot", [(150, 85), (140, 62), (128, 90)],
                         ids=["shifted along a slant", "high above", "shifted back"])
def test_a_dot_drawn_off_the_stem_is_kept(dot):
    """A hand puts the dot of an i sideways or well above the stem (2.6-3.6 stroke widths
    here): it stays, as long as it is more above the glyph than beside it. It had been cleared
    unless it lay within the stem's columns and 2.5 stroke widths: the canvas's i read as l."""
    stem = Stroke(points=np.array([[140, 120], [140, 220]], np.float32), width=14)
    point = Stroke(points=np.array([dot], np.float32), width=14)
    ink = to_ink(render_strokes([stem, point]))
    assert without_strays(ink).sum() == ink.sum()


def test_the_dots_of_a_division_sign_are_kept():
    """Far from the flat bar in stroke widths (4.5 here), near it for the sign's width."""
    bar = Stroke(points=np.array([[80, 140], [200, 140]], np.float32), width=14)
    dots = [Stroke(points=np.array([[140, y]], np.float32), width=14) for y in (77, 203)]
    ink = to_ink(render_strokes([bar, *dots]))
    assert without_strays(ink).sum() == ink.sum()


def test_a_speck_off_to_the_side_of_a_glyph_is_removed():
    """As big as a dot, but beside the glyph more than below it."""
    stem = Stroke(points=np.array([[140, 120], [140, 220]], np.float32), width=14)
    speck = Stroke(points=np.array([[200, 240]], np.float32), width=14)
    ink = to_ink(render_strokes([stem, speck]))
    np.testing.assert_array_equal(without_strays(ink), to_ink(render_strokes([stem])))


@pytest.mark.parametrize("pen", [24, 30])
def test_a_tiny_drawing_with_a_thick_pen_reads_like_a_big_one(pen):
    """A '1' a tenth of the canvas tall drawn with a thick pen is a stroke, not a blob."""
    digits = load_model(builtin_path("digits"))
    tiny = render_strokes([Stroke(points=np.array([[140, 126], [140, 154]], np.float32),
                                  width=pen)])
    assert digits.recognize(tiny, read_text=False).label == "1"
    seen = normalize_glyph(tiny)
    assert np.count_nonzero(seen[14] > 0.5) <= 6  # of 20: the pen was 24/52 of the glyph


@pytest.mark.parametrize("texture", ["checks", "waves"])
def test_an_image_that_is_all_texture_has_no_characters(texture):
    y, x = np.mgrid[0:200, 0:300]
    if texture == "checks":
        image = ((np.sin(x / 2.0) * np.sin(y / 2.0) > 0) * 255).astype(np.uint8)
    else:
        noise = np.random.default_rng(0).normal(0, 20, (200, 300))
        image = np.clip(128 + 60 * np.sin(x / 3.0 + y / 5.0) + noise, 0, 255).astype(np.uint8)
    with pytest.raises(EmptyGlyphError, match=r"^no characters found"):
        to_ink(image)


def test_a_bold_glyph_filling_its_frame_is_not_texture():
    image = Image.new("L", (64, 64), 0)
    ImageDraw.Draw(image).line([(6, 6), (58, 6), (6, 20), (58, 32), (6, 44), (58, 58)],
                               fill=255, width=9, joint="curve")
    ink = to_ink(image)
    tiles = ink[:60, :60].reshape(5, 12, 5, 12).mean(axis=(1, 3))
    assert tiles.min() > TEXTURE_SHARE  # every tile is inked, as in a texture
    assert ink.sum() > 1000


def flood_fill_count(mask: np.ndarray) -> int:
    seen, count = np.zeros_like(mask), 0
    for start in zip(*np.nonzero(mask), strict=True):
        if seen[start]:
            continue
        count += 1
        stack, seen[start] = [start], True
        while stack:
            y, x = stack.pop()
            for dy, dx in itertools.product((-1, 0, 1), repeat=2):
                p = (y + dy, x + dx)
                if 0 <= p[0] < mask.shape[0] and 0 <= p[1] < mask.shape[1] and mask[p] \
                        and not seen[p]:
                    seen[p] = True
                    stack.append(p)
    return count


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(bool, st.tuples(st.integers(1, 14), st.integers(1, 14))))
def test_components_match_a_flood_fill(mask):
    stats = components(mask)
    assert len(stats) == flood_fill_count(mask)
    assert stats[:, 4].sum() == mask.sum()
    _, runs, _ = component_runs(mask)
    painted = np.zeros_like(mask)
    painted[run_pixels(runs)] = True
    np.testing.assert_array_equal(painted, mask)


def test_the_command_line_says_no_characters_found_in_one_line(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    y, x = np.mgrid[0:200, 0:300]
    path = tmp_path / "texture.png"
    Image.fromarray(((np.sin(x / 2.0) * np.sin(y / 2.0) > 0) * 255).astype(np.uint8)).save(path)
    for split in ([], ["--split"]):
        result = subprocess.run([sys.executable, "-m", "app.main", "predict", str(path), *split],
                                cwd=Path(__file__).resolve().parents[1], capture_output=True,
                                text=True, timeout=120, stdin=subprocess.DEVNULL)
        assert result.returncode != 0
        assert result.stderr.startswith("error: ") and "no characters found" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
