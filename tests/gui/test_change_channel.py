"""One change channel: the document's events of one edit reach the views once, as one batch
(done, undone or redone), and the canvas, outline, inspector and problems all follow it."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.model.document import Sop
from app.model.events import ChangeBatch
from app.ui.main_window import MainWindow
from app.validate.engine import validate
from synthetic.documents import large_document
from tests.gui.inspecting import Steps, criteria, record_field, retype, select, shown_errors, widget
from tests.gui.seen import scene_fill, settle, shows


@pytest.fixture
def large(qtbot):  # type: ignore[no-untyped-def]
    """The designer on a valid 151-node document."""
    made = MainWindow(Sop.model_validate(large_document(30)))
    qtbot.addWidget(made)
    made.resize(1280, 800)
    made.show()
    qtbot.waitExposed(made)
    yield made
    made.editor.stack.setClean()


def batches(window: MainWindow) -> list[ChangeBatch]:
    seen: list[ChangeBatch] = []
    window.editor.changed.connect(seen.append)
    return seen


def drawn(window: MainWindow, node_id: str) -> bool:
    """Whether the node's fill shows on the real view, just inside its left edge."""
    view, scene = window.view, window.scene
    item = scene.nodes[node_id]
    inside = item.mapToScene(QPointF(item.boundingRect().center().x() - 60, 0))
    view.centerOn(inside)
    QApplication.processEvents()
    image = view.viewport().grab().toImage()
    paper = scene.backgroundBrush().color()
    return shows(image, view.mapFromScene(inside), QColor(scene_fill(item.kind)), paper)


def validated(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """Wait for the validation the last edit started (the window waits a moment first)."""
    assert window._validation.isActive()
    with qtbot.waitSignal(window._validation.timeout, timeout=30_000):
        pass


def outline_counts(window: MainWindow) -> list[str]:
    outline = window.outline
    return [outline.topLevelItem(i).text(0) for i in range(1, outline.topLevelItemCount())]


def test_deleting_100_nodes_is_one_batch_and_undo_redo_update_every_view(qtbot, large) -> None:
    window, doc = large, large.editor.doc
    settle(window)
    # everything but the triggers of the first 25 units: those are left without runbooks
    doomed = [node.id for node in doc.nodes if node.kind != "trigger"][:100]
    kept = next(node.id for node in doc.nodes if node.kind == "trigger")
    before = outline_counts(window)
    assert drawn(window, doomed[0])
    window.scene.select_ids(doomed)
    seen = batches(window)
    window.view.setFocus()
    QTest.keyClick(window.view.viewport(), Qt.Key.Key_Delete)
    assert len(seen) == 1  # one edit, one batch: its ~200 node and edge events together
    assert sum(event.change == "node-removed" for event in seen[0].events) == 100
    assert not set(doomed) & set(window.scene.nodes) and kept in window.scene.nodes
    assert outline_counts(window) != before
    validated(qtbot, window)  # validation follows the same batch (after its short delay)
    assert window.diagnostics == validate(doc) != []
    assert window.validity_label.text().endswith("warning(s)")
    assert window.problems.rowCount() == len(window.diagnostics)

    window.editor.stack.undo()
    assert len(seen) == 2
    assert set(doomed) <= set(window.scene.nodes)
    assert outline_counts(window) == before
    validated(qtbot, window)
    assert window.validity_label.text() == "✔ valid" and window.problems.rowCount() == 0
    settle(window)
    assert drawn(window, doomed[0]) and drawn(window, doomed[-1])

    window.editor.stack.redo()
    assert len(seen) == 3
    assert not set(doomed) & set(window.scene.nodes)
    select(window, kept)  # the inspector shows what is left
    assert window.inspector.form.element_id == kept


def test_an_undo_view_jump_over_an_add_and_its_delete_is_one_batch(qtbot, window) -> None:
    """Jumping back over several steps delivers their events together: a node added and
    deleted again within them leaves no item behind, and nothing fails on the way."""
    editor = window.editor
    node = editor.add_node("stage", (900, 600))
    editor.set_property(node, "name", "Short-lived")
    editor.delete([node])
    seen = batches(window)
    editor.stack.setIndex(editor.stack.index() - 3)
    assert len(seen) == 1 and node not in window.scene.nodes
    editor.stack.setIndex(editor.stack.index() + 2)  # added and renamed again
    assert len(seen) == 2 and window.scene.nodes[node].name == "Short-lived"


def test_an_edit_that_changes_nothing_is_no_undo_step(qtbot, window) -> None:
    """The same criteria again, as the inspector's table hands them over (plain data), and
    the same threshold typed again: no step, no batch."""
    editor, doc = window.editor, window.editor.doc
    steps, seen = Steps(window), batches(window)
    same = [c.model_dump(mode="json") for c in doc.node("production-gate").criteria]
    editor.set_property("production-gate", "criteria", same)
    editor.set_document_property("title", doc.title)
    editor.set_together(
        "Nothing new", {"title": doc.title}, [("production-gate", "criteria", same)]
    )
    table = criteria(select(window, "production-gate"))
    threshold = record_field(table, "value", row=2)
    retype(qtbot, threshold, threshold.text())
    assert steps.pushed == 0 and seen == []
    assert not window.isWindowModified()


def test_renaming_to_a_taken_id_shows_the_documents_error_inline(qtbot, window) -> None:
    form = select(window, "production-gate")
    steps = Steps(window)
    retype(qtbot, widget(form, "Id"), "staging")
    assert steps.pushed == 0 and window.editor.doc.has_node("production-gate")
    assert shown_errors(form) == [
        "id 'staging' is already used among the nodes and edges; choose another"
    ]


def test_a_refused_change_in_a_step_of_several_leaves_nothing(qtbot, window) -> None:
    """The second change of a step is refused: the first is taken back, no step remains,
    and neither the redo list nor the canvas keeps a trace."""
    editor, doc = window.editor, window.editor.doc
    name = doc.node("production-gate").name
    steps = Steps(window)
    with pytest.raises(ValueError):
        editor.set_together("Two changes", {"title": "Renamed"}, [("production-gate", "name", "")])
    assert doc.title != "Renamed" and doc.node("production-gate").name == name
    assert steps.pushed == 0 and not editor.stack.canRedo()
