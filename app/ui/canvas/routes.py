"""How the scene picks each connection's route: the nodes near it, asked of Qt's index."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtWidgets import QGraphicsScene

from app.ui.canvas.items import NodeItem
from app.ui.canvas.routing import (
    CLEARANCE,
    LANE,
    SIDES,
    STRAIGHT_CLEARANCE,
    Lanes,
    Point,
    Rect,
    port,
    route,
    straight_is_clear,
)

SHORTEST = 28.0
"""A straight connection shorter than this (nodes nearly touching) would hide its line
under its arrow head: it goes around, as a back edge does."""
REACH = 2 * CLEARANCE + 4 * LANE
"""How far around its two nodes a route first looks for a way (then further, then all)."""
_BY_BOUNDS = Qt.ItemSelectionMode.IntersectsItemBoundingRect


def rect_of(item: NodeItem) -> Rect:
    box = item.scene_rect()
    return (box.left(), box.top(), box.right(), box.bottom())


class Routes:
    """Straight where the line between two nodes passes no other node; else around the
    nodes (orthogonal routing). A back edge (a reject path, or the second of two edges
    joining the same nodes both ways) always goes around, leaving and entering its nodes
    across the direction between them, so it never lies on the edge it returns along; so
    does a connection between nodes too close for a straight line to show."""

    CELL = 256.0

    def __init__(self, scene: QGraphicsScene) -> None:
        self.scene = scene
        self.lanes = Lanes()
        # Nodes filed by the cells of a coarse grid their outlines touch: a route asks for
        # the few near it, faster than Qt's index answers from Python.
        self._cells: dict[tuple[int, int], set[NodeItem]] = {}
        self._filed: dict[NodeItem, list[tuple[int, int]]] = {}

    def track(self, item: NodeItem) -> None:
        """File the node where it stands now (after it was added or moved)."""
        self.untrack(item)
        cells = self._cells_of(item.scene_rect())
        for cell in cells:
            self._cells.setdefault(cell, set()).add(item)
        self._filed[item] = cells

    def untrack(self, item: NodeItem) -> None:
        for cell in self._filed.pop(item, ()):
            filed = self._cells.get(cell)
            if filed is not None:
                filed.discard(item)

    def _cells_of(self, box: QRectF) -> list[tuple[int, int]]:
        size = self.CELL
        columns = range(math.floor(box.left() / size), math.floor(box.right() / size) + 1)
        rows = range(math.floor(box.top() / size), math.floor(box.bottom() / size) + 1)
        return [(i, j) for i in columns for j in rows]

    def forget(self, edge_id: str) -> None:
        self.lanes.discard(edge_id)

    def choose(
        self,
        edge_id: str,
        source: NodeItem,
        target: NodeItem,
        back: bool,
        others: tuple[list[Point], list[Point]] = ([], []),
    ) -> list[Point]:
        """The route for ``edge_id``; ``others``: where the other connections of the
        source and of the target meet them (a route avoids those sides)."""
        self.lanes.discard(edge_id)  # never make way for the route being replaced
        start = source.boundary_point(target.pos())
        end = target.boundary_point(source.pos())
        a, b = (start.x(), start.y()), (end.x(), end.y())
        back = back or math.hypot(b[0] - a[0], b[1] - a[1]) < SHORTEST
        if not back:
            span = QRectF(QPointF(*a), QPointF(*b)).normalized()
            span.adjust(
                -STRAIGHT_CLEARANCE, -STRAIGHT_CLEARANCE, STRAIGHT_CLEARANCE, STRAIGHT_CLEARANCE
            )
            if straight_is_clear(a, b, self._obstacles(span, source, target)):
                return [a, b]
        ends = (rect_of(source), rect_of(target))
        sides = _across(source.pos(), target.pos()) if back else SIDES
        box = source.scene_rect().united(target.scene_rect())
        for reach, allowed in (
            (REACH, sides),
            (8 * REACH, sides),
            (None, sides),
            (None, SIDES),
        ):
            if reach is None:
                region = self._everything()
            else:
                region = box.adjusted(-reach, -reach, reach, reach)
            obstacles = self._obstacles(region, source, target)
            busy = (_busy_sides(ends[0], others[0]), _busy_sides(ends[1], others[1]))
            found = route(*ends, obstacles, allowed, allowed, self.lanes, busy=busy)
            if found is not None:
                self.lanes.set(edge_id, found)
                return found
        return [a, b]  # boxed in on every side: straight

    def _obstacles(self, region: QRectF, *ends: NodeItem) -> list[Rect]:
        """The nodes (but ``ends``) whose outline box meets ``region``."""
        left, top, right, bottom = region.left(), region.top(), region.right(), region.bottom()
        if (right - left) * (bottom - top) > 400 * self.CELL * self.CELL:
            found: set[NodeItem] = set(self._filed)  # a huge region: every node
        else:
            found = set()
            for cell in self._cells_of(region):
                found.update(self._cells.get(cell, ()))
        out = []
        for item in found:
            if item in ends:
                continue
            box = rect_of(item)
            if box[0] <= right and box[2] >= left and box[1] <= bottom and box[3] >= top:
                out.append(box)
        out.sort()  # the same routes whatever order the sets hold the nodes in
        return out

    def _everything(self) -> QRectF:
        box = QRectF()
        for item in self._filed:
            box = box.united(item.scene_rect())
        return box

    def edges_near(self, box: QRectF) -> list[str]:
        """Ids of the connections whose extent comes near ``box`` (they may run through a
        node now there, or around one no longer there)."""
        reach = CLEARANCE + 3 * LANE
        region = box.adjusted(-reach, -reach, reach, reach)
        return [
            item.edge_id  # type: ignore[attr-defined]
            for item in self.scene.items(region, _BY_BOUNDS)
            if hasattr(item, "edge_id")
        ]


def _busy_sides(rect: Rect, meeting: list[Point]) -> list[str]:
    """The sides of ``rect`` at whose middle one of the ``meeting`` points lies."""
    busy = []
    for side in SIDES:
        x, y = port(rect, side)
        if any(abs(px - x) < 2 and abs(py - y) < 2 for px, py in meeting):
            busy.append(side)
    return busy


def _across(source: QPointF, target: QPointF) -> tuple[str, ...]:
    """The sides across the direction between two nodes: above and below them when they
    stand side by side, left and right when one is above the other."""
    if abs(target.x() - source.x()) >= abs(target.y() - source.y()):
        return ("top", "bottom")
    return ("left", "right")
