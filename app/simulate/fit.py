"""Does a scenario fit the SOP it runs against? Names it uses that the spec does not know.

A scenario written for one SOP and run against another (or with a typo) silently does
nothing where it names an unknown gate, role, stage, metric or action: metrics drawn for a
gate that does not exist, a fault that never strikes. These warnings say so.
"""

from __future__ import annotations

from app.simulate.scenario import Scenario
from app.spec.schema import GateSpec


def scenario_warnings(spec: GateSpec, scenario: Scenario) -> list[str]:
    """One sentence per name in ``scenario`` that ``spec`` has no use for, with its place."""
    gates = {gate.id for gate in spec.gates}
    roles = {role.id for role in spec.roles}
    stages = {stage.id for stage in spec.stages}
    actions = {action.id for policy in spec.rollback for action in policy.actions}
    watched = {trigger.metric for policy in spec.rollback for trigger in policy.triggers}
    warnings = []

    def unknown(place: str, name: str, kind: str, known: set[str]) -> None:
        choices = ", ".join(sorted(known)) or "none"
        warnings.append(f"{place} names {kind} {name!r}, which the SOP does not have ({choices})")

    for gate in scenario.candidates.stage_metrics:
        if gate not in gates:
            unknown(f"candidates.stage_metrics.{gate}", gate, "gate", gates)
    for role in scenario.approvers:
        if role not in roles:
            unknown(f"approvers.{role}", role, "role", roles)
    for action in scenario.action_overrides:
        if action not in actions:
            unknown(f"action_overrides.{action}", action, "rollback action", actions)
    for index, fault in enumerate(scenario.telemetry.faults):
        place = f"telemetry.faults[{index}]"
        if fault.stage is not None and fault.stage not in stages:
            unknown(f"{place}.stage", fault.stage, "stage", stages)
        if fault.metric not in watched:
            unknown(f"{place}.metric", fault.metric, "watched metric", watched)
    return warnings
