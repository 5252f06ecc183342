"""Where files were last opened and which models were used recently (kept in QSettings)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

MAX_RECENT = 8


class Places:
    """Last folder per kind of file ("models", "images", "samples", "import") and recent models."""

    def __init__(self, settings: QSettings):
        self.settings = settings

    def folder(self, kind: str, default: Path | None = None) -> str:
        """The folder a file dialog for ``kind`` should start in (``default``, else the home
        folder, until one is remembered)."""
        return str(self.settings.value(f"folders/{kind}", str(default or Path.home())))

    def remember(self, path: str | Path, kind: str) -> None:
        """Start the next dialog for ``kind`` in the folder of ``path`` (or ``path`` itself)."""
        path = Path(path)
        self.settings.setValue(f"folders/{kind}", str(path if path.is_dir() else path.parent))

    def recent_files(self) -> list[str]:
        value = self.settings.value("recentFiles", [])
        return [value] if isinstance(value, str) else list(value or [])

    def add_recent(self, path: str | Path) -> None:
        self.settings.setValue("recentFiles", [str(path), *self._recent_without(path)][:MAX_RECENT])

    def forget_recent(self, path: str | Path) -> None:
        self.settings.setValue("recentFiles", self._recent_without(path))

    def _recent_without(self, path: str | Path) -> list[str]:
        return [p for p in self.recent_files() if p != str(path)]
