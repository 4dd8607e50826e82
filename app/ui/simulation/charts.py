"""Small charts drawn with QPainter: bars with labels, and a histogram built on them."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget


class BarChart(QWidget):
    """Horizontal bars: (label, value, colour); an optional reference value per bar."""

    def __init__(self, title: str, unit: str = "") -> None:
        super().__init__()
        self.title, self.unit = title, unit
        self.bars: list[tuple[str, float, str, float | None]] = []
        self.setMinimumHeight(120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setAccessibleName(title)

    def set_bars(self, bars: list[tuple[str, float, str, float | None]]) -> None:
        self.bars = bars
        self.setMinimumHeight(40 + 22 * max(1, len(bars)))
        self.setToolTip(
            "\n".join(f"{label}: {value:g} {self.unit}" for label, value, _c, _r in bars)
        )
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        painter.setPen(QColor("#111827"))
        painter.drawText(QRectF(8, 4, self.width() - 16, 18), self.title)
        if not self.bars:
            painter.setPen(QColor("#6b7280"))
            painter.drawText(QRectF(8, 26, self.width() - 16, 18), "No data yet")
            return
        label_width = min(170.0, self.width() * 0.38)
        top = 26.0
        span = max(max(v, r or 0) for _l, v, _c, r in self.bars) or 1.0
        usable = self.width() - label_width - 70
        for label, value, colour, reference in self.bars:
            painter.setPen(QColor("#374151"))
            painter.drawText(
                QRectF(8, top, label_width - 12, 18), int(Qt.AlignmentFlag.AlignVCenter), label
            )
            width = usable * value / span
            painter.fillRect(QRectF(label_width, top + 3, max(width, 1.0), 12), QColor(colour))
            if reference is not None:
                x = label_width + usable * reference / span
                painter.setPen(QPen(QColor("#111827"), 1.5, Qt.PenStyle.DashLine))
                painter.drawLine(int(x), int(top), int(x), int(top + 18))
            painter.setPen(QColor("#111827"))
            painter.drawText(
                QRectF(label_width + width + 6, top, 70, 18),
                int(Qt.AlignmentFlag.AlignVCenter),
                f"{value:.3g} {self.unit}",
            )
            top += 22


def histogram(values: list[float], bins: int = 8) -> list[tuple[str, float]]:
    """(range label, count) for ``values`` split into equal-width bins."""
    if not values:
        return []
    low, high = min(values), max(values)
    width = (high - low) / bins or 1.0
    counts = [0] * bins
    for value in values:
        counts[min(int((value - low) / width), bins - 1)] += 1
    return [
        (f"{low + i * width:.3g}–{low + (i + 1) * width:.3g}", float(c))
        for i, c in enumerate(counts)
    ]
