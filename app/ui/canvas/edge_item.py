"""A connection on the canvas: its route, an arrow head, and the band that takes clicks.

All of an edge's geometry (line, head, pick band, bounds, midpoint) is computed together
in ``set_route``, right after ``prepareGeometryChange`` and before Qt can ask for any of
it. Nothing is derived lazily on request: a lazily cached shape is how every connection
once reported an empty extent (Qt asked for the shape of the old, empty path while the
new one was being set, and the empty answer stayed cached), and so was never drawn nor
clickable.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from exporters.style import EDGE_STYLES, ERROR_BORDER

PICK_WIDTH = 10.0
"""The band around a line that takes clicks and hovers, in scene pixels."""
MIN_WIDTH = 2.0
"""Thinner strokes (runbook order, 0.8 pt in print) blur into the paper on screen; two
pixels cover whole pixel rows even where a line lies between two of them."""
MIN_SCREEN_WIDTH = 1.0
"""Zoomed out, a line is drawn at least one screen pixel wide (a cosmetic pen of one pixel
is also the raster engine's fast one)."""
HEAD_LENGTH, HEAD_HALF_WIDTH = 10.0, 4.5
HEAD_DETAIL = 3.0
"""A head shorter than this on screen (below 30% zoom) is left out."""
CORNER = 6.0
"""Radius of a routed connection's rounded corners."""
Z_EDGE, Z_STRAIGHT_EDGE, Z_SELECTED_EDGE = 0.0, 0.1, 0.5
"""Connections lie under nodes (z 1); straight ones (short, seen by their middle) over
routed ones where they cross; a selected one above all other connections."""
_SELECTION_CHANGED = QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged


def screen_width(kind: str) -> float:
    """The pen width of a connection of ``kind`` on the canvas."""
    return max(MIN_WIDTH, EDGE_STYLES[kind].width * 1.5)


class EdgeItem(QGraphicsItem):
    """A connection: a straight line or an orthogonal route, with an arrow head at its
    target, styled by its kind (colour, width, dashes from the shared visual language)."""

    def __init__(self, edge_id: str, kind: str) -> None:
        super().__init__()
        self.edge_id = edge_id
        self.kind = kind
        self.problem: str | None = None
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(Z_EDGE)
        self._points: list[QPointF] = []
        self._polyline = QPolygonF()
        self._far_path = QPainterPath()
        """The route as corners joined by straight lines, drawn to the tip: how it is drawn
        far out, where the rounded corners and the head are each a pixel or less."""
        self.ends: tuple[tuple[float, float], tuple[float, float]] | None = None
        """The route's first and last points (on the source's and target's outlines)."""
        self._line = QPainterPath()
        self._head = QPolygonF()
        self._shape = QPainterPath()
        self._bounds = QRectF()
        self._middle = QPointF()
        self._pen = QPen()
        self._thin_pen = QPen()
        """The pen as a one-pixel cosmetic line, for when it would be thinner than that."""
        self._brush = QBrush()
        self.apply_style()

    # style ------------------------------------------------------------------------------

    def colour(self) -> QColor:
        """The colour the connection is drawn in."""
        return QColor(ERROR_BORDER if self.problem == "error" else EDGE_STYLES[self.kind].color)

    def pen(self) -> QPen:
        return QPen(self._pen)

    def apply_style(self) -> None:
        key = (self.kind, self.problem == "error", self.isSelected())
        paints = _PAINTS.get(key)
        if paints is None:
            paints = _PAINTS[key] = _edge_paints(self.kind, self.colour(), key[2])
        self._pen, self._brush = QPen(paints[0]), paints[1]
        # Below this scale both the pen is thinner than a pixel and the head is left out.
        self._far = min(HEAD_DETAIL / HEAD_LENGTH, MIN_SCREEN_WIDTH / self._pen.widthF())
        self._centre_dashes()
        if self.toolTip() != EDGE_STYLES[self.kind].label:
            self.setToolTip(EDGE_STYLES[self.kind].label)
        self.update()

    def set_kind(self, kind: str) -> None:
        self.kind = kind
        self.apply_style()

    def set_problem(self, severity: str | None) -> None:
        self.problem = severity
        self.apply_style()

    # geometry ---------------------------------------------------------------------------

    def set_route(self, points: Sequence[QPointF | tuple[float, float]]) -> None:
        """Run the connection through ``points`` (from the source's outline to the target's):
        a straight line for two points, else rounded corners at each inner point."""
        route = [p if isinstance(p, QPointF) else QPointF(*p) for p in points]
        if len(route) < 2:
            raise ValueError("a route needs a start and an end")
        self.prepareGeometryChange()
        self._points = route
        self._polyline = QPolygonF(route)
        self._far_path = QPainterPath()
        self._far_path.addPolygon(self._polyline)
        self.ends = ((route[0].x(), route[0].y()), (route[-1].x(), route[-1].y()))
        tip, before = route[-1], route[-2]
        dx, dy = tip.x() - before.x(), tip.y() - before.y()
        length = math.hypot(dx, dy)
        ux, uy = (dx / length, dy / length) if length > 1e-9 else (1.0, 0.0)
        base = QPointF(tip.x() - ux * HEAD_LENGTH, tip.y() - uy * HEAD_LENGTH)
        side = QPointF(-uy * HEAD_HALF_WIDTH, ux * HEAD_HALF_WIDTH)
        self._head = QPolygonF([tip, base + side, base - side])
        # The line stops inside the head, so that its flat end never shows past the tip.
        stop = min(HEAD_LENGTH / 2, length / 2)
        self._line = _rounded([*route[:-1], QPointF(tip.x() - ux * stop, tip.y() - uy * stop)])
        self._middle = self._line.pointAtPercent(0.5)
        if len(route) == 2:  # a band around a straight line is a rectangle, quickly made
            start = route[0]
            reach = PICK_WIDTH / 2
            along, across = QPointF(ux * reach, uy * reach), QPointF(-uy * reach, ux * reach)
            shape = QPainterPath()
            shape.addPolygon(
                QPolygonF(
                    [
                        start - along + across,
                        tip + along + across,
                        tip + along - across,
                        start - along - across,
                    ]
                )
            )
            shape.closeSubpath()
        else:
            shape = _STROKER.createStroke(self._line)
        shape.addPolygon(self._head)
        shape.setFillRule(Qt.FillRule.WindingFill)
        self._shape = shape
        # Zoomed out the pen is widened to MIN_SCREEN_WIDTH screen pixels: keep room for it.
        self._bounds = shape.controlPointRect().adjusted(-8, -8, 8, 8)
        self._centre_dashes()
        if not self.isSelected():
            self.setZValue(self.resting_z())
        self.update()

    def resting_z(self) -> float:
        """Where the connection lies among the others while not selected."""
        return Z_STRAIGHT_EDGE if len(self._points) == 2 else Z_EDGE

    def points(self) -> list[QPointF]:
        """The route's corners, from the source's outline to the target's, in the scene."""
        return [QPointF(p) for p in self._points]

    def path(self) -> QPainterPath:
        """The line as drawn (without its arrow head)."""
        return QPainterPath(self._line)

    def midpoint(self) -> QPointF:
        """Halfway along the line, in the scene: where a person clicks a connection."""
        return QPointF(self._middle)

    def distance_to(self, point: QPointF) -> float:
        """How far ``point`` (scene) is from the route."""
        best = math.inf
        px, py = point.x(), point.y()
        for a, b in zip(self._points, self._points[1:], strict=False):
            best = min(best, _segment_distance(px, py, a.x(), a.y(), b.x(), b.y()))
        return best

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        """The line widened to PICK_WIDTH and the arrow head: what takes clicks."""
        return self._shape

    def itemChange(self, change, value):  # type: ignore[no-untyped-def]
        if change == _SELECTION_CHANGED:
            self.setZValue(Z_SELECTED_EDGE if self.isSelected() else self.resting_z())
            self.apply_style()
        return super().itemChange(change, value)

    def _centre_dashes(self) -> None:
        """Shift a dashed pen's pattern so that a dash, not a gap, lies at the midpoint:
        a person (or a test) looking at the middle of a connection sees its colour."""
        pattern = self._pen.dashPattern()
        if pattern and not self._line.isEmpty():
            width = self._pen.widthF() or 1.0
            period = sum(pattern)
            middle = self._line.length() / 2 / width
            self._pen.setDashOffset((pattern[0] / 2 - middle) % period)
        # Made here rather than at the first paint zoomed out: paint makes no calls it can
        # spare (on a large canvas the calls, not the drawing, take most of the time).
        self._thin_pen = QPen(self._pen)
        self._thin_pen.setCosmetic(True)
        self._thin_pen.setWidthF(MIN_SCREEN_WIDTH)

    # painting ---------------------------------------------------------------------------

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        scale = painter.worldTransform().m11()  # views scale, never rotate
        if scale < self._far:
            # Far out a head is a blot of a pixel or two: the line alone, drawn to its tip
            # with a one-pixel cosmetic pen (the raster engine's fast one).
            painter.strokePath(self._far_path, self._thin_pen)
            return
        pen = self._pen
        if pen.widthF() * scale < MIN_SCREEN_WIDTH:
            pen = self._thin_pen
        painter.setPen(pen)
        if scale * HEAD_LENGTH < HEAD_DETAIL:
            painter.drawPolyline(self._polyline)
            return
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._line)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._brush)
        painter.drawPolygon(self._head)


