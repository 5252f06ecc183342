"""charrec's command line: import, train, evaluate, predict and info. Never imports Qt.

Every failure ends in one line on stderr that starts with ``error:`` and a non-zero exit code;
``--json`` prints exactly one JSON object on stdout. The commands live in :mod:`app.cli_train`
(import, train), :mod:`app.cli_evaluate` and :mod:`app.cli_read` (predict, info).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings
from collections.abc import Iterator
from typing import TextIO

from model import __version__
from model.errors import TrainingError, first_line
from model.modelfile import ModelFileError
from model.preprocess import EmptyGlyphError, ImageError
from model.samples import SampleSetError

from .cli_common import CliError, error_line
from .cli_evaluate import add_evaluate
from .cli_read import add_info, add_predict
from .cli_train import add_import, add_train
from .exits import EXIT_BROKEN_PIPE, EXIT_CANCELLED, INTERRUPTED
from .text import printable

PROG = "charrec"
STDOUT_FD = 1
KNOWN_ERRORS = (CliError, SampleSetError, ModelFileError, TrainingError, ImageError,
                EmptyGlyphError, OSError)


class Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors are one-line CliErrors instead of usage + exit."""

    def error(self, message: str):
        raise CliError(f"{message} (see '{self.prog} --help')", exit_code=2)


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the exit code. Errors never show a traceback.

    Everything printed goes through :func:`app.text.printable`, so that no file name, label
    or model name can put control characters on the terminal; warnings of the libraries
    underneath are not shown (damaged images are reported by the commands themselves).
    """
    streams = sys.stdout, sys.stderr
    sys.stdout = PrintableStream(sys.stdout, "the standard output")
    # with stderr closed there is no one to tell anything: its lines go nowhere
    quiet = sys.stderr or open(os.devnull, "w")  # noqa: SIM115 (open until the process ends)
    sys.stderr = PrintableStream(quiet, "the standard error")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _run(argv)
    finally:
        sys.stdout, sys.stderr = streams


def _run(argv: list[str] | None) -> int:
    command = "charrec"
    try:
        parser = build_parser()
        argv = sys.argv[1:] if argv is None else argv
        if argv[:1] == ["--"]:  # "charrec -- info": argparse's subcommands would take "--"
            argv = argv[1:]     # for a command name
        args = parser.parse_args(argv)
        if args.command is None:  # options alone, e.g. "charrec --": no app to open then
            parser.error("name a command, or run charrec without arguments to open the app")
        command = f"charrec {args.command}"
        sys.stdout.check_open()  # before any work: the output of every command goes there
        code = args.run(args)
        sys.stdout.flush()  # a full disk shows here, not after the error handling below
        return code
    except BrokenPipeError:  # whoever read the output stopped ('| head'): end quietly
        _stdout_to_devnull()
        return EXIT_BROKEN_PIPE
    except OutputError as exc:
        _stdout_to_devnull()  # what is left in its buffer cannot be written either
        return _fail(str(exc), 1)
    except KNOWN_ERRORS as exc:
        return _fail(error_line(exc), getattr(exc, "exit_code", 1))
    except KeyboardInterrupt:
        return _fail(INTERRUPTED, EXIT_CANCELLED)
    except MemoryError:
        return _fail(f"not enough memory for '{command}'; try fewer or smaller inputs", 1)
    except Exception as exc:  # last resort: still one line, never a traceback
        return _fail(f"'{command}' failed on a case charrec does not handle yet "
                     f"({type(exc).__name__}: {error_line(exc)}); please report it", 1)


class OutputError(CliError):
    """What a command prints cannot be written: the stream is closed, or the disk is full."""


class PrintableStream:
    """A text stream that writes everything through :func:`app.text.printable`; a stream that
    cannot be written raises OutputError (a reader that went away: BrokenPipeError)."""

    def __init__(self, stream: TextIO | None, what: str):
        self._stream, self._what = stream, what

    def check_open(self) -> None:
        if self._stream is None:
            raise OutputError(f"cannot write to {self._what}: it is closed")

    def write(self, text: str) -> int:
        self.check_open()
        with self._writing():
            return self._stream.write(printable(text))

    def flush(self) -> None:
        if self._stream is not None:
            with self._writing():
                self._stream.flush()

    def __getattr__(self, name: str):
        return getattr(self._stream, name)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        try:
            yield
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputError(f"cannot write to {self._what}: "
                              f"{exc.strerror or first_line(exc)}") from None


def build_parser() -> Parser:
    parser = Parser(prog=PROG, usage=f"{PROG} [-h] [-V] [COMMAND ...]",
                    description="Recognise drawn or scanned characters with a "
                    "backpropagation network; without a command, open the desktop app.")
    parser.add_argument("-V", "--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", prog=PROG)
    for add in (add_import, add_train, add_evaluate, add_predict, add_info):
        add(commands)
    return parser


def _stdout_to_devnull() -> None:
    """Point the process's stdout at os.devnull, so that flushing what is left of it at exit
    cannot fail a second time."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, STDOUT_FD)
    os.close(devnull)


def _fail(message: str, exit_code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return exit_code
