"""Connection rules: pure functions the designer asks before drawing an edge."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.model.edges import (
    ALLOWED_ENDPOINTS,
    EDGE_KINDS,
    ConnectionVerdict,
    edge_kinds_between,
    endpoints_allowed,
)
from app.model.nodes import NODE_KINDS

if TYPE_CHECKING:
    from app.model.document import Sop


def _endpoint_problem(doc: Sop, source: str, target: str) -> str:
    for end, node_id in (("source", source), ("target", target)):
        if not doc.has_node(node_id):
            return f"the {end} {node_id!r} is not a node of this SOP"
    if source == target:
        return "an edge cannot join a node to itself"
    return ""


def _existing_kinds(doc: Sop, source: str, target: str, but: str | None = None) -> set[str]:
    return {
        edge.kind
        for edge in doc.edges
        if edge.source == source and edge.target == target and edge.id != but
    }


def connection_options(doc: Sop, source: str, target: str) -> list[str]:
    """The edge kinds that could be drawn from ``source`` to ``target`` right now."""
    if _endpoint_problem(doc, source, target):
        return []
    kinds = edge_kinds_between(doc.node(source).kind, doc.node(target).kind)
    existing = _existing_kinds(doc, source, target)
    return [kind for kind in kinds if kind not in existing]


def can_connect(
    doc: Sop, source: str, target: str, kind: str | None, replacing: str | None = None
) -> ConnectionVerdict:
    """Whether an edge of ``kind`` (or of any kind, when None) may join these nodes, and why
    not. ``replacing``: the id of an edge between them that this one would replace (its
    kind being changed), not counted as already there.

    The one place that decides: the model enforces it, the editor and the canvas ask it.
    """
    problem = _endpoint_problem(doc, source, target)
    if problem:
        return ConnectionVerdict(False, problem)
    source_kind, target_kind = doc.node(source).kind, doc.node(target).kind
    if kind is None:
        if connection_options(doc, source, target):
            return ConnectionVerdict(True)
        if edge_kinds_between(source_kind, target_kind):
            return ConnectionVerdict(False, f"{source!r} and {target!r} are already connected")
        return ConnectionVerdict(
            False,
            f"nothing connects a {source_kind} to a {target_kind}; "
            + "; ".join(
                f"{k}: " + ", ".join(f"{s}->{t}" for s, t in sorted(pairs))
                for k, pairs in ((k, ALLOWED_ENDPOINTS[k]) for k in EDGE_KINDS)
            ),
        )
    verdict = endpoints_allowed(kind, source_kind, target_kind)
    if not verdict:
        return verdict
    if kind in _existing_kinds(doc, source, target, replacing):
        return ConnectionVerdict(False, f"a {kind} edge from {source!r} to {target!r} exists")
    return ConnectionVerdict(True)


def append_choices(source_kind: str) -> list[tuple[str, str]]:
    """What may follow a ``source_kind`` node: ``(node kind, edge kind)`` for each node kind
    an edge may lead to, with the first edge kind the rules list for that pair (gate to
    stage: promote, not reject), in the palette's order of node kinds."""
    choices = []
    for target_kind in NODE_KINDS:
        kinds = edge_kinds_between(source_kind, target_kind)
        if kinds:
            choices.append((target_kind, kinds[0]))
    return choices
