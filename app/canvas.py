"""The drawing canvas: strokes as data (model.strokes.Drawing), shown through a pixel buffer.

Like Qt's scribble example the widget keeps its own image buffer: strokes are painted into it
as they are drawn, the whole buffer is repainted only when the drawing changes otherwise (undo,
clear, resize), and paint events only blit it. What the network classifies is rendered from the
stroke data by :meth:`model.strokes.Drawing.image`, without Qt.
"""

from __future__ import annotations

import itertools

from PIL import Image
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QCursor,
    QDragEnterEvent,
    QDropEvent,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPixmap,
    QPointingDevice,
    QResizeEvent,
    QTabletEvent,
)
from PySide6.QtWidgets import QApplication, QSizePolicy, QWidget

from model.strokes import CANVAS_SIZE, Drawing, Stroke

from .qtimages import pil_qimage

INK = QColor(20, 20, 20)
PAPER = QColor(255, 255, 255)
HINT = QColor(160, 160, 160)
FRAME = QColor(0, 0, 0, 40)
DEFAULT_PEN_WIDTH = 16.0
MIN_STEP = 0.75  # canvas units a pointer must move before another point is recorded
MARGIN = 1


class Canvas(QWidget):
    """A square sheet of paper to draw on with the mouse or a tablet pen.

    Signals
    -------
    changed
        The drawing changed: a stroke grew or ended, undo, redo, clear or a new image.
    fileDropped(str)
        A local file was dropped onto the canvas.
    imageDropped(QImage)
        Image data (not a file) was dropped onto the canvas.
    """

    changed = Signal()
    fileDropped = Signal(str)
    imageDropped = Signal(QImage)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.drawing = Drawing()
        self.pen_width = DEFAULT_PEN_WIDTH
        self.eraser = False
        self.hint = "Draw a character here\nor drop an image"
        self._points: list[tuple[float, float]] = []
        self._pressures: list[float] | None = None
        self._stroke_is_eraser = False
        self._buffer = QImage()
        self._background: tuple[Image.Image, QImage] | None = None
        self.setAcceptDrops(True)
        self.setMinimumSize(200, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Drawing canvas")
        self._update_cursor()

    def sizeHint(self) -> QSize:
        return QSize(CANVAS_SIZE + 2 * MARGIN, CANVAS_SIZE + 2 * MARGIN)

    # --- what is drawn ------------------------------------------------------------------------

    def stroke_in_progress(self) -> Stroke | None:
        if not self._points:
            return None
        return Stroke(self._points, self.pen_width, self._pressures, self._stroke_is_eraser)

    def is_blank(self) -> bool:
        return self.drawing.is_empty() and not self._points

    def image(self) -> Image.Image | None:
        """What the network should classify (the stroke in progress included), None if blank."""
        if self.is_blank():
            return None
        current = self.stroke_in_progress()
        return self.drawing.image(() if current is None else (current,))

    # --- editing ------------------------------------------------------------------------------

    def set_pen_width(self, width: float) -> None:
        self.pen_width = float(width)
        self._update_cursor()

    def set_eraser(self, on: bool) -> None:
        self.eraser = on
        self._update_cursor()

    def undo(self) -> None:
        self._edit(self.drawing.undo)

    def redo(self) -> None:
        self._edit(self.drawing.redo)

    def clear(self) -> None:
        self._edit(self.drawing.clear)

    def set_image(self, image: Image.Image) -> None:
        """Show ``image`` fitted into the canvas (replacing the drawing; undo brings it back)."""
        self._edit(lambda: self.drawing.set_background(image))

    def _edit(self, change) -> None:
        self._points, self._pressures = [], None
        change()
        self._repaint_buffer()
        self.changed.emit()

    # --- geometry -----------------------------------------------------------------------------

    def paper_rect(self) -> QRectF:
        """The square sheet inside the widget, in widget coordinates."""
        side = max(1, min(self.width(), self.height()) - 2 * MARGIN)
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def _to_canvas(self, pos: QPointF) -> tuple[float, float]:
        rect = self.paper_rect()
        k = CANVAS_SIZE / rect.width()
        return (pos.x() - rect.left()) * k, (pos.y() - rect.top()) * k

    # --- input --------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position(), None, self.eraser)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton and self._points:
            self._extend(event.position(), None)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._points:
            self._finish()

    def tabletEvent(self, event: QTabletEvent) -> None:
        kind = event.type()
        if kind == QTabletEvent.Type.TabletPress:
            eraser = (self.eraser or event.pointerType() == QPointingDevice.PointerType.Eraser)
            self._begin(event.position(), event.pressure(), eraser)
        elif kind == QTabletEvent.Type.TabletMove and self._points:
            self._extend(event.position(), event.pressure())
        elif kind == QTabletEvent.Type.TabletRelease and self._points:
            self._finish()
        event.accept()

    def _begin(self, pos: QPointF, pressure: float | None, eraser: bool) -> None:
        self._take_focus()
        self._points = [self._to_canvas(pos)]
        self._pressures = None if pressure is None else [pressure]
        self._stroke_is_eraser = eraser
        self._paint_last_segment()
        self.changed.emit()

    def _take_focus(self) -> None:
        """Drawing brings the keyboard focus to the canvas (so that Esc and Del clear it, not
        the panel last used), unless the focus is beside it already: in the column the canvas
        is shown in, whose label field must keep it for Enter to add the drawing."""
        focus = QApplication.focusWidget()
        area = self.parentWidget() or self
        if focus is None or not (focus is area or area.isAncestorOf(focus)):
            self.setFocus(Qt.FocusReason.MouseFocusReason)

    def _extend(self, pos: QPointF, pressure: float | None) -> None:
        x, y = self._to_canvas(pos)
        last_x, last_y = self._points[-1]
        if abs(x - last_x) + abs(y - last_y) < MIN_STEP:
            return
        self._points.append((x, y))
        if self._pressures is not None:
            self._pressures.append(pressure if pressure is not None else self._pressures[-1])
        self._paint_last_segment()
        self.changed.emit()

    def _finish(self) -> None:
        stroke = self.stroke_in_progress()
        self._points, self._pressures = [], None
        self.drawing.add(stroke)
        self._repaint_buffer()
        self.changed.emit()

    # --- drag and drop ------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if mime.hasImage() or any(url.isLocalFile() for url in mime.urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        files = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
        if files:
            self.fileDropped.emit(files[0])
        elif mime.hasImage():
            self.imageDropped.emit(QImage(mime.imageData()))
        event.acceptProposedAction()

    # --- painting -----------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._repaint_buffer()
        self._update_cursor()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.DevicePixelRatioChange:  # moved to another screen
            self._repaint_buffer()
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.paper_rect()
        painter.setPen(QPen(FRAME, 1))
        painter.drawRect(rect.adjusted(-0.5, -0.5, 0.5, 0.5))
        painter.drawImage(rect, self._buffer)

    def _repaint_buffer(self) -> None:
        """Paint the whole drawing into a fresh buffer of the paper's size in device pixels."""
        rect = self.paper_rect()
        ratio = self.devicePixelRatioF()
        side = max(1, round(rect.width() * ratio))
        self._buffer = QImage(side, side, QImage.Format.Format_RGB32)
        self._buffer.fill(PAPER)
        painter = self._buffer_painter()
        background = self.drawing.background
        if background is not None:
            left, top, width, height = self.drawing.background_box()
            painter.drawImage(QRectF(left, top, width, height), self._background_image(background))
        current = self.stroke_in_progress()
        for stroke in (*self.drawing.strokes, *([current] if current else [])):
            paint_stroke(painter, stroke)
        painter.end()
        if self.is_blank() and self.hint:
            painter = QPainter(self._buffer)
            painter.setPen(HINT)
            painter.drawText(self._buffer.rect(), Qt.AlignmentFlag.AlignCenter, self.hint)
            painter.end()
        self.update()

    def _buffer_painter(self) -> QPainter:
        """A painter on the buffer, antialiased, in canvas coordinates."""
        painter = QPainter(self._buffer)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        k = self._buffer.width() / CANVAS_SIZE
        painter.scale(k, k)
        return painter

    def _background_image(self, background: Image.Image) -> QImage:
        if self._background is None or self._background[0] is not background:
            self._background = (background, pil_qimage(background))
        return self._background[1]

    def _paint_last_segment(self) -> None:
        """Paint the newest piece of the stroke in progress (the first point: a dot)."""
        if len(self._points) == 1 and self.drawing.is_empty():
            self._repaint_buffer()  # removes the hint text
        tail = slice(max(0, len(self._points) - 2), None)
        pressures = self._pressures[tail] if self._pressures is not None else None
        piece = Stroke(self._points[tail], self.pen_width, pressures, self._stroke_is_eraser)
        painter = self._buffer_painter()
        paint_stroke(painter, piece)
        painter.end()
        self.update()

    def _update_cursor(self) -> None:
        if not self.eraser:
            self.setCursor(Qt.CursorShape.CrossCursor)
            return
        side = max(8, round(self.pen_width * self.paper_rect().width() / CANVAS_SIZE)) + 2
        pixmap = QPixmap(side, side)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(90, 90, 90), 1))
        painter.drawEllipse(QRectF(0.5, 0.5, side - 1, side - 1))
        painter.end()
        self.setCursor(QCursor(pixmap))


