"""Names that look like HTML are shown as typed: Qt guesses rich text for tooltips,
message boxes and labels, and would render ``<b>`` in bold or hide ``<script>``."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel, QMessageBox

from app.model.document import new_document
from app.ui.dialogs.connect import ConnectDialog
from app.ui.main_window import MainWindow
from app.ui.plain import literal, plain_label
from app.validate.diagnostics import Diagnostic

HOSTILE = '<b>Prod</b> & <script>alert("x")</script>'


@pytest.fixture
def blank(qtbot):  # type: ignore[no-untyped-def]
    made = MainWindow(new_document())
    qtbot.addWidget(made)
    made.show()
    yield made
    made.editor.stack.setClean()


def _shown(rich: str) -> str:
    """What a rich-text widget (a tooltip, a message box) displays for ``rich``."""
    document = QTextDocument()
    document.setHtml(rich)
    return document.toPlainText()


def test_literal_shows_exactly_the_text(qtbot) -> None:  # type: ignore[no-untyped-def]
    assert _shown(literal(HOSTILE)) == HOSTILE
    assert _shown(literal("two\nlines")) == "two\nlines"
    assert _shown(literal("Prod  (EU)\n    ^ here")) == "Prod  (EU)\n    ^ here"  # spaces kept
    assert plain_label(HOSTILE).textFormat() == Qt.TextFormat.PlainText


def test_hostile_names_in_the_inspector_canvas_and_problems(blank: MainWindow) -> None:
    node = blank.editor.add_node("stage", (0, 0), HOSTILE)
    blank.select_element(node)
    headings = [
        label
        for label in blank.inspector.findChildren(QLabel)
        if label.accessibleName() == "Inspector heading" and label.isVisibleTo(blank)
    ]
    assert headings
    assert headings[0].text() == f"Stage: {HOSTILE}"
    assert headings[0].textFormat() == Qt.TextFormat.PlainText
    assert _shown(blank.scene.nodes[node].toolTip()) == HOSTILE
    problem = Diagnostic("names", "warning", f"node {HOSTILE!r} is odd", fix=HOSTILE)
    blank.problems.show_diagnostics([problem])
    for column in (2, 3):
        item = blank.problems.item(0, column)
        assert HOSTILE in item.text() and _shown(item.toolTip()) == item.text()


def test_connect_dialog_reason_and_error_boxes_are_plain(
    blank: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = blank.editor.add_node("stage", (0, 0), HOSTILE)
    blank.editor.add_node("check", (200, 0), "<i>check</i>")
    dialog = ConnectDialog(blank.editor, source, blank)
    assert dialog.reason.textFormat() == Qt.TextFormat.PlainText
    item = dialog.targets.item(0)
    assert "<i>check</i>" in item.text()  # list items are always plain
    assert _shown(item.toolTip()) == blank.editor.why_not(
        source, item.data(Qt.ItemDataRole.UserRole)
    )
    dialog.deleteLater()
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: said.append(text))
    assert not blank.files.open_path("/nonexistent/<b>bold</b>.sop.json")
    assert said and "<b>bold</b>.sop.json" in _shown(said[0])
