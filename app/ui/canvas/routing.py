"""Connection routes around nodes: straight when nothing is in the way, else orthogonal.

Pure geometry on plain tuples (no Qt), so the scene can ask for a route with the nodes
near it and tests can check routes without a display. A route leaves a node at the
middle of one side of its bounding box (a point of every outline the canvas draws),
keeps ``CLEARANCE`` away from every node, and prefers few bends; two routes are never
laid on the same line where one could be moved a lane aside.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.ui.canvas.lanes import Lanes

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
SEARCH_FOR_BETTER = 24
"""A short route that must share a side with another connection is bettered by the grid
search when there are at most this many nodes around (a few milliseconds)."""
MOST_STEPS = 20000
"""The grid search gives up after this many steps (a few tenths of a second): the best
route found by then, or ``SearchGaveUp`` when none was."""
CROSSING = 120.0
"""What crossing a straight connection costs: where a route crosses one, one of the two
is hidden for a few pixels, and a straight one is short and its middle is what is seen."""
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
    avoid: Sequence[Segment] = (),
    search: bool = True,
) -> list[Point] | None:
    """The orthogonal route from ``source`` to ``target`` around ``obstacles`` (the other
    nodes near them), leaving and entering by the given sides; None if there is none (or,
    without ``search``, none of at most three segments).

    The route starts and ends at a port (the middle of a side) and runs on the lines
    ``clearance`` outside each node (a sparse grid, as orthogonal connector routers do),
    found by A* with a cost per bend and per side in ``busy`` (the source's and the
    target's sides other connections use) and per crossing of a segment in ``avoid`` (the
    straight connections near); then each inner segment that would lie on a segment of
    another route in ``taken`` is moved a lane aside where that stays clear.
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
    if all(_inside(x, y, blocks) for (x, y), _d in starts.values()) or all(
        _inside(x, y, blocks) for (x, y), _d in ends.values()
    ):
        return None  # a node overlaps this one on every side: no region is big enough
    costs = _Costs(busy, avoid)
    # A short route of at most three segments, when one is clear and pays nothing beyond
    # its length and bends; else the grid search, which may find a cheaper longer one.
    simple = _simple(blocks, starts, ends, costs, hull)
    found = simple
    # Whatever the route, it pays for a busy side at an end whose every side is busy.
    unavoidable = costs.sides(
        next((s for s in starts if s not in busy[0]), source_sides[0]),
        next((s for s in ends if s not in busy[1]), target_sides[0]),
    )
    avoidable = simple is not None and simple[0] - simple[4] - unavoidable >= BUSY_SIDE
    if search and (simple is None or (avoidable and len(obstacles) <= SEARCH_FOR_BETTER)):
        bound = math.inf if simple is None else simple[0]
        searched = _search(sorted(xs), sorted(ys), blocks, starts, ends, costs, bound)
        if searched is not None:
            found = searched
    if found is None:
        return None
    _cost, start_side, middle, end_side = found[:4]
    points = [port(source, start_side), *middle, port(target, end_side)]
    points = _simplify(points)
    if taken:
        points = taken.nudge(points, blocks, clearance)
    return points


def _simple(
    blocks: Sequence[Rect],
    starts: dict[str, tuple[Point, tuple[int, int]]],
    ends: dict[str, tuple[Point, tuple[int, int]]],
    costs: _Costs,
    hull: Rect,
) -> tuple[float, str, list[Point], str, float] | None:
    """The cheapest clear route of at most three segments between the stubs (an L, a Z or
    a U, perhaps around everything in ``hull``), as most routes are: its cost, sides,
    points, and its cost without busy sides and crossings; None when none is clear."""
    candidates: list[tuple[float, int, str, list[Point], str, tuple[int, int], tuple[int, int]]]
    candidates = []
    for start_side, (start, leaving) in starts.items():
        for end_side, (end, (nx, ny)) in ends.items():
            arriving = (-nx, -ny)
            penalty = costs.sides(start_side, end_side)
            for middle in _shapes(start, leaving, end, arriving, hull):
                points = [start, *middle, end]
                cost = penalty + sum(_length(a, b) for a, b in itertools.pairwise(points))
                cost += BEND * _bends(points, leaving, arriving)
                candidates.append(
                    (cost, len(candidates), start_side, points, end_side, leaving, arriving)
                )
    candidates.sort()
    # Crossings only add cost: once a candidate's cost before them is no better than the
    # best found with them, no later one can win.
    best: tuple[float, str, list[Point], str, float] | None = None
    for cost, _order, start_side, points, end_side, leaving, arriving in candidates:
        if best is not None and cost >= best[0]:
            break
        if not _heads(points, leaving, arriving):
            continue
        if any(
            segment_hits(a, b, block) for a, b in itertools.pairwise(points) for block in blocks
        ):
            continue
        total = cost + sum(costs.crossing(a, b) for a, b in itertools.pairwise(points))
        if best is None or total < best[0]:
            plain = sum(_length(a, b) for a, b in itertools.pairwise(points))
            plain += BEND * _bends(points, leaving, arriving)
            best = (total, start_side, points, end_side, plain)
    return None if best is None else (best[0], best[1], best[2], best[3], best[4])


