"""What a person sees on the canvas: grabbed pixels and real clicks, for GUI tests.

Each check returns the failures it found (one line each), so a test can look at every
connection of every template in one window and report all that went wrong at once.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, QSettings, Qt
from PySide6.QtGui import QColor, QImage, QPainterPath, QPainterPathStroker
from PySide6.QtTest import QSignalSpy, QTest
from PySide6.QtWidgets import QApplication

from app.model.templates import load_template
from app.ui.main_window import MainWindow

LEFT = Qt.MouseButton.LeftButton
NO_KEYS = Qt.KeyboardModifier.NoModifier
NEAR = 2
"""A connection counts as drawn at a point when its colour is within this many pixels."""
STRENGTH = 0.6
"""...at 60% of the way from the paper to its colour, at least (antialiasing blends)."""


def one_window(tmp_path_factory):  # type: ignore[no-untyped-def]
    """One designer window, 1366x768 as on a small laptop, for every test of a module
    (a module-scoped fixture yields from this)."""
    folder = tmp_path_factory.mktemp("seen")
    with pytest.MonkeyPatch.context() as patch:
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
        patch.setenv("GATEWRIGHT_WORKSPACE", str(folder / "workspace.db"))
        window = MainWindow()
        # Each click selects something, and the inspector would build that element's
        # forms: the canvas is what is looked at here, so the inspector sits it out.
        patch.setattr(window.inspector, "show_selection", lambda _ids: None)
        window.resize(1366, 768)
        window.show()
        QTest.qWaitForWindowExposed(window)
        yield window
        window.editor.stack.setClean()
        window.close()
        window.deleteLater()
        QApplication.processEvents()


def open_template(window: MainWindow, template: str, zoom: float = 1.0) -> None:
    window.editor.replace_document(load_template(template))
    QApplication.processEvents()  # the queued fit runs first; then the zoom asked for
    window.view.set_zoom(zoom)
    settle(window)


def settle(window: MainWindow) -> None:
    """Let the event loop run until the canvas has routed what it left for idle moments
    (after many changes at once, or long connections in a large diagram)."""
    QApplication.processEvents()
    while window.scene.routing_pending():  # each wait ends with a slice that routed the rest
        assert QSignalSpy(window.scene.routed).wait(60_000), "routing still under way after 60 s"


def auto_layout(window: MainWindow, direction: str = "TB") -> None:
    """Edit › Auto-layout (top to bottom, or left to right), waited for: it runs on a
    worker thread behind a progress dialog."""
    finished = QSignalSpy(window.layout_runner.finished)
    window.layout_runner.start(direction)  # type: ignore[arg-type]
    if window.layout_runner.running:
        assert finished.wait(60_000), "auto-layout did not finish in 60 s"
    settle(window)


def crossings(window: MainWindow) -> list[str]:
    """Each connection whose drawn line passes through a node other than its two ends."""
    scene = window.scene
    doc = window.editor.doc
    stroker = QPainterPathStroker()
    stroker.setWidth(1.0)
    found = []
    for edge_id, item in scene.edges.items():
        edge = doc.edge(edge_id)
        line = stroker.createStroke(item.mapToScene(item.path()))
        for node_id, node in scene.nodes.items():
            if node_id in (edge.source, edge.target):
                continue
            shape = node.outline() if hasattr(node, "outline") else node.shape()
            outline: QPainterPath = node.mapToScene(shape)
            if line.intersects(outline):
                found.append(f"{edge_id} runs through {node_id}")
    return found


def midpoint(item) -> QPointF:  # type: ignore[no-untyped-def]
    """Halfway along the line a connection item draws, in the scene."""
    return item.mapToScene(item.path().pointAtPercent(0.5))


def strength(pixel: QColor, paper: QColor, colour: QColor) -> float:
    """How far ``pixel`` has gone from ``paper`` towards ``colour`` (1: all the way), over
    the channels in which the two differ; 0 when it went another way."""
    shares = []
    for have, base, want in (
        (pixel.red(), paper.red(), colour.red()),
        (pixel.green(), paper.green(), colour.green()),
        (pixel.blue(), paper.blue(), colour.blue()),
    ):
        if abs(want - base) > 30:
            shares.append((have - base) / (want - base))
    return max(0.0, min(shares)) if shares else 0.0


def shows(image: QImage, spot: QPoint, colour: QColor, paper: QColor) -> bool:
    """Whether ``colour`` shows within NEAR pixels of ``spot``: a pixel gone STRENGTH of
    the way there from the paper, or (for pale fills hardly unlike the paper) one of
    nearly that very colour."""
    for dx in range(-NEAR, NEAR + 1):
        for dy in range(-NEAR, NEAR + 1):
            pixel = image.pixelColor(spot.x() + dx, spot.y() + dy)
            if strength(pixel, paper, colour) >= STRENGTH or _alike(pixel, colour):
                return True
    return False


def _alike(a: QColor, b: QColor) -> bool:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue()) <= 12


def _visible(window: MainWindow, margin: int = 12) -> QRectF:
    view = window.view
    inner = view.viewport().rect().adjusted(margin, margin, -margin, -margin)
    return view.mapToScene(inner).boundingRect()


def _bring_into_view(window: MainWindow, point: QPointF) -> None:
    if not _visible(window).contains(point):
        window.view.centerOn(point)
        QApplication.processEvents()


def extent_failures(window: MainWindow) -> list[str]:
    """Every node and connection has a non-empty extent and pick shape in the scene."""
    failures = []
    for element_id, item in [*window.scene.nodes.items(), *window.scene.edges.items()]:
        if item.sceneBoundingRect().isEmpty() or item.shape().isEmpty():
            failures.append(f"{element_id}: no extent")
    return failures


def drawn_failures(window: MainWindow) -> list[str]:
    """Grab the real view: each connection's colour shows at its midpoint, each node's
    fill just inside its left edge, with nothing selected (a selected node shows a handle
    and a "+" beside it). Grabs again only when the next point is off screen."""
    view, scene = window.view, window.scene
    scene.clearSelection()
    paper = scene.backgroundBrush().color()
    failures: list[str] = []
    image: QImage | None = None
    spots: list[tuple[str, QPointF, QColor]] = []
    for edge_id, item in scene.edges.items():
        spots.append((edge_id, midpoint(item), QColor(item.pen().color())))
    for node_id, item in scene.nodes.items():
        inside = item.mapToScene(QPointF(item.boundingRect().center().x() - 60, 0))
        spots.append((node_id, inside, QColor(scene_fill(item.kind))))
    for element_id, point, colour in spots:
        if image is None or not _visible(window).contains(point):
            view.centerOn(point)
            QApplication.processEvents()
            image = view.viewport().grab().toImage()
        if not shows(image, view.mapFromScene(point), colour, paper):
            failures.append(f"{element_id}: {colour.name()} not drawn at {point.toTuple()}")
    return failures


def scene_fill(kind: str) -> str:
    from exporters.style import NODE_STYLES

    return NODE_STYLES[kind].fill


def click_failures(window: MainWindow) -> list[str]:
    """A real click at each connection's midpoint selects that connection alone, and one
    at each node's centre that node."""
    scene = window.scene
    failures = []
    targets = [(i, midpoint(item)) for i, item in scene.edges.items()]
    targets += [(i, item.pos()) for i, item in scene.nodes.items()]
    for element_id, point in targets:
        scene.clearSelection()
        _bring_into_view(window, point)
        spot = window.view.mapFromScene(point)
        QTest.mouseClick(window.view.viewport(), LEFT, NO_KEYS, spot)
        chosen = scene.selected_ids()
        if chosen != [element_id]:
            failures.append(f"{element_id}: a click at {point.toTuple()} selected {chosen}")
    scene.clearSelection()
    return failures
