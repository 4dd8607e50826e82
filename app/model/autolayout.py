"""Auto-layout: Graphviz ``dot`` top to bottom or left to right, long rows wrapped to the view.

``dot`` ranks the promote path; a path longer than the view is wide is then wrapped like
a line of text, so that the diagram fills a window of the given shape instead of making
one row that only fits at a quarter of its size. A dependency-free layered layout stands
in where Graphviz is missing (the designer says so and asks first).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from app.model.catalog import Position
from app.model.document import Sop
from app.model.dot_layout import Direction, dot_source, read_centres, run_dot
from app.model.graph import SopGraph, document_graph

COLUMN = 190
ROW = 130
RUNBOOK_TOP = 230


def _runbook_rows(graph: SopGraph, doc: Sop) -> list[list[str]]:
    """For each trigger, the trigger followed by the nodes its runbook reaches (branches
    too), each node in the first row that reaches it."""
    rows: list[list[str]] = []
    placed: set[str] = set()
    for trigger in doc.nodes_of_kind("trigger"):
        _trigger, *reached = graph.runbook_reach(trigger.id)
        rows.append([trigger.id, *(n for n in reached if n not in placed)])
        placed.update(rows[-1])
    return rows


def layered_layout(doc: Sop) -> dict[str, Position]:
    """Positions for every node of ``doc``, computed from its edges alone."""
    graph = document_graph(doc)
    rank = graph.ranks()
    by_rank: dict[int, list[str]] = defaultdict(list)
    for node in doc.nodes:
        if node.id in rank:
            by_rank[rank[node.id]].append(node.id)
    positions: dict[str, Position] = {}
    for column, ids in by_rank.items():
        for slot, node_id in enumerate(ids):
            offset = (slot - (len(ids) - 1) / 2) * ROW
            positions[node_id] = Position(x=column * COLUMN, y=round(offset))
    lowest = max((p.y for p in positions.values()), default=0)
    monitored = {e.target: e.source for e in doc.edges if e.kind == "monitor"}
    top = lowest + RUNBOOK_TOP
    for row_index, row in enumerate(_runbook_rows(graph, doc)):
        anchor = positions.get(monitored.get(row[0], ""), Position(x=0, y=0))
        start = max(0, anchor.x - COLUMN * (len(row) // 2))
        for slot, node_id in enumerate(row):
            positions[node_id] = Position(x=start + slot * COLUMN, y=top + row_index * ROW)
    leftovers = [node.id for node in doc.nodes if node.id not in positions]
    bottom = max((p.y for p in positions.values()), default=0) + ROW
    for slot, node_id in enumerate(leftovers):
        positions[node_id] = Position(x=(slot % 6) * COLUMN, y=bottom + (slot // 6) * ROW)
    return positions


def apply_layout(doc: Sop, positions: dict[str, Position]) -> None:
    """Move every node to its new position through the document's intent methods."""
    for node_id, position in positions.items():
        doc.move(node_id, position.x, position.y)


BAND_GAP = 70.0
"""Scene pixels between wrapped rows (or columns): room for the edge that wraps."""
BAND_CHOICE_MARGIN = 1.03
"""A further wrap must let the diagram show this much larger to be worth it."""
GRID_STEP = 10

Centres = dict[str, tuple[float, float]]


Box = tuple[float, float, float, float]
"""(left, top, right, bottom), along the rank axis and across it."""


def _bands(ranks: list[float], count: int) -> list[int]:
    """The band of each rank when ``count`` bands share the rank axis evenly."""
    first, last = ranks[0], ranks[-1]
    width = (last - first) / count or 1.0
    return [min(count - 1, int((coordinate - first) / width)) for coordinate in ranks]


