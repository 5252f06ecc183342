"""model/ never imports Qt: every module imports with PySide6 blocked."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import model

ROOT = Path(__file__).resolve().parents[1]

BLOCKED_IMPORT = """
import importlib, sys
class BlockQt:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("PySide6", "PyQt5", "PyQt6", "shiboken6"):
            raise ImportError(f"model must not import Qt, but something imported {name}")
sys.meta_path.insert(0, BlockQt())
for name in sys.argv[1:]:
    importlib.import_module(name)
print("ok")
"""


def test_every_model_module_imports_without_qt():
    names = [f"model.{m.name}" for m in pkgutil.iter_modules(model.__path__)]
    assert "model.network" in names and "model.modelfile" in names
    result = subprocess.run([sys.executable, "-c", BLOCKED_IMPORT, *names], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
