"""A note on any node: typed in the inspector, shown on hover and on the canvas, exported."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from app.model.io import dumps_document, loads_document
from app.model.templates import load_template, template_text
from app.validate.engine import validate
from tests.gui.inspecting import select, widget

NOTE = "Ask risk whether <b>AUC</b> | 0.8 is enough"
MARK = QColor("#fde68a")


def test_an_empty_note_is_left_out_of_the_file() -> None:
    text = template_text("deployment-gate")
    doc = loads_document(text)
    assert dumps_document(doc) == text  # templates (and golden files) are unchanged
    doc.set_field(doc.nodes[0].id, "note", "Check with legal")
    saved = dumps_document(doc)
    assert '"note": "Check with legal"' in saved
    assert loads_document(saved).nodes[0].note == "Check with legal"
    doc.set_field(doc.nodes[0].id, "note", "")
    assert dumps_document(doc) == text


def test_a_note_does_not_change_validation_or_the_spec() -> None:
    doc = load_template("deployment-gate")
    before = [(d.rule, d.elements) for d in validate(doc)]
    for node in doc.nodes:
        doc.set_field(node.id, "note", "a reviewer's remark")
    assert [(d.rule, d.elements) for d in validate(doc)] == before


def _mark_shown(window, node_id: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether the note mark's yellow is drawn at the node's top-left, on screen."""
    item = window.scene.nodes[node_id]
    view = window.view
    view.centerOn(item)
    QApplication.processEvents()
    corner = item.mapToScene(item.boundingRect().topLeft())
    box = view.mapFromScene(
        QRectF(corner, QPointF(corner.x() + 24, corner.y() + 24))
    ).boundingRect()
    image: QImage = view.viewport().grab(box).toImage()
    for y in range(image.height()):
        for x in range(image.width()):
            c = image.pixelColor(x, y)
            if (
                abs(c.red() - MARK.red())
                + abs(c.green() - MARK.green())
                + abs(c.blue() - MARK.blue())
                < 30
            ):
                return True
    return False


def test_note_typed_in_the_inspector_shows_on_hover_and_as_a_mark(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    node_id = "production-gate"
    window.view.set_zoom(1.0)
    window.scene.select_none()
    assert not _mark_shown(window, node_id)
    form = select(window, node_id)
    note = widget(form, "Note")
    note.setFocus()
    qtbot.waitUntil(note.hasFocus)
    depth = window.editor.stack.count()
    qtbot.keyClicks(QApplication.focusWidget(), NOTE)
    assert window.editor.doc.node(node_id).note == ""  # not per keystroke
    qtbot.keyClick(
        QApplication.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
    )
    assert window.editor.doc.node(node_id).note == NOTE
    assert window.editor.stack.count() == depth + 1
    item = window.scene.nodes[node_id]
    tip = item.toolTip()
    assert "Note: Ask risk whether &lt;b&gt;AUC&lt;/b&gt; | 0.8 is enough" in tip  # literal
    assert tip.index("Note:") > tip.index(window.editor.doc.node(node_id).name)
    window.scene.select_none()
    assert _mark_shown(window, node_id)
    window.editor.stack.undo()
    assert "Note:" not in window.scene.nodes[node_id].toolTip()
    assert not _mark_shown(window, node_id)


def test_problem_and_note_share_the_tooltip(window) -> None:  # type: ignore[no-untyped-def]
    item = window.scene.nodes["production-gate"]
    window.editor.set_property("production-gate", "note", "Remember the audit")
    item.set_problem("error", "the gate has no criteria")
    assert "error: the gate has no criteria" in item.toolTip()
    assert "Note: Remember the audit" in item.toolTip()
    item.set_problem(None)
    assert "error:" not in item.toolTip() and "Note: Remember the audit" in item.toolTip()
