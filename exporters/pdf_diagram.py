"""The diagram in the PDF: Graphviz SVG as vector graphics (PNG if that fails), tiled when wide."""

from __future__ import annotations

import io
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any
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

if TYPE_CHECKING:
    from app.validate.diagnostics import Diagnostic

LEGIBLE_SCALE = 0.62
"""Below this scale 9 pt labels print smaller than about 5.5 pt: add enlarged detail pages."""
DETAIL_SCALE = 0.85
OVERLAP = 0.08
FALLBACK_DPI = 220
MAX_DETAIL_PAGES = 8
OVERVIEW_DPI = 200
"""Resolution of a raster overview on paper (Graphviz scales the diagram to fit its page)."""
OVERVIEW_LIKELY_NODES = 60
"""From this many nodes a diagram usually prints as an overview: it is drawn alongside the SVG."""
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


@dataclass
class DiagramRender:
    """What Graphviz made for the PDF's diagram, and how it fits the page."""

    graph: Any = None  # the DOT graph, drawn once as SVG, and as PNG when that is needed
    svg: bytes = b""
    root: ElementTree.Element | None = None
    size: tuple[float, float] = (1.0, 1.0)
    frame: tuple[float, float] = (1.0, 1.0)  # the usable width and height on its page
    wide: bool = False
    overview: bytes | None = None  # a PNG, when no page makes the diagram legible
    missing: str = ""  # why there is no diagram (Graphviz is not installed)

    @property
    def scale(self) -> float:
        return min(self.frame[0] / self.size[0], self.frame[1] / self.size[1], 1.0)

    @property
    def detail(self) -> float:
        return min(DETAIL_SCALE, self.frame[1] / self.size[1])

    def slices(self) -> tuple[int, float, float]:
        """How many enlarged detail slices, how wide each is, and the step between them."""
        span = self.frame[0] / self.detail
        step = span * (1 - OVERLAP)
        legible = self.scale >= LEGIBLE_SCALE
        return (0 if legible else max(1, math.ceil((self.size[0] - span) / step) + 1)), span, step


def overview_png(graph: Any, frame: tuple[float, float]) -> bytes:
    """The whole diagram as a PNG at print resolution, scaled down by Graphviz to fit
    ``frame`` (width and height in points)."""
    graph = graph.copy()
    graph.attr("graph", size=f"{frame[0] / 72:.3f},{frame[1] / 72:.3f}")
    return gv.render(graph, "png", OVERVIEW_DPI)


def render_diagram(
    doc: Sop,
    diagnostics: list[Diagnostic],
    portrait: tuple[float, float],
    landscape: tuple[float, float],
) -> DiagramRender:
    """Run Graphviz for the diagram: the SVG, and a PNG overview when the diagram is too
    large to print legibly. Only subprocesses and XML: it may run on a worker thread while
    the other sections are built. ``portrait`` and ``landscape`` are the page frames.

    A diagram of many nodes usually needs the overview, and it is usually wide (the promote
    path runs left to right): its landscape overview is drawn alongside the SVG, in a
    second Graphviz process, rather than after it."""
    graph = gv.diagram_graph(doc, diagnostics)
    wide_frame = (landscape[0], landscape[1] - 90)
    many = len(doc.nodes) >= OVERVIEW_LIKELY_NODES
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="graphviz-png") as pool:
        likely = pool.submit(overview_png, graph, wide_frame) if many else None
        try:
            svg = gv.render(graph, "svg")
        except gv.GraphvizMissingError as error:
            return DiagramRender(missing=str(error))
        root = ElementTree.fromstring(svg)
        width, height = (
            float(root.get(side, "1pt").removesuffix("pt")) for side in ("width", "height")
        )
        wide = width > height
        page_width, page_height = landscape if wide else portrait
        frame = (page_width, page_height - 90)
        render = DiagramRender(graph, svg, root, (width, height), frame, wide)
        count, _span, _step = render.slices()
        if count > MAX_DETAIL_PAGES or render.detail < LEGIBLE_SCALE:
            # No page size makes this legible: an overview at print resolution (cheaper
            # than converting thousands of vector shapes nobody can read).
            if likely is not None and frame == wide_frame:
                render.overview = likely.result()
            else:
                render.overview = overview_png(graph, frame)
    return render


def diagram_flowables(render: DiagramRender) -> tuple[list[Flowable], bool]:
    """The diagram fitted to its page, with enlarged detail slices when it prints small.

    Returns the flowables and whether they need the landscape page (so the caller picks
    the page template before them).
    """
    s = styles()
    if render.root is None:
        return [para(f"The diagram is not included: {render.missing}.", s.body)], False
    try:
        return _diagram_flowables(render)
    except DiagramImageError as error:
        return [para(f"The diagram is not included: {error}.", s.body)], False


class DiagramImageError(Exception):
    """Graphviz made a picture of the diagram that no PDF can hold (too many pixels for the
    imaging library, or no image at all); the PDF says so instead of failing."""


def _diagram_flowables(render: DiagramRender) -> tuple[list[Flowable], bool]:
    s = styles()
    width, usable_height = render.frame
    wide = render.wide
    if render.overview is not None:
        note = (
            "The diagram is too large to print legibly; export it with "
            "`gatewright export svg` (or png) to read it at full size."
        )
        return [
            _fitted(render.overview, width, usable_height),
            Spacer(1, 6),
            legend(width),
            Spacer(1, 6),
            para(note, s.small),
        ], wide
    # svglib draws each label in the regular font; labels it cannot show (CJK, rarer
    # scripts) go through Graphviz's own PNG, whose font lookup falls back per character.
    drawing = svg_drawing(render.svg) if covers(_svg_text(render.root)) else None
    if drawing is None:
        dpi = min(FALLBACK_DPI, MAX_PNG_PIXELS * 72 / max(render.size))
        png = gv.render(render.graph, "png", max(10, int(dpi)))
        return [_fitted(png, width, usable_height), Spacer(1, 4), legend(width)], wide
    flowables: list[Flowable] = [
        DrawingWindow(drawing, render.scale),
        Spacer(1, 6),
        legend(width),
    ]
    count, span, step = render.slices()
    if not count:
        return flowables, wide
    slicer = DiagramSlicer(drawing)
    for index in range(count):
        x0 = min(index * step, max(0.0, drawing.width - span))
        caption = f"Detail {index + 1} of {count}, enlarged (the slices overlap slightly)."
        flowables += [
            PageBreak(),
            rich(caption, s.small),
            DrawingWindow(slicer.window(x0, span), render.detail, x0, span),
        ]
    return flowables, wide


def _fitted(png: bytes, width: float, height: float) -> Image:
    """A PNG of the diagram, fitted into ``width`` x ``height`` points."""
    try:
        image = SopImage(io.BytesIO(png))
    except Exception:  # whatever the imaging library refuses (unreadable, a bomb...)
        raise DiagramImageError(
            f"Graphviz drew it as an image too large to print ({len(png):,} bytes); export "
            "it with `gatewright export svg` to read it at full size"
        ) from None
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
