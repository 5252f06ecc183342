"""Running the charrec command line in tests: `python -m app.main <command>` in a new process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GLYPHS = ROOT / "tests" / "data" / "glyphs"
ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
SMALL = ["--hidden", "16", "--epochs", "3", "--batch-size", "8"]


def charrec(*args, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``charrec ARGS`` in a fresh process; never from a terminal."""
    return subprocess.run([sys.executable, "-m", "app.main", *map(str, args)], cwd=ROOT,
                          env=ENV, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def ok(*args) -> subprocess.CompletedProcess:
    result = charrec(*args)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def as_json(result: subprocess.CompletedProcess) -> dict:
    """The single JSON object on stdout."""
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    data = json.loads(lines[0])
    assert isinstance(data, dict)
    return data


def fails(*args, status: int | None = None) -> str:
    """Run a command that must fail with one ``error:`` line; return that line."""
    result = charrec(*args)
    assert result.returncode != 0
    if status is not None:
        assert result.returncode == status
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert len(lines[0]) > len("error: ") + 5
    return lines[0]
