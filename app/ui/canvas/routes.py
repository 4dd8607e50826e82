"""How the scene picks each connection's route, from the nodes and connections near it."""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtWidgets import QGraphicsScene

from app.ui.canvas.items import NodeItem
from app.ui.canvas.lanes import Lanes
from app.ui.canvas.routing import (
    CLEARANCE,
    LANE,
    SIDES,
    STRAIGHT_CLEARANCE,
    Point,
    Rect,
    SearchGaveUp,
    Segment,
    inflate,
    port,
    route,
    segment_hits,
    straight_is_clear,
)

SHORTEST = 28.0
"""A straight connection shorter than this (nodes nearly touching) would hide its line
under its arrow head: it goes around, as a back edge does."""
BUSY_REGION = 40
"""More nodes than this around a connection make routing it slow enough to wait for an
idle moment (``choose(quick=True)`` then declines, as ``choose(search=False)`` does for
one that needs the grid search)."""
REACH = 2 * CLEARANCE + 4 * LANE
"""How far around its two nodes a route first looks for a way (then further, then all)."""
_BY_BOUNDS = Qt.ItemSelectionMode.IntersectsItemBoundingRect


def rect_of(item: NodeItem) -> Rect:
    box = item.scene_rect()
    return (box.left(), box.top(), box.right(), box.bottom())


class Filed:
    """Boxes filed by the cells of a coarse grid they touch: what is near a region is
    found among a few, faster than Qt's index answers from Python."""

    CELL = 256.0

    def __init__(self) -> None:
        self._cells: dict[tuple[int, int], set[Hashable]] = {}
        self._boxes: dict[Hashable, tuple[Rect, list[tuple[int, int]]]] = {}

    def put(self, owner: Hashable, box: Rect) -> None:
        self.remove(owner)
        cells = self._cells_of(box)
        for cell in cells:
            self._cells.setdefault(cell, set()).add(owner)
        self._boxes[owner] = (box, cells)

    def remove(self, owner: Hashable) -> None:
        _box, cells = self._boxes.pop(owner, (None, []))
        for cell in cells:
            self._cells[cell].discard(owner)

    def near(self, region: Rect) -> list[tuple[Hashable, Rect]]:
        """The owners whose box meets ``region``, with their boxes."""
        left, top, right, bottom = region
        if (right - left) * (bottom - top) > 400 * self.CELL * self.CELL:
            found: set[Hashable] = set(self._boxes)  # a huge region: all of them
        else:
            found = set()
            for cell in self._cells_of(region):
                found.update(self._cells.get(cell, ()))
        out = []
        for owner in found:
            box = self._boxes[owner][0]
            if box[0] <= right and box[2] >= left and box[1] <= bottom and box[3] >= top:
                out.append((owner, box))
        return out

    def hull(self) -> Rect:
        boxes = [box for box, _cells in self._boxes.values()] or [(0.0, 0.0, 0.0, 0.0)]
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )

    def _cells_of(self, box: Rect) -> list[tuple[int, int]]:
        size = self.CELL
        columns = range(math.floor(box[0] / size), math.floor(box[2] / size) + 1)
        rows = range(math.floor(box[1] / size), math.floor(box[3] / size) + 1)
        return [(i, j) for i in columns for j in rows]


