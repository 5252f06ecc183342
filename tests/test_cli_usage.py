"""charrec help and usage errors, and how it copes without Qt, a display or a reader."""

import os
import subprocess
import sys

import pytest

from model.fit import CONV_ADVICE, ModelSettings
from tests.cli_helpers import ENV, GLYPHS, ROOT, fails, ok

COMMANDS = ("import", "train", "evaluate", "predict", "info")


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_command_has_help(command):
    result = ok(*([command] if command else []), "--help")
    assert result.stdout.startswith("usage: charrec" + (f" {command}" if command else ""))
    if command is None:
        for name in COMMANDS:
            assert name in result.stdout
    if command == "train":  # says when conv blocks pay, as the app's training form does
        text = " ".join(result.stdout.split())
        assert " ".join(CONV_ADVICE.split()) in text
        after_conv = ModelSettings(conv=(8,)).hidden_sizes
        assert f"{','.join(map(str, after_conv))} after conv blocks" in text
        assert "--hidden N[,N...] hidden layer sizes; '' for none, a single-layer network" in text
        assert "(default: the --init model's name, else the --out file name)" in text


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag):
    from model import __version__

    assert ok(flag).stdout == f"charrec {__version__}\n"
    assert "-V, --version" in ok("--help").stdout


def test_an_unknown_option_is_named_and_agrees_with_help():
    line = fails("--foo", status=2)
    assert line == "error: unrecognized arguments: --foo (see 'charrec --help')"
    assert "[COMMAND ...]" in ok("--help").stdout  # no command opens the app, as help says


def test_the_command_line_without_a_command_says_how_to_open_the_app(capsys):
    from app.cli import main

    assert main([]) == 2
    assert "without arguments to open the app" in capsys.readouterr().err


def test_a_leading_double_dash_ends_the_options_and_nothing_else(capsys):
    from app.cli import main

    assert main([]) == 2
    assert fails("--", status=2) + "\n" == capsys.readouterr().err  # as without a command
    assert ok("--", "info", "digits").stdout == ok("info", "digits").stdout


def test_unknown_command_is_one_error_line():
    line = fails("bogus", status=2)
    assert "bogus" in line and "train" in line


def test_cli_never_imports_qt():
    code = ("import sys, app.cli; from app.main import main; status = main(['info']); "
            "assert status == 0, status; "
            "assert 'PySide6' not in sys.modules, 'PySide6 imported'; print('no qt')")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=ENV,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "no qt"


def test_output_read_only_in_part_ends_quietly():
    """'charrec info | head -1': the reader goes away before charrec writes."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        result = subprocess.run([sys.executable, "-m", "app.main", "info", "digits"], cwd=ROOT,
                                env=ENV, stdin=subprocess.DEVNULL, stdout=writer,
                                stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(writer)
    assert result.stderr == ""
    assert result.returncode == 141


@pytest.mark.parametrize(("args", "stdout", "reason"), [
    (["predict", GLYPHS / "drawn-1.png"], "closed", "it is closed"),
    (["info", "--json", "digits"], "/dev/full", "No space left on device"),
])
def test_output_that_cannot_be_written_is_one_clear_line(args, stdout, reason):
    """'charrec predict IMG >&-' and 'charrec info --json >/dev/full'."""
    command = [sys.executable, "-m", "app.main", *map(str, args)]
    if stdout == "closed":  # the shell's >&-: the process starts without a file descriptor 1
        command = ["sh", "-c", 'exec "$@" >&-', "sh", *command]
    with open(os.devnull if stdout == "closed" else stdout, "w") as out:
        result = subprocess.run(command, cwd=ROOT, env=ENV, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.PIPE, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr == f"error: cannot write to the standard output: {reason}\n"


def test_the_app_without_a_display_says_so_instead_of_aborting():
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-m", "app.main"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith("error: no display")
    assert len(result.stderr.strip().splitlines()) == 1
