"""Risk rules: the strictest tier gets an approval independent of the team that builds the
model, judged from each role's declared `model_team`, never from its name."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from app.model.graph import SopGraph
from app.validate.registry import Finding, rule
from app.validate.rules.structure import production_stages

if TYPE_CHECKING:
    from app.model.document import Sop


def model_team_roles(doc: Sop) -> set[str]:
    """Roles declared part of the team that builds the model."""
    return {role.id for role in doc.roles if role.model_team is True}


def independent_roles(doc: Sop) -> set[str]:
    """Roles declared independent (``model_team: false``) that share no member with a
    model-team role; an undeclared role is never taken as independent."""
    team = model_team_roles(doc)
    team_members = {m.casefold() for r in doc.roles if r.id in team for m in r.members}
    return {
        r.id
        for r in doc.roles
        if r.model_team is False and not team_members & {m.casefold() for m in r.members}
    }


def production_gates(doc: Sop, graph: SopGraph) -> list[str]:
    """Gates with a promote edge into a production stage, in document order."""
    production = set(production_stages(doc))
    return sorted(
        {
            source
            for stage in production
            for _e, source in graph.in_edges(stage, "promote")
            if graph.kind(source) == "gate"
        },
        key=doc.node_position,
    )


@rule(
    "high-tier-needs-independent-approval",
    "risk",
    "error",
    "For the strictest risk tier, every gate into production needs an approval from a role "
    "declared independent of the team that builds the model (`model_team: false`, sharing "
    "no member with a model-team role).",
    "Add an approval rule for a risk, compliance or security role declared "
    "`model_team: false` (sharing no members with the model team) on the gate into "
    "production.",
    options={"tier": None},
)
def high_tier_needs_independent_approval(
    doc: Sop, graph: SopGraph, options: Mapping[str, Any]
) -> Iterator[Finding]:
    tier = options.get("tier") or doc.tiers[-1]
    independent = independent_roles(doc)
    team_text = ", ".join(sorted(model_team_roles(doc))) or "none declared"
    for gate_id in production_gates(doc, graph):
        gate = doc.node(gate_id)
        rules = [r for r in gate.approval.rules if r.tiers is None or tier in r.tiers]
        # Under "any", one satisfied rule promotes: every rule must then be independent.
        test = all if gate.approval.mode == "any" else any
        if rules and test(r.role in independent for r in rules):
            continue
        yield Finding(
            f"gate {gate.name!r} into production can promote tier {tier!r} candidates without "
            f"an approval by a role declared independent of the model team (model team: "
            f"{team_text})",
            (gate_id,),
        )


@rule(
    "role-independence-declared",
    "risk",
    "warning",
    "Every role that approves a gate into production declares `model_team` (true: it "
    "belongs to the team that builds the model; false: it is independent of it).",
    "Set the role's `model_team` to true or false (in the designer: the Roles table of the "
    "document panel).",
)
def role_independence_declared(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    approving = {
        r.role for gate_id in production_gates(doc, graph) for r in doc.node(gate_id).approval.rules
    }
    for role in doc.roles:
        if role.id in approving and role.model_team is None:
            yield Finding(
                f"role {role.name!r} approves a gate into production but does not declare "
                "whether it belongs to the team that builds the model, so it never counts "
                "as independent",
                (role.id,),
            )
