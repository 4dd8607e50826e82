"""A dependency-free layered layout: the promote path left to right, runbooks in rows below.

Graphviz gives nicer layouts (exporters.graphviz); this one needs nothing installed, so
templates and the designer can always place nodes, even where Graphviz is missing.
"""

from __future__ import annotations

from collections import defaultdict, deque

from app.model.catalog import Position
from app.model.document import Sop

COLUMN = 190
ROW = 130
RUNBOOK_TOP = 230


def _promote_ranks(doc: Sop) -> dict[str, int]:
    """Longest-path layer of each node on the promote graph (cycles broken by visit order)."""
    members = {n.id for n in doc.nodes if n.kind in ("stage", "gate")}
    successors: dict[str, list[str]] = defaultdict(list)
    indegree = dict.fromkeys(members, 0)
    for edge in doc.edges:
        if edge.kind == "promote" and edge.source in members and edge.target in members:
            successors[edge.source].append(edge.target)
            indegree[edge.target] += 1
    rank = dict.fromkeys(members, 0)
    queue = deque(node.id for node in doc.nodes if node.id in members and indegree[node.id] == 0)
    done: set[str] = set()
    while len(done) < len(members):
        if not queue:  # a cycle: release the first waiting node in document order
            queue.append(next(n.id for n in doc.nodes if n.id in members and n.id not in done))
        node_id = queue.popleft()
        if node_id in done:
            continue
        done.add(node_id)
        for target in successors[node_id]:
            if target in done:
                continue
            rank[target] = max(rank[target], rank[node_id] + 1)
            indegree[target] -= 1
            if indegree[target] <= 0:
                queue.append(target)
    return rank


def _runbook_rows(doc: Sop) -> list[list[str]]:
    """For each trigger, the trigger followed by its runbook chain (rollback then next edges)."""
    out: dict[str, list[str]] = defaultdict(list)
    for edge in doc.edges:
        if edge.kind in ("rollback", "next"):
            out[edge.source].append(edge.target)
    rows: list[list[str]] = []
    placed: set[str] = set()
    for trigger in doc.nodes_of_kind("trigger"):
        row, frontier = [trigger.id], list(out[trigger.id])
        placed.add(trigger.id)
        while frontier:
            node_id = frontier.pop(0)
            if node_id in placed or doc.node(node_id).kind == "stage":
                continue
            placed.add(node_id)
            row.append(node_id)
            frontier.extend(out[node_id])
        rows.append(row)
    return rows


def layered_layout(doc: Sop) -> dict[str, Position]:
    """Positions for every node of ``doc``, computed from its edges alone."""
    rank = _promote_ranks(doc)
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
    for row_index, row in enumerate(_runbook_rows(doc)):
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
