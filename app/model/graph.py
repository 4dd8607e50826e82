"""The graph facts of a document, built on networkx once per change: the one place for them.

Promote order and ranks, runbooks, upstream sets, entries and cycles: validation, the
compiler, the exporters and auto-layout all read them here, so that they agree (a
branching runbook is the same problem to each of them).

Everything here depends only on the graph's shape (nodes, edges and their kinds), so it
is cached on the document's *graph* revision: editing a threshold or dragging a node
reuses it.
"""

from __future__ import annotations

from collections.abc import Iterable
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
    fix: str = ""
    """A fix for this problem when the rule's general one does not fit it."""


@dataclass
class SopGraph:
    """The networkx graph of a document and the facts about its paths that rules ask for."""

    graph: nx.MultiDiGraph
    promote: nx.DiGraph
    kinds: dict[str, str]
    outgoing: dict[tuple[str, str], list[tuple[str, str]]]
    incoming: dict[tuple[str, str], list[tuple[str, str]]]
    entries: list[str] = field(default_factory=list)
    runbooks: dict[str, Runbook] = field(default_factory=dict)
    monitored_by: dict[str, list[str]] = field(default_factory=dict)
    _ancestors: dict[str, int] = field(default_factory=dict)
    _bit: dict[str, int] = field(default_factory=dict)
    _successors: dict[str, list[str]] | None = None
    _cycles: list[tuple[tuple[str, ...], tuple[str, ...]]] | None = None
    _acyclic: bool = False
    _order: list[str] | None = None
    _ranks: dict[str, int] | None = None

    def out_edges(self, node_id: str, kind: str) -> list[tuple[str, str]]:
        """``(edge id, target)`` of the edges of ``kind`` leaving ``node_id``."""
        return self.outgoing.get((node_id, kind), [])

    def in_edges(self, node_id: str, kind: str) -> list[tuple[str, str]]:
        """``(edge id, source)`` of the edges of ``kind`` entering ``node_id``."""
        return self.incoming.get((node_id, kind), [])

    def kind(self, node_id: str) -> str:
        return self.kinds[node_id]

    def is_upstream(self, earlier: str, later: str) -> bool:
        """Whether ``earlier`` comes before ``later`` on the promote path."""
        bit = self._bit.get(earlier)
        return bit is not None and bool(self._ancestors.get(later, 0) & bit)

    def reachable_from(self, node_id: str) -> set[str]:
        """Every node reachable from ``node_id`` through edges of any kind (itself included)."""
        successors = self.successors()
        seen, stack = {node_id}, [node_id]
        while stack:
            for target in successors.get(stack.pop(), ()):
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
        return seen

    def promotion_cycles(self) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
        """Each promote cycle as (its nodes sorted, one loop through it in order)."""
        if self._cycles is None:
            self._cycles = []
            if self._acyclic:
                return self._cycles
            order = {node: index for index, node in enumerate(self.kinds)}
            for component in nx.strongly_connected_components(self.promote):
                (first, *rest) = sorted(component, key=order.__getitem__)
                if not rest and not self.promote.has_edge(first, first):
                    continue
                loop = nx.find_cycle(self.promote.subgraph(component), first)
                self._cycles.append((tuple(sorted(component)), tuple(s for s, _t in loop)))
        return self._cycles

    def promote_order(self) -> list[str]:
        """Stages and gates in topological order of the promote path, ties in document order.

        In a draft with a promote cycle, the nodes in or after a cycle follow in document
        order instead of being dropped.
        """
        if self._order is None:
            position = {node: index for index, node in enumerate(self.kinds)}
            stuck: set[str] = set()
            for component, _loop in self.promotion_cycles():
                for node in component:
                    if node not in stuck:
                        stuck |= {node} | nx.descendants(self.promote, node)
            free = (
                self.promote.subgraph(n for n in self.promote if n not in stuck)
                if stuck
                else self.promote
            )
            order = list(nx.lexicographical_topological_sort(free, key=position.__getitem__))
            self._order = order + sorted(stuck, key=position.__getitem__)
        return list(self._order)

    def ranks(self) -> dict[str, int]:
        """Longest-path rank of each stage and gate on the promote path (0 for an entry);
        an edge that closes a cycle (it goes back in ``promote_order``) is left out."""
        if self._ranks is None:
            order = self.promote_order()
            index = {node: i for i, node in enumerate(order)}
            rank = dict.fromkeys(order, 0)
            for node in order:
                for target in self.promote.successors(node):
                    if index[target] > index[node]:
                        rank[target] = max(rank[target], rank[node] + 1)
            self._ranks = rank
        return dict(self._ranks)

    def stage_orders(self) -> dict[str, int]:
        """Position of each stage on the promote path, 1 for the entry stage."""
        stages = [n for n in self.promote_order() if self.kinds[n] == "stage"]
        return {stage: i for i, stage in enumerate(stages, start=1)}

    def runbook_reach(self, trigger: str) -> list[str]:
        """The trigger, then every node its rollback and next edges reach before a stage,
        breadth first: a runbook's nodes, branches included (where auto-layout puts them)."""
        chain = nx.subgraph_view(
            self.graph,
            filter_node=lambda node: self.kinds[node] != "stage",
            filter_edge=lambda s, t, key: (
                self.graph.edges[s, t, key]["kind"] in ("rollback", "next")
            ),
        )
        return [trigger, *(t for _s, t in nx.bfs_edges(chain, trigger))]

    def successors(self) -> dict[str, list[str]]:
        if self._successors is None:
            self._successors = {}
            for (source, _kind), pairs in self.outgoing.items():
                self._successors.setdefault(source, []).extend(t for _e, t in pairs)
        return self._successors


