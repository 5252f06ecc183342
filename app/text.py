"""Plain-text wording shared by the command line and the GUI (no Qt here)."""

from __future__ import annotations

import math
import re

from model.labels import BIDI_CONTROLS


def duration(seconds: float) -> str:
    """0.4 s, 12 s, 3 min 05 s, 1 h 02 min."""
    if seconds < 9.95:
        return f"{max(0.0, seconds):.1f} s"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class TimeLeft:
    """How long a training run may still take: "at most 2 min 05 s left" (early stopping or a
    time limit may end it sooner), at the rate since the first progress report, so that
    preparing the samples before it does not count; "" until :data:`MIN_BASIS` seconds of
    that rate are known. Call it with the time and the share of the run done at every report.
    """

    MIN_BASIS = 0.5

    def __init__(self) -> None:
        self._origin: tuple[float, float] | None = None

    def __call__(self, now: float, fraction: float) -> str:
        if self._origin is None:
            self._origin = (now, fraction)
        start, done_before = self._origin
        seconds, done = now - start, fraction - done_before
        if seconds < self.MIN_BASIS or done <= 0:
            return ""
        return f"at most {duration(seconds / done * (1 - fraction))} left"


def sizes_text(sizes: tuple[int, ...]) -> str:
    """Layer sizes as the options and the training form take them: (512, 256) -> "512,256"."""
    return ",".join(map(str, sizes))


def percent(share: float, decimals: int = 0) -> str:
    """``share`` (0-1) as a percentage rounded down, so that nothing short of certain reads
    100%: 0.9996 is "99%" or, with one decimal, "99.9%"."""
    scale = 10 ** decimals
    return f"{math.floor(share * 100 * scale + 1e-6) / scale:.{decimals}f}%"


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """"1 sample", "3 samples"; ``nouns`` for an irregular plural ("classes")."""
    return f"{n} {noun if n == 1 else nouns or noun + 's'}"


def sentence(text: str) -> str:
    """An engine message (lower case, made to follow "error: ") as a sentence of its own."""
    return text[:1].upper() + text[1:]


_ESCAPED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029"
                      + "".join(sorted(BIDI_CONTROLS)) + "\ud800-\udfff]")


_LINE_BREAKS = re.compile("[\t\n\r]")


def printable(text: str) -> str:
    """``text`` safe to show in a terminal: control characters, line separators and
    bidirectional overrides become ``\\u001b``-style escapes (valid in JSON strings too), and
    the undecodable bytes of a file name (Python's surrogate escapes) become ``\\xff``;
    newlines, tabs and carriage returns stay (see :func:`one_line`)."""
    return _ESCAPED.sub(_escape, text)


def one_line(text: str) -> str:
    """:func:`printable`, with newlines, tabs and carriage returns escaped too: a file name,
    a model name or a message that must stay on its line."""
    return _LINE_BREAKS.sub(_escape, printable(text))


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"
