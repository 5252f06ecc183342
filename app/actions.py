"""The main window's actions (menus, toolbar, shortcuts) and the shortcut sheet made from them."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QMessageBox, QToolBar, QToolButton, QWidget

from model import __version__
from model.builtin import BUILTIN_NAMES, builtin_path
from resources import resource_path

from .errors import message_box, show_error
from .widgets import menu_text

if TYPE_CHECKING:
    from .mainwindow import MainWindow

ICONS = resource_path("icons")
PEN_WIDTHS = {"Thin": 8.0, "Medium": 16.0, "Thick": 24.0, "Very thick": 34.0}
# Keys that are not the shortcut of an action, for the shortcut sheet.
FIELD_KEYS = (("Enter", "Add the drawing as a sample (in the label field)"),
              ("Esc", "Leave the label field"))
CANVAS_KEYS = "on the canvas, which drawing gives the keyboard focus"


def icon(name: str) -> QIcon:
    return QIcon(str(ICONS / f"{name}.svg"))


def plain_action_text(action: QAction) -> str:
    """An action's menu text without its mnemonic marks and ellipsis: "Save model as"."""
    return action.text().replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…")


def shortcut_sheet(actions: Iterable[QAction], extra: Iterable[tuple[str, str]] = (),
                   where: Mapping[QAction, str] | None = None) -> str:
    """An HTML table of the actions' shortcuts (keys, then what they do), ``extra`` rows last;
    ``where`` says where the keys of an action work that are not window-wide."""
    where = where or {}
    rows = [(", ".join(key.toString(QKeySequence.SequenceFormat.NativeText)
                       for key in action.shortcuts()),
             plain_action_text(action) + (f" ({where[action]})" if action in where else ""))
            for action in actions if action.shortcuts()]
    cells = "".join(f"<tr><td style='padding-right:18px'><b>{html.escape(keys)}</b></td>"
                    f"<td>{html.escape(text)}</td></tr>" for keys, text in [*rows, *extra])
    return f"<table cellspacing='2'>{cells}</table>"


