"""Edit › Auto-layout from the menu: one undoable move, top to bottom or left to right, long
rows wrapped to the window; a missing or failing Graphviz is said, never passed over."""

from __future__ import annotations

import html
import itertools
import os
import stat
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QPushButton

from app.model.document import Sop, new_document
from app.model.io import dumps_document
from app.ui.canvas.view import LEGIBLE_ZOOM
from app.ui.main_window import MainWindow
from tests.environment import IN_CI
from tests.gui.viewing import laptop_window, settle, viewport_rect

needs_dot = pytest.mark.skipif(
    not IN_CI
    and not any((Path(p) / "dot").exists() for p in os.environ.get("PATH", "").split(os.pathsep)),
    reason="Graphviz's dot is not installed",
)


def chain(length: int) -> Sop:
    """A promote path of ``length`` nodes, stages and gates in turn, all placed at (0, 0)."""
    doc = new_document("long", "Long path")
    previous = None
    for index in range(length):
        kind = "stage" if index % 2 == 0 else "gate"
        node = f"{kind}-{index}"
        doc.add_node({"kind": kind, "id": node, "name": f"{kind.title()} {index}"}, (0, 0))
        if previous:
            doc.connect(previous, node, "promote", f"p{index}")
        previous = node
    return doc


def menu_action(window: MainWindow, text: str):  # type: ignore[no-untyped-def]
    for action in window.layout_menu.actions():
        if action.text().replace("&", "") == text:
            return action
    raise AssertionError(text)


def lay_out(qtbot, window: MainWindow, keys: str) -> None:  # type: ignore[no-untyped-def]
    count = window.editor.stack.count()
    window.view.setFocus()
    with qtbot.waitSignal(window.layout_runner.finished, timeout=60_000):
        QTest.keySequence(window, QKeySequence(keys))
    assert window.editor.stack.count() == count + 1
    settle()


def nodes_rect(window: MainWindow) -> QRectF:
    bounds = QRectF()
    for item in window.scene.nodes.values():
        bounds = bounds.united(item.sceneBoundingRect())
    return bounds


@needs_dot
def test_a_long_promote_path_wraps_into_rows_that_fit_legibly(qtbot) -> None:
    doc = chain(24)
    window = laptop_window(qtbot, doc)
    before = dumps_document(doc)
    lay_out(qtbot, window, "Ctrl+Shift+L")
    assert window.editor.stack.undoText() == "Auto-layout left to right"
    rows = sorted({round(p.y) for p in doc.layout.values()})
    assert len(rows) > 1, "wrapped, not one long row"
    # along each row the path reads left to right
    order = [n.id for n in doc.nodes]
    for earlier, later in itertools.pairwise(order):
        a, b = doc.layout[earlier], doc.layout[later]
        assert b.x > a.x or b.y > a.y
    # and the whole shows at a legible zoom in the window
    assert window.view.zoom() >= LEGIBLE_ZOOM
    viewport = QRectF(window.view.viewport().rect())
    assert viewport.contains(viewport_rect(window, nodes_rect(window)))
    # one undo puts every node back
    window.editor.stack.undo()
    assert dumps_document(doc) == before
    window.editor.stack.setClean()


@needs_dot
def test_top_to_bottom_runs_the_path_down_columns(qtbot) -> None:
    doc = chain(9)
    window = laptop_window(qtbot, doc)
    lay_out(qtbot, window, "Ctrl+L")
    assert window.editor.stack.undoText() == "Auto-layout top to bottom"
    order = [n.id for n in doc.nodes]
    for earlier, later in itertools.pairwise(order):
        a, b = doc.layout[earlier], doc.layout[later]
        assert b.y > a.y or b.x > a.x
    columns = {round(p.x) for p in doc.layout.values()}
    assert len(columns) < len(order)
    for item_id, item in window.scene.nodes.items():
        assert (item.pos().x(), item.pos().y()) == (doc.layout[item_id].x, doc.layout[item_id].y)
    window.editor.stack.setClean()


