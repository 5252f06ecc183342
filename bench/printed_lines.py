"""Printed lines in typefaces the model never saw, read by charrec and by Tesseract (by hand).

    .venv/bin/python bench/printed_lines.py [--lines 4] [--model printed] [--no-tesseract]
    .venv/bin/python bench/printed_lines.py --training --no-tesseract  # what costs are tuned on

Lines of 3-5 words (a fixed vocabulary: lower case, Capitalised, UPPER CASE, numbers, seeded)
are rendered in every style of the font families the model was built without (as its file
records them: ``training["held_out"]``; the designs resources/build_models.py holds out for
models that record none), 26-44 px, some with the letters pushed together until they touch, on white
with a light blur. Character error rate = edit distance / reference length over all lines,
with the look-alike groups of build_models.AMBIGUOUS merged (c/C, o/O/0, s/S, v/V, w/W, x/X,
z/Z, l/I/1); Tesseract 5 (``tesseract IMG stdout --psm 7``) reads the same images.

``--training`` reads one line per font file of the *training* designs instead (another seed):
the reader's costs and cut rules (model.reading, model.lines) are chosen on these, never on the
held-out lines.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageFont

from model.builtin import builtin_path
from model.images import EmptyGlyphError
from model.modelfile import load_model

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "resources")]

import build_models  # noqa: E402
from line_pieces import SIZES, render_line  # noqa: E402

VOCABULARY = ("the quick brown fox jumps over lazy dog quartz zebra street hello world jinx box "
         "jump pack my with five dozen liquor jugs sphinx black vow waltz nymph glib crwth "
         "vex bad fjord gym kept answer little minute office people simple yellow window "
         "garden number letter castle bridge market silver winter")
WORDS = VOCABULARY.split()


def sentence(rng: np.random.Generator) -> str:
    words = []
    for _ in range(int(rng.integers(3, 6))):
        kind = rng.random()
        if kind < 0.12:
            words.append(str(int(rng.integers(0, 10 ** int(rng.integers(1, 5))))))
            continue
        word = str(rng.choice(WORDS))
        words.append(word.upper() if kind < 0.3 else word.capitalize() if kind < 0.55 else word)
    return " ".join(words)


def held_out_fonts(classifier) -> dict[str, list[str]]:
    """Font files of the families ``classifier`` was built without, by family."""
    recorded = classifier.training.get("held_out", {})
    if "families" in recorded:  # recipes before the conv rebuild: families by fontconfig name
        listing = subprocess.run(["fc-list", "--format", "%{family[0]}|%{file}\n"],
                                 capture_output=True, text=True, check=True).stdout
        found: dict[str, list[str]] = {family: [] for family in recorded["families"]}
        for line in sorted(listing.splitlines()):
            family, _, path = line.partition("|")
            if family in found and path.endswith((".ttf", ".otf")):
                found[family].append(path)
        return found
    return build_models.typefaces(build_models.PRINTED_CLASSES)["printed"][1]


def lines(fonts: dict[str, list[str]], per_font: int, seed: int
          ) -> list[tuple[Image.Image, str]]:
    rng = np.random.default_rng(seed)
    out = []
    for paths in fonts.values():
        for path in paths:
            for _ in range(per_font):
                font = ImageFont.truetype(path, int(rng.integers(*SIZES)))
                text = sentence(rng)
                squeeze = 0.06 if rng.random() < 0.3 else 0.0
                image = render_line(text, font, squeeze)[0]
                darkest, lightest = image.getextrema()
                if darkest < lightest:  # not a font that draws nothing
                    out.append((image, text))
    return out


def merged(text: str) -> str:
    group = {char: chars[0] for chars in build_models.AMBIGUOUS for char in chars}
    return "".join(group.get(char, char) for char in text)


def distance(a: str, b: str) -> int:
    """Levenshtein edit distance."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def read_text(classifier, image: Image.Image) -> str:
    """What ``classifier`` reads in ``image`` ("" where it finds no characters)."""
    try:
        return classifier.recognize(image).text or ""
    except EmptyGlyphError:
        return ""


def cer(pairs: list[tuple[str, str]]) -> float:
    """Character error rate of (reference, read) pairs, look-alikes merged."""
    errors = sum(distance(merged(ref), merged(got.strip())) for ref, got in pairs)
    return errors / sum(len(ref) for ref, _ in pairs)


def tesseract(images: list[Image.Image]) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        out = []
        for i, image in enumerate(images):
            path = Path(folder) / f"{i}.png"
            image.save(path)
            out.append(subprocess.run(["tesseract", str(path), "stdout", "--psm", "7"],
                                      capture_output=True, text=True).stdout.strip())
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=4, help="lines per font file")
    parser.add_argument("--model", default="printed")
    parser.add_argument("--no-tesseract", action="store_true")
    parser.add_argument("--show", type=int, default=8, help="print this many misread lines")
    parser.add_argument("--training", action="store_true",
                        help="one line per font file of the training designs instead")
    args = parser.parse_args()
    path = builtin_path(args.model) if args.model in ("digits", "printed") else args.model
    classifier = load_model(path)
    if args.training:
        training = build_models.typefaces(build_models.PRINTED_CLASSES)["printed"][0]
        fonts = {"training": sorted(path for paths in training.values() for path in paths)}
        data = lines(fonts, 1, 99)
    else:
        fonts = held_out_fonts(classifier)
        data = lines(fonts, args.lines, 2028)
    start = time.perf_counter()
    read = [read_text(classifier, image) for image, _ in data]
    seconds = time.perf_counter() - start
    refs = [text for _, text in data]
    print(f"{len(data)} lines, {sum(map(len, refs))} characters, "
          f"{sum(map(len, fonts.values()))} fonts of the "
          + ("training designs" if args.training else f"held-out families {', '.join(fonts)}")
          + f"; model {path}")
    print(f"charrec:   CER {cer(list(zip(refs, read, strict=True))):.2%} (look-alikes merged), "
          f"{1000 * seconds / len(data):.0f} ms per line")
    if not args.no_tesseract and shutil.which("tesseract"):
        start = time.perf_counter()
        theirs = tesseract([image for image, _ in data])
        seconds = time.perf_counter() - start
        version = subprocess.run(["tesseract", "--version"], capture_output=True,
                                 text=True).stdout.split("\n")[0]
        print(f"{version}: CER {cer(list(zip(refs, theirs, strict=True))):.2%} "
              f"(look-alikes merged), {1000 * seconds / len(data):.0f} ms per line")
    shown = 0
    for ref, got in zip(refs, read, strict=True):
        if merged(ref) != merged(got) and shown < args.show:
            print(f"  {ref!r} -> {got!r}")
            shown += 1


if __name__ == "__main__":
    main()
