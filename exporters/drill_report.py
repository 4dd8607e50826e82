"""A trainer's drill report as a PDF: who, which incident, answers, mistakes, time, score."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer

from app.spec.fileio import write_atomic
from exporters.pdf_style import SopTable, para, styles, table_style


def _cell(text: Any, head: bool = False) -> Any:
    value = ", ".join(map(str, text)) if isinstance(text, list) else str(text)
    return para(value, styles().head if head else styles().cell)


def _heads(*names: str) -> list[Any]:
    """A header row: white on the table's dark header, as every Gatewright table has it."""
    return [_cell(name, head=True) for name in names]


def _when(stamp: Any) -> str:
    try:
        return datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).strftime(
            "%Y-%m-%d %H:%M UTC"
        )
    except ValueError:
        return str(stamp)


def _lesson_grade(score: dict[str, Any]) -> str:
    lesson = score.get("lesson") if isinstance(score.get("lesson"), dict) else {}
    return str(lesson.get("grade", "-"))


def _facts(drill: dict[str, Any], score: dict[str, Any]) -> list[tuple[str, str]]:
    sla = score.get("sla_minutes")
    passed = score.get("passed")
    critical = score.get("critical") or []
    verdict = "-" if passed is None else ("passed" if passed else "failed")
    if critical:
        verdict += f" (critical mistake: {', '.join(critical)})"
    return [
        ("Score", f"{score.get('score', 0):g} / {score.get('max_score', 100):g}"),
        ("Result", f"{verdict}; pass mark {score.get('pass_mark', 80):g}"),
        ("Simulated recovery time", f"{score.get('minutes', 0):g} minutes"),
        (
            "SLA",
            "none (nothing to restore)"
            if sla is None
            else f"{sla:g} minutes ({'met' if score.get('sla_met') else 'missed'})",
        ),
        ("Lesson", _lesson_grade(score)),
        ("Time taken by the trainee", f"{float(drill.get('seconds', 0)):.0f} seconds"),
    ]


def drill_report_pdf(drill: dict[str, Any], out: Path) -> Path:
    """Write the report of one recorded drill (a workspace drill row) to ``out``."""
    s = styles()
    score = drill.get("score", {}) if isinstance(drill.get("score"), dict) else {}
    title = score.get("title") or drill.get("scenario", "")
    story: list[Any] = [
        para(f"Rollback drill report: {title}", s.title),
        para(f"Trainee: {drill.get('trainee', '')}", s.subtitle),
        para(
            f"Drill {drill.get('scenario', '')} on SOP {drill.get('sop_id', '')} · "
            f"started {_when(drill.get('started_at', ''))} · "
            f"finished {_when(drill.get('finished_at', ''))}",
            s.small,
        ),
        Spacer(1, 3 * mm),
    ]
    if score.get("story"):
        story += [para("The incident", s.h1), para(score["story"], s.body), Spacer(1, 3 * mm)]
    facts = _facts(drill, score)
    table = SopTable(
        [_heads("Figure", "Value"), *[[_cell(k), _cell(v)] for k, v in facts]],
        colWidths=[60 * mm, 114 * mm],
    )
    table.setStyle(table_style(rows=len(facts) + 1))
    story += [table, Spacer(1, 5 * mm), para("Answers", s.h1)]
    steps = score.get("steps")
    if steps:  # recorded with their labels: what the trainee read, never ids
        rows = [_heads("Question", "Answer", "Expected", "Points")]
        rows += [
            [
                _cell(step.get("prompt", step.get("step", ""))),
                _cell(step.get("answer", "")),
                _cell(step.get("expected", "") if step.get("step") != "lesson" else "graded"),
                _cell(
                    _lesson_grade(score)
                    if step.get("step") == "lesson"
                    else f"{step.get('points', 0):g} / {step.get('of', 0):g}"
                ),
            ]
            for step in steps
        ]
        widths = [48 * mm, 52 * mm, 52 * mm, 22 * mm]
    else:  # drills recorded before labels were kept
        rows = [_heads("Step", "Answer")]
        rows += [[_cell(k), _cell(v)] for k, v in score.get("answers", {}).items()]
        widths = [40 * mm, 134 * mm]
    answer_table = SopTable(rows, colWidths=widths, repeatRows=1)
    answer_table.setStyle(table_style(rows=len(rows)))
    story += [answer_table, Spacer(1, 5 * mm), para("Mistakes and explanations", s.h1)]
    mistakes = score.get("mistakes", [])
    if not mistakes:
        story.append(para("No mistakes: full marks.", s.body))
    else:
        rows = [_heads("Step", "Why", "Points")]
        rows += [
            [
                _cell(m["step"] + (" (critical)" if m.get("critical") else "")),
                _cell(m["explanation"]),
                _cell(f"-{m['points_lost']:g}"),
            ]
            for m in mistakes
        ]
        mistakes_table = SopTable(rows, colWidths=[28 * mm, 128 * mm, 18 * mm], repeatRows=1)
        mistakes_table.setStyle(table_style(rows=len(rows)))
        story.append(mistakes_table)
    lesson = score.get("lesson") if isinstance(score.get("lesson"), dict) else {}
    if lesson:
        story += [Spacer(1, 5 * mm), para("Lesson learned", s.h1)]
        story.append(para(f"The trainee's lesson ({lesson.get('grade', '-')}):", s.small))
        story.append(para(lesson.get("text") or "(none)", s.body))
        if lesson.get("note"):
            story.append(para(f"Trainer's note: {lesson['note']}", s.body))
        if lesson.get("model"):
            story += [para("The model lesson:", s.small), para(lesson["model"], s.body)]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"Rollback drill report: {title}",
        author=str(drill.get("trainee", "")),
        leftMargin=18 * mm,
        rightMargin=18 * mm,
    ).build(story)
    write_atomic(out, buffer.getvalue())
    return out