def test_the_menu_offers_both_directions(qtbot) -> None:
    window = laptop_window(qtbot, chain(3))
    assert menu_action(window, "Top to bottom").shortcut().toString() == "Ctrl+L"
    assert menu_action(window, "Left to right").shortcut().toString() == "Ctrl+Shift+L"


def fake_dot(folder: Path, script: str) -> None:
    program = folder / "dot"
    program.write_text("#!/bin/sh\n" + script)
    program.chmod(program.stat().st_mode | stat.S_IEXEC)


def answer_question(monkeypatch, reply: QMessageBox.StandardButton) -> list[str]:  # type: ignore[no-untyped-def]
    asked: list[str] = []

    def question(_parent, _title, text, *_args, **_kwargs):  # type: ignore[no-untyped-def]
        asked.append(html.unescape(text))
        return reply

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


def test_without_graphviz_it_says_so_and_moves_nothing_unless_asked(
    qtbot, monkeypatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot anywhere
    doc = chain(5)
    window = laptop_window(qtbot, doc)
    before = dumps_document(doc)
    asked = answer_question(monkeypatch, QMessageBox.StandardButton.No)
    window.view.setFocus()
    with qtbot.waitSignal(window.layout_runner.finished, timeout=60_000):
        QTest.keySequence(window, QKeySequence("Ctrl+L"))
    assert "dot program was not found" in asked[0] and "built-in" in asked[0]
    assert dumps_document(doc) == before and window.editor.stack.count() == 0
    assert "nothing moved" in window.statusBar().currentMessage()
    # asked again, the user takes the built-in layout: one undoable step
    asked = answer_question(monkeypatch, QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(window.layout_runner.finished, timeout=60_000):
        QTest.keySequence(window, QKeySequence("Ctrl+Shift+L"))
    assert window.editor.stack.count() == 1
    assert window.editor.stack.undoText() == "Auto-layout left to right (built-in)"
    assert len({(p.x, p.y) for p in doc.layout.values()}) == len(doc.nodes)
    window.editor.stack.setClean()


def test_a_failing_graphviz_is_reported_with_its_message(
    qtbot, monkeypatch, tmp_path: Path
) -> None:
    fake_dot(tmp_path, 'echo "Error: <stdin>: syntax error in line 3" >&2\nexit 1\n')
    monkeypatch.setenv("PATH", str(tmp_path))
    window = laptop_window(qtbot, chain(3))
    asked = answer_question(monkeypatch, QMessageBox.StandardButton.No)
    with qtbot.waitSignal(window.layout_runner.finished, timeout=60_000):
        QTest.keySequence(window, QKeySequence("Ctrl+L"))
    assert "failed (exit 1): Error: <stdin>: syntax error in line 3" in asked[0]
    assert window.editor.stack.count() == 0


def test_a_slow_layout_shows_progress_and_can_be_cancelled(
    qtbot, monkeypatch, tmp_path: Path
) -> None:
    fake_dot(tmp_path, "exec /bin/sleep 20\n")
    monkeypatch.setenv("PATH", str(tmp_path))
    doc = chain(5)
    window = laptop_window(qtbot, doc)
    before = dumps_document(doc)
    QTest.keySequence(window, QKeySequence("Ctrl+L"))
    qtbot.waitUntil(
        lambda: any(
            isinstance(w, QProgressDialog) and w.isVisible() for w in QApplication.topLevelWidgets()
        ),
        timeout=5000,
    )
    (dialog,) = [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QProgressDialog) and w.isVisible()
    ]
    assert "Laying out 5 nodes" in dialog.labelText()
    (cancel,) = dialog.findChildren(QPushButton)
    with qtbot.waitSignal(window.layout_runner.finished, timeout=60_000):
        QTest.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert dumps_document(doc) == before
    assert "cancelled" in window.statusBar().currentMessage()


def test_an_empty_document_has_nothing_to_lay_out(qtbot) -> None:
    window = laptop_window(qtbot, new_document())
    QTest.keySequence(window, QKeySequence("Ctrl+L"))
    QTimer.singleShot(0, lambda: None)
    settle()
    assert "Nothing to lay out" in window.statusBar().currentMessage()
    assert window.editor.stack.count() == 0