def stroke_path(stroke: Stroke) -> QPainterPath:
    """A smooth path through the stroke's points (two or more): quadratic curves between
    midpoints."""
    points = [QPointF(float(x), float(y)) for x, y in stroke.points]
    path = QPainterPath(points[0])
    for p, q in itertools.pairwise(points[1:]):
        path.quadTo(p, (p + q) / 2)
    path.lineTo(points[-1])
    return path


def paint_stroke(painter: QPainter, stroke: Stroke) -> None:
    """Paint one stroke with round caps and joins; pressure varies the width per segment.

    A one-point stroke (a click) is a round dot of the pen's width there, as
    :func:`model.strokes.draw_strokes` renders it for the network (a zero-length path would
    paint nothing).
    """
    colour = PAPER if stroke.eraser else INK
    widths = stroke.widths()
    points = [QPointF(float(x), float(y)) for x, y in stroke.points]
    if len(points) == 1:
        dot = QPainterPath()
        radius = float(widths[0]) / 2
        dot.addEllipse(points[0], radius, radius)
        painter.fillPath(dot, colour)
        return
    if stroke.pressures is None:
        painter.strokePath(stroke_path(stroke), _round_pen(colour, stroke.width))
        return
    for i in range(1, len(points)):
        painter.setPen(_round_pen(colour, float(widths[i - 1] + widths[i]) / 2))
        painter.drawLine(points[i - 1], points[i])


def _round_pen(colour: QColor, width: float) -> QPen:
    return QPen(colour, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                Qt.PenJoinStyle.RoundJoin)
