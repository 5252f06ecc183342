"""Time preprocessing and augmentation (run by hand: ``python -m bench.preprocess_speed``).

Prints the median time of :func:`model.preprocess.preprocess` for a digit drawn on a 280×280
canvas, as the GUI sends it (L mode, and RGBA with a transparent background), and of
augmenting a batch of 128 28×28 glyph vectors. The budgets are 1 ms and 5 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw

from model.augment import Augmenter
from model.preprocess import preprocess

CANVAS = 280
STROKE = [(90, 70), (190, 70), (120, 220)]  # a '7'


def median_ms(function: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``function()`` in milliseconds, after a few warm-up calls."""
    for _ in range(5):
        function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def canvas(mode: str) -> Image.Image:
    """A '7' drawn with an 18-pixel pen, dark on white (L) or on transparent paper (RGBA)."""
    paper, ink = (255, 0) if mode == "L" else ((0, 0, 0, 0), (0, 0, 0, 255))
    image = Image.new(mode, (CANVAS, CANVAS), paper)
    ImageDraw.Draw(image).line(STROKE, fill=ink, width=18, joint="curve")
    return image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1000)
    args = parser.parse_args()
    for mode in ("L", "RGBA"):
        image = canvas(mode)
        ms = median_ms(lambda image=image: preprocess(image), args.repeats)
        print(f"preprocess {CANVAS}×{CANVAS} {mode:<4}  {ms:6.3f} ms  (budget 1 ms)")
    vector = preprocess(canvas("L"))
    batch = np.tile(vector, (128, 1))
    augment, rng = Augmenter(), np.random.default_rng(0)
    ms = median_ms(lambda: augment(batch, rng), max(args.repeats // 5, 20))
    print(f"augment 128 × 28×28      {ms:6.3f} ms  (budget 5 ms)")


if __name__ == "__main__":
    main()
