"""A dialog listing every menu action with its shortcut."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)


def menu_shortcuts(window: QMainWindow) -> list[tuple[str, str, str]]:
    """(menu, action, shortcut) for every action with a shortcut, in menu order."""
    rows = []

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu(), f"{path} › {action.text().replace('&', '')}")
            elif not action.shortcut().isEmpty():
                shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                rows.append((path, action.text().replace("&", ""), shortcut))

    for top in window.menuBar().actions():
        if top.menu() is not None:
            walk(top.menu(), top.text().replace("&", ""))
    return rows


class ShortcutsDialog(QDialog):
    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        rows = [
            *menu_shortcuts(window),
            ("Canvas", "Zoom", "Ctrl+wheel or pinch"),
            ("Canvas", "Pan", "Space+drag or middle button"),
            ("Canvas", "Connect", "Drag from a node's right handle (or Insert › Connect)"),
            ("Canvas", "Move the selected nodes", "Arrow keys (with Shift: ten grid steps)"),
            ("Palette", "Add the highlighted kind", "Enter"),
        ]
        table = QTableWidget(len(rows), 3, self)
        table.setHorizontalHeaderLabels(["Menu", "Command", "Shortcut"])
        table.setAccessibleName("Keyboard shortcuts")
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                table.setItem(row, column, QTableWidgetItem(value))
        table.resizeColumnsToContents()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.resize(560, 480)
