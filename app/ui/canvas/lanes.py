"""Lanes: routes that would lie on one line are moved apart, a lane at a time."""

from __future__ import annotations

import math
from collections.abc import Sequence

from app.ui.canvas.routing import (
    _EPSILON,
    LANE,
    Point,
    Rect,
    Segment,
    inflate,
    segment_hits,
    segments,
)


def overlaps(a: Segment, b: Segment, within: float = LANE / 2) -> bool:
    """Whether two axis-parallel segments lie on (nearly) one line and share a stretch."""
    (ax1, ay1), (ax2, ay2) = a
    (bx1, by1), (bx2, by2) = b
    if abs(ay1 - ay2) < _EPSILON and abs(by1 - by2) < _EPSILON:  # both horizontal
        if abs(ay1 - by1) >= within:
            return False
        low, high = max(min(ax1, ax2), min(bx1, bx2)), min(max(ax1, ax2), max(bx1, bx2))
        return high - low > 1.0
    if abs(ax1 - ax2) < _EPSILON and abs(bx1 - bx2) < _EPSILON:  # both vertical
        if abs(ax1 - bx1) >= within:
            return False
        low, high = max(min(ay1, ay2), min(by1, by2)), min(max(ay1, ay2), max(by1, by2))
        return high - low > 1.0
    return False


def nudge(
    points: list[Point], blocks: Sequence[Rect], taken: Lanes, clearance: float
) -> list[Point]:
    """Move each inner segment lying on another route a lane or a few aside, where the
    moved segment and its two neighbours stay clear of every node."""
    points = list(points)
    # Moved segments may pass nearer a node than the grid's lines, never through it.
    near = [inflate(b, LANE - clearance) for b in blocks]
    for k in range(1, len(points) - 2):
        here = (points[k], points[k + 1])
        if not taken.overlapped(here):
            continue
        horizontal = abs(here[0][1] - here[1][1]) < _EPSILON
        # Outwards first (away from the two ends the route joins), where there is room
        # and nothing sits close by; towards the nodes only when that fails.
        axis = 1 if horizontal else 0
        ends = (points[0][axis] + points[-1][axis]) / 2
        out = 1.0 if here[0][axis] >= ends else -1.0
        for shift in [out * LANE * n for n in (1, 2, 3, 4)] + [-out * LANE * n for n in (1, 2, 3)]:
            moved = list(points)
            if horizontal:
                moved[k] = (points[k][0], points[k][1] + shift)
                moved[k + 1] = (points[k + 1][0], points[k + 1][1] + shift)
            else:
                moved[k] = (points[k][0] + shift, points[k][1])
                moved[k + 1] = (points[k + 1][0] + shift, points[k + 1][1])
            if not _keeps_direction(points, moved, k):
                continue
            if _blocked_near(moved, k, near):
                continue
            if taken.overlapped((moved[k], moved[k + 1])):
                continue
            points = moved
            break
    return points


def _keeps_direction(old: list[Point], new: list[Point], k: int) -> bool:
    """A shift must not turn a neighbouring segment round (back into its node)."""
    for a in (k - 1, k + 1):
        if a < 0 or a + 1 >= len(old):
            continue
        before = (old[a + 1][0] - old[a][0], old[a + 1][1] - old[a][1])
        after = (new[a + 1][0] - new[a][0], new[a + 1][1] - new[a][1])
        if before[0] * after[0] + before[1] * after[1] <= 1.0:
            return False
    return True


def _blocked_near(points: list[Point], k: int, near: Sequence[Rect]) -> bool:
    """Whether segment ``k`` or its neighbours pass through a node (``near[0]`` is the
    source and ``near[1]`` the target, which the first and last segments leave)."""
    last = len(points) - 2
    for index in range(max(0, k - 1), min(last, k + 1) + 1):
        a, b = points[index], points[index + 1]
        for number, block in enumerate(near):
            if (index == 0 and number == 0) or (index == last and number == 1):
                continue
            if segment_hits(a, b, block):
                return True
    return False


class Lanes:
    """The inner segments of the routes drawn so far, filed by the line they lie on and
    the stretch of it they cover, so that a new route finds the ones it would overlap
    without looking at every route."""

    STRETCH = 400.0

    def __init__(self) -> None:
        self._cells: dict[tuple[bool, int, int], dict[str, list[Segment]]] = {}
        self._owned: dict[str, list[tuple[bool, int, int]]] = {}

    def _keys(self, segment: Segment, spread: int = 0) -> list[tuple[bool, int, int]]:
        (x1, y1), (x2, y2) = segment
        horizontal = abs(y1 - y2) < _EPSILON
        line = round((y1 if horizontal else x1) / LANE)
        low, high = (min(x1, x2), max(x1, x2)) if horizontal else (min(y1, y2), max(y1, y2))
        stretches = range(math.floor(low / self.STRETCH), math.floor(high / self.STRETCH) + 1)
        return [
            (horizontal, near, stretch)
            for near in range(line - spread, line + spread + 1)
            for stretch in stretches
        ]

    def set(self, owner: str, points: Sequence[Point]) -> None:
        """Record ``owner``'s route (its first and last segments leave ports, which routes
        may share): replaces what ``owner`` had."""
        self.discard(owner)
        keys = []
        for segment in segments(points)[1:-1]:
            for key in self._keys(segment):
                self._cells.setdefault(key, {}).setdefault(owner, []).append(segment)
                keys.append(key)
        if keys:
            self._owned[owner] = keys

    def clear(self) -> None:
        self._cells.clear()
        self._owned.clear()

    def discard(self, owner: str) -> None:
        for key in self._owned.pop(owner, ()):
            owners = self._cells.get(key)
            if owners is not None:
                owners.pop(owner, None)
                if not owners:
                    del self._cells[key]

    def nudge(self, points: list[Point], blocks: Sequence[Rect], clearance: float) -> list[Point]:
        """``points`` with each inner segment that lies on a route here moved aside."""
        return nudge(points, blocks, self, clearance)

    def overlapped(self, segment: Segment) -> bool:
        for key in self._keys(segment, spread=1):
            for owned in self._cells.get(key, {}).values():
                if any(overlaps(segment, other) for other in owned):
                    return True
        return False
