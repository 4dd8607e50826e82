"""The PDF's sections about the SOP itself: title page, scope, stages, gates, RACI, sign-off."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import CondPageBreak, Flowable, PageBreak, Spacer, Table

from app.model.document import Sop
from exporters import content, operations
from exporters.content import shorten
from exporters.context import ExportContext
from exporters.pdf_layout import Heading, table_of_contents
from exporters.pdf_style import (
    SopTable,
    cell,
    facts_style,
    para,
    styles,
    table_style,
    word_fitted,
)

Cell = str | Flowable
HEADER_CHARS = 80
"""A header cell shows at most this many characters: a header row repeats on every page
and cannot split, so a 2,000-character role name heading a RACI column would not fit a
page (the Roles table shows the name in full)."""
SECTION_ROOM = 150
"""A gate or runbook starts on a new page when less than this (points) is left."""


def fitted_cell(text: str, style: ParagraphStyle, width: float) -> Cell:
    """A cell whose words are never broken: one too long for the column is set smaller
    (header names, RACI marks such as "A (medium, high)")."""
    fitted = word_fitted(text, style, width)
    return cell(text, style, width) if fitted is style else para(text, fitted)


def grid(
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    fractions: Sequence[float],
    width: float,
    row_height: float | None = None,
) -> Table:
    """A table of escaped text cells (wrapping paragraphs where a line is not enough)."""
    s = styles()
    widths = [width * f for f in fractions]
    data: list[list[Cell]] = [
        [
            fitted_cell(shorten(h, HEADER_CHARS), s.head, w)
            for h, w in zip(header, widths, strict=True)
        ]
    ]
    for row in rows:
        data.append(
            [
                # Words (ids such as demographic-parity-gap) never break: a cell whose
                # longest word is wider than its column is set smaller.
                fitted_cell(c, s.cell, w) if isinstance(c, str) else c
                for c, w in zip(row, widths, strict=True)
            ]
        )
    heights = None if row_height is None else [None, *([row_height] * len(rows))]
    table = SopTable(data, colWidths=widths, rowHeights=heights, repeatRows=1, hAlign="LEFT")
    table.setStyle(table_style(rows=len(data)))
    return table


def facts(rows: Sequence[tuple[str, str]], width: float, key: float = 0.24) -> Table:
    """A two-column key/value table without a header row."""
    s = styles()
    widths = [width * key, width * (1 - key)]
    data = [[cell(k, s.key, widths[0]), cell(v, s.cell, widths[1])] for k, v in rows]
    table = SopTable(data, colWidths=widths, hAlign="LEFT")
    table.setStyle(facts_style())
    return table


def exceptions_block(context: ExportContext, width: float) -> list[Flowable]:
    """The cover's "Exceptions": every relaxation, suppression and justification in force."""
    s = styles()
    out: list[Flowable] = [para("Exceptions", s.h2)]
    if not context.exceptions:
        out.append(para("None: every rule applies at its default severity.", s.body))
        return out
    rows: list[list[Cell]] = [
        [
            e.get("kind", ""),
            e.get("rule", "") + (f" on {e['element']}" if e.get("element") else ""),
            e.get("source", ""),
            "; ".join(x for x in (e.get("setting", ""), e.get("reason", "")) if x),
        ]
        for e in context.exceptions
    ]
    out.append(
        grid(
            ["Kind", "Rule", "Granted by", "Setting and reason"],
            rows,
            [0.16, 0.3, 0.2, 0.34],
            width,
        )
    )
    return out


