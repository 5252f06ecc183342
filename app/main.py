"""charrec's entry point: no arguments open the app, a command runs the command line."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Run charrec with ``argv`` (default: the process arguments); return the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv:
        from app.cli import main as cli_main

        return cli_main(argv)
    try:
        from app.gui import run_gui  # imported here so that the command line never loads Qt
    except ImportError as exc:
        print(f"error: the desktop app cannot start ({exc}); the commands still work, "
              "see 'charrec --help'", file=sys.stderr)
        return 1
    return run_gui(sys.argv[:1])


if __name__ == "__main__":
    sys.exit(main())
