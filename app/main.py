"""charrec's entry point: no arguments open the app, a command runs the command line."""

from __future__ import annotations

import os
import sys

from app.exits import EXIT_CANCELLED, INTERRUPTED
from model.atomic import interrupts_deferred


def main(argv: list[str] | None = None) -> int:
    """Run charrec with ``argv`` (default: the process arguments); return the exit code.

    A Ctrl+C at any moment from here on ends the process with one line and exit code 130,
    never a traceback. While the libraries load it is held back until they are loaded: one
    that arrives inside a compiled module's initialisation would break it with another error.
    """
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print(f"error: {INTERRUPTED}", file=sys.stderr)
        return EXIT_CANCELLED


def _main(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv:
        with interrupts_deferred():
            from app.cli import main as cli_main

        return cli_main(argv)
    if not _has_screen():
        print("error: no display to open the desktop app on (DISPLAY and WAYLAND_DISPLAY are "
              "unset); the commands still work, see 'charrec --help'", file=sys.stderr)
        return 1
    try:
        with interrupts_deferred():
            from app.gui import run_gui  # imported here so that the command line never loads Qt
    except ImportError as exc:
        print(f"error: the desktop app cannot start ({exc}); the commands still work, "
              "see 'charrec --help'", file=sys.stderr)
        return 1
    return run_gui(sys.argv[:1])


def _has_screen() -> bool:
    """False on a Linux/BSD machine without X11 or Wayland, where Qt would abort the process."""
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return True
    return bool(os.environ.get("QT_QPA_PLATFORM") or os.environ.get("DISPLAY")
                or os.environ.get("WAYLAND_DISPLAY"))


if __name__ == "__main__":
    sys.exit(main())
