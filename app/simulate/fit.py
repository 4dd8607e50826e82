"""Does a scenario fit the SOP it runs against? Names it uses that the spec does not know.

A scenario written for one SOP and run against another (or with a typo) silently does
nothing where it names something the SOP does not have or never reads: a tier, a gate, a
metric, check or artifact no criterion reads, a role, a stage, a rollback action; metrics
drawn for nothing, a fault that never strikes. These warnings say so.
"""

from __future__ import annotations

from app.simulate.engine import watched_stages
from app.simulate.scenario import Scenario
from app.simulate.submission import reads
from app.spec.schema import GateSpec


def scenario_warnings(spec: GateSpec, scenario: Scenario) -> list[str]:
    """One sentence per name in ``scenario`` that ``spec`` has no use for, with its place."""
    gates = {gate.id for gate in spec.gates}
    roles = {role.id for role in spec.roles}
    stages = {stage.id for stage in spec.stages}
    actions = {action.id for policy in spec.rollback for action in policy.actions}
    at_gates = reads([c for gate in spec.gates for c in gate.criteria])
    after_rollback = reads([c for policy in spec.rollback for c in policy.checks])
    watched = {trigger.metric for policy in spec.rollback for trigger in policy.triggers}
    watched_on_path = watched_stages(spec)
    warnings = []

    def unknown(place: str, name: str, kind: str, known: set[str]) -> None:
        choices = ", ".join(sorted(known)) or "none"
        article = "an" if kind[0] in "aeiou" else "a"
        warnings.append(f"{place}: {name!r} is not {article} {kind} of this SOP ({choices})")

    people = scenario.candidates
    for tier in people.tiers:
        if tier not in spec.tiers:
            unknown(f"candidates.tiers.{tier}", tier, "tier", set(spec.tiers))
    checks = at_gates["check"] | after_rollback["check"]
    artifacts = at_gates["artifact"] | after_rollback["artifact"]
    for section, kind, names, read in (
        ("metrics", "metric", people.metrics, at_gates["metric"]),
        ("missing", "metric", people.missing, at_gates["metric"]),
        ("baseline", "metric", people.baseline, at_gates["metric"]),
        ("checks", "check", people.checks, checks),
        ("artifacts", "artifact", people.artifacts, artifacts),
    ):
        for name in names:
            if name not in read:
                unknown(f"candidates.{section}.{name}", name, f"{kind} read by a criterion", read)
    for gate, metrics in people.stage_metrics.items():
        if gate not in gates:
            unknown(f"candidates.stage_metrics.{gate}", gate, "gate", gates)
            continue
        read = reads(spec.gate(gate).criteria)["metric"]  # type: ignore[union-attr]
        for name in metrics:
            if name not in read:
                place = f"candidates.stage_metrics.{gate}.{name}"
                unknown(place, name, f"metric read at {gate}", read)
    for role in scenario.approvers:
        if role not in roles:
            unknown(f"approvers.{role}", role, "role", roles)
    telemetry_read = watched | after_rollback["metric"]
    for name in scenario.telemetry.metrics:
        if name not in telemetry_read:
            unknown(f"telemetry.metrics.{name}", name, "watched metric", telemetry_read)
    for index, fault in enumerate(scenario.telemetry.faults):
        place = f"telemetry.faults[{index}]"
        if fault.stage is not None and fault.stage not in stages:
            unknown(f"{place}.stage", fault.stage, "stage", stages)
        elif fault.stage is not None and fault.stage not in watched_on_path:
            # A real stage, but no trigger watches it on the promote path: it never strikes.
            unknown(f"{place}.stage", fault.stage, "watched stage", watched_on_path)
        if fault.metric not in watched:
            unknown(f"{place}.metric", fault.metric, "watched metric", watched)
    for action in scenario.action_overrides:
        if action not in actions:
            unknown(f"action_overrides.{action}", action, "rollback action", actions)
    return warnings


def written_for_another(scenario: Scenario, sop_id: str, warnings: list[str]) -> str | None:
    """When ``warnings`` come from running a scenario written for another SOP, what says
    so at once ("written for the SOP ... not ..."), before any of them; else None."""
    if scenario.sop in (None, sop_id) or not warnings:
        return None
    return (
        f"written for the SOP {scenario.sop!r} (its sop field), not {sop_id!r}: "
        f"{len(warnings)} of its names do not fit this one"
    )
