"""Undo labels name elements as people do ("Undo Move 'Technical validation'"), and the
toolbar does not shift as they change."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QToolBar, QToolButton

from app.model.templates import load_template
from app.ui.main_window import MainWindow
from tests.gui.viewing import laptop_window, settle, viewport_point

LEFT = Qt.MouseButton.LeftButton
NO_KEYS = Qt.KeyboardModifier(0)


@pytest.fixture
def window(qtbot) -> MainWindow:
    made = laptop_window(qtbot, load_template("deployment-approval"))
    made.view.set_zoom(1.0)
    yield made
    made.editor.stack.setClean()


def undo_action(window: MainWindow):  # type: ignore[no-untyped-def]
    return window.edit_menu.actions()[0]


def last_label(window: MainWindow) -> str:
    """The label of the edit Undo would undo, as the History panel lists it."""
    stack = window.editor.stack
    return stack.command(stack.index() - 1).text()


def drag_node(window: MainWindow, node_id: str, by: tuple[float, float]) -> None:
    """A real mouse drag of the node by ``by`` scene pixels."""
    window.select_element(node_id)
    item = window.scene.nodes[node_id]
    start = item.pos() + QPointF(-40, 0)  # clear of the connection handle on the right
    viewport = window.view.viewport()
    QTest.mousePress(viewport, LEFT, NO_KEYS, viewport_point(window, start).toPoint())
    for step in range(1, 4):
        here = start + QPointF(by[0] * step / 3, by[1] * step / 3)
        QTest.mouseMove(viewport, viewport_point(window, here).toPoint())
    end = start + QPointF(*by)
    QTest.mouseRelease(viewport, LEFT, NO_KEYS, viewport_point(window, end).toPoint())
    settle()


def toolbar_buttons(window: MainWindow) -> list[tuple[str, int, int]]:
    """Every toolbar button's text and its x position and width in the window."""
    found = []
    for bar in window.findChildren(QToolBar):
        for button in bar.findChildren(QToolButton):
            if button.isVisible() and button.defaultAction() is not None:
                x = button.mapTo(window, QPoint(0, 0)).x()
                found.append((button.defaultAction().text(), x, button.width()))
    return sorted(found, key=lambda row: row[1])


def test_a_drag_is_undone_by_the_node_name(window: MainWindow) -> None:
    drag_node(window, "technical-validation", (0, 60))
    assert undo_action(window).text() == "&Undo Move 'Technical validation'"
    undo_button = next(
        b
        for bar in window.findChildren(QToolBar)
        for b in bar.findChildren(QToolButton)
        if b.defaultAction() is not None and b.defaultAction().text() == "Undo"
    )
    assert undo_button.toolTip() == "Undo Move 'Technical validation'"
    assert window.undo_view.model().index(1, 0).data() == "Move 'Technical validation'"


def test_the_toolbar_does_not_shift_as_undo_labels_change(window: MainWindow) -> None:
    before = toolbar_buttons(window)
    assert [text for text, _x, _w in before][:2] == ["Undo", "Redo"]
    window.editor.set_property("request", "name", "R")
    drag_node(window, "request", (0, 40))
    assert toolbar_buttons(window) == before
    window.editor.set_property(
        "request", "name", "A very long name for the stage where deployment is requested"
    )
    drag_node(window, "request", (0, 40))
    assert toolbar_buttons(window) == before
    window.editor.stack.undo()
    assert toolbar_buttons(window) == before


def test_labels_name_connections_fields_and_deletions(window: MainWindow) -> None:
    doc = window.editor.doc
    edge = next(e for e in doc.edges if e.source == "request")
    target = doc.node(edge.target).name
    window.editor.delete([edge.id])
    assert last_label(window) == (f"Delete connection 'Deployment request' → '{target}'")
    window.editor.stack.undo()
    window.editor.set_property("technical-gate", "description", "Checks")
    assert last_label(window) == "Change description of 'Technical validation gate'"
    window.editor.delete(["request"])
    assert last_label(window) == "Delete 'Deployment request'"


def test_hostile_names_stay_on_one_line_and_keep_their_ampersands(window: MainWindow) -> None:
    window.editor.set_property("request", "name", "R&D  request \u202eevil\u200b")
    window.editor.move({"request": (5, 5)})
    assert last_label(window) == "Move 'R&D request evil'"
    # a menu reads a single & as a shortcut letter: the Undo action doubles it
    assert undo_action(window).text() == "&Undo Move 'R&&D request evil'"
    window.editor.set_property("request", "name", "x" * 300)
    window.editor.move({"request": (15, 5)})
    assert len(last_label(window)) < 60
    assert last_label(window).endswith("…'")
