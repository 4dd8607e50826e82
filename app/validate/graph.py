"""The document as a networkx MultiDiGraph, built once per document revision."""

from __future__ import annotations

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


def document_graph(doc: Sop) -> nx.MultiDiGraph:
    """The graph of ``doc``, cached until the document's revision changes."""
    return doc.derived("validate.graph", build_graph)


def kind_subgraph(graph: nx.MultiDiGraph, *kinds: str) -> nx.DiGraph:
    """A simple directed graph of the edges of the given kinds only."""
    view = nx.DiGraph()
    view.add_nodes_from(graph.nodes(data=True))
    view.add_edges_from(
        (source, target) for source, target, kind in graph.edges(data="kind") if kind in kinds
    )
    return view
