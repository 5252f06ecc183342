"""Reading lines of characters: recognition decides where one glyph ends and the next begins.

An image is split into text lines (top to bottom); each line's italic slant is undone; its
pieces of ink are over-segmented at candidate cuts (model.lines.cut_candidates), every run of up
to ``MAX_JOIN`` neighbouring pieces is classified, and dynamic programming picks the split of
the line whose glyphs have the best total log-probability - so touching glyphs are split and
broken ones (i, j, a broken stroke) joined. The line itself then says what a single glyph
cannot: word gaps are the wide class of the line's own gap distribution; a glyph whose cases
differ only in size (c/C, o/O, s/S, ...) is lower case when clearly shorter than the line's
capitals; and look-alikes (l/I/1, O/0, S/5, Z/2, B/8) take the kind of their word - digits
among digits, letters among letters.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .glyph import PreprocessConfig, normalize_ink
from .images import EmptyGlyphError, ImageLike
from .ink import to_float, work_ink
from .lines import cut_candidates, deslant, estimate_slant, split_lines
from .segment import crop, ink_pieces

# Letters whose two cases look alike once a glyph is cropped and scaled to a fixed box.
SIZE_ONLY_CASE = set("cCoOsSvVwWxXzZ")
# Glyphs whose height is the line's capital height (ascenders are as tall as capitals).
CAP_HEIGHT = set("ABDEFGHIJKLMNPQRTUY0123456789bdfhklt")
SPACE_GAP = 0.3    # without a clear gap distribution, a gap wider than this share of the
MIN_SPACE = 0.12   # capital height is a space; never one narrower than MIN_SPACE of it
# The line's gaps fall into two classes (in words, between words) when there are at least
# MIN_NARROW narrow ones and the narrowest of the wide ones is GAP_RATIO times the widest of
# the narrow ones and GAP_MARGIN of the capital height wider.
MIN_NARROW = 4
GAP_RATIO = 1.5
GAP_MARGIN = 0.05
# A line is set at a fixed pitch when PITCH_SHARE of its glyph-centre steps lie within
# PITCH_SPREAD of their median; neighbours there are in one word unless PITCH_SPACE steps apart.
PITCH_SHARE, PITCH_SPREAD, PITCH_SPACE = 0.8, 0.15, 1.3
LOWER_BELOW = 0.8  # a size-only-case glyph shorter than this share of it is lower case
INK_LEVEL = 0.25   # ink map values that count when measuring a glyph's extent
MAX_JOIN = 5       # a glyph is made of at most this many neighbouring pieces ...
JOIN_GAP = 0.12    # ... fewer than this share of the line height apart
TIED = 0.5         # an atom whose columns lie this share under earlier ones is in their glyph
# A glyph wider than WIDE line heights (WIDER for the WIDE_LABELS) loses WIDE_PENALTY of
# log-probability per line height of excess width.
WIDE, WIDER, WIDE_LABELS = 0.9, 1.6, set("MWmw")
WIDE_PENALTY = 2.0
JOIN_PENALTY = 1.5  # log-probability a glyph made of several separate pieces of ink costs
CUT_PENALTY = 1.5   # log-probability cutting a piece of ink costs (at a projection minimum)
NOTCH_PENALTY = 1.5  # ... at a notch in its outline only (M, W have them too)
# Letters that stay between the baseline and the x-height, letters that reach the ascender line
# and letters that may go below it (an italic f does): a piece of ink reaching the ascender
# line is not one of the first, one that stays below it not one of the second (digits may be
# old-style figures, and a t is shorter than other ascenders), one going well below the
# baseline nothing but one of the third, and one that ends on it not one of the letters that
# always go below it (they lose SHAPE_PENALTY of log-probability).
X_HEIGHT_ONLY = set("acemnorsuvwxz")
ASCENDING = CAP_HEIGHT - set("0123456789t")
DESCENDING = set("fgjpqyQJ")
ALWAYS_DESCENDING = set("gjpqy")
SHAPE_PENALTY = 1.5
ON_BASELINE = 0.1  # a glyph ending less than this share of the x-height below it ends on it
X_HEIGHT_DROP = 0.15  # a piece whose top is this share of the line height below its top is short
# Look-alikes: as a digit among digits, as a letter among letters.
AS_DIGIT = {"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "i": "1", "|": "1", "S": "5",
            "s": "5", "Z": "2", "z": "2", "B": "8"}
AS_LETTER = {"0": "O", "1": "l", "5": "S", "2": "Z", "8": "B"}
TALL_BARS = set("Il1|")

Box = tuple[int, int, int, int]

if TYPE_CHECKING:
    from .classifier import Classifier


@dataclass(frozen=True)
class Glyph:
    """One character of a line: its ink's bounding box and what it may be, best first."""

    box: Box
    top: list[tuple[str, float]]

    @property
    def label(self) -> str:
        return self.top[0][0]


