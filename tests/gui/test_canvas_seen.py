"""Every node and connection of every template is drawn and takes clicks, as a person sees
it: grabbed pixels of the real view and real mouse clicks, right after opening and after
each kind of edit, at 100%, 10% and 400% zoom. One window serves every template."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.model.templates import template_ids
from app.ui.canvas.items import SIZES
from app.ui.canvas.placing import nearest_free_offset
from app.ui.main_window import MainWindow
from tests.gui.seen import (
    LEFT,
    NO_KEYS,
    auto_layout,
    click_failures,
    drawn_failures,
    extent_failures,
    open_template,
    settle,
)

TEMPLATES = template_ids()


def drag(window: MainWindow, start: QPointF, end: QPointF, hover: bool = False) -> None:
    """A real drag in the view, in a few steps (a hover over ``start`` first, if asked)."""
    viewport = window.view.viewport()
    window.view.centerOn((start + end) / 2)
    QApplication.processEvents()
    if hover:
        QTest.mouseMove(viewport, window.view.mapFromScene(start + QPointF(-30, 0)))
        QTest.mouseMove(viewport, window.view.mapFromScene(start))
    QTest.mousePress(viewport, LEFT, NO_KEYS, window.view.mapFromScene(start))
    for step in range(1, 6):
        QTest.mouseMove(viewport, window.view.mapFromScene(start + (end - start) * step / 5))
    QTest.mouseRelease(viewport, LEFT, NO_KEYS, window.view.mapFromScene(end))
    QApplication.processEvents()


def first(window: MainWindow, kind: str) -> str:
    return next(n.id for n in window.editor.doc.nodes if n.kind == kind)


# -- the edits, each done as a person would -----------------------------------------------


def connect(window: MainWindow) -> None:
    """A new trigger at the free spot nearest below the first stage, then a drag from the
    stage's handle onto it."""
    scene = window.scene
    stage = scene.nodes[first(window, "stage")]
    width, height = SIZES["trigger"]
    below = stage.pos() + QPointF(0, 160)
    box = QRectF(below.x() - width / 2, below.y() - height / 2, width, height)
    shift = nearest_free_offset(scene, [box], set(), 10) or (0.0, 0.0)
    trigger = window.editor.add_node("trigger", (below.x() + shift[0], below.y() + shift[1]))
    before = len(window.editor.doc.edges)
    handle = stage.mapToScene(stage.handle_rect().center())
    drag(window, handle, scene.nodes[trigger].pos(), hover=True)
    assert len(window.editor.doc.edges) == before + 1, window.statusBar().currentMessage()


def move(window: MainWindow) -> None:
    """Drag the first gate 150 px down (or to the nearest free place from there)."""
    gate = window.scene.nodes[first(window, "gate")]
    start = gate.pos() + QPointF(-40, 0)
    drag(window, start, start + QPointF(0, 150))
    assert window.editor.stack.count() >= 1


def undo(window: MainWindow) -> None:
    move(window)
    window.editor.stack.undo()


def redo(window: MainWindow) -> None:
    undo(window)
    window.editor.stack.redo()


def auto_layout_down(window: MainWindow) -> None:
    auto_layout(window, "TB")


def auto_layout_across(window: MainWindow) -> None:
    auto_layout(window, "LR")


def paste(window: MainWindow) -> None:
    """Select all, copy, paste: a second copy of the whole SOP beside the first."""
    nodes = len(window.editor.doc.nodes)
    window.select_all()
    window.copy()
    window.paste()
    assert len(window.editor.doc.nodes) == 2 * nodes
    window.scene.clearSelection()


def resize_and_scroll(window: MainWindow) -> None:
    window.resize(1000, 640)
    QApplication.processEvents()
    window.view.horizontalScrollBar().setValue(window.view.horizontalScrollBar().value() + 333)
    window.view.verticalScrollBar().setValue(window.view.verticalScrollBar().value() + 77)
    QApplication.processEvents()


EDITS = {
    "open": lambda window: None,
    "connect": connect,
    "move": move,
    "undo": undo,
    "redo": redo,
    "auto-layout-down": auto_layout_down,
    "auto-layout-across": auto_layout_across,
    "paste": paste,
    "resize-and-scroll": resize_and_scroll,
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_every_node_and_connection_is_drawn_and_takes_a_click(designer, edit) -> None:  # type: ignore[no-untyped-def]
    failures = []
    for template in TEMPLATES:
        designer.resize(1366, 768)
        open_template(designer, template)
        EDITS[edit](designer)
        designer.view.set_zoom(1.0)
        settle(designer)
        found = extent_failures(designer) + drawn_failures(designer) + click_failures(designer)
        failures += [f"{template}: {line}" for line in found]
        designer.editor.stack.setClean()
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:40])


@pytest.mark.parametrize("zoom", [0.1, 4.0])
def test_connections_have_extents_and_take_clicks_at_the_zoom_limits(designer, zoom) -> None:  # type: ignore[no-untyped-def]
    failures = []
    for template in TEMPLATES:
        open_template(designer, template, zoom)
        assert designer.view.zoom() == pytest.approx(zoom)
        found = extent_failures(designer) + click_failures(designer)
        failures += [f"{template} at {zoom:.0%}: {line}" for line in found]
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:40])