def _union(boxes: list[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _offsets(
    rank_boxes: list[Box], bands: list[int]
) -> tuple[dict[int, tuple[float, float]], float, float]:
    """Each band's shift (along, across) that starts it at 0 along the rank axis and puts
    it under the previous one; and the wrapped extent along and across."""
    members: dict[int, list[Box]] = {}
    for box, band in zip(rank_boxes, bands, strict=True):
        members.setdefault(band, []).append(box)
    offsets: dict[int, tuple[float, float]] = {}
    depth, longest = 0.0, 0.0
    for band in sorted(members):
        left, top, right, bottom = _union(members[band])
        offsets[band] = (-left, depth - top)
        depth += bottom - top + BAND_GAP
        longest = max(longest, right - left)
    return offsets, longest, depth - BAND_GAP


def wrap_rows(
    positions: Centres,
    direction: Direction,
    sizes: Mapping[str, tuple[float, float]],
    aspect: float,
) -> Centres:
    """``positions`` (node centres) with their ranks wrapped into as many rows (LR) or
    columns (TB) as let the whole fit largest in a view ``aspect`` times as wide as high;
    snapped to the grid, the top-left corner at (0, 0).

    ``sizes`` holds each node's (width, height); ranks are the distinct coordinates along
    the layout's direction (x for LR, y for TB), which ``dot`` shares within a rank. The
    choice is made on each rank's box, so it costs ranks x choices, not nodes x choices.
    """
    if not positions:
        return {}
    flip = direction == "TB"  # work as if left to right: (along, across)
    centres = {i: ((y, x) if flip else (x, y)) for i, (x, y) in positions.items()}
    halves = {i: ((h / 2, w / 2) if flip else (w / 2, h / 2)) for i, (w, h) in sizes.items()}
    by_rank: dict[float, list[Box]] = {}
    rank_of: dict[str, float] = {}
    for node_id, (along, across) in centres.items():
        half_along, half_across = halves[node_id]
        rank_of[node_id] = key = round(along, 1)
        by_rank.setdefault(key, []).append(
            (along - half_along, across - half_across, along + half_along, across + half_across)
        )
    ranks = sorted(by_rank)
    rank_boxes = [_union(by_rank[rank]) for rank in ranks]
    shape = 1 / aspect if flip else aspect  # the view's along / across proportion
    best: tuple[float, list[int], dict[int, tuple[float, float]]] | None = None
    for count in range(1, min(len(ranks), 64) + 1):
        bands = _bands(ranks, count)
        offsets, along, across = _offsets(rank_boxes, bands)
        scale = min(shape / max(along, 1.0), 1 / max(across, 1.0))
        if best is None or scale > best[0] * BAND_CHOICE_MARGIN:
            best = (scale, bands, offsets)
    assert best is not None
    _scale, bands, offsets = best
    band_of = dict(zip(ranks, bands, strict=True))
    placed: Centres = {}
    for node_id, (along, across) in centres.items():
        shift_along, shift_across = offsets[band_of[rank_of[node_id]]]
        along, across = _snap(along + shift_along), _snap(across + shift_across)
        placed[node_id] = (across, along) if flip else (along, across)
    return placed


def _snap(value: float) -> float:
    return float(round(value / GRID_STEP) * GRID_STEP)


@dataclass(frozen=True)
class LayoutJob:
    """An auto-layout prepared from a document, to run away from it (on a worker thread):
    running reads nothing of the document."""

    source: str
    ids: list[str]
    sizes: dict[str, tuple[float, float]]
    direction: Direction
    aspect: float

    @classmethod
    def of(
        cls,
        doc: Sop,
        direction: Direction,
        sizes: Mapping[str, tuple[float, float]],
        aspect: float = 16 / 10,
    ) -> LayoutJob:
        """``sizes``: (width, height) of a node of each kind; ``aspect``: the width of
        the view to fill over its height."""
        return cls(
            source=dot_source(doc, direction, sizes),
            ids=[node.id for node in doc.nodes],
            sizes={node.id: sizes[node.kind] for node in doc.nodes},
            direction=direction,
            aspect=aspect,
        )

    def run(self, cancelled: Callable[[], bool] = lambda: False) -> Centres:
        """Node centres; LayoutFailedError (with its reason) when ``dot`` is missing,
        fails or is cancelled."""
        if not self.ids:
            return {}
        centres = read_centres(run_dot(self.source, cancelled), len(self.ids))
        raw = {node_id: centres[i] for i, node_id in enumerate(self.ids)}
        return wrap_rows(raw, self.direction, self.sizes, self.aspect)


def auto_layout(
    doc: Sop,
    direction: Direction,
    sizes: Mapping[str, tuple[float, float]],
    aspect: float = 16 / 10,
) -> Centres:
    """Node centres from Graphviz, long rows wrapped to fit a view ``aspect`` times as
    wide as high."""
    return LayoutJob.of(doc, direction, sizes, aspect).run()


def builtin_layout(
    doc: Sop, direction: Direction, sizes: Mapping[str, tuple[float, float]], aspect: float
) -> Centres:
    """The layered layout (no Graphviz needed), turned for TB and wrapped as ``auto_layout``."""
    layered = layered_layout(doc)
    if direction == "TB":
        raw = {i: (p.y * COLUMN / ROW, p.x * ROW / COLUMN) for i, p in layered.items()}
    else:
        raw = {i: (p.x, p.y) for i, p in layered.items()}
    by_node = {node.id: sizes[node.kind] for node in doc.nodes}
    return wrap_rows(raw, direction, by_node, aspect)
