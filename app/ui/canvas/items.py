"""Canvas items: dumb shapes with setters; they never hold the document or its nodes."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QGraphicsItem, QGraphicsObject, QStyleOptionGraphicsItem, QWidget

from app.ui.canvas.node_text import FittedText, fit_text
from app.ui.canvas.shapes import SIZES, outline_geometry, outline_path
from app.ui.plain import literal
from exporters.style import ERROR_BORDER, NODE_STYLES

__all__ = ["GRID", "SIZES", "NodeItem", "outline_path"]  # SIZES and outline_path: from shapes

GRID = 10
SEVERITY_COLOURS = {"error": ERROR_BORDER, "warning": "#d97706", "info": "#2563eb"}
HANDLE_RADIUS = 6.0
HANDLE_HOVER_RADIUS = 9.0
"""The connection handle grows to this under the pointer, and takes presses this far out."""
TEXT_DETAIL = 0.4
"""Below this scale (an 8.5 pt name under 3.5 px) a bar stands in for the unreadable text."""

# itemChange runs for every change of every item: compare against plain module constants
# rather than looking the enum members up each time.
_POSITION_CHANGE = QGraphicsItem.GraphicsItemChange.ItemPositionChange
_POSITION_CHANGED = QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged
_SELECTION_CHANGED = QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged
_TEXT_FLAGS = int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextSingleLine)


class NodeItem(QGraphicsObject):
    """One node: outline, name, a caption (roles, minutes, condition), a problem badge."""

    def __init__(self, node_id: str, kind: str) -> None:
        super().__init__()
        self.node_id, self.kind = node_id, kind
        self.name, self.caption = "", ""
        self.problem: str | None = None
        self._problem_message = ""
        self.note = ""
        self.highlight: str | None = None
        self._geometry = outline_geometry(kind)
        self._path = self._geometry.path
        self._bounds = self._path.boundingRect()
        self._bounding = self._bounds.adjusted(-10, -10, 14, 10)
        self._text_bar = _text_bar(self._bounds)
        self._text: FittedText | None = None
        self._with_handle: QPainterPath | None = None
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
            | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
            | QGraphicsItem.GraphicsItemFlag.ItemIsFocusable
        )
        self.setAcceptHoverEvents(True)
        self.setZValue(1)
        self._hover = False
        self._on_handle = False
        self._snapping = True
        self._plain = True
        """Neither selected, highlighted, hovered nor with a problem: far out, a sprite."""

    # setters ----------------------------------------------------------------------------

    def set_text(self, name: str, caption: str) -> None:
        self.name, self.caption = name, caption
        self._text = None  # laid out again at the next paint
        self._tip()
        self.update()

    def set_problem(self, severity: str | None, message: str = "") -> None:
        self.problem = severity
        self._problem_message = f"{severity}: {message}" if severity and message else ""
        self._tip()
        self._restyle()

    def set_note(self, note: str) -> None:
        """A reviewer's note: in the tooltip, and a small folded-page mark on the node."""
        if note != self.note:
            self.note = note
            self._tip()
            self.update()

    def _tip(self) -> None:
        # The whole name and caption: the node shows them shortened when they do not fit.
        lines = [self.name, self.caption, self._problem_message]
        if self.note:
            lines.append(f"Note: {self.note}")
        self.setToolTip(literal("\n".join(line for line in lines if line)))

    def set_highlight(self, colour: str | None) -> None:
        """A coloured halo (simulation tokens, fired triggers, find results)."""
        self.highlight = colour
        self._restyle()

    def _restyle(self) -> None:
        self._plain = not (self.problem or self.highlight or self._hover or self.isSelected())
        self.update()

    def place(self, x: float, y: float) -> None:
        """Show the node exactly where the document has it; only the user's drags snap."""
        self._snapping = False
        try:
            self.setPos(x, y)
        finally:
            self._snapping = True

    # geometry ---------------------------------------------------------------------------

    def boundingRect(self) -> QRectF:
        return self._bounding

    def outline(self) -> QPainterPath:
        """The node's outline in its own coordinates (what is filled and framed)."""
        return self._path

    def scene_rect(self) -> QRectF:
        """The outline's bounding box in the scene: what connections route around."""
        return self._bounds.translated(self.pos())

    def shape(self) -> QPainterPath:
        # While the pointer is over it, the node answers on its handle too, so that the
        # pointer can move onto the half of the handle that sticks out of the outline.
        # (A press there on a selected node is taken by the scene's handle_at.)
        if not self._hover:
            return self._path
        if self._with_handle is None:
            circle = QPainterPath()
            circle.addEllipse(self.handle_rect(HANDLE_HOVER_RADIUS))
            self._with_handle = self._path.united(circle)
        return self._with_handle

    def handle_rect(self, radius: float = HANDLE_RADIUS) -> QRectF:
        """The connection handle: a circle centred on the middle of the right edge."""
        right = self._bounds.right()
        return QRectF(right - radius, -radius, 2 * radius, 2 * radius)

    def handle_shown(self) -> bool:
        """The handle shows while the pointer is over the node or the node is selected."""
        return self._hover or self.isSelected()

    def on_handle(self, scene_point: QPointF) -> bool:
        """Whether ``scene_point`` is on the handle (anywhere on its hover-sized circle)."""
        local = scene_point - self.pos()
        centre = QPointF(self._bounds.right(), 0)
        offset = local - centre
        return offset.x() ** 2 + offset.y() ** 2 <= HANDLE_HOVER_RADIUS**2

    def boundary_point(self, towards: QPointF) -> QPointF:
        """Where a line from the centre towards ``towards`` (scene) leaves the outline."""
        here = self.pos()  # nodes are never rotated nor scaled: local = scene - pos
        dx, dy = towards.x() - here.x(), towards.y() - here.y()
        length = math.hypot(dx, dy) or 1.0
        dx, dy = dx / length, dy / length
        reach = self._geometry.exit_distance(dx, dy)
        return QPointF(here.x() + dx * reach, here.y() + dy * reach)

    def text_layout(self) -> FittedText:
        """The name and caption as drawn: wrapped, shrunk or elided to fit the outline."""
        if self._text is None:
            paints = _node_paints(self.kind)
            self._text = fit_text(
                self._geometry,
                self.name,
                self.caption,
                paints.name_font,
                paints.caption_font,
            )
        return self._text

    def itemChange(self, change, value):  # type: ignore[no-untyped-def]
        if change == _POSITION_CHANGE and self._snapping:
            scene = self.scene()
            grid = scene.grid if scene is not None else GRID  # type: ignore[attr-defined]
            if grid:
                point = QPointF(value)
                return QPointF(round(point.x() / grid) * grid, round(point.y() / grid) * grid)
        if change == _POSITION_CHANGED:
            scene = self.scene()
            if scene is not None:
                scene.node_moved(self)  # type: ignore[attr-defined]
        elif change == _SELECTION_CHANGED:
            self._restyle()
        return super().itemChange(change, value)

    def hoverEnterEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self._hover = True
        self._follow_pointer(event.scenePos())
        self._restyle()

    def hoverMoveEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self._follow_pointer(event.scenePos())

    def hoverLeaveEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self._hover = False
        self._follow_pointer(None)
        self._restyle()

    def _follow_pointer(self, scene_point: QPointF | None) -> None:
        """Grow the handle under the pointer, with a cross cursor saying "drag to connect"."""
        on = scene_point is not None and self.on_handle(scene_point)
        if on != self._on_handle:
            self._on_handle = on
            if on:
                self.setCursor(Qt.CursorShape.CrossCursor)
            else:
                self.unsetCursor()
            self.update()

    # painting ---------------------------------------------------------------------------

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        scale = painter.worldTransform().m11()  # views scale, never rotate
        distant = scale < TEXT_DETAIL
        if distant and self._plain:
            # The common case when zoomed out, kept to the fewest calls: per-item calls
            # into Qt, not the drawing, are most of the time a large canvas takes.
            ratio = painter.device().devicePixelRatioF()  # screens differ: one image each
            target, image = _SPRITES.get((self.kind, scale, ratio)) or _sprite(
                self.kind, scale, ratio
            )
            painter.drawImage(target, image)
            return
        paints = _node_paints(self.kind)
        selected = self.isSelected()
        if self.highlight:
            halo = QPen(QColor(self.highlight), 7)
            halo.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(halo)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(self._path)
        if self.problem == "error":
            pen = QPen(QColor(SEVERITY_COLOURS["error"]), 3.0 if selected else 1.6)
            if selected:
                pen.setStyle(Qt.PenStyle.DashLine)
        else:
            pen = paints.selected_border if selected else paints.border
        painter.setPen(pen)
        painter.setBrush(paints.fill)
        painter.drawPath(self._path)
        bounds = self._bounds
        if distant:
            # Too small to read: a bar where the name is, as maps draw distant labels.
            painter.fillRect(self._text_bar, paints.text_bar)
        else:
            text = self.text_layout()
            for line in text.lines:
                painter.setFont(text.caption_font if line.caption else text.name_font)
                painter.setPen(paints.caption if line.caption else paints.text)
                painter.drawText(line.rect, _TEXT_FLAGS, line.text)
        if self.problem:
            badge = QRectF(bounds.right() - 8, bounds.top() - 8, 16, 16)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(SEVERITY_COLOURS[self.problem]))
            painter.drawEllipse(badge)
            painter.setPen(QColor("white"))
            painter.drawText(
                badge, int(Qt.AlignmentFlag.AlignCenter), "!" if self.problem != "info" else "i"
            )
        if self.note:
            _paint_note_mark(painter, bounds)
        if self._hover or selected:
            painter.setPen(QPen(QColor("#2563eb" if self._on_handle else "#111827"), 1))
            painter.setBrush(QColor("#dbeafe" if self._on_handle else "#f9fafb"))
            painter.drawEllipse(
                self.handle_rect(HANDLE_HOVER_RADIUS if self._on_handle else HANDLE_RADIUS)
            )