def _acyclic_ancestors(promote: nx.DiGraph) -> tuple[dict[str, int], dict[str, int]] | None:
    """Ancestor bitsets by Kahn's algorithm in plain Python; None when there is a cycle."""
    bit = {node: 1 << index for index, node in enumerate(promote.nodes)}
    waiting = {node: promote.in_degree(node) for node in promote.nodes}
    ready = [node for node, count in waiting.items() if count == 0]
    ancestors = dict.fromkeys(bit, 0)
    done = 0
    while ready:
        node = ready.pop()
        done += 1
        reach = ancestors[node] | bit[node]
        for target in promote.successors(node):
            ancestors[target] |= reach
            waiting[target] -= 1
            if waiting[target] == 0:
                ready.append(target)
    return (ancestors, bit) if done == len(bit) else None


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
        book.problem, book.culprits = "is missing: no rollback edge leaves the trigger", (trigger,)
        book.fix = "Connect the trigger to the first action of its runbook with a rollback edge."
        return book
    if len(starts) > 1:
        targets = ", ".join(repr(t) for _e, t in starts)
        book.problem = f"branches into {targets}; a runbook is one ordered chain"
        book.culprits = (trigger, *(e for e, _t in starts))
        return book
    current = starts[0][1]
    seen = {trigger}
    verified = False  # a check has run: later actions are review and documentation (002 step 7)
    while True:
        kind = sop_graph.kind(current)
        if kind == "stage":
            book.target = current
            if not verified:
                book.problem = (
                    f"reaches stage {current!r} without a check; verify the rollback with a "
                    "check before it"
                )
                book.culprits = (book.steps[-1] if book.steps else trigger,)
            return book
        if current in seen:
            book.problem, book.culprits = f"loops back to {current!r}", (current,)
            return book
        seen.add(current)
        book.steps.append(current)
        verified = verified or kind == "check"
        following = sop_graph.out_edges(current, "next")
        if not following:
            if kind in ("check", "action") and verified:
                book.problem = f"ends at {kind} {current!r}; connect it to the target stage"
            elif kind == "action":
                book.problem = f"ends at action {current!r}; end the runbook with a check"
            else:
                book.problem = f"runs into {kind} {current!r}; a runbook holds actions and a check"
            book.culprits = (current,)
            return book
        if len(following) > 1:
            targets = ", ".join(repr(t) for _e, t in following)
            book.problem = f"branches after {current!r} into {targets}; keep one chain"
            book.culprits = (current,)
            return book
        current = following[0][1]


