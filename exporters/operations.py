"""Who does what and how it is rehearsed: the RACI matrix, drill checklists, workspace records.

Plain, unescaped text like ``exporters.content``; the PDF and Markdown exporters escape it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from app.model.document import Sop
from app.spec.restore_plan import restore_steps
from exporters.content import (
    RunbookView,
    criterion_sentence,
    linked,
    metric_name,
    minutes,
    names,
    number,
    one_line,
    promote_order,
    role_name,
    runbooks,
    trigger_condition,
)

# -- RACI ----------------------------------------------------------------------------------

RACI_LEGEND = (
    (
        "A",
        "Accountable: the one role that answers for the activity (for a gate, its approval "
        "rule for every tier; for a runbook action, the accountable approver of the stage "
        "it restores); it may also carry the activity out.",
    ),
    (
        "R",
        "Responsible: approves the gate too (a tier in brackets limits it to that tier), or "
        "carries out the runbook action.",
    ),
    (
        "C",
        "Consulted: for a gate, acts in a runbook watching the stage it promotes to; "
        "for an action, acts elsewhere in the same runbook or approved the stage it restores.",
    ),
    ("I", "Informed: every other role hears of the decision or the rollback."),
)


@dataclass
class RaciRow:
    kind: str
    activity: str
    marks: dict[str, str]


@dataclass
class Raci:
    roles: list[tuple[str, str]]
    """``(role id, role name)`` columns, unknown role ids included."""
    rows: list[RaciRow]


def raci(doc: Sop) -> Raci:
    roles = [(r.id, one_line(r.name)) for r in doc.roles]
    known = {r.id for r in doc.roles}
    for node in doc.nodes:
        role_id = getattr(node, "role", None)
        rules = getattr(getattr(node, "approval", None), "rules", [])
        for rid in [role_id, *(r.role for r in rules)]:
            if rid and rid not in known:
                known.add(rid)
                roles.append((rid, f"{rid} (unknown role)"))
    books = runbooks(doc)
    acting_on: dict[str, set[str]] = defaultdict(set)
    for book in books:
        for stage in book.stages:
            acting_on[stage] |= {a.role for a in book.actions if a.role}
    approving_into: dict[str, set[str]] = defaultdict(set)
    accountable_for: dict[str, str] = {}
    rows: list[RaciRow] = []
    gates = [doc.node(n) for n in promote_order(doc) if doc.node(n).kind == "gate"]
    for gate in gates:
        marks = {rid: "I" for rid, _ in roles}
        targets = linked(doc, gate.id, "promote")
        for target in targets:
            for rid in acting_on.get(target, set()):
                marks[rid] = "C"
        rules = gate.approval.rules
        for rule in rules:
            tier = f" ({', '.join(rule.tiers)})" if rule.tiers is not None else ""
            marks[rule.role] = "R" + tier if marks.get(rule.role, "")[:1] != "R" else "R"
            for target in targets:
                approving_into[target].add(rule.role)
        # Exactly one A: the rule every tier needs, else the first; an automated gate's
        # accountable is the SOP's first role (the owner of the procedure).
        owner = next((r.role for r in rules if r.tiers is None), rules[0].role if rules else None)
        owner = owner or (roles[0][0] if roles else None)
        if owner is not None:
            marks[owner] = "A"
            for target in targets:
                accountable_for.setdefault(target, owner)
        rows.append(RaciRow("gate", one_line(gate.name), marks))
    for book in books:
        others = {a.role for a in book.actions if a.role}
        for stage in book.stages:
            others |= approving_into.get(stage, set())
        owner = next((accountable_for[s] for s in book.stages if s in accountable_for), None)
        owner = owner or next((a.role for a in book.actions if a.role), None)
        for action in book.actions:
            marks = {rid: ("C" if rid in others else "I") for rid, _ in roles}
            if action.role:
                marks[action.role] = "R"
            if owner is not None:
                marks[owner] = "A"
            activity = f"{one_line(action.name)} ({one_line(book.trigger.name)})"
            rows.append(RaciRow("action", activity, marks))
    return Raci(roles, rows)


# -- drills --------------------------------------------------------------------------------


DRILL_INTRO = (
    "Rollback procedures are reviewed and tested regularly through drills, so that new team "
    "members learn safe recovery before they manage live systems and everyone knows exactly "
    "how to revert under time pressure. Each drill rehearses one trigger: inject its "
    "condition, let the trainee identify it and work the runbook, compare with the expected "
    "answers below, then debrief and update the SOP where a step was unclear."
)


def breaching_value(doc: Sop, trigger: Any) -> str:
    """A value that satisfies the trigger's bad-state condition, inside the metric's range."""
    value, op = trigger.value, trigger.op
    step = abs(value) * 0.1 or 1.0  # just past the threshold, as a real drift would be
    metric = doc.metric(trigger.metric)
    if op in (">", ">="):
        sample = value + step
        if metric and metric.max is not None:
            sample = min(sample, metric.max) if metric.max > value else value
    elif op in ("<", "<="):
        sample = value - step
        if metric and metric.min is not None:
            sample = max(sample, metric.min) if metric.min < value else value
    elif op == "!=":
        sample = value + step
    else:
        sample = value
    return number(round(sample, 6))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def drill_steps(doc: Sop, book: RunbookView) -> list[tuple[str, str]]:
    """What a trainer sets up and what the trainee must do, from source 002's drill advice."""
    trigger = book.trigger
    stage = names(doc, book.stages, "the monitored stage (none is linked)")
    windows = trigger.for_windows
    actions = "; ".join(
        f"{i}. {one_line(a.name)} ({role_name(doc, a.role)}, {minutes(a.minutes)})"
        for i, a in enumerate(book.actions, start=1)
    )
    checks = "; ".join(criterion_sentence(doc, c) for k in book.checks for c in k.criteria)
    sla = trigger.max_minutes
    calm = (
        f"{windows - 1} breached window(s) then a healthy one: the trainee must NOT roll back"
        if windows > 1
        else "one window just inside the threshold: the trainee must NOT roll back"
    )
    return [
        (
            "Inject",
            f"On {stage}: {trigger.metric} = {breaching_value(doc, trigger)} in "
            f"{windows} consecutive telemetry window(s) ({trigger_condition(doc, trigger)}).",
        ),
        (
            "Trainee identifies",
            f"The trigger “{one_line(trigger.name)}”, the stage it watches ({stage}), the "
            f"breached metric {metric_name(doc, trigger.metric)} and the window count.",
        ),
        ("Expected decision", "Roll back (the monitor decision is rollback), without delay."),
        ("Target", _sentence(book.target_words(doc))),
        (
            "Restore order",
            "; ".join(step.line() for step in restore_steps(doc.components, trigger.restores))
            or "Nothing named: list on the trigger what its rollback restores.",
        ),
        ("Action order", actions or "No actions: the runbook has none yet."),
        ("Checks", checks or "No check criteria: add a check to the runbook."),
        (
            "Timebox",
            f"{minutes(sla)} (the SLA)" if sla else "No SLA set: agree one before the drill.",
        ),
        ("Control run", f"Inject {calm}."),
        (
            "Debrief",
            "Record the time taken, steps done out of order or skipped, and lessons learned; "
            "update the SOP where a step was unclear.",
        ),
    ]


# -- workspace records ---------------------------------------------------------------------


def figure_rows(figures: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Simulation and drill figures flattened to ``(key, value)`` rows; a nested key reads
    after its group's (``Latest simulation: scenario``)."""
    rows: list[tuple[str, str]] = []
    for key, value in figures.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            rows.extend(figure_rows(value, f"{name}: "))
        elif isinstance(value, int | float | bool):
            rows.append((one_line(name), number(value)))
        elif isinstance(value, str):
            rows.append((one_line(name), one_line(value)))
        else:
            rows.append((one_line(name), one_line(json.dumps(value, ensure_ascii=False))))
    return rows


def revision_rows(doc: Sop, revisions: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """``(version, date, author, message)`` per revision, or the current version alone."""
    if not revisions:
        return [(doc.version, "—", one_line(doc.owner) or "—", "Current version")]
    return [
        tuple(  # type: ignore[misc]
            one_line(str(r.get(key) if r.get(key) is not None else "—"))
            for key in ("version", "date", "author", "message")
        )
        for r in revisions
    ]