_PAINTS: dict[tuple[str, bool, bool], tuple[QPen, QBrush]] = {}


def _edge_paints(kind: str, colour: QColor, selected: bool) -> tuple[QPen, QBrush]:
    pen = QPen(colour, screen_width(kind) + (1.5 if selected else 0.0))
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    if EDGE_STYLES[kind].dash:
        pen.setDashPattern(list(EDGE_STYLES[kind].dash))
    return pen, QBrush(colour)


def _rounded(points: list[QPointF]) -> QPainterPath:
    path = QPainterPath(points[0])
    for k in range(1, len(points) - 1):
        before, corner, after = points[k - 1], points[k], points[k + 1]
        into = _length(before, corner)
        out = _length(corner, after)
        radius = min(CORNER, into / 2, out / 2)
        if radius < 0.5:
            path.lineTo(corner)
            continue
        path.lineTo(corner + (before - corner) * (radius / into))
        path.quadTo(corner, corner + (after - corner) * (radius / out))
    path.lineTo(points[-1])
    return path


def _length(a: QPointF, b: QPointF) -> float:
    return math.hypot(b.x() - a.x(), b.y() - a.y())


def _segment_distance(px: float, py: float, ax: float, ay: float, bx: float, by: float) -> float:
    dx, dy = bx - ax, by - ay
    span = dx * dx + dy * dy
    t = 0.0 if span == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / span))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


_STROKER = QPainterPathStroker()
_STROKER.setWidth(PICK_WIDTH)
_STROKER.setCapStyle(Qt.PenCapStyle.RoundCap)
