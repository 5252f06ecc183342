"""Images onto the canvas: File ▸ Open image, paste and drop, and a note of what the canvas
shows while strokes are drawn over an image."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QFileDialog, QWidget

from model.errors import first_line
from model.preprocess import ImageError, load_image

from .canvas import Canvas
from .errors import show_error
from .places import Places
from .qtimages import pil_from_qimage

IMAGE_FILTER = ("Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp *.pbm *.pgm *.ppm);;"
                "All files (*)")


class ImageInput(QObject):
    """Puts opened, pasted and dropped images on ``canvas``.

    Signals
    -------
    shown
        An image is on the canvas now.
    message(str)
        What happened, for the status bar.
    """

    shown = Signal()
    message = Signal(str)

    def __init__(self, canvas: Canvas, places: Places, window: QWidget):
        super().__init__(window)
        self.canvas, self.places, self.window = canvas, places, window
        self.name = ""
        canvas.fileDropped.connect(self.open_file)
        canvas.imageDropped.connect(self.show_qimage)

    def open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open image",
                                              self.places.folder("images"), IMAGE_FILTER)
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path) -> None:
        path = Path(path)
        try:
            image = load_image(path)
        except ImageError as exc:
            show_error(self.window, "Cannot open image", first_line(exc))
            self.message.emit(f"Could not open {path.name}.")
            return
        self.places.remember(path, "images")
        self._show(image, path.name)

    def paste(self) -> None:
        mime = QGuiApplication.clipboard().mimeData()  # None where there is no clipboard
        if mime is not None and mime.hasImage():
            self.show_qimage(QImage(mime.imageData()))
            return
        files = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()] if mime else []
        if files:
            self.open_file(files[0])
        else:
            self.message.emit("The clipboard holds no image.")

    def show_qimage(self, image: QImage) -> None:
        if image.isNull():
            self.message.emit("The image could not be read.")
            return
        self._show(pil_from_qimage(image), "the pasted image")

    def _show(self, image: Image.Image, name: str) -> None:
        self.name = name
        self.canvas.set_image(image)
        self.shown.emit()
        self.message.emit(f"Showing {name} ({image.width}×{image.height}).")

    def note(self) -> tuple[str, bool]:
        """What the canvas shows besides strokes ("" for strokes alone), and whether that is
        worth a warning: strokes drawn over an image, which the network reads together."""
        if self.canvas.drawing.background is None:
            return "", False
        if self.canvas.drawing.strokes or self.canvas.stroke_in_progress():
            return (f"Drawn over {self.name}: the network reads both (Del clears).", True)
        return f"Showing {self.name}.", False
