"""A printable drill scenario card: the briefing for trainees, with the key for the facilitator."""

from __future__ import annotations

import io
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer

from app.spec.fileio import write_atomic
from exporters.pdf_style import para, styles


def drill_card_pdf(
    title: str, briefing: list[str], key: list[str] | None, where: str, out: Path
) -> Path:
    """Write the card to ``out``: ``briefing`` is the story then the alerts (``ALERT: ...``);
    ``key`` (the answer key's lines) makes it the facilitator's card."""
    s = styles()
    heading = "Facilitator card" if key is not None else "Scenario card"
    story = [
        para(f"{heading}: {title}", s.title),
        para(where, s.small),
        Spacer(1, 4 * mm),
        para("What you see", s.h1),
    ]
    for line in briefing:
        story.append(para(line, s.body))
        story.append(Spacer(1, 1.5 * mm))
    story += [
        Spacer(1, 3 * mm),
        para("What you will be asked", s.h1),
        para(
            "Which trigger fired (or whether it is a false alarm); what you do; what you roll "
            "back to; each runbook step in order and who carries it out; which checks "
            "confirm the rollback; the lesson learned.",
            s.body,
        ),
    ]
    if key is not None:
        story += [Spacer(1, 4 * mm), para("Answer key (do not hand out)", s.h1)]
        story += [para(line, s.small) for line in key]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer, pagesize=A4, title=f"{heading}: {title}", leftMargin=18 * mm, rightMargin=18 * mm
    ).build(story)
    write_atomic(out, buffer.getvalue())
    return out
