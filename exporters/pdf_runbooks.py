"""The PDF's operational sections: rollback runbooks, drills, recorded figures."""

from __future__ import annotations

from reportlab.platypus import CondPageBreak, Flowable, Spacer

from app.model.document import Sop
from exporters import content, operations
from exporters.context import ExportContext
from exporters.pdf_layout import Heading
from exporters.pdf_sections import SECTION_ROOM, criteria_table, facts, grid
from exporters.pdf_style import DRAFT, para, styles


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
        actions = [
            [
                str(i),
                a.name,
                content.role_name(doc, a.role),
                content.minutes(a.minutes),
                a.description,
            ]
            for i, a in enumerate(book.actions, start=1)
        ]
        if actions:
            out.append(
                grid(
                    ["#", "Action", "Role", "Minutes", "Details"],
                    actions,
                    [0.05, 0.27, 0.2, 0.1, 0.38],
                    width,
                )
            )
        for check in book.checks:
            out.append(Heading(f"Check: {content.one_line(check.name)}", s.h3, level=2, toc=False))
            if check.description:
                out.append(para(check.description, s.small.clone("note", keepWithNext=1)))
            out.append(criteria_table(doc, check.criteria, width))
    return out


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
