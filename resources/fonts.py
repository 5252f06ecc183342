"""Typefaces for the built-in models, and glyphs rendered from them the way scans and pens do.

Only fonts from the Debian packages in :data:`PRINTED_PACKAGES` and :data:`HANDWRITING_PACKAGES`
are used (from fonts-noto-core only the Noto Serif families), found with ``dpkg -L``; a font
must have a glyph for every character of the classes it renders. Whole families are held out for
evaluation (:func:`split_families`).
"""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from fontTools.ttLib import TTFont, TTLibError
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from model.preprocess import EmptyGlyphError, PreprocessConfig, normalize_glyph

PRINTED_PACKAGES = (
    "fonts-liberation", "fonts-liberation2", "fonts-freefont-ttf", "fonts-texgyre",
    "fonts-urw-base35", "fonts-dejavu-core", "fonts-dejavu-extra", "fonts-roboto-unhinted",
    "fonts-croscore", "fonts-go", "fonts-jetbrains-mono", "fonts-oldstandard", "fonts-lmodern",
    "fonts-cmu", "fonts-paratype", "fonts-tuffy", "fonts-fantasque-sans", "fonts-courier-prime",
    "fonts-mononoki", "fonts-anonymous-pro", "fonts-agave", "fonts-sil-doulos",
    "fonts-prociono", "fonts-hermit", "fonts-inter", "fonts-b612", "fonts-manrope",
    "fonts-jura", "fonts-averia-gwf", "fonts-averia-sans-gwf", "fonts-averia-serif-gwf",
    "fonts-century-catalogue", "fonts-stix", "fonts-vollkorn", "fonts-fanwood",
    "fonts-goudybookletter", "fonts-play", "fonts-lindenhill", "fonts-junicode",
    "fonts-noto-core",
)
HANDWRITING_PACKAGES = (
    "fonts-kristi", "fonts-dancingscript", "fonts-dkg-handwriting", "fonts-isabella",
    "fonts-rufscript", "fonts-ecolier-court", "fonts-dustin", "fonts-staypuft",
    "fonts-lobstertwo", "fonts-yanone-kaffeesatz",
)
# Of fonts-noto-core, only families whose name starts with this.
NOTO_PREFIX = "Noto Serif"
FONT_SUFFIXES = (".ttf", ".otf")
# Most font files used per family (evenly spread over its sorted styles and optical sizes).
MAX_STYLES = 6
CANVAS = 128
# A rendering whose darkest pixel is lighter than this holds no glyph.
INK_LEVEL = 128
# A distorted rendering is kept when its network input, blurred, has at least this cosine
# similarity to the clean rendering's: below it, blur and thinning have erased strokes (an "M"
# left as two bars, an "A" as one) and the image no longer shows its label.
FAITHFUL = 0.8
FAITHFUL_BLUR = 1.5
POINT_SIZE = 64


def installed_fonts(packages: Iterable[str]) -> list[tuple[str, str]]:
    """(package, font file) of every TrueType/OpenType font the installed ``packages`` hold."""
    found = []
    for package in packages:
        listing = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True)
        if listing.returncode != 0:
            raise SystemExit(f"error: font package {package} is not installed "
                             f"(apt-get install {package})")
        found += [(package, line) for line in sorted(listing.stdout.splitlines())
                  if line.lower().endswith(FONT_SUFFIXES) and Path(line).is_file()]
    return found


def _family_and_coverage(path: str) -> tuple[str, set[int]] | None:
    try:
        font = TTFont(path, lazy=True, fontNumber=0)
        names = font["name"]
        family = names.getDebugName(16) or names.getDebugName(1)
        cmap = font.getBestCmap() or {}
    except (TTLibError, KeyError, OSError, AssertionError):
        return None
    return (family.strip(), set(cmap)) if family else None


def font_families(packages: Iterable[str], chars: str) -> dict[str, list[str]]:
    """Font files by family name: those of ``packages`` with a glyph for every one of ``chars``.

    At most :data:`MAX_STYLES` files per family are kept, evenly spread over its sorted files.
    """
    needed = {ord(c) for c in chars}
    families: dict[str, list[str]] = {}
    for package, path in installed_fonts(packages):
        described = _family_and_coverage(path)
        if described is None:
            continue
        family, coverage = described
        if package == "fonts-noto-core" and not family.startswith(NOTO_PREFIX):
            continue
        if needed <= coverage and path not in families.get(family, []):
            families.setdefault(family, []).append(path)
    for family, paths in families.items():
        if len(paths) > MAX_STYLES:
            keep = np.linspace(0, len(paths) - 1, MAX_STYLES).round().astype(int)
            families[family] = [paths[i] for i in keep]
    return dict(sorted(families.items()))


