"""The PDF's fonts, paragraph and table styles, page furniture, and the safe-text helpers."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, Paragraph, Table, TableStyle
from reportlab.platypus.tables import CellStyle

from exporters.content import clean

FONT_PACKAGE = "fonts-dejavu-core"
FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/share/fonts/truetype",
    "/usr/local/share/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
    "/Library/Fonts",
    "~/Library/Fonts",
    "C:/Windows/Fonts",
)
FACES = {
    "regular": "DejaVuSans.ttf",
    "bold": "DejaVuSans-Bold.ttf",
    "italic": "DejaVuSans-Oblique.ttf",
    "bolditalic": "DejaVuSans-BoldOblique.ttf",
}
# TrueType (not CFF) fonts with CJK ideographs, used for runs of CJK text when present.
CJK_CANDIDATES = (
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
_CJK = re.compile("([\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+)")

INK = colors.HexColor("#111827")
MUTED = colors.HexColor("#4b5563")
ACCENT = colors.HexColor("#1d4ed8")
HEAD_FILL = colors.HexColor("#1f2937")
ZEBRA = colors.HexColor("#f3f4f6")
RULE = colors.HexColor("#d1d5db")
KEY_FILL = colors.HexColor("#e5e7eb")
PADDING = 3
DRAFT = colors.HexColor("#dc2626")


class FontMissingError(RuntimeError):
    """The DejaVu Sans fonts the PDF embeds are not installed."""


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    italic: str
    bolditalic: str
    paths: dict[str, str]
    cjk: str | None = None


def _find_face(filename: str) -> str | None:
    """A font file by name: GATEWRIGHT_FONT_DIR, the usual folders, then fontconfig's answer."""
    folders = [os.environ.get("GATEWRIGHT_FONT_DIR", ""), *FONT_DIRS]
    for folder in filter(None, folders):
        candidate = Path(folder).expanduser() / filename
        if candidate.is_file():
            return str(candidate)
    for root in ("/usr/share/fonts", "/usr/local/share/fonts"):
        found = next(Path(root).rglob(filename), None) if Path(root).is_dir() else None
        if found:
            return str(found)
    fc_match = shutil.which("fc-match")
    if fc_match:
        done = subprocess.run(
            [fc_match, "--format=%{file}", "DejaVu Sans"],
            capture_output=True,
            text=True,
            check=False,
        )
        sibling = Path(done.stdout).with_name(filename) if done.stdout else None
        if sibling and sibling.is_file():
            return str(sibling)
    return None


@cache
def register_fonts() -> Fonts:
    """Register DejaVu Sans (embedded, so é, — and Cyrillic render everywhere) once."""
    paths = {face: _find_face(name) for face, name in FACES.items()}
    regular = paths["regular"]
    if regular is None:
        raise FontMissingError(
            f"the DejaVu Sans font ({FACES['regular']}) was not found in "
            f"{', '.join(FONT_DIRS[:3])} or through fontconfig; install it "
            f"(Debian or Ubuntu: apt-get install {FONT_PACKAGE}) or set GATEWRIGHT_FONT_DIR "
            "to a folder holding DejaVuSans.ttf"
        )
    found = {face: path or regular for face, path in paths.items()}
    names = {face: f"GW-DejaVuSans-{face}" for face in FACES}
    for face, path in found.items():
        pdfmetrics.registerFont(TTFont(names[face], path))
    pdfmetrics.registerFontFamily(
        names["regular"],
        normal=names["regular"],
        bold=names["bold"],
        italic=names["italic"],
        boldItalic=names["bolditalic"],
    )
    cjk = None
    for candidate in CJK_CANDIDATES:
        if Path(candidate).is_file():
            try:
                pdfmetrics.registerFont(TTFont("GW-CJK", candidate))
                cjk = "GW-CJK"
                break
            except Exception:  # a font file reportlab cannot read: try the next
                continue
    return Fonts(**names, paths=found, cjk=cjk)


def markup(text: str) -> str:
    """User text as Paragraph markup: XML-escaped, line breaks kept, CJK runs in a CJK font."""
    escaped = escape(clean(text)).replace("\n", "<br/>")
    cjk = register_fonts().cjk
    if cjk and _CJK.search(escaped):
        escaped = _CJK.sub(rf'<font name="{cjk}">\1</font>', escaped)
    return escaped


