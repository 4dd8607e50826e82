"""Why the canvas refuses a connection, in one short sentence for the status bar.

The model's reasons (``can_connect``) list every rule, for the CLI and the Connect dialog;
someone dragging an arrow wants to know what this node may lead to.
"""

from __future__ import annotations

from app.model.connections import connection_options
from app.model.document import Sop
from app.model.edges import ALLOWED_ENDPOINTS, edge_kinds_between

NAME_LENGTH = 40
"""Longer names are cut in the sentence (the inspector shows them whole)."""


def refusal(doc: Sop, source: str, target: str) -> str:
    """The sentence saying why ``source`` may not connect to ``target``; '' when it may."""
    if not (doc.has_node(source) and doc.has_node(target)):
        return "Cannot connect: that node is gone."
    if source == target:
        return "Cannot connect a node to itself."
    source_kind, target_kind = doc.node(source).kind, doc.node(target).kind
    if not edge_kinds_between(source_kind, target_kind):
        reachable = sorted(
            {t for pairs in ALLOWED_ENDPOINTS.values() for s, t in pairs if s == source_kind}
        )
        return (
            f"Cannot connect {_a(source_kind)} to {_a(target_kind)}: "
            f"{_a(source_kind)} leads only to {_either(reachable)}."
        )
    if not connection_options(doc, source, target):
        return f"Cannot connect: {_name(doc, source)} already leads to {_name(doc, target)}."
    return ""


def _a(kind: str) -> str:
    return f"{'an' if kind[:1] in 'aeiou' else 'a'} {kind}"


def _either(kinds: list[str]) -> str:
    named = [_a(kind) for kind in kinds]
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " or " + named[-1]


def _name(doc: Sop, node_id: str) -> str:
    name = " ".join(doc.node(node_id).name.split()) or node_id
    if len(name) > NAME_LENGTH:
        name = name[: NAME_LENGTH - 1] + "…"
    return f"'{name}'"
