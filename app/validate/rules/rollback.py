"""Rollback rules: production is watched, every runbook is one timed chain to a safe target."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from app.model.graph import SopGraph
from app.validate.registry import Finding, rule
from app.validate.rules.structure import production_stages

if TYPE_CHECKING:
    from app.model.document import Sop


@rule(
    "production-has-rollback",
    "rollback",
    "error",
    "Every final production stage is watched by at least one trigger that starts a rollback.",
    "Add a trigger (e.g. accuracy drop) with a monitor edge from the stage and a runbook.",
)
def production_has_rollback(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    for stage_id in production_stages(doc):
        if graph.out_edges(stage_id, "promote"):
            continue
        triggers = [
            t for _e, t in graph.out_edges(stage_id, "monitor") if graph.kind(t) == "trigger"
        ]
        if not triggers:
            yield Finding(
                f"production stage {doc.node(stage_id).name!r} is not monitored by any trigger, "
                "so nothing starts a rollback",
                (stage_id,),
            )


@rule(
    "rollback-target-upstream",
    "rollback",
    "error",
    "A rollback targets the monitored stage (the previous stable version) or an earlier stage.",
    "End the runbook on the monitored stage (redeploy the previous version) or an earlier one.",
)
def rollback_target_upstream(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    for trigger_id, book in graph.runbooks.items():
        watched = graph.monitored_by.get(trigger_id, [])
        if book.target is None or not watched:
            continue
        if not any(
            book.target == stage or graph.is_upstream(book.target, stage) for stage in watched
        ):
            yield Finding(
                f"trigger {doc.node(trigger_id).name!r} rolls back to "
                f"{doc.node(book.target).name!r}, which is not the monitored stage or before it",
                (trigger_id, book.target),
            )


@rule(
    "runbook-ordered",
    "rollback",
    "error",
    "From each trigger, actions form one ordered chain that ends in a check, then the target.",
    "Chain the actions with next edges, one after the other, and end with a check "
    "connected to the target stage.",
)
def runbook_ordered(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    for trigger_id, book in graph.runbooks.items():
        if book.problem:
            yield Finding(
                f"the runbook of trigger {doc.node(trigger_id).name!r} {book.problem}",
                book.culprits,
                path=(trigger_id, *book.steps),
                fix=book.fix or None,
            )


@rule(
    "action-has-role",
    "rollback",
    "error",
    "Every runbook action names the role that carries it out.",
    "Choose the role responsible for this step in the inspector.",
)
def action_has_role(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    for action in doc.nodes_of_kind("action"):
        if action.role is None:
            yield Finding(f"action {action.name!r} has no responsible role", (action.id,))


@rule(
    "rollback-within-sla",
    "rollback",
    "error",
    "The expected minutes of a runbook's actions add up to no more than its trigger's SLA.",
    "Shorten the steps, run fewer, or agree a longer SLA (max minutes) for the trigger.",
)
def rollback_within_sla(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    for trigger_id, book in graph.runbooks.items():
        trigger = doc.node(trigger_id)
        if trigger.max_minutes is None:
            continue
        actions = [doc.node(step) for step in book.steps if graph.kind(step) == "action"]
        total = sum(action.minutes for action in actions)
        if total > trigger.max_minutes:
            yield Finding(
                f"the runbook of {trigger.name!r} takes {total:g} minutes, over its SLA of "
                f"{trigger.max_minutes:g}",
                (trigger_id, *(a.id for a in actions)),
            )