def build_sop_graph(doc: Sop) -> SopGraph:
    kinds = {node.id: node.kind for node in doc.nodes}
    outgoing: dict[tuple[str, str], list[tuple[str, str]]] = {}
    incoming: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for edge in doc.edges:
        outgoing.setdefault((edge.source, edge.kind), []).append((edge.id, edge.target))
        incoming.setdefault((edge.target, edge.kind), []).append((edge.id, edge.source))
    promote = nx.DiGraph()
    promote.add_nodes_from(node_id for node_id, kind in kinds.items() if kind in ("stage", "gate"))
    promote.add_edges_from(
        (edge.source, edge.target)
        for edge in doc.edges
        if edge.kind == "promote" and edge.source in promote and edge.target in promote
    )
    sop_graph = SopGraph(build_graph(doc), promote, kinds, outgoing, incoming)
    sop_graph.entries = [
        node_id
        for node_id, kind in kinds.items()
        if kind == "stage" and not incoming.get((node_id, "promote"))
    ]
    acyclic = _acyclic_ancestors(promote)
    sop_graph._acyclic = acyclic is not None
    sop_graph._ancestors, sop_graph._bit = acyclic or _ancestor_bitsets(promote)
    for edge in doc.edges:
        if edge.kind == "monitor":
            sop_graph.monitored_by.setdefault(edge.target, []).append(edge.source)
    for node in doc.nodes:
        if node.kind == "trigger":
            sop_graph.runbooks[node.id] = _walk_runbook(sop_graph, node.id)
    return sop_graph


def document_graph(doc: Sop) -> SopGraph:
    """The graph facts of ``doc``, cached until its nodes or edges change."""
    return doc.derived("model.graph", build_sop_graph, depends="graph")


# -- the components catalog: what depends on what (a graph of its own) ---------------------
# Components are document fields, not nodes, so this graph is cached on the content revision.


def dependency_graph(doc: Sop) -> nx.DiGraph:
    """Component -> component it depends on, for the catalog's known components (cached)."""
    return doc.derived("model.component-dependencies", _dependencies)


def _dependencies(doc: Sop) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(component.id for component in doc.components)
    graph.add_edges_from(
        (component.id, needed)
        for component in doc.components
        for needed in component.depends_on
        if needed in graph
    )
    return graph


def dependency_cycles(doc: Sop) -> list[list[str]]:
    """Each group of components that depend on one another in a circle, catalog order."""
    graph = dependency_graph(doc)
    order = {component.id: index for index, component in enumerate(doc.components)}
    cycles = []
    for group in nx.strongly_connected_components(graph):
        first = min(group, key=order.__getitem__)
        if len(group) > 1 or graph.has_edge(first, first):
            cycles.append(sorted(group, key=order.__getitem__))
    return sorted(cycles, key=lambda group: order[group[0]])


def order_violations(doc: Sop, restored: Iterable[str]) -> list[tuple[str, str]]:
    """``(earlier, later)`` pairs where ``earlier`` is restored before ``later`` although it
    depends on it, directly or through other components: dependencies come back first."""
    graph = dependency_graph(doc)
    sequence = [component for component in restored if component in graph]
    position = {component: index for index, component in enumerate(sequence)}
    violations = []
    for index, component in enumerate(sequence):
        needed = nx.descendants(graph, component)
        violations += [(component, later) for later in sequence[index + 1 :] if later in needed]
    return sorted(violations, key=lambda pair: (position[pair[0]], position[pair[1]]))


def kind_subgraph(graph: nx.MultiDiGraph, *kinds: str) -> nx.DiGraph:
    """A simple directed graph of the edges of the given kinds only."""
    view = nx.DiGraph()
    view.add_nodes_from(graph.nodes(data=True))
    view.add_edges_from(
        (source, target) for source, target, kind in graph.edges(data="kind") if kind in kinds
    )
    return view
