"""Canvas-style drawings of every class of the printed model: letters and digits as pen strokes.

What someone who picks the built-in printed model draws with the mouse: capitals, small letters
and digits (:mod:`canvas_digits`), each from a few hand-made stroke templates, placed at random
by :func:`model.sketch.place` (size, slant, rotation, pen 6-24 px, tremor) and rendered by the
canvas's own renderer. Never used for training.

    .venv/bin/python bench/canvas_letters.py [--per-class 20] [--seed 2028] [--model printed]

prints top-1 accuracy, accuracy with the look-alike groups of ``build_models.AMBIGUOUS`` merged,
and the classes read worst.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from model.builtin import builtin_path
from model.evaluation import evaluate_classifier
from model.modelfile import load_model
from model.sketch import Curve, arc, join, line, place
from model.strokes import render_strokes

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "resources"), str(ROOT / "bench")]

from canvas_digits import DIGITS  # noqa: E402

Template = Callable[[np.random.Generator], list[Curve]]


def _dot(x: float, top: float, rng: np.random.Generator) -> Curve:
    """The dot of an i or a j: one click, a little above ``top`` and maybe sideways."""
    return np.array([[x + rng.uniform(-0.05, 0.05), top - rng.uniform(0.12, 0.25)]], np.float32)


def _serifs(rng: np.random.Generator, *bars: tuple[float, float, float]) -> list[Curve]:
    """Horizontal bars (x0, x1, y), all or none of them."""
    return [line((x0, y), (x1, y)) for x0, x1, y in bars] if rng.random() < 0.5 else []


CAPITALS: dict[str, Template] = {
    "A": lambda r: [line((0, 1), (0.3, 0), (0.6, 1)), line((0.13, 0.62), (0.47, 0.62))],
    "B": lambda r: [join(line((0, 1), (0, 0), (0.3, 0)), arc(0.3, 0.25, 0.22, 0.25, -90, 90),
                         line((0.3, 0.5), (0, 0.5), (0.33, 0.5)),
                         arc(0.33, 0.75, 0.26, 0.25, -90, 90), line((0.33, 1), (0, 1)))],
    "C": lambda r: [arc(0.35, 0.5, 0.35, 0.5, -40, -320)],
    "D": lambda r: [join(line((0, 1), (0, 0), (0.2, 0)), arc(0.2, 0.5, 0.4, 0.5, -90, 90),
                         line((0.2, 1), (0, 1)))],
    "E": lambda r: [line((0.6, 0), (0, 0), (0, 1), (0.6, 1)), line((0, 0.5), (0.45, 0.5))],
    "F": lambda r: [line((0.6, 0), (0, 0), (0, 1)), line((0, 0.5), (0.45, 0.5))],
    "G": lambda r: [join(arc(0.35, 0.5, 0.35, 0.5, -40, -330),
                         line((0.65, 0.68), (0.65, 0.55), (0.38, 0.55)))],
    "H": lambda r: [line((0, 0), (0, 1)), line((0.6, 0), (0.6, 1)), line((0, 0.5), (0.6, 0.5))],
    "I": lambda r: [line((0.3, 0), (0.3, 1)), *_serifs(r, (0.1, 0.5, 0), (0.1, 0.5, 1))],
    "J": lambda r: [join(line((0.45, 0), (0.45, 0.75)), arc(0.22, 0.75, 0.23, 0.25, 0, 180)),
                    *_serifs(r, (0.25, 0.65, 0))],
    "K": lambda r: [line((0, 0), (0, 1)), line((0.6, 0), (0, 0.55), (0.6, 1))],
    "L": lambda r: [line((0, 0), (0, 1), (0.55, 1))],
    "M": lambda r: [line((0, 1), (0, 0), (0.3, 0.6), (0.6, 0), (0.6, 1))],
    "N": lambda r: [line((0, 1), (0, 0), (0.6, 1), (0.6, 0))],
    "O": lambda r: [arc(0.3, 0.5, 0.3, 0.5, -90, 270)],
    "P": lambda r: [join(line((0, 1), (0, 0), (0.3, 0)), arc(0.3, 0.25, 0.25, 0.25, -90, 90),
                         line((0.3, 0.5), (0, 0.5)))],
    "Q": lambda r: [arc(0.3, 0.5, 0.3, 0.5, -90, 270), line((0.38, 0.72), (0.65, 1.05))],
    "R": lambda r: [join(line((0, 1), (0, 0), (0.3, 0)), arc(0.3, 0.25, 0.25, 0.25, -90, 90),
                         line((0.3, 0.5), (0, 0.5), (0.6, 1)))],
    "S": lambda r: [join(arc(0.3, 0.25, 0.28, 0.25, -30, -270),
                         arc(0.3, 0.75, 0.28, 0.25, -90, 150))],
    "T": lambda r: [line((0, 0), (0.6, 0)), line((0.3, 0), (0.3, 1))],
    "U": lambda r: [join(line((0, 0), (0, 0.7)), arc(0.3, 0.7, 0.3, 0.3, 180, 0),
                         line((0.6, 0.7), (0.6, 0)))],
    "V": lambda r: [line((0, 0), (0.3, 1), (0.6, 0))],
    "W": lambda r: [line((0, 0), (0.15, 1), (0.3, 0.35), (0.45, 1), (0.6, 0))],
    "X": lambda r: [line((0, 0), (0.6, 1)), line((0.6, 0), (0, 1))],
    "Y": lambda r: [line((0, 0), (0.3, 0.5), (0.6, 0)), line((0.3, 0.5), (0.3, 1))],
    "Z": lambda r: [line((0, 0), (0.6, 0), (0, 1), (0.6, 1))],
}

SMALL: dict[str, Template] = {
    "a": lambda r: [arc(0.25, 0.7, 0.25, 0.3, -30, -390), line((0.5, 0.4), (0.5, 1))],
    "b": lambda r: [line((0, 0), (0, 1)), arc(0.25, 0.7, 0.25, 0.3, 180, -180)],
    "c": lambda r: [arc(0.25, 0.65, 0.25, 0.35, -40, -320)],
    "d": lambda r: [arc(0.25, 0.7, 0.25, 0.3, 0, 360), line((0.5, 0), (0.5, 1))],
    "e": lambda r: [join(line((0, 0.6), (0.55, 0.6)), arc(0.28, 0.6, 0.28, 0.3, 0, -300))],
    "f": lambda r: [join(arc(0.42, 0.15, 0.17, 0.15, -20, -180), line((0.25, 0.15), (0.25, 1))),
                    line((0.05, 0.4), (0.5, 0.4))],
    "g": lambda r: [arc(0.25, 0.3, 0.25, 0.3, 0, 360),
                    join(line((0.5, 0), (0.5, 0.8)), arc(0.27, 0.8, 0.23, 0.2, 0, 160))],
    "h": lambda r: [line((0, 0), (0, 1)),
                    join(arc(0.25, 0.6, 0.25, 0.2, 180, 360), line((0.5, 0.6), (0.5, 1)))],
    "i": lambda r: [line((0.3, 0.35), (0.3, 1)), _dot(0.3, 0.35, r)],
    "j": lambda r: [join(line((0.4, 0.35), (0.4, 0.9)), arc(0.22, 0.9, 0.18, 0.1, 0, 170)),
                    _dot(0.4, 0.35, r)],
    "k": lambda r: [line((0, 0), (0, 1)), line((0.45, 0.45), (0, 0.75), (0.5, 1))],
    "l": lambda r: ([line((0.3, 0), (0.3, 1))] if r.random() < 0.5
                    else [join(line((0.3, 0), (0.3, 0.9)), arc(0.4, 0.9, 0.1, 0.1, 180, 90))]),
    "m": lambda r: [join(line((0, 1), (0, 0.4)), arc(0.15, 0.55, 0.15, 0.15, 180, 360),
                         line((0.3, 0.55), (0.3, 1), (0.3, 0.55)),
                         arc(0.45, 0.55, 0.15, 0.15, 180, 360), line((0.6, 0.55), (0.6, 1)))],
    "n": lambda r: [join(line((0, 1), (0, 0.4)), arc(0.25, 0.55, 0.25, 0.2, 180, 360),
                         line((0.5, 0.55), (0.5, 1)))],
    "o": lambda r: [arc(0.25, 0.65, 0.25, 0.35, -90, 270)],
    "p": lambda r: [line((0, 0), (0, 1)), arc(0.25, 0.3, 0.25, 0.3, 180, -180)],
    "q": lambda r: [arc(0.25, 0.3, 0.25, 0.3, 0, 360), line((0.5, 0), (0.5, 1))],
    "r": lambda r: [join(line((0, 1), (0, 0.4)), arc(0.25, 0.55, 0.25, 0.15, 180, 300))],
    "s": lambda r: [join(arc(0.25, 0.25, 0.23, 0.25, -30, -270),
                         arc(0.25, 0.75, 0.23, 0.25, -90, 150))],
    "t": lambda r: [join(line((0.25, 0), (0.25, 0.85)), arc(0.4, 0.85, 0.15, 0.15, 180, 90)),
                    line((0.05, 0.3), (0.5, 0.3))],
    "u": lambda r: [join(line((0, 0.4), (0, 0.8)), arc(0.25, 0.8, 0.25, 0.2, 180, 0),
                         line((0.5, 0.8), (0.5, 0.4), (0.5, 1)))],
    "v": lambda r: [line((0, 0), (0.25, 1), (0.5, 0))],
    "w": lambda r: [line((0, 0), (0.12, 1), (0.25, 0.35), (0.38, 1), (0.5, 0))],
    "x": lambda r: [line((0, 0), (0.5, 1)), line((0.5, 0), (0, 1))],
    "y": lambda r: [line((0, 0.3), (0.3, 0.7)), line((0.6, 0.3), (0.1, 1))],
    "z": lambda r: [line((0, 0), (0.5, 0), (0, 1), (0.5, 1))],
}

TEMPLATES: dict[str, Template] = {**{d: DIGITS[d] for d in DIGITS}, **CAPITALS, **SMALL}


def make_set(per_class: int, seed: int, classes: str = "".join(TEMPLATES)
             ) -> list[tuple[np.ndarray, str]]:
    """``per_class`` drawings of every class as (280x280 uint8 image, label), white paper."""
    rng = np.random.default_rng(seed)
    return [(np.asarray(render_strokes(place(TEMPLATES[label](rng), rng))), label)
            for label in classes for _ in range(per_class)]


def main() -> None:
    import build_models  # here: it takes the letter templates from this module

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2028)
    parser.add_argument("--model", default="printed", help="a built-in model's name or a path")
    args = parser.parse_args()
    path = Path(args.model) if Path(args.model).is_file() else builtin_path(args.model)
    classifier = load_model(path)
    drawings = make_set(args.per_class, args.seed, "".join(classifier.labels))
    score = evaluate_classifier(classifier, [image for image, _ in drawings],
                                [label for _, label in drawings])
    print(f"{path.name}: {len(drawings)} canvas drawings; top-1 {score.accuracy:.2%}, "
          f"look-alikes merged {build_models.merged_accuracy(score):.2%}")
    confusion = np.asarray(score.confusion)
    right = np.diag(confusion) / np.maximum(confusion.sum(axis=1), 1)
    wrong = confusion - np.diag(np.diag(confusion))
    print("read worst: " + ", ".join(
        f"{score.classes[i]} {right[i]:.0%} (else {score.classes[wrong[i].argmax()]})"
        for i in np.argsort(right, kind="stable")[:12]))

if __name__ == "__main__":
    main()
