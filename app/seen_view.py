"""What the network sees of a whole image: the image with its glyph boxes, and its ink map."""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from model.recognition import Recognition

from .qtimages import ink_pixmap, pil_qimage
from .widgets import plain_label

THUMB_SIDE = 100  # pixels of each picture's longer side
BOX_COLOUR = QColor("#d03030")


class SeenView(QWidget):
    """Two pictures side by side: the image with a box around every glyph read from it, and
    the cleaned ink map (paper white, ink black) every later step reads - the same boxes over
    it. Hidden when a recognition carries no ink map, and for a single character drawn on a
    blank canvas, whose image, ink and box only repeat the drawing."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.original, self.ink = QLabel(), QLabel()
        self.original.setToolTip("The image, with a box around every character read from it")
        self.ink.setToolTip("The ink found in it: paper, light and noise removed")
        self.boxes_drawn = 0
        pictures = QHBoxLayout()
        for label, caption in ((self.original, "image"), (self.ink, "ink")):
            column = QVBoxLayout()
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            column.addWidget(label)
            text = plain_label(caption)
            text.setAlignment(Qt.AlignmentFlag.AlignCenter)
            column.addWidget(text)
            pictures.addLayout(column)
        self.setLayout(pictures)
        self.setVisible(False)

    def show_recognition(self, result: Recognition, drawn: bool = False) -> None:
        """Show ``result``; ``drawn`` says its image is only strokes drawn on the canvas."""
        if result.ink is None or result.image is None or (drawn and len(result.glyphs) <= 1):
            self.setVisible(False)
            return
        image = result.image if isinstance(result.image, Image.Image) else Image.fromarray(
            np.asarray(result.image))
        scale = THUMB_SIDE / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        original = QPixmap.fromImage(pil_qimage(image.resize(size, Image.Resampling.BOX)))
        ink = Image.fromarray(np.round(result.ink * 255).astype(np.uint8)).resize(
            size, Image.Resampling.BOX)
        boxes = [g.box for g in result.glyphs]
        self.original.setPixmap(self._with_boxes(original, boxes, scale))
        self.ink.setPixmap(self._with_boxes(ink_pixmap(np.asarray(ink)), boxes, scale))
        self.boxes_drawn = len(boxes)
        self.setVisible(True)

    @staticmethod
    def _with_boxes(pixmap: QPixmap, boxes: list, scale: float) -> QPixmap:
        painter = QPainter(pixmap)
        painter.setPen(QPen(BOX_COLOUR, 1))
        for left, top, right, bottom in boxes:
            painter.drawRect(QRectF(left * scale, top * scale, (right - left) * scale,
                                    (bottom - top) * scale))
        painter.end()
        return pixmap
