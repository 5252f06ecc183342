"""Errors shared across the engine, and the one way an error becomes a line of text."""

from __future__ import annotations


class TrainingError(Exception):
    """Training cannot start or cannot go on (bad data, divergence); the message says why."""


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, or its type's name when it has none."""
    lines = str(exc).strip().splitlines()
    return " ".join(lines[0].split()) if lines else type(exc).__name__