@dataclass(frozen=True)
class Reading:
    """Text read from an image: lines joined by newlines, and every glyph, in reading order."""

    text: str
    glyphs: list[Glyph]


def read_line(classifier: Classifier, image: ImageLike, k: int = 3) -> Reading:
    """Read the characters of ``image``: lines top to bottom, glyphs left to right.

    Boxes are in the pixels of ``image``; see :func:`read_ink` for how it is read.

    Raises
    ------
    EmptyGlyphError
        The image holds no characters.
    """
    ink = work_ink(image)
    return in_image(read_ink(classifier, to_float(ink), k), ink.shape, image)


def in_image(reading: Reading, ink_shape: tuple[int, int], image: ImageLike) -> Reading:
    """``reading`` of an ink map of shape ``ink_shape`` (a box-reduced ``image``, see
    model.ink.work_ink) with its boxes in the pixels of ``image``."""
    width, height = (image.shape[1], image.shape[0]) if isinstance(image, np.ndarray) else (
        image.size)
    sx, sy = width / ink_shape[1], height / ink_shape[0]
    if sx == sy == 1:
        return reading
    return Reading(reading.text, [
        Glyph((int(g.box[0] * sx), int(g.box[1] * sy), min(int(np.ceil(g.box[2] * sx)), width),
               min(int(np.ceil(g.box[3] * sy)), height)), g.top) for g in reading.glyphs])


def read_ink(classifier: Classifier, ink: np.ndarray, k: int = 3) -> Reading:
    """Read the ink map (H, W) of an image: lines top to bottom, glyphs left to right.

    Parameters
    ----------
    classifier : Classifier
    ink : numpy.ndarray of shape (H, W), float32
        The image's ink map (model.ink), built once; lines and glyphs are slices of it.
    k : int, default 3
        Ranked labels kept per glyph.

    Returns
    -------
    Reading
        Glyph boxes in the pixels of ``ink``.

    Raises
    ------
    EmptyGlyphError
        The image holds no characters.
    """
    labels = set(classifier.labels)
    texts, glyphs = [], []
    for top, bottom in split_lines(ink):
        line = _read_one_line(classifier, ink[top:bottom], k)
        if line:
            texts.append(_text(line, labels))
            glyphs += [Glyph((g.box[0], g.box[1] + top, g.box[2], g.box[3] + top), g.top)
                       for g, _ in line]
    if not glyphs:
        raise EmptyGlyphError("no characters found: the image holds no ink that looks like "
                              "writing")
    return Reading("\n".join(texts), glyphs)


def _atoms(upright: np.ndarray, pieces: list[Box], height: float
           ) -> list[tuple[int, int, int, float]]:
    """(left, right, piece, cost of the cut at its left) column spans of the ``pieces`` of ink
    of the line ``upright``, cut at candidate cuts; a cost of 0 where a piece begins."""
    atoms = []
    for number, (left, _, right, _) in enumerate(pieces):
        cuts = cut_candidates(upright, left, right, height)
        edges = [left, *(x for x, _ in cuts), right]
        costs = [0.0, *(NOTCH_PENALTY if notch else CUT_PENALTY for _, notch in cuts)]
        atoms += [(a, b, number, cost) for (a, b), cost in zip(itertools.pairwise(edges),
                                                                costs, strict=True)]
    return sorted(atoms)


