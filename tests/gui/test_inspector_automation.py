"""A runbook action's Automation in the inspector: chosen with the keyboard, one undoable
step, and what the maturity assessment then sees."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from app.validate.assess import assess_document
from tests.gui.inspecting import Steps, click, focused, press, select, widget


def test_automation_is_chosen_in_the_inspector_and_undone(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitActive(window)
    form = select(window, "acc-redeploy")
    field = widget(form, "Automation")
    assert field.currentText() == "manual (a person)"
    steps = Steps(window)
    click(window, field)  # opens the drop-down list; the keys go to it
    qtbot.waitUntil(lambda: focused() is not None)
    press(Qt.Key.Key_Down)
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: window.editor.doc.node("acc-redeploy").automation == "registry-rollback"
    )
    assert steps.pushed == 1
    assert isinstance(field, QComboBox) and field.currentText() == "registry rollback (pipeline)"
    # The other steps of the runbook are still people's: rollback is not fully automated.
    technology_4 = next(
        s
        for s in assess_document(window.editor.doc).categories[2].statements
        if s.id == "technology-4"
    )
    assert "steps for people: acc-initiate, acc-approve" in technology_4.evidence()
    window.editor.stack.undo()
    assert window.editor.doc.node("acc-redeploy").automation == "manual"
    assert field.currentText() == "manual (a person)"
