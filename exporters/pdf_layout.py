"""The PDF's pages: portrait and landscape templates, outline and contents, footer, draft banner."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents, drawPageNumbers

from exporters.content import one_line
from exporters.pdf_style import (
    DRAFT,
    MUTED,
    RULE,
    SopParagraph,
    markup,
    register_fonts,
    runs_width,
    styles,
    text_runs,
)

MARGIN = 16 * mm
FOOTER_GAP = 8 * mm
DRAFT_TEXT = "DRAFT: NOT VALID"
PORTRAIT = A4
LANDSCAPE = landscape(A4)


def frame_size(page: tuple[float, float]) -> tuple[float, float]:
    """Width and height of the text frame on a page of this size."""
    return page[0] - 2 * MARGIN, page[1] - 2 * MARGIN - FOOTER_GAP


@dataclass(frozen=True)
class Furniture:
    """What every page carries: the title and digest in the footer, the draft banner."""

    title: str
    version: str
    digest: str
    draft: bool
    draft_reason: str = ""


class Heading(SopParagraph):
    """A section heading that lands in the outline (bookmarks) and the table of contents."""

    def __init__(
        self, text: str | None, style: Any, level: int = 0, toc: bool = True, **kwargs: Any
    ) -> None:
        # Paragraph.split builds both halves with text None: ``split`` gives the first its
        # outline entry back.
        self.outline_text = one_line(text)[:150] if text is not None else None
        self.level, self.toc = level, toc
        super().__init__(markup(text) if text is not None else None, style, **kwargs)

    def split(self, available_width: float, available_height: float) -> list[Any]:
        """A heading too long for the rest of the page (a name of thousands of characters)
        split in parts: the first keeps the bookmark, so the outline keeps its levels (a
        lost one made the next deeper entry fail the whole PDF)."""
        parts = super().split(available_width, available_height)
        for index, part in enumerate(parts):
            if isinstance(part, Heading):
                part.outline_text = self.outline_text if index == 0 else None
                part.level, part.toc = self.level, self.toc
        return parts


class SopDocTemplate(BaseDocTemplate):
    """Portrait pages with a landscape template for wide diagrams; headings feed the outline."""

    def __init__(self, target: Any, furniture: Furniture, **kwargs: Any) -> None:
        super().__init__(
            target,
            pagesize=PORTRAIT,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN + FOOTER_GAP,
            title=one_line(furniture.title),
            author="Gatewright",
            subject=f"Standard operating procedure, version {furniture.version}",
            creator="Gatewright",
            invariant=0,  # a real creation date; SOURCE_DATE_EPOCH makes builds reproducible
            initialFontName=register_fonts().regular,
            **kwargs,
        )
        self.furniture = furniture
        self._marks = 0
        templates = []
        for name, page in (("portrait", PORTRAIT), ("landscape", LANDSCAPE)):
            width, height = frame_size(page)
            frame = Frame(MARGIN, MARGIN + FOOTER_GAP, width, height, id=name, showBoundary=0)
            templates.append(PageTemplate(id=name, frames=[frame], pagesize=page))
        self.addPageTemplates(templates)

    def beforeDocument(self) -> None:
        self._marks = 0

    def afterFlowable(self, flowable: Any) -> None:
        if not isinstance(flowable, Heading) or flowable.outline_text is None:
            return
        self._marks += 1
        key = f"section-{self._marks}"
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(flowable.outline_text, key, level=flowable.level, closed=True)
        self.canv.heading_pages[key] = self.page  # type: ignore[attr-defined]


def contents_entries(story: list[Any]) -> list[tuple[int, str, str]]:
    """The contents' entries (level, markup, key), known before layout: the headings in
    order, keyed as ``afterFlowable`` keys their bookmarks."""
    entries, marks = [], 0
    for flowable in story:
        if isinstance(flowable, Heading) and flowable.outline_text is not None:
            marks += 1
            if flowable.toc:
                entries.append((flowable.level, markup(flowable.outline_text), f"section-{marks}"))
    return entries


PAGE_COLUMN = 28.0
"""Room kept at the right of each contents line for its page number."""
FORM_WIDTH = 120.0
"""Widest number drawn later (``SopCanvas.draw_later``): "page 999 of 999" with room to spare."""


class Contents(TableOfContents):
    """The table of contents, laid out in the same single pass as everything else.

    Its entries are the story's headings, known before layout (``set_entries``); their
    page numbers are not, so each line draws a dot leader and a reference to a PDF form
    that ``SopCanvas.save`` fills in with the page the heading landed on. The entries'
    table is built once: its paragraphs keep their line breaks through every wrap and
    split, and each line is one link to its heading.
    """

    _built_for: float | None = None

    def set_entries(self, entries: list[tuple[int, str, str]]) -> None:
        self._lastEntries = [(level, text, 0, key) for level, text, key in entries]
        self._built_for = None

    def _build_table(self, width: float) -> None:
        rows: list[list[Flowable]] = []
        for level, text, _page, key in self._lastEntries:
            style = self.getLevelStyle(level)
            label = f"{level},{key}"  # keys are "section-N": no commas, no quotes
            if style.spaceBefore:
                rows.append([Spacer(1, style.spaceBefore)])
            end = f'<onDraw name="drawTOCEntryEnd" label="{label}"/>'
            rows.append([SopParagraph(text + end, style)])
        self._table = Table(rows, colWidths=(width,), style=self.tableStyle)
        self._built_for = width

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if self._built_for != availWidth:
            self._build_table(availWidth)

        def entry_end(canvas: Any, _kind: str, label: str) -> None:
            level, key = label.split(",")
            style = self.getLevelStyle(int(level))
            column = availWidth - PAGE_COLUMN
            drawPageNumbers(canvas, style, [], column, availHeight, " . ")
            y = canvas._curr_tx_info["cur_y"]
            canvas.saveState()
            canvas.translate(availWidth, y)
            canvas.draw_later(
                f"contents-page-{key}",
                style.fontName,
                style.fontSize,
                style.textColor,
                lambda: str(canvas.heading_pages.get(key, "")),
            )
            canvas.restoreState()
            canvas.linkRect("", key, (0, y, availWidth, y + style.leading), relative=1)

        self.canv.setNamedCB("drawTOCEntryEnd", entry_end)
        self.width, self.height = self._table.wrapOn(self.canv, availWidth, availHeight)
        return self.width, self.height


def table_of_contents() -> TableOfContents:
    toc = Contents(dotsMinLevel=0, rightColumnWidth=40)
    toc.levelStyles = [styles().toc1, styles().toc2]
    toc.tableStyle = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), register_fonts().regular),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ]
    )
    return toc


class SopCanvas(Canvas):
    """Writes each page as it is laid out. What is only known at the end (the total in the
    footer's "page 3 of 12", the pages in the contents) is drawn as a reference to a PDF
    form, and ``save`` defines the forms once the last page is known."""

    def __init__(self, *args: Any, furniture: Furniture, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.furniture = furniture
        self.pages_done = 0
        self.heading_pages: dict[str, int] = {}
        """Heading key -> page, as the headings land (``SopDocTemplate.afterFlowable``)."""
        self._later: dict[str, tuple[str, float, Any, Callable[[], str]]] = {}

    def draw_later(
        self, name: str, font: str, size: float, colour: Any, text: Callable[[], str]
    ) -> None:
        """Draw ``text()``, known only when the document is complete, right-aligned at the
        origin: a form named ``name`` now, its content at ``save``."""
        self._later[name] = (font, size, colour, text)
        self.doForm(name)

    def showPage(self) -> None:
        self._decorate()
        super().showPage()
        self.pages_done += 1

    def save(self) -> None:
        for name, (font, size, colour, text) in self._later.items():
            self.beginForm(name, -FORM_WIDTH, -size, 0, 2 * size)
            self.setFont(font, size)
            self.setFillColor(colour)
            self.drawRightString(0, 0, text())
            self.endForm()
        super().save()

    def _decorate(self) -> None:
        fonts = register_fonts()
        width, height = self._pagesize
        furniture = self.furniture
        page = self._pageNumber
        self.saveState()
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        self.line(MARGIN, MARGIN + 4 * mm, width - MARGIN, MARGIN + 4 * mm)
        self.setFont(fonts.regular, 7.5)
        self.setFillColor(MUTED)
        room = width - 2 * MARGIN - stringWidth(f"page {page} of {page}00", fonts.regular, 7.5)
        left = f"{one_line(furniture.title)} · version {furniture.version} · {furniture.digest}"
        while left and runs_width(left, 7.5) > room:
            left = left[:-2] + "…" if len(left) > 2 else ""
        x = MARGIN
        for font, run in text_runs(left):
            self.setFont(font, 7.5)
            self.drawString(x, MARGIN, run)
            x += stringWidth(run, font, 7.5)
        self.translate(width - MARGIN, MARGIN)
        self.draw_later(
            f"footer-page-{page}",
            fonts.regular,
            7.5,
            MUTED,
            lambda: f"page {page} of {self.pages_done}",
        )
        self.translate(MARGIN - width, -MARGIN)
        if furniture.draft:
            self._draft_banner(width, height)
        self.restoreState()

    def _draft_banner(self, width: float, height: float) -> None:
        fonts = register_fonts()
        self.setFillColor(DRAFT)
        self.rect(0, height - 7 * mm, width, 7 * mm, stroke=0, fill=1)
        self.setFillColorRGB(1, 1, 1)
        self.setFont(fonts.bold, 9)
        reason = f" · {self.furniture.draft_reason}" if self.furniture.draft_reason else ""
        self.drawCentredString(width / 2, height - 4.8 * mm, DRAFT_TEXT + reason)
        self.saveState()
        self.setFillColor(DRAFT)
        self.setFillAlpha(0.12)
        diagonal = math.hypot(width, height)
        size = min(72.0, 0.7 * diagonal / stringWidth(DRAFT_TEXT, fonts.bold, 1))
        self.setFont(fonts.bold, size)
        self.translate(width / 2, height / 2)
        self.rotate(math.degrees(math.atan2(height, width)))
        self.drawCentredString(0, -size / 3, DRAFT_TEXT)
        self.restoreState()