@dataclass(frozen=True)
class LineCandidates:
    """Every glyph the reader considers in one line: runs of neighbouring atoms (pieces of ink
    cut at candidate cuts) and their network inputs.

    Attributes
    ----------
    upright : numpy.ndarray of shape (h, w), float32
        The line's ink map with its italic slant undone (model.lines.deslant).
    slant, offset : float
        The shear that made ``upright``.
    height : float
        The line's glyph height (90th percentile of its pieces' heights).
    atoms : list of (left, right, piece, cut cost)
        Column spans of the pieces cut at candidate cuts, left to right.
    spans : list of (i, j, Box)
        Candidate glyphs: atoms ``i`` to ``j - 1`` and their tight box in ``upright``.
    vectors : numpy.ndarray of shape (len(spans), n_inputs), float32
        The network input of every span.
    """

    upright: np.ndarray
    slant: float
    offset: float
    height: float
    atoms: list[tuple[int, int, int, float]]
    spans: list[tuple[int, int, Box]]
    vectors: np.ndarray


def line_candidates(line: np.ndarray, preprocess: PreprocessConfig) -> LineCandidates | None:
    """The candidate glyphs of one line's ink map (h, w), float32; None if it holds none."""
    slant = estimate_slant(line)
    upright, offset = deslant(line, slant)
    pieces = ink_pieces(upright)
    if not pieces:
        return None
    height = float(np.percentile([b[3] - b[1] for b in pieces], 90))
    atoms = _atoms(upright, pieces, height)
    spans, vectors = [], []
    for i in _glyph_starts(atoms):
        for j in range(i + 1, min(i + MAX_JOIN, len(atoms)) + 1):
            if j > i + 1 and atoms[j - 1][0] - atoms[j - 2][1] > JOIN_GAP * height:
                break
            box = _tight(upright, (atoms[i][0], 0, atoms[j - 1][1], upright.shape[0]))
            if box[2] - box[0] > 2.5 * height:
                break
            try:
                vectors.append(normalize_ink(crop(upright, box), preprocess).ravel())
            except EmptyGlyphError:
                continue
            spans.append((i, j, box))
    if not spans:
        return None
    return LineCandidates(upright, slant, offset, height, atoms, spans,
                          np.stack(vectors))


def _glyph_starts(atoms: list[tuple[int, int, int, float]]) -> list[int]:
    """Indices of the atoms a glyph may begin with: not those lying under the columns of the
    atoms before them for more than ``TIED`` of their width (the dot of an i over the stem,
    pieces of italic letters the shear did not set apart), which would be read twice."""
    starts, reach = [], -np.inf
    for i, (left, right, _, _) in enumerate(atoms):
        if reach - left <= TIED * (right - left):
            starts.append(i)
        reach = max(reach, right)
    return starts


def _read_one_line(classifier: Classifier, line: np.ndarray, k: int
                   ) -> list[tuple[Glyph, Box]]:
    """The glyphs of one line's ink map, each with its box in the upright (deslanted) line."""
    found = line_candidates(line, classifier.preprocess)
    if found is None:
        return []
    atoms = found.atoms
    probs = classifier.predict_vectors(found.vectors)
    atom_boxes = [box for i, j, box in found.spans if j == i + 1]
    probs = _shape_weighted(probs, [box for _, _, box in found.spans], atom_boxes,
                            found.height, classifier.labels)
    best = {0: (0.0, [])}
    for (i, j, box), p in sorted(zip(found.spans, probs, strict=True), key=lambda t: t[0][1]):
        if i not in best:
            continue
        pieces = len({atom[2] for atom in atoms[i:j]})
        score = (best[i][0] + float(np.log(p.max() + 1e-9)) - JOIN_PENALTY * (pieces - 1)
                 - atoms[i][3])
        if j not in best or score > best[j][0]:
            best[j] = (score, [*best[i][1], (box, p)])
    end = max(best)  # all atoms, unless the last ones could not be read
    return [(Glyph(_unslanted(box, found.slant, found.offset),
                   classifier.top(p / p.sum(), k)), box)
            for box, p in best[end][1]]


