"""A cohort's drill report as a PDF: per trainee and per drill, and the mistakes most made."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer

from app.spec.fileio import write_atomic
from exporters.drill_report import _cell, _heads, _when
from exporters.pdf_style import SopTable, para, styles, table_style


def _score(drill: dict[str, Any]) -> dict[str, Any]:
    return drill["score"] if isinstance(drill.get("score"), dict) else {}


def _sla(score: dict[str, Any]) -> str:
    sla = score.get("sla_minutes")
    if sla is None:
        return "none"
    met = "met" if score.get("sla_met") else "missed"
    return f"{score.get('minutes', 0):g} of {sla:g} min ({met})"


def _table(rows: list[list[Any]], widths: list[float]) -> SopTable:
    table = SopTable(rows, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(table_style(rows=len(rows)))
    return table


def cohort_report_pdf(drills: list[dict[str, Any]], out: Path, scope: str) -> Path:
    """Write the report of ``drills`` (workspace rows with graded scores) to ``out``."""
    s = styles()
    trainees = sorted({str(d.get("trainee", "")) for d in drills})
    story: list[Any] = [
        para("Drill cohort report", s.title),
        para(
            f"{len(trainees)} trainee(s), {len(drills)} drill(s) · {scope}",
            s.subtitle,
        ),
        Spacer(1, 4 * mm),
        para("Trainees", s.h1),
    ]
    rows = [_heads("Trainee", "Drills", "Passed", "Mean score", "SLA met", "Lessons pending")]
    for trainee in trainees:
        mine = [_score(d) for d in drills if d.get("trainee") == trainee]
        with_sla = [x for x in mine if x.get("sla_minutes") is not None]
        rows.append(
            [
                _cell(trainee),
                _cell(len(mine)),
                _cell(f"{sum(bool(x.get('passed')) for x in mine)} of {len(mine)}"),
                _cell(f"{sum(float(x.get('score', 0)) for x in mine) / len(mine):.1f}"),
                _cell(f"{sum(bool(x.get('sla_met')) for x in with_sla)} of {len(with_sla)}"),
                _cell(sum((x.get("lesson") or {}).get("grade") == "pending" for x in mine)),
            ]
        )
    story += [_table(rows, [50, 20, 25, 27, 25, 30]), Spacer(1, 5 * mm)]
    story.append(para("Each drill", s.h1))
    rows = [_heads("Trainee", "Drill", "When", "Score", "Passed", "Recovery against SLA", "Lesson")]
    for drill in sorted(drills, key=lambda d: (str(d.get("trainee")), str(d.get("finished_at")))):
        score = _score(drill)
        passed = score.get("passed")
        rows.append(
            [
                _cell(drill.get("trainee", "")),
                _cell(score.get("title") or drill.get("scenario", "")),
                _cell(_when(drill.get("finished_at", ""))),
                _cell(f"{score.get('score', 0):g}"),
                _cell("?" if passed is None else ("yes" if passed else "no")),
                _cell(_sla(score)),
                _cell((score.get("lesson") or {}).get("grade", "-")),
            ]
        )
    story += [_table(rows, [32, 70, 36, 16, 16, 50, 22]), Spacer(1, 5 * mm)]
    story.append(para("Mistakes most made", s.h1))
    counts: Counter[tuple[str, str]] = Counter()
    example: dict[tuple[str, str], str] = {}
    who: dict[tuple[str, str], set[str]] = {}
    for drill in drills:
        for mistake in _score(drill).get("mistakes", []):
            key = (str(drill.get("scenario", "")), str(mistake.get("step", "")))
            counts[key] += 1
            example.setdefault(key, str(mistake.get("explanation", "")))
            who.setdefault(key, set()).add(str(drill.get("trainee", "")))
    if not counts:
        story.append(para("No mistakes were made.", s.body))
    else:
        rows = [_heads("Drill", "Step", "Times", "Trainees", "What the SOP says")]
        for key, times in counts.most_common(12):
            rows.append(
                [
                    _cell(key[0]),
                    _cell(key[1]),
                    _cell(times),
                    _cell(", ".join(sorted(who[key]))),
                    _cell(example[key]),
                ]
            )
        story.append(_table(rows, [45, 20, 14, 45, 118]))
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        title="Drill cohort report",
        leftMargin=14 * mm,
        rightMargin=14 * mm,
    ).build(story)
    write_atomic(out, buffer.getvalue())
    return out
