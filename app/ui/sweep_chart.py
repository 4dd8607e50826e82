"""A threshold sweep as a chart, painted with QPainter: x the criterion's threshold, y the
share of candidates the gate would promote (and, with an outcome column, the precision and
recall of what it blocks), today's threshold marked, a cursor showing the values at one
threshold. Clicking (or the arrow keys) picks a threshold; a double click or Enter asks to
use it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontMetricsF,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

PROMOTE = QColor("#2563eb")
PRECISION = QColor("#d97706")
RECALL = QColor("#059669")
TODAY = QColor("#be185d")
"""Fixed colours (the shared chart language; each legible on light and dark paper)."""
LEFT, TOP, RIGHT, BOTTOM = 52.0, 34.0, 22.0, 50.0
"""The plot's margins: y labels on the left, the legend on top, x labels and title below."""
Y_TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class Series:
    """What the chart draws, from a sweep's JSON part (``BacktestResult.sweep``)."""

    thresholds: list[float]
    promote: list[float | None]
    precision: list[float | None] | None
    recall: list[float | None] | None
    today: float
    title: str
    rows: list[dict[str, Any]]


def series_of(sweep: dict[str, Any]) -> Series:
    rows = list(sweep["thresholds"])

    def rate(row: dict[str, Any]) -> float | None:
        total = row["promote"] + row["reject"] + row["hold"]
        return row["promote"] / total if total else None

    outcome = "outcome" in sweep
    what = "baseline + delta" if sweep["form"] == "baseline" else "threshold"
    return Series(
        thresholds=[float(row["threshold"]) for row in rows],
        promote=[rate(row) for row in rows],
        precision=[row["precision"] for row in rows] if outcome else None,
        recall=[row["recall"] for row in rows] if outcome else None,
        today=float(sweep["today"]),
        title=f"{sweep['metric']} {sweep['op']} {what}",
        rows=rows,
    )


