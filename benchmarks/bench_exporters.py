"""Document exporters: the PDF of the largest template and of a 100-gate SOP against a bare
ReportLab document holding the same tables and diagram (the floor). The designer's
Graphviz auto-layout is measured in bench_layout."""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Image, Paragraph, SimpleDocTemplate, Table

from app.compiler.compile import compile_spec
from app.model.document import Sop
from app.model.templates import load_template, template_ids
from app.validate.assess import assess_document
from app.validate.engine import validate
from benchmarks.timing import paired_medians, report
from exporters import graphviz as gv
from exporters.context import ExportContext
from exporters.pdf import build_story, render_pdf
from exporters.pdf_diagram import DrawingWindow, svg_drawing
from exporters.pdf_style import register_fonts
from synthetic.documents import gate_chain


def context_of(doc: Sop) -> ExportContext:
    diagnostics = validate(doc)
    assert not [d for d in diagnostics if d.severity == "error"], "the benchmark SOP is valid"
    return ExportContext(
        spec=compile_spec(doc),
        diagnostics=diagnostics,
        assessment=assess_document(doc),
    )


def floor_inputs(doc: Sop, context: ExportContext) -> tuple[list[Any], list[Any], list[Any], bytes]:
    """What the floor gets: every table's cells and widths, the diagram windows and images
    (a diagram too large to print legibly is a PNG overview), the SVG."""
    tables, windows, images = [], [], []
    for flowable in build_story(doc, context):
        if isinstance(flowable, Table):
            cells = [
                [c if isinstance(c, str) else ("p", c.text) for c in row]
                for row in flowable._cellvalues
            ]
            tables.append((cells, flowable._colWidths))
        elif isinstance(flowable, DrawingWindow):
            windows.append((flowable.scale, flowable.x0, flowable.span))
        elif isinstance(flowable, Image):
            images.append((flowable.png, flowable.drawWidth, flowable.drawHeight))
    return tables, windows, images, gv.diagram_svg(doc, context.diagnostics)


def floor_pdf(tables: list[Any], windows: list[Any], images: list[Any], svg: bytes) -> bytes:
    """A bare ReportLab document: the same tables and diagram, one pass, no section logic."""
    font = register_fonts().regular
    style = ParagraphStyle("floor", fontName=font, fontSize=7.8, leading=9.6)
    story: list[Flowable] = [Image(io.BytesIO(png), w, h) for png, w, h in images]
    if windows:
        drawing = svg_drawing(svg)
        story += [DrawingWindow(drawing, *window) for window in windows]
    for cells, widths in tables:
        data = [[c if isinstance(c, str) else Paragraph(c[1], style) for c in row] for row in cells]
        table = Table(data, colWidths=widths, repeatRows=1)
        table.setStyle(
            [("FONTNAME", (0, 0), (-1, -1), font), ("GRID", (0, 0), (-1, -1), 0.4, "grey")]
        )
        story.append(table)
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, invariant=1).build(story)
    return buffer.getvalue()


def bench_pdf(name: str, doc: Sop, seconds: float) -> None:
    context = context_of(doc)
    tables, windows, images, svg = floor_inputs(doc, context)
    ours, floor = paired_medians(
        lambda: render_pdf(doc, context), lambda: floor_pdf(tables, windows, images, svg)
    )
    ratio = ours / floor
    report(
        f"PDF of {name} ({len(doc.nodes)} nodes, {len(tables)} tables)",
        f"{ours:.2f} s",
        ratio,
        f"a bare ReportLab document with the same tables and diagram ({floor:.2f} s)",
        f"< {seconds:g} s and < 2x",
        ours < seconds and ratio < 2,
    )


def main() -> None:
    largest = max(template_ids(), key=lambda t: len(load_template(t).nodes))
    bench_pdf(f"the largest template, {largest}", load_template(largest), 1.0)
    bench_pdf("a 100-gate SOP", Sop.model_validate(gate_chain(100)), 2.0)


if __name__ == "__main__":
    main()