class WindowActions:
    """Every action of ``window``, with its text, shortcut, tip and icon, connected to it."""

    def __init__(self, window: MainWindow):
        self.window = window
        canvas = window.canvas
        key = QKeySequence.StandardKey
        a = self._action
        self.new = a("&New model", window.files.new, key.New,
                     "Start without a model (your samples stay)")
        self.open = a("&Open model…", window.files.open, key.Open, "Open a model file")
        self.save = a("&Save model", window.files.save, key.Save, "Save the model")
        self.save_as = a("Save model &as…", window.files.save_as, key.SaveAs,
                         "Save the model to a new file")
        self.open_image = a("Open &image…", window.images.open, "Ctrl+I",
                            "Classify an image file", "image")
        self.paste = a("&Paste image", window.images.paste, key.Paste,
                       "Classify the image on the clipboard", "paste")
        self.undo = a("&Undo", canvas.undo, key.Undo, "Undo the last stroke", "undo")
        self.redo = a("&Redo", canvas.redo, ["Ctrl+Y", "Ctrl+Shift+Z"], "Redo the stroke",
                      "redo")
        # Del and Esc mean other things elsewhere (leave a field, delete samples): they clear
        # only while the drawing area has the focus; the toolbar button and menu item always.
        self.clear = a("&Clear", canvas.clear, ["Del", "Esc"], "Clear the canvas", "clear",
                       scope=(canvas, window.add_button))
        self.pen = a("&Pen", lambda: canvas.set_eraser(False), "B", "Draw", "pen")
        self.eraser = a("&Eraser", lambda: canvas.set_eraser(True), "E", "Erase", "eraser")
        self.label = a("Go to &label", window.focus_label, "Ctrl+L",
                       "Type the label for the next sample")
        self.train = a("&Train new model", lambda: window.start_training(False), "Ctrl+T",
                       "Train a new model on your samples")
        self.shortcuts = a("&Keyboard shortcuts", self.show_shortcuts, key.HelpContents)
        self.about = a("&About charrec", self.show_about)
        self.quit = a("&Quit", window.close, key.Quit, "Quit charrec")
        tools = QActionGroup(window)
        for action in (self.pen, self.eraser):
            action.setCheckable(True)
            tools.addAction(action)
        self.pen.setChecked(True)
        self.pen_widths = QActionGroup(window)
        for name, width in PEN_WIDTHS.items():
            action = QAction(name, window)
            action.setCheckable(True)
            action.setData(width)
            action.setChecked(width == canvas.pen_width)
            action.triggered.connect(lambda _=False, w=width: canvas.set_pen_width(w))
            self.pen_widths.addAction(action)
        self.width_menu = QMenu("Pen &width", window)
        self.width_menu.addActions(self.pen_widths.actions())

    def _action(self, text: str, slot: Callable[[], object],
                shortcut: QKeySequence.StandardKey | str | list[str] | None = None,
                tip: str = "", icon_name: str | None = None,
                scope: Iterable[QWidget] | None = None) -> QAction:
        """An action of the window; its shortcut works anywhere in the window, or only while
        a widget in ``scope`` (or in a toolbar showing the action) has the focus."""
        action = QAction(text, self.window)
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        if icon_name:
            action.setIcon(icon(icon_name))
        action.triggered.connect(slot)
        if scope is None:
            self.window.addAction(action)
        else:
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            for widget in scope:
                widget.addAction(action)
        return action

    def in_sheet_order(self) -> list[QAction]:
        """The actions in the order the shortcut sheet lists them."""
        return [self.new, self.open, self.save, self.save_as, self.open_image, self.paste,
                self.undo, self.redo, self.clear, self.label, self.pen, self.eraser,
                self.train, self.shortcuts, self.quit]

    def sheet(self) -> str:
        return shortcut_sheet(self.in_sheet_order(), FIELD_KEYS, {self.clear: CANVAS_KEYS})

    def show_shortcuts(self) -> None:
        box = message_box(self.window, QMessageBox.Icon.Information, "Keyboard shortcuts",
                          self.sheet())
        box.setTextFormat(Qt.TextFormat.RichText)
        box.exec()

    def show_about(self) -> None:
        message_box(self.window, QMessageBox.Icon.Information, "About charrec",
                    f"charrec {__version__}\n\nDraw a character and a backpropagation neural "
                    "network, written from scratch in numpy, tells you which one it is. Train "
                    "it on your own handwriting.\n\nNetworks: static (feed-forward) and "
                    "recurrent (fixed-point) backpropagation.").exec()

    def canvas_toolbar(self) -> QToolBar:
        tools = QToolBar("Canvas tools")
        tools.setIconSize(QSize(20, 20))
        tools.addActions([self.pen, self.eraser])
        width_button = QToolButton()
        width_button.setIcon(icon("width"))
        width_button.setToolTip("Pen width")
        width_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        width_button.setMenu(self.width_menu)
        tools.addWidget(width_button)
        tools.addSeparator()
        tools.addActions([self.undo, self.redo, self.clear])
        tools.addSeparator()
        tools.addActions([self.open_image, self.paste])
        return tools

    def fill_menu_bar(self, bar: QMenuBar, sample_file_actions: list[QAction],
                      dock_actions: list[QAction]) -> None:
        """The File (with its built-in models and recent files), Edit, View and Help menus."""
        file = bar.addMenu("&File")
        file.addActions([self.new, self.open])
        self.builtin_menu = file.addMenu("Open &built-in model")
        for path in (builtin_path(name) for name in BUILTIN_NAMES):
            if path.is_file():
                action = self.builtin_menu.addAction(path.stem.capitalize())
                action.setStatusTip(f"Open the built-in model {path.name}")
                action.triggered.connect(lambda _=False, p=path: self.window.files.open_path(p))
        if not self.builtin_menu.actions():
            self.builtin_menu.addAction("No built-in models installed").setEnabled(False)
        file.addActions([self.save, self.save_as])
        file.addSeparator()
        file.addAction(self.open_image)
        file.addActions(sample_file_actions)
        file.addSeparator()
        self.recent_menu = file.addMenu("&Recent files")
        self.recent_menu.aboutToShow.connect(self.fill_recent_menu)
        file.addSeparator()
        file.addAction(self.quit)

        edit = bar.addMenu("&Edit")
        edit.addActions([self.undo, self.redo, self.clear])
        edit.addSeparator()
        edit.addActions([self.paste, self.pen, self.eraser])
        edit.addSeparator()
        edit.addActions([self.label, self.train])

        view = bar.addMenu("&View")
        view.addActions(dock_actions)
        view.addSeparator()
        view.addMenu(self.width_menu)

        help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.shortcuts, self.about])

    def fill_recent_menu(self) -> None:
        """File ▸ Recent files, filled afresh each time it opens."""
        self.recent_menu.clear()
        for path in self.window.document.recent_files():
            action = self.recent_menu.addAction(menu_text(path.name))
            action.setStatusTip(str(path))
            action.triggered.connect(lambda _=False, p=path: self.open_recent(p))
        if not self.recent_menu.actions():
            self.recent_menu.addAction("No recent files").setEnabled(False)

    def open_recent(self, path: Path) -> None:
        """Open a recent model; one that was moved or deleted is said so once and taken off
        the list (before any question about the current model's unsaved changes)."""
        if path.exists():
            self.window.files.open_path(path)
            return
        self.window.places.forget_recent(path)
        show_error(self.window, "Cannot open model",
                   f"{path} no longer exists, so it was taken off the recent files.")

    def while_training(self, running: bool) -> None:
        """Disable what would change the model while a training run is going on."""
        for action in (self.train, self.new, self.open, self.builtin_menu.menuAction(),
                       self.recent_menu.menuAction()):
            action.setEnabled(not running)
