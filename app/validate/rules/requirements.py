"""Requirements an organisation policy tightens (silent until an option is set): artifacts
per tier, the longest approval window, the fewest approvals into production."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from app.model.graph import SopGraph
from app.validate.registry import Finding, rule
from app.validate.rules.governance import applies
from app.validate.rules.risk import production_gates

if TYPE_CHECKING:
    from app.model.document import Sop


@rule(
    "required-artifacts",
    "policy",
    "error",
    "Every gate into production requires, as blocking criteria, the artifacts the option "
    "`artifacts` (a table: tier -> artifact names) lists for each tier; silent when unset.",
    "Add a blocking artifact criterion for each listed artifact (e.g. "
    '`{"id": "model-card", "artifact": "model-card"}`) on the gate into production.',
    options={"artifacts": None},
)
def required_artifacts(doc: Sop, graph: SopGraph, options: Mapping[str, Any]) -> Iterator[Finding]:
    wanted = options.get("artifacts") or {}
    if not isinstance(wanted, Mapping):
        return
    for gate_id in production_gates(doc, graph):
        gate = doc.node(gate_id)
        for tier, artifacts in wanted.items():
            if tier not in doc.tiers or not isinstance(artifacts, list):
                continue
            present = {
                c.artifact
                for c in gate.criteria
                if c.form == "artifact" and c.severity == "blocking" and applies(c, tier)
            }
            missing = [str(a) for a in artifacts if a not in present]
            if missing:
                yield Finding(
                    f"gate {gate.name!r} does not require {', '.join(missing)} for tier "
                    f"{tier!r} candidates, as the policy asks",
                    (gate_id,),
                )


@rule(
    "approval-window-limit",
    "policy",
    "error",
    "Every gate that asks for approvals sets `window_hours`, at most the option `max_hours`; "
    "silent when unset.",
    "Set the gate's approval `window_hours` to the policy's maximum or less.",
    options={"max_hours": None},
)
def approval_window_limit(
    doc: Sop, graph: SopGraph, options: Mapping[str, Any]
) -> Iterator[Finding]:
    limit = options.get("max_hours")
    if isinstance(limit, bool) or not isinstance(limit, int | float):
        return
    for gate in doc.nodes_of_kind("gate"):
        window = gate.approval.window_hours
        if gate.approval.rules and (window is None or window > limit):
            shown = "no approval window" if window is None else f"a {window:g}-hour window"
            yield Finding(
                f"gate {gate.name!r} has {shown}; the policy allows at most {limit:g} hours",
                (gate.id,),
            )


@rule(
    "production-approvals-minimum",
    "policy",
    "error",
    "Every gate into production asks, for every tier, for at least the option "
    "`min_approvals` approvals; silent when unset.",
    "Raise the approval rules' counts, or add a rule, on the gate into production.",
    options={"min_approvals": None},
)
def production_approvals_minimum(
    doc: Sop, graph: SopGraph, options: Mapping[str, Any]
) -> Iterator[Finding]:
    minimum = options.get("min_approvals")
    if isinstance(minimum, bool) or not isinstance(minimum, int):
        return
    for gate_id in production_gates(doc, graph):
        gate = doc.node(gate_id)
        short = []
        for tier in doc.tiers:
            counts = [r.count for r in gate.approval.rules if applies(r, tier)]
            # Under "any" the smallest satisfied rule promotes on its own.
            asked = (min(counts) if counts else 0) if gate.approval.mode == "any" else sum(counts)
            if asked < minimum:
                short.append(f"{tier} ({asked})")
        if short:
            yield Finding(
                f"gate {gate.name!r} into production asks for fewer than {minimum} approvals "
                f"for tier(s) {', '.join(short)}, as the policy requires",
                (gate_id,),
            )
