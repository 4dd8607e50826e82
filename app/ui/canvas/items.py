"""Canvas items: dumb shapes with setters; they never hold the document or its nodes."""

from __future__ import annotations

import math

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsObject,
    QGraphicsPathItem,
    QStyleOptionGraphicsItem,
    QWidget,
)

from app.ui.plain import literal
from exporters.style import EDGE_STYLES, ERROR_BORDER, NODE_STYLES

GRID = 10
SIZES = {
    "stage": (150.0, 56.0),
    "gate": (150.0, 80.0),
    "trigger": (140.0, 62.0),
    "action": (150.0, 56.0),
    "check": (140.0, 56.0),
}
SEVERITY_COLOURS = {"error": ERROR_BORDER, "warning": "#d97706", "info": "#2563eb"}
HANDLE_RADIUS = 6.0
TEXT_DETAIL = 0.4
"""Below this scale (an 8.5 pt name under 3.5 px) a bar stands in for the unreadable text."""

# itemChange runs for every change of every item: compare against plain module constants
# rather than looking the enum members up each time.
_POSITION_CHANGE = QGraphicsItem.GraphicsItemChange.ItemPositionChange
_POSITION_CHANGED = QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged
_SELECTION_CHANGED = QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged
_TEXT_FLAGS = int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap)


def outline_path(kind: str) -> QPainterPath:
    """The node's outline centred on (0, 0), in the shared visual language."""
    width, height = SIZES[kind]
    rect = QRectF(-width / 2, -height / 2, width, height)
    path = QPainterPath()
    shape = NODE_STYLES[kind].outline
    if shape == "rounded-rect":
        path.addRoundedRect(rect, 14, 14)
    elif shape == "diamond":
        path.addPolygon(
            QPolygonF(
                [
                    QPointF(0, rect.top()),
                    QPointF(rect.right(), 0),
                    QPointF(0, rect.bottom()),
                    QPointF(rect.left(), 0),
                ]
            )
        )
        path.closeSubpath()
    elif shape == "octagon":
        cut = 14.0
        points = [
            (rect.left() + cut, rect.top()),
            (rect.right() - cut, rect.top()),
            (rect.right(), rect.top() + cut),
            (rect.right(), rect.bottom() - cut),
            (rect.right() - cut, rect.bottom()),
            (rect.left() + cut, rect.bottom()),
            (rect.left(), rect.bottom() - cut),
            (rect.left(), rect.top() + cut),
        ]
        path.addPolygon(QPolygonF([QPointF(x, y) for x, y in points]))
        path.closeSubpath()
    elif shape == "note":
        fold = 12.0
        path.addPolygon(
            QPolygonF(
                [
                    QPointF(rect.left(), rect.top()),
                    QPointF(rect.right() - fold, rect.top()),
                    QPointF(rect.right(), rect.top() + fold),
                    QPointF(rect.right(), rect.bottom()),
                    QPointF(rect.left(), rect.bottom()),
                ]
            )
        )
        path.closeSubpath()
    else:
        path.addRect(rect)
    return path


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
        self._path = _OUTLINES.get(kind) or _OUTLINES.setdefault(kind, outline_path(kind))
        self._bounds = self._path.boundingRect()
        self._bounding = self._bounds.adjusted(-10, -10, 14, 10)
        inset = 16 if kind == "gate" else 8
        self._text_box = self._bounds.adjusted(inset, 4, -inset, -4)
        self._text_bar = QRectF(0, 0, self._text_box.width() * 0.6, 7)
        self._text_bar.moveCenter(self._text_box.center())
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
            | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
            | QGraphicsItem.GraphicsItemFlag.ItemIsFocusable
        )
        self.setAcceptHoverEvents(True)
        self.setZValue(1)
        self._hover = False
        self._snapping = True

    # setters ----------------------------------------------------------------------------

    def set_text(self, name: str, caption: str) -> None:
        self.name, self.caption = name, caption
        self._tip()
        self.update()

    def set_problem(self, severity: str | None, message: str = "") -> None:
        self.problem = severity
        self._problem_message = f"{severity}: {message}" if severity and message else ""
        self._tip()
        self.update()

    def set_note(self, note: str) -> None:
        """A reviewer's note: in the tooltip, and a small folded-page mark on the node."""
        if note != self.note:
            self.note = note
            self._tip()
            self.update()

    def _tip(self) -> None:
        lines = [self.name, self._problem_message or self.caption]
        if self.note:
            lines.append(f"Note: {self.note}")
        self.setToolTip(literal("\n".join(line for line in lines if line)))

    def set_highlight(self, colour: str | None) -> None:
        """A coloured halo (simulation tokens, fired triggers, find results)."""
        self.highlight = colour
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

    def shape(self) -> QPainterPath:
        return self._path

    def handle_rect(self) -> QRectF:
        """The connection handle: a small circle on the right edge."""
        right = self._bounds.right()
        r = HANDLE_RADIUS
        return QRectF(right - r, -r, 2 * r, 2 * r)

    def boundary_point(self, towards: QPointF) -> QPointF:
        """Where a line from the centre towards ``towards`` (scene) leaves the outline."""
        here = self.pos()  # nodes are never rotated nor scaled: local = scene - pos
        dx, dy = towards.x() - here.x(), towards.y() - here.y()
        length = math.hypot(dx, dy) or 1.0
        dx, dy = dx / length, dy / length
        contains = self._path.contains
        low, high = 0.0, max(SIZES[self.kind])
        for _ in range(12):  # 1/4096 of the node's size: well under a pixel
            middle = (low + high) / 2
            if contains(QPointF(dx * middle, dy * middle)):
                low = middle
            else:
                high = middle
        return QPointF(here.x() + dx * low, here.y() + dy * low)

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
        return super().itemChange(change, value)

    def hoverEnterEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self._hover = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self._hover = False
        self.update()

    # painting ---------------------------------------------------------------------------

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        paints = _node_paints(self.kind)
        selected = self.isSelected()
        distant = painter.worldTransform().m11() < TEXT_DETAIL  # views scale, never rotate
        if distant and not (selected or self.highlight or self.problem or self._hover):
            # The common case when zoomed out, kept to the fewest calls: outline and a bar.
            painter.setPen(paints.border)
            painter.setBrush(paints.fill)
            painter.drawPath(self._path)
            painter.fillRect(self._text_bar, paints.text_bar)
            return
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
        text_box = self._text_box
        if distant:
            # Too small to read: a bar where the name is, as maps draw distant labels.
            painter.fillRect(self._text_bar, paints.text_bar)
        elif self.caption:
            painter.setPen(paints.text)
            painter.setFont(paints.name_font)
            top = QRectF(
                text_box.left(), text_box.top(), text_box.width(), text_box.height() * 0.62
            )
            painter.drawText(top, _TEXT_FLAGS, self.name)
            painter.setFont(paints.caption_font)
            painter.setPen(paints.caption)
            bottom = QRectF(
                text_box.left(), top.bottom(), text_box.width(), text_box.height() * 0.38
            )
            painter.drawText(bottom, _TEXT_FLAGS, self.caption)
        else:
            painter.setPen(paints.text)
            painter.setFont(paints.name_font)
            painter.drawText(text_box, _TEXT_FLAGS, self.name)
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
            painter.setPen(QPen(QColor("#111827"), 1))
            painter.setBrush(QColor("#f9fafb"))
            painter.drawEllipse(self.handle_rect())


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


