"""Fitting a node's name and caption inside its outline: wrapped, shrunk, then elided.

Every outline the canvas draws is convex, so a line of text of half-width ``w`` between
heights ``y0`` and ``y1`` lies inside the outline (with ``PADDING`` to spare) exactly when
its four corners do; each edge of the outline bounds ``w`` linearly. Lines are centred,
each as wide as the outline allows at its height (a diamond's middle line is wider than
its top one), and the block is centred vertically.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF

from app.ui.canvas.shapes import Outline

PADDING = 6.0
"""Room between text and outline: a selected node's 3 px dashed border stays off the text."""
SCALES = (1.0, 0.9, 0.8)
"""Font sizes tried, as fractions of the normal ones, before text is elided."""
LONGEST = 400
"""More characters than this never fit a node: longer texts are cut first (a hostile
100,000-character name would otherwise be measured word by word)."""
NAME_LINES, CAPTION_LINES = 2, 2
"""At most this many lines for the name, and for each caption paragraph."""


@dataclass(frozen=True)
class TextLine:
    """One line to draw: its text, in the name's font or the caption's, in ``rect``."""

    text: str
    caption: bool
    rect: QRectF


@dataclass(frozen=True)
class FittedText:
    lines: tuple[TextLine, ...]
    name_font: QFont
    caption_font: QFont
    complete: bool
    """False when something was elided or left out (the tooltip then carries it all)."""
    name_complete: bool
    """Whether the name at least is shown whole."""
    captions: int
    """How many caption paragraphs are shown (some perhaps elided), or a count of them."""


def fit_text(outline: Outline, name: str, caption: str, base: QFont, small: QFont) -> FittedText:
    """Lay ``name`` (in ``base``) and ``caption`` (in ``small``; one paragraph per line of
    it) out inside ``outline``: the largest of ``SCALES`` at which all of it fits, else the
    largest at which the name fits whole with some caption, or at least whole, else the
    largest; what does not fit is elided, and the last caption line shown says how many
    are left out."""
    paragraphs = [(name[:LONGEST], False)] + [
        (p[:LONGEST], True) for p in caption.split("\n")[:LONGEST] if p.strip()
    ]
    tried = [
        _fit_at(outline, paragraphs, _scaled(base, scale), _scaled(small, scale))
        for scale in SCALES
    ]
    wishes = (
        lambda f: f.complete,
        lambda f: f.name_complete and (f.captions or len(paragraphs) == 1),
        lambda f: f.name_complete,
    )
    for wanted in wishes:
        for fitted in tried:
            if wanted(fitted):
                return fitted
    return tried[0]


def _scaled(font: QFont, scale: float) -> QFont:
    out = QFont(font)
    out.setPointSizeF(font.pointSizeF() * scale)
    return out


def _fit_at(
    outline: Outline, paragraphs: list[tuple[str, bool]], name_font: QFont, caption_font: QFont
) -> FittedText:
    """The name first, on as many lines as it needs; then caption paragraphs while there
    is room, each on a line or two; the last one shown counts those left out (" +2")."""
    metrics = {False: QFontMetricsF(name_font), True: QFontMetricsF(caption_font)}
    height = {kind: m.height() for kind, m in metrics.items()}
    room = outline.room(height[True], PADDING)

    def tall(shown: list[tuple[str, bool]], counts: list[int]) -> float:
        return sum(height[c] * n for (_t, c), n in zip(shown, counts, strict=True))

    def grow(shown: list[tuple[str, bool]], counts: list[int]) -> list[int]:
        """More lines for the last paragraph while it does not fit and room is left."""
        limit = CAPTION_LINES if shown[-1][1] else NAME_LINES
        while True:
            _lines, short = _place(outline, shown, counts, metrics, height)
            wider = [*counts[:-1], counts[-1] + 1]
            if len(shown) - 1 not in short or wider[-1] > limit or tall(shown, wider) > room:
                return counts
            counts = wider

    shown, counts = paragraphs[:1], grow(paragraphs[:1], [1])
    for paragraph in paragraphs[1:]:
        trial, trial_counts = [*shown, paragraph], [*counts, 1]
        if tall(trial, trial_counts) > room:
            break
        trial_counts = grow(trial, trial_counts)
        _lines, short = _place(outline, trial, trial_counts, metrics, height)
        if any(index < len(shown) for index in short):
            break  # the block grew towards narrower parts: what fitted before no longer does
        shown, counts = trial, trial_counts
    left_out = len(paragraphs) - len(shown)
    suffix = f" +{left_out}" if left_out and len(shown) > 1 else ""
    if left_out and len(shown) == 1:  # no caption line fits: say at least how many there are
        trial, trial_counts = [*shown, (f"+{left_out} more", True)], [*counts, 1]
        _lines, short = _place(outline, trial, trial_counts, metrics, height)
        if tall(trial, trial_counts) <= room and not short:
            shown, counts = trial, trial_counts
    lines, short = _place(outline, shown, counts, metrics, height, suffix)
    return FittedText(
        tuple(lines),
        name_font,
        caption_font,
        complete=not short and not left_out,
        name_complete=0 not in short,
        captions=len(shown) - 1,
    )


