"""A drill's answer key, its warnings, and which SOPs it applies to (for trainers)."""

from __future__ import annotations

from typing import Any

from app.simulate.drill import DrillError, DrillScenario, DrillSession, graded, perfect_answers
from app.simulate.drill_file import reported_metrics
from app.simulate.drill_result import GradeError
from app.spec.schema import GateSpec

SLA_MARGIN = 0.8
"""A perfect run should recover within this share of the SLA, so one slip is not a miss."""


def perfect_minutes(session: DrillSession) -> float:
    plan = session.plan
    return session.scenario.minutes_to_notice + (
        sum(a.minutes for a in plan.actions) if plan else 0
    )


def drill_warnings(session: DrillSession, sop_id: str | None = None) -> list[str]:
    """What a trainer should know before running the drill on this SOP."""
    scenario, spec = session.scenario, session.spec
    found = []
    if scenario.expect is None:
        computed = "incident" if session.plan else "false-alarm"
        found.append(
            f"$.expect: the drill does not declare what it is; this SOP computes "
            f'{computed!r} (add "expect": "{computed}" so a change is caught)'
        )
    if sop_id and scenario.sop and scenario.sop != sop_id:
        found.append(f"$.sop: the drill was written for template {scenario.sop!r}, not {sop_id!r}")
    reported = reported_metrics(scenario.telemetry)
    for policy in spec.policies_for(scenario.stage):
        for trigger in policy.triggers:
            if trigger.metric not in reported:
                found.append(
                    f"trigger {trigger.id!r} watches {trigger.metric!r}, which the drill's "
                    "telemetry never reports: it is not part of this drill"
                )
    if not scenario.lesson_hint:
        found.append("$.lesson_hint: no model lesson; the debrief has none to show")
    plan = session.plan
    if plan is not None and plan.max_minutes is not None:
        perfect = perfect_minutes(session)
        if perfect > plan.max_minutes * SLA_MARGIN:
            found.append(
                f"a perfect run recovers in {perfect:g} minutes against the SLA of "
                f"{plan.max_minutes:g} ({plan.id!r}): less than {1 - SLA_MARGIN:.0%} margin, "
                "so one slip misses it"
            )
    return found


def key_lines(session: DrillSession) -> list[str]:
    """The answer key as a trainer reads it: each step, the right answer as shown, why."""
    answers = perfect_answers(session)
    plan = session.plan
    lines = [
        f"Answer key: {session.scenario.title} ({session.scenario.id})",
        "Expected: "
        + (
            f"an incident: {', '.join(session.verdict.fired)} fires; policy {plan.id!r}"
            + (f", SLA {plan.max_minutes:g} min" if plan and plan.max_minutes else "")
            if plan
            else "a false alarm: no trigger fires"
        ),
    ]
    for evidence in session.evidence.values():
        if evidence.breached or evidence.missing:
            lines.append(f"  evidence: {evidence.sentence()}")
    for step in session.steps:
        wanted = answers[step.key]
        if step.kind == "text":
            shown = session.scenario.lesson_hint or "(no model lesson)"
            lines.append(f"{step.key:<10} graded by the trainer; model lesson: {shown}")
            continue
        ids = wanted if isinstance(wanted, list) else [wanted]
        shown = "; ".join(session.label(step, i) for i in ids)
        marks = f"{step.points:g} pt" + (", critical" if step.critical else "")
        lines.append(f"{step.key:<10} {shown}  [{', '.join(ids)}] ({marks})")
    if plan is not None:
        if restored := session.restore_lines():
            lines += ["Restores, in order:", *(f"  {line}" for line in restored)]
        lines.append(f"Perfect recovery: {perfect_minutes(session):g} min")
    return lines


def fit(spec: GateSpec, scenario: DrillScenario) -> str | None:
    """None when the drill runs on ``spec``, else why not (one sentence)."""
    try:
        DrillSession(spec, scenario)
    except DrillError as error:
        return str(error)
    return None


def applicable_templates(scenario: DrillScenario, specs: dict[str, GateSpec]) -> list[str]:
    """The template ids (keys of ``specs``) the drill runs on."""
    return [sop for sop, spec in specs.items() if fit(spec, scenario) is None]


def key_json(session: DrillSession) -> dict[str, Any]:
    """The answer key as an answers file (``gatewright drill --answers`` reads it)."""
    return perfect_answers(session)


def apply_grades(drills: list[dict[str, Any]], grades: dict[int, dict[str, Any]]) -> None:
    """Each recorded drill's score with its lesson's latest grade (in place); ``grades``
    as ``app.store.drill_grades.lesson_grades`` gives them."""
    for drill in drills:
        grade = grades.get(drill["id"])
        if grade and isinstance(drill.get("score"), dict):
            try:
                drill["score"] = graded(drill["score"], grade["lesson"], grade["note"], grade["by"])
            except GradeError:
                continue  # a grade this build does not know is left out
