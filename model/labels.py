"""Class labels: any short Unicode text, checked the same way wherever a label comes from."""

from __future__ import annotations

import unicodedata

MAX_LABEL_LENGTH = 32
# Bidirectional embeddings, overrides and isolates reorder the text around them on screen (an
# U+202E can make "3" look like something else); zero-width joiners and other format characters
# are fine, emoji sequences need them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Unicode categories never allowed in a label or a model name: control characters and lone
# surrogates (undecodable bytes of a file name). The line and paragraph separators U+2028/9 are
# allowed, as they always were in labels (files holding them must still load); the command line
# prints them escaped.
CONTROL_CATEGORIES = ("Cc", "Cs")


class LabelError(ValueError):
    """A label is not valid; the one-line message says why."""


def validate_label(label: str) -> str:
    """Return ``label`` in Unicode NFC form without surrounding whitespace.

    Any Unicode text of 1 to 32 characters is a label ("ß", "ж", "あ", "10", "🙂").

    Raises
    ------
    LabelError
        Not a string, empty or blank, too long, or containing control characters.
    """
    if not isinstance(label, str):
        raise LabelError(f"a label must be text, got {type(label).__name__}")
    text = unicodedata.normalize("NFC", label).strip()
    if not text:
        raise LabelError("a label cannot be empty")
    if len(text) > MAX_LABEL_LENGTH:
        raise LabelError(f"label {text[:MAX_LABEL_LENGTH]!r}... is longer than "
                         f"{MAX_LABEL_LENGTH} characters")
    if has_control_characters(text):
        raise LabelError(f"label {text!r} contains control characters")
    return text


def has_control_characters(text: str) -> bool:
    """Whether ``text`` holds a character no label or model name may hold: a control
    character or a bidirectional override."""
    return any(unicodedata.category(c) in CONTROL_CATEGORIES or c in BIDI_CONTROLS
               for c in text)


def check_stored_labels(labels: list[str], where: str, first: int = 0) -> None:
    """Raise LabelError unless every label read from a file is one :func:`validate_label` keeps
    as it is (a file written by charrec holds only such labels); ``where`` and the label's
    number (counted from ``first``) begin the message."""
    for i, label in enumerate(labels, first):
        try:
            valid = validate_label(label)
        except LabelError as exc:
            raise LabelError(f"{where} {i} is invalid: {exc}") from None
        if valid != label:
            raise LabelError(f"{where} {i} is invalid: {label!r} has surrounding spaces or is "
                             "not in Unicode normal form")
