"""The built-in models that ship in ``resources/models/<name>.h5``."""

from __future__ import annotations

import os
from pathlib import Path

from resources import resource_path

from .modelfile import ModelFileError

BUILTIN_FOLDER = resource_path("models")
BUILTIN_NAMES = ("digits", "printed")
DEFAULT_MODEL = "digits"


# Said whenever a write would replace a built-in model.
NEVER_OVERWRITTEN = "built-in models are never overwritten: choose another folder"


def is_builtin_folder(folder: str | os.PathLike) -> bool:
    """Whether ``folder`` is the folder of built-in models (symlinks followed)."""
    return Path(os.path.realpath(folder)) == Path(os.path.realpath(BUILTIN_FOLDER))


def is_builtin(path: str | os.PathLike) -> bool:
    """Whether the file ``path`` is, or a write to it would replace, a file in the folder of
    built-in models: symlinks are followed, the folder's and the file's own."""
    return is_builtin_folder(Path(os.path.realpath(path)).parent)


def builtin_path(name: str) -> Path:
    """Where the built-in model ``name`` lives (whether or not it is installed)."""
    return BUILTIN_FOLDER / f"{name}.h5"


def default_model_path() -> Path | None:
    """The default built-in model ("digits"), or None while it is not installed."""
    path = builtin_path(DEFAULT_MODEL)
    return path if path.is_file() else None


def resolve_model(name_or_path: str | os.PathLike) -> Path:
    """The model file meant by a built-in name ("digits", "printed") or a path.

    An existing file wins over a built-in of the same name; any other text is returned as a
    path (checked when the model is loaded).

    Raises
    ------
    ModelFileError
        A built-in name whose model is not installed.
    """
    name = os.fspath(name_or_path)
    if name in BUILTIN_NAMES and not Path(name).exists():
        path = builtin_path(name)
        if not path.is_file():
            raise ModelFileError(f"the built-in model '{name}' is not installed "
                                 f"(expected {path}); train one with 'charrec train'")
        return path
    return Path(name)
