"""The typeface renderings the built-in models are trained on (resources/fonts.py)."""

import sys
from pathlib import Path

from PIL import Image, ImageFilter

from .glyphs import FONT

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "resources"))
import fonts


def test_a_distorted_rendering_is_kept_only_while_it_still_shows_its_glyph():
    plain = fonts.render_glyph(str(FONT), "M", None)
    blurred = plain.filter(ImageFilter.GaussianBlur(2))
    assert fonts.faithful(blurred, plain)
    one_bar = plain.copy()  # thinning has erased all but the left stem
    left = min(x for x in range(plain.width) if plain.getpixel((x, plain.height // 2)) < 128)
    one_bar.paste(255, (left + plain.width // 12, 0, plain.width, plain.height))
    assert not fonts.faithful(one_bar, plain)
    assert not fonts.faithful(Image.new("L", plain.size, 255), plain)
