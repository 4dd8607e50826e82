"""The diagram in the PDF: Graphviz SVG as vector graphics (PNG if that fails), tiled when wide."""

from __future__ import annotations

import io
import math
from functools import cache
from typing import Any
from xml.etree import ElementTree

from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing, Group, mmult, transformPoint
from reportlab.lib import colors
from reportlab.platypus import Flowable, Image, PageBreak, Spacer, Table

from app.model.document import Sop
from exporters import graphviz as gv
from exporters.pdf_style import (
    SopImage,
    SopTable,
    covers,
    para,
    register_fonts,
    rich,
    styles,
    table_style,
)
from exporters.style import EDGE_STYLES, FONT_FAMILY, NODE_STYLES

LEGIBLE_SCALE = 0.62
"""Below this scale 9 pt labels print smaller than about 5.5 pt: add enlarged detail pages."""
DETAIL_SCALE = 0.85
OVERLAP = 0.08
FALLBACK_DPI = 220
MAX_DETAIL_PAGES = 8
OVERVIEW_DPI = 200
"""Resolution of a raster overview on paper (the PNG is rendered at this times the scale)."""
MAX_PNG_PIXELS = 8000
"""Longest side of the fallback PNG: a huge SOP would otherwise make a huge image."""


@cache
def _font_map() -> Any:
    """svglib's font map, sending Graphviz's "DejaVu Sans" to the embedded DejaVu fonts."""
    from svglib.fonts import FontMap

    fonts = register_fonts()
    font_map = FontMap()
    for weight, style, face in (
        ("normal", "normal", "regular"),
        ("bold", "normal", "bold"),
        ("normal", "italic", "italic"),
        ("bold", "italic", "bolditalic"),
    ):
        name = getattr(fonts, face)
        font_map.register_font(FONT_FAMILY, fonts.paths[face], weight, style, rlgFontName=name)
    return font_map


def svg_drawing(svg: bytes) -> Drawing | None:
    """The SVG as a ReportLab drawing, or None when svglib cannot read it."""
    try:
        from svglib.svglib import svg2rlg

        drawing = svg2rlg(io.BytesIO(svg), font_map=_font_map())
    except Exception:  # any svglib failure falls back to the PNG
        return None
    if drawing is not None:
        # The renderer starts every drawing in Helvetica, which is never embedded.
        drawing.initialFontName = register_fonts().regular
    return drawing


def _svg_text(root: ElementTree.Element) -> str:
    return "".join("".join(e.itertext()) for e in root.iter("{http://www.w3.org/2000/svg}text"))


class DrawingWindow(Flowable):
    """A drawing scaled by ``scale``; optionally only the slice ``span`` wide from ``x0``."""

    def __init__(
        self, drawing: Drawing, scale: float, x0: float = 0.0, span: float | None = None
    ) -> None:
        super().__init__()
        self.drawing, self.scale, self.x0 = drawing, scale, x0
        self.span = drawing.width - x0 if span is None else span
        self.width = self.span * scale
        self.height = drawing.height * scale

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        path = canvas.beginPath()
        path.rect(0, 0, self.width, self.height)
        canvas.clipPath(path, stroke=0, fill=0)
        canvas.scale(self.scale, self.scale)
        renderPDF.draw(self.drawing, canvas, -self.x0, 0)
        canvas.restoreState()


def legend(frame_width: float) -> Table:
    """Node shapes and edge strokes in words, with their colours, under the diagram."""
    s = styles()
    cells = []
    for node in NODE_STYLES.values():
        cells.append(rich(f'<font color="{node.border}">■</font> {node.label}', s.cell))
    for edge in EDGE_STYLES.values():
        stroke = "- - -" if edge.style == "dashed" else "——"
        cells.append(
            rich(f'<font color="{edge.color}"><b>{stroke}</b></font> {edge.label}', s.cell)
        )
    cells.append(rich('<font color="#dc2626"><b>!</b></font> validation error', s.cell))
    columns = 4
    rows = [cells[i : i + columns] for i in range(0, len(cells), columns)]
    rows[-1] += [""] * (columns - len(rows[-1]))
    table = SopTable(rows, colWidths=[frame_width / columns] * columns)
    style = table_style(zebra=False)
    style.add("BACKGROUND", (0, 0), (-1, 0), colors.white)
    table.setStyle(style)
    return table