def _place(
    outline: Outline,
    shown: list[tuple[str, bool]],
    counts: list[int],
    metrics: dict[bool, QFontMetricsF],
    height: dict[bool, float],
    suffix: str = "",
) -> tuple[list[TextLine], list[int]]:
    """Lines for ``counts`` lines per paragraph, centred, and the paragraphs that do not
    fit in them; ``suffix`` ends the last line, whatever is elided before it."""
    total = sum(height[c] * n for (_t, c), n in zip(shown, counts, strict=True))
    y = outline.centre - total / 2
    out: list[TextLine] = []
    short: list[int] = []
    for index, ((text, caption), count) in enumerate(zip(shown, counts, strict=True)):
        line_height = height[caption]
        widths = []
        for k in range(count):
            top = y + k * line_height
            widths.append(2 * outline.half_width(top, top + line_height, PADDING))
        last = index == len(shown) - 1
        pieces, fits = _wrap(text, widths, metrics[caption], suffix if last else "")
        if not fits:
            short.append(index)
        for k, piece in enumerate(pieces):
            top = y + k * line_height
            rect = QRectF(-widths[k] / 2, top, widths[k], line_height)
            out.append(TextLine(piece, caption, rect))
        y += line_height * count
    return out, short


def _wrap(
    text: str, widths: list[float], metrics: QFontMetricsF, suffix: str = ""
) -> tuple[list[str], bool]:
    """``text`` word-wrapped into lines of the given widths; the last line elided if
    words are left over (and a word too long for its line elided too), then ``suffix``."""
    words = text.split()
    lines: list[str] = []
    fits = True
    at = 0  # the next word to place
    for k, width in enumerate(widths):
        if at >= len(words):
            break
        last = k == len(widths) - 1
        line, at = words[at], at + 1
        while at < len(words) and metrics.horizontalAdvance(f"{line} {words[at]}") <= width:
            line, at = f"{line} {words[at]}", at + 1
        if last and at < len(words):
            line, at = f"{line} {' '.join(words[at:])}", len(words)
        end = suffix if last or at >= len(words) else ""
        room = width - metrics.horizontalAdvance(end)
        if metrics.horizontalAdvance(line) > room:
            fits = False
            line = metrics.elidedText(line, Qt.TextElideMode.ElideRight, max(0.0, room))
        lines.append(line + end)
    return lines, fits and at >= len(words)


def text_rect(line: TextLine, metrics: QFontMetricsF) -> QRectF:
    """Where ``line``'s glyphs land, drawn centred in its rect: its advance width, as tall
    as the line (for tests that check text against the outline)."""
    width = metrics.horizontalAdvance(line.text)
    centre = line.rect.center().x()
    return QRectF(centre - width / 2, line.rect.top(), width, line.rect.height())
