"""The files charrec ships beside its code: ``icons/*.svg`` and the built-in ``models/*.h5``.

They are package data, found with :mod:`importlib.resources`, so a source checkout, an editable
install and an installed wheel all find them the same way.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def resource_path(*parts: str) -> Path:
    """The file or folder ``parts`` below this package, e.g. ``resource_path("icons")``.

    charrec is installed as plain files (pip unpacks wheels), so the path is a real one that
    Qt and h5py can open.
    """
    return Path(str(files(__name__).joinpath(*parts)))
