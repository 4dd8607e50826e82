"""A node's name and caption stay inside its outline, however long: wrapped, shrunk or
elided, with the whole text in the tooltip; a selected node's border never crosses them."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter
from PySide6.QtWidgets import QGraphicsScene

from app.ui.canvas.items import NodeItem
from app.ui.canvas.node_text import text_rect
from tests.gui.test_literal_text import _shown

LONG_NAME = "Clinical validation, ethics board and patient safety go-live review gate"
LONG_WORD = "Supercalifragilisticexpialidocious-deployment-verification"
APPROVERS = "\n".join(
    [
        "2× Clinical lead (medical expert)",
        "1× Patient safety officer",
        "1× Health data compliance officer (high)",
        "1× Chief medical information officer (medium, high)",
    ]
)
CAPTIONS = {
    "stage": "production · canary 1% → 5% → 25% → 50% → 100%, 30 min each",
    "gate": APPROVERS,
    "trigger": "clinician-override-rate > 0.3 ×3 · SLA 240 min",
    "action": "Platform operations on-call engineer · 20 min",
    "check": "12 criteria",
}
CASES = [
    (kind, name, caption)
    for kind, caption in CAPTIONS.items()
    for name in (LONG_NAME, LONG_WORD, "Gate")
    for caption in (caption, "")
]
SCALE = 2.0
"""Rendered at 200%, so that a pixel is half a scene unit."""


def node(
    kind: str, name: str, caption: str, selected: bool = True
) -> tuple[QGraphicsScene, NodeItem]:
    scene = QGraphicsScene()
    item = NodeItem("n", kind)
    item.set_text(name, caption)
    scene.addItem(item)
    item.setSelected(selected)
    return scene, item


def render(scene: QGraphicsScene, item: NodeItem) -> tuple[QImage, QRectF]:
    source = item.sceneBoundingRect().adjusted(-4, -4, 4, 4)
    image = QImage(
        int(source.width() * SCALE), int(source.height() * SCALE), QImage.Format.Format_RGB32
    )
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    scene.render(painter, QRectF(image.rect()), source)
    painter.end()
    return image, source


def inside_by(item: NodeItem, point: QPointF, margin: float) -> bool:
    """Whether ``point`` (item coordinates) is at least ``margin`` inside the outline."""
    outline = item.outline() if hasattr(item, "outline") else item.shape()
    return all(
        outline.contains(point + QPointF(dx, dy))
        for dx in (-margin, 0.0, margin)
        for dy in (-margin, 0.0, margin)
    )


@pytest.mark.parametrize(("kind", "name", "caption"), CASES)
def test_no_text_pixel_falls_outside_the_outline(qapp, kind, name, caption) -> None:  # type: ignore[no-untyped-def]
    # given a selected node (dashed 3 px border) with its text drawn at 200%
    scene, item = node(kind, name, caption)
    image, source = render(scene, item)
    # then every dark pixel (text is near-black or dark grey; borders are coloured and
    # fills pale) lies well inside the outline: clear of the border's 1.5 px inner half
    handle = item.handle_rect().adjusted(-4, -4, 4, 4)  # a selected node's dark-rimmed handle
    outside = []
    for y in range(image.height()):
        for x in range(image.width()):
            pixel = image.pixelColor(x, y)
            if max(pixel.red(), pixel.green(), pixel.blue()) >= 120:
                continue
            at = item.mapFromScene(
                QPointF(source.left() + (x + 0.5) / SCALE, source.top() + (y + 0.5) / SCALE)
            )
            if not handle.contains(at) and not inside_by(item, at, 2.0):
                outside.append((round(at.x(), 1), round(at.y(), 1)))
    assert not outside, f"{len(outside)} text pixels outside, e.g. {outside[:5]}"


@pytest.mark.parametrize(("kind", "name", "caption"), CASES)
def test_each_line_laid_out_lies_inside_the_outline(qapp, kind, name, caption) -> None:  # type: ignore[no-untyped-def]
    _scene, item = node(kind, name, caption)
    fitted = item.text_layout()
    assert fitted.lines, "nothing is shown"
    assert fitted.lines[0].text, "the name's first line is empty"
    outline = item.outline()
    for line in fitted.lines:
        metrics = QFontMetricsF(fitted.caption_font if line.caption else fitted.name_font)
        box = text_rect(line, metrics)
        assert outline.contains(box), f"{line.text!r} at {box} leaves the {kind}"
    if fitted.complete:
        shown = " ".join(line.text for line in fitted.lines)
        assert " ".join(name.split()) in shown


def test_short_text_is_shown_whole_at_its_normal_size(qapp) -> None:
    _scene, item = node("gate", "Release gate", "1× ML lead")
    fitted = item.text_layout()
    assert fitted.complete
    assert [line.text for line in fitted.lines] == ["Release gate", "1× ML lead"]
    assert fitted.name_font.pointSizeF() == pytest.approx(8.5)


def test_what_does_not_fit_is_counted_and_kept_in_the_tooltip(qapp) -> None:
    _scene, item = node("gate", "Patient safety go-live gate", APPROVERS)
    fitted = item.text_layout()
    assert not fitted.complete
    assert fitted.name_complete  # the name is never what gives way first
    # the last caption line shown says how many are left out ("... +2", or "+4 more")
    last = [line.text for line in fitted.lines if line.caption][-1]
    assert re.search(r"\+[1-4]( more)?$", last), last
    tip = _shown(item.toolTip())
    assert "Patient safety go-live gate" in tip
    for approver in APPROVERS.splitlines():
        assert approver in tip


def test_text_is_drawn_in_one_line_per_rect(qapp) -> None:
    """Lines are drawn each in its own rect, single-line: Qt's wrapping never adds one."""
    _scene, item = node("action", LONG_NAME, CAPTIONS["action"], selected=False)
    fitted = item.text_layout()
    for line in fitted.lines:
        metrics = QFontMetricsF(fitted.caption_font if line.caption else fitted.name_font)
        assert metrics.horizontalAdvance(line.text) <= line.rect.width() + 0.5
        assert metrics.boundingRect(line.rect, int(Qt.TextFlag.TextSingleLine), line.text)