def _sprite(kind: str, scale: float, ratio: float) -> tuple[QRectF, QImage]:
    """A node of ``kind`` as drawn far out at ``scale`` (outline, fill and name bar), drawn
    once into an image: blitting it costs a fraction of filling and stroking the outline.
    The image has the pixel ratio of the device it is drawn on, ``ratio``, so that each of
    its pixels is one on screen; a screen of another ratio gets an image of its own."""
    if len(_SPRITES) > 64:  # zooming through many scales: keep the cache small
        _SPRITES.clear()
    paints = _node_paints(kind)
    path = outline_geometry(kind).path
    area = path.boundingRect().adjusted(-2, -2, 2, 2)  # the pen's half width, and some
    pixels = scale * ratio
    image = QImage(
        math.ceil(area.width() * pixels),
        math.ceil(area.height() * pixels),
        QImage.Format.Format_ARGB32_Premultiplied,
    )
    image.fill(0)
    image.setDevicePixelRatio(ratio)
    drawing = QPainter(image)
    drawing.setRenderHint(QPainter.RenderHint.Antialiasing)
    drawing.scale(scale, scale)
    drawing.translate(-area.left(), -area.top())
    drawing.setPen(paints.border)
    drawing.setBrush(paints.fill)
    drawing.drawPath(path)
    drawing.fillRect(_text_bar(path.boundingRect()), paints.text_bar)
    drawing.end()
    target = QRectF(area.left(), area.top(), image.width() / pixels, image.height() / pixels)
    _SPRITES[kind, scale, ratio] = sprite = (target, image)
    return sprite


