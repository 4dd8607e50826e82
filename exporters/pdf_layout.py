"""The PDF's pages: portrait and landscape templates, outline and contents, footer, draft banner."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, TableStyle
from reportlab.platypus.tableofcontents import TableOfContents

from exporters.content import one_line
from exporters.pdf_style import (
    DRAFT,
    MUTED,
    RULE,
    Sketched,
    SopParagraph,
    markup,
    register_fonts,
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
        # Paragraph.split builds the second half with text None: only the first half counts.
        self.outline_text = one_line(text)[:150] if text is not None else None
        self.level, self.toc = level, toc
        super().__init__(markup(text) if text is not None else None, style, **kwargs)


class SopDocTemplate(BaseDocTemplate):
    """Portrait pages with a landscape template for wide diagrams; headings feed the outline."""

    def __init__(
        self, target: Any, furniture: Furniture, sketch_first_pass: bool = False, **kwargs: Any
    ) -> None:
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
            invariant=1,
            initialFontName=register_fonts().regular,
            **kwargs,
        )
        self.furniture = furniture
        self.sketch_first_pass = sketch_first_pass
        """Skip drawing tables and diagrams on pass 1, which only measures pages for the
        contents; only safe when the contents were primed, so that a second pass follows."""
        self._marks = 0
        self.passes = 0
        """Build passes so far: multiBuild lays the story out again until the contents settle."""
        templates = []
        for name, page in (("portrait", PORTRAIT), ("landscape", LANDSCAPE)):
            width, height = frame_size(page)
            frame = Frame(MARGIN, MARGIN + FOOTER_GAP, width, height, id=name, showBoundary=0)
            templates.append(PageTemplate(id=name, frames=[frame], pagesize=page))
        self.addPageTemplates(templates)

    def beforeDocument(self) -> None:
        self._marks = 0
        self.passes += 1
        self.canv.sketch = self.sketch_first_pass and self.passes == 1  # type: ignore[attr-defined]

    def afterFlowable(self, flowable: Any) -> None:
        if not isinstance(flowable, Heading) or flowable.outline_text is None:
            return
        self._marks += 1
        key = f"section-{self._marks}"
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(flowable.outline_text, key, level=flowable.level, closed=True)
        if flowable.toc:
            entry = markup(flowable.outline_text)
            self.notify("TOCEntry", (flowable.level, entry, self.page, key))


class Contents(Sketched, TableOfContents):
    pass


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
    """Defers each page until the total is known, for "page 3 of 12" footers."""

    def __init__(self, *args: Any, furniture: Furniture, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.furniture = furniture
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._decorate(total)
            super().showPage()
        super().save()

    def _decorate(self, total: int) -> None:
        fonts = register_fonts()
        width, height = self._pagesize
        furniture = self.furniture
        self.saveState()
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        self.line(MARGIN, MARGIN + 4 * mm, width - MARGIN, MARGIN + 4 * mm)
        self.setFont(fonts.regular, 7.5)
        self.setFillColor(MUTED)
        right = f"page {self._pageNumber} of {total}"
        room = width - 2 * MARGIN - stringWidth(right, fonts.regular, 7.5) - 12
        left = f"{one_line(furniture.title)} · version {furniture.version} · {furniture.digest}"
        while left and stringWidth(left, fonts.regular, 7.5) > room:
            left = left[:-2] + "…" if len(left) > 2 else ""
        x = MARGIN
        for font, run in text_runs(left):
            self.setFont(font, 7.5)
            self.drawString(x, MARGIN, run)
            x += stringWidth(run, font, 7.5)
        self.setFont(fonts.regular, 7.5)
        self.drawRightString(width - MARGIN, MARGIN, right)
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
