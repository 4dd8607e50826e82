"""Shared helpers of the inspector tests: the window, selecting, reading forms and tables."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QWidget

from app.ui.main_window import MainWindow
from app.ui.panels.binding import Form
from app.ui.panels.criteria_table import CriteriaTable
from app.ui.panels.fields import InlineError
from app.ui.panels.record_table import RecordTable

COLUMNS = {
    name: number
    for number, name in enumerate(
        [
            "id",
            "name",
            "form",
            "subject",
            "op",
            "value",
            "severity",
            "on_missing",
            "on_invalid",
            "tiers",
        ]
    )
}


def select(window: MainWindow, *ids: str) -> Any:
    window.scene.select_ids(list(ids))
    return window.inspector.form


def widget(form: QWidget, name: str) -> Any:
    """The editor widget of ``form`` whose accessible name is ``name``."""
    found = [w for w in form.findChildren(QWidget) if w.accessibleName() == name]
    assert found, f"no widget named {name!r}"
    return found[0]


def shown_errors(form: QWidget) -> list[str]:
    return [label.text() for label in form.findChildren(InlineError) if not label.isHidden()]


def retype(qtbot, field: QLineEdit, text: str) -> None:
    field.selectAll()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


class Steps:
    """Counts the commands pushed since creation."""

    def __init__(self, window: MainWindow) -> None:
        self.stack = window.editor.stack
        self.start = self.stack.count()

    @property
    def pushed(self) -> int:
        return self.stack.count() - self.start


def assert_one_undoable_step(window: MainWindow, steps: Steps, read, old, new) -> None:  # type: ignore[no-untyped-def]
    assert read() == new
    assert steps.pushed == 1
    window.editor.stack.undo()
    assert read() == old
    window.editor.stack.redo()
    assert read() == new


def criteria(form: Form) -> CriteriaTable:
    return next(table for table in form.tables if isinstance(table, CriteriaTable))


def cell(table: RecordTable, row: int, column: str) -> Any:
    return table.model.index(row, COLUMNS[column])
