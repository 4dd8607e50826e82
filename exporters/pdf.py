"""The SOP as a PDF an auditor signs and a trainer drills from (ReportLab platypus).

Sections come from ``pdf_sections`` and ``pdf_runbooks``, the diagram from ``pdf_diagram``,
page templates, outline and footer from ``pdf_layout``; this module assembles them in order
and reports progress between sections.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import partial
from pathlib import Path

from reportlab.platypus import Flowable, NextPageTemplate, PageBreak
from reportlab.platypus.tableofcontents import TableOfContents

from app.fileio import write_atomic
from app.model.document import Sop
from exporters import pdf_runbooks as runbooks
from exporters import pdf_sections as sections
from exporters.context import ExportContext
from exporters.pdf_diagram import diagram_flowables
from exporters.pdf_layout import (
    LANDSCAPE,
    PORTRAIT,
    Furniture,
    Heading,
    SopCanvas,
    SopDocTemplate,
    frame_size,
)
from exporters.pdf_style import markup, para, register_fonts, styles


def _diagram(doc: Sop, context: ExportContext, _width: float) -> list[Flowable]:
    s = styles()
    flowables, wide = diagram_flowables(
        doc, context.diagnostics, frame_size(PORTRAIT), frame_size(LANDSCAPE)
    )
    page = "landscape" if wide else "portrait"
    caption = para(
        "The promote path runs left to right; each trigger's runbook runs below it. "
        + ("Nodes marked ! are named by a validation error." if context.errors else ""),
        s.small,
    )
    return [
        NextPageTemplate(page),
        PageBreak(),
        Heading("Process diagram", s.h1),
        caption,
        *flowables,
        NextPageTemplate("portrait"),
        PageBreak(),
    ]


Section = Callable[[Sop, ExportContext, float], list[Flowable]]

SECTIONS: list[tuple[str, Section]] = [
    ("Title page", sections.title_page),
    ("Purpose and scope", lambda d, _c, w: sections.purpose(d, w)),
    ("Diagram", _diagram),
    ("Stages", lambda d, _c, w: sections.stages(d, w)),
    ("Gates", lambda d, _c, w: sections.gates(d, w)),
    ("RACI matrix", lambda d, _c, w: sections.raci_section(d, w)),
    ("Rollback runbooks", lambda d, _c, w: runbooks.runbook_section(d, w)),
    ("Maturity assessment", lambda _d, c, w: runbooks.maturity_section(c, w)),
    ("Drill checklist", lambda d, _c, w: runbooks.drill_section(d, w)),
    ("Simulation and drill results", lambda _d, c, w: runbooks.figures_section(c, w)),
    ("Validation findings", lambda _d, c, w: sections.findings(c, w)),
    ("Sign-off sheet", sections.signoff),
    ("Revision history", sections.revisions),
]


def furniture(doc: Sop, context: ExportContext) -> Furniture:
    _source, digest = sections.spec_digests(context)
    errors = len(context.errors)
    reason = f"{errors} validation error{'s' if errors != 1 else ''}" if errors else ""
    short = digest[:19] + "…" if digest.startswith("sha256:") else digest
    return Furniture(doc.title, doc.version, f"spec {short}", context.draft, reason)


def _prime_contents(story: list[Flowable]) -> bool:
    """Fill the contents with every entry (page numbers unknown) before the first pass.

    The contents then take their final size from the start, the pages after them do not
    move between passes, and multiBuild settles after two passes even when the contents
    run over several pages.
    """
    toc = next((f for f in story if isinstance(f, TableOfContents)), None)
    marks, primed = 0, False
    for flowable in story:
        if isinstance(flowable, Heading) and flowable.outline_text is not None:
            marks += 1  # the same keys SopDocTemplate.afterFlowable gives
            if toc is not None and flowable.toc:
                text = markup(flowable.outline_text)
                toc.addEntry(flowable.level, text, 0, f"section-{marks}")
                primed = True
    return primed


def build_story(doc: Sop, context: ExportContext) -> list[Flowable]:
    """Every section's flowables in order; ``context.progress`` hears of each section."""
    register_fonts()
    width, _height = frame_size(PORTRAIT)
    story: list[Flowable] = []
    for done, (name, build) in enumerate(SECTIONS):
        context.progress(done, len(SECTIONS) + 1, name)
        story += build(doc, context, width)
    return story


def typeset(doc: Sop, context: ExportContext, story: list[Flowable]) -> bytes:
    """Lay the story out on pages: a measuring pass for the contents, then the real one."""
    total = len(SECTIONS) + 1
    context.progress(len(SECTIONS), total, "Laying out pages")
    # Primed contents make pass 1 report real page numbers that differ from the primed
    # zeros, so a second pass always follows and pass 1 may skip drawing.
    primed = _prime_contents(story)
    buffer = io.BytesIO()
    pages = furniture(doc, context)
    template = SopDocTemplate(buffer, pages, sketch_first_pass=primed)
    template.multiBuild(story, canvasmaker=partial(SopCanvas, furniture=pages))
    context.progress(total, total, "Done")
    return buffer.getvalue()


def render_pdf(doc: Sop, context: ExportContext) -> bytes:
    """The PDF's bytes; ``context.progress`` hears of every section, then of the layout."""
    return typeset(doc, context, build_story(doc, context))


def export(format_name: str, doc: Sop, out: Path, context: ExportContext) -> list[Path]:
    """Write the PDF to ``out``."""
    if format_name != "pdf":
        raise ValueError(f"the pdf exporter writes pdf, not {format_name!r}")
    write_atomic(out, render_pdf(doc, context))
    return [out]
