"""Find as a person uses it: Ctrl+F, type, every match listed; a click on a result, Enter,
F3 and Shift+F3 show the element, centred and legible."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QListWidget

from app.model.templates import load_template
from app.ui.canvas.view import LEGIBLE_ZOOM
from app.ui.finder import matches
from app.ui.main_window import MainWindow
from tests.gui.viewing import laptop_window, settle, viewport_point


@pytest.fixture
def window(qtbot) -> MainWindow:
    made = laptop_window(qtbot, load_template("deployment-approval"))
    made.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is made)
    yield made
    made.editor.stack.setClean()


def type_search(window: MainWindow, text: str) -> None:
    window.view.setFocus()
    QTest.keySequence(window, QKeySequence(QKeySequence.StandardKey.Find))
    settle()
    QTest.keyClicks(QApplication.focusWidget(), text)
    settle()


def results(window: MainWindow) -> list[str]:
    listing = window.find_panel.results
    return [listing.item(r).data(Qt.ItemDataRole.UserRole) for r in range(listing.count())]


def assert_centred_legibly(window: MainWindow, element_id: str) -> None:
    assert window.scene.selected_ids() == [element_id]
    assert window.view.zoom() >= LEGIBLE_ZOOM
    item = window.scene.nodes.get(element_id)
    if item is not None:
        centre = viewport_point(window, item.pos())
        assert (centre - window.view.viewport_centre()).manhattanLength() <= 2


def test_ctrl_f_puts_the_keyboard_in_the_search_box(window: MainWindow) -> None:
    window.view.setFocus()
    QTest.keySequence(window, QKeySequence(QKeySequence.StandardKey.Find))
    assert QApplication.focusWidget() is window.find_panel.box
    assert window.find_dock.isVisible()


def test_every_match_is_listed_and_a_click_shows_it(window: MainWindow) -> None:
    type_search(window, "valid")
    expected = matches(window.editor.doc, "valid")
    assert len(expected) >= 3 and results(window) == expected
    assert window.find_panel.count.text() == f"{len(expected)} matches"
    # names, not only ids, are what the list shows
    first = window.find_panel.results.item(0).text()
    assert window.editor.doc.node(expected[0]).name in first
    window.view.set_zoom(0.15)
    window.view.pan_to(QPointF(-4000, -4000))
    listing: QListWidget = window.find_panel.results
    row = listing.item(2)
    QTest.mouseClick(
        listing.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier(0),
        listing.visualItemRect(row).center(),
    )
    assert_centred_legibly(window, expected[2])


def test_enter_f3_and_shift_f3_step_through_the_matches(window: MainWindow) -> None:
    type_search(window, "GATE")
    expected = matches(window.editor.doc, "gate")
    assert len(expected) > 2
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert_centred_legibly(window, expected[0])
    QTest.keySequence(window, QKeySequence(QKeySequence.StandardKey.FindNext))
    assert_centred_legibly(window, expected[1])
    assert window.statusBar().currentMessage().startswith(f"Match 2 of {len(expected)}")
    assert window.find_panel.results.currentRow() == 1
    QTest.keySequence(window, QKeySequence(QKeySequence.StandardKey.FindPrevious))
    QTest.keySequence(window, QKeySequence(QKeySequence.StandardKey.FindPrevious))
    assert window.scene.selected_ids() == [expected[-1]]  # wrapped around to the last


def test_down_arrow_goes_from_the_box_to_the_results(window: MainWindow) -> None:
    type_search(window, "gate")
    assert len(results(window)) > 2
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    assert QApplication.focusWidget() is window.find_panel.results
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert window.scene.selected_ids() == [results(window)[1]]


def test_nothing_matching_says_so(window: MainWindow) -> None:
    type_search(window, "zebra")
    assert results(window) == []
    assert window.find_panel.count.text() == "Nothing matches 'zebra'"
    window.scene.select_ids(["request"])
    QTest.keySequence(window, QKeySequence(QKeySequence.StandardKey.FindNext))
    assert window.scene.selected_ids() == ["request"]
    assert "Nothing matches 'zebra'" in window.statusBar().currentMessage()


def test_f3_with_nothing_looked_for_opens_find(window: MainWindow) -> None:
    window.view.setFocus()
    QTest.keySequence(window, QKeySequence(QKeySequence.StandardKey.FindNext))
    assert QApplication.focusWidget() is window.find_panel.box


def test_connections_are_found_by_id(window: MainWindow) -> None:
    edge = window.editor.doc.edges[0].id
    type_search(window, edge)
    assert edge in results(window)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert window.scene.selected_ids() == [matches(window.editor.doc, edge)[0]]


def test_the_list_follows_edits(window: MainWindow) -> None:
    type_search(window, "verify")
    found = results(window)
    assert found
    window.editor.delete([found[0]])
    settle()
    assert found[0] not in results(window)
    window.editor.stack.undo()
    settle()
    assert results(window) == found


def test_hostile_text_is_searched_literally(window: MainWindow) -> None:
    """A regex, markup or a bidi control is text to look for, nothing more."""
    window.editor.set_property("request", "name", "R&D <b>request</b> (.*) \u202e")
    type_search(window, "(.*)")
    assert results(window) == ["request"]
    assert "<b>" in window.find_panel.results.item(0).text()
    assert "\u202e" not in window.find_panel.results.item(0).text()
