"""Connection routes around nodes: straight when nothing is in the way, else orthogonal.

Pure geometry on plain tuples (no Qt), so the scene can ask for a route with the nodes
near it and tests can check routes without a display. A route leaves a node at the
middle of one side of its bounding box (a point of every outline the canvas draws),
keeps ``CLEARANCE`` away from every node, and prefers few bends; two routes are never
laid on the same line where one could be moved a lane aside.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterable, Sequence

Rect = tuple[float, float, float, float]
"""left, top, right, bottom."""
Point = tuple[float, float]
Segment = tuple[Point, Point]

CLEARANCE = 16.0
"""The gap kept between a routed connection and every node it passes."""
LANE = 8.0
"""How far apart two routed connections run where they would share a line."""
BEND = 40.0
"""What one bend costs, in pixels of length: a longer route with fewer bends reads better."""
BUSY_SIDE = 160.0
"""What leaving or entering by a side another connection already uses costs."""
STRAIGHT_CLEARANCE = 4.0
"""A straight connection may pass this close to a node it does not join."""
SIDES = ("top", "bottom", "left", "right")
_NORMALS = {"top": (0.0, -1.0), "bottom": (0.0, 1.0), "left": (-1.0, 0.0), "right": (1.0, 0.0)}
_DIRECTIONS = ((1, 0), (-1, 0), (0, 1), (0, -1))
_EPSILON = 1e-6


def inflate(rect: Rect, by: float) -> Rect:
    return (rect[0] - by, rect[1] - by, rect[2] + by, rect[3] + by)


def port(rect: Rect, side: str) -> Point:
    """The middle of one side of ``rect``: where a route leaves or enters the node."""
    left, top, right, bottom = rect
    if side == "top":
        return ((left + right) / 2, top)
    if side == "bottom":
        return ((left + right) / 2, bottom)
    if side == "left":
        return (left, (top + bottom) / 2)
    return (right, (top + bottom) / 2)


def segment_hits(a: Point, b: Point, rect: Rect) -> bool:
    """Whether the segment a-b passes through the inside of ``rect`` (Liang-Barsky)."""
    low, high = 0.0, 1.0
    dx, dy = b[0] - a[0], b[1] - a[1]
    for p, q in (
        (-dx, a[0] - rect[0]),
        (dx, rect[2] - a[0]),
        (-dy, a[1] - rect[1]),
        (dy, rect[3] - a[1]),
    ):
        if abs(p) < _EPSILON:
            if q <= 0:
                return False
            continue
        t = q / p
        if p < 0:
            low = max(low, t)
        else:
            high = min(high, t)
        if low >= high:
            return False
    return True


def straight_is_clear(a: Point, b: Point, others: Iterable[Rect]) -> bool:
    """Whether a straight connection a-b keeps clear of every node in ``others``."""
    return not any(segment_hits(a, b, inflate(r, STRAIGHT_CLEARANCE)) for r in others)


def route(
    source: Rect,
    target: Rect,
    obstacles: Sequence[Rect],
    source_sides: Sequence[str] = SIDES,
    target_sides: Sequence[str] = SIDES,
    taken: Lanes | None = None,
    clearance: float = CLEARANCE,
    busy: tuple[Sequence[str], Sequence[str]] = ((), ()),
) -> list[Point] | None:
    """The orthogonal route from ``source`` to ``target`` around ``obstacles`` (the other
    nodes near them), leaving and entering by the given sides; None if there is none.

    The route starts and ends at a port (the middle of a side) and runs on the lines
    ``clearance`` outside each node (a sparse grid, as orthogonal connector routers do),
    found by A* with a cost per bend and per side in ``busy`` (the source's and the
    target's sides other connections use); then each inner segment that would lie on a segment
    of another route in ``taken`` is moved a lane aside where that stays clear.
    """
    blocks = [inflate(r, clearance) for r in (source, target, *obstacles)]
    starts = {side: _stub(source, side, clearance) for side in source_sides}
    ends = {side: _stub(target, side, clearance) for side in target_sides}
    xs, ys = set(), set()
    for left, top, right, bottom in blocks:
        xs.update((left, right))
        ys.update((top, bottom))
    for (x, y), _direction in (*starts.values(), *ends.values()):
        xs.add(x)
        ys.add(y)
    hull = _hull(blocks)
    xs.update((hull[0] - LANE, hull[2] + LANE))
    ys.update((hull[1] - LANE, hull[3] + LANE))
    found = _simple(blocks, starts, ends, busy) or _search(
        sorted(xs), sorted(ys), blocks, starts, ends, busy
    )
    if found is None:
        return None
    start_side, middle, end_side = found
    points = [port(source, start_side), *middle, port(target, end_side)]
    points = _simplify(points)
    if taken:
        points = _nudge(points, blocks, taken, clearance)
    return points


def _simple(
    blocks: Sequence[Rect],
    starts: dict[str, tuple[Point, tuple[int, int]]],
    ends: dict[str, tuple[Point, tuple[int, int]]],
    busy: tuple[Sequence[str], Sequence[str]],
) -> tuple[str, list[Point], str] | None:
    """The cheapest clear route of at most three segments between the stubs (an L, a Z or
    a U), as most routes are; None sends the search to A*."""
    candidates: list[tuple[float, int, str, list[Point], str, tuple[int, int], tuple[int, int]]]
    candidates = []
    for start_side, (start, leaving) in starts.items():
        for end_side, (end, (nx, ny)) in ends.items():
            arriving = (-nx, -ny)
            penalty = BUSY_SIDE * ((start_side in busy[0]) + (end_side in busy[1]))
            for middle in _shapes(start, leaving, end, arriving):
                points = [start, *middle, end]
                cost = penalty + sum(_length(a, b) for a, b in itertools.pairwise(points))
                cost += BEND * _bends(points, leaving, arriving)
                candidates.append(
                    (cost, len(candidates), start_side, points, end_side, leaving, arriving)
                )
    candidates.sort()
    for _cost, _order, start_side, points, end_side, leaving, arriving in candidates:
        if not _heads(points, leaving, arriving):
            continue
        if any(
            segment_hits(a, b, block) for a, b in itertools.pairwise(points) for block in blocks
        ):
            continue
        return start_side, points, end_side
    return None


def _shapes(
    start: Point, leaving: tuple[int, int], end: Point, arriving: tuple[int, int]
) -> list[list[Point]]:
    """Inner corners of the L, Z and U routes from ``start`` to ``end``."""
    (sx, sy), (tx, ty) = start, end
    if leaving[0] == 0 and arriving[0] == 0:  # both vertical: a horizontal run between
        levels = {sy, ty, (sy + ty) / 2}
        return [[(sx, y), (tx, y)] for y in levels]
    if leaving[1] == 0 and arriving[1] == 0:  # both horizontal: a vertical run between
        columns = {sx, tx, (sx + tx) / 2}
        return [[(x, sy), (x, ty)] for x in columns]
    if leaving[0] == 0:  # leaves vertically, arrives horizontally
        return [[(sx, ty)]]
    return [[(tx, sy)]]


def _heads(points: list[Point], leaving: tuple[int, int], arriving: tuple[int, int]) -> bool:
    """Whether the route leaves its stub onwards and reaches the last one heading into the
    node: never back along a stub, never turning round on itself."""
    steps = [_step(a, b) for a, b in itertools.pairwise(points)]
    steps = [s for s in steps if s != (0, 0)]
    if not steps:
        return True
    if steps[0] == (-leaving[0], -leaving[1]) or steps[-1] == (-arriving[0], -arriving[1]):
        return False
    return all(b != (-a[0], -a[1]) for a, b in itertools.pairwise(steps))


def _step(a: Point, b: Point) -> tuple[int, int]:
    dx, dy = b[0] - a[0], b[1] - a[1]
    return (
        0 if abs(dx) < _EPSILON else (1 if dx > 0 else -1),
        0 if abs(dy) < _EPSILON else (1 if dy > 0 else -1),
    )


def _bends(points: list[Point], leaving: tuple[int, int], arriving: tuple[int, int]) -> int:
    steps = [leaving] + [_step(a, b) for a, b in itertools.pairwise(points)] + [arriving]
    steps = [s for s in steps if s != (0, 0)]
    return sum(a != b for a, b in itertools.pairwise(steps))


def _length(a: Point, b: Point) -> float:
    return abs(b[0] - a[0]) + abs(b[1] - a[1])


def _stub(rect: Rect, side: str, clearance: float) -> tuple[Point, tuple[int, int]]:
    """The point ``clearance`` out from a port, and the direction leaving the node there."""
    x, y = port(rect, side)
    nx, ny = _NORMALS[side]
    return (x + nx * clearance, y + ny * clearance), (int(nx), int(ny))


def _hull(rects: Sequence[Rect]) -> Rect:
    return (
        min(r[0] for r in rects),
        min(r[1] for r in rects),
        max(r[2] for r in rects),
        max(r[3] for r in rects),
    )


def _inside(x: float, y: float, blocks: Sequence[Rect]) -> bool:
    for left, top, right, bottom in blocks:
        if left + _EPSILON < x < right - _EPSILON and top + _EPSILON < y < bottom - _EPSILON:
            return True
    return False


def _search(
    xs: list[float],
    ys: list[float],
    blocks: Sequence[Rect],
    starts: dict[str, tuple[Point, tuple[int, int]]],
    ends: dict[str, tuple[Point, tuple[int, int]]],
    busy: tuple[Sequence[str], Sequence[str]],
) -> tuple[str, list[Point], str] | None:
    """A* over the grid of ``xs`` x ``ys``; a state is a grid point and the direction it
    was reached in. Since every node's inflated border is a grid line, the open span
    between two neighbouring grid points lies wholly inside or wholly outside each
    node: testing its middle tells which."""
    column = {x: i for i, x in enumerate(xs)}
    row = {y: j for j, y in enumerate(ys)}
    goals: dict[tuple[int, int], list[tuple[str, tuple[int, int]]]] = {}
    for side, ((x, y), (nx, ny)) in ends.items():
        # A route arrives at the stub heading into the node: against the side's normal.
        goals.setdefault((column[x], row[y]), []).append((side, (-nx, -ny)))
    busy_start, busy_end = busy
    goal_points = [(x, y) for (x, y), _normal in ends.values()]

    def estimate(i: int, j: int) -> float:
        x, y = xs[i], ys[j]
        return min(abs(x - gx) + abs(y - gy) for gx, gy in goal_points)

    open_cells: list[tuple[float, float, int, tuple]] = []  # type: ignore[type-arg]
    best: dict[tuple, float] = {}  # type: ignore[type-arg]
    parent: dict[tuple, tuple | None] = {}  # type: ignore[type-arg]
    first: dict[tuple, str] = {}  # type: ignore[type-arg]
    counter = 0
    for side, ((x, y), direction) in starts.items():
        cell = (column[x], row[y])
        if _inside(x, y, blocks):
            continue
        state = (cell, direction)
        start_cost = BUSY_SIDE if side in busy_start else 0.0
        if start_cost < best.get(state, math.inf):
            best[state], parent[state], first[state] = start_cost, None, side
            heapq.heappush(open_cells, (start_cost + estimate(*cell), start_cost, counter, state))
            counter += 1
    blocked_span: dict[tuple[int, int, int, int], bool] = {}
    finished: tuple[float, tuple, str] | None = None  # type: ignore[type-arg]
    while open_cells:
        f, cost, _order, state = heapq.heappop(open_cells)
        if finished is not None and f >= finished[0]:
            break
        if cost > best.get(state, math.inf):
            continue
        (i, j), direction = state
        for side, arrival in goals.get((i, j), ()):
            total = cost + (0.0 if arrival == direction else BEND)
            total += BUSY_SIDE if side in busy_end else 0.0
            if finished is None or total < finished[0]:
                finished = (total, state, side)
        for step in _DIRECTIONS:
            if step == (-direction[0], -direction[1]):
                continue
            ni, nj = i + step[0], j + step[1]
            if not (0 <= ni < len(xs) and 0 <= nj < len(ys)):
                continue
            span = (min(i, ni), min(j, nj), max(i, ni), max(j, nj))
            blocked = blocked_span.get(span)
            if blocked is None:
                blocked = _inside((xs[i] + xs[ni]) / 2, (ys[j] + ys[nj]) / 2, blocks)
                blocked_span[span] = blocked
            if blocked:
                continue
            length = abs(xs[ni] - xs[i]) + abs(ys[nj] - ys[j])
            new_cost = cost + length + (0.0 if step == direction else BEND)
            new_state = ((ni, nj), step)
            if new_cost < best.get(new_state, math.inf):
                best[new_state] = new_cost
                parent[new_state] = state
                first[new_state] = first[state]
                heapq.heappush(
                    open_cells, (new_cost + estimate(ni, nj), new_cost, counter, new_state)
                )
                counter += 1
    if finished is None:
        return None
    _total, state, end_side = finished
    cells: list[Point] = []
    walk: tuple | None = state  # type: ignore[type-arg]
    while walk is not None:
        (i, j), _direction = walk
        cells.append((xs[i], ys[j]))
        walk = parent[walk]
    cells.reverse()
    return first[state], cells, end_side


def _simplify(points: list[Point]) -> list[Point]:
    """Drop repeated points and the middle one of three on a line."""
    out: list[Point] = []
    for point in points:
        if out and abs(out[-1][0] - point[0]) < _EPSILON and abs(out[-1][1] - point[1]) < _EPSILON:
            continue
        if len(out) >= 2:
            (ax, ay), (bx, by) = out[-2], out[-1]
            if (abs(ax - bx) < _EPSILON and abs(bx - point[0]) < _EPSILON) or (
                abs(ay - by) < _EPSILON and abs(by - point[1]) < _EPSILON
            ):
                out[-1] = point
                continue
        out.append(point)
    return out


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


def segments(points: Sequence[Point]) -> list[Segment]:
    return [(points[k], points[k + 1]) for k in range(len(points) - 1)]


def _nudge(
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

    def discard(self, owner: str) -> None:
        for key in self._owned.pop(owner, ()):
            owners = self._cells.get(key)
            if owners is not None:
                owners.pop(owner, None)
                if not owners:
                    del self._cells[key]

    def overlapped(self, segment: Segment) -> bool:
        for key in self._keys(segment, spread=1):
            for owned in self._cells.get(key, {}).values():
                if any(overlaps(segment, other) for other in owned):
                    return True
        return False
