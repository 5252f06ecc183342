"""The one road from an image to an answer: :func:`recognize` and the :class:`Recognition` it gives.

The command line (``charrec predict``), the live canvas and line reading all go through it:
image → preprocessing → network → ranked labels, for the image as one character and, when asked,
for every character of it read as a line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .glyph import normalize_ink
from .images import EmptyGlyphError, ImageLike
from .ink import to_float, work_ink
from .reading import Glyph, in_image, read_ink
from .specks import without_strays

if TYPE_CHECKING:
    from .classifier import Classifier

TOP_K = 5
UNSURE_BELOW = 0.5
# An image of several pieces that the model knows, all its ink, as one of its labels with at
# least this probability is that one character (=, ÷, a symbol of separate strokes), not a line.
ONE_CHARACTER_SURE = 0.99


@dataclass(frozen=True)
class Recognition:
    """What a classifier makes of one image.

    Attributes
    ----------
    top : list of (label, probability)
        The most probable labels of the whole image as one character, best first.
    seen : ndarray of shape (size, size), float32
        The whole image as the network sees it (ink = 1).
    glyphs : tuple of Glyph
        The characters of the image read as a line, left to right, each with its box and ranked
        labels; empty when the image was not read as a line.
    text : str or None
        The text those glyphs make (word gaps become spaces, lines newlines); None when not
        read.
    ink : ndarray of shape (h, w), float32, or None
        The cleaned ink map of the whole image (ink = 1; box-reduced if the image is larger
        than model.images.WORK_PIXELS), as every later step sees it; glyph boxes are in the
        pixels of the image itself.
    image : PIL image, ndarray or None
        The image recognised (for showing the boxes over it); None when not read as a line.
    known : bool
        Whether the whole image is one of the model's labels at all (see :mod:`model.reject`);
        when False, ``top`` are only the closest labels.
    one_character : bool
        Whether an image of several glyphs is one character all the same: known as one of the
        model's labels, at least ``ONE_CHARACTER_SURE``, with none of its ink taken for a
        speck or a stray mark (then ``reading`` is None).
    """

    top: list[tuple[str, float]]
    seen: np.ndarray
    glyphs: tuple[Glyph, ...] = ()
    text: str | None = None
    ink: np.ndarray | None = None
    image: ImageLike | None = None
    known: bool = True
    one_character: bool = False

    @property
    def label(self) -> str:
        return self.top[0][0]

    @property
    def probability(self) -> float:
        return self.top[0][1]

    @property
    def unsure(self) -> bool:
        return self.probability < UNSURE_BELOW

    @property
    def reading(self) -> str | None:
        """The text, when the image holds several characters; None for a single one (one
        glyph, or several that make :attr:`one_character`)."""
        return self.text if len(self.glyphs) > 1 and not self.one_character else None


def recognize(classifier: Classifier, image: ImageLike, k: int = TOP_K,
              read_text: bool = True, threshold: float | None = None) -> Recognition:
    """Classify ``image`` as one character and, with ``read_text``, read it as a line.

    Parameters
    ----------
    classifier : Classifier
    image : PIL image or ndarray
        Any image preprocessing accepts.
    k : int, default TOP_K
        Ranked labels kept for the image and for each of its glyphs.
    read_text : bool, default True
        Also split the image into characters and read them as a line.
    threshold : float, optional
        Reject threshold in [0, 1] deciding ``known``; None uses the model's own, 0 never
        rejects.

    Raises
    ------
    model.preprocess.EmptyGlyphError
        The image holds no ink.
    """
    ink = work_ink(image)  # built once: the glyph and the line are read from it
    seen = normalize_ink(ink, classifier.preprocess)
    vector = seen.reshape(1, -1)
    probs = classifier.predict_vectors(vector)
    top = classifier.top(probs[0], k)
    known = bool(classifier.known(vector, probs, threshold)[0])
    if not read_text:
        return Recognition(top, seen, known=known)
    unit_ink = to_float(ink)
    try:
        line = in_image(read_ink(classifier, unit_ink, k, threshold), ink.shape, image)
    except EmptyGlyphError:  # ink too faint to split, though enough for one glyph
        return Recognition(top, seen, ink=unit_ink, image=image, known=known)
    one_character = (len(line.glyphs) > 1 and known and top[0][1] >= ONE_CHARACTER_SURE
                     and without_strays(ink) is ink)  # all its ink is what the network saw
    return Recognition(top, seen, tuple(line.glyphs), line.text, unit_ink, image, known,
                       one_character)
