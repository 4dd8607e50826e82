"""The SOP as a PDF an auditor signs and a trainer drills from (ReportLab platypus).

Sections come from ``pdf_sections`` and ``pdf_runbooks``, the diagram from ``pdf_diagram``,
page templates, outline and footer from ``pdf_layout``; this module assembles them in order
and reports progress between sections.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from reportlab.platypus import CondPageBreak, Flowable, NextPageTemplate, PageBreak, Paragraph

from app.model.document import Sop
from app.spec.fileio import write_atomic
from exporters import pdf_control as control
from exporters import pdf_maturity
from exporters import pdf_runbooks as runbooks
from exporters import pdf_sections as sections
from exporters.context import ExportContext
from exporters.pdf_diagram import DiagramRender, diagram_flowables, render_diagram
from exporters.pdf_layout import (
    LANDSCAPE,
    PORTRAIT,
    Contents,
    Furniture,
    Heading,
    SopCanvas,
    SopDocTemplate,
    contents_entries,
    frame_size,
)
from exporters.pdf_style import para, register_fonts, styles


def _diagram(render: DiagramRender, context: ExportContext) -> list[Flowable]:
    s = styles()
    flowables, wide = diagram_flowables(render)
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

SECTIONS: list[tuple[str, Section | None]] = [
    ("Title page", sections.title_page),
    ("Purpose and scope", lambda d, _c, w: sections.purpose(d, w)),
    ("Diagram", None),  # drawn by Graphviz while the sections after it are built
    ("Stages", lambda d, _c, w: sections.stages(d, w)),
    ("Gates", lambda d, _c, w: sections.gates(d, w)),
    ("RACI matrix", lambda d, _c, w: sections.raci_section(d, w)),
    ("Rollback runbooks", lambda d, _c, w: runbooks.runbook_section(d, w)),
    ("Notes", lambda d, _c, w: sections.notes(d, w)),
    ("Maturity assessment", lambda _d, c, w: pdf_maturity.maturity_section(c, w)),
    ("Drill checklist", lambda d, _c, w: runbooks.drill_section(d, w)),
    ("Simulation and drill results", lambda _d, c, w: runbooks.figures_section(c, w)),
    ("Validation findings", lambda _d, c, w: sections.findings(c, w)),
    ("Definitions", lambda d, _c, w: control.definitions(d, w)),
    ("References", control.references),
    ("Sign-off sheet", control.signoff),
    ("Revision history", control.revisions),
]


def furniture(doc: Sop, context: ExportContext) -> Furniture:
    _source, digest = context.digests()
    errors = len(context.errors)
    reason = f"{errors} validation error{'s' if errors != 1 else ''}" if errors else ""
    short = digest[:19] + "…" if digest.startswith("sha256:") else digest
    return Furniture(doc.title, doc.version, f"spec {short}", context.draft, reason)


def build_story(doc: Sop, context: ExportContext) -> list[Flowable]:
    """Every section's flowables in order; ``context.progress`` hears of each section.

    Graphviz lays the diagram out in its own process, started first: the sections are
    built meanwhile, and the diagram's flowables go into their place when it is done.
    """
    register_fonts()
    width, _height = frame_size(PORTRAIT)
    parts: list[list[Flowable]] = []
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="graphviz")
    drawn = pool.submit(
        render_diagram, doc, context.diagnostics, frame_size(PORTRAIT), frame_size(LANDSCAPE)
    )
    try:
        for done, (name, build) in enumerate(SECTIONS):
            context.progress(done, len(SECTIONS) + 1, name)  # may cancel the export
            parts.append([] if build is None else build(doc, context, width))
        diagram = [name for name, _build in SECTIONS].index("Diagram")
        parts[diagram] = _diagram(drawn.result(), context)
    finally:
        pool.shutdown(wait=False)  # a cancelled export does not wait for Graphviz to finish
    return keep_headings_with_content([flowable for part in parts for flowable in part])


def keep_headings_with_content(story: list[Flowable]) -> list[Flowable]:
    """A heading never ends a page: the short paragraphs between a heading and the table
    or text they introduce travel with it (headings already keep with what follows them;
    an intro paragraph did not), and a conditional page break right after a heading (the
    one a gate or runbook starts with) moves before it, so the break takes the heading
    along instead of leaving it at the page foot."""
    for index, flowable in enumerate(story[:-2]):
        if not isinstance(flowable, Heading):
            continue
        follower = story[index + 1]
        if isinstance(follower, CondPageBreak):
            story[index], story[index + 1] = follower, flowable
        elif isinstance(follower, Paragraph) and not isinstance(follower, Heading):
            follower.keepWithNext = 1
    return story


def typeset(doc: Sop, context: ExportContext, story: list[Flowable]) -> bytes:
    """Lay the story out on pages, in one pass: page numbers (the footers' totals, the
    contents' entries) are filled in when the last page is known."""
    total = len(SECTIONS) + 1
    context.progress(len(SECTIONS), total, "Laying out pages")
    entries = contents_entries(story)
    for flowable in story:
        if isinstance(flowable, Contents):
            flowable.set_entries(entries)
    buffer = io.BytesIO()
    pages = furniture(doc, context)
    template = SopDocTemplate(buffer, pages)
    template.build(story, canvasmaker=partial(SopCanvas, furniture=pages))
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
