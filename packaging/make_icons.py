"""Draws the application icon's PNG sizes into resources/icons/hicolor with QPainter (offscreen).

The shapes are those of the hand-written SVG (resources/icons/hicolor/scalable/apps/), on
its 256-unit grid: a rounded blue tile, the promote path as a white arrow, and a gate as an
amber diamond with a check mark (left out at 24 pixels and below, where it would blur).

Run `.venv/bin/python packaging/make_icons.py` after changing the design; the PNGs are
committed, so building the bundle never needs a display or this script.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
GRID = 256
ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
HICOLOR = ICONS / "hicolor"
NAME = "gatewright"
SMALL = 24
"""At this size and below the check mark is left out."""


def draw(size: int):  # -> QImage; Qt is imported late so that QT_QPA_PLATFORM is set first
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QBrush, QColor, QImage, QLinearGradient, QPainter, QPen, QPolygonF

    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(size / GRID, size / GRID)
    white = QColor("#ffffff")

    tile = QLinearGradient(0, 8, 0, 248)
    tile.setColorAt(0, QColor("#2563eb"))
    tile.setColorAt(1, QColor("#1e3a8a"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(tile))
    painter.drawRoundedRect(QRectF(8, 8, 240, 240), 48, 48)

    def pen(width: float) -> QPen:
        return QPen(white, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                    Qt.PenJoinStyle.RoundJoin)  # fmt: skip

    def polygon(*points: tuple[float, float]) -> QPolygonF:
        return QPolygonF([QPointF(x, y) for x, y in points])

    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(pen(16))
    painter.drawLine(QPointF(36, 128), QPointF(84, 128))
    painter.drawLine(QPointF(172, 128), QPointF(196, 128))
    painter.setPen(pen(8))
    painter.setBrush(white)
    painter.drawPolygon(polygon((192, 98), (228, 128), (192, 158)))
    painter.setPen(pen(12))
    painter.setBrush(QColor("#f59e0b"))
    painter.drawPolygon(polygon((128, 76), (180, 128), (128, 180), (76, 128)))
    if size > SMALL:
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPolyline(polygon((108, 128), (123, 143), (150, 114)))
    painter.end()
    return image


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    for size in SIZES:
        folder = HICOLOR / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{NAME}.png"
        if not draw(size).save(str(target), "PNG"):
            print(f"error: could not write {target}", file=sys.stderr)
            return 1
        print(f"wrote {target.relative_to(ICONS.parent.parent)}")
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
