"""Reference rules: every role, metric, tier and edge kind used is one the document defines."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from app.model.edges import endpoints_allowed
from app.validate.registry import Finding, rule

if TYPE_CHECKING:
    import networkx as nx

    from app.model.document import Sop


def _criteria(doc: Sop) -> Iterator[tuple[Any, Any]]:
    for node in doc.nodes:
        for criterion in getattr(node, "criteria", ()):
            yield node, criterion


@rule(
    "metric-defined",
    "data",
    "error",
    "Every metric criterion and trigger names a metric of the catalog.",
    "Add the metric to the document's metric catalog, or choose one that is there.",
)
def metric_defined(doc: Sop, graph: nx.MultiDiGraph) -> Iterator[Finding]:
    known = {metric.id for metric in doc.metrics}
    for node, criterion in _criteria(doc):
        metric = getattr(criterion, "metric", None)
        if metric is not None and metric not in known:
            yield Finding(
                f"criterion {criterion.id!r} of {node.name!r} uses metric {metric!r}, "
                "which is not in the catalog",
                (node.id,),
            )
    for trigger in doc.nodes_of_kind("trigger"):
        if trigger.metric not in known:
            yield Finding(
                f"trigger {trigger.name!r} watches metric {trigger.metric!r}, "
                "which is not in the catalog",
                (trigger.id,),
            )


@rule(
    "role-defined",
    "roles",
    "error",
    "Every role named by an approval rule or an action is defined.",
    "Define the role (with its members) under roles, or choose an existing role.",
)
def role_defined(doc: Sop, graph: nx.MultiDiGraph) -> Iterator[Finding]:
    known = {role.id for role in doc.roles}
    for node in doc.nodes:
        approval = getattr(node, "approval", None)
        for approval_rule in approval.rules if approval else ():
            if approval_rule.role not in known:
                yield Finding(
                    f"gate {node.name!r} asks for approval by role {approval_rule.role!r}, "
                    "which is not defined",
                    (node.id,),
                )
        role = getattr(node, "role", None) if node.kind == "action" else None
        if role is not None and role not in known:
            yield Finding(
                f"action {node.name!r} is assigned to role {role!r}, which is not defined",
                (node.id,),
            )


@rule(
    "criterion-tier-known",
    "data",
    "error",
    "Tiers named by criteria and approval rules are tiers of the document.",
    "Use one of the document's tiers, or add the tier to `tiers`.",
)
def criterion_tier_known(doc: Sop, graph: nx.MultiDiGraph) -> Iterator[Finding]:
    known = set(doc.tiers)
    for node, criterion in _criteria(doc):
        for tier in criterion.tiers or ():
            if tier not in known:
                yield Finding(
                    f"criterion {criterion.id!r} of {node.name!r} names tier {tier!r}, "
                    f"which is not one of {', '.join(doc.tiers)}",
                    (node.id,),
                )
    for node in doc.nodes_of_kind("gate"):
        for approval_rule in node.approval.rules:
            for tier in approval_rule.tiers or ():
                if tier not in known:
                    yield Finding(
                        f"an approval rule of {node.name!r} names tier {tier!r}, "
                        f"which is not one of {', '.join(doc.tiers)}",
                        (node.id,),
                    )


@rule(
    "edge-kind-allowed",
    "structure",
    "error",
    "Each edge kind joins only the node kinds CONTRACTS.md allows.",
    "Change the edge's kind, or connect it to a node of the right kind.",
)
def edge_kind_allowed(doc: Sop, graph: nx.MultiDiGraph) -> Iterator[Finding]:
    for edge in doc.edges:
        source, target = doc.node(edge.source), doc.node(edge.target)
        verdict = endpoints_allowed(edge.kind, source.kind, target.kind)
        if not verdict:
            yield Finding(
                f"edge {edge.id!r} from {source.name!r} to {target.name!r}: {verdict.reason}",
                (edge.id,),
            )
