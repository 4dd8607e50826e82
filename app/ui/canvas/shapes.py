"""Node outlines: the shape of each node kind, and its geometry as half-planes."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainterPath, QPolygonF

from exporters.style import NODE_STYLES

SIZES = {
    "stage": (150.0, 56.0),
    "gate": (150.0, 80.0),
    "trigger": (140.0, 62.0),
    "action": (150.0, 56.0),
    "check": (140.0, 56.0),
}
MIN_TEXT_WIDTH = 48.0
"""Narrower than this (a diamond's tips), a line of text is not worth drawing."""


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


class Outline:
    """A convex outline as half-planes: for each edge, an inward normal and an offset."""

    def __init__(self, path: QPainterPath) -> None:
        self.path = path
        polygon = path.toFillPolygon()
        points = [(p.x(), p.y()) for p in polygon]
        if len(points) > 1 and points[0] == points[-1]:
            points.pop()
        area = sum(
            points[k][0] * points[(k + 1) % len(points)][1]
            - points[(k + 1) % len(points)][0] * points[k][1]
            for k in range(len(points))
        )
        turn = 1.0 if area > 0 else -1.0
        self.planes: list[tuple[float, float, float]] = []
        for k, (ax, ay) in enumerate(points):
            bx, by = points[(k + 1) % len(points)]
            length = math.hypot(bx - ax, by - ay)
            if length < 1e-6:
                continue
            # The inward normal of a counter-clockwise (in y-down terms) edge.
            nx, ny = -(by - ay) / length * turn, (bx - ax) / length * turn
            self.planes.append((nx, ny, -(nx * ax + ny * ay)))
        bounds = path.boundingRect()
        self.top, self.bottom = bounds.top(), bounds.bottom()
        self.centre = (self.top + self.bottom) / 2

    def room(self, line_height: float, inset: float) -> float:
        """The height of the centred band in which lines of ``line_height`` are at least
        ``MIN_TEXT_WIDTH`` wide (``inset`` inside the outline)."""
        half = 0.0
        while self.centre + half + 1 <= self.bottom and (
            2 * self.half_width(self.centre + half + 1 - line_height, self.centre + half + 1, inset)
            >= MIN_TEXT_WIDTH
        ):
            half += 1
        return 2 * half

    def exit_distance(self, dx: float, dy: float) -> float:
        """How far from the centre a ray in the unit direction (dx, dy) leaves the outline."""
        nearest = math.inf
        for nx, ny, c in self.planes:
            along = nx * dx + ny * dy
            if along < -1e-12:
                nearest = min(nearest, c / -along)
        return 0.0 if nearest is math.inf else nearest

    def half_width(self, y0: float, y1: float, inset: float) -> float:
        """The widest centred line between heights y0 and y1 that keeps ``inset`` inside."""
        widest = math.inf
        for nx, ny, c in self.planes:
            for y in (y0, y1):
                room = ny * y + c - inset  # nx * x + room >= 0 must hold at x = +-w
                if room < 0:
                    return 0.0
                if abs(nx) > 1e-9:
                    widest = min(widest, room / abs(nx))
        return 0.0 if widest is math.inf else widest


_GEOMETRY: dict[str, Outline] = {}


def outline_geometry(kind: str) -> Outline:
    """The outline of ``kind`` (made once per kind: every node of a kind shares it)."""
    geometry = _GEOMETRY.get(kind)
    if geometry is None:
        geometry = _GEOMETRY[kind] = Outline(outline_path(kind))
    return geometry
