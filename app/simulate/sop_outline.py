"""An SOP's outline read without compiling it: its id, its gates in the compiled spec's order
and the last stage of its promote path, which is all ``ledger stats`` needs of it.

Compiling imports networkx and the validation rules, most of the time ``ledger stats``
took as a process. The outline reads the JSON document with the standard library only,
and gives up (None) on anything it does not plainly understand: a YAML document, another
format, ids that are not text, a stage or gate that is not wired as the compiler expects
(not one entry stage, a gate without exactly one promote edge in from a stage and one out
to a stage, a promote cycle). The caller then compiles the document, which names its
problems. For a document it does read, the outline is the compiled spec's (a test holds
the two together over every built-in template).
"""

from __future__ import annotations

import heapq
import json
import os
from dataclasses import dataclass
from typing import Any

SOP_FORMAT = "gatewright.sop/1"
MAX_OUTLINE_BYTES = 8 * 1024 * 1024
"""Larger documents go through the full reader, which says what its limit is."""


@dataclass(frozen=True)
class Outline:
    """What ``ledger stats`` reads of an SOP."""

    sop_id: str
    gates: list[str]
    """Gate ids in the compiled spec's order (promote order, ties in document order)."""
    final_stage: str | None
    """The last stage of the promote path from the entry stage (the spec's ``promote_path``)."""


def read_outline(path: str | os.PathLike[str]) -> Outline | None:
    """The outline of the JSON SOP document at ``path``, or None when it must be compiled."""
    if str(path).lower().endswith((".yaml", ".yml")):
        return None
    try:
        with open(path, "rb") as file:
            raw = file.read(MAX_OUTLINE_BYTES + 1)
        if len(raw) > MAX_OUTLINE_BYTES:
            return None
        data = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return outline_of(data)


def outline_of(data: Any) -> Outline | None:
    """The outline of a parsed SOP document, or None (see the module's docstring)."""
    if not isinstance(data, dict) or data.get("format") != SOP_FORMAT:
        return None
    sop_id, nodes, edges = data.get("id"), data.get("nodes"), data.get("edges")
    if not isinstance(sop_id, str) or not isinstance(nodes, list) or not isinstance(edges, list):
        return None
    kinds: dict[str, str] = {}
    for node in nodes:
        if not isinstance(node, dict) or not isinstance(node.get("id"), str):
            return None
        if node["id"] in kinds:
            return None
        kinds[node["id"]] = node.get("kind") if isinstance(node.get("kind"), str) else ""
    position = {node: index for index, node in enumerate(kinds)}
    flow = [node for node, kind in kinds.items() if kind in ("stage", "gate")]
    pairs: set[tuple[str, str]] = set()
    for edge in edges:
        if not isinstance(edge, dict):
            return None
        source, target = edge.get("source"), edge.get("target")
        if not isinstance(source, str) or not isinstance(target, str):
            return None
        flowing = kinds.get(source) in ("stage", "gate") and kinds.get(target) in ("stage", "gate")
        if edge.get("kind") == "promote" and flowing:
            pairs.add((source, target))
    into: dict[str, list[str]] = {node: [] for node in flow}
    out: dict[str, list[str]] = {node: [] for node in flow}
    for source, target in pairs:
        out[source].append(target)
        into[target].append(source)
    entries = [node for node in flow if kinds[node] == "stage" and not into[node]]
    if len(entries) != 1:
        return None
    for node in flow:
        if kinds[node] == "gate":
            sides = (into[node], out[node])
            if any(len(side) != 1 or kinds[side[0]] != "stage" for side in sides):
                return None
    order = _promote_order(flow, out, into, position)
    if order is None:
        return None
    gates = [node for node in order if kinds[node] == "gate"]
    # The spec's promote path: from the entry stage, the first gate out of each stage.
    first_out: dict[str, str] = {}
    for gate in gates:
        first_out.setdefault(into[gate][0], gate)
    stage, seen, final = entries[0], set(), None
    while stage in first_out and stage not in seen:
        seen.add(stage)
        final = stage = out[first_out[stage]][0]
    return Outline(sop_id, gates, final)


def _promote_order(
    nodes: list[str],
    out: dict[str, list[str]],
    into: dict[str, list[str]],
    position: dict[str, int],
) -> list[str] | None:
    """Topological order with ties in document order (networkx's lexicographical
    topological sort keyed by position, as the compiler orders stages and gates); None
    when there is a promote cycle."""
    waiting = {node: len(into[node]) for node in nodes}
    ready = [(position[node], node) for node in nodes if not waiting[node]]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, node = heapq.heappop(ready)
        order.append(node)
        for target in out[node]:
            waiting[target] -= 1
            if not waiting[target]:
                heapq.heappush(ready, (position[target], target))
    return order if len(order) == len(nodes) else None
