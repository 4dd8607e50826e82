"""The document panel's Document control section, edited by typing as a person does: the
fields land in the document (one undo step each), a bad date is an inline message, and
the next review date follows the effective date and the cycle."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.gui.inspecting import click, focused, press, select, typed

TAB, RETURN = Qt.Key.Key_Tab, Qt.Key.Key_Return


@pytest.fixture
def active(window):  # type: ignore[no-untyped-def]
    window.activateWindow()
    QApplication.setActiveWindow(window)
    return window


def type_into(window: Any, field: Any, text: str) -> None:
    click(window, field)
    assert focused() is field
    field.selectAll()
    typed(text)
    press(RETURN)


def test_type_the_control_fields(qtbot, active) -> None:  # type: ignore[no-untyped-def]
    form = select(active)
    doc = lambda: active.editor.doc  # noqa: E731
    type_into(active, form.control_number, "SOP-ML-004")
    qtbot.waitUntil(lambda: doc().document_number == "SOP-ML-004")
    type_into(active, form.control_effective, "2026-02-31")
    qtbot.waitUntil(lambda: form.sections[1].error.isVisible())
    assert "YYYY-MM-DD" in form.sections[1].error.text()
    assert doc().effective_date == ""
    type_into(active, form.control_effective, "2026-01-31")
    qtbot.waitUntil(lambda: doc().effective_date == "2026-01-31")
    type_into(active, form.control_review, "1")
    qtbot.waitUntil(lambda: doc().review_months == 1)
    assert form.control_next.text() == "2026-02-28"
    active.editor.stack.undo()
    assert doc().review_months is None and doc().effective_date == "2026-01-31"


def test_add_a_document_approver_by_typing(qtbot, active) -> None:  # type: ignore[no-untyped-def]
    form = select(active)
    click(active, form.approvers.buttons["add"])
    assert form.approvers.view.isAncestorOf(focused())
    for key in ("Ada Lovelace", TAB, "Head of model risk", TAB, "2026-01-20", RETURN):
        typed(key) if isinstance(key, str) else press(key)
    qtbot.waitUntil(lambda: active.editor.doc.approvers[-1].date == "2026-01-20")
    approver = active.editor.doc.approvers[-1]
    assert (approver.name, approver.role) == ("Ada Lovelace", "Head of model risk")
