"""Reading lines of characters: recognition decides where one glyph ends and the next begins.

An image is split into text lines (top to bottom); each line's italic slant is undone; its
pieces of ink are over-segmented at candidate cuts (model.lines.cut_candidates), every run of up
to ``MAX_JOIN`` neighbouring pieces is classified, and dynamic programming picks the split of
the line whose glyphs have the best total log-probability - so touching glyphs are split and
broken ones (i, j, a broken stroke) joined. The line itself then says what a single glyph
cannot (model.linetext): where words part, the case of c/C-like letters, and which of the
look-alikes l/I/1, O/0, S/5 each is.
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
from .linetext import CAP_HEIGHT, line_text
from .segment import Box, crop, ink_pieces

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
if TYPE_CHECKING:
    from .classifier import Classifier


UNKNOWN = "?"  # the text's character for a glyph that is none of the model's labels


@dataclass(frozen=True)
class Glyph:
    """One character of a line: its ink's bounding box and what it may be, best first;
    ``known`` False when it is none of the model's labels (see :mod:`model.reject`), and
    ``top`` only the closest ones."""

    box: Box
    top: list[tuple[str, float]]
    known: bool = True

    @property
    def label(self) -> str:
        return self.top[0][0]


@dataclass(frozen=True)
class Reading:
    """Text read from an image: lines joined by newlines, and every glyph, in reading order."""

    text: str
    glyphs: list[Glyph]


def read_line(classifier: Classifier, image: ImageLike, k: int = 3,
              threshold: float | None = None) -> Reading:
    """Read the characters of ``image``: lines top to bottom, glyphs left to right.

    Boxes are in the pixels of ``image``; see :func:`read_ink` for how it is read.

    Raises
    ------
    EmptyGlyphError
        The image holds no characters.
    """
    ink = work_ink(image)
    return in_image(read_ink(classifier, to_float(ink), k, threshold), ink.shape, image)


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
               min(int(np.ceil(g.box[3] * sy)), height)), g.top, g.known)
        for g in reading.glyphs])


def read_ink(classifier: Classifier, ink: np.ndarray, k: int = 3,
             threshold: float | None = None) -> Reading:
    """Read the ink map (H, W) of an image: lines top to bottom, glyphs left to right.

    Parameters
    ----------
    classifier : Classifier
    ink : numpy.ndarray of shape (H, W), float32
        The image's ink map (model.ink), built once; lines and glyphs are slices of it.
    k : int, default 3
        Ranked labels kept per glyph.
    threshold : float, optional
        Reject threshold deciding each glyph's ``known`` (see
        :meth:`model.classifier.Classifier.known`; not for a model with a "none of these"
        output); None uses the model's own. An unknown glyph is :data:`UNKNOWN` in the text.

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
        line = _read_one_line(classifier, ink[top:bottom], k, threshold)
        if line:
            texts.append(line_text([g.label if g.known else UNKNOWN for g, _ in line],
                                   [box for _, box in line], labels))
            glyphs += [Glyph((g.box[0], g.box[1] + top, g.box[2], g.box[3] + top), g.top,
                             g.known) for g, _ in line]
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


def _read_one_line(classifier: Classifier, line: np.ndarray, k: int,
                   threshold: float | None) -> list[tuple[Glyph, Box]]:
    """The glyphs of one line's ink map, each with its box in the upright (deslanted) line
    and whether it is one of the model's labels at ``threshold``."""
    found = line_candidates(line, classifier.preprocess)
    if found is None:
        return []
    atoms = found.atoms
    network_probs = classifier.predict_vectors(found.vectors)
    atom_boxes = [box for i, j, box in found.spans if j == i + 1]
    probs = _shape_weighted(network_probs, [box for _, _, box in found.spans], atom_boxes,
                            found.height, classifier.labels)
    best = {0: (0.0, [])}
    for n, ((i, j, box), p) in sorted(enumerate(zip(found.spans, probs, strict=True)),
                                      key=lambda t: t[1][0][1]):
        if i not in best:
            continue
        pieces = len({atom[2] for atom in atoms[i:j]})
        score = (best[i][0] + float(np.log(p.max() + 1e-9)) - JOIN_PENALTY * (pieces - 1)
                 - atoms[i][3])
        if j not in best or score > best[j][0]:
            best[j] = (score, [*best[i][1], (box, p, n)])
    end = max(best)  # all atoms, unless the last ones could not be read
    chosen = [n for _, _, n in best[end][1]]
    # A model with a "none of these" output learnt pieces of lines that are no glyph, and the
    # cuts above already shun them; its prototypes, of whole glyphs, would refuse well-read
    # glyphs of lines (bench/README.md). Other models' glyphs go through the reject option.
    known = (np.ones(len(chosen), bool) if classifier.background else
             classifier.known(found.vectors[chosen], network_probs[chosen], threshold))
    return [(Glyph(_unslanted(box, found.slant, found.offset),
                   classifier.top(p / p.sum(), k), bool(is_known)), box)
            for (box, p, _), is_known in zip(best[end][1], known, strict=True)]


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
