"""A trainer's drill report as a PDF: who, which incident, answers, mistakes, time, score."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer

from app.spec.fileio import write_atomic
from exporters.pdf_style import SopTable, para, styles, table_style


def _cell(text: Any) -> Any:
    value = ", ".join(map(str, text)) if isinstance(text, list) else str(text)
    return para(value, styles().cell)


def drill_report_pdf(drill: dict[str, Any], out: Path) -> Path:
    """Write the report of one recorded drill (a workspace drill row) to ``out``."""
    s = styles()
    score = drill.get("score", {})
    story: list[Any] = [
        para(f"Rollback drill report: {drill.get('scenario', '')}", s.title),
        para(f"Trainee: {drill.get('trainee', '')}", s.subtitle),
        para(
            f"SOP: {drill.get('sop_id', '')} · started {drill.get('started_at', '')} · "
            f"finished {drill.get('finished_at', '')}",
            s.small,
        ),
        Spacer(1, 4 * mm),
    ]
    sla = score.get("sla_minutes")
    facts = [
        ("Score", f"{score.get('score', 0):g} / {score.get('max_score', 100):g}"),
        ("Simulated recovery time", f"{score.get('minutes', 0):g} minutes"),
        (
            "SLA",
            "none"
            if sla is None
            else f"{sla:g} minutes ({'met' if score.get('sla_met') else 'missed'})",
        ),
        ("Time taken by the trainee", f"{float(drill.get('seconds', 0)):.0f} seconds"),
    ]
    table = SopTable(
        [[_cell("Figure"), _cell("Value")], *[[_cell(k), _cell(v)] for k, v in facts]],
        colWidths=[60 * mm, 110 * mm],
    )
    table.setStyle(table_style(rows=len(facts) + 1))
    story += [table, Spacer(1, 5 * mm), para("Answers", s.h1)]
    answers = score.get("answers", {})
    rows = [[_cell("Step"), _cell("Answer")]] + [[_cell(k), _cell(v)] for k, v in answers.items()]
    answer_table = SopTable(rows, colWidths=[40 * mm, 130 * mm], repeatRows=1)
    answer_table.setStyle(table_style(rows=len(rows)))
    story += [answer_table, Spacer(1, 5 * mm), para("Mistakes and explanations", s.h1)]
    mistakes = score.get("mistakes", [])
    if not mistakes:
        story.append(para("No mistakes: full marks.", s.body))
    else:
        rows = [[_cell("Step"), _cell("Chosen"), _cell("Expected"), _cell("Why"), _cell("Points")]]
        rows += [
            [
                _cell(m["step"]),
                _cell(m["chosen"]),
                _cell(m["expected"]),
                _cell(m["explanation"]),
                _cell(f"-{m['points_lost']:g}"),
            ]
            for m in mistakes
        ]
        mistakes_table = SopTable(
            rows, colWidths=[22 * mm, 30 * mm, 30 * mm, 73 * mm, 15 * mm], repeatRows=1
        )
        mistakes_table.setStyle(table_style(rows=len(rows)))
        story.append(mistakes_table)
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer, pagesize=A4, title="Rollback drill report", leftMargin=18 * mm, rightMargin=18 * mm
    ).build(story)
    write_atomic(out, buffer.getvalue())
    return out