_OUTLINES: dict[str, QPainterPath] = {}
_PAINTS: dict[str, _NodePaints] = {}


def _node_paints(kind: str) -> _NodePaints:
    # Made on first paint, when a QApplication (and so its default font) surely exists.
    paints = _PAINTS.get(kind)
    if paints is None:
        paints = _PAINTS[kind] = _NodePaints(kind)
    return paints


class EdgeItem(QGraphicsPathItem):
    """A connection: a line or curve with an arrow head, styled by its kind."""

    def __init__(self, edge_id: str, kind: str) -> None:
        super().__init__()
        self.edge_id = edge_id
        self.kind = kind
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(0)
        self.problem: str | None = None
        self._shape: QPainterPath | None = None
        self.apply_style()

    def apply_style(self) -> None:
        style = EDGE_STYLES[self.kind]
        colour = QColor(SEVERITY_COLOURS["error"] if self.problem == "error" else style.color)
        pen = QPen(colour, style.width + (1.5 if self.isSelected() else 0))
        if style.dash:
            pen.setDashPattern(list(style.dash))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        self.setPen(pen)
        self.setToolTip(style.label)

    def set_kind(self, kind: str) -> None:
        self.kind = kind
        self.apply_style()

    def set_problem(self, severity: str | None) -> None:
        self.problem = severity
        self.apply_style()

    def set_ends(self, start: QPointF, end: QPointF, bend: float = 0.0) -> None:
        path = QPainterPath(start)
        if bend:
            middle = (start + end) / 2
            normal = QPointF(-(end - start).y(), (end - start).x())
            length = math.hypot(normal.x(), normal.y()) or 1.0
            control = middle + normal * (bend / length)
            path.quadTo(control, end)
            tail = control
        else:
            path.lineTo(end)
            tail = start
        line = QLineF(end, tail)
        angle = math.radians(line.angle())
        size = 9.0
        for side in (math.pi / 7, -math.pi / 7):
            path.moveTo(end)
            path.lineTo(
                end + QPointF(math.cos(angle + side) * size, -math.sin(angle + side) * size)
            )
        self._shape = None
        self.setPath(path)

    def itemChange(self, change, value):  # type: ignore[no-untyped-def]
        if change == _SELECTION_CHANGED:
            self.apply_style()
        return super().itemChange(change, value)

    def shape(self) -> QPainterPath:
        """A 10 px band around the line, so that a thin edge is easy to pick."""
        if self._shape is None:
            self._shape = _EDGE_STROKER.createStroke(self.path())
        return self._shape


_EDGE_STROKER = QPainterPathStroker()
_EDGE_STROKER.setWidth(10)