def title_page(doc: Sop, context: ExportContext, width: float) -> list[Flowable]:
    from exporters.pdf_control import control_rows  # it builds its tables with grid()

    s = styles()
    source, digest = context.digests()
    errors = len(context.errors)
    status = "Valid: compiled into the gate specification below"
    if context.draft:
        plural = "s" if errors != 1 else ""
        status = f"DRAFT: NOT VALID ({errors} validation error{plural}); not for approval or use"
    elif context.spec is None:
        status = "Not compiled: no gate specification was supplied with this export"
    level = context.level_words()
    rows = [
        ("Identifier", doc.id),
        ("Risk tiers", " → ".join(doc.tiers) + " (least strict first)"),
        ("Validation", status),
        ("Source digest", source),
        ("Spec digest", digest),
        ("Maturity level", level),
        ("Policy", context.policy or "none found: no organisation policy governed this export"),
    ]
    # The contents open a fresh page, so the heading cannot be stranded; keeping it with
    # them would lay out every entry twice (once whole, to see whether they fit).
    contents_heading = Heading("Contents", s.h1, toc=False)
    contents_heading.keepWithNext = 0
    return [
        Spacer(1, 60),
        para("Standard operating procedure", s.subtitle),
        para(doc.title, s.title),
        Spacer(1, 12),
        para("Document control", s.h2),
        facts(control_rows(doc), width),
        Spacer(1, 8),
        facts(rows, width),
        Spacer(1, 8),
        *exceptions_block(context, width),
        Spacer(1, 12),
        para(
            "This document is generated from the SOP file. The spec digest identifies the "
            "exact gate specification that pipelines run; the source digest identifies the "
            "SOP file it was compiled from. A change to either means a new version of this "
            "document.",
            s.small,
        ),
        PageBreak(),
        contents_heading,
        table_of_contents(),
        PageBreak(),
    ]


def purpose(doc: Sop, width: float) -> list[Flowable]:
    s = styles()
    out: list[Flowable] = [Heading("Purpose and scope", s.h1)]
    out.append(para(doc.description or "No description has been written yet.", s.body))
    out.append(Heading("Roles", s.h2, level=1))
    role_rows = [
        [r.name, ", ".join(r.members) or "no members listed", r.description] for r in doc.roles
    ]
    if role_rows:
        out.append(grid(["Role", "Members", "Responsibility"], role_rows, [0.25, 0.3, 0.45], width))
    else:
        out.append(para("No roles are defined.", s.body))
    out.append(Heading("Metrics", s.h2, level=1))
    metric_rows = content.metric_rows(doc)
    if metric_rows:
        out.append(
            grid(
                content.METRIC_HEADER,
                metric_rows,
                [0.22, 0.28, 0.12, 0.18, 0.2],
                width,
            )
        )
    else:
        out.append(para("No metrics are catalogued.", s.body))
    source_rows = content.source_rows(doc)
    if source_rows:
        out.append(Spacer(1, 8))
        out.append(para("Where metrics are read", s.h3))
        out.append(
            para(
                "Pipelines collect gate evidence from the MLflow run "
                "of the model version (gatewright evidence collect --mlflow-model) and judge "
                "live telemetry with each Prometheus query (gatewright monitor --prometheus). "
                "A metric with no MLflow key is read under its own id.",
                s.body,
            )
        )
        out.append(grid(content.SOURCE_HEADER, source_rows, [0.22, 0.23, 0.55], width))
    if component_rows := content.component_rows(doc):
        out.append(Heading("System components", s.h2, level=1))
        out.append(
            para(
                "What the rollbacks restore, and what each part needs: a rollback puts a "
                "component's dependencies back before the component.",
                s.body,
            )
        )
        widths = [0.24, 0.14, 0.17, 0.2, 0.25]
        out.append(grid(content.COMPONENT_HEADER, component_rows, widths, width))
    return out


def stages(doc: Sop, width: float) -> list[Flowable]:
    s = styles()
    rows = content.stage_rows(doc)
    return [
        Heading("Stages", s.h1),
        para("The environments a model passes through, in promote-path order.", s.body),
        grid(
            content.STAGE_HEADER,
            rows,
            [0.08, 0.22, 0.14, 0.2, 0.36],
            width,
        ),
    ]


CRITERIA_WIDTHS = (0.22, 0.08, 0.19, 0.05, 0.13, 0.11, 0.09, 0.13)


