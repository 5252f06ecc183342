"""Small shared pieces of the settings dataclasses (preprocessing, augmentation, training)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, fields
from typing import Any


def require(checks: Iterable[tuple[bool, str]]) -> None:
    """Raise ValueError with the message of the first check that is not ok."""
    for ok, message in checks:
        if not ok:
            raise ValueError(message)


class Settings:
    """Mixin for a settings dataclass: plain-dict round trip that refuses unknown keys.

    ``WHAT`` names the settings in the error message ("preprocessing", "augmentation").
    """

    WHAT = "settings"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown {cls.WHAT} settings: {', '.join(sorted(unknown))}")
        return cls(**data)