def _shapes(
    start: Point, leaving: tuple[int, int], end: Point, arriving: tuple[int, int], hull: Rect
) -> list[list[Point]]:
    """Inner corners of the L, Z and U routes from ``start`` to ``end`` (a U may go round
    everything in ``hull``)."""
    (sx, sy), (tx, ty) = start, end
    if leaving[0] == 0 and arriving[0] == 0:  # both vertical: a horizontal run between
        levels = {sy, ty, (sy + ty) / 2, hull[1] - LANE, hull[3] + LANE}
        return [[(sx, y), (tx, y)] for y in levels]
    if leaving[1] == 0 and arriving[1] == 0:  # both horizontal: a vertical run between
        columns = {sx, tx, (sx + tx) / 2, hull[0] - LANE, hull[2] + LANE}
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


class _Costs:
    """What a route pays besides its length and bends: busy sides, crossings."""

    CELL = 128.0

    def __init__(self, busy: tuple[Sequence[str], Sequence[str]], avoid: Sequence[Segment]):
        self.busy = busy
        # Straight connections filed by the columns of CELL px they span.
        self.avoid: dict[int, list[tuple[float, float, float, float, Point, Point]]] = {}
        for c, d in avoid:
            entry = (min(c[0], d[0]), min(c[1], d[1]), max(c[0], d[0]), max(c[1], d[1]), c, d)
            for column in range(int(entry[0] // self.CELL), int(entry[2] // self.CELL) + 1):
                self.avoid.setdefault(column, []).append(entry)

    def sides(self, start: str | None, end: str | None) -> float:
        return BUSY_SIDE * ((start in self.busy[0]) + (end in self.busy[1]))

    def crossing(self, a: Point, b: Point) -> float:
        """CROSSING for each straight connection the segment a-b crosses."""
        if not self.avoid:
            return 0.0
        left, right = min(a[0], b[0]), max(a[0], b[0])
        top, bottom = min(a[1], b[1]), max(a[1], b[1])
        seen: set[tuple[Point, Point]] = set()
        count = 0
        for column in range(int(left // self.CELL), int(right // self.CELL) + 1):
            for low_x, low_y, high_x, high_y, c, d in self.avoid.get(column, ()):
                if high_x < left or low_x > right or high_y < top or low_y > bottom:
                    continue
                if (c, d) not in seen:
                    seen.add((c, d))
                    count += _cross(a, b, c, d)
        return CROSSING * count


def _cross(a: Point, b: Point, c: Point, d: Point) -> bool:
    """Whether segments a-b and c-d cross (touching at an end does not count)."""

    def side(p: Point, q: Point, r: Point) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    d1, d2 = side(c, d, a), side(c, d, b)
    d3, d4 = side(a, b, c), side(a, b, d)
    return d1 * d2 < 0 and d3 * d4 < 0


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
    costs: _Costs,
    bound: float = math.inf,
) -> tuple[float, str, list[Point], str] | None:
    """A* over the grid of ``xs`` x ``ys``; a state is a grid point and the direction it
    was reached in; only routes cheaper than ``bound`` are looked for. Since every node's
    inflated border is a grid line, the open span
    between two neighbouring grid points lies wholly inside or wholly outside each
    node: testing its middle tells which."""
    column = {x: i for i, x in enumerate(xs)}
    row = {y: j for j, y in enumerate(ys)}
    goals: dict[tuple[int, int], list[tuple[str, tuple[int, int]]]] = {}
    for side, ((x, y), (nx, ny)) in ends.items():
        # A route arrives at the stub heading into the node: against the side's normal.
        goals.setdefault((column[x], row[y]), []).append((side, (-nx, -ny)))
    goal_points = [
        (x, y, (-nx, -ny), costs.sides(None, side)) for side, ((x, y), (nx, ny)) in ends.items()
    ]

    def estimate(i: int, j: int, heading: tuple[int, int]) -> float:
        """Distance, plus the bends no route can avoid: one to turn to the arrival
        heading, two when already heading that way off its line or the other way."""
        x, y = xs[i], ys[j]
        least = math.inf
        for gx, gy, arrival, paid in goal_points:
            guess = abs(x - gx) + abs(y - gy) + paid
            if heading == arrival:
                ahead = (gx - x) * arrival[0] + (gy - y) * arrival[1]
                level = (gy - y) * arrival[0] - (gx - x) * arrival[1]
                if ahead < 0 or abs(level) > _EPSILON:
                    guess += 2 * BEND
            elif heading == (-arrival[0], -arrival[1]):
                guess += 2 * BEND
            else:
                guess += BEND
            least = min(least, guess)
        return least

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
        start_cost = costs.sides(side, None)
        if start_cost < best.get(state, math.inf):
            best[state], parent[state], first[state] = start_cost, None, side
            heapq.heappush(
                open_cells, (start_cost + estimate(*cell, direction), start_cost, counter, state)
            )
            counter += 1
    blocked = _blocked_spans(xs, ys, blocks)
    crossing_span: dict[tuple[int, int, int, int], float] = {}
    finished: tuple[float, tuple, str] | None = None  # type: ignore[type-arg]
    popped = 0
    while open_cells and popped < MOST_STEPS:
        popped += 1
        f, cost, _order, state = heapq.heappop(open_cells)
        if f >= (bound if finished is None else min(bound, finished[0])):
            break  # nothing left can beat what is found, or the route it is to better
        if cost > best.get(state, math.inf):
            continue
        (i, j), direction = state
        for side, arrival in goals.get((i, j), ()):
            total = cost + (0.0 if arrival == direction else BEND)
            total += costs.sides(None, side)
            if finished is None or total < finished[0]:
                finished = (total, state, side)
        for step in _DIRECTIONS:
            if step == (-direction[0], -direction[1]):
                continue
            ni, nj = i + step[0], j + step[1]
            if not (0 <= ni < len(xs) and 0 <= nj < len(ys)):
                continue
            span = (min(i, ni), min(j, nj), max(i, ni), max(j, nj))
            if span in blocked:
                continue
            length = abs(xs[ni] - xs[i]) + abs(ys[nj] - ys[j])
            crossing = crossing_span.get(span)
            if crossing is None:
                crossing = crossing_span[span] = costs.crossing((xs[i], ys[j]), (xs[ni], ys[nj]))
            new_cost = cost + length + crossing + (0.0 if step == direction else BEND)
            new_state = ((ni, nj), step)
            if new_cost < best.get(new_state, math.inf):
                best[new_state] = new_cost
                parent[new_state] = state
                first[new_state] = first[state]
                heapq.heappush(
                    open_cells, (new_cost + estimate(ni, nj, step), new_cost, counter, new_state)
                )
                counter += 1
    if finished is None:
        if popped >= MOST_STEPS:
            raise SearchGaveUp
        return None
    total, state, end_side = finished
    cells: list[Point] = []
    walk: tuple | None = state  # type: ignore[type-arg]
    while walk is not None:
        (i, j), _direction = walk
        cells.append((xs[i], ys[j]))
        walk = parent[walk]
    cells.reverse()
    return total, first[state], cells, end_side


class SearchGaveUp(Exception):
    """The grid search took MOST_STEPS steps without finding a route (it may exist)."""


def _blocked_spans(
    xs: list[float], ys: list[float], blocks: Sequence[Rect]
) -> set[tuple[int, int, int, int]]:
    """The spans between neighbouring grid points that run inside a node, as (i, j, i2,
    j2) with i <= i2 and j <= j2: every node's inflated border lies on grid lines, so its
    inside is a block of whole spans."""
    out: set[tuple[int, int, int, int]] = set()
    for left, top, right, bottom in blocks:
        low_i, high_i = bisect.bisect_left(xs, left), bisect.bisect_left(xs, right)
        low_j, high_j = bisect.bisect_left(ys, top), bisect.bisect_left(ys, bottom)
        for j in range(low_j + 1, high_j):
            out.update((i, j, i + 1, j) for i in range(low_i, high_i))
        for i in range(low_i + 1, high_i):
            out.update((i, j, i, j + 1) for j in range(low_j, high_j))
    return out


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


def segments(points: Sequence[Point]) -> list[Segment]:
    return [(points[k], points[k + 1]) for k in range(len(points) - 1)]