def text_runs(text: str) -> list[tuple[str, str]]:
    """``(font, text)`` runs for drawing plain text directly on a canvas (footers)."""
    fonts = register_fonts()
    if not fonts.cjk:
        return [(fonts.regular, text)]
    parts = _CJK.split(text)
    return [(fonts.cjk if i % 2 else fonts.regular, part) for i, part in enumerate(parts) if part]


def runs_width(text: str, size: float) -> float:
    """The width of ``text`` drawn as its :func:`text_runs`, each in its own font."""
    return sum(stringWidth(run, font, size) for font, run in text_runs(text))


def covers(text: str) -> bool:
    """Whether the regular embedded font has a glyph for every character of ``text`` (as
    svglib draws a diagram label: in one font, with no fallback for CJK or rarer scripts)."""
    regular = pdfmetrics.getFont(register_fonts().regular).face.charToGlyph  # type: ignore[attr-defined]
    return all(ord(c) in regular or c.isspace() for c in set(text))


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    subtitle: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    h3: ParagraphStyle
    body: ParagraphStyle
    lead: ParagraphStyle
    """Body text before a table (sections start on a fresh page when little room is left)."""
    small: ParagraphStyle
    cell: ParagraphStyle
    head: ParagraphStyle
    key: ParagraphStyle
    mark: ParagraphStyle
    toc1: ParagraphStyle
    toc2: ParagraphStyle


@cache
def styles() -> Styles:
    fonts = register_fonts()

    def style(name: str, size: float, **extra: object) -> ParagraphStyle:
        values: dict[str, object] = {
            "fontName": fonts.regular,
            "fontSize": size,
            "leading": size * 1.3,
            "textColor": INK,
        }
        values.update(extra)
        return ParagraphStyle(name, **values)  # type: ignore[arg-type]

    return Styles(
        title=style("title", 24, fontName=fonts.bold, leading=30, spaceAfter=10),
        subtitle=style("subtitle", 12, textColor=MUTED, spaceAfter=4),
        h1=style(
            "h1",
            15,
            fontName=fonts.bold,
            textColor=ACCENT,
            spaceBefore=10,
            spaceAfter=6,
            keepWithNext=1,
        ),
        h2=style("h2", 11.5, fontName=fonts.bold, spaceBefore=8, spaceAfter=4, keepWithNext=1),
        h3=style("h3", 9.5, fontName=fonts.bold, spaceBefore=4, spaceAfter=2, keepWithNext=1),
        body=style("body", 9.5, spaceAfter=4),
        lead=style("lead", 9.5, spaceAfter=4),
        small=style("small", 8, textColor=MUTED, spaceAfter=3),
        cell=style("cell", 7.8, leading=9.6),
        head=style("head", 7.8, leading=9.6, fontName=fonts.bold, textColor=colors.white),
        key=style("key", 7.8, leading=9.6, fontName=fonts.bold),
        mark=style("mark", 8.5, leading=10, fontName=fonts.bold, alignment=TA_CENTER),
        toc1=style("toc1", 10.5, fontName=fonts.bold, leftIndent=12, firstLineIndent=-12),
        toc2=style("toc2", 9.5, leftIndent=28, firstLineIndent=-12),
    )


def cell(text: str, style: ParagraphStyle, width: float) -> str | Paragraph:
    """A table cell: plain text when it fits on one line (cheap to lay out), else a paragraph.

    Plain cells are drawn as literal strings, never parsed as markup; the table gives them
    the paragraph's font and size (``SopTable``'s cell defaults, ``header_commands``).
    """
    text = clean(text)
    if (
        "\n" not in text
        and not _CJK.search(text)
        and stringWidth(text, style.fontName, style.fontSize) <= width - 2 * PADDING - 1
    ):
        return text
    return para(text, style)


SMALLEST_HEADER_SIZE = 6.0


