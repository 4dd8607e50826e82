"""The PDF's operational sections: rollback runbooks, drills, recorded figures."""

from __future__ import annotations

from typing import Any

from reportlab.platypus import CondPageBreak, Flowable, Spacer

from app.model.document import Sop
from app.spec.restore_plan import restore_steps
from exporters import content, operations
from exporters.context import ExportContext
from exporters.pdf_layout import Heading
from exporters.pdf_sections import SECTION_ROOM, criteria_table, facts, grid
from exporters.pdf_style import DRAFT, para, styles
from exporters.rollback_order import REGISTRY_ROLLBACK, people_before


def runbook_section(doc: Sop, width: float) -> list[Flowable]:
    s = styles()
    out: list[Flowable] = [Heading("Rollback runbooks", s.h1)]
    books = content.runbooks(doc)
    if not books:
        out.append(para("No trigger watches any stage: the SOP has no rollback runbook.", s.body))
    for book in books:
        trigger = book.trigger
        out += [
            CondPageBreak(SECTION_ROOM),
            Heading(f"Runbook: {content.one_line(trigger.name)}", s.h2, level=1),
        ]
        if trigger.description:
            out.append(para(trigger.description, s.lead))
        if book.problem:
            warning = s.body.clone("warning", textColor=DRAFT)
            out.append(para(f"Incomplete runbook: {book.problem}.", warning))
        rows = [
            ("Watches", content.names(doc, book.stages, "no stage (no monitor edge)")),
            ("Trigger condition", content.trigger_condition(doc, trigger)),
            ("Missing data", content.missing_words(trigger)),
            ("Target", book.target_words(doc)),
            ("SLA", book.sla_words()),
        ]
        out += [facts(rows, width), Spacer(1, 5)]
        out += _restores(doc, trigger, width)
        after = book.after_checks
        numbered = list(enumerate(book.actions, start=1))
        out += _actions([(i, a) for i, a in numbered if a not in after], doc, width, book.actions)
        for check in book.checks:
            out.append(Heading(f"Check: {content.one_line(check.name)}", s.h3, level=2, toc=False))
            if check.description:
                out.append(para(check.description, s.small.clone("note", keepWithNext=1)))
            out.append(criteria_table(doc, check.criteria, width))
        if after:
            out.append(Heading("After verification", s.h3, level=2, toc=False))
            out.append(
                para(
                    "Once the checks confirm the system is stable: review and document "
                    "what was learned.",
                    s.small.clone("note", keepWithNext=1),
                )
            )
            out += _actions([(i, a) for i, a in numbered if a in after], doc, width, book.actions)
    return out


def _restores(doc: Sop, trigger: Any, width: float) -> list[Flowable]:
    """What the rollback puts back, in order, with where each safe version is found."""
    s = styles()
    steps = restore_steps(doc.components, trigger.restores)
    if not steps:
        return [para("Restores: no component named.", s.small), Spacer(1, 4)]
    rows = [
        [
            str(step.number),
            step.name,
            step.kind,
            content.role_name(doc, step.owner),
            step.where,
        ]
        for step in steps
    ]
    return [
        Heading("Restores, in order (dependencies first)", s.h3, level=2, toc=False),
        grid(
            ["#", "Component", "Kind", "Owner", "Safe version"],
            rows,
            [0.05, 0.27, 0.15, 0.18, 0.35],
            width,
        ),
        Spacer(1, 5),
    ]


AUTOMATED = (
    "Automated: the pipeline's rollback job runs the registry rollback (gatewright rollback)."
)
"""Said of a step marked ``automation: registry-rollback`` (the maturity assessment counts it)."""


WAITS = (
    "It waits for the steps before it: the pipeline holds the move until each of them is "
    "released in order, each by its own role ({roles}): an approval environment per step "
    "on GitHub, a manual job per step on GitLab, a suspended step per step on Argo."
)
"""Said of a marked step that people's steps come before (rollback_order.people_before)."""


def _details(action: Any, doc: Sop, before: list[Any]) -> str:
    if action.automation != REGISTRY_ROLLBACK:
        return str(action.description)
    people = people_before(before, len(before))
    waits = WAITS.format(roles=", ".join(content.role_name(doc, r) for r in people))
    return " ".join(
        part for part in (AUTOMATED, waits if people else "", action.description) if part
    )


def _actions(
    numbered: list[tuple[int, Any]], doc: Sop, width: float, book: list[Any] | None = None
) -> list[Flowable]:
    """The rows of ``numbered``; ``book``: every action of the runbook, in order (a marked
    step says whom the pipeline waits for: the people of the steps before it)."""
    book = book if book is not None else [a for _i, a in numbered]
    rows = [
        [
            str(i),
            a.name,
            content.role_name(doc, a.role),
            content.minutes(a.minutes),
            _details(a, doc, book[: book.index(a)]),
        ]
        for i, a in numbered
    ]
    if not rows:
        return []
    return [
        grid(
            ["#", "Action", "Role", "Minutes", "Details"], rows, [0.05, 0.27, 0.2, 0.1, 0.38], width
        )
    ]


def drill_section(doc: Sop, width: float) -> list[Flowable]:
    s = styles()
    out: list[Flowable] = [
        Heading("Drill checklist for trainers", s.h1),
        para(operations.DRILL_INTRO, s.body),
    ]
    books = content.runbooks(doc)
    if not books:
        out.append(para("No triggers: there is nothing to drill yet.", s.body))
    for book in books:
        out.append(Heading(f"Drill: {content.one_line(book.trigger.name)}", s.h2, level=1))
        rows = [[item, text, "☐"] for item, text in operations.drill_steps(doc, book)]
        out.append(
            grid(
                ["Step", "What happens / expected answer", "Done"], rows, [0.18, 0.74, 0.08], width
            )
        )
    return out


def figures_section(context: ExportContext, width: float) -> list[Flowable]:
    s = styles()
    out: list[Flowable] = [Heading("Simulation and drill results", s.h1)]
    rows = operations.figure_rows(context.figures)
    if not rows:
        out.append(para("No simulation or drill results recorded in the workspace yet.", s.body))
        return out
    out.append(para("The latest figures recorded in the workspace.", s.body))
    out.append(grid(["Figure", "Value"], [list(r) for r in rows], [0.5, 0.5], width))
    return out
