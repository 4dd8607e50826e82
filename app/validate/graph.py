"""The document as a networkx MultiDiGraph plus the path facts rules share, built once per change.

Everything here depends only on the graph's shape (nodes, edges and their kinds), so it
is cached on the document's *graph* revision: editing a threshold or dragging a node
reuses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import networkx as nx

if TYPE_CHECKING:
    from app.model.document import Sop


def build_graph(doc: Sop) -> nx.MultiDiGraph:
    """Nodes carry ``kind``; edges are keyed by edge id and carry ``kind``."""
    graph = nx.MultiDiGraph()
    graph.add_nodes_from((node.id, {"kind": node.kind}) for node in doc.nodes)
    graph.add_edges_from(
        (edge.source, edge.target, edge.id, {"kind": edge.kind}) for edge in doc.edges
    )
    return graph


@dataclass
class Runbook:
    """The chain a trigger starts: its steps in order, the stage it ends on, or what is wrong."""

    trigger: str
    steps: list[str] = field(default_factory=list)
    target: str | None = None
    problem: str = ""
    culprits: tuple[str, ...] = ()


@dataclass
class SopGraph:
    """The networkx graph of a document and the facts about its paths that rules ask for."""

    graph: nx.MultiDiGraph
    promote: nx.DiGraph
    entries: list[str]
    runbooks: dict[str, Runbook]
    monitored_by: dict[str, list[str]]
    _ancestors: dict[str, int]
    _bit: dict[str, int]

    def out_edges(self, node_id: str, kind: str) -> list[tuple[str, str]]:
        """``(edge id, target)`` of the edges of ``kind`` leaving ``node_id``."""
        return [
            (key, target)
            for _source, target, key, edge_kind in self.graph.out_edges(
                node_id, keys=True, data="kind"
            )
            if edge_kind == kind
        ]

    def in_edges(self, node_id: str, kind: str) -> list[tuple[str, str]]:
        """``(edge id, source)`` of the edges of ``kind`` entering ``node_id``."""
        return [
            (key, source)
            for source, _target, key, edge_kind in self.graph.in_edges(
                node_id, keys=True, data="kind"
            )
            if edge_kind == kind
        ]

    def kind(self, node_id: str) -> str:
        return self.graph.nodes[node_id]["kind"]

    def is_upstream(self, earlier: str, later: str) -> bool:
        """Whether ``earlier`` comes before ``later`` on the promote path."""
        bit = self._bit.get(earlier)
        return bit is not None and bool(self._ancestors.get(later, 0) & bit)

    def reachable_from(self, node_id: str) -> set[str]:
        return nx.descendants(self.graph, node_id) | {node_id}


def _ancestor_bitsets(promote: nx.DiGraph) -> tuple[dict[str, int], dict[str, int]]:
    """Ancestors of every node as integer bitsets, through the condensation (cycles allowed)."""
    bit = {node: 1 << index for index, node in enumerate(promote.nodes)}
    condensed = nx.condensation(promote)
    members = condensed.graph["mapping"]
    component_bits: dict[int, int] = {}
    for component, data in condensed.nodes(data=True):
        mask = 0
        for node in data["members"]:
            mask |= bit[node]
        component_bits[component] = mask
    above: dict[int, int] = {}
    for component in nx.topological_sort(condensed):
        mask = 0
        for parent in condensed.predecessors(component):
            mask |= above[parent] | component_bits[parent]
        above[component] = mask
    ancestors = {}
    for node in promote.nodes:
        component = members[node]
        cyclic = len(condensed.nodes[component]["members"]) > 1 or promote.has_edge(node, node)
        ancestors[node] = above[component] | (component_bits[component] if cyclic else 0)
    return ancestors, bit


def _walk_runbook(sop_graph: SopGraph, trigger: str) -> Runbook:
    book = Runbook(trigger)
    starts = sop_graph.out_edges(trigger, "rollback")
    if not starts:
        book.problem, book.culprits = "has no runbook: no rollback edge leaves it", (trigger,)
        return book
    if len(starts) > 1:
        targets = ", ".join(repr(t) for _e, t in starts)
        book.problem = f"branches into {targets}; a runbook is one ordered chain"
        book.culprits = (trigger, *(e for e, _t in starts))
        return book
    current = starts[0][1]
    seen = {trigger}
    while True:
        kind = sop_graph.kind(current)
        if kind == "stage":
            book.target = current
            if not book.steps or sop_graph.kind(book.steps[-1]) != "check":
                book.problem = f"reaches stage {current!r} without a check; end it with a check"
                book.culprits = (book.steps[-1] if book.steps else trigger,)
            return book
        if current in seen:
            book.problem, book.culprits = f"loops back to {current!r}", (current,)
            return book
        seen.add(current)
        book.steps.append(current)
        following = sop_graph.out_edges(current, "next")
        if not following:
            if kind == "check":
                book.problem = f"ends at check {current!r}; connect it to the target stage"
            else:
                book.problem = f"ends at action {current!r}; end the runbook with a check"
            book.culprits = (current,)
            return book
        if len(following) > 1:
            targets = ", ".join(repr(t) for _e, t in following)
            book.problem = f"branches after {current!r} into {targets}; keep one chain"
            book.culprits = (current,)
            return book
        current = following[0][1]


def build_sop_graph(doc: Sop) -> SopGraph:
    graph = build_graph(doc)
    promote = nx.DiGraph()
    promote.add_nodes_from(node.id for node in doc.nodes if node.kind in ("stage", "gate"))
    promote.add_edges_from(
        (edge.source, edge.target)
        for edge in doc.edges
        if edge.kind == "promote" and edge.source in promote and edge.target in promote
    )
    entries = [
        node.id for node in doc.nodes if node.kind == "stage" and promote.in_degree(node.id) == 0
    ]
    ancestors, bit = _ancestor_bitsets(promote)
    monitored_by: dict[str, list[str]] = {}
    for edge in doc.edges:
        if edge.kind == "monitor":
            monitored_by.setdefault(edge.target, []).append(edge.source)
    sop_graph = SopGraph(graph, promote, entries, {}, monitored_by, ancestors, bit)
    for node in doc.nodes:
        if node.kind == "trigger":
            sop_graph.runbooks[node.id] = _walk_runbook(sop_graph, node.id)
    return sop_graph


def document_graph(doc: Sop) -> SopGraph:
    """The graph facts of ``doc``, cached until its nodes or edges change."""
    return doc.derived("validate.graph", build_sop_graph, depends="graph")


def kind_subgraph(graph: nx.MultiDiGraph, *kinds: str) -> nx.DiGraph:
    """A simple directed graph of the edges of the given kinds only."""
    view = nx.DiGraph()
    view.add_nodes_from(graph.nodes(data=True))
    view.add_edges_from(
        (source, target) for source, target, kind in graph.edges(data="kind") if kind in kinds
    )
    return view