def _shape_weighted(probs: np.ndarray, boxes: list[Box], parts: list[Box], height: float,
                    labels: list[str]) -> np.ndarray:
    """Probabilities (n, classes) of candidate glyphs weighted down where their width and
    height do not fit the label's (see ``WIDE`` and ``X_HEIGHT_ONLY``; the heights
    only if the line shows an x-height, not all capitals or digits). Not renormalised: a
    candidate that fits no label loses its score. The line's cap line, x-height and baseline
    come from the tops and bottoms of ``parts``, the boxes of its atoms (pieces of ink cut at
    candidate cuts, so that letters pushed together into one piece still show their own)."""
    allowed = np.array([WIDER if label in WIDE_LABELS else WIDE for label in labels])
    widths = np.array([(box[2] - box[0]) / height for box in boxes])
    out = probs * np.exp(-WIDE_PENALTY * np.clip(widths[:, None] - allowed, 0, None))
    tops = np.array([p[1] for p in parts])
    baseline = float(np.median([p[3] for p in parts]))
    cap_line = float(np.percentile(tops, 10))
    short = tops > cap_line + X_HEIGHT_DROP * (baseline - cap_line)
    if short.any() and not short.all():
        x_line = float(np.median(tops[short]))
        short_label = np.array([label in X_HEIGHT_ONLY for label in labels])
        tall_label = np.array([label in ASCENDING for label in labels])
        flat_label = np.array([label not in DESCENDING for label in labels])
        low_label = np.array([label in ALWAYS_DESCENDING for label in labels])
        for row, (_, top, _, bottom) in zip(out, boxes, strict=True):
            row[short_label if top < (cap_line + x_line) / 2 else tall_label] *= np.exp(
                -SHAPE_PENALTY)
            if bottom > baseline + 0.3 * (baseline - x_line):
                row[flat_label] *= np.exp(-SHAPE_PENALTY)
            elif bottom <= baseline + ON_BASELINE * (baseline - x_line):
                row[low_label] *= np.exp(-SHAPE_PENALTY)
    return out


def _unslanted(box: Box, slant: float, offset: float) -> Box:
    """A box of the upright line mapped back to the line as it was (see model.lines.deslant)."""
    left, top, right, bottom = box
    xs = [x - slant * y - offset for x in (left, right) for y in (top, bottom)]
    return (max(int(np.floor(min(xs))), 0), top, int(np.ceil(max(xs))), bottom)


def _tight(ink: np.ndarray, box: Box) -> Box:
    """``box`` shrunk to the ink inside it."""
    left, top, right, bottom = box
    inside = ink[top:bottom, left:right] > INK_LEVEL
    rows, cols = np.flatnonzero(inside.any(axis=1)), np.flatnonzero(inside.any(axis=0))
    if not len(rows):
        return box
    return (left + int(cols[0]), top + int(rows[0]), left + int(cols[-1]) + 1,
            top + int(rows[-1]) + 1)


def _height(box: Box) -> int:
    return box[3] - box[1]


