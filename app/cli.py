"""charrec's command line: import, train, evaluate, predict and info. Never imports Qt.

Every failure ends in one line on stderr that starts with ``error:`` and a non-zero exit code;
``--json`` prints exactly one JSON object on stdout. The commands live in :mod:`app.cli_train`
(import, train, evaluate) and :mod:`app.cli_read` (predict, info).
"""

from __future__ import annotations

import argparse
import sys

from model.errors import TrainingError, first_line
from model.modelfile import ModelFileError
from model.preprocess import EmptyGlyphError, ImageError
from model.samples import SampleSetError

from .cli_common import EXIT_CANCELLED, CliError
from .cli_read import add_info, add_predict
from .cli_train import add_evaluate, add_import, add_train

PROG = "charrec"
KNOWN_ERRORS = (CliError, SampleSetError, ModelFileError, TrainingError, ImageError,
                EmptyGlyphError, OSError)


class Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors are one-line CliErrors instead of usage + exit."""

    def error(self, message: str):
        raise CliError(f"{message} (see '{self.prog} --help')", exit_code=2)


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the exit code. Errors never show a traceback."""
    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except KNOWN_ERRORS as exc:
        return _fail(first_line(exc), getattr(exc, "exit_code", 1))
    except KeyboardInterrupt:
        return _fail("interrupted", EXIT_CANCELLED)
    except Exception as exc:  # last resort: still one line, never a traceback
        return _fail(f"unexpected {type(exc).__name__}: {first_line(exc)}", 1)


def build_parser() -> Parser:
    parser = Parser(prog=PROG, description="Recognise drawn or scanned characters with a "
                    "backpropagation network; without a command, open the desktop app.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (add_import, add_train, add_evaluate, add_predict, add_info):
        add(commands)
    return parser


def _fail(message: str, exit_code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return exit_code
