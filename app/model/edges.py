"""Edges of an SOP graph and the rules for which node kinds each edge kind may join."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from pydantic import Field

from app.spec.types import FileModel, Slug

EdgeKind = Literal["promote", "reject", "monitor", "rollback", "next"]
EDGE_KINDS: tuple[str, ...] = get_args(EdgeKind)

# CONTRACTS.md section 1: which (source kind, target kind) pairs each edge kind joins.
ALLOWED_ENDPOINTS: dict[str, frozenset[tuple[str, str]]] = {
    "promote": frozenset({("stage", "gate"), ("gate", "stage")}),
    "reject": frozenset({("gate", "stage")}),
    "monitor": frozenset({("stage", "trigger")}),
    "rollback": frozenset({("trigger", "action"), ("trigger", "stage")}),
    # A check may be followed by more checks, or by review and documentation actions
    # (002 steps 6 and 7: verify, then record what was learned) before the target stage.
    "next": frozenset(
        {
            ("action", "action"),
            ("action", "check"),
            ("check", "check"),
            ("check", "action"),
            ("check", "stage"),
            ("action", "stage"),
        }
    ),
}

EDGE_MEANING: dict[str, str] = {
    "promote": "moves a candidate forward (stage to gate, gate to stage)",
    "reject": "sends a rejected candidate back from a gate to an earlier stage",
    "monitor": "lets a trigger watch a stage's live telemetry",
    "rollback": "starts a runbook from a trigger (to its first action or its target stage)",
    "next": ("orders a runbook (actions and checks one after another, ending on the target stage)"),
}


class Edge(FileModel):
    """A directed connection between two nodes."""

    id: Slug = Field(description="Identifier, unique among the document's nodes and edges.")
    source: Slug = Field(description="Id of the node the edge leaves.")
    target: Slug = Field(description="Id of the node the edge enters.")
    kind: EdgeKind = Field(description="promote, reject, monitor, rollback or next.")


@dataclass(frozen=True)
class ConnectionVerdict:
    """Whether an edge may be drawn, and if not, why in one sentence."""

    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


def edge_kinds_between(source_kind: str, target_kind: str) -> list[str]:
    """The edge kinds that may join a node of ``source_kind`` to one of ``target_kind``."""
    pair = (source_kind, target_kind)
    return [kind for kind in EDGE_KINDS if pair in ALLOWED_ENDPOINTS[kind]]


def endpoints_allowed(kind: str, source_kind: str, target_kind: str) -> ConnectionVerdict:
    """Whether ``kind`` may join these node kinds, with a fix-it reason when not."""
    if kind not in ALLOWED_ENDPOINTS:
        return ConnectionVerdict(False, f"{kind!r} is not an edge kind ({', '.join(EDGE_KINDS)})")
    if (source_kind, target_kind) in ALLOWED_ENDPOINTS[kind]:
        return ConnectionVerdict(True)
    pairs = ", ".join(f"{s} -> {t}" for s, t in sorted(ALLOWED_ENDPOINTS[kind]))
    others = edge_kinds_between(source_kind, target_kind)
    hint = f"; a {source_kind} -> {target_kind} edge can be {' or '.join(others)}" if others else ""
    return ConnectionVerdict(
        False, f"a {kind} edge joins {pairs}, not {source_kind} -> {target_kind}{hint}"
    )