def split_families(families: dict[str, list[str]], n_held_out: int, seed: int
                   ) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(training, held-out) families: ``n_held_out`` whole families chosen at random."""
    names = list(families)
    held = set(np.random.default_rng(seed).permutation(names)[:n_held_out].tolist())
    return ({k: v for k, v in families.items() if k not in held},
            {k: v for k, v in families.items() if k in held})


@functools.lru_cache(maxsize=64)
def _font(path: str) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, POINT_SIZE)


def _smooth_field(rng: np.random.Generator, cells: int = 5) -> np.ndarray:
    """A smooth random field in [-1, 1] of shape (CANVAS, CANVAS)."""
    coarse = Image.fromarray(((rng.random((cells, cells)) * 255)).astype(np.uint8))
    fine = coarse.resize((CANVAS, CANVAS), Image.Resampling.BICUBIC)
    return np.asarray(fine, np.float32) / 127.5 - 1


def render_glyph(path: str, char: str, rng: np.random.Generator | None) -> Image.Image:
    """``char`` in the font at ``path``, black on white; with ``rng``, distorted at random like
    a scan or a pen: weight, slant, rotation, uneven thickness, blur, noise and specks."""
    canvas = Image.new("L", (CANVAS, CANVAS), 255)
    weight = int(rng.choice([0, 0, 0, 1, 2])) if rng is not None else 0
    ImageDraw.Draw(canvas).text((CANVAS // 2, CANVAS // 2), char, font=_font(path), fill=0,
                                anchor="mm", stroke_width=weight, stroke_fill=0)
    if rng is None:
        return canvas
    if rng.random() < 0.25:  # a lighter weight: thin the strokes
        canvas = canvas.filter(ImageFilter.MaxFilter(3))
    shear, angle = rng.uniform(-0.3, 0.3), rng.uniform(-6, 6)
    canvas = canvas.transform(canvas.size, Image.Transform.AFFINE,
                              (1, shear, -shear * CANVAS / 2, 0, 1, 0),
                              Image.Resampling.BILINEAR, fillcolor=255)
    canvas = canvas.rotate(angle, Image.Resampling.BILINEAR, fillcolor=255)
    pixels = np.asarray(canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0.8, 2.0))),
                        np.float32)
    if rng.random() < 0.6:  # uneven thickness: the ink threshold varies along the strokes
        threshold = 150 + 70 * _smooth_field(rng)
        pixels = np.where(pixels < threshold, 0.0, 255.0)
        pixels = np.asarray(Image.fromarray(pixels.astype(np.uint8)).filter(
            ImageFilter.GaussianBlur(rng.uniform(0.3, 1.2))), np.float32)
    if rng.random() < 0.5:
        pixels = pixels + rng.normal(0, rng.uniform(5, 35), pixels.shape)
    if rng.random() < 0.3:  # dust specks on the paper
        specks = rng.integers(0, CANVAS, (int(rng.integers(1, 6)), 2))
        pixels[specks[:, 0], specks[:, 1]] = 0
    if rng.random() < 0.3:  # a binarised scan at a random threshold
        pixels = np.where(pixels < rng.uniform(90, 170), 0, 255)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _blurred_input(image: Image.Image) -> np.ndarray:
    """(size * size,) float32: ``image``'s network input, blurred by :data:`FAITHFUL_BLUR`."""
    pixels = normalize_glyph(image, PreprocessConfig())
    blurred = Image.fromarray((pixels * 255).astype(np.uint8)).filter(
        ImageFilter.GaussianBlur(FAITHFUL_BLUR))
    return np.asarray(blurred, np.float32).ravel()


def faithful(variant: Image.Image, plain: Image.Image) -> bool:
    """Whether the distorted rendering ``variant`` still shows the glyph of the clean ``plain``
    (see :data:`FAITHFUL`); a blank one does not."""
    try:
        a, b = _blurred_input(variant), _blurred_input(plain)
    except EmptyGlyphError:
        return False
    return float(a @ b) >= FAITHFUL * float(np.linalg.norm(a) * np.linalg.norm(b))


def glyph_set(families: dict[str, list[str]], chars: str, variants: int, seed: int,
              clean: bool = True) -> tuple[list[Image.Image], list[str]]:
    """Glyphs of ``chars`` in every font of ``families``: one clean (if ``clean``) and
    ``variants`` distorted renderings each, those that stay :func:`faithful`; a font's empty
    glyphs are skipped."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for paths in families.values():
        for path in paths:
            for char in chars:
                plain = render_glyph(path, char, None)
                if plain.getextrema()[0] > INK_LEVEL:  # an empty glyph behind the code point
                    continue
                if clean:
                    images.append(plain)
                    labels.append(char)
                for _ in range(variants):
                    variant = render_glyph(path, char, rng)
                    if faithful(variant, plain):
                        images.append(variant)
                        labels.append(char)
    return images, labels
