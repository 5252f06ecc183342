"""A line's glyphs -> its text: word gaps, case and look-alikes from the line itself.

Word gaps are the wide class of the line's own gap distribution (or, in a line set at a fixed
pitch, a whole extra pitch); a glyph whose cases differ only in size (c/C, o/O, s/S, ...) is
lower case when clearly shorter than the line's capitals; and look-alikes (l/I/1, O/0, S/5,
Z/2, B/8) take the kind of their word - digits among digits, letters among letters.
"""

from __future__ import annotations

import itertools

import numpy as np

from .segment import Box

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
# A line of at least PITCH_STEPS glyph-centre steps is set at a fixed pitch when PITCH_SHARE of
# them lie within PITCH_SPREAD of their median; neighbours there are in one word unless
# PITCH_SPACE steps apart.
PITCH_STEPS, PITCH_SHARE, PITCH_SPREAD, PITCH_SPACE = 4, 0.8, 0.15, 1.3
LOWER_BELOW = 0.8  # a size-only-case glyph shorter than this share of it is lower case
# Look-alikes: as a digit among digits, as a letter among letters.
AS_DIGIT = {"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "i": "1", "|": "1", "S": "5",
            "s": "5", "Z": "2", "z": "2", "B": "8"}
AS_LETTER = {"0": "O", "1": "l", "5": "S", "2": "Z", "8": "B"}
TALL_BARS = set("Il1|")


def _height(box: Box) -> int:
    return box[3] - box[1]


def line_text(read: list[str], boxes: list[Box], labels: set[str]) -> str:
    """The text of one line: the labels ``read`` of its glyphs, left to right, with their
    upright boxes, parted into words, cased and with look-alikes taken by their word.

    Parameters
    ----------
    read : list of str
        The best label of every glyph.
    boxes : list of (left, top, right, bottom)
        The glyphs' boxes in the upright (deslanted) line, same order.
    labels : set of str
        The model's labels: a look-alike or a case is only changed into one of these.
    """
    heights = [_height(box) for box in boxes]
    caps = [h for h, label in zip(heights, read, strict=True) if label in CAP_HEIGHT]
    cap_height = float(np.median(caps)) if caps else float(max(heights))
    # Without a glyph of known capital height, only a visible size difference tells the case.
    knows_case = bool(caps) or min(heights) < LOWER_BELOW * cap_height
    breaks = _word_breaks(boxes, cap_height)
    words: list[list[str]] = [[]]
    for i, (label, height) in enumerate(zip(read, heights, strict=True)):
        if i and breaks[i - 1]:
            words.append([])
        words[-1].append(_cased(label, height, cap_height, labels) if knows_case else label)
    return " ".join("".join(_in_context(word, labels)) for word in words)


def _word_breaks(boxes: list[Box], height: float) -> np.ndarray:
    """Whether a word gap parts each pair of neighbouring glyph boxes: a gap wider than
    :func:`_space_gap` - unless the line is set at a fixed pitch (``PITCH_SHARE`` of its steps
    from glyph centre to glyph centre within ``PITCH_SPREAD`` of their median) and the pair's
    centres are less than ``PITCH_SPACE`` pitches apart (an i beside an l, a narrow r)."""
    gaps = [b[0] - a[2] for a, b in itertools.pairwise(boxes)]
    breaks = np.array(gaps) > _space_gap(gaps, height)
    steps = np.diff([(box[0] + box[2]) / 2 for box in boxes])
    if len(steps) >= PITCH_STEPS:
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
