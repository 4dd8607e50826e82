"""Gate rules: every gate sits between two stages, has criteria, approvals and a way back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from app.model.graph import SopGraph
from app.validate.registry import Finding, rule

if TYPE_CHECKING:
    from app.model.document import Sop


@rule(
    "gate-between-stages",
    "gates",
    "error",
    "Every gate has exactly one promote edge in from a stage and one out to a stage.",
    "Connect one stage into the gate and the gate on to one stage; split a gate that does more.",
)
def gate_between_stages(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    for gate in doc.nodes_of_kind("gate"):
        inbound = [s for _e, s in graph.in_edges(gate.id, "promote") if graph.kind(s) == "stage"]
        outbound = [t for _e, t in graph.out_edges(gate.id, "promote") if graph.kind(t) == "stage"]
        problems = []
        if len(inbound) != 1:
            problems.append(f"{len(inbound)} stages promote into it")
        if len(outbound) != 1:
            problems.append(f"it promotes to {len(outbound)} stages")
        if problems:
            yield Finding(
                f"gate {gate.name!r}: {' and '.join(problems)} (expected 1 and 1)", (gate.id,)
            )


@rule(
    "ungated-promotion",
    "gates",
    "error",
    "No promote edge goes straight from stage to stage, skipping a gate.",
    "Insert a gate between the two stages, with the criteria and approvals the step needs.",
)
def ungated_promotion(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    for edge in doc.edges:
        if edge.kind == "promote" and graph.kind(edge.source) == graph.kind(edge.target) == "stage":
            source, target = doc.node(edge.source), doc.node(edge.target)
            yield Finding(
                f"{source.name!r} promotes straight to {target.name!r} without a gate",
                (edge.id,),
            )


@rule(
    "gate-has-criteria",
    "gates",
    "error",
    "Every gate has at least one measurable criterion.",
    "Add criteria: a metric threshold, a baseline comparison, a check or a required artifact.",
)
def gate_has_criteria(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    for gate in doc.nodes_of_kind("gate"):
        if not gate.criteria:
            yield Finding(f"gate {gate.name!r} has no criteria, so anything passes it", (gate.id,))


@rule(
    "gate-has-approval",
    "gates",
    "warning",
    "Every gate names who approves (a fully automated gate suppresses this on purpose).",
    "Add an approval rule (role and count), or suppress this rule on a gate meant to be automatic.",
)
def gate_has_approval(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    for gate in doc.nodes_of_kind("gate"):
        if not gate.approval.rules:
            yield Finding(f"gate {gate.name!r} requires no approval", (gate.id,))


@rule(
    "gate-has-reject-path",
    "gates",
    "error",
    "Every gate has a reject edge sending failed candidates back.",
    "Draw a reject edge from the gate back to the stage where the model gets fixed "
    "(in the designer: drag from the gate's handle, or Insert › Connect with kind reject).",
)
def gate_has_reject_path(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    for gate in doc.nodes_of_kind("gate"):
        if not graph.out_edges(gate.id, "reject"):
            yield Finding(
                f"gate {gate.name!r} has no reject path: where does a failed model go?", (gate.id,)
            )


@rule(
    "reject-goes-back",
    "gates",
    "error",
    "A reject edge points to an earlier stage on the promote path, never forward or aside.",
    "Point the reject edge at a stage before the gate on the promote path.",
)
def reject_goes_back(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    for edge in doc.edges:
        if edge.kind != "reject" or graph.kind(edge.source) != "gate":
            continue
        if graph.kind(edge.target) == "stage" and not graph.is_upstream(edge.target, edge.source):
            yield Finding(
                f"the reject edge of {doc.node(edge.source).name!r} points to "
                f"{doc.node(edge.target).name!r}, which is not before the gate",
                (edge.id,),
            )