_SPRITES: dict[tuple[str, float, float], tuple[QRectF, QImage]] = {}


def _text_bar(bounds: QRectF) -> QRectF:
    """Where the name is, as a bar: what stands in for text too small to read."""
    bar = QRectF(0, 0, bounds.width() * 0.45, 7)
    bar.moveCenter(bounds.center())
    return bar


def _paint_note_mark(painter: QPainter, bounds: QRectF) -> None:
    """A small note (a page with a folded corner) at the node's top left."""
    mark = QRectF(bounds.left() - 6, bounds.top() - 6, 12, 14)
    fold = 4.0
    page = QPolygonF(
        [
            mark.topLeft(),
            QPointF(mark.right() - fold, mark.top()),
            QPointF(mark.right(), mark.top() + fold),
            mark.bottomRight(),
            mark.bottomLeft(),
        ]
    )
    painter.setPen(QPen(QColor("#92400e"), 1))
    painter.setBrush(QColor("#fde68a"))
    painter.drawPolygon(page)
    for row in (5.0, 8.0, 11.0):
        painter.drawLine(
            QPointF(mark.left() + 2.5, mark.top() + row),
            QPointF(mark.right() - 2.5, mark.top() + row),
        )


class _NodePaints:
    """Pens, brushes and fonts of one node kind, made once rather than on every paint."""

    def __init__(self, kind: str) -> None:
        style = NODE_STYLES[kind]
        self.border = QPen(QColor(style.border), 1.6)
        self.selected_border = QPen(QColor(style.border), 3.0)
        self.selected_border.setStyle(Qt.PenStyle.DashLine)
        self.fill = QBrush(QColor(style.fill))
        self.text = QColor(style.text)
        self.caption = QColor("#374151")
        self.text_bar = QBrush(QColor(style.text).lighter(250))
        self.name_font = QFont()
        self.name_font.setPointSizeF(8.5)
        self.name_font.setBold(True)
        self.caption_font = QFont()
        self.caption_font.setPointSizeF(7.0)


_PAINTS: dict[str, _NodePaints] = {}


def _node_paints(kind: str) -> _NodePaints:
    # Made on first paint, when a QApplication (and so its default font) surely exists.
    paints = _PAINTS.get(kind)
    if paints is None:
        paints = _PAINTS[kind] = _NodePaints(kind)
    return paints