class Routes:
    """Straight where the line between two nodes passes no other node; else around the
    nodes (orthogonal routing). A back edge (a reject path, or the second of two edges
    joining the same nodes both ways) always goes around, leaving and entering its nodes
    across the direction between them, so it never lies on the edge it returns along; so
    does a connection between nodes too close for a straight line to show. Routes keep
    off the sides other connections use and avoid crossing straight connections."""

    def __init__(self, scene: QGraphicsScene) -> None:
        self.scene = scene
        self.lanes = Lanes()
        self.nodes = Filed()
        self.straight = Filed()  # edge id -> its straight segment's box
        self._segments: dict[str, Segment] = {}

    def track(self, item: NodeItem) -> None:
        """File the node where it stands now (after it was added or moved)."""
        self.nodes.put(item, rect_of(item))

    def untrack(self, item: NodeItem) -> None:
        self.nodes.remove(item)

    def forget_all(self) -> None:
        """Forget every connection's route (all are to be routed again)."""
        self.lanes.clear()
        self.straight = Filed()
        self._segments.clear()

    def forget(self, edge_id: str) -> None:
        self.lanes.discard(edge_id)
        self.straight.remove(edge_id)
        self._segments.pop(edge_id, None)

    def choose(
        self,
        edge_id: str,
        source: NodeItem,
        target: NodeItem,
        back: bool,
        others: tuple[list[Point], list[Point]] = ([], []),
        quick: bool = False,
        search: bool = True,
    ) -> list[Point] | None:
        """The route for ``edge_id``; ``others``: where the other connections of the
        source and of the target meet them (a route avoids those sides). ``quick``: None
        instead of routing around more than BUSY_REGION nodes."""
        self.forget(edge_id)  # never make way for the route being replaced
        start = source.boundary_point(target.pos())
        end = target.boundary_point(source.pos())
        a, b = (start.x(), start.y()), (end.x(), end.y())
        back = back or math.hypot(b[0] - a[0], b[1] - a[1]) < SHORTEST
        if not back:
            reach = STRAIGHT_CLEARANCE
            span = (min(a[0], b[0]) - reach, min(a[1], b[1]) - reach)
            span += (max(a[0], b[0]) + reach, max(a[1], b[1]) + reach)
            if straight_is_clear(a, b, self._obstacles(span, source, target)):
                self._segments[edge_id] = (a, b)
                self.straight.put(edge_id, span)
                return [a, b]
        ends = (rect_of(source), rect_of(target))
        sides = _across(source.pos(), target.pos()) if back else SIDES
        busy = (_busy_sides(ends[0], others[0]), _busy_sides(ends[1], others[1]))
        box = source.scene_rect().united(target.scene_rect())
        for reach, allowed in ((REACH, sides), (8 * REACH, sides), (None, sides), (None, SIDES)):
            if reach is None:
                region = self.nodes.hull()
            else:
                grown = box.adjusted(-reach, -reach, reach, reach)
                region = (grown.left(), grown.top(), grown.right(), grown.bottom())
            for _attempt in range(4):
                obstacles = self._obstacles(region, source, target)
                if quick and len(obstacles) > BUSY_REGION:
                    return None
                avoid = [self._segments[i] for i, _box in self.straight.near(region)]  # type: ignore[index]
                try:
                    found = route(
                        *ends,
                        obstacles,
                        allowed,
                        allowed,
                        self.lanes,
                        busy=busy,
                        avoid=avoid,
                        search=search,
                    )
                except SearchGaveUp:
                    # Among hundreds of nodes: a wider search would cost more still.
                    return [a, b]
                if found is None and not search:
                    return None  # it needs the grid search: later
                if found is None:
                    break
                # A route may leave the region it was found in (around all it held):
                # it stands only if no node out there is in its way; else look again
                # with the region grown to take the route in.
                outside = self._obstacles(_around(found), source, target)
                if all(b in obstacles or not _hits(found, b) for b in outside):
                    self.lanes.set(edge_id, found)
                    return found
                region = _union(region, _around(found))
        return [a, b]  # boxed in on every side: straight

    def _obstacles(self, region: Rect, *ends: NodeItem) -> list[Rect]:
        """The boxes of the nodes (but ``ends``) that meet ``region``."""
        found = [box for item, box in self.nodes.near(region) if item not in ends]
        found.sort()  # the same routes whatever order the sets hold the nodes in
        return found

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


def _around(points: list[Point]) -> Rect:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return (min(xs) - CLEARANCE, min(ys) - CLEARANCE, max(xs) + CLEARANCE, max(ys) + CLEARANCE)


def _union(a: Rect, b: Rect) -> Rect:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _hits(points: list[Point], box: Rect) -> bool:
    """Whether the route passes through ``box`` grown by half the clearance."""
    grown = inflate(box, CLEARANCE / 2)
    return any(segment_hits(a, b, grown) for a, b in itertools.pairwise(points))


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