def word_fitted(text: str, style: ParagraphStyle, width: float) -> ParagraphStyle:
    """``style``, or a smaller copy of it (down to ``SMALLEST_HEADER_SIZE``) in which the
    longest word of ``text`` fits ``width``: a narrow header column then reads "Platform
    operations owner", not "Platform operation|s owner"."""
    room = width - 2 * PADDING - 1
    size = style.fontSize
    longest = max((stringWidth(w, style.fontName, size) for w in text.split()), default=0.0)
    if longest <= room or longest == 0:
        return style
    size = max(SMALLEST_HEADER_SIZE, style.fontSize * room / longest)
    return ParagraphStyle(
        f"{style.name}-{size:.1f}", parent=style, fontSize=size, leading=size * 1.2
    )


def header_commands() -> list[tuple[object, ...]]:
    """The header row's font and colour for plain-text cells, matching the head paragraphs."""
    return [
        ("FONTNAME", (0, 0), (-1, 0), styles().head.fontName),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
    ]


@cache
def _cell_style() -> type[CellStyle]:
    """ReportLab's cell defaults (Helvetica 10 on 12, 6-point padding, bottom-aligned) made
    ours: the cell paragraph's font, size and colour, top-aligned, with our padding."""
    s = styles()
    defaults = {
        "fontname": s.cell.fontName,
        "fontsize": s.cell.fontSize,
        "leading": s.cell.leading,
        "color": INK,
        "valign": "TOP",
        "leftPadding": PADDING,
        "rightPadding": PADDING,
        "topPadding": 2,
        "bottomPadding": 3,
    }
    return type("SopCellStyle", (CellStyle,), defaults)


class SopTable(Table):
    """A table in the document's style that also remembers its last layout (a frame wraps a
    table again before splitting it, with the same room, and cell paragraphs are the costly
    part to measure).

    Its cells start from our defaults (``_cell_style``) rather than ReportLab's: style
    commands spanning the whole table are applied cell by cell, which made setting font,
    size, alignment and padding that way most of the cost of building a large table.
    """

    _laid_out: tuple[float, float] | None = None

    def __init__(self, data: Any, *args: Any, **kwargs: Any) -> None:
        columns = len(data[0]) if data else 0
        style = _cell_style()
        kwargs.setdefault("cellStyles", [[style("") for _ in range(columns)] for _ in data])
        kwargs.setdefault("splitInRow", 1)  # a row taller than a page goes on over the next
        super().__init__(data, *args, **kwargs)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if self._laid_out == (availWidth, availHeight):
            return self._width, self._height
        size = super().wrap(availWidth, availHeight)
        self._laid_out = (availWidth, availHeight)
        return size

    def split(self, availWidth: float, availHeight: float) -> list[Any]:
        self._laid_out = None  # splitting lays the table out again, for other room maybe
        return super().split(availWidth, availHeight)


class SopParagraph(Paragraph):
    """A paragraph that keeps its line breaks while the width stays the same (frames and
    table splits measure the same paragraph again and again)."""

    _laid_out: float | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if self._laid_out == availWidth:
            return self.width, self.height
        size = super().wrap(availWidth, availHeight)
        self._laid_out = availWidth if size == (self.width, self.height) else None
        return size

    def split(self, availWidth: float, availHeight: float) -> list[Any]:
        self._laid_out = None
        return super().split(availWidth, availHeight)


class SopImage(Image):
    pass


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of user (or mixed) text: always escaped."""
    return SopParagraph(markup(text), style)


def rich(markup_text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of markup written by this module; user parts must go through ``markup``."""
    return SopParagraph(markup_text, style)


def table_style(zebra: bool = True, rows: int = 0) -> TableStyle:
    """A ``SopTable``'s look: a header row, a grid, zebra rows."""
    commands: list[tuple[object, ...]] = [
        *header_commands(),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
    ]
    if zebra:
        commands += [("BACKGROUND", (0, r), (-1, r), ZEBRA) for r in range(2, rows, 2)]
    return TableStyle(commands)


def facts_style() -> TableStyle:
    """Key/value tables: a shaded key column, no header row."""
    return TableStyle(
        [
            ("FONTNAME", (0, 0), (0, -1), styles().key.fontName),
            ("BACKGROUND", (0, 0), (0, -1), KEY_FILL),
            ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ]
    )
