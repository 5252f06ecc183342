"""Work around a reference-count bug of PySide6 6.12 on Python before 3.12.

Shiboken 6.12 hands None, True and False back from C++ without taking a reference. On Python
3.12 and later that is harmless, because these objects are immortal there (PEP 683). On 3.11
every call of a void Qt method (``update()``, ``setText()``, ...) drops a reference to None that
was never taken, and every signal emit one to True, so after a few thousand calls the
interpreter aborts with "deallocating None" (measured: 500 ``update()`` calls take 500
references from None). Giving the three objects more references than any session can use up
makes them as good as immortal, which is what Python 3.12 does for them.
"""

from __future__ import annotations

import ctypes
import sys

import PySide6

SPARE_REFERENCES = 1 << 40
_protected = False


def affected() -> bool:
    """True for PySide6 6.12 on Python before 3.12."""
    return sys.version_info < (3, 12) and PySide6.__version_info__[:2] == (6, 12)


def protect_singletons() -> None:
    """Make None, True and False effectively immortal where the bug applies (once)."""
    global _protected
    if _protected or not affected():
        return
    for singleton in (None, True, False):
        # ob_refcnt is the first field of every CPython object.
        ctypes.c_ssize_t.from_address(id(singleton)).value += SPARE_REFERENCES
    _protected = True
