"""Pieces every ``charrec`` command shares: the error it raises, the model it loads, its output."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from model.atomic import check_folder, replace_target
from model.builtin import NEVER_OVERWRITTEN, default_model_path, is_builtin, resolve_model
from model.classifier import Classifier
from model.fileformat import check_replaceable
from model.imagefolders import LoadedImages, load_dataset
from model.modelfile import load_model
from model.reject import check_threshold

from .text import one_line

NO_MODEL = ("no model given and no built-in model is installed; train one with 'charrec train' "
            "or pass --model")


class CliError(Exception):
    """A user error: printed as one ``error:`` line, then exit with ``exit_code``."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


def add_model(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", metavar="PATH", help="model file or built-in model name "
                        "(default: the built-in digits model)")


def add_reject_threshold(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reject-threshold", type=_threshold, metavar="T",
                        help="how like its labels an image must look to be one of them, from 0 "
                        "(never reject) to 1 (default: the model's own, calibrated when trained)")


def _threshold(text: str) -> float:
    """argparse type of --reject-threshold: a number in [0, 1]."""
    try:
        return check_threshold(float(text))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"the reject threshold must be a number from 0 to 1, got {text!r}") from None


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def load_classifier(name_or_path: str | None) -> tuple[Path, Classifier]:
    """The model a command's --model names (a path or a built-in name), or the default one."""
    path = resolve_model(name_or_path) if name_or_path else default_model_path()
    if path is None:
        raise CliError(NO_MODEL)
    return path, load_model(path)


def output_path(out: str, kind: str) -> Path:
    """``--out`` once it is known, before any work, that a file of the format ``kind`` can be
    written there: not a folder, device, pipe or socket, in a folder that exists (for a
    symlink, the folder of the file it names), not a built-in model and not a file of another
    kind."""
    path = Path(out)
    if path.is_dir():
        raise CliError(f"{path} is a folder; --out needs a file name")
    target = replace_target(path)  # a device, a pipe or a socket is never replaced
    try:
        check_folder(target)
    except FileNotFoundError as exc:
        raise CliError(f"cannot save to {path}: {exc}") from None
    if is_builtin(target):
        raise CliError(f"cannot save to {path}: {NEVER_OVERWRITTEN}")
    check_replaceable(target, kind, CliError)
    return path


def error_line(exc: BaseException) -> str:
    """An exception's message as one line of text: a line break inside it (from a file name,
    say) is escaped, not the end of the message; its type's name when it has none."""
    return one_line(str(exc).strip()) or type(exc).__name__


def print_json(data: dict[str, Any]) -> int:
    """Print ``data`` as one line of JSON; the undecodable bytes of file names (surrogate
    escapes) are written as JSON escapes, which the terminal-safe stdout leaves alone."""
    text = json.dumps(data, ensure_ascii=False)
    print(text.encode("utf-8", "backslashreplace").decode("utf-8"))
    return 0


def print_rows(rows, header: tuple[str, str] | None = None) -> None:
    """Two aligned columns, indented, with an optional header row."""
    rows = [(str(label), str(value)) for label, value in rows]
    width = max([len(label) for label, _ in rows] + [len(header[0]) if header else 0])
    for label, value in ([header] if header else []) + rows:
        print(f"  {label.ljust(width)}  {value}")


def print_skipped(skipped: list[tuple[str, str]]) -> None:
    if skipped:
        print(f"skipped {len(skipped)}:")
        for path, reason in skipped:
            print(f"  {one_line(path)}: {one_line(reason)}")


def print_damaged(damaged: list[tuple[str, str]]) -> None:
    """One warning line on stderr for the images read although they hold damaged data."""
    if damaged:
        path, warning = damaged[0]
        more = f" and {len(damaged) - 1} more" if len(damaged) > 1 else ""
        print(f"warning: {len(damaged)} image file{'s' * (len(damaged) > 1)} had damaged data "
              f"and {'were' if len(damaged) > 1 else 'was'} read anyway: {one_line(path)} "
              f"({one_line(warning)})"
              f"{more}", file=sys.stderr)


def skipped_note(skipped: list[tuple[str, str]]) -> str:
    """How many files were skipped, and why the first one was: "4 skipped (PATH: REASON)"."""
    first = f" ({skipped[0][0]}: {skipped[0][1]})" if skipped else ""
    return f"{len(skipped)} skipped{first}"


def load_samples(source: str, purpose: str) -> LoadedImages:
    """The samples of an image folder or sample-set file; fails, saying what was skipped and
    why, when it holds none to ``purpose`` ("train on", "evaluate")."""
    data = load_dataset(source)
    if not len(data.labels):
        raise CliError(f"{source} holds no samples to {purpose}; {skipped_note(data.skipped)}")
    return data


def skipped_json(skipped: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"path": path, "reason": reason} for path, reason in skipped]