def criteria_table(doc: Sop, criteria: Sequence[Any], width: float) -> Flowable:
    if not criteria:
        return para("No criteria.", styles().body)
    rows = [content.criterion_row(doc, criterion).cells() for criterion in criteria]
    return grid(content.CRITERIA_HEADER, rows, CRITERIA_WIDTHS, width)


def gates(doc: Sop, width: float) -> list[Flowable]:
    s = styles()
    out: list[Flowable] = [Heading("Gates", s.h1)]
    order = [n for n in content.promote_order(doc) if doc.node(n).kind == "gate"]
    if not order:
        out.append(para("The SOP has no gates.", s.body))
    for gate_id in order:
        gate: Any = doc.node(gate_id)
        out += [
            CondPageBreak(SECTION_ROOM),
            Heading(f"Gate: {content.one_line(gate.name)}", s.h2, level=1),
        ]
        if gate.description:
            out.append(para(gate.description, s.lead))
        sources = content.linked(doc, gate.id, "promote", outgoing=False)
        targets = content.linked(doc, gate.id, "promote")
        rejects = content.linked(doc, gate.id, "reject")
        rows = [
            ("From", content.names(doc, sources)),
            ("To", content.names(doc, targets)),
            ("On reject", content.names(doc, rejects, "no reject path")),
            ("Approval", content.approval_words(doc, gate.approval)),
        ]
        for rule in gate.approval.rules:
            role = doc.role(rule.role)
            members = ", ".join(role.members) if role and role.members else "no members listed"
            rows.append((f"Eligible: {content.role_name(doc, rule.role)}", members))
        out += [facts(rows, width), Spacer(1, 5), criteria_table(doc, gate.criteria, width)]
    return out


def notes(doc: Sop, width: float) -> list[Flowable]:
    """The reviewers' notes on elements; no section when there are none."""
    rows = content.note_rows(doc)
    if not rows:
        return []
    s = styles()
    return [
        Heading("Notes", s.h1),
        para("Remarks left on elements of the diagram for the people who review the SOP.", s.body),
        grid(content.NOTE_HEADER, rows, [0.3, 0.12, 0.58], width),
    ]


def raci_section(doc: Sop, width: float) -> list[Flowable]:
    s = styles()
    matrix = operations.raci(doc)
    out: list[Flowable] = [Heading("Responsibilities (RACI)", s.h1)]
    out.append(facts(list(operations.RACI_LEGEND), width, key=0.06))
    out.append(Spacer(1, 6))
    if not matrix.roles or not matrix.rows:
        out.append(para("No gates or runbook actions to assign yet.", s.body))
        return out
    share = 0.7 / len(matrix.roles)
    rows: list[list[Cell]] = [
        [f"{'Gate' if row.kind == 'gate' else 'Action'}: {row.activity}"]
        # Marks in their own style, so one that wraps ("A (medium, high)") stays bold and
        # centred like the rest.
        + [
            fitted_cell(row.marks.get(role_id, ""), s.mark, width * share)
            for role_id, _ in matrix.roles
        ]
        for row in matrix.rows
    ]
    header = ["Activity", *(name for _id, name in matrix.roles)]
    table = grid(header, rows, [0.3, *([share] * len(matrix.roles))], width)
    table.setStyle(
        [
            ("ALIGN", (1, 1), (-1, -1), "CENTER"),
            ("FONTNAME", (1, 1), (-1, -1), s.mark.fontName),
        ]
    )
    out.append(table)
    return out


def findings(context: ExportContext, width: float) -> list[Flowable]:
    s = styles()
    if not context.diagnostics:
        return []
    rows = [
        [d.severity, d.rule, f"{d.message} {d.fix}".strip(), ", ".join(d.elements)]
        for d in context.diagnostics
    ]
    intro = (
        "The SOP has validation errors: it cannot be compiled, and this document is a draft."
        if context.errors
        else "Warnings and notes from validation; none blocks compilation."
    )
    return [
        Heading("Validation findings", s.h1),
        para(intro, s.body),
        grid(["Severity", "Rule", "Finding", "Elements"], rows, [0.1, 0.2, 0.5, 0.2], width),
    ]
