"""Pieces of printed lines as the reader sees them, labelled by what they really hold.

The line reader (model.reading) classifies every run of neighbouring pieces of ink and lets
the best total confidence decide the split; a model that is sure of anything it is shown reads
two touching letters as one "m". So the printed model also learns candidates of lines in the
training typefaces: one that holds exactly one glyph as that glyph, one that holds a glyph and
much of another as "none of these".
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from model.glyph import PreprocessConfig
from model.images import EmptyGlyphError
from model.ink import to_float, work_ink
from model.lines import deslant, split_lines
from model.reading import line_candidates

WHOLE = 0.9    # a candidate holding this share of one glyph's ink ...
STRAY = 0.05   # ... and of the others' ink at most this share of that glyph's ink is the glyph;
MORE = 0.3     # holding one glyph whole and this share of another, it is none of the labels.
# (Parts of one glyph are left out: half an O, a W or a K is a C, a V or a "<" to anyone.)
SIZES = (26, 45)
SQUEEZED, SQUEEZE = 0.4, (0.02, 0.1)  # share of lines with letters pushed together, and how far


def render_line(text: str, font: ImageFont.FreeTypeFont, squeeze: float
                ) -> tuple[Image.Image, list[tuple[float, str]]]:
    """``text`` in ``font``, black on white with a light blur, letter by letter, each advance
    shortened by ``squeeze`` of the font size (touching letters when positive); and where each
    character was drawn (x, character)."""
    size = font.size
    width = int(font.getlength(text)) + 2 * size
    image = Image.new("L", (width, int(size * 2)), 255)
    draw = ImageDraw.Draw(image)
    x, places = size / 2, []
    for char in text:
        draw.text((x, size * 0.4), char, font=font, fill=0)
        places.append((x, char))
        x += font.getlength(char) - (squeeze * size if char != " " else 0)
    return image.crop((0, 0, int(x + size / 2), image.height)).filter(
        ImageFilter.GaussianBlur(0.6)), places


def _char_inks(places: list[tuple[float, str]], font: ImageFont.FreeTypeFont,
               shape: tuple[int, int]) -> np.ndarray:
    """(n, h, w) float32: the ink of each drawn character alone."""
    inks = np.zeros((len(places), *shape), np.float32)
    for ink, (x, char) in zip(inks, places, strict=True):
        image = Image.new("L", (shape[1], shape[0]), 0)
        ImageDraw.Draw(image).text((x, font.size * 0.4), char, font=font, fill=255)
        ink[:] = np.asarray(image, np.float32) / 255
    return inks


def labelled_candidates(image: Image.Image, places: list[tuple[float, str]],
                        font: ImageFont.FreeTypeFont, preprocess: PreprocessConfig,
                        background: str) -> tuple[np.ndarray, list[str]]:
    """Network inputs (n, n_inputs) of the reader's candidates for the one-line ``image`` and
    their labels: the glyph, ``background``, or (ambiguous ones) left out."""
    nothing = np.zeros((0, preprocess.n_inputs), np.float32), []
    try:
        ink = to_float(work_ink(image))
    except EmptyGlyphError:  # a font file without these characters draws nothing
        return nothing
    lines = split_lines(ink) if ink.shape == (image.height, image.width) else []
    if not lines:
        return nothing
    top, bottom = lines[0]
    found = line_candidates(ink[top:bottom], preprocess)
    if found is None:
        return nothing
    drawn = [(x, char) for x, char in places if char != " "]
    inks = np.stack([deslant(char_ink, found.slant)[0] for char_ink in
                     _char_inks(drawn, font, ink.shape)[:, top:bottom]])
    totals = inks.sum(axis=(1, 2))
    keep, labels = [], []
    for index, (_, _, (left, up, right, down)) in enumerate(found.spans):
        inside = inks[:, up:down, left:right].sum(axis=(1, 2))
        share = inside / np.maximum(totals, 1e-6)
        second, best = np.argsort(share)[-2:] if len(share) > 1 else (0, 0)
        if share[best] >= WHOLE and inside.sum() - inside[best] <= STRAY * inside[best]:
            label = drawn[best][1]
        elif best != second and share[best] >= WHOLE and share[second] >= MORE:
            label = background
        else:
            continue
        keep.append(index)
        labels.append(label)
    return found.vectors[keep], labels


def line_pieces(families: dict[str, list[str]], chars: str, n_lines: int, seed: int,
                preprocess: PreprocessConfig, background: str
                ) -> tuple[list[np.ndarray], list[str]]:
    """Labelled candidates (see :func:`labelled_candidates`) of ``n_lines`` lines of 3-9
    random ``chars``, some in two words, each in a random font file of ``families``, 26-44 px,
    :data:`SQUEEZED` of them with the letters pushed together; as glyph images (size, size)
    uint8, light ink on black, as MNIST has them."""
    rng = np.random.default_rng(seed)
    paths = sorted(path for group in families.values() for path in group)
    vectors, labels = [], []
    for _ in range(n_lines):
        font = ImageFont.truetype(paths[int(rng.integers(len(paths)))],
                                  int(rng.integers(*SIZES)))
        text = "".join(rng.choice(list(chars), int(rng.integers(3, 10))))
        if rng.random() < 0.3:
            cut = int(rng.integers(1, len(text)))
            text = text[:cut] + " " + text[cut:]
        squeeze = rng.uniform(*SQUEEZE) if rng.random() < SQUEEZED else 0.0
        image, places = render_line(text, font, squeeze)
        found, found_labels = labelled_candidates(image, places, font, preprocess, background)
        vectors.append(found)
        labels += found_labels
    size = preprocess.size
    return [(vector.reshape(size, size) * 255).astype(np.uint8)
            for vector in np.concatenate(vectors)], labels
