"""Make the small test glyphs in tests/data/glyphs/ (run by hand; the PNGs are committed).

Drawn digits come from bench/canvas_digits.py with a seed of their own (never used for training
or for the held-out figures); printed characters are rendered from P052 (Palatino), a font
family the printed model never saw in training (needs fonts-urw-base35).
"""

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "glyphs"
PRINTED = "AbEgKmRt38"
FONT = "/usr/share/fonts/opentype/urw-base35/P052-Roman.otf"


def main() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from canvas_digits import CANVAS, draw_digit

    from model.strokes import render_strokes

    rng = np.random.default_rng(99)
    OUT.mkdir(exist_ok=True)
    for digit in "0123456789":
        strokes, _pen = draw_digit(digit, rng)
        image = render_strokes(strokes, CANVAS).resize((140, 140), Image.Resampling.LANCZOS)
        image.save(OUT / f"drawn-{digit}.png", optimize=True)
    font = ImageFont.truetype(FONT, 48)
    for char in PRINTED:
        image = Image.new("L", (72, 72), 255)
        ImageDraw.Draw(image).text((36, 36), char, font=font, fill=0, anchor="mm")
        case = "upper" if char.isupper() else "lower" if char.islower() else "digit"
        image.save(OUT / f"printed-{case}-{char}.png", optimize=True)


if __name__ == "__main__":
    main()
