"""Risk rules: the strictest tier gets an approval independent of the team that submits."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from app.model.graph import SopGraph
from app.validate.registry import Finding, rule
from app.validate.rules.structure import production_stages

if TYPE_CHECKING:
    from app.model.document import Sop

# Roles that usually submit models, when the lint config does not name them.
_SUBMITTER_HINT = re.compile(
    r"data[- ]?scien|machine[- ]learning|\bml\b|\bml[- ]|model[- ]dev|develop", re.IGNORECASE
)


def submitter_roles(doc: Sop, options: Mapping[str, Any]) -> set[str]:
    configured = options.get("submitter_roles")
    if configured is not None:
        return set(configured)
    return {r.id for r in doc.roles if _SUBMITTER_HINT.search(f"{r.id} {r.name}")}


@rule(
    "high-tier-needs-independent-approval",
    "risk",
    "error",
    "For the strictest risk tier, every gate into production needs an approval from a role "
    "independent of the submitting team.",
    "Add an approval rule for a risk, compliance or security role (sharing no members with "
    "the submitting team) on the gate into production.",
    options={"submitter_roles": None, "tier": None},
)
def high_tier_needs_independent_approval(
    doc: Sop, graph: SopGraph, options: Mapping[str, Any]
) -> Iterator[Finding]:
    tier = options.get("tier") or doc.tiers[-1]
    team = submitter_roles(doc, options)
    team_members = {m for r in doc.roles if r.id in team for m in r.members}
    independent = {
        r.id for r in doc.roles if r.id not in team and not team_members & set(r.members)
    }
    production = set(production_stages(doc))
    gates = sorted(
        {
            source
            for stage in production
            for _e, source in graph.in_edges(stage, "promote")
            if graph.kind(source) == "gate"
        },
        key=doc.node_position,
    )
    team_text = ", ".join(sorted(team)) or "none identified"
    for gate_id in gates:
        gate = doc.node(gate_id)
        rules = [r for r in gate.approval.rules if r.tiers is None or tier in r.tiers]
        # Under "any", one satisfied rule promotes: every rule must then be independent.
        test = all if gate.approval.mode == "any" else any
        if rules and test(r.role in independent for r in rules):
            continue
        yield Finding(
            f"gate {gate.name!r} into production can promote tier {tier!r} candidates without "
            f"an approval independent of the submitting team (team roles: {team_text})",
            (gate_id,),
        )
