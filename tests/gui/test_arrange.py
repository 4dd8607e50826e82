"""Align and distribute: the geometry, and the Arrange menu on a real window."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.ui.arrange import Box, align, distribute
from app.ui.main_window import MainWindow

ALT_SHIFT = Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier
BOXES = {
    "a": Box(0, 0, 150, 56),
    "b": Box(300, 90, 150, 80),  # a gate: taller
    "c": Box(100, 300, 140, 62),
}


@pytest.mark.parametrize(
    ("edge", "expected"),
    [
        ("left", {"a": (0, 0), "b": (0, 90), "c": (-5, 300)}),
        ("right", {"a": (300, 0), "b": (300, 90), "c": (305, 300)}),
        ("centre", {"a": (150, 0), "b": (150, 90), "c": (150, 300)}),
        ("top", {"a": (0, 0), "b": (300, 12), "c": (100, 3)}),
        ("bottom", {"a": (0, 303), "b": (300, 291), "c": (100, 300)}),
        ("middle", {"a": (0, 151.5), "b": (300, 151.5), "c": (100, 151.5)}),
    ],
)
def test_align(edge: str, expected: dict) -> None:
    assert align(BOXES, edge) == expected


def test_distribute_keeps_the_ends_and_makes_equal_gaps() -> None:
    boxes = {
        "a": Box(0, 0, 100, 50),
        "b": Box(120, 10, 100, 50),
        "c": Box(600, 20, 100, 50),
        "d": Box(200, 30, 100, 50),
    }
    placed = distribute(boxes, "horizontal")
    assert placed["a"] == (0, 0) and placed["c"] == (600, 20)  # the outermost stay
    xs = sorted(x for x, _y in placed.values())
    gaps = {round(b - a, 6) for a, b in itertools.pairwise(xs)}
    assert gaps == {200.0}
    assert [i for i, _p in sorted(placed.items(), key=lambda kv: kv[1][0])] == ["a", "b", "d", "c"]
    vertical = distribute(boxes, "vertical")
    assert {x for x, _y in vertical.values()} == {0, 120, 600, 200}  # x untouched
    assert vertical["a"][1] == 0 and vertical["c"][1] == 20


def test_unknown_edges_are_refused() -> None:
    with pytest.raises(ValueError):
        align(BOXES, "diagonal")
    with pytest.raises(ValueError):
        distribute(BOXES, "diagonal")


@pytest.fixture
def three(blank: MainWindow):  # type: ignore[no-untyped-def]
    made = blank
    editor = made.editor
    ids = [
        editor.add_node("stage", (0, 0), "Development"),
        editor.add_node("gate", (260, 70), "Review"),
        editor.add_node("stage", (700, -40), "Production"),
    ]
    return made, ids


def test_align_and_distribute_from_the_keyboard(three) -> None:  # type: ignore[no-untyped-def]
    window, ids = three
    window.scene.select_ids(ids)
    window.view.setFocus()
    depth = window.editor.stack.count()
    QTest.keyClick(window.view, Qt.Key.Key_T, ALT_SHIFT)  # Align top
    tops = {round(window.scene.nodes[i].sceneBoundingRect().top() + 10, 3) for i in ids}
    assert tops == {-68.0}  # the highest node's top: -40 - 56/2, and the items show it
    assert window.editor.stack.count() == depth + 1
    assert window.editor.stack.undoText() == "Align top 3 nodes"
    QTest.keyClick(window.view, Qt.Key.Key_H, ALT_SHIFT)  # Distribute horizontally
    layout = window.editor.doc.layout
    lefts = sorted(layout[i].x - 75 for i in ids)
    assert lefts[1] - (lefts[0] + 150) == pytest.approx(lefts[2] - (lefts[1] + 150))
    assert window.editor.stack.count() == depth + 2
    window.editor.stack.undo()
    window.editor.stack.undo()
    assert (layout[ids[1]].x, layout[ids[1]].y) == (260, 70)


def test_arrange_needs_enough_nodes(three) -> None:  # type: ignore[no-untyped-def]
    window, ids = three
    window.scene.select_ids(ids[:2])
    depth = window.editor.stack.count()
    menu = {a.text().replace("&", ""): a for a in window.menuBar().actions()}["Arrange"].menu()
    actions = {a.text().replace("&", ""): a for a in menu.actions()}
    actions["Distribute vertically"].trigger()
    assert "select at least 3 nodes" in window.statusBar().currentMessage()
    actions["Align right"].trigger()
    assert window.editor.stack.count() == depth + 1
    window.scene.select_ids(ids[:1])
    actions["Align left"].trigger()
    assert window.editor.stack.count() == depth + 1
    assert [a.shortcut().toString() for a in menu.actions() if not a.isSeparator()] == [
        "Alt+Shift+L",
        "Alt+Shift+C",
        "Alt+Shift+R",
        "Alt+Shift+T",
        "Alt+Shift+M",
        "Alt+Shift+B",
        "Alt+Shift+H",
        "Alt+Shift+V",
    ]
