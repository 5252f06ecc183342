"""charrec as a user installs it: the wheel holds the code and resources, and works installed.

The wheel is built from a copy of the checkout (so the build leaves nothing in it) with the
running environment's setuptools. It is installed into a fresh venv from another folder; the
dependencies (numpy, PySide6, …) are not downloaded again but linked from the running
environment by a ``.pth`` file, so what is tested is charrec's wheel, not the package index.
"""

import json
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import model

ROOT = Path(__file__).resolve().parents[1]
GLYPHS = ROOT / "tests" / "data" / "glyphs"
# Qt's offscreen platform says this of every window; a real screen does not.
OFFSCREEN_NOTE = "This plugin does not support propagateSizeHints()"
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "app", "model", "resources")

# Starts the app as the `charrec` command does and quits it once the window is up; prints where
# the icons came from and whether each one renders.
START_GUI = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from PySide6.QtGui import QAction
from app import actions, mainwindow
from app.main import main
app = QApplication(sys.argv)
def check():
    window = next(w for w in app.topLevelWidgets() if isinstance(w, mainwindow.MainWindow))
    icons = [a.icon() for a in window.findChildren(QAction) if not a.icon().isNull()]
    print(actions.ICONS, len(icons), all(not i.pixmap(16).isNull() for i in icons))
    app.quit()
QTimer.singleShot(300, check)
sys.exit(main([]))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--no-index", "--wheel-dir", str(out), str(source)],
                   check=True, capture_output=True, timeout=300)
    (path,) = out.glob("charrec-*.whl")
    return path


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed (its dependencies linked, see the module doc)."""
    folder = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True,
                   timeout=120)
    python = folder / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                    "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True,
                   timeout=300)
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          check=True, capture_output=True, text=True).stdout.strip()
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    Path(site, "charrec-test-dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    return folder


def run_installed(venv: Path, *args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run a program of the venv in an empty folder, with a home and settings of its own."""
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data"),
           "QT_QPA_PLATFORM": "offscreen", "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run([str(venv / "bin" / args[0]), *args[1:]], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=180)


def test_the_wheel_holds_the_code_the_resources_and_the_metadata(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in ("app", "model"):
        modules = {f"{package}/{p.name}" for p in (ROOT / package).glob("*.py")}
        assert modules <= names
    icons = {f"resources/icons/{p.name}" for p in (ROOT / "resources" / "icons").glob("*.svg")}
    assert "resources/icons/charrec.svg" in icons
    assert icons <= names
    assert {"resources/models/digits.h5", "resources/models/printed.h5"} <= names
    assert not [n for n in names if n.startswith(("tests/", "bench/", "docs/", ".venv"))]
    assert not [n for n in names if "__pycache__" in n]

    info = f"charrec-{model.__version__}.dist-info"
    assert f"{info}/licenses/LICENSE" in names
    metadata = Parser().parsestr(zipfile.ZipFile(wheel).read(f"{info}/METADATA").decode())
    pyproject = (ROOT / "pyproject.toml").read_text()
    requires_python = re.search(r'^requires-python = "(.+)"$', pyproject, re.MULTILINE)[1]
    assert metadata["Version"] == model.__version__
    assert metadata["License-Expression"] == "MIT"
    assert metadata["Requires-Python"] == requires_python
    assert "Programming Language :: Python :: 3" in metadata.get_all("Classifier")
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert "pip install" in metadata.get_payload()  # the README is the long description
    entry_points = zipfile.ZipFile(wheel).read(f"{info}/entry_points.txt").decode()
    assert "charrec = app.main:main" in entry_points


def test_the_installed_command_prints_its_version(venv, tmp_path):
    result = run_installed(venv, "charrec", "--version", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"charrec {model.__version__}"


@pytest.mark.parametrize(("name", "glyph", "label"), [("digits", "drawn-7.png", "7"),
                                                      ("printed", "printed-upper-K.png", "K")])
def test_the_installed_command_predicts_with_each_built_in_model(venv, tmp_path, name, glyph,
                                                                 label):
    result = run_installed(venv, "charrec", "predict", "--model", name, "--json",
                           str(GLYPHS / glyph), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [p["label"] for p in json.loads(result.stdout)["predictions"]] == [label]


def test_the_installed_app_starts_with_its_icons_and_no_warnings(venv, tmp_path):
    result = run_installed(venv, "python", "-c", START_GUI, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line != OFFSCREEN_NOTE]
    assert warnings == []
    folder, count, rendered = result.stdout.split()
    assert Path(folder).is_relative_to(venv), "the icons must come from the installed package"
    assert int(count) >= 8 and rendered == "True"