def diagram_flowables(
    doc: Sop,
    diagnostics: list[dict[str, Any]],
    portrait: tuple[float, float],
    landscape: tuple[float, float],
) -> tuple[list[Flowable], bool]:
    """The diagram fitted to a page frame, with enlarged detail slices when it prints small.

    ``portrait`` and ``landscape`` are the frames (width, height) of both page shapes; a
    diagram wider than tall goes on a landscape page. Returns the flowables and whether
    they need the landscape page (so the caller picks the page template before them).
    """
    s = styles()
    try:
        svg = gv.diagram_svg(doc, diagnostics)
    except gv.GraphvizMissingError as error:
        return [para(f"The diagram is not included: {error}.", s.body)], False
    root = ElementTree.fromstring(svg)
    size = [float(root.get(side, "1pt").removesuffix("pt")) for side in ("width", "height")]
    wide = size[0] > size[1]
    width, height = landscape if wide else portrait
    usable_height = height - 90  # heading, caption and legend
    scale = min(width / size[0], usable_height / size[1], 1.0)
    detail = min(DETAIL_SCALE, usable_height / size[1])
    span = width / detail
    step = span * (1 - OVERLAP)
    count = max(1, math.ceil((size[0] - span) / step) + 1) if scale < LEGIBLE_SCALE else 0
    if count > MAX_DETAIL_PAGES or detail < LEGIBLE_SCALE:
        # No page size makes this legible: print an overview at print resolution (cheaper
        # than converting thousands of vector shapes nobody can read) and point to the SVG.
        note = (
            "The diagram is too large to print legibly; export it with "
            "`gatewright export svg` (or png) to read it at full size."
        )
        return [
            _png(doc, diagnostics, scale * OVERVIEW_DPI, width, usable_height),
            Spacer(1, 6),
            legend(width),
            Spacer(1, 6),
            para(note, s.small),
        ], wide
    # svglib draws each text run in one font; labels the embedded fonts cannot show (CJK
    # without a CJK font, rarer scripts) go through Graphviz's own PNG, which falls back.
    drawing = svg_drawing(svg) if covers(_svg_text(root)) else None
    if drawing is None:
        dpi = min(FALLBACK_DPI, MAX_PNG_PIXELS * 72 / max(size))
        return [
            _png(doc, diagnostics, dpi, width, usable_height),
            Spacer(1, 4),
            legend(width),
        ], wide
    flowables: list[Flowable] = [DrawingWindow(drawing, scale), Spacer(1, 6), legend(width)]
    if not count:
        return flowables, wide
    slicer = DiagramSlicer(drawing)
    for index in range(count):
        x0 = min(index * step, max(0.0, drawing.width - span))
        caption = f"Detail {index + 1} of {count}, enlarged (the slices overlap slightly)."
        flowables += [
            PageBreak(),
            rich(caption, s.small),
            DrawingWindow(slicer.window(x0, span), detail, x0, span),
        ]
    return flowables, wide


def _png(
    doc: Sop, diagnostics: list[dict[str, Any]], dpi: float, width: float, height: float
) -> Image:
    """Graphviz's PNG of the diagram, fitted into ``width`` x ``height`` points."""
    png = gv.diagram_png(doc, dpi=max(10, int(dpi)), diagnostics=diagnostics)
    image = SopImage(io.BytesIO(png))
    image.png = png  # type: ignore[attr-defined]  # what was embedded, for benchmarks' floors
    scale = min(width / image.imageWidth, height / image.imageHeight)
    image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
    return image


class DiagramSlicer:
    """Cuts a Graphviz drawing into horizontal windows holding only the shapes they show.

    Each detail page would otherwise render the whole diagram under a clip path, which
    makes the PDF of a wide SOP quadratic in its size.
    """

    def __init__(self, drawing: Drawing) -> None:
        self.drawing = drawing
        self.chain: list[Group] = []
        group: Any = drawing
        while len(group.contents) == 1 and isinstance(group.contents[0], Group):
            group = group.contents[0]
            self.chain.append(group)
        matrix: Any = (1, 0, 0, 1, 0, 0)
        for link in self.chain:
            matrix = mmult(matrix, link.transform)
        self.spans: list[tuple[Any, float, float]] = []
        for child in group.contents:
            bounds = child.getBounds()
            if bounds is None:
                continue
            xs = [
                transformPoint(matrix, (x, y))[0]
                for x in (bounds[0], bounds[2])
                for y in (bounds[1], bounds[3])
            ]
            self.spans.append((child, min(xs), max(xs)))

    def window(self, x0: float, span: float) -> Drawing:
        """A drawing of the same size holding the shapes that reach into [x0, x0 + span]."""
        if not self.chain:
            return self.drawing
        kept = [child for child, low, high in self.spans if high >= x0 and low <= x0 + span]
        inner: Group = Group(*kept, transform=self.chain[-1].transform)
        for link in reversed(self.chain[:-1]):
            inner = Group(inner, transform=link.transform)
        window = Drawing(self.drawing.width, self.drawing.height, inner)
        window.initialFontName = self.drawing.initialFontName
        return window