def nice_ticks(low: float, high: float, count: int = 6) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten apart) covering low..high."""
    span = high - low
    if span <= 0 or not math.isfinite(span):
        return [low]
    raw = span / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    return ticks


def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


class SweepChart(QWidget):
    """The sweep's chart; ``chosen``/``hovered`` carry a threshold's index (-1: none),
    ``applied`` the index to use as the criterion's threshold."""

    chosen = Signal(int)
    hovered = Signal(int)
    applied = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series: Series | None = None
        self.today: float | None = None
        self.chosen_index = -1
        self.hover_index = -1
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Backtest chart")
        self.setMinimumSize(420, 240)

    def sizeHint(self) -> QSize:
        return QSize(640, 320)

    # -- data ---------------------------------------------------------------------------

    def show_series(self, series: Series | None) -> None:
        self.series = series
        self.today = None if series is None else series.today
        self.chosen_index = self.hover_index = -1
        self._describe()
        self.update()

    def set_today(self, today: float | None) -> None:
        """Today's threshold moved (the document changed): the marker follows it."""
        self.today = today
        self.update()

    def choose(self, index: int) -> None:
        if self.series is None or not 0 <= index < len(self.series.thresholds):
            index = -1
        if index != self.chosen_index:
            self.chosen_index = index
            self._describe()
            self.update()
            self.chosen.emit(index)

    def values_text(self, index: int) -> str:
        """One line: the threshold and what the gate would do with it."""
        series = self.series
        if series is None or not 0 <= index < len(series.thresholds):
            return ""
        row = series.rows[index]
        total = row["promote"] + row["reject"] + row["hold"]
        text = (
            f"threshold {series.thresholds[index]:g}: promote {percent(series.promote[index])}"
            f" ({row['promote']:,} of {total:,})"
        )
        if series.precision is not None and series.recall is not None:
            text += (
                f", precision {percent(series.precision[index])}, recall "
                f"{percent(series.recall[index])} ({row['missed']:,} incidents missed)"
            )
        return text

    def _describe(self) -> None:
        self.setAccessibleDescription(self.values_text(self.chosen_index))

    # -- geometry -----------------------------------------------------------------------

    def plot_rect(self) -> QRectF:
        return QRectF(
            LEFT, TOP, max(self.width() - LEFT - RIGHT, 1), max(self.height() - TOP - BOTTOM, 1)
        )

    def domain(self) -> tuple[float, float]:
        """The thresholds' span, today's included so that its marker is always shown."""
        assert self.series is not None
        values = [*self.series.thresholds, *([] if self.today is None else [self.today])]
        low, high = min(values), max(values)
        if high == low:
            pad = abs(low) * 0.1 or 1.0
            return low - pad, high + pad
        return low, high

    def x_of(self, threshold: float) -> float:
        low, high = self.domain()
        plot = self.plot_rect()
        return plot.left() + (threshold - low) / (high - low) * plot.width()

    def y_of(self, rate: float) -> float:
        plot = self.plot_rect()
        return plot.bottom() - rate * plot.height()

    def index_at(self, x: float) -> int:
        """The threshold drawn nearest to ``x`` (-1 without data)."""
        if self.series is None or not self.series.thresholds:
            return -1
        distances = [abs(self.x_of(t) - x) for t in self.series.thresholds]
        return distances.index(min(distances))

    # -- input --------------------------------------------------------------------------

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        index = self.index_at(event.position().x()) if self._inside(event) else -1
        if index != self.hover_index:
            self.hover_index = index
            self.update()
            self.hovered.emit(index)

    def leaveEvent(self, event: Any) -> None:
        if self.hover_index != -1:
            self.hover_index = -1
            self.update()
            self.hovered.emit(-1)
        super().leaveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._inside(event):
            self.choose(self.index_at(event.position().x()))
            return
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._inside(event):
            self.choose(self.index_at(event.position().x()))
            if self.chosen_index >= 0:
                self.applied.emit(self.chosen_index)
            return
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        count = 0 if self.series is None else len(self.series.thresholds)
        key = event.key()
        current = self.chosen_index if self.chosen_index >= 0 else self._today_index()
        moves = {
            Qt.Key.Key_Left: current - 1,
            Qt.Key.Key_Right: current + 1,
            Qt.Key.Key_Home: 0,
            Qt.Key.Key_End: count - 1,
        }
        if count and key in moves:
            self.choose(min(max(moves[key], 0), count - 1))
        elif count and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.chosen_index >= 0:
            self.applied.emit(self.chosen_index)
        else:
            super().keyPressEvent(event)

    def _today_index(self) -> int:
        if self.series is None or self.today is None or not self.series.thresholds:
            return 0
        gaps = [abs(t - self.today) for t in self.series.thresholds]
        return gaps.index(min(gaps))

    def _inside(self, event: QMouseEvent) -> bool:
        plot = self.plot_rect().adjusted(-8, -8, 8, 8)
        return self.series is not None and plot.contains(event.position())

    # -- painting -----------------------------------------------------------------------

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        text = palette.color(QPalette.ColorRole.Text)
        plot = self.plot_rect()
        if self.series is None or not self.series.thresholds:
            painter.setPen(text)
            painter.drawText(
                plot,
                int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap),
                "Choose a history file: the chart shows what each threshold would have done.",
            )
            return
        self._axes(painter, plot, text)
        series = self.series
        self._curve(painter, series.promote, PROMOTE, dots=True)
        if series.precision is not None:
            self._curve(painter, series.precision, PRECISION)
        if series.recall is not None:
            self._curve(painter, series.recall, RECALL)
        cursor = self.hover_index if self.hover_index >= 0 else self.chosen_index
        if cursor >= 0:
            x = self.x_of(series.thresholds[cursor])
            painter.setPen(QPen(text, 1, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
        self._today(painter, plot)  # over the cursor's line: the marker stays whole
        if cursor >= 0:
            self._cursor(painter, plot, cursor)
        self._legend(painter, text)

    def _axes(self, painter: QPainter, plot: QRectF, text: QColor) -> None:
        metrics = QFontMetricsF(self.font())
        grid = QColor(text)
        grid.setAlpha(40)
        for rate in Y_TICKS:
            y = self.y_of(rate)
            painter.setPen(QPen(grid, 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(text)
            label = f"{100 * rate:.0f}%"
            box = QRectF(0, y - metrics.height() / 2, plot.left() - 6, metrics.height())
            painter.drawText(
                box, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), label
            )
        low, high = self.domain()
        for tick in nice_ticks(low, high):
            x = self.x_of(tick)
            painter.setPen(QPen(grid, 1))
            painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
            painter.setPen(text)
            painter.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 4))
            label = f"{tick:g}"
            width = metrics.horizontalAdvance(label)
            painter.drawText(QPointF(x - width / 2, plot.bottom() + 6 + metrics.ascent()), label)
        painter.setPen(QPen(text, 1))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())
        assert self.series is not None
        title = self.series.title
        box = QRectF(
            plot.left(), plot.bottom() + 8 + metrics.height(), plot.width(), metrics.height() + 4
        )
        painter.drawText(box, int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop), title)

    def _curve(
        self, painter: QPainter, values: list[float | None], colour: QColor, dots: bool = False
    ) -> None:
        assert self.series is not None
        path = QPainterPath()
        drawing = False
        points = []
        for threshold, value in zip(self.series.thresholds, values, strict=True):
            if value is None:
                drawing = False
                continue
            point = QPointF(self.x_of(threshold), self.y_of(value))
            points.append(point)
            if drawing:
                path.lineTo(point)
            else:
                path.moveTo(point)
                drawing = True
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(colour, 2.5))
        painter.drawPath(path)
        if dots:
            painter.setBrush(colour)
            painter.setPen(Qt.PenStyle.NoPen)
            for point in points:
                painter.drawEllipse(point, 3.5, 3.5)

    def _today(self, painter: QPainter, plot: QRectF) -> None:
        if self.today is None:
            return
        x = self.x_of(self.today)
        painter.setPen(QPen(TODAY, 2))
        painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
        label = f"today {self.today:g}"
        metrics = QFontMetricsF(self.font())
        width = metrics.horizontalAdvance(label)
        left = x + 4 if x + 4 + width <= plot.right() else x - 4 - width
        painter.drawText(QPointF(left, plot.top() + metrics.ascent() + 2), label)

    def _cursor(self, painter: QPainter, plot: QRectF, index: int) -> None:
        """The values at the cursor: a ring on each curve, and a box beside the line."""
        assert self.series is not None
        series = self.series
        x = self.x_of(series.thresholds[index])
        curves = [(series.promote, PROMOTE), (series.precision, PRECISION), (series.recall, RECALL)]
        painter.setBrush(self.palette().color(QPalette.ColorRole.Base))
        for values, colour in curves:
            if values is not None and values[index] is not None:
                painter.setPen(QPen(colour, 2))
                painter.drawEllipse(QPointF(x, self.y_of(values[index])), 5, 5)
        lines = [f"threshold {series.thresholds[index]:g}"]
        lines.append(f"promote {percent(series.promote[index])}")
        if series.precision is not None and series.recall is not None:
            lines.append(f"precision {percent(series.precision[index])}")
            lines.append(f"recall {percent(series.recall[index])}")
        metrics = QFontMetricsF(self.font())
        width = max(metrics.horizontalAdvance(line) for line in lines) + 12
        height = metrics.height() * len(lines) + 8
        left = x + 10 if x + 10 + width <= plot.right() else x - 10 - width
        top = plot.top() + metrics.height() + 8
        box = QRectF(left, top, width, height)
        fill = self.palette().color(QPalette.ColorRole.ToolTipBase)
        painter.setBrush(fill)
        painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Mid), 1))
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(self.palette().color(QPalette.ColorRole.ToolTipText))
        for number, line in enumerate(lines):
            baseline = top + 4 + metrics.ascent() + number * metrics.height()
            painter.drawText(QPointF(left + 6, baseline), line)

    def _legend(self, painter: QPainter, text: QColor) -> None:
        assert self.series is not None
        entries = [("promote rate", PROMOTE)]
        if self.series.precision is not None:
            entries += [("precision", PRECISION), ("recall", RECALL)]
        entries.append(("today's threshold", TODAY))
        metrics = QFontMetricsF(self.font())
        x, y = LEFT, (TOP - metrics.height()) / 2
        for name, colour in entries:
            painter.setPen(QPen(colour, 3))
            middle = y + metrics.height() / 2
            painter.drawLine(QPointF(x, middle), QPointF(x + 18, middle))
            painter.setPen(text)
            painter.drawText(QPointF(x + 24, y + metrics.ascent()), name)
            x += 24 + metrics.horizontalAdvance(name) + 18