def _text(line: list[tuple[Glyph, Box]], labels: set[str]) -> str:
    """The text of one line's glyphs (each with its upright box): words, case, look-alikes."""
    glyphs = [g for g, _ in line]
    heights = [_height(box) for _, box in line]
    caps = [h for h, g in zip(heights, glyphs, strict=True) if g.label in CAP_HEIGHT]
    cap_height = float(np.median(caps)) if caps else float(max(heights))
    # Without a glyph of known capital height, only a visible size difference tells the case.
    knows_case = bool(caps) or min(heights) < LOWER_BELOW * cap_height
    breaks = _word_breaks([box for _, box in line], cap_height)
    words: list[list[str]] = [[]]
    for i, (glyph, box) in enumerate(line):
        if i and breaks[i - 1]:
            words.append([])
        words[-1].append(_cased(glyph.label, _height(box), cap_height, labels)
                         if knows_case else glyph.label)
    return " ".join("".join(_in_context(word, labels)) for word in words)


def _word_breaks(boxes: list[Box], height: float) -> np.ndarray:
    """Whether a word gap parts each pair of neighbouring glyph boxes: a gap wider than
    :func:`_space_gap` - unless the line is set at a fixed pitch (``PITCH_SHARE`` of its steps
    from glyph centre to glyph centre within ``PITCH_SPREAD`` of their median) and the pair's
    centres are less than ``PITCH_SPACE`` pitches apart (an i beside an l, a narrow r)."""
    gaps = [b[0] - a[2] for a, b in itertools.pairwise(boxes)]
    breaks = np.array(gaps) > _space_gap(gaps, height)
    steps = np.diff([(box[0] + box[2]) / 2 for box in boxes])
    if len(steps) >= MIN_NARROW:
        pitch = float(np.median(steps))
        if np.mean(np.abs(steps - pitch) < PITCH_SPREAD * pitch) >= PITCH_SHARE:
            breaks &= steps > PITCH_SPACE * pitch
    return breaks


def _space_gap(gaps: list[int], height: float) -> float:
    """The widest gap inside a word: the split of the line's gaps into two classes with the
    largest between-class variance (Otsu's rule) if the classes are far apart (``MIN_NARROW``,
    ``GAP_RATIO``, ``GAP_MARGIN``), else
    ``SPACE_GAP`` of the capital height; never below ``MIN_SPACE`` of it."""
    floor = MIN_SPACE * height
    ordered = np.sort(np.asarray(gaps, dtype=np.float64))
    if len(ordered) >= 3:
        n = len(ordered)
        variances = [(i * (n - i), i) for i in range(1, n)
                     if ordered[i] - ordered[i - 1] > 0]
        if variances:
            i = max(variances, key=lambda t: t[0] * (ordered[t[1]:].mean()
                                                    - ordered[:t[1]].mean()) ** 2)[1]
            small, large = ordered[:i], ordered[i:]
            if len(small) >= MIN_NARROW and large.min() > max(GAP_RATIO * small.max(),
                                                               small.max() + GAP_MARGIN * height):
                return max(float(small.max()), floor)
    return max(SPACE_GAP * height, floor)


def _in_context(word: list[str], labels: set[str]) -> list[str]:
    """Look-alikes as digits in a word of digits, as letters in a word of letters; ``l`` is
    ``I`` among capitals."""
    digits = sum(c.isdigit() for c in word)
    letters = sum(c.isalpha() and c not in AS_DIGIT for c in word)
    if digits > letters:
        table = AS_DIGIT
    elif letters > digits:
        # The l/I/1 look-alikes themselves do not vote on the word's case.
        voters = [c for c in word if c not in TALL_BARS] or word
        capitals = sum(c.isupper() for c in voters) > len(voters) / 2
        table = {**AS_LETTER, **({"1": "I", "l": "I"} if capitals else {"I": "l"})}
    else:
        return word
    return [table[c] if c in table and table[c] in labels else c for c in word]


def _cased(label: str, height: int, cap_height: float, labels: set[str]) -> str:
    """The glyph's label in the case its height says, for letters whose cases differ in size."""
    if label not in SIZE_ONLY_CASE:
        return label
    cased = label.lower() if height < LOWER_BELOW * cap_height else label.upper()
    return cased if cased in labels else label
