"""Far out (25%), where each node is drawn from one picture per kind and each connection
as a one-pixel line: every node still shows its fill, outline and name bar, every
connection its kind's colour, and a node singled out (a highlight, a problem) is drawn
as such, not as the plain far-out node. Grabbed pixels of the real view."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication

from app.ui.canvas import items
from app.ui.canvas.items import SEVERITY_COLOURS, _node_paints
from app.ui.main_window import MainWindow
from exporters.style import EDGE_STYLES, NODE_STYLES
from tests.gui.seen import NEAR, _alike, open_template, strength

FAR = 0.25
TEMPLATES = ["automated-pipeline", "rollback-procedure"]  # all five kinds of each
LINE_STRENGTH = 0.4
"""A connection is one pixel wide far out: antialiased across two rows of pixels where it
lies between them, it takes each of them at least 40% of the way to its colour."""
OUTLINE_STRENGTH = 0.15
"""The outline is 0.4 px wide at 25%: antialiased and split between two pixels, it takes
each of them 15% of the way to its colour at least."""


def _grab(window: MainWindow, point: QPointF) -> QImage:
    window.view.centerOn(point)
    QApplication.processEvents()
    return window.view.viewport().grab().toImage()


def _strongest(
    image: QImage, window: MainWindow, point: QPointF, paper: QColor, colour: QColor
) -> float:
    """How strongly ``colour`` shows over ``paper`` within NEAR pixels of scene ``point``."""
    spot = window.view.mapFromScene(point)
    return max(
        strength(image.pixelColor(spot.x() + dx, spot.y() + dy), paper, colour)
        for dx in range(-NEAR, NEAR + 1)
        for dy in range(-NEAR, NEAR + 1)
    )


def _node_failures(window: MainWindow) -> list[str]:
    """Each node's fill inside its left edge, its name bar at its centre and its outline
    at its left edge."""
    failures = []
    for node_id, item in window.scene.nodes.items():
        fill = QColor(NODE_STYLES[item.kind].fill)
        paints = _node_paints(item.kind)
        centre = item.pos()
        left = item.mapToScene(QPointF(item.outline().boundingRect().left(), 0))
        image = _grab(window, centre)
        inside = window.view.mapFromScene(centre + QPointF(-55, 0))
        if not _alike(image.pixelColor(inside), fill):
            failures.append(f"{node_id}: {image.pixelColor(inside).name()} inside, not its fill")
        bar = _strongest(image, window, centre, fill, paints.text_bar.color())
        outline = _strongest(image, window, left, fill, QColor(NODE_STYLES[item.kind].border))
        if bar < 0.6:
            failures.append(f"{node_id}: its name bar shows at {bar:.2f}")
        if outline < OUTLINE_STRENGTH:
            failures.append(f"{node_id}: its outline shows at {outline:.2f}")
    return failures


def test_far_out_every_node_shows_its_fill_outline_and_name_bar(designer) -> None:  # type: ignore[no-untyped-def]
    failures = []
    for template in TEMPLATES:
        open_template(designer, template, FAR)
        assert designer.view.zoom() == pytest.approx(FAR)
        kinds = {item.kind for item in designer.scene.edges.values()}
        assert kinds == set(EDGE_STYLES), template
        assert {item.kind for item in designer.scene.nodes.values()} == set(NODE_STYLES)
        found = _node_failures(designer)
        failures += [f"{template} at 25%: {line}" for line in found]
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:40])


@pytest.mark.parametrize("template", TEMPLATES)
def test_far_out_connections_show_their_kinds_colour(designer, template) -> None:  # type: ignore[no-untyped-def]
    """Along each connection (not only at its middle) its kind's colour shows, dashed or not."""
    open_template(designer, template, FAR)
    paper = designer.scene.backgroundBrush().color()
    failures = []
    for edge_id, item in designer.scene.edges.items():
        colour = QColor(EDGE_STYLES[item.kind].color)
        path = item.path()
        spots = [item.mapToScene(path.pointAtPercent(t)) for t in (0.3, 0.4, 0.5, 0.6, 0.7)]
        image = _grab(designer, spots[2])
        shown = sum(
            _strongest(image, designer, spot, paper, colour) >= LINE_STRENGTH for spot in spots
        )
        if shown < 4:
            failures.append(f"{edge_id} ({item.kind}): its colour shows at {shown} of 5 points")
    assert not failures, "\n".join(failures)


def test_far_out_a_highlighted_or_faulty_node_is_drawn_as_such(designer) -> None:  # type: ignore[no-untyped-def]
    """A halo (simulation, find) and a problem badge show at 25% too, and go with them."""
    open_template(designer, "automated-pipeline", FAR)
    scene = designer.scene
    node_id, item = next((k, v) for k, v in scene.nodes.items() if v.kind == "stage")
    fill = QColor(NODE_STYLES["stage"].fill)
    halo, paper = QColor("#16a34a"), scene.backgroundBrush().color()
    bounds = item.outline().boundingRect()
    outside = item.mapToScene(QPointF(bounds.left() - 2, 0))
    badge = item.mapToScene(QPointF(bounds.right(), bounds.top()))
    red = QColor(SEVERITY_COLOURS["error"])

    def seen() -> tuple[float, float]:
        image = _grab(designer, item.pos())
        return (
            _strongest(image, designer, outside, paper, halo),
            _strongest(image, designer, badge, fill, red),
        )

    assert seen()[0] < 0.3 and seen()[1] < 0.3, "nothing singles the node out yet"
    item.set_highlight(halo.name())
    assert seen()[0] >= 0.6, f"{node_id}: no halo at 25%"
    item.set_highlight(None)
    assert seen()[0] < 0.3, f"{node_id}: the halo stayed"
    item.set_problem("error", "broken")
    assert seen()[1] >= 0.6, f"{node_id}: no problem badge at 25%"
    item.set_problem(None)
    assert seen()[1] < 0.3, f"{node_id}: the badge stayed"


def _on_a_screen(window: MainWindow, ratio: float) -> QImage:
    """The view as a screen of pixel ratio ``ratio`` shows it (rendered into an image of
    that ratio, as a window moved to that screen paints into its backing store)."""
    size = window.view.viewport().size()
    image = QImage(
        round(size.width() * ratio), round(size.height() * ratio), QImage.Format.Format_RGB32
    )
    image.setDevicePixelRatio(ratio)
    image.fill(QColor("white"))
    painter = QPainter(image)
    shown = QRectF(0, 0, size.width(), size.height())  # in the screen's logical pixels
    window.view.render(painter, shown, window.view.viewport().rect())
    painter.end()
    return image


def test_a_second_screen_of_another_pixel_ratio_gets_sharp_nodes(designer) -> None:  # type: ignore[no-untyped-def]
    """A window moved from a 1x screen to a 2x one shows the far-out nodes drawn for 2x
    pixels, exactly as if it had opened there, not the 1x pictures scaled up."""
    open_template(designer, "automated-pipeline", FAR)
    items._SPRITES.clear()
    sharp = _on_a_screen(designer, 2.0)  # opened on the 2x screen
    items._SPRITES.clear()
    _on_a_screen(designer, 1.0)  # opened on the 1x screen, then moved
    moved = _on_a_screen(designer, 2.0)
    assert moved == sharp
    items._SPRITES.clear()
    single = _on_a_screen(designer, 1.0)
    assert _on_a_screen(designer, 2.0) != single.scaled(sharp.size())  # the test can tell
